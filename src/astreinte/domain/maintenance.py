"""Maintenance windows: a name, and an optional weekly recurrence (on these days, from this local
time, for this long, in this IANA time zone: every Sunday 02:00–04:00 Europe/Paris), as
PagerDuty maintenance windows and Grafana mute timings plan them. The window itself is a
`Silence` of kind `maintenance` (see `silence.py`), so ingestion silences with both alike.

An occurrence lasts while the zone's wall clock reads between its start and its end, so a
02:00–04:00 window ends when the local clock shows 04:00, daylight-saving nights included: one
hour of real time the night the clock jumps from 02:00 to 03:00 (it starts at the jump), three
the night it goes back from 03:00 to 02:00 (from the first 02:00 until 04:00).

    every = recurrence(days=["sun"], at="02:00", duration=timedelta(hours=2), timezone="UTC")
    every.covers(now)                # inside an occurrence?
    every.occurrences(since, until)  # the occurrences overlapping [since, until), in order
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from astreinte.errors import InputError

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order
MAX_DURATION: Final = timedelta(days=7)
# Windows are URL path segments (/api/v1/maintenance/{name}) and CLI arguments: a slug.
NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"

_SPELLINGS: Final[dict[str, int]] = {
    **{name: day for day, name in enumerate(DAYS)},
    **{
        name: day
        for day, names in enumerate(
            (
                ("monday", "lun", "lundi"),
                ("tuesday", "tues", "mardi"),  # "mar" is mardi too, below
                ("wednesday", "mercredi", "mer"),
                ("thursday", "thur", "thurs", "jeu", "jeudi"),
                ("friday", "ven", "vendredi"),
                ("saturday", "sam", "samedi"),
                ("sunday", "dim", "dimanche"),
            )
        )
        for name in names
    },
    "mar": 1,
}
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})\s*$")
_DURATION = re.compile(
    r"^\s*(?:(?P<d>\d+)\s*(?:d|days?|j|jours?))?\s*(?:(?P<h>\d+)\s*(?:h|hours?))?"
    r"\s*(?:(?P<m>\d+)\s*(?:m|min|mins|minutes?))?\s*$"
)


def check_name(name: str) -> str:
    """The window's name, stripped; InputError when it is not a short slug."""
    cleaned = name.strip()
    if not re.fullmatch(NAME_PATTERN, cleaned):
        raise InputError(
            f"maintenance window name '{name[:120]}' must be 1 to 100 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit (e.g. db-upgrade-2026-12)"
        )
    return cleaned


def parse_days(specs: Iterable[str]) -> frozenset[int]:
    """`["sun"]`, `["sat,sun"]`, `["mon-fri"]`, `["daily"]` (English or French names) → the
    weekday numbers (Monday 0); a range may wrap (`fri-mon`)."""
    days: set[int] = set()
    for spec in specs:
        for token in re.split(r"[,\s]+", spec.strip().lower()):
            if not token:
                continue
            if token in {"daily", "everyday", "all"}:
                days.update(range(7))
                continue
            first, _, last = token.partition("-")
            start = _day(first, token)
            end = _day(last, token) if last else start
            days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    if not days:
        raise InputError("a recurring window needs at least one day, e.g. sun or mon-fri")
    return frozenset(days)


def _day(name: str, token: str) -> int:
    try:
        return _SPELLINGS[name]
    except KeyError:
        raise InputError(
            f"unknown day '{token[:40]}'; use {', '.join(DAYS)}, a range like mon-fri, or daily"
        ) from None


def parse_clock(text: str) -> time:
    """`02:00` or `2h00` → the local start time of each occurrence."""
    found = _CLOCK.match(text)
    hour, minute = (int(found[1]), int(found[2])) if found else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InputError(f"start time '{text[:40]}' is not HH:MM on a 24-hour clock, e.g. 02:00")
    return time(hour, minute)


def parse_duration(text: str) -> timedelta:
    """`2h`, `90m`, `1h30m`, `1d`, `3 jours` → the length of each occurrence (1 minute to 7
    days)."""
    found = _DURATION.match(text)
    if not found or not any(found.groupdict().values()):
        raise InputError(f"duration '{text[:40]}' is not like 2h, 90m, 1h30m or 1d")
    parts = {k: int(v) for k, v in found.groupdict().items() if v}
    if any(v > 100_000 for v in parts.values()):
        raise InputError(f"duration '{text[:40]}' is over 7 days; shorten it")
    return check_duration(
        timedelta(days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0))
    )


