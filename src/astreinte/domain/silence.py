"""Silences and maintenance windows: label matchers over a time window, as Alertmanager's
(`name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`). A silenced alert is kept
and counted; it opens no incident and pages no one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from astreinte.errors import InputError

_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    value: str
    regex: bool = False
    equal: bool = True

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        found = re.fullmatch(self.value, actual) is not None if self.regex else actual == self.value
        return found if self.equal else not found

    def __str__(self) -> str:
        op = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}
        return f'{self.name}{op[(self.regex, self.equal)]}"{self.value}"'


def parse_matcher(text: str) -> Matcher:
    """`service="checkout"`, `alertname=~"Disk.*"`… → Matcher; InputError saying the syntax."""
    found = _MATCHER.match(text)
    if not found:
        raise InputError(
            f'matcher \'{text}\' is not name="value" (or !=, =~, !~); e.g. service="checkout"'
        )
    name, op, value = found.groups()
    regex = op in {"=~", "!~"}
    if regex:
        try:
            re.compile(value)
        except re.error as exc:
            raise InputError(f"matcher '{text}': the regex is invalid ({exc})") from None
    return Matcher(name, value, regex=regex, equal=op in {"=", "=~"})


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    expired_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        ends = min(self.ends_at, self.expired_at) if self.expired_at else self.ends_at
        return self.starts_at <= now < ends

    def silences(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.active(now) and all(m.matches(labels) for m in self.matchers)


def silencing(
    silences: Iterable[Silence], labels: Mapping[str, str], now: datetime
) -> Silence | None:
    """The first active silence whose matchers all match `labels`, if any."""
    return next((s for s in silences if s.silences(labels, now)), None)
