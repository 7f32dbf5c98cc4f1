"""Probes as a service: claim the due ones, check them, record what they saw, and turn a probe
going down into an alert (and its coming back into the alert's resolution).

    claimed, next_due = claim_due(sessions, specs=specs, worker="host:1234", now=now)
    observed = asyncio.run(run(sessions, claimed, check=probes.check, rules=rules, clock=clock))

A claim is one short write transaction that moves each due probe to its next period: two
workers never run a probe twice in one period, and the probes of a worker killed after its claim
are due again, for any worker, at the next period. Results are recorded in batches, one write
transaction each: the results, the states (`domain.probe.observe`: fall/rise hysteresis and
flapping) and the alerts the changes raise, through the same path as any monitoring tool's
(`services.alerts`), so the incident opens with its procedure, its severity and its SLA clocks.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.alert import Alert, AlertStatus
from astreinte.domain.incident.timeline import Event, EventKind, JsonValue
from astreinte.domain.probe import Change, ProbeKind, ProbeResult, ProbeSpec, ProbeState, observe
from astreinte.domain.probe_suggestion import Suggestion
from astreinte.domain.probe_suggestion import suggest as suggest_for
from astreinte.errors import NotFound
from astreinte.services import alerts, catalogue, snapshots
from astreinte.services.alerts import DEFAULT_ALERT_RULES, AlertRules
from astreinte.services.incidents import DEFAULT_RULES, IncidentRules
from astreinte.services.ports import ProbeCheck
from astreinte.services.transaction import incident_transaction
from astreinte.storage import incidents as incident_store
from astreinte.storage import probes as store
from astreinte.storage.db import writing
from astreinte.storage.probes import StoredProbe

log = logging.getLogger("astreinte.probes")

SOURCE = "probe"  # the alerts' source
MAX_SPREAD = timedelta(seconds=10)  # new probes' first runs are spread over this (or interval)
CLAIM_LIMIT = 1000
GRACE = timedelta(seconds=1)  # past its own timeout, a check is abandoned by the runner

_KIND_NAMES = {
    ProbeKind.HTTP: "HTTP",
    ProbeKind.TCP: "TCP",
    ProbeKind.TLS: "TLS",
    ProbeKind.POSTGRES: "PostgreSQL",
    ProbeKind.REDIS: "Redis",
    ProbeKind.QUEUE: "Queue",
    ProbeKind.DISK: "Disk",
    ProbeKind.LOAD: "Load",
    ProbeKind.COMMAND: "Command",
}


@dataclass(frozen=True, slots=True)
class ProbeRules:
    """How probe changes become incidents, and how the worker runs probes."""

    incidents: IncidentRules = DEFAULT_RULES
    alerts: AlertRules = DEFAULT_ALERT_RULES
    concurrency: int = 100  # checks at once, per worker
    retention_days: int = 30  # results older than this are deleted


DEFAULT_PROBE_RULES = ProbeRules()


@dataclass(frozen=True, slots=True)
class Observed:
    """What one result did: the state it led to, the change it made, the incident concerned."""

    spec: ProbeSpec
    result: ProbeResult
    state: ProbeState
    change: Change | None
    incident_id: int | None
    recorded: bool = True  # False: older than the state's last result (kept in history only)


@dataclass(frozen=True, slots=True)
class ProbeView:
    """A probe for a listing: the spec's summary, its state and schedule, its uptime today."""

    name: str
    kind: ProbeKind
    target: str  # without a password
    interval: timedelta
    service: str | None
    procedure: str | None
    state: ProbeState
    next_run_at: datetime | None
    uptime_24h: float | None  # percent, None without results
    incident_id: int | None  # the incident its being down opened or joined
    configured: bool = True  # False: known to the database, not to this configuration


@dataclass(frozen=True, slots=True)
class Window:
    """Uptime and latency over one period."""

    label: str  # "24h", "7d", "90d"
    checks: int
    uptime: float | None  # percent of successful checks
    p50_ms: float | None  # of successful checks
    p95_ms: float | None
    p99_ms: float | None


@dataclass(frozen=True, slots=True)
class History:
    name: str
    results: tuple[ProbeResult, ...]  # newest first
    windows: tuple[Window, ...] = field(default_factory=tuple)


WINDOWS = (("24h", timedelta(hours=24)), ("7d", timedelta(days=7)), ("90d", timedelta(days=90)))


# --- scheduling ----------------------------------------------------------------------------------


def first_run(spec: ProbeSpec, now: datetime) -> datetime:
    """When a new probe runs first: spread over its interval (at most MAX_SPREAD) by a hash of
    its name, so a thousand probes configured at once do not all run in the same instant, and a
    probe keeps the same phase on every worker and every restart."""
    spread = min(spec.interval, MAX_SPREAD)
    return now + spread * (zlib.crc32(spec.name.encode()) / 2**32)


