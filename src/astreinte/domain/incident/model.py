"""An incident and its lifecycle, as data: the statuses, the actions, and the one function that
applies an action.

    triggered ─acknowledge─▶ acknowledged ─mitigate─▶ mitigated ─resolve─▶ resolved ─close─▶ closed

A triggered incident may also be mitigated or resolved directly, an acknowledged one resolved;
a resolved or closed one may be reopened.

Reopening puts the incident back to `triggered`: someone (or an alert) says it is not over, so it
pages again and its clocks restart from the reopening.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from astreinte.domain.runbook.model import Level
from astreinte.errors import Conflict


class Status(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


OPEN: Final = frozenset({Status.TRIGGERED, Status.ACKNOWLEDGED, Status.MITIGATED})
ENDED: Final = frozenset({Status.RESOLVED, Status.CLOSED})

# action → (statuses it applies to, status it leads to)
TRANSITIONS: Final[dict[Action, tuple[frozenset[Status], Status]]] = {
    Action.ACKNOWLEDGE: (frozenset({Status.TRIGGERED}), Status.ACKNOWLEDGED),
    Action.MITIGATE: (frozenset({Status.TRIGGERED, Status.ACKNOWLEDGED}), Status.MITIGATED),
    Action.RESOLVE: (OPEN, Status.RESOLVED),
    Action.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED),
    Action.REOPEN: (ENDED, Status.TRIGGERED),
}

# The past participle used in the timeline and in messages.
DONE: Final[dict[Action, str]] = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.MITIGATE: "mitigated",
    Action.RESOLVE: "resolved",
    Action.CLOSE: "closed",
    Action.REOPEN: "reopened",
}


@dataclass(frozen=True, slots=True)
class ProcedureRef:
    """The procedure an incident follows, as the catalogue names it."""

    id: str  # "<runbook id>/<procedure key>"
    title: str
    source: str  # the runbook's file name
    runbook_id: str


@dataclass(frozen=True, slots=True)
class SlaTerms:
    """How long the team has to respond and to resolve, and where those figures come from."""

    respond_minutes: int | None
    resolve_minutes: int | None
    source: str  # "procedure", "runbook scale P1", "configuration (major)", "none"


@dataclass(frozen=True, slots=True)
class Postmortem:
    """What people write after the fact; the rest of the post-mortem comes from the record."""

    impact: str = ""
    root_cause: str = ""
    resolution: str = ""
    lessons: str = ""

    @property
    def written(self) -> bool:
        """A post-mortem counts as written once its root cause is."""
        return bool(self.root_cause.strip())


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    title: str
    status: Status
    opened_at: datetime
    opened_by: str
    description: str = ""
    service: str | None = None
    severity: str | None = None  # the label as the runbook writes it: "P1", "SEV2"
    level: Level | None = None
    procedure: ProcedureRef | None = None
    sla: SlaTerms = SlaTerms(None, None, "none")
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    reopen_count: int = 0

    @property
    def clock_start(self) -> datetime:
        """When the current clocks started: the opening, or the last reopening."""
        return self.reopened_at or self.opened_at

    @property
    def respond_by(self) -> datetime | None:
        minutes = self.sla.respond_minutes
        return None if minutes is None else self.clock_start + timedelta(minutes=minutes)

    @property
    def resolve_by(self) -> datetime | None:
        minutes = self.sla.resolve_minutes
        return None if minutes is None else self.clock_start + timedelta(minutes=minutes)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def allowed_actions(status: Status) -> list[Action]:
    """The actions that apply to an incident in `status`, in lifecycle order."""
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def apply(incident: Incident, action: Action, *, at: datetime) -> Incident:
    """The incident after `action` at `at`; raises Conflict when the action does not apply.

    The first acknowledgement is kept: mitigating or resolving an unacknowledged incident
    acknowledges it at the same time (someone responded), which stops its respond clock.
    """
    sources, target = TRANSITIONS[action]
    if incident.status not in sources:
        can = ", ".join(allowed_actions(incident.status)) or "nothing"
        raise Conflict(
            f"incident {incident.id} is {incident.status}; it cannot be {DONE[action]} "
            f"(allowed now: {can})"
        )
    if at < incident.clock_start:
        raise Conflict(
            f"incident {incident.id}: {action} at {at.isoformat()} is before the incident "
            f"started ({incident.clock_start.isoformat()}); check the clock"
        )
    acknowledged = incident.acknowledged_at or at
    match action:
        case Action.ACKNOWLEDGE:
            return replace(incident, status=target, acknowledged_at=acknowledged)
        case Action.MITIGATE:
            return replace(incident, status=target, acknowledged_at=acknowledged, mitigated_at=at)
        case Action.RESOLVE:
            return replace(incident, status=target, acknowledged_at=acknowledged, resolved_at=at)
        case Action.CLOSE:
            return replace(incident, status=target, closed_at=at)
        case Action.REOPEN:
            return replace(
                incident,
                status=target,
                acknowledged_at=None,
                mitigated_at=None,
                resolved_at=None,
                closed_at=None,
                reopened_at=at,
                reopen_count=incident.reopen_count + 1,
            )
