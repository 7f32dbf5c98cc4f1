"""The catalogue's rows. They never leave `storage/`: `repo.py` maps them to and from the domain.

A runbook owns everything below it; deleting a runbook row deletes the rest through
`ON DELETE CASCADE`, so re-importing a file is "delete the old tree, insert the new one".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from astreinte.storage.db import UTCDateTime

# Stable constraint names, so that later migrations can find and alter them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ENUM = String(16)  # the values of a StrEnum of the domain model
Json = dict[str, Any]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _runbook_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("runbooks.id", ondelete="CASCADE"), index=True)


def _children(target: str) -> Any:
    return relationship(
        target, order_by=f"{target}.ordinal", cascade="all, delete-orphan", passive_deletes=True
    )


class RunbookRow(Base):
    __tablename__ = "runbooks"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    encoding_repaired: Mapped[bool]
    encoding_method: Mapped[str] = mapped_column(Text)
    encoding_lossy: Mapped[list[str]] = mapped_column(JSON)
    encoding_source_replacements: Mapped[int]
    meta: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    severity_levels: Mapped[list[SeverityLevelRow]] = _children("SeverityLevelRow")
    procedures: Mapped[list[ProcedureRow]] = _children("ProcedureRow")
    command_blocks: Mapped[list[CodeBlockRow]] = _children("CodeBlockRow")
    checklists: Mapped[list[ChecklistRow]] = _children("ChecklistRow")
    escalation: Mapped[list[EscalationContactRow]] = _children("EscalationContactRow")
    templates: Mapped[list[TemplateRow]] = _children("TemplateRow")
    metrics: Mapped[list[MetricRow]] = _children("MetricRow")
    links: Mapped[list[LinkRow]] = _children("LinkRow")
    fallbacks: Mapped[list[FallbackRow]] = _children("FallbackRow")
    diagnostics: Mapped[list[DiagnosticRow]] = _children("DiagnosticRow")
    match_entries: Mapped[list[MatchEntryRow]] = _children("MatchEntryRow")


class SeverityLevelRow(Base):
    __tablename__ = "severity_levels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    label: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(ENUM)
    rank: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    examples: Mapped[list[str]] = mapped_column(JSON)


class ProcedureRow(Base):
    __tablename__ = "procedures"

    # "<runbook id>/<procedure id from the parser>": unique across the catalogue.
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    key: Mapped[str] = mapped_column(Text)  # the parser's `Procedure.id`, unique within its runbook
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(ENUM)
    severity: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(ENUM)
    severity_source: Mapped[str | None] = mapped_column(Text)
    marker: Mapped[str | None] = mapped_column(Text)
    response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    parent: Mapped[str | None] = mapped_column(Text)
    line_start: Mapped[int]
    line_end: Mapped[int]
    estimated_times: Mapped[list[Json]] = mapped_column(JSON)
    backup_verdict: Mapped[str | None] = mapped_column(ENUM)
    backup_reason: Mapped[str | None] = mapped_column(Text)
    backup_conditions: Mapped[list[str] | None] = mapped_column(JSON)

    sections: Mapped[list[SectionRow]] = _children("SectionRow")


class SectionRow(Base):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[str] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int]
    kind: Mapped[str] = mapped_column(ENUM)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    line: Mapped[int]
    branches: Mapped[list[str]] = mapped_column(JSON)

    code_blocks: Mapped[list[CodeBlockRow]] = _children("CodeBlockRow")


class CodeBlockRow(Base):
    """A fenced block, either in a section or, with `runbook_id` set, a document-level memo."""

    __tablename__ = "code_blocks"
    __table_args__ = (
        CheckConstraint("(runbook_id IS NULL) <> (section_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str | None] = mapped_column(
        ForeignKey("runbooks.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int]
    lang: Mapped[str | None] = mapped_column(Text)
    line_start: Mapped[int]
    line_end: Mapped[int]

    lines: Mapped[list[CodeLineRow]] = _children("CodeLineRow")


class CodeLineRow(Base):
    """One logical line of a block; `risk` is set exactly when the line was assessed."""

    __tablename__ = "code_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_id: Mapped[int] = mapped_column(
        ForeignKey("code_blocks.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    line_no: Mapped[int]
    line_end: Mapped[int]
    kind: Mapped[str] = mapped_column(ENUM)
    risk: Mapped[str | None] = mapped_column(ENUM)
    sensitive: Mapped[bool | None]
    reasons: Mapped[list[str] | None] = mapped_column(JSON)


class ChecklistRow(Base):
    __tablename__ = "checklists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    items: Mapped[list[str]] = mapped_column(JSON)
    line: Mapped[int]


class EscalationContactRow(Base):
    __tablename__ = "escalation_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    tier: Mapped[int]
    role: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)
    response_minutes: Mapped[int | None]
    placeholder: Mapped[bool]
    condition: Mapped[str | None] = mapped_column(Text)


class TemplateRow(Base):
    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    kind: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    line: Mapped[int]


class MetricRow(Base):
    __tablename__ = "metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    current: Mapped[str | None] = mapped_column(Text)


class LinkRow(Base):
    __tablename__ = "links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    line: Mapped[int]


class FallbackRow(Base):
    __tablename__ = "fallbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    primary: Mapped[str] = mapped_column(Text)
    fallbacks: Mapped[list[str]] = mapped_column(JSON)


class DiagnosticRow(Base):
    __tablename__ = "diagnostics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    line: Mapped[int]
    message: Mapped[str] = mapped_column(Text)


class MatchEntryRow(Base):
    """A procedure as the matcher indexes it (derived data, rewritten on every import)."""

    __tablename__ = "match_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[str] = _runbook_fk()
    ordinal: Mapped[int]
    procedure_key: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(ENUM)
    severity: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(ENUM)
    fields: Mapped[list[list[str]]] = mapped_column(JSON)
    services: Mapped[list[str]] = mapped_column(JSON)


# --- incidents ---------------------------------------------------------------------------------
# Incidents keep a snapshot of the procedure, SLA terms and escalation policy they started with:
# re-importing a runbook must not change the clocks of an incident in progress, nor orphan it.


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (CheckConstraint("escalation_step >= -1", name="escalation_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    service: Mapped[str | None] = mapped_column(Text, index=True)
    severity: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(ENUM)
    language: Mapped[str] = mapped_column(String(8))
    procedure_id: Mapped[str | None] = mapped_column(Text)
    procedure_title: Mapped[str | None] = mapped_column(Text)
    procedure_source: Mapped[str | None] = mapped_column(Text)
    runbook_id: Mapped[str | None] = mapped_column(Text, index=True)
    status: Mapped[str] = mapped_column(ENUM, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int]
    respond_minutes: Mapped[int | None]
    resolve_minutes: Mapped[int | None]
    sla_source: Mapped[str] = mapped_column(Text)
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)  # derived, for queries
    resolve_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fired_alarms: Mapped[list[str]] = mapped_column(JSON)  # "respond:warning"… in this cycle
    escalation_policy: Mapped[Json | None] = mapped_column(JSON)
    escalation_step: Mapped[int]  # the last step paged, -1 before the first
    # The earliest SLA alarm or escalation step still to come: what the worker polls.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    impact: Mapped[str] = mapped_column(Text)
    root_cause: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text)
    lessons: Mapped[str] = mapped_column(Text)
    event_count: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declaration)


def _incident_fk() -> Mapped[int]:
    # RESTRICT: an incident with a timeline is never deleted from under it.
    return mapped_column(ForeignKey("incidents.id", ondelete="RESTRICT"), index=True)


class TimelineEventRow(Base):
    __tablename__ = "timeline_events"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_timeline_events_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = _incident_fk()
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[Json] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChecklistItemRow(Base):
    __tablename__ = "incident_checklist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = _incident_fk()
    checklist: Mapped[int]  # the checklist's position in the incident
    title: Mapped[str] = mapped_column(Text)
    phase: Mapped[str] = mapped_column(ENUM)
    ordinal: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    done: Mapped[bool]
    done_by: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FollowUpRow(Base):
    """A follow-up action from the post-mortem, tracked until done."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = _incident_fk()
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(Text)
    done: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """A notification to deliver, written in the transaction of the event that causes it.

    `dedup_key` makes a page exactly-once: the same escalation step or SLA alarm of the same
    incident cannot be queued twice, whatever a restarted worker does.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="RESTRICT"), index=True
    )
    dedup_key: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(ENUM, index=True)  # pending, sent, failed, undeliverable
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why this channel (the routing rule, the contact, the route), decided when queued.
    reason: Mapped[str | None] = mapped_column(Text)
    short_body: Mapped[str | None] = mapped_column(Text)  # the SMS form
    # The contact's next channels, [{"channel", "to"}], queued in turn when this one gives up.
    next_addresses: Mapped[list[Json] | None] = mapped_column(JSON)
    details: Mapped[Json | None] = mapped_column(JSON)  # the incident for machine receivers


class TokenRow(Base):
    """An API bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(ENUM)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- alerts ------------------------------------------------------------------------------------


