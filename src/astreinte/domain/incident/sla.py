"""SLA clocks: where an incident's terms come from, and which warnings and breaches are due.

Terms, first found wins: the procedure's own SLA ("SLA: Réponse <5 min | Résolution <30 min"),
then its runbook's severity scale for the incident's label or level, then the configured
defaults for the level. The respond clock runs while the incident is `triggered`; the resolve
clock until it is resolved. Each clock warns at 80% of its time and breaches at 100%; an alarm
fires once per clock cycle (a reopening starts a new cycle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from astreinte.domain.incident.model import ENDED, Incident, SlaTerms, Status
from astreinte.domain.runbook.model import Level, Procedure, SeverityLevel

WARNING_FRACTION: Final = 0.8


class Clock(StrEnum):
    RESPOND = "respond"
    RESOLVE = "resolve"


class Stage(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True, slots=True)
class Alarm:
    clock: Clock
    stage: Stage
    due: datetime
    deadline: datetime

    @property
    def key(self) -> str:
        """Stable name of the alarm within a clock cycle: "respond:warning"."""
        return f"{self.clock}:{self.stage}"


def terms_for(
    *,
    procedure: Procedure | None,
    scale: Iterable[SeverityLevel],
    severity: str | None,
    level: Level | None,
    defaults: Mapping[Level, tuple[int | None, int | None]],
) -> SlaTerms:
    """The SLA terms of an incident; `defaults` maps a level to (respond, resolve) minutes.

    A source that gives only one of the two times ("P0: resolution < 1h") keeps it, and the
    other comes from the next source down: the scale, then the configuration.
    """
    levels = list(scale)
    step = next((s for s in levels if severity and s.label.casefold() == severity.casefold()), None)
    if step is None and level is not None:
        step = next((s for s in levels if s.level is level), None)
    fallback = defaults.get(level, (None, None)) if level is not None else (None, None)
    sources = []
    if procedure is not None:
        sources.append(("procedure", procedure.response_minutes, procedure.resolution_minutes))
    if step is not None:
        sources.append(
            (f"runbook scale {step.label}", step.response_minutes, step.resolution_minutes)
        )
    if level is not None and level in defaults:
        sources.append((f"configuration ({level})", fallback[0], fallback[1]))
    respond = next(((name, r) for name, r, _ in sources if r is not None), None)
    resolve = next(((name, r) for name, _, r in sources if r is not None), None)
    if respond is None and resolve is None:
        return SlaTerms(None, None, "none")
    names = list(dict.fromkeys(n for n in (respond and respond[0], resolve and resolve[0]) if n))
    return SlaTerms(
        respond[1] if respond else None, resolve[1] if resolve else None, " + ".join(names)
    )


def alarms(incident: Incident) -> list[Alarm]:
    """Every alarm of the current clock cycle that still applies, soonest first."""
    found: list[Alarm] = []
    start = incident.clock_start
    for clock, deadline, running in (
        (Clock.RESPOND, incident.respond_by, incident.status is Status.TRIGGERED),
        (Clock.RESOLVE, incident.resolve_by, incident.status not in ENDED),
    ):
        if deadline is None or not running:
            continue
        warning = start + timedelta(seconds=(deadline - start).total_seconds() * WARNING_FRACTION)
        found.append(Alarm(clock, Stage.WARNING, warning, deadline))
        found.append(Alarm(clock, Stage.BREACH, deadline, deadline))
    return sorted(found, key=lambda alarm: (alarm.due, alarm.clock, alarm.stage))


def due_alarms(incident: Incident, *, fired: Iterable[str], now: datetime) -> list[Alarm]:
    """Alarms due at `now` that have not fired in this cycle. A warning whose breach is also due
    is skipped: after a long outage of the worker, one breach page is enough."""
    done = set(fired)
    due = [a for a in alarms(incident) if a.due <= now and a.key not in done]
    breached = {a.clock for a in due if a.stage is Stage.BREACH}
    return [a for a in due if a.stage is Stage.BREACH or a.clock not in breached]


def next_alarm(incident: Incident, *, fired: Iterable[str]) -> datetime | None:
    """When the next alarm of this cycle falls due, None when none is left."""
    done = set(fired)
    pending = [a.due for a in alarms(incident) if a.key not in done]
    return min(pending) if pending else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """Whether an incident met its clocks (None: no term, or the clock has not stopped yet)."""

    responded_in_time: bool | None
    resolved_in_time: bool | None


def outcome(incident: Incident) -> Outcome:
    respond_by, resolve_by = incident.respond_by, incident.resolve_by
    responded = (
        None
        if respond_by is None or incident.acknowledged_at is None
        else incident.acknowledged_at <= respond_by
    )
    resolved = (
        None
        if resolve_by is None or incident.resolved_at is None
        else incident.resolved_at <= resolve_by
    )
    return Outcome(responded, resolved)
