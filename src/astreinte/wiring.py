"""From settings to the objects services take: shared by the CLI, the API and the worker, the
only places that read configuration."""

from __future__ import annotations

from astreinte.config import Settings
from astreinte.domain.incident.escalation import Policy, Target, Tier
from astreinte.domain.runbook.model import Level
from astreinte.services.incidents import IncidentRules


def incident_rules(settings: Settings) -> IncidentRules:
    defaults = {
        Level(name): (value.respond_minutes, value.resolve_minutes)
        for name, value in settings.sla.items()
    }
    tiers = tuple(
        Tier(
            number=number,
            wait_minutes=tier.wait_minutes,
            targets=tuple(Target(role=f"tier {number}", contact=c) for c in tier.contacts),
        )
        for number, tier in enumerate(settings.escalation.tiers, start=1)
    )
    return IncidentRules(
        sla_defaults=defaults,
        escalation_wait_minutes=settings.escalation.wait_minutes,
        escalation_rounds=settings.escalation.rounds,
        fallback_policy=Policy(tiers, settings.escalation.rounds) if tiers else None,
        language=settings.incidents.language,
        postmortem_required=frozenset(Level(x) for x in settings.incidents.postmortem_required),
    )
