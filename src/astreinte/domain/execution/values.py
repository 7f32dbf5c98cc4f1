"""Filling a step's placeholders with values, quoted for where each placeholder sits.

A value comes from an alert label, the incident, the configuration or a person, so it is data,
never shell code: `x; rm -rf /` or `$(reboot)` must reach the program as one literal argument.
Each occurrence is quoted for its quoting context:

    unquoted        TENANT_UUID      → shlex.quote(value)
    double quotes   "…TENANT_UUID…"  → \\ " $ ` escaped with a backslash
    single quotes   '…TENANT_UUID…'  → each ' written '\\''

A secret (a secret-looking name such as `$DATABASE_URL` or `<nouveau_secret>`, or one declared
secret) is never written into the command: `$VAR` stays as it is and other placeholders become
a `${NAME}` reference, and the value goes into the process environment. The command shown,
stored and approved therefore never contains it.

    filled = fill(step.command, {"tenant_uuid": Value("x; rm -rf /")}, step.placeholders)
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from astreinte.domain.commands.placeholders import spans
from astreinte.domain.execution.redact import looks_secret
from astreinte.domain.execution.step import variable_of
from astreinte.errors import InputError

# What needs no quoting at all; also what a heredoc body may take, as it cannot be quoted.
_PLAIN: Final = re.compile(r"[A-Za-z0-9@%+=:,./_-]*")
_HEREDOC: Final = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_]\w*)\1")
_DOUBLE_SPECIAL: Final = re.compile(r'([\\"$`])')


class Quoting(StrEnum):
    """Where a character sits, as the shell reads it."""

    UNQUOTED = "unquoted"
    DOUBLE = "double"  # inside "…"
    SINGLE = "single"  # inside '…'
    NESTED = "nested"  # inside '…' inside "…": a string of another language (SQL), in a shell one
    HEREDOC = "heredoc"  # a here-document's body


@dataclass(frozen=True, slots=True)
class Value:
    """A placeholder's value and where it came from (given, label, service, config, environment)."""

    text: str
    secret: bool = False
    source: str = "given"


@dataclass(frozen=True, slots=True)
class Filled:
    """A command ready to run: values quoted in, secrets left to `environment`."""

    command: str
    environment: Mapping[str, str]  # name → secret value, for the process only
    missing: tuple[str, ...] = ()  # placeholders without a value: the command cannot run yet


def key(token: str) -> str:
    """The name a value is looked up by, whatever the spelling: `TENANT_UUID`, `tenant-uuid`,
    `<tenant_uuid>` and `$TENANT_UUID` are all `tenant_uuid`."""
    variable = variable_of(token)
    name = variable if variable else token.strip().strip("<>[]{}$")
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")


def environment_name(token: str) -> str:
    """The environment variable a secret value travels in: the variable itself for `$VAR`,
    else the placeholder's name in capitals (`<nouveau_secret>` → `NOUVEAU_SECRET`)."""
    return variable_of(token) or key(token).upper()


def is_secret(token: str, declared: Collection[str] = ()) -> bool:
    """Whether a placeholder holds a secret: a secret-looking name, or one declared secret."""
    name = key(token)
    return name in {key(d) for d in declared} or looks_secret(environment_name(token))


def fill(command: str, values: Mapping[str, Value], placeholders: Sequence[str]) -> Filled:
    """`command` with each of `placeholders` replaced by its value (looked up by `key`).

    Raises InputError when a value cannot be quoted safely where its placeholder sits (a quote
    inside a SQL string literal, anything but plain characters in a here-document).
    """
    wanted = set(placeholders)
    contexts = quoting(command)
    environment: dict[str, str] = {}
    missing: list[str] = []
    out: list[str] = []
    done = 0
    for span in spans(command):
        if span.token not in wanted:
            continue
        value = values.get(key(span.token))
        if value is None:
            if span.token not in missing:
                missing.append(span.token)
            continue
        context = contexts[span.start]
        if value.secret:
            name = environment_name(span.token)
            environment[name] = value.text
            # `$VAR` keeps its own text; anything else becomes a reference to the variable.
            replacement = span.token if variable_of(span.token) else _reference(name, context)
        else:
            replacement = _quoted(value.text, context, span.token)
        out.append(command[done : span.start])
        out.append(replacement)
        done = span.end
    out.append(command[done:])
    return Filled("".join(out), environment, tuple(missing))


def quoting(text: str) -> list[Quoting]:
    """The quoting context of every character of `text` (backslash escapes understood)."""
    contexts = [Quoting.UNQUOTED] * len(text)
    quote = ""
    inner = False  # a single quote opened inside double quotes
    i = 0
    while i < len(text):
        char = text[i]
        if quote == "'":
            contexts[i] = Quoting.SINGLE
            quote = "" if char == "'" else quote
        elif quote == '"':
            contexts[i] = Quoting.NESTED if inner else Quoting.DOUBLE
            if char == "\\" and i + 1 < len(text):
                contexts[i + 1] = contexts[i]
                i += 2
                continue
            if char == '"':
                quote, inner = "", False
            elif char == "'":
                inner = not inner
        elif char == "\\":
            i += 2
            continue
        elif char in "'\"":
            quote = char
        i += 1
    heredoc = _HEREDOC.search(text)
    if heredoc and text[max(heredoc.start() - 1, 0) : heredoc.start()] != "<":
        body = text.find("\n", heredoc.end())
        if body >= 0:
            contexts[body + 1 :] = [Quoting.HEREDOC] * (len(text) - body - 1)
    return contexts


def _quoted(value: str, context: Quoting, token: str) -> str:
    if context is Quoting.UNQUOTED:
        return shlex.quote(value)
    if context is Quoting.SINGLE:
        return value.replace("'", "'\\''")
    if context is Quoting.NESTED and "'" in value:
        raise InputError(
            f"the value of {token} contains a single quote, and {token} sits inside a quoted "
            "string of the command (SQL or similar) where it cannot be escaped; check the value"
        )
    if context is Quoting.HEREDOC and not _PLAIN.fullmatch(value):
        raise InputError(
            f"the value of {token} has characters other than letters, digits and @%+=:,./_- and "
            f"{token} sits in a here-document, where they cannot be quoted; check the value"
        )
    if context is Quoting.HEREDOC:
        return value
    return _DOUBLE_SPECIAL.sub(r"\\\1", value)


def _reference(name: str, context: Quoting) -> str:
    if context is Quoting.UNQUOTED:
        return f'"${{{name}}}"'
    if context is Quoting.SINGLE:
        # Close the single quotes, expand in double quotes, reopen: the value is never parsed.
        return f"'\"${{{name}}}\"'"
    return f"${{{name}}}"
