"""Probes as a service on SQLite and PostgreSQL, with an injected clock and a scripted check:
claims (once per period, phase kept, late periods skipped), hysteresis and flapping through
to incidents, the probe's procedure, recovery on the timeline, history and retention."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.incident.model import Status
from astreinte.domain.incident.timeline import EventKind
from astreinte.domain.probe import Change, ProbeKind, ProbeResult, ProbeSpec, ProbeStatus
from astreinte.errors import NotFound
from astreinte.services import alerts, catalogue, incidents, probes
from astreinte.services.probes import Observed, ProbeRules
from astreinte.storage import probes as store
from tests.conftest import SEEDS

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class Scripted:
    """A check whose answer a test sets per probe: up (with `detail`) or failing."""

    up: dict[str, bool] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    async def __call__(self, spec: ProbeSpec, *, clock: Callable[[], datetime]) -> ProbeResult:
        self.calls.append(spec.name)
        ok = self.up.get(spec.name, True)
        detail = "127.0.0.1:6379 answered PONG" if ok else "127.0.0.1:6379: connection refused"
        return ProbeResult(ok=ok, at=clock(), detail=detail, latency_ms=2.0 if ok else None)


def spec(name: str = "redis", **fields: object) -> ProbeSpec:
    values: dict[str, object] = {
        "kind": ProbeKind.REDIS,
        "target": "redis://127.0.0.1:6379/0",
        "interval": timedelta(seconds=10),
        "timeout": timedelta(seconds=2),
        "service": "sylion",
    }
    values.update(fields)
    return ProbeSpec(name, **values)  # type: ignore[arg-type]


def tick(
    sessions: sessionmaker[Session],
    specs: Sequence[ProbeSpec],
    check: Scripted,
    clock: Clock,
    *,
    worker: str = "w1",
) -> list[Observed]:
    """What a worker does at `clock.now`: claim the due probes, check them, record."""
    claimed, _ = probes.claim_due(sessions, specs=specs, worker=worker, now=clock.now)
    return asyncio.run(probes.run(sessions, claimed, check=check, clock=clock))


def every_period(
    sessions: sessionmaker[Session],
    specs: Sequence[ProbeSpec],
    check: Scripted,
    clock: Clock,
    periods: int,
) -> list[Observed]:
    seen: list[Observed] = []
    for _ in range(periods):
        clock.advance(10)
        seen += tick(sessions, specs, check, clock)
    return seen


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    report = catalogue.import_paths(sessions, [SEEDS], now=T0)
    assert report.ok
    return sessions


def seed_procedure(sessions: sessionmaker[Session], prefix: str) -> tuple[str, str]:
    """The catalogue id and title of seed 002's procedure whose title starts with `prefix`."""
    with sessions() as session:
        runbook = next(r for r in catalogue.list_runbooks(session) if r.source.startswith("002_"))
        stored = catalogue.show_runbook(session, runbook_id=runbook.id)
    return next(
        (pid, p.title)
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if p.title.startswith(prefix)
    )


def started(sessions: sessionmaker[Session], specs: Sequence[ProbeSpec], clock: Clock) -> None:
    probes.sync(sessions, specs=specs, now=clock.now)


# --- claiming --------------------------------------------------------------------------------


def test_a_new_probe_runs_within_its_first_interval_then_once_per_period(
    sessions: sessionmaker[Session],
) -> None:
    clock, check = Clock(), Scripted()
    specs = [spec(f"p{n}") for n in range(20)]
    started(sessions, specs, clock)

    clock.advance(5)
    first = tick(sessions, specs, check, clock)
    assert 0 < len(first) < 20  # spread over the interval, not all at once
    clock.advance(5)
    assert len(first) + len(tick(sessions, specs, check, clock)) == 20

    for _ in range(5):
        clock.advance(10)
        assert sorted(o.spec.name for o in tick(sessions, specs, check, clock)) == sorted(
            s.name for s in specs
        )
        # The same instant again: everything was moved to its next period.
        assert tick(sessions, specs, check, clock, worker="w2") == []


def test_a_late_worker_skips_missed_periods_and_keeps_the_phase(
    sessions: sessionmaker[Session],
) -> None:
    clock, check = Clock(), Scripted()
    specs = [spec()]
    started(sessions, specs, clock)
    with sessions() as session:
        phase = store.get_many(session, ["redis"])["redis"].next_run_at

    clock.now = phase + timedelta(seconds=35)  # 3 periods late
    assert len(tick(sessions, specs, check, clock)) == 1
    with sessions() as session:
        assert store.get_many(session, ["redis"])["redis"].next_run_at == phase + 4 * 10 * SECOND
    assert tick(sessions, specs, check, clock) == []


