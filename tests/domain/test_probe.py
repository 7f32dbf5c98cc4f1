"""Probe states from results, with an injected clock: hysteresis (fall/rise), the first result,
flapping, due times and durations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from astreinte.domain.probe import (
    Change,
    ProbeKind,
    ProbeResult,
    ProbeSpec,
    ProbeState,
    ProbeStatus,
    due_at,
    observe,
    parse_duration,
)
from astreinte.errors import InputError

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
SPEC = ProbeSpec(
    "redis", ProbeKind.REDIS, "redis://127.0.0.1:6379/0", interval=timedelta(seconds=10)
)


def run(
    outcomes: Iterable[bool], *, spec: ProbeSpec = SPEC, every: float = 10.0
) -> list[tuple[ProbeStatus, Change | None]]:
    """Feed results `every` seconds apart; the status and change after each."""
    state = ProbeState()
    seen = []
    for n, ok in enumerate(outcomes):
        result = ProbeResult(ok, T0 + timedelta(seconds=n * every), "" if ok else "refused")
        state, change = observe(spec, state, result)
        seen.append((state.status, change))
    return seen


def test_the_first_result_decides_at_once() -> None:
    assert run([False]) == [(ProbeStatus.DOWN, Change.WENT_DOWN)]
    assert run([True]) == [(ProbeStatus.UP, None)]


def test_one_failure_is_not_an_outage_two_in_a_row_are() -> None:
    seen = run([True, False, True, False, False])
    assert [status for status, _ in seen] == [ProbeStatus.UP] * 4 + [ProbeStatus.DOWN]
    assert [change for _, change in seen] == [None] * 4 + [Change.WENT_DOWN]


def test_recovery_needs_rise_successes_in_a_row() -> None:
    spec = ProbeSpec("api", ProbeKind.HTTP, "http://x", interval=timedelta(seconds=10), rise=3)
    seen = run([True, False, False, True, True, False, True, True, True], spec=spec)
    changes = [change for _, change in seen]
    assert changes.count(Change.WENT_DOWN) == 1
    assert changes.index(Change.CAME_BACK) == 8  # not after the first two successes


def test_a_flapping_target_stays_down_instead_of_opening_again_and_again() -> None:
    spec = ProbeSpec(
        "api",
        ProbeKind.HTTP,
        "http://x",
        interval=timedelta(seconds=10),
        fall=1,
        rise=1,
        flap_changes=4,
        flap_minutes=10,
    )
    seen = run([True, False] * 10, spec=spec)
    downs = [change for _, change in seen].count(Change.WENT_DOWN)
    # down, back, down, back — then flapping: it stays down, so no third incident.
    assert downs == 2
    assert seen[-1][0] is ProbeStatus.DOWN


def test_flapping_ends_once_the_window_is_quiet() -> None:
    spec = ProbeSpec(
        "api",
        ProbeKind.HTTP,
        "http://x",
        interval=timedelta(seconds=10),
        fall=1,
        rise=1,
        flap_changes=4,
        flap_minutes=1,
    )
    # Flaps for 80 s, then succeeds for two minutes: the window empties and it comes back.
    seen = run([True, False] * 4 + [True] * 12, spec=spec)
    assert seen[-1][0] is ProbeStatus.UP


def test_due_times_follow_the_interval() -> None:
    assert due_at(SPEC, None, now=T0) == T0
    assert due_at(SPEC, T0, now=T0 + timedelta(seconds=3)) == T0 + timedelta(seconds=10)


@pytest.mark.parametrize(
    ("text", "seconds"), [("500ms", 0.5), ("10s", 10), ("1m", 60), ("2h", 7200), (" 1.5s ", 1.5)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, what="interval").total_seconds() == seconds


@pytest.mark.parametrize("text", ["10", "ten seconds", "0s", "-1s", "1d"])
def test_bad_durations_say_what_to_write(text: str) -> None:
    with pytest.raises(InputError, match=r"interval .* e\.g\.|longer than zero"):
        parse_duration(text, what="interval")
