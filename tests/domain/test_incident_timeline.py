"""The sealed timeline: an intact chain verifies, and every kind of tampering is found where it
happened."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from astreinte.domain.incident.timeline import (
    GENESIS,
    Break,
    Event,
    EventKind,
    SealedEvent,
    seal,
    verify,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
INCIDENT = 7

EVENTS = (
    Event(T0, EventKind.OPENED, "alertmanager", "Incident opened: Checkout down"),
    Event(
        T0 + timedelta(minutes=3),
        EventKind.ACKNOWLEDGED,
        "alice",
        "Acknowledged",
    ),
    Event(
        T0 + timedelta(minutes=5),
        EventKind.NOTE,
        "alice",
        "Restarted the API pods",
        {"command": "kubectl rollout restart deploy/api", "exit": 0},
    ),
    Event(T0 + timedelta(minutes=9), EventKind.RESOLVED, "alice", "Resolved"),
)


def chain(events: Sequence[Event], incident_id: int = INCIDENT) -> list[SealedEvent]:
    sealed: list[SealedEvent] = []
    for seq, event in enumerate(events, start=1):
        sealed.append(seal(incident_id, seq, event, sealed[-1].hash if sealed else GENESIS))
    return sealed


def reseal(sealed: SealedEvent, event: Event) -> SealedEvent:
    """The event changed and its hash recomputed, as someone covering their tracks would."""
    return seal(sealed.incident_id, sealed.seq, event, sealed.prev_hash)


def found(breaks: list[Break]) -> list[tuple[int, str]]:
    return [(b.seq, b.reason) for b in breaks]


CHANGED = "its content was changed after it was written"
MISSING = "found at position {}: an event is missing"
UNLINKED = "does not follow the event before it"
HEAD = "the incident's last event hash differs: events were removed or added"


def test_an_intact_chain_verifies() -> None:
    sealed = chain(EVENTS)
    assert [s.seq for s in sealed] == [1, 2, 3, 4]
    assert sealed[0].prev_hash == GENESIS
    assert [s.prev_hash for s in sealed[1:]] == [s.hash for s in sealed[:-1]]
    assert len({s.hash for s in sealed}) == 4
    assert verify(INCIDENT, sealed, sealed[-1].hash) == []


def test_an_empty_chain_verifies_against_no_head() -> None:
    assert verify(INCIDENT, [], None) == []
    assert verify(INCIDENT, [], GENESIS) == []


def test_sealing_is_deterministic() -> None:
    assert chain(EVENTS) == chain(EVENTS)


Tamper = Callable[[list[SealedEvent]], tuple[list[SealedEvent], str | None]]


Change = Callable[[Event], Event]


def edit(seq: int, change: Change) -> Tamper:
    def tamper(sealed: list[SealedEvent]) -> tuple[list[SealedEvent], str | None]:
        events = list(sealed)
        events[seq - 1] = replace(events[seq - 1], event=change(events[seq - 1].event))
        return events, sealed[-1].hash

    return tamper


def edit_and_reseal(seq: int, change: Change) -> Tamper:
    def tamper(sealed: list[SealedEvent]) -> tuple[list[SealedEvent], str | None]:
        events = list(sealed)
        events[seq - 1] = reseal(events[seq - 1], change(events[seq - 1].event))
        return events, sealed[-1].hash

    return tamper


def remove(seq: int) -> Tamper:
    def tamper(sealed: list[SealedEvent]) -> tuple[list[SealedEvent], str | None]:
        return [s for s in sealed if s.seq != seq], sealed[-1].hash

    return tamper


def swap(a: int, b: int) -> Tamper:
    def tamper(sealed: list[SealedEvent]) -> tuple[list[SealedEvent], str | None]:
        events = list(sealed)
        events[a - 1], events[b - 1] = events[b - 1], events[a - 1]
        return events, sealed[-1].hash

    return tamper


def append_forged(sealed: list[SealedEvent]) -> tuple[list[SealedEvent], str | None]:
    forged = seal(
        INCIDENT,
        5,
        Event(T0 + timedelta(hours=1), EventKind.NOTE, "mallory", "All fine"),
        sealed[-1].hash,
    )
    return [*sealed, forged], sealed[-1].hash  # the stored head was not moved


def lose_head(sealed: list[SealedEvent]) -> tuple[list[SealedEvent], str | None]:
    return sealed, None


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        pytest.param(
            edit(2, lambda e: replace(e, text="Acknowledged late")),
            [(2, CHANGED)],
            id="changed text",
        ),
        pytest.param(
            edit(2, lambda e: replace(e, at=T0 + timedelta(minutes=1))),
            [(2, CHANGED)],
            id="changed time",
        ),
        pytest.param(
            edit(3, lambda e: replace(e, at=T0 + timedelta(minutes=5, microseconds=1))),
            [(3, CHANGED)],
            id="1 µs",
        ),
        pytest.param(
            edit(3, lambda e: replace(e, actor="bob")), [(3, CHANGED)], id="changed actor"
        ),
        pytest.param(
            edit(2, lambda e: replace(e, kind=EventKind.NOTE)), [(2, CHANGED)], id="changed kind"
        ),
        pytest.param(
            edit(3, lambda e: replace(e, data={"command": "true", "exit": 0})),
            [(3, CHANGED)],
            id="data",
        ),
        pytest.param(remove(2), [(3, MISSING.format(2))], id="removed middle event"),
        pytest.param(remove(1), [(2, MISSING.format(1))], id="removed first event"),
        pytest.param(remove(4), [(3, HEAD)], id="removed last event"),
        pytest.param(
            swap(2, 3),
            [(3, MISSING.format(2)), (2, MISSING.format(3)), (4, UNLINKED)],
            id="reordered events",
        ),
        pytest.param(
            edit_and_reseal(2, lambda e: replace(e, text="Acknowledged late")),
            [(3, UNLINKED)],
            id="rehashed middle",
        ),
        pytest.param(
            edit_and_reseal(4, lambda e: replace(e, actor="bob")), [(4, HEAD)], id="rehashed last"
        ),
        pytest.param(append_forged, [(5, HEAD)], id="appended event"),
        pytest.param(lose_head, [(4, HEAD)], id="head lost"),
    ],
)
def test_tampering_is_found_where_it_happened(
    tamper: Tamper, expected: list[tuple[int, str]]
) -> None:
    events, head = tamper(chain(EVENTS))
    assert found(verify(INCIDENT, events, head)) == expected


@pytest.mark.parametrize(("removed", "first_after"), [(1, 2), (2, 3), (3, 4)])
def test_a_removed_event_is_reported_at_the_event_after_it(removed: int, first_after: int) -> None:
    events, head = remove(removed)(chain(EVENTS))
    breaks = verify(INCIDENT, events, head)
    assert breaks
    assert (breaks[0].seq, breaks[0].reason) == (first_after, MISSING.format(removed))
    assert all(b.reason != CHANGED for b in breaks)  # nothing was edited


def test_a_chain_checked_as_another_incident_fails_everywhere() -> None:
    sealed = chain(EVENTS)
    assert found(verify(INCIDENT + 1, sealed, sealed[-1].hash)) == [
        (seq, CHANGED) for seq in (1, 2, 3, 4)
    ]


def test_a_head_with_no_event_left_is_reported() -> None:
    sealed = chain(EVENTS)
    assert found(verify(INCIDENT, [], sealed[-1].hash)) == [(0, HEAD)]


def test_the_same_instant_in_another_zone_seals_the_same() -> None:
    # Storage may give the time back in another zone; that is not tampering.
    paris = timezone(timedelta(hours=1))
    sealed = chain(EVENTS)
    reread = [replace(s, event=replace(s.event, at=s.event.at.astimezone(paris))) for s in sealed]
    assert verify(INCIDENT, reread, sealed[-1].hash) == []


def test_the_order_of_data_keys_does_not_matter() -> None:
    # A JSON column may give the keys back in another order.
    sealed = chain(EVENTS)
    data = sealed[2].event.data
    reordered = dict(reversed(list(data.items())))
    assert list(reordered) != list(data)
    events = list(sealed)
    events[2] = replace(events[2], event=replace(events[2].event, data=reordered))
    assert verify(INCIDENT, events, sealed[-1].hash) == []


def test_a_naive_time_is_refused() -> None:
    naive = Event(datetime(2026, 3, 2, 9, 0), EventKind.NOTE, "alice", "hello")  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive datetime 2026-03-02T09:00:00 in the timeline"):
        seal(INCIDENT, 1, naive, GENESIS)


def test_a_break_reads_as_a_sentence() -> None:
    assert str(Break(7, 3, CHANGED)) == f"incident 7, event 3: {CHANGED}"