def sync(sessions: sessionmaker[Session], *, specs: Sequence[ProbeSpec], now: datetime) -> None:
    """Give each configured probe its stored state (new ones are scheduled, changed ones
    updated); probes no longer configured keep their rows and history but are not run."""
    if not specs:
        return
    with writing(sessions) as session:
        store.sync(session, specs, first_runs={s.name: first_run(s, now) for s in specs})


def claim_due(
    sessions: sessionmaker[Session],
    *,
    specs: Sequence[ProbeSpec],
    worker: str,
    now: datetime,
    ahead: timedelta = timedelta(0),
    limit: int = CLAIM_LIMIT,
    look_first: bool = True,
) -> tuple[list[ProbeSpec], datetime | None]:
    """The probes of `specs` due at `now` (or within `ahead` of it), claimed for `worker` (each
    moved to its next period), and the earliest time one of `specs` is due after that. Nothing
    due: no write transaction at all (a read says so, unless the caller knows something is due:
    `look_first=False`), so idle workers do not queue on SQLite's write lock."""
    if not specs:
        return [], None
    by_name = {s.name: s for s in specs}
    names = list(by_name)
    if look_first:
        with sessions() as session:
            due = store.next_due(session, names)
        if due is None or due > now + ahead:
            return [], due
    with writing(sessions) as session:
        claims = store.claim(
            session,
            {name: spec.interval for name, spec in by_name.items()},
            worker=worker,
            now=now,
            until=now + ahead,
            limit=limit,
        )
        due = store.next_due(session, names)
    return [by_name[c.name] for c in claims], due


# --- checking and recording ----------------------------------------------------------------------


async def check_one(
    spec: ProbeSpec,
    *,
    check: ProbeCheck,
    clock: Callable[[], datetime],
    semaphore: asyncio.Semaphore | None = None,
) -> ProbeResult:
    """One check, within the probe's timeout (and a grace second, should the check itself not
    keep to it); never raises."""
    limit = (spec.timeout + GRACE).total_seconds()
    started = clock()
    try:
        if semaphore is None:
            return await asyncio.wait_for(check(spec, clock=clock), limit)
        async with semaphore:
            started = clock()
            return await asyncio.wait_for(check(spec, clock=clock), limit)
    except TimeoutError:
        return ProbeResult(ok=False, at=started, detail=f"no result within {limit:g} s")
    except Exception as exc:  # a check must not take the others down with it
        log.exception("probe %r raised", spec.name)
        return ProbeResult(ok=False, at=started, detail=f"the check failed: {exc}"[:300])


async def run(
    sessions: sessionmaker[Session],
    specs: Sequence[ProbeSpec],
    *,
    check: ProbeCheck,
    clock: Callable[[], datetime],
    rules: ProbeRules = DEFAULT_PROBE_RULES,
) -> list[Observed]:
    """Check `specs` (claimed ones) concurrently, at most `rules.concurrency` at once, then
    record every result in one transaction (in a thread: the event loop is not blocked)."""
    semaphore = asyncio.Semaphore(rules.concurrency)
    found = await asyncio.gather(
        *(check_one(s, check=check, clock=clock, semaphore=semaphore) for s in specs)
    )
    batch = list(zip(specs, found, strict=True))
    return await asyncio.to_thread(record, sessions, batch, rules=rules, now=clock())


def record(
    sessions: sessionmaker[Session],
    batch: Sequence[tuple[ProbeSpec, ProbeResult]],
    *,
    rules: ProbeRules = DEFAULT_PROBE_RULES,
    now: datetime,
) -> list[Observed]:
    """Store the results, move each probe's state on, and raise or resolve the alert of each
    change — one transaction for the whole batch, in the order the checks started."""
    if not batch:
        return []
    ordered = sorted(batch, key=lambda item: item[1].at)
    observed: list[Observed] = []
    with incident_transaction(sessions) as session:
        specs = list({spec.name: spec for spec, _ in ordered}.values())
        stored = store.get_many(session, [s.name for s in specs], lock=True)
        unknown = [s for s in specs if s.name not in stored]
        if unknown:  # checked before any worker synced it (`astreinte probes run`)
            store.sync(session, unknown, first_runs={s.name: first_run(s, now) for s in unknown})
            stored |= store.get_many(session, [s.name for s in unknown], lock=True)
        store.add_results(session, [(spec.name, result) for spec, result in ordered])
        for spec, result in ordered:
            probe = stored[spec.name]
            before = probe.state
            if before.last is not None and result.at < before.last.at:
                # A slow worker's result of an earlier period: history, not the current state.
                observed.append(Observed(spec, result, before, None, probe.incident_id, False))
                continue
            state, change = observe(spec, before, result)
            probe = replace(probe, state=state)
            if change is Change.WENT_DOWN:
                probe = _went_down(session, spec, probe, result, rules=rules, now=now)
            elif change is Change.CAME_BACK:
                probe = _came_back(
                    session, spec, probe, result, down_since=before.since, rules=rules, now=now
                )
            stored[spec.name] = probe
            observed.append(Observed(spec, result, state, change, probe.incident_id))
        store.save(session, [stored[s.name] for s in specs])
    return observed


