"""Incident metrics: MTTA, MTTM, MTTR, SLA compliance, and the runbook's own targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from astreinte.domain.incident.metrics import (
    Compliance,
    Group,
    Target,
    compare,
    format_minutes,
    group,
    parse_target,
    summarise,
)
from astreinte.domain.incident.model import (
    Action,
    Incident,
    ProcedureRef,
    SlaTerms,
    Status,
    apply,
)
from astreinte.domain.runbook.model import Level, Metric, Runbook
from astreinte.domain.runbook.parse import parse
from tests.conftest import SEEDS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NO_TERMS = SlaTerms(None, None, "none")
DB = ProcedureRef("004/rb-p1-003", "Base de Données Indisponible", "004.md", "004")


@cache
def seed(prefix: str) -> Runbook:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    return runbook


def incident(
    number: int,
    severity: str,
    steps: list[tuple[Action, float]],
    *,
    service: str | None = "api",
    terms: SlaTerms = NO_TERMS,
    procedure: ProcedureRef | None = None,
) -> Incident:
    """Incident `number`, opened `number` days after T0, taken through `steps` (minutes after
    its opening)."""
    level = {"P1": Level.CRITICAL, "P2": Level.MAJOR, "P3": Level.MINOR}[severity]
    opened = T0 + timedelta(days=number)
    found = Incident(
        number,
        f"incident {number}",
        Status.TRIGGERED,
        opened,
        "alice",
        service=service,
        severity=severity,
        level=level,
        procedure=procedure,
        sla=terms,
    )
    for action, minutes in steps:
        found = apply(found, action, at=opened + timedelta(minutes=minutes))
    return found


P1_TERMS = SlaTerms(5, 30, "procedure")
P2_TERMS = SlaTerms(15, 240, "procedure")

ACK, MIT, RES, CLOSE, REOPEN = (
    Action.ACKNOWLEDGE,
    Action.MITIGATE,
    Action.RESOLVE,
    Action.CLOSE,
    Action.REOPEN,
)

INCIDENTS = [
    # In time on both clocks, then closed.
    incident(0, "P1", [(ACK, 4), (MIT, 10), (RES, 20), (CLOSE, 25)], terms=P1_TERMS, procedure=DB),
    # Late on both clocks.
    incident(1, "P1", [(ACK, 8), (RES, 40)], terms=P1_TERMS, procedure=DB),
    # Acknowledged in time, still open: its resolve clock has not stopped.
    incident(2, "P2", [(ACK, 10)], service="web", terms=P2_TERMS),
    # Nobody responded yet.
    incident(3, "P2", [], service="web", terms=P2_TERMS),
    # Reopened at +100: measured from the reopening (acknowledged 6 min, resolved 30 min after).
    incident(
        4,
        "P3",
        [(ACK, 50), (RES, 90), (REOPEN, 100), (ACK, 106), (RES, 130)],
        service=None,
        terms=SlaTerms(60, 1440, "runbook scale P3"),
    ),
]


def test_group_of_a_small_table() -> None:
    assert group(INCIDENTS) == Group(
        count=5,
        open=2,
        mtta_minutes=7.0,  # (4 + 8 + 10 + 6) / 4
        mttm_minutes=10.0,
        mttr_minutes=30.0,  # (20 + 40 + 30) / 3
        respond=Compliance(met=3, missed=1),
        resolve=Compliance(met=2, missed=1),
    )


def test_group_of_nothing() -> None:
    assert group([]) == Group(0, 0, None, None, None, Compliance(0, 0), Compliance(0, 0))


@pytest.mark.parametrize(
    ("compliance", "rate"),
    [
        (Compliance(3, 1), 0.75),
        (Compliance(0, 2), 0.0),
        (Compliance(2, 0), 1.0),
        (Compliance(0, 0), None),
    ],
)
def test_compliance_rate(compliance: Compliance, rate: float | None) -> None:
    assert compliance.rate == rate


def test_means_are_rounded_to_the_hundredth() -> None:
    found = group(
        [
            incident(0, "P1", [(ACK, 1)]),
            incident(1, "P1", [(ACK, 1)]),
            incident(2, "P1", [(ACK, 2)]),
        ]
    )
    assert found.mtta_minutes == 1.33


def test_summarise_splits_by_level_service_procedure_and_status() -> None:
    summary = summarise(INCIDENTS)
    assert summary.overall == group(INCIDENTS)
    assert {name: g.count for name, g in summary.by_level.items()} == {
        "critical": 2,
        "major": 2,
        "minor": 1,
    }
    assert list(summary.by_service) == ["api", "unknown", "web"]
    assert summary.by_service["web"] == group(INCIDENTS[2:4])
    assert summary.by_service["unknown"].mttr_minutes == 30.0
    assert summary.by_level["critical"].mtta_minutes == 6.0
    assert summary.by_level["critical"].resolve == Compliance(1, 1)
    # Most used first; incidents without a procedure are counted too.
    assert list(summary.by_procedure.items()) == [("none", 3), ("004/rb-p1-003", 2)]
    assert summary.by_status == {
        "triggered": 1,
        "acknowledged": 1,
        "mitigated": 0,
        "resolved": 2,
        "closed": 1,
    }


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("<30 min", Target("<", 30, False)),
        ("<4h", Target("<", 240, False)),
        (">720h", Target(">", 43_200, False)),
        ("<24h", Target("<", 1440, False)),
        # A bare percentage is a floor: 99.95% uptime meets a 99.9% target.
        ("99.9%", Target(">=", 99.9, True)),
        ("≤ 5 minutes", Target("<=", 5, False)),
        ("≥ 95 %", Target(">=", 95, True)),
        ("< 1,5 h", Target("<", 90, False)),
        ("< 2 jours", Target("<", 2880, False)),
        ("<30s", Target("<", 0.5, False)),
        ("15", Target("<=", 15, False)),
        ("n/a", None),
        ("", None),
        ("<200ms", Target("<", 200 / 60_000, False)),
    ],
)
def test_parse_target(text: str, target: Target | None) -> None:
    assert parse_target(text) == target


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0.5, "30 s"),
        (15, "15 min"),
        (12.5, "12.5 min"),
        (90, "90 min"),
        (119, "119 min"),
        (240, "4 h"),
        (150, "2.5 h"),
        (2880, "2 d"),
        (43_200, "30 d"),
    ],
)
def test_format_minutes(minutes: float, text: str) -> None:
    assert format_minutes(minutes) == text


def resolved_in(number: int, severity: str, minutes: float) -> Incident:
    return incident(number, severity, [(ACK, 1), (RES, minutes)])


SEED_004_NAMES = [
    "P1 Resolution Time",
    "P2 Resolution Time",
    "P3 Resolution Time",
    "Uptime Target",
    "MTTR (Mean Time To Recover)",
    "MTTF (Mean Time To Failure)",
]


@pytest.mark.parametrize(
    ("incidents", "expected"),
    [
        pytest.param(
            # P1s in 10 and 20 min, a P2 in 5 h, no P3; openings one day apart.
            [resolved_in(0, "P1", 10), resolved_in(1, "P1", 20), resolved_in(2, "P2", 300)],
            {
                "P1 Resolution Time": ("15 min", True),  # < 30 min
                "P2 Resolution Time": ("5 h", False),  # < 4h
                "P3 Resolution Time": (None, None),
                "Uptime Target": (None, None),
                "MTTR (Mean Time To Recover)": ("110 min", False),  # < 15 min
                "MTTF (Mean Time To Failure)": ("24 h", False),  # > 720h
            },
            id="slow",
        ),
        pytest.param(
            # Everything quick, and 31 days between the two openings.
            [resolved_in(0, "P1", 12), resolved_in(31, "P2", 8)],
            {
                "P1 Resolution Time": ("12 min", True),
                "P2 Resolution Time": ("8 min", True),
                "P3 Resolution Time": (None, None),
                "Uptime Target": (None, None),
                "MTTR (Mean Time To Recover)": ("10 min", True),
                "MTTF (Mean Time To Failure)": ("31 d", True),
            },
            id="quick",
        ),
        pytest.param(
            # A P1 on the very target is not under it.
            [resolved_in(0, "P1", 30)],
            {
                "P1 Resolution Time": ("30 min", False),
                "P2 Resolution Time": (None, None),
                "P3 Resolution Time": (None, None),
                "Uptime Target": (None, None),
                "MTTR (Mean Time To Recover)": ("30 min", False),
                "MTTF (Mean Time To Failure)": (None, None),
            },
            id="on the target",
        ),
    ],
)
def test_compare_with_the_targets_of_seed_004(
    incidents: list[Incident], expected: dict[str, tuple[str | None, bool | None]]
) -> None:
    metrics = seed("004").metrics
    assert [m.name for m in metrics] == SEED_004_NAMES
    results = compare(metrics, incidents)
    assert [r.name for r in results] == SEED_004_NAMES
    assert [r.target for r in results] == [m.target for m in metrics]
    assert {r.name: (r.current, r.met) for r in results} == expected


def test_compare_says_what_each_figure_is_computed_from() -> None:
    results = compare(seed("004").metrics, [resolved_in(0, "P1", 10), resolved_in(1, "P1", 20)])
    basis = {r.name: r.basis for r in results}
    assert basis["P1 Resolution Time"] == "mean time to resolve over 2 incident(s) P1"
    assert basis["P3 Resolution Time"] == (
        "mean time to resolve over 0 incident(s) P3: no incident reached that point yet"
    )
    assert basis["MTTR (Mean Time To Recover)"] == "mean time to resolve over 2 incident(s)"
    assert basis["MTTF (Mean Time To Failure)"] == (
        "mean time between incident openings over 2 incident(s)"
    )
    assert "not measured" in basis["Uptime Target"]


def test_open_incidents_do_not_count_towards_resolution_targets() -> None:
    still_open = incident(1, "P1", [(ACK, 2)])
    results = compare(seed("004").metrics, [resolved_in(0, "P1", 10), still_open])
    p1 = next(r for r in results if r.name == "P1 Resolution Time")
    assert (p1.current, p1.met) == ("10 min", True)


@pytest.mark.parametrize(
    ("metric", "current", "met"),
    [
        (Metric("MTTA", "<5 min"), "3 min", True),
        (Metric("Time to acknowledge", "< 2 min"), "3 min", False),
        (Metric("Délai de prise en charge", "<= 3 min"), "3 min", True),
        (Metric("MTTM", "<15 min"), "12 min", True),
        (Metric("Temps de résolution", "<1h"), "40 min", True),
        (Metric("SEV 1 MTTA", "<5 min"), None, None),  # no SEV1 incident in the table
    ],
)
def test_compare_recognises_other_wordings(
    metric: Metric, current: str | None, met: bool | None
) -> None:
    incidents = [
        incident(0, "P1", [(ACK, 2), (MIT, 10), (RES, 30)]),
        incident(1, "P1", [(ACK, 4), (MIT, 14), (RES, 50)]),
    ]
    [result] = compare([metric], incidents)
    assert (result.current, result.met) == (current, met)
