"""The `[[probes]]` tables of astreinte.toml → checked `ProbeSpec`s.

    [[probes]]
    name = "redis"
    kind = "redis"                     # http tcp tls postgres redis queue disk load command
    target = "redis://127.0.0.1:6379/0"
    interval = "10s"                   # also "500ms", "1m"; 30s when not given
    timeout = "2s"                     # 5s (at most the interval) when not given
    service = "sylion"
    procedure = "<procedure id>"       # else the matcher chooses from the alert
    symptom = "Redis ne répond plus"   # the alert's title; else the failure's own detail
    severity = "critical"
    fall = 2                           # failures in a row before the probe is down
    rise = 2                           # successes in a row before it is up again
    max_memory_percent = 90            # the kind's own options, at the same level

Every mistake is one sentence naming the file, the line and what to write. tomllib gives no
positions, so the line is found by reading the file's text: the n-th `[[probes]]` header, then
the key within that table.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.probe import ProbeKind, ProbeSpec, parse_duration
from astreinte.errors import InputError

COMMON = (
    "name",
    "kind",
    "target",
    "interval",
    "timeout",
    "service",
    "procedure",
    "symptom",
    "severity",
    "fall",
    "rise",
    "flap_changes",
    "flap_minutes",
)
DEFAULT_INTERVAL = timedelta(seconds=30)
DEFAULT_TIMEOUT = timedelta(seconds=5)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_PROBES_HEADER = re.compile(r"^\s*\[\[\s*probes\s*\]\]\s*(#.*)?$")
_SUB_TABLE = re.compile(r"^\s*\[\s*probes\s*\.\s*([A-Za-z0-9_-]+)")
_HEADER = re.compile(r"^\s*\[")
_OPTION = re.compile(r"option '([A-Za-z0-9_-]+)")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[=.]""")


@dataclass(frozen=True, slots=True)
class _Block:
    line: int  # of its [[probes]] header
    keys: dict[str, int]  # key → the line it is written on


def load(
    path: Path,
    *,
    options: Mapping[ProbeKind, frozenset[str]],
    validate: Callable[[ProbeSpec], None],
) -> list[ProbeSpec]:
    """The probes of the file at `path` (none when the file does not exist), each checked with
    the kinds' `validate`; the first mistake raises InputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc}); fix or remove it") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML ({exc}); fix or remove it") from None
    return parse(data.get("probes"), text=text, path=path, options=options, validate=validate)


def parse(
    tables: object,
    *,
    text: str,
    path: Path,
    options: Mapping[ProbeKind, frozenset[str]],
    validate: Callable[[ProbeSpec], None],
) -> list[ProbeSpec]:
    if tables is None:
        return []
    if not isinstance(tables, list):
        raise InputError(
            f"{path}: probes must be written as [[probes]] tables, one per probe "
            "(double brackets); see 'astreinte probes suggest' for examples"
        )
    blocks = _blocks(text)
    specs: list[ProbeSpec] = []
    first_line: dict[str, int] = {}
    for number, table in enumerate(tables):
        block = blocks[number] if number < len(blocks) else _Block(0, {})
        spec = _spec(cast(dict[str, Any], table), block, path=path, options=options)
        line = block.line
        if spec.name in first_line:
            raise InputError(
                f"{path}:{line}: probe name '{spec.name}' is used twice (first at line "
                f"{first_line[spec.name]}); give each probe its own name"
            )
        first_line[spec.name] = line
        try:
            validate(spec)
        except InputError as exc:
            # The kinds name the option at fault ("option 'max_length' …"): point at its line.
            named = _OPTION.search(str(exc))
            where = block.keys.get(named.group(1), line) if named else line
            raise InputError(f"{path}:{where}: {exc}") from None
        specs.append(spec)
    return specs


def _spec(
    table: dict[str, Any],
    block: _Block,
    *,
    path: Path,
    options: Mapping[ProbeKind, frozenset[str]],
) -> ProbeSpec:
    def at(key: str | None = None) -> str:
        line = block.keys.get(key, block.line) if key else block.line
        return f"{path}:{line}" if line else str(path)

    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        shown = "missing" if name is None else repr(name)
        raise InputError(
            f'{at("name")}: a probe\'s name is {shown}; write name = "<letters, digits, . _ ->"'
        )
    where = f"probe '{name}'"
    kind_text = table.get("kind")
    if kind_text is None:
        raise InputError(
            f'{at()}: {where} has no kind; write kind = "<one of '
            + ", ".join(k.value for k in ProbeKind)
            + '>"'
        )
    try:
        kind = ProbeKind(str(kind_text))
    except ValueError:
        raise InputError(
            f"{at('kind')}: {where} has kind {kind_text!r}; use one of "
            + ", ".join(k.value for k in ProbeKind)
        ) from None
    accepted = options.get(kind, frozenset())
    for key in table:
        if key not in COMMON and key not in accepted:
            close = difflib.get_close_matches(key, [*COMMON, *accepted], n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise InputError(
                f"{at(key)}: {where} has an unknown key '{key}'; {hint}a {kind} probe takes "
                f"{', '.join(sorted(accepted)) or 'no options'} besides the common keys "
                f"({', '.join(COMMON)})"
            )

    def text(key: str, *, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise InputError(f'{at(key)}: {where} needs {key} as a text, e.g. {key} = "…"')
        return value.strip()

    def duration(key: str) -> timedelta | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InputError(
                f'{at(key)}: {where} {key} {value!r} is not a duration; write e.g. "10s"'
            )
        return parse_duration(value, what=f"{at(key)}: {where} {key}")

    def count(key: str, default: int, least: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InputError(
                f"{at(key)}: {where} {key} must be a whole number ≥ {least}, not {value!r}"
            )
        return value

    interval = duration("interval") or DEFAULT_INTERVAL
    timeout = duration("timeout")
    if timeout is not None and timeout > interval:
        raise InputError(
            f"{at('timeout')}: {where} timeout is longer than its interval; "
            "make the timeout shorter or the interval longer"
        )
    kind_options: dict[str, JsonValue] = {k: v for k, v in table.items() if k not in COMMON}
    return ProbeSpec(
        name=name,
        kind=kind,
        target=text("target") or "",
        interval=interval,
        timeout=timeout or min(DEFAULT_TIMEOUT, interval),
        service=text("service"),
        procedure=text("procedure"),
        symptom=text("symptom"),
        severity=text("severity"),
        fall=count("fall", 2, 1),
        rise=count("rise", 2, 1),
        flap_changes=count("flap_changes", 4, 2),
        flap_minutes=count("flap_minutes", 10, 1),
        options=kind_options,
    )


def _blocks(text: str) -> list[_Block]:
    """Each `[[probes]]` table of the file: its header's line and the lines of its keys."""
    blocks: list[_Block] = []
    current: _Block | None = None
    in_sub_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _PROBES_HEADER.match(line):
            current = _Block(number, {})
            blocks.append(current)
            in_sub_table = False
            continue
        sub = _SUB_TABLE.match(line)
        if sub and current is not None:  # [probes.expect_json] belongs to the last probe
            current.keys.setdefault(sub.group(1), number)
            in_sub_table = True
            continue
        if _HEADER.match(line):
            current = None
            continue
        key = _KEY.match(line)
        if key and current is not None and not in_sub_table:
            current.keys.setdefault(next(g for g in key.groups() if g), number)
    return blocks
