"""Placeholders: the values a runbook reader must fill in before running a command."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# `<deployment-id>`, `<nouveau_secret>`; the shell reader also quotes these before parsing.
TAG: Final = re.compile(r"<[A-Za-z][\w.:/-]*>")

_PATTERNS: Final = (
    TAG,
    re.compile(r"\[[a-z]{2,}(?:[-_][a-z]+)+\]"),  # [deployment-url]
    re.compile(r"(?<![\w$])[A-Z][A-Z0-9_]*_(?:UUID|ID)(?![\w=])"),  # TENANT_UUID
    re.compile(r"(?<![\w$])(?:YOUR|MY)_[A-Z0-9_]+(?![\w=])"),  # YOUR_API_KEY
    re.compile(r"(?:YYYY|YY)[-_/.]?MM[-_/.]?DD(?:[-_T]?HH(?:[-:]?MM(?:[-:]?SS)?)?(?:MMSS)?)?"),
    re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+-][^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*"),
)


def placeholders(command: str) -> tuple[str, ...]:
    """The values to fill before running: `TENANT_UUID`, `<deployment-id>`, `$DATABASE_URL`, …

    Returned in order of first appearance, without duplicates. Variables inside single quotes
    (`awk '{print $NF}'`) are not shell variables and are left out.
    """
    found: dict[str, int] = {}
    for pattern in _PATTERNS:
        for match in pattern.finditer(command):
            if _inside_single_quotes(command, match.start()) and match.group(0).startswith("$"):
                continue
            found.setdefault(match.group(0), match.start())
    return tuple(sorted(found, key=found.__getitem__))


@dataclass(frozen=True, slots=True)
class Span:
    """Where one placeholder sits in a command: `command[start:end] == token`."""

    start: int
    end: int
    token: str


def spans(command: str) -> tuple[Span, ...]:
    """Every occurrence of a placeholder, in order, without overlaps: where two patterns match
    at once (`${YOUR_KEY}` and `YOUR_KEY`), the one starting first wins, then the longest.
    Variables inside single quotes are left out, as in `placeholders`."""
    found: list[tuple[int, int, str]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(command):
            token = match.group(0)
            if token.startswith("$") and _inside_single_quotes(command, match.start()):
                continue
            found.append((match.start(), -match.end(), token))
    kept: list[Span] = []
    reached = 0
    for start, negative_end, token in sorted(found):
        if start >= reached:
            kept.append(Span(start, -negative_end, token))
            reached = -negative_end
    return tuple(kept)


def _inside_single_quotes(text: str, position: int) -> bool:
    quote = ""
    for char in text[:position]:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
    return quote == "'"
