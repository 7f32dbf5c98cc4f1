"""Alert ingestion: dedup, grouping into incidents, resolution, flapping, silences.

One payload is one transaction: its alerts are stored, and the incidents they open, join or
mitigate change, together or not at all.

- The same alert (same source and fingerprint) while it is open is a repeat: counted, its
  fields refreshed, nothing new opened. Alertmanager's resends and duplicate deliveries are
  harmless.
- A new alert that matches the same procedure and service as an incident opened within the
  grouping window joins that incident; otherwise it opens one (the procedure matched from the
  alert's text, its severity from the alert).
- A resolved alert resolves its alert; when every alert of an incident is resolved, the
  incident is mitigated (or resolved, by configuration).
- An alert that changes state N times within M minutes is flapping: marked, and its changes
  stop appearing on the incident's timeline.
- A silenced alert is recorded and counted but opens nothing and pages no one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.alert import Alert, AlertStatus, is_flapping
from astreinte.domain.incident.model import OPEN, TRANSITIONS, Action
from astreinte.domain.incident.timeline import Event, EventKind
from astreinte.domain.silence import Matcher, Silence, silencing
from astreinte.errors import InputError, NotFound
from astreinte.services import incidents, matching
from astreinte.services.incidents import IncidentRules
from astreinte.services.matching import MatchReport
from astreinte.services.transaction import incident_transaction
from astreinte.storage import alerts as store
from astreinte.storage import incidents as incident_store
from astreinte.storage.alerts import StoredAlert


@dataclass(frozen=True, slots=True)
class AlertRules:
    grouping_minutes: int = 5
    flap_changes: int = 4  # state changes…
    flap_minutes: int = 10  # …within this many minutes make an alert flapping
    when_all_resolved: Action = Action.MITIGATE  # or Action.RESOLVE


DEFAULT_ALERT_RULES = AlertRules()


class Outcome(StrEnum):
    NEW = "new"  # opened an incident
    JOINED = "joined"  # joined an open incident
    REPEAT = "repeat"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    REFIRED = "refired"
    SILENCED = "silenced"
    RECORDED = "recorded"  # resolved before astreinte knew it: kept, nothing else


@dataclass(frozen=True, slots=True)
class Ingested:
    stored: StoredAlert
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class IngestReport:
    alerts: tuple[Ingested, ...]
    incidents: tuple[int, ...]  # incidents opened or changed, in order


# Sender severities → the levels astreinte knows; anything else is left to the runbook.
_LEVELS = {
    "critical": "critical",
    "crit": "critical",
    "fatal": "critical",
    "emergency": "critical",
    "disaster": "critical",
    "p0": "critical",
    "p1": "critical",
    "high": "major",
    "error": "major",
    "major": "major",
    "p2": "major",
    "warning": "minor",
    "warn": "minor",
    "minor": "minor",
    "low": "minor",
    "average": "minor",
    "p3": "minor",
}


def ingest(
    sessions: sessionmaker[Session],
    *,
    alerts: Sequence[Alert],
    now: datetime,
    rules: IncidentRules,
    alert_rules: AlertRules = DEFAULT_ALERT_RULES,
) -> IngestReport:
    with incident_transaction(sessions) as session:
        return ingest_in(session, alerts=alerts, now=now, rules=rules, alert_rules=alert_rules)


def ingest_in(
    session: Session,
    *,
    alerts: Sequence[Alert],
    now: datetime,
    rules: IncidentRules,
    alert_rules: AlertRules = DEFAULT_ALERT_RULES,
) -> IngestReport:
    """`ingest` inside a write transaction the caller holds (the probes record their results
    and raise their alerts in one)."""
    results: list[Ingested] = []
    touched: list[int] = []
    active = store.silences(session, now=now)
    known: dict[tuple[str, str], StoredAlert] = {}
    for source in dict.fromkeys(a.source for a in alerts):
        fingerprints = [a.fingerprint for a in alerts if a.source == source]
        found = store.latest_of(session, source, fingerprints)
        known.update(((source, fp), stored) for fp, stored in found.items())
    for alert in alerts:
        result = _one(
            session,
            alert,
            known.get((alert.source, alert.fingerprint)),
            now=now,
            rules=rules,
            alert_rules=alert_rules,
            active=active,
        )
        known[(alert.source, alert.fingerprint)] = result.stored  # a repeat in this payload
        results.append(result)
        if result.stored.incident_id is not None and result.outcome is not Outcome.REPEAT:
            touched.append(result.stored.incident_id)
    return IngestReport(tuple(results), tuple(dict.fromkeys(touched)))


def _one(
    session: Session,
    alert: Alert,
    current: StoredAlert | None,
    *,
    now: datetime,
    rules: IncidentRules,
    alert_rules: AlertRules,
    active: Sequence[Silence],
) -> Ingested:
    """What one alert does, given the latest stored alert of its identity (`current`)."""
    actor = f"alert:{alert.source}"
    firing = alert.status is not AlertStatus.RESOLVED
    if current is not None and current.open:
        if not firing:
            return _resolve(session, current, alert, now=now, rules=rules, alert_rules=alert_rules)
        updated = replace(
            current,
            alert=_merged(current.alert, alert),
            last_seen_at=now,
            repeats=current.repeats + 1,
        )
        store.update(session, updated)
        if alert.status is AlertStatus.ACKNOWLEDGED and current.alert.status is AlertStatus.FIRING:
            _act_if_it_applies(
                session,
                updated.incident_id,
                Action.ACKNOWLEDGE,
                actor=actor,
                now=now,
                rules=rules,
            )
            return Ingested(updated, Outcome.ACKNOWLEDGED)
        return Ingested(updated, Outcome.REPEAT)
    if current is not None and not firing:
        # A resolved alert sent again (Alertmanager resends resolved notifications too).
        updated = replace(current, last_seen_at=now, repeats=current.repeats + 1)
        store.update(session, updated)
        return Ingested(updated, Outcome.REPEAT)
    if current is not None and current.incident_id is not None:
        record = incident_store.get(session, current.incident_id)
        if record is not None and record.incident.status in OPEN:
            return _refire(session, current, alert, now=now, alert_rules=alert_rules)
    silence = silencing(active, _labels(alert), now)
    if not firing:
        stored = store.insert(session, _new(alert, now, incident_id=None))
        return Ingested(stored, Outcome.RECORDED)
    if silence is not None:
        stored = store.insert(
            session, replace(_new(alert, now, incident_id=None), silence_id=silence.id)
        )
        return Ingested(stored, Outcome.SILENCED)
    procedure: str | None = alert.procedure
    if procedure:  # the sender chose the procedure (a probe's `procedure`): no matching
        report = MatchReport(query=alert.text, results=())
    else:
        report = matching.match(session, query=alert.text, top=1, service=alert.service)
        procedure = report.results[0].procedure_id if report.results else None
    joined = _groupable(session, alert, procedure, now=now, alert_rules=alert_rules)
    if joined is not None:
        # The incident is locked (by the note) before the alert row that points at it is
        # written: the other order deadlocks two alerts joining at once on PostgreSQL.
        _note(session, joined, actor, f"{alert.title} ({alert.source})", now)
        stored = store.insert(session, _new(alert, now, incident_id=joined))
        return Ingested(stored, Outcome.JOINED)
    record = incidents.open_in(
        session,
        title=_line(alert.title, 300) or f"{alert.source} alert {alert.fingerprint}",
        actor=actor,
        now=now,
        description=_line(alert.description, 20_000, multiline=True),
        service=_line(alert.service or "", 200) or None,
        procedure_id=alert.procedure or None,
        severity=_LEVELS.get((alert.severity or "").strip().lower()),
        rules=rules,
        matched=report,
    )
    stored = store.insert(session, _new(alert, now, incident_id=record.id))
    return Ingested(stored, Outcome.NEW)


def _new(alert: Alert, now: datetime, *, incident_id: int | None) -> StoredAlert:
    return StoredAlert(
        id=0, alert=alert, first_seen_at=now, last_seen_at=now, incident_id=incident_id
    )


def _merged(before: Alert, after: Alert) -> Alert:
    """The latest delivery's fields, keeping when it first started."""
    return replace(after, starts_at=before.starts_at or after.starts_at)