def check_duration(duration: timedelta) -> timedelta:
    if duration < timedelta(minutes=1):
        raise InputError("an occurrence lasts at least one minute; give a longer duration")
    if duration > MAX_DURATION:
        raise InputError(
            f"an occurrence lasts at most 7 days, not {_text(duration)}; "
            "split it, or plan a one-off window instead"
        )
    return duration


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; InputError saying how to spell one."""
    # "localtime" is whatever the server's clock is set to: not a zone a team plans in.
    if name != "localtime":
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise InputError(
        f"unknown time zone '{name[:64]}'; use an IANA name such as Europe/Paris or UTC"
    )


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One run of a window: aware UTC datetimes, the end excluded."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Recurrence:
    days: frozenset[int]  # datetime.weekday(): Monday 0 … Sunday 6
    at: time  # local wall-clock time of each start
    duration: timedelta
    timezone: str  # IANA name

    @property
    def day_names(self) -> list[str]:
        return [DAYS[d] for d in sorted(self.days)]

    def describe(self) -> str:
        """`every sun 02:00–04:00 Europe/Paris`, `every mon-fri 22:00 for 1d2h UTC`."""
        days = "day" if len(self.days) == 7 else _runs(sorted(self.days))
        start = f"{self.at:%H:%M}"
        if self.duration < timedelta(days=1):
            end = datetime.combine(date(2000, 1, 3), self.at) + self.duration
            return f"every {days} {start}–{end:%H:%M} {self.timezone}"
        return f"every {days} {start} for {_text(self.duration)} {self.timezone}"

    def covers(self, now: datetime) -> bool:
        """Whether `now` falls inside one of the occurrences."""
        return next(self.occurrences(now, now + _INSTANT), None) is not None

    def occurrences(self, since: datetime, until: datetime) -> Iterator[Occurrence]:
        """The occurrences that overlap [since, until), whole (not clipped), in order. An
        occurrence the clock skips entirely (02:15–02:45 the night it jumps from 02:00 to 03:00)
        has no instant, and is left out. A zone the machine does not know has none: better to
        page than to stay silent on a guess."""
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return
        # An occurrence started up to its duration (≤ 7 days) before `since` may still run.
        day = since.astimezone(tz).date() - timedelta(days=self.duration.days + 1)
        last = until.astimezone(tz).date()
        while day <= last:
            if day.weekday() in self.days:
                wall = datetime.combine(day, self.at)
                starts = _first_instant(wall, tz)
                ends = _first_instant(wall + self.duration, tz)
                if starts < ends and ends > since and starts < until:
                    yield Occurrence(starts, ends)
            day += timedelta(days=1)

    def local(self, instant: datetime) -> datetime:
        """`instant` on the wall clock of the window's zone (UTC if the zone is unknown)."""
        try:
            return instant.astimezone(ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return instant.astimezone(UTC)


_INSTANT = timedelta(microseconds=1)


def recurrence(*, days: Iterable[str], at: str, duration: timedelta, timezone: str) -> Recurrence:
    """A checked Recurrence from what a person typed; InputError naming the bad part."""
    zone(timezone)
    return Recurrence(parse_days(days), parse_clock(at), check_duration(duration), timezone)


def _first_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clock of `tz` reads `wall` or later: `wall` itself,
    its first pass when the clock goes back, or the jump when the clock skips over it."""
    # fold=0 is the first pass of an ambiguous time; for a skipped one it lands after the jump.
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    # Skipped: fold=1 lands before the jump. The clock reads `wall` or later from the jump on
    # and earlier before it, so the jump is found by halving, in whole seconds (a few steps).
    before = int(wall.replace(tzinfo=tz, fold=1).timestamp())
    after = int(instant.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def _runs(days: list[int]) -> str:
    """[0, 1, 2, 3, 4, 6] → `mon-fri,sun`: three days or more in a row read as a range."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        f"{DAYS[r[0]]}-{DAYS[r[-1]]}" if len(r) >= 3 else ",".join(DAYS[d] for d in r) for r in runs
    )


def _text(duration: timedelta) -> str:
    """1d2h, 2h, 90m → `1d2h`, `2h`, `1h30m`."""
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    return text or "0m"
