"""Render messages and post-mortems: the templates come from the domain (the runbook's own
example adopted, or ours) or from the configuration, the values from the incident, and Jinja2
runs sandboxed, since a runbook or a configured template is text from outside.

    text = render_message(facts, example=None, now=now)
    sms = render_short(facts, now=now)  # at most 160 characters, the link kept whole
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from astreinte.domain.incident.checklist import IncidentChecklist
from astreinte.domain.incident.documents import (
    SHORT,
    message_source,
    notice_source,
    postmortem_source,
    wording,
)
from astreinte.domain.incident.metrics import format_minutes
from astreinte.domain.incident.model import ENDED, Incident, Postmortem, SlaTerms, Status
from astreinte.domain.incident.timeline import EventKind, SealedEvent
from astreinte.domain.notification import SMS_LIMIT
from astreinte.domain.runbook.model import Level
from astreinte.errors import InputError

log = logging.getLogger("astreinte.notifications")


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a template may show about one incident."""

    incident: Incident
    language: str
    postmortem: Postmortem
    timeline: Sequence[SealedEvent] = ()
    checklists: Sequence[IncidentChecklist] = ()
    follow_ups: Sequence[tuple[str, str | None, bool]] = ()  # text, owner, done
    link: str | None = None  # the incident's page, when the public URL is configured


def _hm(value: datetime | None) -> str:
    return "--:--" if value is None else value.astimezone(UTC).strftime("%H:%M")


def _day(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d")


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _duration(value: timedelta | None) -> str:
    return "" if value is None else format_minutes(value.total_seconds() / 60)


def _environment() -> SandboxedEnvironment:
    # StrictUndefined: a typo in a configured template fails loudly instead of printing nothing.
    env = SandboxedEnvironment(
        autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True
    )
    env.filters.update(hm=_hm, day=_day, when=_when, duration=_duration)
    return env


_ENV = _environment()


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    # Compiling costs more than rendering; a catalogue has few distinct templates.
    return _ENV.from_string(source)


def render(source: str, context: dict[str, Any], *, name: str) -> str:
    """Render `source`; a template that fails raises InputError naming it and the reason."""
    try:
        return _compiled(source).render(context)
    except (TemplateError, TypeError, ValueError, AttributeError, LookupError) as exc:
        # The sandbox refuses unsafe access with a TemplateError; a template that misuses a
        # value (iterating a number…) fails with Python's own errors: both are the template's.
        raise InputError(f"template '{name}' cannot be rendered: {exc}; fix the template") from None


def context(facts: Facts, *, now: datetime) -> dict[str, Any]:
    incident = facts.incident
    ended = incident.status in ENDED
    procedure = incident.procedure
    commands = [
        {"at": s.event.at, "actor": s.event.actor, "text": s.event.data.get("command", "")}
        for s in facts.timeline
        if s.event.data.get("command")
    ]
    return {
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "description": incident.description,
            "service": incident.service,
            "severity": incident.severity,
            "level": incident.level.value if incident.level else None,
            "status": incident.status.value,
            "procedure": f"{procedure.title} ({procedure.source})" if procedure else None,
            "procedure_title": procedure.title if procedure else None,
            "runbook": procedure.runbook_id if procedure else None,
            "opened_at": incident.clock_start,
            "acknowledged_at": incident.acknowledged_at,
            "mitigated_at": incident.mitigated_at,
            "resolved_at": incident.resolved_at,
            "closed_at": incident.closed_at,
            "respond_by": incident.respond_by,
            "resolve_by": incident.resolve_by,
            "duration": (incident.resolved_at - incident.clock_start)
            if incident.resolved_at
            else None,
            "ended": ended,
            "link": facts.link,
        },
        "postmortem": {
            "impact": facts.postmortem.impact,
            "root_cause": facts.postmortem.root_cause,
            "resolution": facts.postmortem.resolution,
            "lessons": facts.postmortem.lessons,
        },
        "timeline": [
            {
                "at": s.event.at,
                "kind": s.event.kind.value,
                "actor": s.event.actor,
                "text": s.event.text,
            }
            for s in facts.timeline
            if s.event.kind is not EventKind.CHECKLIST
        ],
        "checklists": [
            {
                "title": c.title,
                "phase": c.phase.value,
                "items": [
                    {"text": i.text, "done": i.done, "by": i.by, "at": i.at} for i in c.items
                ],
            }
            for c in facts.checklists
        ],
        "follow_ups": [
            {"text": text, "owner": owner, "done": done} for text, owner, done in facts.follow_ups
        ],
        "commands": commands,
        "now": now,
        "t": wording(facts.language),
    }


