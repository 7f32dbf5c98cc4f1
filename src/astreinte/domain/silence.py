"""Silences and maintenance windows: label matchers over a time window, as Alertmanager's
(`name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`). A silenced alert is kept
and counted; it opens no incident and pages no one.

A maintenance window is a silence with a name, planned ahead, and optionally recurring (see
`maintenance.py`): it silences only during its occurrences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from astreinte.domain.maintenance import MAX_DURATION, Occurrence, Recurrence
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


class SilenceKind(StrEnum):
    SILENCE = "silence"
    MAINTENANCE = "maintenance"


class SilenceState(StrEnum):
    ACTIVE = "active"  # silencing now
    UPCOMING = "upcoming"  # not yet, or between two occurrences
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    expired_at: datetime | None = None
    kind: SilenceKind = SilenceKind.SILENCE
    name: str | None = None  # maintenance windows only
    recurrence: Recurrence | None = None  # None: the whole time from start to end

    @property
    def ends(self) -> datetime:
        """When it stops for good: its planned end, or earlier when someone ended it."""
        return min(self.ends_at, self.expired_at) if self.expired_at else self.ends_at

    def active(self, now: datetime) -> bool:
        within = self.starts_at <= now < self.ends
        return within and (self.recurrence is None or self.recurrence.covers(now))

    def state(self, now: datetime) -> SilenceState:
        if now >= self.ends:
            return SilenceState.ENDED
        return SilenceState.ACTIVE if self.active(now) else SilenceState.UPCOMING

    def silences(self, labels: Mapping[str, str], now: datetime) -> bool:
        # Matchers before the recurrence: they are the cheaper test, and most alerts fail them.
        return (
            self.starts_at <= now < self.ends
            and all(m.matches(labels) for m in self.matchers)
            and (self.recurrence is None or self.recurrence.covers(now))
        )

    def occurrences(self, now: datetime, limit: int = 5) -> tuple[Occurrence, ...]:
        """The runs not over at `now`, the current one first, clipped to the window's start
        and end; at most `limit`."""
        if now >= self.ends or limit < 1:
            return ()
        if self.recurrence is None:
            return (Occurrence(self.starts_at, self.ends),)
        # No occurrence that began before this (they last ≤ 7 days) is still running at `now`.
        since = max(self.starts_at, now - MAX_DURATION - timedelta(days=1))
        found: list[Occurrence] = []
        for run in self.recurrence.occurrences(since, self.ends):
            clipped = Occurrence(max(run.starts_at, self.starts_at), min(run.ends_at, self.ends))
            if clipped.ends_at > now:
                found.append(clipped)
                if len(found) == limit:
                    break
        return tuple(found)


def silencing(
    silences: Iterable[Silence], labels: Mapping[str, str], now: datetime
) -> Silence | None:
    """The first active silence whose matchers all match `labels`, if any."""
    return next((s for s in silences if s.silences(labels, now)), None)
