"""The incident lifecycle: every (status, action) pair, the times each action records, reopening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from astreinte.domain.incident.model import (
    Action,
    Incident,
    Postmortem,
    SlaTerms,
    Status,
    allowed_actions,
    apply,
)
from astreinte.errors import Conflict

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TERMS = SlaTerms(15, 60, "configuration (major)")

# How the lifecycle brings a new incident to each status, and when (minutes after opening).
PATHS: dict[Status, list[tuple[Action, int]]] = {
    Status.TRIGGERED: [],
    Status.ACKNOWLEDGED: [(Action.ACKNOWLEDGE, 5)],
    Status.MITIGATED: [(Action.ACKNOWLEDGE, 5), (Action.MITIGATE, 10)],
    Status.RESOLVED: [(Action.ACKNOWLEDGE, 5), (Action.MITIGATE, 10), (Action.RESOLVE, 20)],
    Status.CLOSED: [
        (Action.ACKNOWLEDGE, 5),
        (Action.MITIGATE, 10),
        (Action.RESOLVE, 20),
        (Action.CLOSE, 30),
    ],
}

# Written out by hand, not read from TRANSITIONS: the table under test.
ALLOWED: dict[tuple[Status, Action], Status] = {
    (Status.TRIGGERED, Action.ACKNOWLEDGE): Status.ACKNOWLEDGED,
    (Status.TRIGGERED, Action.MITIGATE): Status.MITIGATED,
    (Status.TRIGGERED, Action.RESOLVE): Status.RESOLVED,
    (Status.ACKNOWLEDGED, Action.MITIGATE): Status.MITIGATED,
    (Status.ACKNOWLEDGED, Action.RESOLVE): Status.RESOLVED,
    (Status.MITIGATED, Action.RESOLVE): Status.RESOLVED,
    (Status.RESOLVED, Action.CLOSE): Status.CLOSED,
    (Status.RESOLVED, Action.REOPEN): Status.TRIGGERED,
    (Status.CLOSED, Action.REOPEN): Status.TRIGGERED,
}
REFUSED = [(s, a) for s in Status for a in Action if (s, a) not in ALLOWED]

ALLOWED_NOW: dict[Status, list[Action]] = {
    Status.TRIGGERED: [Action.ACKNOWLEDGE, Action.MITIGATE, Action.RESOLVE],
    Status.ACKNOWLEDGED: [Action.MITIGATE, Action.RESOLVE],
    Status.MITIGATED: [Action.RESOLVE],
    Status.RESOLVED: [Action.CLOSE, Action.REOPEN],
    Status.CLOSED: [Action.REOPEN],
}

PARTICIPLE = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.MITIGATE: "mitigated",
    Action.RESOLVE: "resolved",
    Action.CLOSE: "closed",
    Action.REOPEN: "reopened",
}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_incident() -> Incident:
    return Incident(7, "Checkout down", Status.TRIGGERED, T0, "alice", sla=TERMS)


def incident_in(status: Status) -> Incident:
    incident = new_incident()
    for action, minutes in PATHS[status]:
        incident = apply(incident, action, at=at(minutes))
    return incident


def stamps(incident: Incident) -> dict[str, float | None]:
    """Each recorded time, in minutes after T0."""

    def minutes(value: datetime | None) -> float | None:
        return None if value is None else (value - T0).total_seconds() / 60

    return {
        "acknowledged": minutes(incident.acknowledged_at),
        "mitigated": minutes(incident.mitigated_at),
        "resolved": minutes(incident.resolved_at),
        "closed": minutes(incident.closed_at),
        "reopened": minutes(incident.reopened_at),
    }


@pytest.mark.parametrize("status", list(Status))
def test_the_paths_reach_their_status(status: Status) -> None:
    assert incident_in(status).status is status


@pytest.mark.parametrize(("status", "action"), list(ALLOWED))
def test_an_allowed_action_leads_to_its_status(status: Status, action: Action) -> None:
    after = apply(incident_in(status), action, at=at(45))
    assert after.status is ALLOWED[status, action]


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_a_refused_action_names_the_status_and_what_is_allowed(
    status: Status, action: Action
) -> None:
    incident = incident_in(status)
    with pytest.raises(Conflict) as caught:
        apply(incident, action, at=at(45))
    message = str(caught.value)
    assert f"incident 7 is {status}" in message
    assert f"cannot be {PARTICIPLE[action]}" in message
    assert f"(allowed now: {', '.join(ALLOWED_NOW[status])})" in message


def test_the_refusal_reads_as_a_sentence() -> None:
    with pytest.raises(Conflict, match=r"^incident 7 is closed; it cannot be acknowledged "):
        apply(incident_in(Status.CLOSED), Action.ACKNOWLEDGE, at=at(45))


@pytest.mark.parametrize(("status", "actions"), list(ALLOWED_NOW.items()))
def test_allowed_actions_in_lifecycle_order(status: Status, actions: list[Action]) -> None:
    assert allowed_actions(status) == actions


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        # Mitigating or resolving an unacknowledged incident acknowledges it at the same time.
        (Status.TRIGGERED, Action.ACKNOWLEDGE, {"acknowledged": 45}),
        (Status.TRIGGERED, Action.MITIGATE, {"acknowledged": 45, "mitigated": 45}),
        (Status.TRIGGERED, Action.RESOLVE, {"acknowledged": 45, "resolved": 45}),
        # The first acknowledgement is kept.
        (Status.ACKNOWLEDGED, Action.MITIGATE, {"acknowledged": 5, "mitigated": 45}),
        (Status.ACKNOWLEDGED, Action.RESOLVE, {"acknowledged": 5, "resolved": 45}),
        (Status.MITIGATED, Action.RESOLVE, {"acknowledged": 5, "mitigated": 10, "resolved": 45}),
        (
            Status.RESOLVED,
            Action.CLOSE,
            {"acknowledged": 5, "mitigated": 10, "resolved": 20, "closed": 45},
        ),
    ],
)
def test_each_action_records_its_time(
    status: Status, action: Action, expected: dict[str, float]
) -> None:
    after = apply(incident_in(status), action, at=at(45))
    assert stamps(after) == {
        "acknowledged": None,
        "mitigated": None,
        "resolved": None,
        "closed": None,
        "reopened": None,
        **expected,
    }


def test_an_action_leaves_the_incident_it_was_given_unchanged() -> None:
    before = incident_in(Status.ACKNOWLEDGED)
    apply(before, Action.RESOLVE, at=at(45))
    assert before.status is Status.ACKNOWLEDGED
    assert before.resolved_at is None


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_reopening_clears_the_times_and_restarts_the_clocks(status: Status) -> None:
    before = incident_in(status)
    assert before.respond_by == at(15)

    reopened = apply(before, Action.REOPEN, at=at(100))

    assert reopened.status is Status.TRIGGERED
    assert reopened.is_open
    assert stamps(reopened) == {
        "acknowledged": None,
        "mitigated": None,
        "resolved": None,
        "closed": None,
        "reopened": 100,
    }
    assert reopened.reopen_count == 1
    assert reopened.opened_at == T0  # the opening itself is history, it stays
    assert reopened.clock_start == at(100)
    assert reopened.respond_by == at(100 + 15)
    assert reopened.resolve_by == at(100 + 60)


def test_each_reopening_is_counted_and_the_clocks_follow_the_last_one() -> None:
    incident = incident_in(Status.RESOLVED)
    incident = apply(incident, Action.REOPEN, at=at(100))
    incident = apply(incident, Action.RESOLVE, at=at(110))
    incident = apply(incident, Action.REOPEN, at=at(200))
    assert incident.reopen_count == 2
    assert incident.reopened_at == at(200)
    assert incident.respond_by == at(215)
    # Acknowledging after a reopening records a new acknowledgement, not the first one's.
    assert apply(incident, Action.ACKNOWLEDGE, at=at(203)).acknowledged_at == at(203)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.TRIGGERED, Action.ACKNOWLEDGE),
        (Status.TRIGGERED, Action.RESOLVE),
        (Status.ACKNOWLEDGED, Action.MITIGATE),
        (Status.RESOLVED, Action.CLOSE),
        (Status.CLOSED, Action.REOPEN),
    ],
)
def test_an_action_dated_before_the_opening_is_refused(status: Status, action: Action) -> None:
    with pytest.raises(Conflict, match="before the incident started") as caught:
        apply(incident_in(status), action, at=at(-1))
    assert T0.isoformat() in str(caught.value)
    assert "check the clock" in str(caught.value)


def test_after_a_reopening_an_action_dated_before_it_is_refused() -> None:
    reopened = apply(incident_in(Status.RESOLVED), Action.REOPEN, at=at(100))
    with pytest.raises(Conflict, match="before the incident started") as caught:
        apply(reopened, Action.ACKNOWLEDGE, at=at(90))  # after the opening, before the reopening
    assert at(100).isoformat() in str(caught.value)


def test_an_action_at_the_very_start_is_accepted() -> None:
    assert apply(new_incident(), Action.ACKNOWLEDGE, at=T0).acknowledged_at == T0


@pytest.mark.parametrize(
    ("terms", "respond_by", "resolve_by"),
    [
        (SlaTerms(15, 60, "procedure"), at(15), at(60)),
        (SlaTerms(None, 60, "procedure"), None, at(60)),
        (SlaTerms(5, None, "procedure"), at(5), None),
        (SlaTerms(None, None, "none"), None, None),
    ],
)
def test_deadlines_follow_the_terms(
    terms: SlaTerms, respond_by: datetime | None, resolve_by: datetime | None
) -> None:
    incident = Incident(1, "x", Status.TRIGGERED, T0, "alice", sla=terms)
    assert (incident.respond_by, incident.resolve_by) == (respond_by, resolve_by)


@pytest.mark.parametrize(
    ("status", "is_open"),
    [
        (Status.TRIGGERED, True),
        (Status.ACKNOWLEDGED, True),
        (Status.MITIGATED, True),
        (Status.RESOLVED, False),
        (Status.CLOSED, False),
    ],
)
def test_open_statuses(status: Status, is_open: bool) -> None:
    assert incident_in(status).is_open is is_open


@pytest.mark.parametrize(
    ("postmortem", "written"),
    [
        (Postmortem(), False),
        (Postmortem(impact="12 customers could not pay", lessons="watch the certs"), False),
        (Postmortem(root_cause="  \n "), False),
        (Postmortem(root_cause="The TLS certificate expired"), True),
    ],
)
def test_a_postmortem_is_written_once_its_root_cause_is(
    postmortem: Postmortem, written: bool
) -> None:
    assert postmortem.written is written
