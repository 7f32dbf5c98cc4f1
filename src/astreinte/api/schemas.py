"""Request and response bodies of the API. Field names are the contract other tools rely on:
fields are added, never renamed or removed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from astreinte.domain.incident.model import allowed_actions
from astreinte.domain.probe import ProbeResult, ProbeStatus
from astreinte.services.incidents import IncidentView
from astreinte.services.maintenance import Window
from astreinte.services.probes import History, ProbeView
from astreinte.storage.alerts import StoredAlert
from astreinte.storage.incidents import IncidentRecord

Text = str


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL, and no runbook or person writes one on purpose.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character (\\u0000); remove it")
        return value


class IncidentCreate(_In):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    service: str | None = Field(default=None, max_length=200)
    procedure_id: str | None = Field(default=None, max_length=500)
    severity: str | None = Field(default=None, max_length=40)


class ActionIn(_In):
    note: str | None = Field(default=None, max_length=20_000)
    override: str | None = Field(
        default=None,
        max_length=2_000,
        description="Close anyway: the reason, recorded on the timeline.",
    )


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=20_000)


class ChecklistIn(_In):
    title: str = Field(min_length=1, max_length=500, description="The checklist's title.")
    item: str = Field(
        min_length=1, max_length=1000, description="The item's text (or a unique prefix) or number."
    )
    done: bool


class ProcedureIn(_In):
    procedure_id: str = Field(min_length=1, max_length=500)


class PostmortemIn(_In):
    impact: str | None = Field(default=None, max_length=20_000)
    root_cause: str | None = Field(default=None, max_length=20_000)
    resolution: str | None = Field(default=None, max_length=20_000)
    lessons: str | None = Field(default=None, max_length=20_000)


class FollowUpIn(_In):
    text: str = Field(min_length=1, max_length=1000)
    owner: str | None = Field(default=None, max_length=200)


class FollowUpPatch(_In):
    done: bool


class ProcedureOut(BaseModel):
    id: str
    title: str
    source: str
    runbook_id: str


class SlaOut(BaseModel):
    respond_by: datetime | None
    resolve_by: datetime | None
    respond_minutes: int | None
    resolve_minutes: int | None
    source: str


class EventOut(BaseModel):
    seq: int
    at: datetime
    kind: str
    actor: str
    text: str
    data: dict[str, Any]
    hash: str


class ItemOut(BaseModel):
    text: str
    done: bool
    by: str | None
    at: datetime | None


class ChecklistOut(BaseModel):
    title: str
    phase: str
    items: list[ItemOut]


class FollowUpOut(BaseModel):
    id: int
    text: str
    owner: str | None
    done: bool
    created_at: datetime
    done_at: datetime | None


class NotificationOut(BaseModel):
    kind: str
    channel: str
    recipient: str
    status: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    error: str | None
    reason: str | None = None  # why this channel: routing rule, contact, route, fallback


class AlertOut(BaseModel):
    id: int
    source: str
    fingerprint: str
    status: Literal["firing", "acknowledged", "resolved"]
    title: str
    description: str
    service: str | None
    severity: str | None
    labels: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    repeats: int
    flapping: bool
    silenced: bool
    url: str | None
    incident_id: int | None
    silence_id: int | None = Field(
        default=None,
        description="The silence or maintenance window that silenced it "
        "(GET /silences, GET /maintenance).",
    )


def alert_out(stored: StoredAlert) -> AlertOut:
    alert = stored.alert
    return AlertOut(
        id=stored.id,
        source=alert.source,
        fingerprint=alert.fingerprint,
        status=alert.status.value,
        title=alert.title,
        description=alert.description,
        service=alert.service,
        severity=alert.severity,
        labels=dict(alert.labels),
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        first_seen_at=stored.first_seen_at,
        last_seen_at=stored.last_seen_at,
        repeats=stored.repeats,
        flapping=stored.flapping,
        silenced=stored.silence_id is not None,
        url=alert.url,
        incident_id=stored.incident_id,
        silence_id=stored.silence_id,
    )


class PostmortemOut(BaseModel):
    impact: str
    root_cause: str
    resolution: str
    lessons: str


class IncidentSummary(BaseModel):
    id: int
    title: str
    status: Literal["triggered", "acknowledged", "mitigated", "resolved", "closed"]
    severity: str | None
    level: str | None
    service: str | None
    procedure: ProcedureOut | None
    opened_at: datetime
    opened_by: str
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    sla: SlaOut
    actions: list[str] = Field(description="The lifecycle actions that apply now.")


class IncidentOut(IncidentSummary):
    description: str
    timeline: list[EventOut]
    checklists: list[ChecklistOut]
    follow_ups: list[FollowUpOut]
    notifications: list[NotificationOut]
    postmortem: PostmortemOut
    alerts: list[AlertOut] = Field(
        default_factory=list, description="Alerts attached to the incident."
    )


def summary(record: IncidentRecord) -> IncidentSummary:
    incident = record.incident
    procedure = incident.procedure
    return IncidentSummary(
        id=incident.id,
        title=incident.title,
        status=incident.status.value,
        severity=incident.severity,
        level=incident.level.value if incident.level else None,
        service=incident.service,
        procedure=ProcedureOut(
            id=procedure.id,
            title=procedure.title,
            source=procedure.source,
            runbook_id=procedure.runbook_id,
        )
        if procedure
        else None,
        opened_at=incident.opened_at,
        opened_by=incident.opened_by,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        reopened_at=incident.reopened_at,
        sla=SlaOut(
            respond_by=incident.respond_by,
            resolve_by=incident.resolve_by,
            respond_minutes=incident.sla.respond_minutes,
            resolve_minutes=incident.sla.resolve_minutes,
            source=incident.sla.source,
        ),
        actions=[a.value for a in allowed_actions(incident.status)],
    )


def incident_out(view: IncidentView) -> IncidentOut:
    record = view.record
    return IncidentOut(
        **summary(record).model_dump(),
        description=record.incident.description,
        timeline=[
            EventOut(
                seq=s.seq,
                at=s.event.at,
                kind=s.event.kind.value,
                actor=s.event.actor,
                text=s.event.text,
                data=dict(s.event.data),
                hash=s.hash,
            )
            for s in view.timeline
        ],
        checklists=[
            ChecklistOut(
                title=c.title,
                phase=c.phase.value,
                items=[ItemOut(text=i.text, done=i.done, by=i.by, at=i.at) for i in c.items],
            )
            for c in view.checklists
        ],
        follow_ups=[
            FollowUpOut(
                id=f.id,
                text=f.text,
                owner=f.owner,
                done=f.done,
                created_at=f.created_at,
                done_at=f.done_at,
            )
            for f in view.follow_ups
        ],
        notifications=[
            NotificationOut(
                kind=n.notification.kind,
                channel=n.notification.channel,
                recipient=n.notification.recipient,
                status=n.status.value,
                attempts=n.attempts,
                created_at=n.created_at,
                delivered_at=n.delivered_at,
                error=n.last_error,
                reason=n.notification.reason or None,
            )
            for n in view.notifications
        ],
        alerts=[alert_out(a) for a in view.alerts],
        postmortem=PostmortemOut(
            impact=record.postmortem.impact,
            root_cause=record.postmortem.root_cause,
            resolution=record.postmortem.resolution,
            lessons=record.postmortem.lessons,
        ),
    )


class Problem(BaseModel):
    """An error: `detail` says what is wrong and what to do."""

    status: int
    title: str
    detail: str


# --- maintenance windows -----------------------------------------------------------------------


class RecurrenceIn(_In):
    days: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=7, description='Day names or ranges: ["sun"], ["mon-fri"].'
    )
    at: str = Field(min_length=1, max_length=10, description="Local start time, HH:MM.")
    duration_minutes: int = Field(ge=1, le=1_000_000, description="At most 7 days (10080).")
    timezone: str = Field(
        min_length=1, max_length=64, description="IANA time zone of `at`, e.g. Europe/Paris."
    )


class MaintenanceIn(_In):
    name: str = Field(min_length=1, max_length=100, description="e.g. db-upgrade-2026-12")
    matchers: list[Annotated[str, Field(min_length=1, max_length=600)]] = Field(
        min_length=1, max_length=20, description='Strings like service="db".'
    )
    starts_at: datetime | None = Field(default=None, description="Default: now.")
    ends_at: datetime
    comment: str = Field(min_length=1, max_length=2000, description="The reason: the work done.")
    recurrence: RecurrenceIn | None = Field(
        default=None, description="Weekly runs between starts_at and ends_at; none: all along."
    )


class RecurrenceOut(BaseModel):
    days: list[str]
    at: str
    duration_minutes: int
    timezone: str
    text: str = Field(description="every sun 02:00–04:00 Europe/Paris")


class OccurrenceOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class MaintenanceOut(BaseModel):
    id: int = Field(description="The silence_id of the alerts it silenced.")
    name: str
    state: Literal["active", "upcoming", "ended"]
    active: bool = Field(description="Silencing now.")
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    expired_at: datetime | None = Field(description="When someone ended it early.")
    recurrence: RecurrenceOut | None
    next: list[OccurrenceOut] = Field(
        description="The runs not over yet, the current one first (at most 5)."
    )
    next_local: str | None = Field(
        description="The next run's start on the window's clock: 2026-11-29 02:00 Europe/Paris."
    )
    silenced_alerts: int = Field(description="Alerts it silenced; they are kept.")


def maintenance_out(window: Window, now: datetime) -> MaintenanceOut:
    silence = window.silence
    every = silence.recurrence
    runs = silence.occurrences(now)
    first = runs[0].starts_at if runs else None
    if first is None:
        next_local = None
    elif every is None:
        next_local = f"{first:%Y-%m-%d %H:%M} UTC"
    else:
        next_local = f"{every.local(first):%Y-%m-%d %H:%M} {every.timezone}"
    return MaintenanceOut(
        id=silence.id,
        name=window.name,
        state=silence.state(now).value,
        active=silence.active(now),
        matchers=[str(m) for m in silence.matchers],
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        created_by=silence.created_by,
        comment=silence.comment,
        expired_at=silence.expired_at,
        recurrence=None
        if every is None
        else RecurrenceOut(
            days=every.day_names,
            at=f"{every.at:%H:%M}",
            duration_minutes=int(every.duration.total_seconds() // 60),
            timezone=every.timezone,
            text=every.describe(),
        ),
        next=[OccurrenceOut(starts_at=o.starts_at, ends_at=o.ends_at) for o in runs],
        next_local=next_local,
        silenced_alerts=window.silenced_alerts,
    )


# --- probes --------------------------------------------------------------------------------------


class ProbeResultOut(BaseModel):
    at: datetime = Field(description="When the check started.")
    ok: bool
    latency_ms: float | None
    value: float | None = Field(description="The number measured, when there is one.")
    detail: str = Field(description='What was seen: "HTTP 503", "connection refused"…')


class ProbeOut(BaseModel):
    name: str
    kind: str = Field(description="http, tcp, tls, postgres, redis, queue, disk, load, command")
    target: str = Field(description="What it checks, without any password.")
    interval_seconds: float
    service: str | None
    procedure: str | None = Field(description="The procedure it names, if it names one.")
    status: Literal["unknown", "up", "down"]
    since: datetime | None = Field(description="When the current status began.")
    flapping: bool
    failures: int = Field(description="Failed checks in a row.")
    successes: int = Field(description="Successful checks in a row.")
    last: ProbeResultOut | None
    next_run_at: datetime | None
    uptime_24h: float | None = Field(description="Percent of successful checks in 24 h.")
    incident_id: int | None = Field(description="The incident its being down opened or joined.")


class ProbeWindowOut(BaseModel):
    period: Literal["24h", "7d", "90d"]
    checks: int
    uptime: float | None = Field(description="Percent of successful checks.")
    p50_ms: float | None = Field(description="Latency percentiles of the successful checks.")
    p95_ms: float | None
    p99_ms: float | None


class ProbeResultsOut(BaseModel):
    name: str
    windows: list[ProbeWindowOut]
    results: list[ProbeResultOut] = Field(description="Newest first.")


def probe_result_out(result: ProbeResult) -> ProbeResultOut:
    return ProbeResultOut(
        at=result.at,
        ok=result.ok,
        latency_ms=result.latency_ms,
        value=result.value,
        detail=result.detail,
    )


def probe_out(view: ProbeView) -> ProbeOut:
    state = view.state
    return ProbeOut(
        name=view.name,
        kind=view.kind.value,
        target=view.target,
        interval_seconds=view.interval.total_seconds(),
        service=view.service,
        procedure=view.procedure,
        status=state.status.value,
        since=state.since,
        flapping=state.flapping,
        failures=state.failures,
        successes=state.successes,
        last=probe_result_out(state.last) if state.last else None,
        next_run_at=view.next_run_at,
        uptime_24h=view.uptime_24h,
        incident_id=view.incident_id if state.status is ProbeStatus.DOWN else None,
    )


def probe_results_out(history: History) -> ProbeResultsOut:
    return ProbeResultsOut(
        name=history.name,
        windows=[
            ProbeWindowOut(
                period=cast(Literal["24h", "7d", "90d"], w.label),
                checks=w.checks,
                uptime=w.uptime,
                p50_ms=w.p50_ms,
                p95_ms=w.p95_ms,
                p99_ms=w.p99_ms,
            )
            for w in history.windows
        ],
        results=[probe_result_out(r) for r in history.results],
    )
