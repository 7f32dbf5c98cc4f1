"""Incident use cases: open, act (acknowledge, mitigate, resolve, close, reopen), notes,
checklists, procedure changes, post-mortem and follow-ups (the clocks are in `clocks.py`).

Each function is one transaction that it opens itself: it loads the incident with its write lock,
applies the domain, stores the new state, appends the sealed timeline events and queues the
notifications, and commits — or does nothing. Two responders acting at once are serialised by
the lock; the second sees the first one's result and gets a Conflict when its action no longer
applies.

    view = open_incident(sessions, title="API down", actor="alice", now=now)
    view = act(sessions, incident_id=view.id, action=Action.ACKNOWLEDGE, actor="bob", now=now)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.incident import checklist as checklists_domain
from astreinte.domain.incident import escalation, sla
from astreinte.domain.incident.checklist import IncidentChecklist, Phase
from astreinte.domain.incident.escalation import Policy
from astreinte.domain.incident.model import (
    Action,
    Incident,
    ProcedureRef,
    Status,
    apply,
)
from astreinte.domain.incident.phrases import field_name, phrase
from astreinte.domain.incident.timeline import Event, EventKind, JsonValue, SealedEvent
from astreinte.domain.runbook.lexicon import SEVERITY_LABEL
from astreinte.domain.runbook.model import Level, Procedure, Runbook
from astreinte.errors import Conflict, InputError, NotFound
from astreinte.services import documents, matching, snapshots
from astreinte.services.clocks import SYSTEM, advance, message_example
from astreinte.services.matching import MatchReport
from astreinte.services.notifications import NotificationRules
from astreinte.services.transaction import incident_transaction
from astreinte.storage import alerts as alert_store
from astreinte.storage import incidents as store
from astreinte.storage import outbox
from astreinte.storage.alerts import StoredAlert
from astreinte.storage.incidents import FollowUp, IncidentRecord
from astreinte.storage.outbox import Queued

MAX_TITLE = 300
MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class IncidentRules:
    """What configuration decides about incidents (built by the entry points from Settings)."""

    sla_defaults: Mapping[Level, tuple[int | None, int | None]] = field(
        default_factory=lambda: {
            Level.CRITICAL: (5, 60),
            Level.MAJOR: (15, 240),
            Level.MINOR: (60, 1440),
        }
    )
    escalation_wait_minutes: int = 15
    escalation_rounds: int = 2
    fallback_policy: Policy | None = None  # when the runbook names no contact
    language: str = "en"  # for incidents without a runbook
    postmortem_required: frozenset[Level] = frozenset({Level.CRITICAL, Level.MAJOR})
    # Where notifications go and what they say: routing rules, contacts, templates, link.
    notifying: NotificationRules = field(default_factory=NotificationRules)


DEFAULT_RULES = IncidentRules()


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with everything recorded about it."""

    record: IncidentRecord
    timeline: tuple[SealedEvent, ...]
    checklists: tuple[IncidentChecklist, ...]
    follow_ups: tuple[FollowUp, ...]
    notifications: tuple[Queued, ...]
    alerts: tuple[StoredAlert, ...] = ()

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def incident(self) -> Incident:
        return self.record.incident


# --- loading -------------------------------------------------------------------------------


def _load(session: Session, incident_id: int) -> IncidentRecord:
    record = store.get(session, incident_id, lock=True)
    if record is None:
        raise NotFound(f"no incident {incident_id}; 'astreinte incidents list' shows them")
    return record


def _view(session: Session, record: IncidentRecord) -> IncidentView:
    return IncidentView(
        record=record,
        timeline=tuple(store.timeline(session, record.id)),
        checklists=tuple(store.checklists(session, record.id)),
        follow_ups=tuple(store.follow_ups(session, record.id)),
        notifications=tuple(outbox.for_incident(session, record.id)),
        alerts=tuple(alert_store.for_incident(session, record.id)),
    )