def _went_down(
    session: Session,
    spec: ProbeSpec,
    probe: StoredProbe,
    result: ProbeResult,
    *,
    rules: ProbeRules,
    now: datetime,
) -> StoredProbe:
    procedure = spec.procedure
    description = (
        f"{_KIND_NAMES[spec.kind]} probe '{spec.name}' on {shown_target(spec.target)}: "
        f"{result.detail or 'failed'}"
    )
    if procedure and snapshots.procedure(session, procedure) is None:
        # A stale id in the configuration must not stop the incident from opening.
        log.warning(
            "probe %r names procedure %r, which is not in the catalogue", spec.name, procedure
        )
        description += (
            f"\n(the configured procedure '{procedure}' is not in the catalogue; "
            "the matcher chose the procedure)"
        )
        procedure = None
    fingerprint = f"{SOURCE}:{spec.name}"
    alert = Alert(
        source=SOURCE,
        fingerprint=fingerprint,
        status=AlertStatus.FIRING,
        title=spec.symptom
        or f"{_KIND_NAMES[spec.kind]} probe '{spec.name}' failing: {result.detail or 'failed'}",
        description=description,
        labels=_labels(spec),
        service=spec.service,
        severity=spec.severity,
        starts_at=result.at,
        procedure=procedure,
    )
    report = alerts.ingest_in(
        session, alerts=[alert], now=now, rules=rules.incidents, alert_rules=rules.alerts
    )
    incident_id = report.alerts[0].stored.incident_id if report.alerts else None
    return replace(probe, alert_fingerprint=fingerprint, incident_id=incident_id)


def _came_back(
    session: Session,
    spec: ProbeSpec,
    probe: StoredProbe,
    result: ProbeResult,
    *,
    down_since: datetime | None,
    rules: ProbeRules,
    now: datetime,
) -> StoredProbe:
    """Note the recovery on the incident's timeline, then resolve the probe's alert (which
    mitigates the incident once all its alerts are resolved, as the alert rules say)."""
    text = f"probe {spec.name} is up again"
    text += f" after {span(result.at - down_since)}" if down_since else ""
    text += f": {result.detail}" if result.detail else ""
    if probe.incident_id is not None:
        record = incident_store.get(session, probe.incident_id, lock=True)
        if record is not None:
            data: dict[str, JsonValue] = {
                "probe": spec.name,
                "recovered": True,
                "detail": result.detail,
            }
            event = Event(now, EventKind.NOTE, f"{SOURCE}:{spec.name}", text, data)
            record, _ = incident_store.append(session, record, [event])
            incident_store.update(session, record)
    alert = Alert(
        source=SOURCE,
        fingerprint=probe.alert_fingerprint or f"{SOURCE}:{spec.name}",
        status=AlertStatus.RESOLVED,
        title=f"{_KIND_NAMES[spec.kind]} probe '{spec.name}' is up again: {result.detail}",
        description=text,
        labels=_labels(spec),
        service=spec.service,
        severity=spec.severity,
        ends_at=result.at,
    )
    alerts.ingest_in(
        session, alerts=[alert], now=now, rules=rules.incidents, alert_rules=rules.alerts
    )
    return replace(probe, incident_id=None)


def _labels(spec: ProbeSpec) -> dict[str, str]:
    labels = {"probe": spec.name, "kind": spec.kind.value}
    if spec.service:
        labels["service"] = spec.service
    return labels


