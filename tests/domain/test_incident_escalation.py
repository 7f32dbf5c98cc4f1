"""Escalation policies from the seed runbooks' contact tables, and which tier is paged when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from astreinte.domain.incident.escalation import (
    Page,
    Policy,
    Target,
    Tier,
    applies,
    due_pages,
    for_severity,
    next_page_at,
    policy_from_runbook,
)
from astreinte.domain.incident.model import Status
from astreinte.domain.runbook.model import EscalationContact, Runbook
from astreinte.domain.runbook.parse import parse
from tests.conftest import SEEDS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT_WAIT = 20


@cache
def seed(prefix: str) -> Runbook:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    return runbook


def policy_of(prefix: str, *, rounds: int = 1) -> Policy:
    policy = policy_from_runbook(seed(prefix).escalation, default_wait=DEFAULT_WAIT, rounds=rounds)
    assert policy is not None, f"seed {prefix} names no escalation contact"
    return policy


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def pages_as_rows(pages: list[Page]) -> list[tuple[int, int, int, float]]:
    """(step, round, tier number, minutes after T0) for each page."""
    return [(p.step, p.round, p.tier.number, (p.due - T0).total_seconds() / 60) for p in pages]


def test_seed_004_tiers_and_their_waits() -> None:
    # 004: "Tier 1 … < 5 min", "Tier 2 … < 15 min", "Tier 3 … < 1h".
    policy = policy_of("004")
    assert [(t.number, t.wait_minutes) for t in policy.tiers] == [(1, 5), (2, 15), (3, 60)]
    assert policy.source == "runbook"
    assert policy.steps == 3
    assert all(tier.targets for tier in policy.tiers)


@pytest.mark.parametrize(
    ("last_step", "now", "expected"),
    [
        # Tier 1 is paged at the opening.
        (-1, 0, [(0, 1, 1, 0.0)]),
        (0, 4.9, []),
        # Tier 1 had 5 minutes: tier 2 at +5; tier 2 had 15 more: tier 3 at +20.
        (0, 5, [(1, 1, 2, 5.0)]),
        (1, 19, []),
        (1, 20, [(2, 1, 3, 20.0)]),
        # A worker that wakes late pages every tier that should have heard, in order.
        (0, 25, [(1, 1, 2, 5.0), (2, 1, 3, 20.0)]),
        (-1, 20, [(0, 1, 1, 0.0), (1, 1, 2, 5.0), (2, 1, 3, 20.0)]),
        # One round: after tier 3, nobody else.
        (2, 10_000, []),
    ],
)
def test_an_unacknowledged_incident_climbs_the_tiers_of_004(
    last_step: int, now: float, expected: list[tuple[int, int, int, float]]
) -> None:
    pages = due_pages(
        policy_of("004"), start=T0, last_step=last_step, status=Status.TRIGGERED, now=at(now)
    )
    assert pages_as_rows(pages) == expected


@pytest.mark.parametrize(
    "status", [Status.ACKNOWLEDGED, Status.MITIGATED, Status.RESOLVED, Status.CLOSED]
)
def test_nothing_is_paged_once_someone_responded(status: Status) -> None:
    assert due_pages(policy_of("004"), start=T0, last_step=0, status=status, now=at(500)) == []
    assert next_page_at(policy_of("004"), start=T0, last_step=0, status=status) is None


def test_after_a_long_gap_every_missed_step_fires_once_and_no_more() -> None:
    policy = policy_of("004", rounds=2)
    pages = due_pages(policy, start=T0, last_step=-1, status=Status.TRIGGERED, now=at(10_000))
    # The second round starts after tier 3's hour: 5 + 15 + 60 = 80 minutes.
    assert pages_as_rows(pages) == [
        (0, 1, 1, 0.0),
        (1, 1, 2, 5.0),
        (2, 1, 3, 20.0),
        (3, 2, 1, 80.0),
        (4, 2, 2, 85.0),
        (5, 2, 3, 100.0),
    ]
    assert len(pages) == policy.steps == 2 * 3


@pytest.mark.parametrize(
    ("rounds", "last_step", "expected"),
    [
        (1, -1, 0.0),
        (1, 0, 5.0),
        (1, 1, 20.0),
        (1, 2, None),
        (2, 2, 80.0),
        (2, 5, None),
    ],
)
def test_next_page_at(rounds: int, last_step: int, expected: float | None) -> None:
    found = next_page_at(
        policy_of("004", rounds=rounds), start=T0, last_step=last_step, status=Status.TRIGGERED
    )
    assert found == (None if expected is None else at(expected))


def test_the_pages_follow_a_reopening() -> None:
    # The clock start is passed in: after a reopening at +100, tier 2 is due at +105.
    reopened = at(100)
    pages = due_pages(
        policy_of("004"), start=reopened, last_step=0, status=Status.TRIGGERED, now=at(105)
    )
    assert pages_as_rows(pages) == [(1, 1, 2, 105.0)]


def test_seed_004_placeholder_phone_is_flagged() -> None:
    # "SMS Alert … +33 6 XX XX XX XX" cannot be dialled; the Slack channel can be used.
    tier_1 = policy_of("004").tiers[0]
    placeholders = {t.role: t.placeholder for t in tier_1.targets}
    assert placeholders == {"Slack": False, "SMS Alert": True}


def test_seed_002_tiers_state_no_time_and_wait_the_default() -> None:
    policy = policy_of("002")
    assert [(t.number, t.wait_minutes) for t in policy.tiers] == [
        (1, DEFAULT_WAIT),
        (2, DEFAULT_WAIT),
        (3, DEFAULT_WAIT),
    ]
    pages = due_pages(policy, start=T0, last_step=0, status=Status.TRIGGERED, now=at(40))
    assert pages_as_rows(pages) == [(1, 1, 2, 20.0), (2, 1, 3, 40.0)]


def test_seed_002_contacts_to_be_defined_are_placeholders() -> None:
    # 002's tiers 1 and 2 say "À définir": nobody can be reached there.
    policy = policy_of("002")
    flags = [[t.placeholder for t in tier.targets] for tier in policy.tiers]
    assert flags == [[True], [True], [False]]
    assert policy.tiers[0].targets[0].name == "On-call DevOps (À définir)"


def test_a_tier_waits_the_longest_time_its_contacts_state() -> None:
    contacts = [
        EscalationContact(1, "Slack", "#incidents", 5),
        EscalationContact(1, "Pager", "on-call", 10),
        EscalationContact(1, "Email", "ops@example.org"),
        EscalationContact(2, "CTO", "cto@example.org"),
    ]
    policy = policy_from_runbook(contacts, default_wait=30, rounds=1)
    assert policy is not None
    assert [(t.number, t.wait_minutes, len(t.targets)) for t in policy.tiers] == [
        (1, 10, 3),
        (2, 30, 1),
    ]


def test_tiers_are_ordered_by_number_whatever_the_document_order() -> None:
    contacts = [EscalationContact(3, "CEO", "ceo@x"), EscalationContact(1, "Ops", "ops@x")]
    policy = policy_from_runbook(contacts, default_wait=30, rounds=1)
    assert policy is not None
    assert [t.number for t in policy.tiers] == [1, 3]


def test_a_runbook_without_contacts_gives_no_policy() -> None:
    assert policy_from_runbook([], default_wait=30, rounds=2) is None


def test_a_policy_without_tiers_pages_nobody() -> None:
    empty = Policy(())
    assert due_pages(empty, start=T0, last_step=-1, status=Status.TRIGGERED, now=at(99)) == []
    assert next_page_at(empty, start=T0, last_step=-1, status=Status.TRIGGERED) is None


@pytest.mark.parametrize(
    ("condition", "severity", "paged"),
    [
        (None, "P1", True),
        ("24/7 (P0 only)", "P0", True),
        ("24/7 (P0 only)", "p0", True),
        ("24/7 (P0 only)", "P1", False),
        ("24/7 (P0 only)", "SEV1", False),
        # Without a severity, nobody is left out.
        ("24/7 (P0 only)", None, True),
        ("P1 uniquement", "P1", True),
        ("P1 uniquement", "P2", False),
        ("Astreinte P0 seulement", "P2", False),
        # Conditions it cannot judge are shown, not applied.
        ("si data breach", "P1", True),
        ("Business hours", "P2", True),
        ("24/7 (Enterprise)", "P3", True),
        ("24/7 (P0/P1 only)", "P0", True),
        ("P0/P1 uniquement", "P0", True),
    ],
)
def test_applies(condition: str | None, severity: str | None, paged: bool) -> None:
    assert applies(Target("DevOps Lead", "devops@x", condition=condition), severity) is paged


def test_seed_001_devops_lead_is_paged_for_p0_only() -> None:
    # 001's tier-1 contact is on duty for P0 incidents only.
    policy = policy_of("001")
    assert [t.number for t in policy.tiers] == [1, 2, 3, 4]
    assert policy.tiers[0].targets[0].condition == "24/7 (P0 only)"

    assert [t.number for t in for_severity(policy, "P0").tiers] == [1, 2, 3, 4]
    assert [t.number for t in for_severity(policy, None).tiers] == [1, 2, 3, 4]
    p1 = for_severity(policy, "P1")
    assert [t.number for t in p1.tiers] == [2, 3, 4]
    assert (p1.rounds, p1.source) == (policy.rounds, policy.source)

    # A P1 incident goes straight to the first tier on duty for it.
    pages = due_pages(p1, start=T0, last_step=-1, status=Status.TRIGGERED, now=T0)
    assert [t.role for p in pages for t in p.tier.targets] == ["Developer Lead"]


def test_for_severity_keeps_the_other_contacts_of_a_tier() -> None:
    tier = Tier(
        1,
        5,
        (
            Target("Night on-call", "+33 6 12", condition="P0 only"),
            Target("Slack", "#incidents"),
        ),
    )
    kept = for_severity(Policy((tier,)), "P2")
    assert kept.tiers == (Tier(1, 5, (Target("Slack", "#incidents"),)),)


@pytest.mark.parametrize(
    ("target", "name"),
    [
        (Target("CTO", "cto@example.org"), "CTO (cto@example.org)"),
        (Target("Hosting provider", ""), "Hosting provider"),
    ],
)
def test_a_target_name_shows_its_contact(target: Target, name: str) -> None:
    assert target.name == name