def _labels(alert: Alert) -> dict[str, str]:
    labels = dict(alert.labels)
    labels.setdefault("source", alert.source)
    if alert.service:
        labels.setdefault("service", alert.service)
    labels.setdefault("alertname", alert.title)
    return labels


def _line(text: str, limit: int, *, multiline: bool = False) -> str:
    cleaned = text.replace("\x00", "")
    if not multiline:
        cleaned = " ".join(cleaned.split())
    return cleaned.strip()[:limit]


def _groupable(
    session: Session,
    alert: Alert,
    procedure: str | None,
    *,
    now: datetime,
    alert_rules: AlertRules,
) -> int | None:
    """An open incident this new alert belongs with: same procedure (the one it names, else its
    best match) and service, opened within the grouping window."""
    if procedure is None:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # Alerts of one procedure and service arriving at once must see each other's incident:
        # they take turns on a lock of the database, held until their transaction ends.
        key = int.from_bytes(
            hashlib.sha256(f"group:{procedure}:{alert.service}".encode()).digest()[:8],
            "big",
            signed=True,
        )
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    since = now - timedelta(minutes=alert_rules.grouping_minutes)
    return incident_store.latest_open(
        session, procedure_id=procedure, service=alert.service, since=since
    )


def _note(session: Session, incident_id: int, actor: str, text: str, now: datetime) -> None:
    record = incident_store.get(session, incident_id, lock=True)
    if record is None:
        return
    event = Event(now, EventKind.NOTE, actor, text, {"alert": True})
    record, _ = incident_store.append(session, record, [event])
    incident_store.update(session, record)