def test_claims_are_limited_to_the_configured_names(sessions: sessionmaker[Session]) -> None:
    clock, check = Clock(), Scripted()
    started(sessions, [spec("old"), spec("new")], clock)
    clock.advance(20)

    seen = tick(sessions, [spec("new")], check, clock)

    assert [o.spec.name for o in seen] == ["new"]
    with sessions() as session:
        assert store.get_many(session, ["old"])["old"].state.last is None


# --- from a failing probe to an incident and back ---------------------------------------------


def test_a_probe_going_down_opens_an_incident_with_the_seed_procedure_and_recovery_is_noted(
    seeded: sessionmaker[Session],
) -> None:
    clock, check = Clock(), Scripted()
    specs = [spec(fall=2, rise=2)]
    started(seeded, specs, clock)
    every_period(seeded, specs, check, clock, 2)
    _, title = seed_procedure(seeded, "Incident 3")

    check.up["redis"] = False
    first, second = every_period(seeded, specs, check, clock, 2)

    assert first.change is None  # one failure: nothing yet
    assert first.state.status is ProbeStatus.UP
    assert second.change is Change.WENT_DOWN
    assert second.incident_id is not None
    view = incidents.get_incident(seeded, incident_id=second.incident_id)
    assert view.incident.procedure is not None
    assert view.incident.procedure.title == title
    assert view.incident.service == "sylion"
    assert view.incident.respond_by is not None  # SLA clocks
    assert "Redis probe 'redis' failing" in view.incident.title
    (alert,) = alerts.alerts_of(seeded, incident_id=second.incident_id)
    assert alert.alert.source == "probe"
    assert alert.alert.fingerprint == "probe:redis"
    assert alert.alert.labels == {"probe": "redis", "kind": "redis", "service": "sylion"}

    check.up["redis"] = True
    went_down_at = second.result.at
    back = every_period(seeded, specs, check, clock, 2)

    assert [o.change for o in back] == [None, Change.CAME_BACK]
    view = incidents.get_incident(seeded, incident_id=second.incident_id)
    assert view.incident.status is Status.MITIGATED  # its only alert is resolved
    notes = [e.event.text for e in view.timeline if e.event.kind is EventKind.NOTE]
    down_for = probes.span(back[-1].result.at - went_down_at)
    assert f"probe redis is up again after {down_for}: 127.0.0.1:6379 answered PONG" in notes
    assert down_for == "20 s"


def test_a_named_procedure_is_followed_without_asking_the_matcher(
    seeded: sessionmaker[Session],
) -> None:
    clock, check = Clock(), Scripted(up={"pg": False})
    procedure_id, title = seed_procedure(seeded, "Incident 4")  # PostgreSQL, for a Redis text
    specs = [spec("pg", procedure=procedure_id, symptom="Le cache ne répond plus", fall=1)]
    started(seeded, specs, clock)

    (down,) = every_period(seeded, specs, check, clock, 1)

    assert down.change is Change.WENT_DOWN
    assert down.incident_id is not None
    view = incidents.get_incident(seeded, incident_id=down.incident_id)
    assert view.incident.procedure is not None
    assert view.incident.procedure.id == procedure_id
    assert view.incident.procedure.title == title
    assert view.incident.title == "Le cache ne répond plus"


def test_a_procedure_id_missing_from_the_catalogue_lets_the_matcher_choose(
    seeded: sessionmaker[Session],
) -> None:
    clock, check = Clock(), Scripted(up={"redis": False})
    specs = [spec(procedure="no-such-runbook/no-such-procedure", fall=1)]
    started(seeded, specs, clock)

    (down,) = every_period(seeded, specs, check, clock, 1)

    assert down.incident_id is not None
    view = incidents.get_incident(seeded, incident_id=down.incident_id)
    assert view.incident.procedure is not None
    assert view.incident.procedure.title.startswith("Incident 3")
    assert "not in the catalogue" in view.incident.description


def test_a_flapping_target_keeps_one_incident_open(seeded: sessionmaker[Session]) -> None:
    clock, check = Clock(), Scripted()
    specs = [spec(fall=1, rise=1, flap_changes=4, flap_minutes=10)]
    started(seeded, specs, clock)
    every_period(seeded, specs, check, clock, 1)

    seen: list[Observed] = []
    for n in range(12):  # down, up, down, up… every period for two minutes
        check.up["redis"] = n % 2 == 1
        seen += every_period(seeded, specs, check, clock, 1)

    opened = {o.incident_id for o in seen if o.change is Change.WENT_DOWN}
    assert len(incidents.list_incidents(seeded)) == 1
    assert len(opened) == 1
    assert seen[-1].result.ok
    assert seen[-1].state.status is ProbeStatus.DOWN  # held down while it flaps
    assert sum(o.change is Change.CAME_BACK for o in seen) == 1