def span(length: timedelta) -> str:
    """ "45 s", "1 min 20 s", "2 h 5 min": how long a probe was down, for people."""
    total = max(0, round(length.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


def shown_target(target: str) -> str:
    """The target without the password a URL may carry (redis://:secret@host → redis://:***@host)."""
    try:
        parts = urlsplit(target)
    except ValueError:
        return target
    if parts.password is None:
        return target
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def prune(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    days: int,
    batch: int = 1000,
    batches: int = 20,
) -> int:
    """Delete results older than `days`, `batch` rows per short transaction (never a long lock),
    at most `batches` of them per call; returns how many were deleted."""
    before = now - timedelta(days=days)
    deleted = 0
    for _ in range(batches):
        with writing(sessions) as session:
            done = store.delete_older(session, before, batch=batch)
        deleted += done
        if done < batch:
            break
    return deleted


def run_now(
    sessions: sessionmaker[Session],
    *,
    spec: ProbeSpec,
    check: ProbeCheck,
    clock: Callable[[], datetime],
    rules: ProbeRules = DEFAULT_PROBE_RULES,
    close: Callable[[], Awaitable[None]] | None = None,
) -> Observed:
    """Check one probe now, outside its schedule (its next run stays where it was), and record
    the result like any other; `close` cleans up the probe kinds' clients afterwards."""

    async def once() -> ProbeResult:
        try:
            return await check_one(spec, check=check, clock=clock)
        finally:
            if close is not None:
                await close()

    result = asyncio.run(once())
    (observed,) = record(sessions, [(spec, result)], rules=rules, now=clock())
    return observed


# --- reading -------------------------------------------------------------------------------------


def list_probes(
    sessions: sessionmaker[Session], *, specs: Sequence[ProbeSpec] | None, now: datetime
) -> list[ProbeView]:
    """The configured probes (`specs`) with what is stored of them; without `specs` (an API
    that was given no configuration), every probe the database knows."""
    with sessions() as session:
        uptimes = store.counts_since(session, now - timedelta(hours=24))
        if specs is None:
            stored = {p.name: p for p in store.list_all(session)}
        else:
            stored = store.get_many(session, [s.name for s in specs])
    if specs is None:
        return [_view(p.name, p, None, uptimes) for p in stored.values()]
    return [_view(s.name, stored.get(s.name), s, uptimes) for s in specs]


def _view(
    name: str,
    probe: StoredProbe | None,
    spec: ProbeSpec | None,
    uptimes: Mapping[str, tuple[int, int]],
) -> ProbeView:
    checks, ok = uptimes.get(name, (0, 0))
    uptime = round(ok / checks * 100, 3) if checks else None
    state = probe.state if probe else ProbeState()
    next_run_at = probe.next_run_at if probe else None
    incident_id = probe.incident_id if probe else None
    if spec is not None:
        return ProbeView(
            name,
            spec.kind,
            shown_target(spec.target),
            spec.interval,
            spec.service,
            spec.procedure,
            state,
            next_run_at,
            uptime,
            incident_id,
        )
    assert probe is not None  # listed from the database
    return ProbeView(
        name,
        probe.kind,
        shown_target(probe.target),
        probe.interval,
        probe.service,
        probe.procedure,
        state,
        next_run_at,
        uptime,
        incident_id,
        configured=False,
    )


def history(
    sessions: sessionmaker[Session],
    *,
    name: str,
    now: datetime,
    limit: int = 100,
    since: datetime | None = None,
    known: Sequence[str] = (),
) -> History:
    """The probe's latest results (newest first, at most `limit`, none before `since`), and its
    uptime and latency percentiles over 24 h, 7 d and 90 d (what the retention kept of them).
    NotFound when neither the configuration (`known`) nor the database knows the name."""
    with sessions() as session:
        exists = (
            name in known
            or bool(store.get_many(session, [name]))
            or store.has_results(session, name)
        )
        if not exists:
            raise NotFound(
                f"no probe '{name}'; GET /api/v1/probes (or 'astreinte probes list') lists them"
            )
        results = store.results(session, name, since=since, limit=limit)
        windows = []
        for label, length in WINDOWS:
            checks, ok = store.counts_since(session, now - length, name=name).get(name, (0, 0))
            latencies = store.latencies_since(session, name, now - length)
            windows.append(
                Window(
                    label=label,
                    checks=checks,
                    uptime=round(ok / checks * 100, 3) if checks else None,
                    p50_ms=percentile(latencies, 50),
                    p95_ms=percentile(latencies, 95),
                    p99_ms=percentile(latencies, 99),
                )
            )
    return History(name, tuple(results), tuple(windows))


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile `q` of ascending `ordered` values (None when empty)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n × q / 100), at least the first
    return round(ordered[int(rank) - 1], 3)


def suggest(sessions: sessionmaker[Session], *, runbook_id: str) -> list[Suggestion]:
    """Probes the catalogue's runbook describes (its read commands with an expected result),
    naming their procedures by catalogue id; NotFound for an unknown runbook."""
    with sessions() as session:
        stored = catalogue.show_runbook(session, runbook_id=runbook_id)
    return suggest_for(stored.runbook, stored.procedure_ids)
