"""The incident clocks: SLA warnings and breaches, escalation steps, and the due work.

`advance` fires whatever is due for one incident at a given instant — with its timeline events
and its notifications — and computes when the next thing falls due (stored as the incident's
`next_due_at`, which is what workers poll). Services call it after every change; `run_due` calls
it for every incident whose time has come.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.incident import escalation, sla
from astreinte.domain.incident.escalation import Page
from astreinte.domain.incident.model import Incident
from astreinte.domain.incident.phrases import phrase
from astreinte.domain.incident.timeline import Event, EventKind, JsonValue
from astreinte.domain.notification import (
    Delivery,
    Notification,
    channel_of,
    incident_details,
    incident_link,
)
from astreinte.domain.routing import Route, Routing, matching_rules, route
from astreinte.domain.runbook.model import Runbook
from astreinte.errors import Conflict
from astreinte.services import documents, snapshots
from astreinte.services.notifications import DEFAULT_RULES, NotificationRules
from astreinte.services.transaction import incident_transaction
from astreinte.storage import incidents as store
from astreinte.storage import outbox
from astreinte.storage.incidents import IncidentRecord

SYSTEM = "astreinte"  # the actor of what the clocks do


def advance(
    session: Session,
    record: IncidentRecord,
    *,
    now: datetime,
    runbook: Runbook | None = None,
    notifying: NotificationRules = DEFAULT_RULES,
) -> IncidentRecord:
    """Fire what is due at `now` — SLA warnings and breaches, escalation steps — with their
    events and notifications (routed, and worded, as `notifying` says), and compute when the
    next thing falls due."""
    incident = record.incident
    alarms = sla.due_alarms(incident, fired=record.fired_alarms, now=now)
    pages: list[Page] = []
    if record.policy is not None:
        pages = escalation.due_pages(
            record.policy,
            start=incident.clock_start,
            last_step=record.escalation_step,
            status=incident.status,
            now=now,
        )
    if alarms or pages:
        message = _message(session, record, runbook, notifying, now=now)
        events: list[Event] = []
        for page in pages:
            events.extend(_page(session, record, page, message, notifying.routing, now=now))
        for alarm in alarms:
            events.append(_alarm(session, record, alarm, message, notifying.routing, now=now))
        fired = (*record.fired_alarms, *(a.key for a in alarms))
        # A breach also counts its warning as done: it will not fire after the fact.
        fired += tuple(f"{a.clock}:warning" for a in alarms if a.stage is sla.Stage.BREACH)
        step = pages[-1].step if pages else record.escalation_step
        record = replace(record, fired_alarms=tuple(dict.fromkeys(fired)), escalation_step=step)
        record, _ = store.append(session, record, events)
    return replace(record, next_due_at=_next_due(record))


def _next_due(record: IncidentRecord) -> datetime | None:
    incident = record.incident
    candidates = [sla.next_alarm(incident, fired=record.fired_alarms)]
    if record.policy is not None:
        candidates.append(
            escalation.next_page_at(
                record.policy,
                start=incident.clock_start,
                last_step=record.escalation_step,
                status=incident.status,
            )
        )
    due = [c for c in candidates if c is not None]
    return min(due) if due else None


def message_example(
    session: Session, record: IncidentRecord, runbook: Runbook | None
) -> str | None:
    procedure = record.incident.procedure
    if runbook is None and procedure is not None:
        runbook = snapshots.runbook_shell(session, procedure.runbook_id)
    if runbook is None:
        return None
    return next((t.text for t in runbook.templates if t.kind == "alert_message"), None)


@dataclass(frozen=True, slots=True)
class _Message:
    """What every notification of one `advance` says, in each form."""

    body: str
    short: str
    details: dict[str, JsonValue]


def _message(
    session: Session,
    record: IncidentRecord,
    runbook: Runbook | None,
    notifying: NotificationRules,
    *,
    now: datetime,
) -> _Message:
    incident, language = record.incident, record.language
    link = incident_link(notifying.public_url, incident.id)
    facts = documents.Facts(incident, language, record.postmortem, link=link)
    return _Message(
        body=documents.render_notice(
            facts,
            example=message_example(session, record, runbook),
            now=now,
            source=notifying.template(language, "full"),
        ),
        short=documents.render_short(facts, now=now, source=notifying.template(language, "short")),
        details=incident_details(incident, link=link, language=language),
    )


def _notifications(
    routes: list[Route],
    *,
    event_key: str,
    kind: str,
    subject: str,
    message: _Message,
    incident_id: int,
    note: str | None = None,
) -> list[Notification]:
    # One per channel and recipient: the key makes each of them exactly once per event, and
    # two tier contacts that are one person on one channel are paged once.
    return [
        Notification(
            dedup_key=f"{event_key}:{r.channel}:{r.recipient}",
            kind=kind,
            channel=r.channel,
            recipient=r.recipient,
            subject=subject,
            body=message.body + (f"\n({note})" if note else ""),
            incident_id=incident_id,
            short_body=message.short,
            reason=r.reason,
            next_addresses=r.next_addresses,
            details=message.details,
        )
        for r in routes
    ]


def _level(incident: Incident) -> str | None:
    return incident.level.value if incident.level else None


def _subject(incident: Incident, what: str) -> str:
    severity = " ".join(x for x in (incident.severity, incident.level) if x)
    shown = f"{severity} — " if severity else ""
    return f"[astreinte #{incident.id}] {shown}{incident.title} — {what}"


def _page(
    session: Session,
    record: IncidentRecord,
    page: Page,
    message: _Message,
    routing: Routing,
    *,
    now: datetime,
) -> list[Event]:
    incident = record.incident
    tier = page.tier
    kind = "page" if page.step == 0 else "escalation"
    what = f"tier {tier.number}" + (f", round {page.round}" if page.round > 1 else "")
    event_key = f"incident:{incident.id}:cycle:{incident.reopen_count}:step:{page.step}"
    paged: list[JsonValue] = []
    events: list[Event] = []
    queued: list[Notification] = []
    for position, target in enumerate(tier.targets):
        # A configured contact the runbook names (or whose role it names) is reachable even
        # where the runbook left a placeholder ("À définir"): the configuration fills it in.
        known = routing.contact(target.contact, target.role)
        if target.placeholder and known is None:
            queued.append(
                Notification(
                    dedup_key=f"{event_key}:{position}",
                    kind=kind,
                    channel=channel_of(target.contact),
                    recipient=target.contact,
                    subject=_subject(incident, what),
                    body=message.body,
                    incident_id=incident.id,
                    status=Delivery.UNDELIVERABLE,
                    error="placeholder contact in the runbook",
                    reason="placeholder contact; configure a contact with this name or role",
                )
            )
            events.append(
                Event(
                    now,
                    EventKind.CONTACT_MISSING,
                    SYSTEM,
                    phrase(
                        "contact_missing",
                        record.language,
                        tier=tier.number,
                        role=target.role,
                        contact=target.contact,
                    ),
                    {"tier": tier.number, "role": target.role, "contact": target.contact},
                )
            )
            continue
        routes = route(
            routing,
            contact=target.contact,
            role=target.role,
            kind=kind,
            level=_level(incident),
            service=incident.service,
        )
        queued.extend(
            _notifications(
                routes,
                event_key=event_key,
                kind=kind,
                subject=_subject(incident, what),
                message=message,
                incident_id=incident.id,
                note=target.condition,
            )
        )
        paged.append(target.name if known is None else f"{target.role} ({known.name})")
    outbox.enqueue_many(session, queued, now=now)
    round_text = phrase("round", record.language, round=page.round) if page.round > 1 else ""
    text = (
        phrase(
            "paged",
            record.language,
            tier=tier.number,
            round=round_text,
            who=", ".join(str(p) for p in paged),
        )
        if paged
        else phrase("nobody_paged", record.language, tier=tier.number, round=round_text)
    )
    events.insert(
        0,
        Event(
            now,
            EventKind.ESCALATION,
            SYSTEM,
            text,
            {"step": page.step, "tier": tier.number, "round": page.round, "paged": paged},
        ),
    )
    return events


def _alarm(
    session: Session,
    record: IncidentRecord,
    alarm: sla.Alarm,
    message: _Message,
    routing: Routing,
    *,
    now: datetime,
) -> Event:
    incident = record.incident
    clock = "respond" if alarm.clock is sla.Clock.RESPOND else "resolve"
    warning = alarm.stage is sla.Stage.WARNING
    kind = EventKind.SLA_WARNING if warning else EventKind.SLA_BREACH
    key = f"sla_{'warning' if warning else 'breach'}_{clock}"
    text = phrase(key, record.language, deadline=f"{alarm.deadline:%H:%M}")
    notification_kind = f"sla_{alarm.stage}"
    level = _level(incident)
    # The alarm goes to whoever was paged last (tier 1 before any escalation).
    tier = None
    if record.policy is not None and record.policy.tiers:
        step = max(record.escalation_step, 0)
        tier = record.policy.tiers[step % len(record.policy.tiers)]
    targets = [
        t
        for t in (tier.targets if tier else ())
        if not t.placeholder or routing.contact(t.contact, t.role) is not None
    ]
    routes = [
        r
        for t in targets
        for r in route(
            routing,
            contact=t.contact,
            role=t.role,
            kind=notification_kind,
            level=level,
            service=incident.service,
        )
    ]
    if not targets:
        # Nobody to page: a rule may still send it to a team's channel; else it is logged.
        routes = [
            Route(channel, "on-call", f"routing rule {number} ({rule.describe()})")
            for number, rule in matching_rules(
                routing.rules, kind=notification_kind, level=level, service=incident.service
            )
            for channel in rule.channels
        ] or [Route("log", "on-call", "no escalation contact and no routing rule")]
    outbox.enqueue_many(
        session,
        _notifications(
            routes,
            event_key=f"incident:{incident.id}:cycle:{incident.reopen_count}:{alarm.key}",
            kind=notification_kind,
            subject=_subject(incident, text),
            message=message,
            incident_id=incident.id,
        ),
        now=now,
    )
    return Event(
        now,
        kind,
        SYSTEM,
        text,
        {"clock": clock, "stage": alarm.stage.value, "deadline": alarm.deadline.isoformat()},
    )


@dataclass(frozen=True, slots=True)
class DueReport:
    incidents: int  # incidents whose due work was done
    skipped: int  # locked by another worker or changed meanwhile


def run_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    limit: int = 100,
    notifying: NotificationRules = DEFAULT_RULES,
) -> DueReport:
    """Fire every SLA alarm and escalation step due at `now`, one incident per transaction.

    Safe to run from several workers at once: each incident is locked while it is handled
    (others skip it), and the notifications' dedup keys make a repeated step harmless.
    """
    with sessions.begin() as session:
        ids = store.due_ids(session, now=now, limit=limit)
    done = skipped = 0
    for incident_id in ids:
        try:
            with incident_transaction(sessions) as session:
                record = store.get(session, incident_id, lock=True, skip_locked=True)
                if record is None or record.next_due_at is None or record.next_due_at > now:
                    skipped += 1
                    continue
                store.update(session, advance(session, record, now=now, notifying=notifying))
                done += 1
        except (Conflict, IntegrityError):
            skipped += 1
    return DueReport(done, skipped)
