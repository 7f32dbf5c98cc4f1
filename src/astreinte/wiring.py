"""From settings to the objects services take: shared by the CLI, the API and the worker, the
only places that read configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from astreinte.config import Settings
from astreinte.domain.incident.escalation import Policy, Target, Tier
from astreinte.domain.incident.model import Action
from astreinte.domain.runbook.model import Level
from astreinte.errors import InputError
from astreinte.services.alerts import AlertRules
from astreinte.services.incidents import IncidentRules


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """A source's signature scheme with its secret, read from the environment at start."""

    scheme: str
    secret: str
    signature_header: str | None = None
    timestamp_header: str | None = None


def alert_rules(settings: Settings) -> AlertRules:
    alerts = settings.alerts
    return AlertRules(
        grouping_minutes=alerts.grouping_minutes,
        flap_changes=alerts.flap_changes,
        flap_minutes=alerts.flap_minutes,
        when_all_resolved=Action.RESOLVE
        if alerts.when_all_resolved == "resolve"
        else Action.MITIGATE,
    )


def signature_checks(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> dict[str, SignatureCheck]:
    """Each configured source's check; a secret variable that is not set is an error now,
    not a rejected alert at 3 a.m."""
    env = os.environ if environ is None else environ
    checks = {}
    for source, setting in settings.alerts.signatures.items():
        secret = env.get(setting.secret_env, "")
        if not secret:
            raise InputError(
                f"alerts.signatures.{source}: the environment variable {setting.secret_env} "
                "is not set; export the sender's signing secret there"
            )
        checks[source] = SignatureCheck(
            setting.scheme, secret, setting.signature_header, setting.timestamp_header
        )
    return checks


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
