"""Probe states and results ⇄ domain values, the claim of due probes, and retention.

States and results are plain rows (Core statements), like incidents: a worker writes one row
per check and one state per probe, hundreds a second at a thousand probes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    any_,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    select,
)
from sqlalchemy import insert as insert_
from sqlalchemy import update as update_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from astreinte.domain.probe import ProbeKind, ProbeResult, ProbeSpec, ProbeState, ProbeStatus
from astreinte.storage.db import insert_ignoring_duplicates
from astreinte.storage.tables import ProbeResultRow, ProbeStateRow

STATES = cast(Table, ProbeStateRow.__table__)
RESULTS = cast(Table, ProbeResultRow.__table__)
_INSERT_RESULTS = insert_(RESULTS)
_UPDATE_STATE = update_(STATES).where(STATES.c.name == bindparam("b_name"))
_CHUNK = 500  # names per IN list


@dataclass(frozen=True, slots=True)
class StoredProbe:
    """A probe as the database knows it: the few spec fields kept for reading, its state, its
    schedule, and the incident it opened while down."""

    name: str
    kind: ProbeKind
    target: str
    interval: timedelta
    service: str | None
    procedure: str | None
    state: ProbeState
    next_run_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    alert_fingerprint: str | None = None
    incident_id: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    name: str
    due_at: datetime  # the period it was claimed for


def _chunks(names: Sequence[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(names))
    for start in range(0, len(unique), _CHUNK):
        yield unique[start : start + _CHUNK]


def _spec_values(spec: ProbeSpec) -> dict[str, Any]:
    return {
        "kind": spec.kind.value,
        "target": spec.target,
        "interval_ms": round(spec.interval.total_seconds() * 1000),
        "service": spec.service,
        "procedure_id": spec.procedure,
    }


def sync(
    session: Session,
    specs: Sequence[ProbeSpec],
    *,
    first_runs: Mapping[str, datetime],
) -> None:
    """Give every spec its row: a new probe is due at its `first_runs` time; a probe whose
    interval changed is rescheduled there too; target, service… follow the configuration."""
    stored: dict[str, Any] = {}  # the spec fields kept (rows), by name
    for names in _chunks([s.name for s in specs]):
        query = select(
            STATES.c.name,
            STATES.c.kind,
            STATES.c.target,
            STATES.c.interval_ms,
            STATES.c.service,
            STATES.c.procedure_id,
        ).where(STATES.c.name.in_(names))
        stored.update((row.name, row) for row in session.execute(query))
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for spec in specs:
        values = _spec_values(spec)
        row = stored.get(spec.name)
        if row is None:
            new.append({**values, **_fresh_state(spec.name, first_runs[spec.name])})
        elif any(getattr(row, key) != value for key, value in values.items()):
            if row.interval_ms != values["interval_ms"]:
                values["next_run_at"] = first_runs[spec.name]
            changed.append({"b_name": spec.name, **values})
    if new:
        # Two workers starting at once both insert: the first one's row stays.
        session.execute(insert_ignoring_duplicates(session, STATES, ["name"]), new)
    for values in changed:
        session.execute(
            _UPDATE_STATE.values({k: bindparam(k) for k in values if k != "b_name"}), values
        )


def _fresh_state(name: str, first_run: datetime) -> dict[str, Any]:
    return {
        "name": name,
        "status": ProbeStatus.UNKNOWN.value,
        "failures": 0,
        "successes": 0,
        "since": None,
        "changes": [],
        "flapping": False,
        "next_run_at": first_run,
    }


def claim(
    session: Session,
    intervals: Mapping[str, timedelta],
    *,
    worker: str,
    now: datetime,
    until: datetime,
    limit: int,
) -> list[Claim]:
    """The probes among `intervals`' names due by `until` (the most overdue first, at most
    `limit`), each moved to its next period after `until` and marked as claimed by `worker` at
    `now`. On PostgreSQL rows another worker is claiming are skipped (`FOR UPDATE SKIP
    LOCKED`); SQLite holds the database's write lock for the caller's transaction (see
    `db.writing`)."""
    query = (
        select(STATES.c.name, STATES.c.next_run_at)
        .where(_among(session, list(intervals)), STATES.c.next_run_at <= until)
        .order_by(STATES.c.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    found = [(row.name, row.next_run_at) for row in session.execute(query)]
    if not found:
        return []
    session.execute(
        update_(STATES)
        .where(STATES.c.name == bindparam("b_name"))
        .values(
            next_run_at=bindparam("next_run_at"),
            claimed_by=bindparam("claimed_by"),
            claimed_at=bindparam("claimed_at"),
        ),
        [
            {
                "b_name": name,
                "next_run_at": next_period(due, intervals[name], now=until),
                "claimed_by": worker,
                "claimed_at": now,
            }
            for name, due in found
        ],
    )
    return [Claim(name, due) for name, due in found]


def next_period(due: datetime, interval: timedelta, *, now: datetime) -> datetime:
    """The first period after `now` on the probe's grid (`due` + n × interval): a late worker
    skips the periods it missed instead of running them all at once, and keeps the phase."""
    late = (now - due) / interval
    return due + interval * (math.floor(late) + 1 if late >= 0 else 1)


def next_due(session: Session, names: Sequence[str]) -> datetime | None:
    """The earliest `next_run_at` among `names`."""
    found: datetime | None = session.scalar(
        select(func.min(STATES.c.next_run_at)).where(_among(session, names))
    )
    return found


def _among(session: Session, names: Sequence[str]) -> ColumnElement[bool]:
    """`name IN (names)` with the names as one parameter (a PostgreSQL array, a JSON text
    unpacked by SQLite's json_each): a worker asks about its thousand probes many times a
    second, and a thousand bound values cost more to build and send than the query itself."""
    if session.get_bind().dialect.name == "postgresql":
        return STATES.c.name == any_(bindparam("names", list(names), type_=ARRAY(String)))
    listed: Select[tuple[str]] = select(literal_column("value")).select_from(
        func.json_each(bindparam("names", json.dumps(list(names))))
    )
    return STATES.c.name.in_(listed.scalar_subquery())


def get_many(
    session: Session, names: Sequence[str], *, lock: bool = False
) -> dict[str, StoredProbe]:
    found: dict[str, StoredProbe] = {}
    for chunk in _chunks(sorted(names)):  # in name order: two writers lock rows in one order
        query = select(STATES).where(STATES.c.name.in_(chunk)).order_by(STATES.c.name)
        if lock:
            query = query.with_for_update()
        found.update((row.name, _stored(row)) for row in session.execute(query))
    return found


def list_all(session: Session) -> list[StoredProbe]:
    return [_stored(row) for row in session.execute(select(STATES).order_by(STATES.c.name))]


def save(session: Session, probes: Sequence[StoredProbe]) -> None:
    """Write back the states (their spec fields and schedule are left as they are)."""
    if not probes:
        return
    session.execute(
        update_(STATES)
        .where(STATES.c.name == bindparam("b_name"))
        .values({key: bindparam(key) for key in _STATE_KEYS}),
        [{"b_name": p.name, **_state_values(p)} for p in probes],
    )


_STATE_KEYS = (
    "status",
    "failures",
    "successes",
    "since",
    "changes",
    "flapping",
    "last_at",
    "last_ok",
    "last_latency_ms",
    "last_value",
    "last_detail",
    "alert_fingerprint",
    "incident_id",
)


def _state_values(probe: StoredProbe) -> dict[str, Any]:
    state, last = probe.state, probe.state.last
    return {
        "status": state.status.value,
        "failures": state.failures,
        "successes": state.successes,
        "since": state.since,
        "changes": [at.isoformat() for at in state.changes],
        "flapping": state.flapping,
        "last_at": last.at if last else None,
        "last_ok": last.ok if last else None,
        "last_latency_ms": last.latency_ms if last else None,
        "last_value": last.value if last else None,
        "last_detail": last.detail if last else None,
        "alert_fingerprint": probe.alert_fingerprint,
        "incident_id": probe.incident_id,
    }


def add_results(session: Session, results: Sequence[tuple[str, ProbeResult]]) -> None:
    if results:
        session.execute(
            _INSERT_RESULTS,
            [
                {
                    "name": name,
                    "at": r.at,
                    "ok": r.ok,
                    "latency_ms": r.latency_ms,
                    "value": r.value,
                    "detail": r.detail,
                }
                for name, r in results
            ],
        )


def results(
    session: Session, name: str, *, since: datetime | None, limit: int
) -> list[ProbeResult]:
    """The probe's latest results, newest first."""
    query = select(RESULTS).where(RESULTS.c.name == name)
    if since is not None:
        query = query.where(RESULTS.c.at >= since)
    rows = session.execute(query.order_by(RESULTS.c.at.desc(), RESULTS.c.id.desc()).limit(limit))
    return [_result(row) for row in rows]


def has_results(session: Session, name: str) -> bool:
    return session.scalar(select(RESULTS.c.id).where(RESULTS.c.name == name).limit(1)) is not None


def counts_since(
    session: Session, since: datetime, *, name: str | None = None
) -> dict[str, tuple[int, int]]:
    """Per probe: how many checks since `since`, and how many of them succeeded."""
    query = (
        select(RESULTS.c.name, func.count(), func.sum(case((RESULTS.c.ok, 1), else_=0)))
        .where(RESULTS.c.at >= since)
        .group_by(RESULTS.c.name)
    )
    if name is not None:
        query = query.where(RESULTS.c.name == name)
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in session.execute(query)}


