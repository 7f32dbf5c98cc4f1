"""Probes a runbook already describes: a diagnostic command followed by the result it should
give (`# Attendu : PONG`, `# Expected: accepting connections`) is a check someone runs by hand;
astreinte can run it on a schedule instead.

    for found in suggest(runbook, procedure_ids):
        print(found.kind, found.target, found.options)

Only commands whose risk is `read` qualify. A command astreinte has a driver for becomes that
kind (`redis-cli … ping` → redis, `pg_isready` → postgres, `curl URL` → http, with the expected
JSON fields or status when the comment states them); any other becomes a `command` probe whose
output must contain the expected text (never a sensitive one: it would run unattended). What
the runbook cannot say (the address of a container, a password) is left as a note to read.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.probe import ProbeKind
from astreinte.domain.runbook.model import CodeLine, LineKind, Procedure, Risk, Runbook

# "# Attendu : PONG", "# 2. Résultat attendu → 200", "# Expected output: accepting connections",
# "# should return PONG"; not "# Attendre que Redis soit healthy".
_EXPECTED = re.compile(
    r"^#+\s*(?:\d+[.)]\s*)?"
    r"(?:r[ée]sultat\s+attendu|r[ée]ponse\s+attendue|attendu|expected(?:\s+(?:output|result))?"
    r"|doit\s+(?:retourner|renvoyer|afficher|r[ée]pondre)|should\s+(?:return|print|show|answer))"
    r"\s*(?:[:=→>-]+\s*)?(?P<text>\S.*)$",
    re.IGNORECASE,
)
_FIELD = re.compile(r"""["']?(?P<key>[A-Za-z_][\w.-]*)["']?\s*[:=]\s*(?P<value>[^,}]+)""")
_STATUS = re.compile(r"^(?:HTTP\s*)?(?P<code>[1-5]\d\d)(?:\s+\w+)*$", re.IGNORECASE)
_SLUG = re.compile(r"[^a-z0-9]+")
LOCAL = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Suggestion:
    name: str
    kind: ProbeKind
    target: str
    options: dict[str, JsonValue]
    symptom: str
    procedure_title: str
    procedure_id: str | None  # the catalogue id, when the runbook comes from the catalogue
    command: str  # as the runbook writes it
    line: int
    expected: str
    notes: tuple[str, ...] = ()  # what to check before pasting it


def suggest(runbook: Runbook, procedure_ids: Sequence[str] | None = None) -> list[Suggestion]:
    """A probe for each `read` command of the runbook that states its expected result, in
    document order; names are unique within the list."""
    found: list[Suggestion] = []
    names: set[str] = set()
    ids = list(procedure_ids) if procedure_ids is not None else [None] * len(runbook.procedures)
    for procedure, procedure_id in zip(runbook.procedures, ids, strict=True):
        for section in procedure.sections:
            for block in section.code_blocks:
                for number, line in enumerate(block.lines):
                    expected = _expected_after(line, block.lines[number + 1 :])
                    if expected is None or not _readable(line):
                        continue
                    suggestion = _suggestion(line, expected, procedure, procedure_id)
                    if suggestion is None:
                        continue
                    name, n = suggestion.name, 1
                    while name in names:
                        n += 1
                        name = f"{suggestion.name}-{n}"
                    names.add(name)
                    found.append(replace(suggestion, name=name))
    return found


def _readable(line: CodeLine) -> bool:
    return line.assessment is not None and line.assessment.risk is Risk.READ


def _expected_after(line: CodeLine, following: Sequence[CodeLine]) -> str | None:
    """The expected result a command states: in a comment on its own line or right after it."""
    if line.kind is not LineKind.COMMAND:
        return None
    _, _, trailing = line.text.partition(" #")
    if trailing:
        stated = _EXPECTED.match("#" + trailing)
        if stated:
            return stated.group("text").strip()
    for after in following:
        if after.kind is not LineKind.COMMENT:
            return None
        stated = _EXPECTED.match(after.text.strip())
        if stated:
            return stated.group("text").strip().strip("`")
    return None


def _suggestion(
    line: CodeLine, expected: str, procedure: Procedure, procedure_id: str | None
) -> Suggestion | None:
    command = line.text.partition(" #")[0].strip()
    try:
        words = shlex.split(command.split("|")[0])
    except ValueError:
        return None
    notes: list[str] = []
    container = None
    if words[:2] == ["docker", "exec"]:
        position = 2
        while position < len(words) and words[position].startswith("-"):
            position += 2 if words[position] in _DOCKER_VALUED else 1
        container = words[position] if position < len(words) else None
        words = words[position + 1 :]
        if container:
            notes.append(
                f"the runbook runs it inside the container '{container}': point the target at "
                "the address the container publishes"
            )
    base = _slug(container or procedure.title)[:40].strip("-") or "probe"

    def made(
        kind: ProbeKind, target: str, options: dict[str, JsonValue], suffix: str
    ) -> Suggestion:
        return Suggestion(
            name=f"{base}-{suffix}",
            kind=kind,
            target=target,
            options=options,
            symptom=symptom,
            procedure_title=procedure.title,
            procedure_id=procedure_id,
            command=line.text,
            line=line.line_no,
            expected=expected,
            notes=tuple(notes),
        )

    program = words[0].rsplit("/", 1)[-1] if words else ""
    symptom = f"{procedure.title}: {program or command} no longer gives {expected!r}"
    if program == "redis-cli" and [w.lower() for w in _plain(words[1:], _REDIS_VALUED)] == ["ping"]:
        flags = _flags(words[1:], _REDIS_VALUED)
        host, port, db = flags.get("-h", LOCAL), flags.get("-p", "6379"), flags.get("-n", "0")
        if "-a" in flags:
            notes.append(
                f"it authenticates with {flags['-a']}: write the password into the target, "
                f"redis://:PASSWORD@{host}:{port}/{db}"
            )
        return made(ProbeKind.REDIS, f"redis://{host}:{port}/{db}", {}, "ping")
    if program == "pg_isready":
        flags = _flags(words[1:], _PG_VALUED)
        user = f"{flags['-U']}@" if "-U" in flags else ""
        target = (
            f"postgresql://{user}{flags.get('-h', LOCAL)}:{flags.get('-p', '5432')}/"
            f"{flags.get('-d', '')}"
        )
        return made(ProbeKind.POSTGRES, target, {}, "ready")
    url = next((w for w in words[1:] if w.startswith(("http://", "https://"))), None)
    if program == "curl" and url and not _flags(words[1:], _CURL_VALUED).keys() & _CURL_WRITES:
        options = _http_expectation(expected)
        if any(w == "--head" or (w[:1] == "-" and w[1:2] != "-" and "I" in w) for w in words):
            options = {"method": "HEAD", **options}  # curl -I asks for the headers only
        return made(ProbeKind.HTTP, url, options, _slug(urlsplit(url).path) or "http")
    if line.assessment is not None and line.assessment.sensitive:
        return None  # a command touching secrets does not run unattended
    return made(
        ProbeKind.COMMAND,
        " ".join(shlex.quote(w) for w in words) or command,
        {"contains": expected},
        "command",
    )


_DOCKER_VALUED = frozenset({"-e", "--env", "-u", "--user", "-w", "--workdir"})
_REDIS_VALUED = frozenset({"-h", "-p", "-a", "-n", "-u", "--user", "--pass"})
_PG_VALUED = frozenset({"-h", "-p", "-U", "-d", "-t"})
_CURL_VALUED = frozenset({"-X", "--request", "-d", "--data", "-H", "--header", "-o", "-w", "-u"})
_CURL_WRITES = frozenset({"-X", "--request", "-d", "--data"})


def _flags(words: Sequence[str], valued: frozenset[str]) -> dict[str, str]:
    flags: dict[str, str] = {}
    iterator = iter(words)
    for word in iterator:
        if word in valued:
            flags[word] = next(iterator, "")
    return flags


def _plain(words: Sequence[str], valued: frozenset[str]) -> list[str]:
    plain: list[str] = []
    iterator = iter(words)
    for word in iterator:
        if word in valued:
            next(iterator, None)
        elif not word.startswith("-"):
            plain.append(word)
    return plain


def _http_expectation(expected: str) -> dict[str, JsonValue]:
    """`200` → expect_status; `"status": "ok", redisConnected: true` → expect_json; any other
    text → contains."""
    status = _STATUS.match(expected.strip())
    if status:
        return {"expect_status": int(status.group("code"))}
    fields: dict[str, JsonValue] = {}
    for found in _FIELD.finditer(expected.strip().strip("{}")):
        fields[found.group("key")] = _scalar(found.group("value").strip())
    if fields:
        return {"expect_json": fields}
    return {"contains": expected}


def _scalar(text: str) -> JsonValue:
    text = text.strip().strip("`")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip("\"'")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")
