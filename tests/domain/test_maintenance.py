"""Maintenance windows: weekly runs on a local clock (daylight-saving nights included), what a
person may type for them, and silencing only during the runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from astreinte.domain.maintenance import (
    Occurrence,
    Recurrence,
    check_name,
    parse_clock,
    parse_days,
    parse_duration,
    recurrence,
    zone,
)
from astreinte.domain.silence import Silence, SilenceKind, SilenceState, parse_matcher, silencing
from astreinte.errors import InputError


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def sundays_paris(at: str = "02:00", hours: float = 2) -> Recurrence:
    return recurrence(days=["sun"], at=at, duration=timedelta(hours=hours), timezone="Europe/Paris")


def window(every: Recurrence | None, *, start: str, end: str) -> Silence:
    return Silence(
        id=7,
        matchers=(parse_matcher('service="db"'),),
        starts_at=utc(start),
        ends_at=utc(end),
        created_by="alice",
        comment="PostgreSQL 17 upgrade",
        kind=SilenceKind.MAINTENANCE,
        name="db-upgrade",
        recurrence=every,
    )


# Sundays 02:00–04:00 Paris: CET is UTC+1, CEST UTC+2. On 29 March 2026 the clock jumps from
# 02:00 to 03:00, on 25 October 2026 it goes back from 03:00 to 02:00.
@pytest.mark.parametrize(
    ("since", "runs"),
    [
        ("2026-03-21", [("2026-03-22T01:00", "2026-03-22T03:00")]),  # winter: 2 h
        ("2026-03-28", [("2026-03-29T01:00", "2026-03-29T02:00")]),  # jump: starts at 03:00, 1 h
        ("2026-04-04", [("2026-04-05T00:00", "2026-04-05T02:00")]),  # summer: 2 h
        ("2026-10-24", [("2026-10-25T00:00", "2026-10-25T03:00")]),  # back: the first 02:00, 3 h
        ("2026-10-31", [("2026-11-01T01:00", "2026-11-01T03:00")]),  # winter again
    ],
)
def test_a_weekly_window_follows_the_local_clock_across_daylight_saving(
    since: str, runs: list[tuple[str, str]]
) -> None:
    found = list(sundays_paris().occurrences(utc(since), utc(since) + timedelta(days=2)))

    assert found == [Occurrence(utc(a), utc(b)) for a, b in runs]


@pytest.mark.parametrize(
    ("instant", "covered"),
    [
        ("2026-03-29T00:59:59", False),  # 01:59:59 CET, just before the jump
        ("2026-03-29T01:00:00", True),  # 03:00 CEST, the jump
        ("2026-03-29T01:59:59", True),  # 03:59:59 CEST
        ("2026-03-29T02:00:00", False),  # 04:00 CEST: over
        ("2026-10-24T23:59:59", False),  # 01:59:59 CEST
        ("2026-10-25T00:00:00", True),  # the first 02:00 (CEST)
        ("2026-10-25T01:30:00", True),  # 02:30 CET, the hour lived twice
        ("2026-10-25T02:59:59", True),  # 03:59:59 CET
        ("2026-10-25T03:00:00", False),  # 04:00 CET: over
        ("2026-10-26T01:00:00", False),  # Monday
    ],
)
def test_covers_says_whether_an_instant_is_inside_a_run(instant: str, covered: bool) -> None:
    assert sundays_paris().covers(utc(instant)) is covered


def test_a_run_starting_in_the_skipped_hour_starts_at_the_jump_and_a_skipped_run_is_dropped() -> (
    None
):
    partly = recurrence(
        days=["sun"], at="02:30", duration=timedelta(minutes=40), timezone="Europe/Paris"
    )
    wholly = recurrence(
        days=["sun"], at="02:15", duration=timedelta(minutes=30), timezone="Europe/Paris"
    )
    night = (utc("2026-03-28T12:00"), utc("2026-03-30T00:00"))

    # 02:30–03:10 local: the clock reads 03:00 to 03:10 CEST that night.
    assert list(partly.occurrences(*night)) == [
        Occurrence(utc("2026-03-29T01:00"), utc("2026-03-29T01:10"))
    ]
    # 02:15–02:45 never shows on the clock that night.
    assert list(wholly.occurrences(*night)) == []
    assert len(list(wholly.occurrences(utc("2026-03-21"), utc("2026-04-06")))) == 2


def test_a_run_may_cross_midnight_and_several_days() -> None:
    weekend = recurrence(
        days=["fri"], at="22:00", duration=timedelta(days=2, hours=8), timezone="UTC"
    )

    assert weekend.covers(utc("2026-11-20T22:00"))  # Friday
    assert weekend.covers(utc("2026-11-22T12:00"))  # Sunday
    assert not weekend.covers(utc("2026-11-23T06:00"))  # Monday, after 06:00
    assert weekend.describe() == "every fri 22:00 for 2d8h UTC"


def test_silencing_honours_the_runs_and_the_window_bounds() -> None:
    db = window(sundays_paris(), start="2026-11-23T00:00", end="2026-12-14T00:00")
    labels = {"service": "db", "alertname": "PostgresDown"}

    assert silencing([db], labels, utc("2026-11-29T01:30")) is db  # Sunday 02:30 Paris
    assert silencing([db], labels, utc("2026-11-29T04:00")) is None  # Sunday 05:00 Paris
    assert silencing([db], labels, utc("2026-11-27T01:30")) is None  # a Friday
    assert silencing([db], {"service": "web"}, utc("2026-11-29T01:30")) is None
    assert silencing([db], labels, utc("2026-11-22T01:30")) is None  # before the window
    assert silencing([db], labels, utc("2026-12-20T01:30")) is None  # after it


@pytest.mark.parametrize(
    ("now", "state"),
    [
        ("2026-11-20T00:00", SilenceState.UPCOMING),  # not started
        ("2026-11-29T01:30", SilenceState.ACTIVE),  # in a run
        ("2026-11-30T12:00", SilenceState.UPCOMING),  # between two runs
        ("2026-12-14T00:00", SilenceState.ENDED),
    ],
)
def test_a_window_is_upcoming_active_or_ended(now: str, state: SilenceState) -> None:
    db = window(sundays_paris(), start="2026-11-23T00:00", end="2026-12-14T00:00")

    assert db.state(utc(now)) is state
    assert db.active(utc(now)) is (state is SilenceState.ACTIVE)


def test_the_next_runs_start_with_the_current_one_and_are_clipped_to_the_window() -> None:
    # Starts in the middle of a Sunday's run, ends in the middle of a later one.
    db = window(sundays_paris(), start="2026-11-29T01:30", end="2026-12-13T02:00")

    assert db.occurrences(utc("2026-11-29T02:00")) == (
        Occurrence(utc("2026-11-29T01:30"), utc("2026-11-29T03:00")),
        Occurrence(utc("2026-12-06T01:00"), utc("2026-12-06T03:00")),
        Occurrence(utc("2026-12-13T01:00"), utc("2026-12-13T02:00")),
    )
    assert db.occurrences(utc("2026-11-29T03:00"), limit=1) == (
        Occurrence(utc("2026-12-06T01:00"), utc("2026-12-06T03:00")),
    )
    assert db.occurrences(utc("2026-12-13T02:00")) == ()


def test_ending_a_window_early_stops_it_silencing() -> None:
    db = window(None, start="2026-11-23T00:00", end="2026-11-24T00:00")
    ended = replace(db, expired_at=utc("2026-11-23T06:00"))
    labels = {"service": "db"}

    assert silencing([db], labels, utc("2026-11-23T07:00")) is db
    assert silencing([ended], labels, utc("2026-11-23T07:00")) is None
    assert ended.state(utc("2026-11-23T07:00")) is SilenceState.ENDED
    assert ended.occurrences(utc("2026-11-23T07:00")) == ()


def test_a_zone_unknown_to_the_machine_silences_nothing() -> None:
    # Stored windows outlive the tz database they were checked against: page rather than guess.
    gone = Recurrence(frozenset({6}), time(2), timedelta(hours=2), "Mars/Olympus_Mons")
    db = window(gone, start="2026-11-23T00:00", end="2026-12-14T00:00")

    assert silencing([db], {"service": "db"}, utc("2026-11-29T01:30")) is None


@pytest.mark.parametrize(
    ("specs", "days"),
    [
        (["sun"], {6}),
        (["Sunday"], {6}),
        (["dimanche"], {6}),
        (["sat,sun"], {5, 6}),
        (["sat", "sun"], {5, 6}),
        (["mon-fri"], {0, 1, 2, 3, 4}),
        (["fri-mon"], {4, 5, 6, 0}),  # wraps over the weekend
        (["lun-ven"], {0, 1, 2, 3, 4}),
        (["daily"], set(range(7))),
    ],
)
def test_days_are_named_in_english_or_french_with_ranges(specs: list[str], days: set[int]) -> None:
    assert parse_days(specs) == frozenset(days)


@pytest.mark.parametrize(
    ("parse", "text", "says"),
    [
        (lambda t: parse_days([t]), "sno", "unknown day 'sno'"),
        (lambda t: parse_days([t]), "mon-xyz", "unknown day 'mon-xyz'"),
        (lambda t: parse_days([t]), " ", "at least one day"),
        (parse_clock, "25:00", "not HH:MM"),
        (parse_clock, "2pm", "not HH:MM"),
        (parse_duration, "2", "not like 2h"),
        (parse_duration, "8d", "at most 7 days, not 8d"),
        (parse_duration, "0m", "at least one minute"),
        (zone, "Europe/Pariss", "unknown time zone 'Europe/Pariss'"),
        (zone, "localtime", "unknown time zone"),
        (zone, "../etc/passwd", "unknown time zone"),
        (check_name, "db upgrade", "letters, digits"),
        (check_name, "-db", "starting with a letter or digit"),
    ],
)
def test_what_a_person_types_is_refused_with_one_clear_sentence(
    parse: Callable[[str], object], text: str, says: str
) -> None:
    with pytest.raises(InputError, match=says):
        parse(text)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("2h", timedelta(hours=2)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("3 jours", timedelta(days=3)),
        ("7d", timedelta(days=7)),
    ],
)
def test_durations(text: str, duration: timedelta) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    ("every", "text"),
    [
        (sundays_paris(), "every sun 02:00–04:00 Europe/Paris"),
        (
            recurrence(
                days=["mon-fri", "sun"],
                at="23:30",
                duration=timedelta(hours=1),
                timezone="UTC",
            ),
            "every mon-fri,sun 23:30–00:30 UTC",
        ),
        (
            recurrence(days=["daily"], at="2h00", duration=timedelta(minutes=5), timezone="UTC"),
            "every day 02:00–02:05 UTC",
        ),
    ],
)
def test_a_recurrence_reads_as_a_person_would_say_it(every: Recurrence, text: str) -> None:
    assert every.describe() == text
