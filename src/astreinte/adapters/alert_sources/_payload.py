"""Reading a sender's body: JSON from bytes under a size limit, typed fields, times.

Two kinds of failure: `PayloadError` when the body as a whole is unusable (nothing is kept), and
`BadAlert` when one alert of it is; a batch parser catches `BadAlert`, reports it in
`Parsed.problems` and keeps the other alerts, a single-alert parser turns it into a
`PayloadError` with `refuse`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import NoReturn

from astreinte.domain.alert import Alert, Parsed, PayloadError
from astreinte.domain.incident.timeline import JsonValue

JsonObject = dict[str, JsonValue]

MAX_BODY = 1024 * 1024  # 1 MiB: a big Alertmanager group (hundreds of alerts) is ~300 KB

# Epoch values above this are milliseconds: 1e11 seconds is the year 5138.
_MILLIS_FROM = 100_000_000_000
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class BadAlert(ValueError):
    """One alert of a payload cannot be read; the message says which field and why."""


def load(body: bytes, *, send: str, limit: int = MAX_BODY) -> JsonValue:
    """The JSON value of `body`; `send` completes the error sentence ("send <send>").

    Raises PayloadError when the body is over `limit` bytes, empty, not UTF-8 JSON, or uses
    NaN/Infinity (not JSON, and not storable as JSON later).
    """
    if len(body) > limit:
        said, allowed = _sizes(len(body), limit)
        raise PayloadError(f"the body is {said}; the limit is {allowed}")
    if not body.strip():
        raise PayloadError(f"the body is empty; send {send}")
    try:
        value: JsonValue = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise PayloadError(f"the body is nested too deeply to read; send {send}") from None
    except UnicodeDecodeError:
        raise PayloadError(f"the body is not UTF-8 text; send {send}") from None
    except ValueError as exc:
        raise PayloadError(f"the body is not JSON ({_reason(exc)}); send {send}") from None
    return value


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KiB"
    mib = n / (1024 * 1024)
    return f"{mib:.0f} MiB" if mib == int(mib) else f"{mib:.1f} MiB"


def _sizes(n: int, limit: int) -> tuple[str, str]:
    """Both sizes in words, in bytes when the words would read the same ("1.0 MiB")."""
    said, allowed = _size(n), _size(limit)
    if said.split()[0].rstrip("0").rstrip(".") == allowed.split()[0]:
        return f"{n} bytes", f"{limit} bytes ({allowed})"
    return said, allowed


def load_object(body: bytes, *, send: str) -> JsonObject:
    """`load`, for the senders whose body is one JSON object."""
    data = load(body, send=send)
    if not isinstance(data, dict):
        raise PayloadError(f"the body is {kind(data)}; send {send}")
    return data


def refuse(exc: BadAlert, *, send: str) -> NoReturn:
    """Turn the one alert of a single-alert body into a PayloadError."""
    raise PayloadError(f"{exc}; send {send}") from None


def collect(
    items: list[JsonValue], read: Callable[[JsonObject], Alert], *, what: str = "alert"
) -> Parsed:
    """Each item read by `read`; an item that is not an object or raises BadAlert is skipped
    with one sentence naming its index."""
    alerts: list[Alert] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            alerts.append(read(as_object(item, f"{what} {index}")))
        except BadAlert as exc:
            message = str(exc)
            if not message.startswith(f"{what} {index}"):
                message = f"{what} {index}: {message}"
            problems.append(f"{message}; it was skipped")
    return Parsed(alerts=tuple(alerts), problems=tuple(problems))


# --- typed fields ----------------------------------------------------------------------------


def kind(value: JsonValue) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def as_object(value: JsonValue, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise BadAlert(f"{where} is {kind(value)}, not an object")
    return value


def optional_object(obj: Mapping[str, JsonValue], key: str) -> JsonObject:
    """`obj[key]` as an object; absent or null gives {}."""
    value = obj.get(key)
    if value is None:
        return {}
    return as_object(value, key)


def optional_text(obj: Mapping[str, JsonValue], key: str, *, where: str = "") -> str | None:
    """`obj[key]` as a string; absent, null or "" give None; numbers are written as text
    (senders disagree on ids: Sentry sends project ids as numbers and as strings)."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadAlert(f"{where}{key} is {kind(value)}, not a string")


def required_text(obj: Mapping[str, JsonValue], key: str, *, where: str = "") -> str:
    value = optional_text(obj, key, where=where)
    if value is None:
        raise BadAlert(f"{where}{key} is missing")
    return value


def string_map(obj: Mapping[str, JsonValue], key: str, *, where: str = "") -> dict[str, str]:
    """`obj[key]` as a map string→string (labels, annotations). Numbers and booleans are
    written as text, nulls dropped; a nested list or object is an error."""
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadAlert(f"{where}{key} is {kind(value)}, not an object of strings")
    result: dict[str, str] = {}
    for name, item in value.items():
        if item is None:
            continue
        if isinstance(item, bool):
            result[name] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            result[name] = str(item)
        else:
            raise BadAlert(f"{where}{key}.{name} is {kind(item)}, not a string")
    return result


def first_line(text: str) -> str:
    """The first non-blank line, stripped ("" if none): `Alert.title` is one line."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


# --- times -----------------------------------------------------------------------------------


def parse_time(value: JsonValue, where: str) -> datetime | None:
    """An aware UTC datetime from a sender's time, or None when it says "no time".

    Accepted: RFC 3339 / ISO 8601 strings (any number of fractional digits, `Z` or `+00:00` or
    `+0000`); a string without an offset is taken as UTC (Uptime Kuma writes UTC as
    `YYYY-MM-DD HH:mm:ss.SSS`); epoch seconds or milliseconds as a number or a numeric string
    (Datadog sends `"1795342581000"`). None for null, "" and Go's zero time
    `0001-01-01T00:00:00Z`, which Alertmanager sends as the end of a firing alert.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadAlert(f"{where} is a boolean, not a time")
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return _from_epoch(float(value), where)
    if isinstance(value, int | float):
        return _from_epoch(float(value), where)
    if not isinstance(value, str):
        raise BadAlert(f"{where} is {kind(value)}, not a time")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadAlert(
            f"{where} '{value[:40]}' is not an RFC 3339 time (like 2026-11-22T10:11:03Z)"
        ) from None
    if moment.year <= 1:  # Go's zero time: "not set"
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise BadAlert(f"{where} '{value[:40]}' is out of range") from None


def _from_epoch(number: float, where: str) -> datetime | None:
    if number == 0:
        return None
    seconds = number / 1000 if abs(number) >= _MILLIS_FROM else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise BadAlert(f"{where} {number:g} is not an epoch time in seconds or ms") from None


def to_utc(moment: datetime) -> datetime:
    """`received_at` as aware UTC (a naive value is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