def latencies_since(session: Session, name: str, since: datetime) -> list[float]:
    """The latencies of the probe's successful checks since `since`, in ascending order."""
    query = (
        select(RESULTS.c.latency_ms)
        .where(
            RESULTS.c.name == name,
            RESULTS.c.at >= since,
            RESULTS.c.ok.is_(True),
            RESULTS.c.latency_ms.is_not(None),
        )
        .order_by(RESULTS.c.latency_ms)
    )
    return [float(v) for v in session.scalars(query)]


def delete_older(session: Session, before: datetime, *, batch: int) -> int:
    """Delete up to `batch` of the oldest results taken before `before`; returns how many.
    Reads the oldest rows by id (the primary key, in insertion order) instead of scanning the
    times, so a pass with nothing to delete costs one short index read."""
    rows = session.execute(select(RESULTS.c.id, RESULTS.c.at).order_by(RESULTS.c.id).limit(batch))
    old = [row.id for row in rows if row.at < before]
    if old:
        session.execute(delete(RESULTS).where(RESULTS.c.id.in_(old)))
    return len(old)


def _result(row: Row[Any]) -> ProbeResult:
    return ProbeResult(
        ok=bool(row.ok), at=row.at, detail=row.detail, latency_ms=row.latency_ms, value=row.value
    )


def _stored(row: Row[Any]) -> StoredProbe:
    last = (
        None
        if row.last_at is None
        else ProbeResult(
            ok=bool(row.last_ok),
            at=row.last_at,
            detail=row.last_detail or "",
            latency_ms=row.last_latency_ms,
            value=row.last_value,
        )
    )
    state = ProbeState(
        status=ProbeStatus(row.status),
        failures=row.failures,
        successes=row.successes,
        since=row.since,
        changes=tuple(datetime.fromisoformat(at) for at in row.changes),
        flapping=bool(row.flapping),
        last=last,
    )
    return StoredProbe(
        name=row.name,
        kind=ProbeKind(row.kind),
        target=row.target,
        interval=timedelta(milliseconds=row.interval_ms),
        service=row.service,
        procedure=row.procedure_id,
        state=state,
        next_run_at=row.next_run_at,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        alert_fingerprint=row.alert_fingerprint,
        incident_id=row.incident_id,
    )