def render_message(facts: Facts, *, example: str | None, now: datetime) -> str:
    """The incident's status message, in the runbook's shape when it has an alert template."""
    name = "the runbook's message template" if example else "astreinte's message template"
    return render(message_source(example), context(facts, now=now), name=name)


def render_postmortem(facts: Facts, *, example: str | None, now: datetime) -> str:
    name = "the runbook's post-mortem template" if example else "astreinte's post-mortem template"
    text = render(postmortem_source(example), context(facts, now=now), name=name)
    return re.sub(r"\n{3,}", "\n\n", text)


def render_notice(
    facts: Facts, *, example: str | None, now: datetime, source: str | None = None
) -> str:
    """A notification's full form (e-mail, Slack, webhook): the configured template (`source`)
    if any, else the runbook's message with the severity, procedure, SLA deadlines and link it
    lacks added after it, else ours."""
    if source is not None:
        values = context(facts, now=now)
        configured = _configured(source, values, name=f"messages.{facts.language}.full")
        if configured is not None:
            return configured
    name = "the runbook's message template" if example else "astreinte's message template"
    return render(notice_source(example), context(facts, now=now), name=name)


def render_short(facts: Facts, *, now: datetime, source: str | None = None) -> str:
    """A notification's SMS form, on one line and at most SMS_LIMIT characters: the title, then
    the procedure, are shortened to fit; the link is never cut (half a link leads nowhere)."""
    values = context(facts, now=now)
    incident = dict(values["incident"])
    template, name = SHORT, "astreinte's SMS template"
    configured_name = f"messages.{facts.language}.short"
    if source is not None and _configured(source, values, name=configured_name) is not None:
        template, name = source, configured_name
    text = ""
    for _ in range(6):
        text = " ".join(render(template, {**values, "incident": incident}, name=name).split())
        over = len(text) - SMS_LIMIT
        if over <= 0:
            return text
        longest = max(("title", "procedure_title"), key=lambda k: len(incident[k] or ""))
        value = str(incident[longest] or "")
        if len(value) <= _SHORTEST:
            break
        incident[longest] = _shorten(value, max(_SHORTEST, len(value) - over))
    link = facts.link
    if link and link in text and len(link) + 4 < SMS_LIMIT:
        head = text.replace(link, "").rstrip()
        return _shorten(head, SMS_LIMIT - len(link) - 1) + " " + link
    return _shorten(text, SMS_LIMIT)


_SHORTEST = 16  # a title or procedure cut shorter than this says nothing


def _shorten(text: str, size: int) -> str:
    # Three dots, not "…": one character outside GSM 7-bit makes the whole SMS cost more.
    return text if len(text) <= size else text[: max(size - 3, 0)].rstrip() + "..."


def _configured(source: str, values: dict[str, Any], *, name: str) -> str | None:
    """A configured template rendered, or None when it fails: the page then goes out with
    astreinte's own template rather than not at all (startup has checked it already)."""
    try:
        return render(source, values, name=name)
    except InputError as exc:
        log.warning("%s; astreinte's own template is used instead", exc)
        return None


SAMPLE = Incident(
    id=42,
    title="Checkout returns errors",
    status=Status.TRIGGERED,
    opened_at=datetime(2026, 1, 1, 3, 0, tzinfo=UTC),
    opened_by="astreinte",
    description="Payments fail for every customer",
    service="payments",
    severity="P1",
    level=Level.CRITICAL,
    sla=SlaTerms(5, 60, "sample"),
)


def check_template(source: str, *, name: str, language: str) -> None:
    """Render a configured template for a sample incident; a syntax error or an unknown name
    raises InputError naming the setting now, not at 3 a.m."""
    facts = Facts(SAMPLE, language, Postmortem(), link="https://astreinte.example.org/incidents/42")
    render(source, context(facts, now=SAMPLE.opened_at), name=name)