def test_a_result_older_than_the_state_is_kept_in_history_only(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    probe = spec(fall=1)
    fresh = ProbeResult(ok=True, at=T0 + 20 * SECOND, detail="PONG")
    stale = ProbeResult(ok=False, at=T0 + 10 * SECOND, detail="refused")

    probes.record(sessions, [(probe, fresh)], now=clock.now)
    (late,) = probes.record(sessions, [(probe, stale)], now=clock.now)

    assert not late.recorded
    assert late.state.status is ProbeStatus.UP
    history = probes.history(sessions, name="redis", now=T0 + 30 * SECOND)
    assert [r.detail for r in history.results] == ["PONG", "refused"]


# --- history and retention ------------------------------------------------------------------


def test_history_gives_uptime_and_latency_percentiles_per_window(
    sessions: sessionmaker[Session],
) -> None:
    probe = spec()
    batch = [
        (probe, ProbeResult(ok=n % 10 != 0, at=T0 + n * SECOND, detail="x", latency_ms=float(n)))
        for n in range(1, 101)
    ]
    old = ProbeResult(ok=False, at=T0 - timedelta(days=3), detail="old")
    probes.record(sessions, [(probe, old), *batch], now=T0)

    found = probes.history(sessions, name="redis", now=T0 + 200 * SECOND, limit=5)

    assert [r.at for r in found.results] == [T0 + n * SECOND for n in (100, 99, 98, 97, 96)]
    day, week, _ = found.windows
    assert (day.label, day.checks, day.uptime) == ("24h", 100, 90.0)
    assert (week.checks, week.uptime) == (101, round(90 / 101 * 100, 3))
    assert day.p50_ms == 49.0  # of the 90 successful latencies: 1..99 without the tens
    assert day.p99_ms == 99.0
    since = probes.history(sessions, name="redis", now=T0, since=T0 + 95 * SECOND)
    assert len(since.results) == 6


def test_an_unknown_probe_is_not_found_with_a_sentence(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound, match=r"^no probe 'nope'; GET /api/v1/probes"):
        probes.history(sessions, name="nope", now=T0)


def test_results_past_the_retention_are_deleted_in_batches(
    sessions: sessionmaker[Session],
) -> None:
    probe = spec()
    old = [(probe, ProbeResult(True, T0 - timedelta(days=40, seconds=n), "old")) for n in range(25)]
    new = [(probe, ProbeResult(True, T0 - timedelta(days=1, seconds=n), "new")) for n in range(5)]
    probes.record(sessions, [*old, *new], now=T0)

    deleted = probes.prune(sessions, now=T0, days=30, batch=10)

    assert deleted == 25
    left = probes.history(sessions, name="redis", now=T0, limit=100).results
    assert {r.detail for r in left} == {"new"}
    assert probes.prune(sessions, now=T0, days=30, batch=10) == 0


def test_listing_shows_configured_probes_with_their_state(seeded: sessionmaker[Session]) -> None:
    clock, check = Clock(), Scripted(up={"redis": False})
    specs = [spec(fall=1, target="redis://:s3cret@127.0.0.1:6379/0"), spec("later")]
    probes.sync(seeded, specs=specs[:1], now=clock.now)
    (down,) = every_period(seeded, specs[:1], check, clock, 1)

    listed = probes.list_probes(seeded, specs=specs, now=clock.now)

    redis, later = listed
    assert redis.state.status is ProbeStatus.DOWN
    assert redis.incident_id == down.incident_id
    assert redis.target == "redis://:***@127.0.0.1:6379/0"
    assert redis.uptime_24h == 0.0
    assert later.state.status is ProbeStatus.UNKNOWN
    assert later.next_run_at is None
    assert [v.name for v in probes.list_probes(seeded, specs=None, now=clock.now)] == ["redis"]
    view = incidents.get_incident(seeded, incident_id=down.incident_id or 0)
    assert "s3cret" not in view.incident.description


def test_run_now_records_one_result_outside_the_schedule(sessions: sessionmaker[Session]) -> None:
    clock, check = Clock(), Scripted(up={"redis": False})

    observed = probes.run_now(
        sessions, spec=spec(fall=1), check=check, clock=clock, rules=ProbeRules()
    )

    assert observed.change is Change.WENT_DOWN
    assert observed.incident_id is not None  # opened without a matching procedure
    assert check.calls == ["redis"]
    assert len(probes.history(sessions, name="redis", now=clock.now).results) == 1


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "0 s"), (45, "45 s"), (80, "1 min 20 s"), (120, "2 min"), (7500, "2 h 5 min")],
)
def test_down_durations_read_as_people_say_them(seconds: float, text: str) -> None:
    assert probes.span(timedelta(seconds=seconds)) == text