class AlertRow(Base):
    """One alert of a monitoring tool, as long as it lives: repeats and state changes update it.

    An alert that fires again after it was resolved is the same row while its incident is
    open (its state changes are counted, for flapping); otherwise it is a new row."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(ENUM, index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    service: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    url: Mapped[str | None] = mapped_column(Text)
    group_key: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repeats: Mapped[int]  # deliveries after the first one that changed nothing
    changes: Mapped[list[str]] = mapped_column(JSON)  # ISO times of its state changes (recent)
    flapping: Mapped[bool]
    silence_id: Mapped[int | None] = mapped_column(ForeignKey("silences.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="RESTRICT"), index=True
    )
    raw: Mapped[Json] = mapped_column(JSON)


class SilenceRow(Base):
    """Alerts whose labels match all `matchers` between `starts_at` and `ends_at` are recorded
    but notify no one. A maintenance window is a silence of kind "maintenance" with a `name`
    (unique among the windows not ended, checked by the service) and, when it repeats, its
    weekly `recurrence`."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matchers: Mapped[list[Json]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(ENUM, default="silence", server_default="silence")
    name: Mapped[str | None] = mapped_column(String(100), index=True)
    recurrence: Mapped[Json | None] = mapped_column(JSON)


# --- probes ------------------------------------------------------------------------------------