def _text(value: str, what: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    text = value.strip()
    if "\x00" in text:
        raise InputError(f"the {what} contains a NUL character; remove it")
    if required and not text:
        raise InputError(f"the {what} is empty; give some text")
    if len(text) > limit:
        raise InputError(f"the {what} has {len(text)} characters; the limit is {limit}")
    return text


# --- opening ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Choice:
    ref: ProcedureRef
    procedure: Procedure
    why: str
    data: dict[str, JsonValue]


def _choose(
    session: Session,
    *,
    title: str,
    description: str,
    service: str | None,
    procedure_id: str | None,
    matched: MatchReport | None = None,
) -> tuple[_Choice | None, str | None]:
    """The procedure to follow, given or matched (`matched`: already, by the caller), and the
    severity the matcher suggests."""
    if procedure_id:
        stored = snapshots.procedure(session, procedure_id)
        if stored is None:
            raise NotFound(
                f"no procedure '{procedure_id}'; 'astreinte runbooks show RUNBOOK' lists the ids"
            )
        runbook = snapshots.runbook_shell(session, stored.runbook_id)
        ref = ProcedureRef(
            stored.id, stored.procedure.title, runbook.source if runbook else "", stored.runbook_id
        )
        return _Choice(ref, stored.procedure, "procedure_given", {}), None
    report = matched or matching.match(
        session, query=f"{title}\n{description}", top=1, service=service
    )
    suggested = report.severity.label if report.severity else None
    if not report.results:
        return None, suggested
    best = report.results[0]
    stored = snapshots.procedure(session, best.procedure_id, runbook_id=best.runbook_id)
    if stored is None:  # the catalogue changed between the index and now
        return None, suggested
    ref = ProcedureRef(best.procedure_id, best.title, best.source, best.runbook_id)
    reasons: list[JsonValue] = list(best.reasons)
    data: dict[str, JsonValue] = {"score": best.score, "reasons": reasons}
    return _Choice(ref, stored.procedure, "procedure_matched", data), suggested


def _level_of(label: str, runbook: Runbook | None) -> Level | None:
    """The level a severity label stands for: the runbook's own scale first ("P1" is critical
    in one document and major in another), then the level names, then the usual P0–P3."""
    folded = label.strip().casefold()
    if runbook is not None:
        for step in runbook.severity_levels:
            if step.label.casefold() == folded:
                return step.level
    for level in Level:
        if folded == level.value:
            return level
    words = {"critique": Level.CRITICAL, "majeur": Level.MAJOR, "mineur": Level.MINOR}
    if folded in words:
        return words[folded]
    match = SEVERITY_LABEL.fullmatch(label.strip())
    if match:
        digit = int("".join(c for c in label if c.isdigit()))
        zero_based = folded.startswith("p")
        rank = digit if zero_based else digit - 1
        return (Level.CRITICAL, Level.MAJOR, Level.MINOR)[min(max(rank, 0), 2)]
    return None


def open_incident(
    sessions: sessionmaker[Session],
    *,
    title: str,
    actor: str,
    now: datetime,
    description: str = "",
    service: str | None = None,
    procedure_id: str | None = None,
    severity: str | None = None,
    rules: IncidentRules = DEFAULT_RULES,
) -> IncidentView:
    """Open an incident: its procedure (given, or matched from the title and description), its
    severity and level, its SLA clocks, its checklists, and the first page to escalation tier 1.
    """
    title = _text(title, "incident title", limit=MAX_TITLE)
    description = _text(description, "description", required=False)
    service = _text(service, "service", limit=200, required=False) or None if service else None
    if procedure_id is not None:
        procedure_id = _text(procedure_id, "procedure id", limit=500, required=False) or None
    if severity is not None:
        severity = _text(severity, "severity", limit=40, required=False) or None
    with incident_transaction(sessions) as session:
        record = open_in(
            session,
            title=title,
            actor=actor,
            now=now,
            description=description,
            service=service,
            procedure_id=procedure_id,
            severity=severity,
            rules=rules,
        )
        return _view(session, record)


def open_in(
    session: Session,
    *,
    title: str,
    actor: str,
    now: datetime,
    description: str,
    service: str | None,
    procedure_id: str | None,
    severity: str | None,
    rules: IncidentRules,
    matched: MatchReport | None = None,
) -> IncidentRecord:
    """`open_incident` inside a write transaction the caller holds (alert ingestion opens and acts
    on incidents within its own, with the match it already made: `matched`)."""
    choice, suggested = _choose(
        session,
        title=title,
        description=description,
        service=service,
        procedure_id=procedure_id,
        matched=matched,
    )
    procedure = choice.procedure if choice else None
    runbook = snapshots.runbook_shell(session, choice.ref.runbook_id) if choice else None
    label, level, severity_from = _severity(severity, procedure, runbook, suggested)
    terms = sla.terms_for(
        procedure=procedure,
        scale=runbook.severity_levels if runbook else (),
        severity=label,
        level=level,
        defaults=rules.sla_defaults,
    )
    policy = (
        escalation.policy_from_runbook(
            runbook.escalation,
            default_wait=rules.escalation_wait_minutes,
            rounds=rules.escalation_rounds,
        )
        if runbook
        else None
    ) or rules.fallback_policy
    if policy is not None:
        policy = escalation.for_severity(policy, label) if policy.tiers else None
        policy = policy if policy and policy.tiers else None
    incident = Incident(
        id=0,
        title=title,
        status=Status.TRIGGERED,
        opened_at=now,
        opened_by=actor,
        description=description,
        service=service,
        severity=label,
        level=level,
        procedure=choice.ref if choice else None,
        sla=terms,
    )
    language = runbook.language if runbook else rules.language
    record = store.insert(session, IncidentRecord(incident, language=language, policy=policy))
    lists = checklists_domain.checklists_for(runbook.checklists if runbook else (), procedure)
    store.insert_checklists(session, record.id, lists)
    events = [
        Event(
            now,
            EventKind.OPENED,
            actor,
            phrase("opened", language, title=title),
            {
                "severity": label,
                "severity_from": severity_from,
                "level": level.value if level else None,
                "service": service,
                "sla": terms.source,
                "respond_by": _iso(incident.respond_by),
                "resolve_by": _iso(incident.resolve_by),
                "escalation": policy.source if policy else None,
            },
        ),
        _procedure_event(now, actor, choice, language),
    ]
    record, _ = store.append(session, record, events)
    record = advance(session, record, now=now, runbook=runbook, notifying=rules.notifying)
    record = store.update(session, record)
    return record


def _severity(
    given: str | None,
    procedure: Procedure | None,
    runbook: Runbook | None,
    suggested: str | None,
) -> tuple[str | None, Level | None, str]:
    if given and given.strip():
        label = given.strip()
        level = _level_of(label, runbook)
        if level is None:
            scale = ", ".join(s.label for s in runbook.severity_levels) if runbook else ""
            known = scale or "P0–P3, SEV1–SEV4, critical, major, minor"
            raise InputError(f"unknown severity '{label}'; use one of {known}")
        return label, level, "given"
    if procedure is not None and (procedure.severity or procedure.level):
        return procedure.severity, procedure.level, "procedure"
    if suggested:
        return suggested, _level_of(suggested, runbook), "classification examples"
    return None, None, "none"


def _procedure_event(now: datetime, actor: str, choice: _Choice | None, language: str) -> Event:
    if choice is None:
        text = phrase("no_procedure", language)
        return Event(now, EventKind.PROCEDURE, SYSTEM, text, {"procedure": None})
    ref = choice.ref
    text = phrase(
        choice.why, language, title=ref.title, source=ref.source, score=choice.data.get("score")
    )
    return Event(
        now,
        EventKind.PROCEDURE,
        actor if choice.why == "procedure_given" else SYSTEM,
        text,
        {"procedure": ref.id, **choice.data},
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- acting ----------------------------------------------------------------------------------


_KINDS = {
    Action.ACKNOWLEDGE: EventKind.ACKNOWLEDGED,
    Action.MITIGATE: EventKind.MITIGATED,
    Action.RESOLVE: EventKind.RESOLVED,
    Action.CLOSE: EventKind.CLOSED,
    Action.REOPEN: EventKind.REOPENED,
}


def act(
    sessions: sessionmaker[Session],
    *,
    incident_id: int,
    action: Action,
    actor: str,
    now: datetime,
    note: str | None = None,
    override: str | None = None,
    rules: IncidentRules = DEFAULT_RULES,
) -> IncidentView:
    """Apply a lifecycle action. Closing a level that needs a post-mortem (critical and major by
    default) requires its post-incident checklists done and a root cause written, unless
    `override` gives the reason to close anyway (recorded on the timeline)."""
    note = _text(note, "note", required=False) if note else None
    override = _text(override, "override reason", limit=2000, required=False) if override else None
    with incident_transaction(sessions) as session:
        record = act_in(
            session,
            incident_id=incident_id,
            action=action,
            actor=actor,
            now=now,
            note=note,
            override=override,
            rules=rules,
        )
        return _view(session, record)


def act_in(
    session: Session,
    *,
    incident_id: int,
    action: Action,
    actor: str,
    now: datetime,
    note: str | None,
    override: str | None,
    rules: IncidentRules,
) -> IncidentRecord:
    """`act` inside a write transaction the caller holds (alert ingestion opens and acts
    on incidents within its own)."""
    record = _load(session, incident_id)
    before = record.incident.status
    incident = apply(record.incident, action, at=now)  # refuses what does not apply first
    events: list[Event] = []
    if action is Action.CLOSE:
        missing = _closing_gaps(session, record, rules)
        if missing and not (override and override.strip()):
            raise Conflict(
                f"incident {incident_id} is {record.incident.level}: closing it needs "
                f"{'; '.join(missing)}; complete them, or close with an override reason"
            )
        if missing:
            events.append(
                Event(
                    now,
                    EventKind.OVERRIDE,
                    actor,
                    phrase(
                        "override",
                        record.language,
                        missing="; ".join(missing),
                        reason=override,
                    ),
                    {"missing": list[JsonValue](missing), "reason": override},
                )
            )
    record = replace(record, incident=incident)
    if action is Action.REOPEN:
        record = replace(record, fired_alarms=(), escalation_step=-1)
    text = phrase(action.value, record.language, actor=actor) + (f": {note}" if note else "")
    events.insert(
        0,
        Event(
            now,
            _KINDS[action],
            actor,
            text,
            {"from": before.value, "to": incident.status.value, "note": note},
        ),
    )
    record, _ = store.append(session, record, events)
    record = advance(session, record, now=now, notifying=rules.notifying)
    record = store.update(session, record)
    return record


def _closing_gaps(session: Session, record: IncidentRecord, rules: IncidentRules) -> list[str]:
    level = record.incident.level
    if level is None or level not in rules.postmortem_required:
        return []
    gaps = []
    after = [c for c in store.checklists(session, record.id) if c.phase is Phase.AFTER]
    open_items = [i.text for c in after for i in c.items if not i.done]
    if open_items:
        total = sum(len(c.items) for c in after)
        gaps.append(
            f"its post-incident checklist ({len(open_items)} of {total} items open, first: "
            f"'{open_items[0]}')"
        )
    if not record.postmortem.written:
        gaps.append("a post-mortem (no root cause written yet)")
    return gaps


def add_note(
    sessions: sessionmaker[Session], *, incident_id: int, text: str, actor: str, now: datetime
) -> IncidentView:
    text = _text(text, "note")
    with incident_transaction(sessions) as session:
        record = _load(session, incident_id)
        record, _ = store.append(session, record, [Event(now, EventKind.NOTE, actor, text)])
        record = store.update(session, record)
        return _view(session, record)


def set_checklist_item(
    sessions: sessionmaker[Session],
    *,
    incident_id: int,
    title: str,
    item: str,
    done: bool,
    actor: str,
    now: datetime,
) -> IncidentView:
    """Tick (or untick) one checklist item, found by its checklist title and its text or number."""
    with incident_transaction(sessions) as session:
        record = _load(session, incident_id)
        lists = store.checklists(session, record.id)
        position = checklists_domain.locate(lists, title, item)
        lists, changed_list, changed = checklists_domain.tick(
            lists, title=title, item=item, done=done, by=actor, at=now
        )
        store.set_item(session, record.id, position[0], position[1], changed)
        event = Event(
            now,
            EventKind.CHECKLIST,
            actor,
            phrase(
                "checklist_done" if done else "checklist_undone",
                record.language,
                item=changed.text,
                checklist=changed_list.title,
            ),
            {"checklist": changed_list.title, "item": changed.text, "done": done},
        )
        record, _ = store.append(session, record, [event])
        record = store.update(session, record)
        return _view(session, record)


def change_procedure(
    sessions: sessionmaker[Session],
    *,
    incident_id: int,
    procedure_id: str,
    actor: str,
    now: datetime,
) -> IncidentView:
    """Follow another procedure; its validation steps join the checklists. The SLA clocks and
    severity stay as they were: they were promised when the incident opened."""
    with incident_transaction(sessions) as session:
        record = _load(session, incident_id)
        stored = snapshots.procedure(session, procedure_id)
        if stored is None:
            raise NotFound(
                f"no procedure '{procedure_id}'; 'astreinte runbooks show RUNBOOK' lists the ids"
            )
        runbook = snapshots.runbook_shell(session, stored.runbook_id)
        ref = ProcedureRef(
            stored.id, stored.procedure.title, runbook.source if runbook else "", stored.runbook_id
        )
        before = record.incident.procedure
        if before is not None and before.id == ref.id:
            return _view(session, record)
        record = replace(record, incident=replace(record.incident, procedure=ref))
        existing = store.checklists(session, record.id)
        added = [
            c
            for c in checklists_domain.checklists_for((), stored.procedure)
            if c.title not in {e.title for e in existing}
        ]
        store.insert_checklists_after(session, record.id, added, start=len(existing))
        text = (
            phrase(
                "procedure_changed",
                record.language,
                before=before.title,
                title=ref.title,
                actor=actor,
            )
            if before
            else phrase(
                "procedure_chosen", record.language, title=ref.title, source=ref.source, actor=actor
            )
        )
        event = Event(
            now,
            EventKind.PROCEDURE,
            actor,
            text,
            {"procedure": ref.id, "previous": before.id if before else None},
        )
        record, _ = store.append(session, record, [event])
        record = store.update(session, record)
        return _view(session, record)


def write_postmortem(
    sessions: sessionmaker[Session],
    *,
    incident_id: int,
    actor: str,
    now: datetime,
    impact: str | None = None,
    root_cause: str | None = None,
    resolution: str | None = None,
    lessons: str | None = None,
) -> IncidentView:
    """Set the parts of the post-mortem people write; None leaves a part as it is."""
    given = {
        "impact": impact,
        "root_cause": root_cause,
        "resolution": resolution,
        "lessons": lessons,
    }
    changes = {
        k: _text(v, k.replace("_", " "), required=False) for k, v in given.items() if v is not None
    }
    with incident_transaction(sessions) as session:
        record = _load(session, incident_id)
        current = record.postmortem
        updated = replace(current, **changes)
        if updated == current:
            return _view(session, record)
        record = replace(record, postmortem=updated)
        changed = [
            field_name(k, record.language) for k in changes if getattr(current, k) != changes[k]
        ]
        event = Event(
            now,
            EventKind.POSTMORTEM,
            actor,
            phrase("postmortem", record.language, fields=", ".join(changed)),
            {"fields": list[JsonValue](changed)},
        )
        record, _ = store.append(session, record, [event])
        record = store.update(session, record)
        return _view(session, record)


def add_follow_up(
    sessions: sessionmaker[Session],
    *,
    incident_id: int,
    text: str,
    actor: str,
    now: datetime,
    owner: str | None = None,
) -> IncidentView:
    text = _text(text, "follow-up action", limit=1000)
    owner = _text(owner, "owner", limit=200, required=False) or None if owner else None
    with incident_transaction(sessions) as session:
        record = _load(session, incident_id)
        item = store.add_follow_up(session, record.id, text=text, owner=owner, by=actor, at=now)
        event = Event(
            now,
            EventKind.FOLLOW_UP,
            actor,
            phrase("follow_up", record.language, id=item.id, text=text)
            + (phrase("follow_up_owner", record.language, owner=owner) if owner else ""),
            {"follow_up": item.id, "done": False},
        )
        record, _ = store.append(session, record, [event])
        record = store.update(session, record)
        return _view(session, record)


def set_follow_up(
    sessions: sessionmaker[Session],
    *,
    incident_id: int,
    follow_up_id: int,
    done: bool,
    actor: str,
    now: datetime,
) -> IncidentView:
    with incident_transaction(sessions) as session:
        record = _load(session, incident_id)
        item = store.set_follow_up(session, record.id, follow_up_id, done=done, at=now)
        if item is None:
            raise NotFound(f"incident {incident_id} has no follow-up action #{follow_up_id}")
        event = Event(
            now,
            EventKind.FOLLOW_UP,
            actor,
            phrase(
                "follow_up_done" if done else "follow_up_reopened",
                record.language,
                id=item.id,
                text=item.text,
            ),
            {"follow_up": item.id, "done": done},
        )
        record, _ = store.append(session, record, [event])
        record = store.update(session, record)
        return _view(session, record)


# --- reading ---------------------------------------------------------------------------------


def get_incident(sessions: sessionmaker[Session], *, incident_id: int) -> IncidentView:
    with sessions.begin() as session:
        record = store.get(session, incident_id)
        if record is None:
            raise NotFound(f"no incident {incident_id}; 'astreinte incidents list' shows them")
        return _view(session, record)


def list_incidents(
    sessions: sessionmaker[Session],
    *,
    status: tuple[Status, ...] = (),
    limit: int = 100,
    offset: int = 0,
) -> list[IncidentRecord]:
    with sessions.begin() as session:
        return store.list_records(session, status=status, limit=limit, offset=offset)


def postmortem(sessions: sessionmaker[Session], *, incident_id: int, now: datetime) -> str:
    """The post-mortem as Markdown, in the runbook's template when it has one."""
    with sessions.begin() as session:
        record = store.get(session, incident_id)
        if record is None:
            raise NotFound(f"no incident {incident_id}; 'astreinte incidents list' shows them")
        view = _view(session, record)
        example = None
        procedure = record.incident.procedure
        if procedure is not None:
            runbook = snapshots.runbook_shell(session, procedure.runbook_id)
            if runbook is not None:
                example = next((t.text for t in runbook.templates if t.kind == "post_mortem"), None)
    facts = documents.Facts(
        incident=record.incident,
        language=record.language,
        postmortem=record.postmortem,
        timeline=view.timeline,
        checklists=view.checklists,
        follow_ups=[(f.text, f.owner, f.done) for f in view.follow_ups],
    )
    return documents.render_postmortem(facts, example=example, now=now)


def message(sessions: sessionmaker[Session], *, incident_id: int, now: datetime) -> str:
    """The incident's status message, ready to paste (the runbook's template or ours)."""
    with sessions.begin() as session:
        record = store.get(session, incident_id)
        if record is None:
            raise NotFound(f"no incident {incident_id}; 'astreinte incidents list' shows them")
        example = message_example(session, record, None)
    facts = documents.Facts(record.incident, record.language, record.postmortem)
    return documents.render_message(facts, example=example, now=now)
