"""From settings to the objects services take: shared by the CLI, the API and the worker, the
only places that read configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from astreinte.adapters.channels import (
    AppriseChannel,
    Channel,
    ChannelNotifier,
    WebhookChannel,
    is_sms_url,
)
from astreinte.adapters.console import LogNotifier
from astreinte.adapters.runners.local import LOGIN_VARIABLES, LocalRunner
from astreinte.config import Settings
from astreinte.domain.execution.redact import is_maskable
from astreinte.domain.incident.escalation import Policy, Target, Tier
from astreinte.domain.incident.model import Action
from astreinte.domain.notification import Address
from astreinte.domain.probe import ProbeSpec
from astreinte.domain.routing import Contact, Routing, Rule
from astreinte.domain.runbook.model import Level
from astreinte.errors import InputError
from astreinte.probes_config import load as load_probes
from astreinte.services import documents
from astreinte.services.alerts import AlertRules
from astreinte.services.execution import Executor
from astreinte.services.incidents import IncidentRules
from astreinte.services.notifications import NotificationRules
from astreinte.services.ports import Notifier
from astreinte.services.probes import ProbeRules
from astreinte.services.steps import ExecutionRules
from astreinte.storage.db import parse_url


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
        notifying=notification_rules(settings),
    )


def _known_channel(settings: Settings, name: str, where: str) -> None:
    if name not in settings.channels:
        configured = ", ".join(settings.channels) or "none yet"
        raise InputError(
            f"{where} names the channel '{name}', which is not configured "
            f"(configured: {configured}); add [channels.{name}] or fix the name"
        )


def notification_rules(settings: Settings) -> NotificationRules:
    """Routing rules, contacts and message templates, checked now: a channel name that is not
    configured, or a template that does not render, is an error at start, not a lost page."""
    contacts = []
    for key, contact in settings.contacts.items():
        for number, address in enumerate(contact.channels, start=1):
            _known_channel(settings, address.channel, f"contacts.{key}.channels[{number}]")
        contacts.append(
            Contact(
                key=key,
                name=contact.name or key,
                addresses=tuple(Address(a.channel, a.to) for a in contact.channels),
                aliases=tuple(contact.aliases),
            )
        )
    rules = []
    for number, rule in enumerate(settings.routing, start=1):
        for channel in rule.channels:
            _known_channel(settings, channel, f"[[routing]] rule {number}")
        rules.append(
            Rule(
                channels=tuple(dict.fromkeys(rule.channels)),
                services=tuple(rule.service),
                levels=tuple(rule.level),
                kinds=tuple(rule.kind),
                proceed=rule.continue_,
            )
        )
    templates = {}
    for language, configured in settings.messages.items():
        for form, source in (("full", configured.full), ("short", configured.short)):
            if source is not None:
                documents.check_template(
                    source, name=f"messages.{language}.{form}", language=language
                )
                templates[(language, form)] = source
    return NotificationRules(
        routing=Routing(tuple(rules), tuple(contacts), dict(settings.routes)),
        public_url=settings.public_url,
        templates=templates,
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the worker needs to deliver: the notifier, and the fallback chains by channel and by
    contact kind."""

    notifier: Notifier
    fallbacks: dict[str, tuple[str, ...]]


def delivery(settings: Settings, environ: Mapping[str, str] | None = None) -> Delivery:
    """The configured channels, or the log when none is configured."""
    if not settings.channels:
        return Delivery(LogNotifier(), {})
    env = os.environ if environ is None else environ
    channels: dict[str, Channel] = {}
    for name, channel in settings.channels.items():
        unknown = [f for f in channel.fallbacks if f not in settings.channels]
        if unknown:
            raise InputError(
                f"channels.{name}.fallbacks names {', '.join(unknown)}, which is not a "
                "configured channel; add it under [channels] or remove it"
            )
        if channel.kind == "webhook":
            secret = env.get(channel.secret_env, "") if channel.secret_env else None
            if channel.secret_env and not secret:
                raise InputError(
                    f"channels.{name}: the environment variable {channel.secret_env} is not "
                    "set; export the webhook's whsec_… signing secret there"
                )
            channels[name] = WebhookChannel(channel.url, secret=secret or None)
        else:
            short = channel.form == "short" or (
                channel.form is None
                and (is_sms_url(channel.url) or settings.routes.get("sms") == name)
            )
            channels[name] = AppriseChannel(channel.url, short=short)
    for kind, name in settings.routes.items():
        if name not in channels:
            raise InputError(
                f"routes.{kind} names the channel '{name}', which is not configured; "
                "add it under [channels]"
            )
    fallbacks = {name: tuple(c.fallbacks) for name, c in settings.channels.items()}
    fallbacks |= {kind: fallbacks[name] for kind, name in settings.routes.items()}
    return Delivery(ChannelNotifier(channels, settings.routes), fallbacks)


def probe_specs(settings: Settings) -> list[ProbeSpec]:
    """The `[[probes]]` of the configuration file the settings were read from, checked by the
    probe kinds: a mistake is an error at start, with its line, not a probe that never runs."""
    from astreinte.adapters import probes  # the drivers load where probes are configured

    return load_probes(settings.config_file, options=probes.OPTION_NAMES, validate=probes.validate)


def probe_rules(settings: Settings) -> ProbeRules:
    return ProbeRules(
        incidents=incident_rules(settings),
        alerts=alert_rules(settings),
        concurrency=settings.probe_concurrency,
        retention_days=settings.probe_retention_days,
    )


def execution_rules(settings: Settings, environ: Mapping[str, str] | None = None) -> ExecutionRules:
    """The rules of guarded execution. Besides the environment's secret-looking variables,
    the configuration's own secrets are masked in every output: the database password and the
    signing secrets of channels and alert sources."""
    env = os.environ if environ is None else environ
    execution = settings.execution
    configured = [
        parse_url(settings.database_url).password,
        *(env.get(c.secret_env, "") for c in settings.channels.values() if c.secret_env),
        *(env.get(s.secret_env, "") for s in settings.alerts.signatures.values()),
    ]
    return ExecutionRules(
        kill_switch=settings.kill_switch,
        auto_read=execution.auto_read,
        timeout_seconds=execution.timeout_seconds,
        output_limit=execution.output_limit_kib * 1024,
        rate_limit=execution.rate_limit_per_hour,
        values={service: dict(values) for service, values in execution.values.items()},
        secret_names=frozenset(execution.secrets),
        environment=dict(env),
        known_secrets=frozenset(str(v) for v in configured if v and is_maskable(str(v))),
    )


def executor(settings: Settings, environ: Mapping[str, str] | None = None) -> Executor:
    """Steps run on this machine (an SSH target per service comes with the SSH runner)."""
    env = os.environ if environ is None else environ
    login = {name: env[name] for name in LOGIN_VARIABLES if name in env}
    return Executor(LocalRunner(login), execution_rules(settings, env))