class ProbeStateRow(Base):
    """Where a configured probe stands: its state (`domain.probe.ProbeState`), its last result,
    when it runs next and which worker claimed it last. The spec itself is configuration; the
    few fields kept here let the API describe a probe without reading the configuration."""

    __tablename__ = "probe_states"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(ENUM)
    target: Mapped[str] = mapped_column(Text)
    interval_ms: Mapped[int]
    service: Mapped[str | None] = mapped_column(Text)
    procedure_id: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(ENUM)
    failures: Mapped[int]
    successes: Mapped[int]
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changes: Mapped[list[str]] = mapped_column(JSON)  # ISO times of its recent status changes
    flapping: Mapped[bool]
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok: Mapped[bool | None]
    last_latency_ms: Mapped[float | None]
    last_value: Mapped[float | None]
    last_detail: Mapped[str | None] = mapped_column(Text)
    # What workers poll: a claim moves it one interval on, so a period runs once.
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The alert it raised while down, and the incident that alert opened or joined.
    alert_fingerprint: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )


class ProbeResultRow(Base):
    """Every check of every probe, for uptime and latency history; deleted after the retention
    period by the worker."""

    __tablename__ = "probe_results"
    __table_args__ = (Index("ix_probe_results_name_at", "name", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool]
    latency_ms: Mapped[float | None]
    value: Mapped[float | None]
    detail: Mapped[str] = mapped_column(Text)


# --- guarded execution -------------------------------------------------------------------------


class ExecutionRow(Base):
    """A step run (or asked to run) on an incident. Nothing here holds a secret: `command` and
    `output` are redacted, `values_used` masks the secret ones, and secrets travel in the process
    environment only; `command_sha256` lets an approval check it runs what was previewed."""

    __tablename__ = "executions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = _incident_fk()
    procedure_id: Mapped[str] = mapped_column(Text)
    step_id: Mapped[str] = mapped_column(String(100))
    section: Mapped[str] = mapped_column(Text)
    command: Mapped[str] = mapped_column(Text)
    command_sha256: Mapped[str] = mapped_column(String(64))
    workdir: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    risk: Mapped[str] = mapped_column(ENUM)
    sensitive: Mapped[bool]
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Indexed: the rate limit counts the runs of a step on a target started in the last hour.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_code: Mapped[int | None]
    output: Mapped[str] = mapped_column(Text)
    truncated: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    preview: Mapped[Json] = mapped_column(JSON)  # the dry run: command, target, effect…
    values_used: Mapped[dict[str, str]] = mapped_column(JSON)  # secret ones masked
    condition: Mapped[str | None] = mapped_column(Text)  # the backup condition ticked
    history: Mapped[list[Json]] = mapped_column(JSON)  # [{status, by, at, note}]
