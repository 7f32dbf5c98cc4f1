"""SLA terms and clocks: where the minutes come from, which alarms fall due, met or missed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from astreinte.domain.incident.model import Action, Incident, SlaTerms, Status, apply
from astreinte.domain.incident.sla import (
    Alarm,
    Clock,
    Outcome,
    Stage,
    alarms,
    due_alarms,
    next_alarm,
    outcome,
    terms_for,
)
from astreinte.domain.runbook.model import (
    Level,
    Procedure,
    ProcedureKind,
    Runbook,
    SeverityLevel,
)
from astreinte.domain.runbook.parse import parse
from tests.conftest import SEEDS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

SCALE = (
    SeverityLevel("P1", Level.CRITICAL, 0, "Critique", 5, 30),
    SeverityLevel("P2", Level.MAJOR, 1, "Majeur", 15, 240),
    SeverityLevel("P3", Level.MINOR, 2, "Mineur", None, 1440),
)
DEFAULTS: dict[Level, tuple[int | None, int | None]] = {
    Level.CRITICAL: (10, 120),
    Level.MAJOR: (30, 480),
    Level.MINOR: (120, 2880),
}


@cache
def seed(prefix: str) -> Runbook:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    return runbook


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def procedure(respond: int | None, resolve: int | None) -> Procedure:
    return Procedure(
        "p", "Base down", ProcedureKind.INCIDENT, 1, 9, None, None, None, None, respond, resolve
    )


@pytest.mark.parametrize(
    ("proc", "scale", "severity", "level", "expected"),
    [
        # The procedure's own SLA wins over the scale and the configuration.
        (procedure(5, 30), SCALE, "P2", Level.MAJOR, SlaTerms(5, 30, "procedure")),
        # The scale by label, whatever the case.
        (None, SCALE, "p2", Level.MAJOR, SlaTerms(15, 240, "runbook scale P2")),
        # The label wins over the level when both are known.
        (None, SCALE, "P2", Level.CRITICAL, SlaTerms(15, 240, "runbook scale P2")),
        # A label the scale does not know: the scale by level.
        (None, SCALE, "SEV1", Level.CRITICAL, SlaTerms(5, 30, "runbook scale P1")),
        (None, SCALE, None, Level.CRITICAL, SlaTerms(5, 30, "runbook scale P1")),
        # Nothing in the runbook: the configuration for the level.
        (None, (), "P2", Level.MAJOR, SlaTerms(30, 480, "configuration (major)")),
        # A source with one time keeps it; the other comes from the next source down.
        (
            procedure(None, 45),
            SCALE,
            "P1",
            Level.CRITICAL,
            SlaTerms(5, 45, "runbook scale P1 + procedure"),
        ),
        (
            procedure(3, None),
            (),
            None,
            Level.MAJOR,
            SlaTerms(3, 480, "procedure + configuration (major)"),
        ),
        (
            None,
            SCALE,
            "P3",
            Level.MINOR,
            SlaTerms(120, 1440, "configuration (minor) + runbook scale P3"),
        ),
        # A procedure that states nothing is passed over.
        (procedure(None, None), SCALE, "P2", None, SlaTerms(15, 240, "runbook scale P2")),
        # No source at all.
        (None, SCALE, None, None, SlaTerms(None, None, "none")),
        (procedure(None, None), (), "P2", None, SlaTerms(None, None, "none")),
        (None, (), "P9", Level.MINOR, SlaTerms(120, 2880, "configuration (minor)")),
    ],
)
def test_terms_come_from_the_first_source_that_gives_them(
    proc: Procedure | None,
    scale: tuple[SeverityLevel, ...],
    severity: str | None,
    level: Level | None,
    expected: SlaTerms,
) -> None:
    found = terms_for(
        procedure=proc, scale=scale, severity=severity, level=level, defaults=DEFAULTS
    )
    assert found == expected


def test_a_level_without_configured_defaults_has_no_terms() -> None:
    found = terms_for(
        procedure=None,
        scale=(),
        severity=None,
        level=Level.MINOR,
        defaults={Level.CRITICAL: (10, 120)},
    )
    assert found == SlaTerms(None, None, "none")


def test_seed_001_p0_resolves_in_an_hour_and_responds_as_configured() -> None:
    # 001's P0 says "Résolution < 1h" and nothing about the response.
    runbook = seed("001")
    p0 = next(p for p in runbook.procedures if p.severity == "P0")
    found = terms_for(
        procedure=p0,
        scale=runbook.severity_levels,
        severity=p0.severity,
        level=p0.level,
        defaults=DEFAULTS,
    )
    assert found == SlaTerms(10, 60, "configuration (critical) + procedure")


def test_seed_004_p1_procedures_state_their_own_sla() -> None:
    # 004: "SLA: Réponse <5 min | Résolution <30 min" for the P1 runbooks.
    runbook = seed("004")
    p1 = next(p for p in runbook.procedures if p.severity == "P1")
    found = terms_for(
        procedure=p1,
        scale=runbook.severity_levels,
        severity="P1",
        level=Level.CRITICAL,
        defaults=DEFAULTS,
    )
    assert found == SlaTerms(5, 30, "procedure")


# --- clocks ------------------------------------------------------------------------------------

TERMS = SlaTerms(10, 60, "procedure")

PATHS: dict[Status, list[tuple[Action, int]]] = {
    Status.TRIGGERED: [],
    Status.ACKNOWLEDGED: [(Action.ACKNOWLEDGE, 3)],
    Status.MITIGATED: [(Action.MITIGATE, 3)],
    Status.RESOLVED: [(Action.RESOLVE, 3)],
    Status.CLOSED: [(Action.RESOLVE, 3), (Action.CLOSE, 4)],
}


def incident_in(status: Status, terms: SlaTerms = TERMS) -> Incident:
    incident = Incident(1, "Checkout down", Status.TRIGGERED, T0, "alice", sla=terms)
    for action, minutes in PATHS[status]:
        incident = apply(incident, action, at=at(minutes))
    return incident


def keyed(found: Iterable[Alarm]) -> list[tuple[str, float]]:
    return [(a.key, (a.due - T0).total_seconds() / 60) for a in found]


RESPOND_ALARMS = [("respond:warning", 8.0), ("respond:breach", 10.0)]
RESOLVE_ALARMS = [("resolve:warning", 48.0), ("resolve:breach", 60.0)]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.TRIGGERED, RESPOND_ALARMS + RESOLVE_ALARMS),
        # Once someone responds, only the resolve clock runs, even when mitigated.
        (Status.ACKNOWLEDGED, RESOLVE_ALARMS),
        (Status.MITIGATED, RESOLVE_ALARMS),
        (Status.RESOLVED, []),
        (Status.CLOSED, []),
    ],
)
def test_alarms_warn_at_80_percent_and_breach_at_100(
    status: Status, expected: list[tuple[str, float]]
) -> None:
    assert keyed(alarms(incident_in(status))) == expected


def test_an_alarm_knows_its_clock_stage_and_deadline() -> None:
    warning = alarms(incident_in(Status.TRIGGERED))[0]
    assert (warning.clock, warning.stage) == (Clock.RESPOND, Stage.WARNING)
    assert warning.deadline == at(10)


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (SlaTerms(None, 60, "procedure"), RESOLVE_ALARMS),
        (SlaTerms(10, None, "procedure"), RESPOND_ALARMS),
        (SlaTerms(None, None, "none"), []),
        # Fractions of a minute are kept: 80% of 5 min is 4 min, of 1 min 48 s.
        (
            SlaTerms(1, 5, "procedure"),
            [
                ("respond:warning", 0.8),
                ("respond:breach", 1.0),
                ("resolve:warning", 4.0),
                ("resolve:breach", 5.0),
            ],
        ),
    ],
)
def test_each_clock_with_a_term_has_its_alarms(
    terms: SlaTerms, expected: list[tuple[str, float]]
) -> None:
    assert keyed(alarms(incident_in(Status.TRIGGERED, terms))) == expected


def test_a_reopened_incident_counts_from_the_reopening() -> None:
    reopened = apply(incident_in(Status.RESOLVED), Action.REOPEN, at=at(100))
    assert keyed(alarms(reopened)) == [
        ("respond:warning", 108.0),
        ("respond:breach", 110.0),
        ("resolve:warning", 148.0),
        ("resolve:breach", 160.0),
    ]


@pytest.mark.parametrize(
    ("status", "now", "fired", "expected"),
    [
        (Status.TRIGGERED, 7.9, (), []),
        (Status.TRIGGERED, 8, (), ["respond:warning"]),
        (Status.TRIGGERED, 9, ("respond:warning",), []),
        (Status.TRIGGERED, 10, ("respond:warning",), ["respond:breach"]),
        # The worker was down through the warning: one breach page, no late warning with it.
        (Status.TRIGGERED, 10, (), ["respond:breach"]),
        (Status.TRIGGERED, 50, (), ["respond:breach", "resolve:warning"]),
        (Status.TRIGGERED, 61, (), ["respond:breach", "resolve:breach"]),
        (Status.TRIGGERED, 61, ("respond:warning", "respond:breach"), ["resolve:breach"]),
        (
            Status.TRIGGERED,
            61,
            ("respond:warning", "respond:breach", "resolve:warning", "resolve:breach"),
            [],
        ),
        # The respond clock stopped at the acknowledgement, the resolve clock still runs.
        (Status.ACKNOWLEDGED, 30, (), []),
        (Status.ACKNOWLEDGED, 61, (), ["resolve:breach"]),
        (Status.MITIGATED, 50, (), ["resolve:warning"]),
        # Resolved or closed: nothing is due, however late.
        (Status.RESOLVED, 500, (), []),
        (Status.CLOSED, 500, (), []),
    ],
)
def test_due_alarms(
    status: Status, now: float, fired: tuple[str, ...], expected: list[str]
) -> None:
    due = due_alarms(incident_in(status), fired=fired, now=at(now))
    assert [a.key for a in due] == expected


@pytest.mark.parametrize(
    ("status", "fired", "expected"),
    [
        (Status.TRIGGERED, (), 8.0),
        (Status.TRIGGERED, ("respond:warning",), 10.0),
        (Status.TRIGGERED, ("respond:warning", "respond:breach"), 48.0),
        (Status.TRIGGERED, ("respond:warning", "respond:breach", "resolve:warning"), 60.0),
        (
            Status.TRIGGERED,
            ("respond:warning", "respond:breach", "resolve:warning", "resolve:breach"),
            None,
        ),
        (Status.ACKNOWLEDGED, (), 48.0),
        (Status.RESOLVED, (), None),
        (Status.CLOSED, (), None),
    ],
)
def test_next_alarm(status: Status, fired: tuple[str, ...], expected: float | None) -> None:
    found = next_alarm(incident_in(status), fired=fired)
    assert found == (None if expected is None else at(expected))


def resolved(ack: float | None, res: float | None, terms: SlaTerms = TERMS) -> Incident:
    incident = incident_in(Status.TRIGGERED, terms)
    if ack is not None:
        incident = apply(incident, Action.ACKNOWLEDGE, at=at(ack))
    if res is not None:
        incident = apply(incident, Action.RESOLVE, at=at(res))
    return incident


@pytest.mark.parametrize(
    ("incident", "expected"),
    [
        (resolved(5, 30), Outcome(True, True)),
        (resolved(10, 60), Outcome(True, True)),  # exactly on the deadline is in time
        (resolved(11, 61), Outcome(False, False)),
        (resolved(4, 90), Outcome(True, False)),
        (resolved(None, 8), Outcome(True, True)),  # resolving acknowledges
        (resolved(None, 12), Outcome(False, True)),
        # A clock that has not stopped has neither met nor missed anything yet.
        (resolved(None, None), Outcome(None, None)),
        (resolved(20, None), Outcome(False, None)),
        # No term, no verdict.
        (resolved(5, 30, SlaTerms(None, None, "none")), Outcome(None, None)),
        (resolved(50, 70, SlaTerms(None, 60, "procedure")), Outcome(None, False)),
    ],
)
def test_outcome(incident: Incident, expected: Outcome) -> None:
    assert outcome(incident) == expected


def test_outcome_of_a_closed_incident_keeps_its_resolution() -> None:
    closed = apply(resolved(5, 70), Action.CLOSE, at=at(80))
    assert outcome(closed) == Outcome(True, False)


def test_outcome_after_a_reopening_is_measured_on_the_new_cycle() -> None:
    # Missed both clocks the first time; the new cycle starts at +100 and meets both.
    reopened = apply(resolved(30, 90), Action.REOPEN, at=at(100))
    assert outcome(reopened) == Outcome(None, None)
    assert outcome(apply(reopened, Action.RESOLVE, at=at(105))) == Outcome(True, True)