def _act_if_it_applies(
    session: Session,
    incident_id: int | None,
    action: Action,
    *,
    actor: str,
    now: datetime,
    rules: IncidentRules,
) -> None:
    """Apply a sender's action to the incident when the lifecycle allows it now; an incident
    that has moved on (acknowledged by a person, resolved…) is left as it is."""
    if incident_id is None:
        return
    record = incident_store.get(session, incident_id)
    if record is None or record.incident.status not in TRANSITIONS[action][0]:
        return
    incidents.act_in(
        session,
        incident_id=incident_id,
        action=action,
        actor=actor,
        now=now,
        note=None,
        override=None,
        rules=rules,
    )


def _resolve(
    session: Session,
    current: StoredAlert,
    alert: Alert,
    *,
    now: datetime,
    rules: IncidentRules,
    alert_rules: AlertRules,
) -> Ingested:
    changes = (*_recent(current.changes, now, alert_rules), now)
    updated = replace(
        current,
        alert=replace(_merged(current.alert, alert), ends_at=alert.ends_at or now),
        last_seen_at=now,
        changes=changes,
        flapping=current.flapping or _flapping(changes, now, alert_rules),
    )
    store.update(session, updated)
    if updated.incident_id is not None:
        siblings = store.for_incident(session, updated.incident_id)
        if all(not s.open for s in siblings):
            _act_if_it_applies(
                session,
                updated.incident_id,
                alert_rules.when_all_resolved,
                actor=f"alert:{alert.source}",
                now=now,
                rules=rules,
            )
    return Ingested(updated, Outcome.RESOLVED)


def _refire(
    session: Session,
    current: StoredAlert,
    alert: Alert,
    *,
    now: datetime,
    alert_rules: AlertRules,
) -> Ingested:
    changes = (*_recent(current.changes, now, alert_rules), now)
    flapping = _flapping(changes, now, alert_rules)
    updated = replace(
        current,
        alert=replace(_merged(current.alert, alert), ends_at=None),
        last_seen_at=now,
        changes=changes,
        flapping=flapping,
    )
    store.update(session, updated)
    if current.incident_id is not None and not current.flapping:
        text = (
            f"{alert.title} is flapping ({len(changes)} changes in "
            f"{alert_rules.flap_minutes} min): its changes are no longer noted"
            if flapping
            else f"{alert.title} fires again ({alert.source})"
        )
        _note(session, current.incident_id, f"alert:{alert.source}", text, now)
    return Ingested(updated, Outcome.REFIRED)


def _recent(
    changes: tuple[datetime, ...], now: datetime, alert_rules: AlertRules
) -> tuple[datetime, ...]:
    window = timedelta(minutes=alert_rules.flap_minutes)
    return tuple(at for at in changes if now - at <= window)


def _flapping(changes: tuple[datetime, ...], now: datetime, alert_rules: AlertRules) -> bool:
    return is_flapping(
        changes, now=now, count=alert_rules.flap_changes, minutes=alert_rules.flap_minutes
    )


# --- reading, silences -----------------------------------------------------------------------


def list_alerts(
    sessions: sessionmaker[Session],
    *,
    status: AlertStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[StoredAlert]:
    with sessions.begin() as session:
        return store.list_alerts(session, status=status, limit=limit, offset=offset)


def alerts_of(sessions: sessionmaker[Session], *, incident_id: int) -> list[StoredAlert]:
    with sessions.begin() as session:
        return store.for_incident(session, incident_id)


def add_silence(
    sessions: sessionmaker[Session],
    *,
    matchers: Sequence[Matcher],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    now: datetime,
) -> Silence:
    if not matchers:
        raise InputError('a silence needs at least one matcher, e.g. service="checkout"')
    if ends_at <= starts_at:
        raise InputError(
            f"the silence ends ({ends_at.isoformat()}) before it starts "
            f"({starts_at.isoformat()}); give an end after the start"
        )
    if not comment.strip():
        raise InputError("a silence needs a comment: why nobody should be paged")
    with sessions.begin() as session:
        return store.insert_silence(
            session,
            matchers=tuple(matchers),
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=created_by,
            comment=comment.strip(),
            now=now,
        )


def list_silences(
    sessions: sessionmaker[Session], *, now: datetime, include_expired: bool = False
) -> list[Silence]:
    with sessions.begin() as session:
        return store.silences(session, now=now, include_expired=include_expired)


def expire_silence(sessions: sessionmaker[Session], *, silence_id: int, now: datetime) -> Silence:
    with sessions.begin() as session:
        silence = store.expire_silence(session, silence_id, now=now)
    if silence is None:
        raise NotFound(f"no silence {silence_id}; GET /api/v1/silences lists them")
    return silence
