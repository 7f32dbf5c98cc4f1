"""What every probe kind shares: its options model, what one check saw, and the sentences for
bad options and network failures.

A kind module exposes `Options` (a `KindOptions` model), `TIMED_OUT` (the sentence for a check
cut by `spec.timeout`, with `{timeout}`) and `prepare(spec) -> Check`: `prepare` reads the options
and the target, raising InputError, and the `Check` it returns does the I/O and returns `Seen`.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from astreinte.domain.probe import ProbeSpec, parse_duration
from astreinte.errors import InputError


@dataclass(frozen=True, slots=True)
class Seen:
    ok: bool
    detail: str  # one sentence: what was seen, and against which limit when it failed
    value: float | None = None


# Called with the instant the check started, which is also the result's `at`: ages and days
# left are measured against the same clock as the result (tests inject it).
Check = Callable[[datetime], Awaitable[Seen]]


class KindOptions(BaseModel):
    # strict: TOML has real booleans and numbers, so "true" or "14" in quotes is a mistake to
    # report, not to guess.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _duration(value: object) -> object:
    if isinstance(value, str):
        try:
            return parse_duration(value, what="the duration")
        except InputError as exc:
            raise ValueError(str(exc).removeprefix("the duration ")) from None
    if isinstance(value, timedelta):
        return value
    raise ValueError(f'{value!r} is not a duration; write e.g. "500ms", "10s", "1m"')


Duration = Annotated[timedelta, BeforeValidator(_duration)]

Model = TypeVar("Model", bound=KindOptions)


def problem(spec: ProbeSpec, text: str) -> InputError:
    """An InputError naming the probe: `probe 'api' (http): <text>`."""
    return InputError(f"probe '{spec.name}' ({spec.kind}): {text}")


def read_options(model: type[Model], spec: ProbeSpec) -> Model:
    """`spec.options` checked against the kind's model; the first problem is an InputError that
    names the option and what to write."""
    try:
        return model.model_validate(dict(spec.options))
    except ValidationError as exc:
        raise problem(spec, _sentence(model, exc.errors())) from None


def _sentence(model: type[KindOptions], errors: list[ErrorDetails]) -> str:
    """The first error as a sentence. A value that fits none of a union's types (expect_status
    = "200") gives one error per type: those say what to write instead of listing types."""
    error = errors[0]
    loc = error["loc"]
    name = str(loc[0]) if loc else ""
    kind = error["type"]
    if kind == "extra_forbidden":
        accepted = ", ".join(sorted(model.model_fields)) or "none"
        return f"unknown option '{name}' (this kind accepts: {accepted})"
    field = model.model_fields.get(name)
    hint = field.description if field is not None else None
    if kind == "missing":
        return f"option '{name}' is missing" + (f"; write {hint}" if hint else "")
    if not loc:  # a rule across options: its message is the sentence
        return _value_error(str(error["msg"]))
    union = sum(1 for other in errors if other["loc"][:1] == loc[:1]) > 1
    if union and hint:
        return f"option '{name}' cannot be {error['input']!r}; write {hint}"
    where = ".".join(str(part) for part in loc)
    if kind in ("value_error", "assertion_error"):
        return f"option '{where}': {_value_error(str(error['msg']))}"
    # "Input should be a valid integer" → "should be a valid integer, not 'abc'"
    said = f"option '{where}' {str(error['msg']).removeprefix('Input ')}, not {error['input']!r}"
    return said + (f" (write {hint})" if hint and kind != "literal_error" else "")


def _value_error(message: str) -> str:
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def seconds(span: timedelta) -> str:
    """ "2s", "500ms", "1m 30s": how a duration reads in a detail."""
    total = span.total_seconds()
    if total < 1:
        return f"{round(total * 1000)}ms"
    if total < 60:
        return f"{total:g}s"
    minutes, rest = divmod(round(total), 60)
    if minutes < 60:
        return f"{minutes}m {rest}s" if rest else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if minutes else f"{hours}h"


def describe(exc: BaseException, *, host: str | None = None) -> str:
    """One sentence for a connection failure: refused, unknown name, unreachable, TLS…"""
    for cause in _chain(exc):
        if isinstance(cause, ConnectionRefusedError) or _refused_everywhere(cause):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return f"the name {host or 'of the target'} does not resolve ({cause.strerror})"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"the TLS certificate is not trusted: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return f"the TLS handshake failed: {cause.reason or cause}"
        if isinstance(cause, ConnectionResetError):
            return "the connection was reset by the other side"
        if isinstance(cause, OSError) and cause.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return f"no route to the host ({cause.strerror})"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _refused_everywhere(exc: BaseException) -> bool:
    # asyncio joins the failures of a name with several addresses (localhost: ::1 and 127.0.0.1)
    # into one OSError("Multiple exceptions: [Errno 111] …, [Errno 111] …") without an errno.
    text = str(exc)
    refused = f"[Errno {errno.ECONNREFUSED}]"
    return (
        isinstance(exc, OSError)
        and text.startswith("Multiple exceptions")
        and text.count("[Errno") == text.count(refused)
    )


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes; httpx and redis-py wrap the OSError that says it all, and
    anyio groups one per address it tried."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        seen.append(current)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        for nested in (current.__cause__, current.__context__):
            if nested is not None and nested not in seen:
                todo.append(nested)
    return seen


def host_port(
    spec: ProbeSpec, schemes: Mapping[str, int | None], *, example: str
) -> tuple[str, int]:
    """The target's host and port: `scheme://host:port`, `host:port` or `[::1]:port`, where
    `schemes` maps each accepted scheme ("" for none) to its default port; else an InputError."""
    text = spec.target.strip()
    url = urlsplit(text if "://" in text else f"//{text}")
    try:
        port = url.port if url.port is not None else schemes.get(url.scheme)
    except ValueError:  # not a number, or out of range
        port = None
    if url.scheme not in schemes or not url.hostname or not port:
        raise problem(spec, f"target {spec.target!r} is not host:port; write e.g. {example!r}")
    return url.hostname, port
