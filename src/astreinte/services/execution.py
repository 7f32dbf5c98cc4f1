"""Guarded execution use cases: request a step, approve it, run it, and what the timeline says.

    try:
        execution = run_step(sessions, executor, incident_id=12, step_id="diagnosis-1",
                             actor="rachel", now=now)
    except ApprovalRequired as waiting:   # destructive or sensitive: waiting.preview
        execution = approve(sessions, executor, execution_id=waiting.execution,
                            actor="anna", may_approve=True, now=now)

Each decision is written, with its timeline event, in a transaction of its own that commits
before the command runs; the command runs outside any transaction (it may take a minute, and
must not hold the incident's lock), and its redacted output is written in another one. An
execution found `running` after a crash therefore says so: it started, and nothing came back.

Secret values never reach the database: they travel in the process environment, and the
values a request brought are held in memory only until the approval (see `Executor`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.execution import policy, redact
from astreinte.domain.execution import timeline as events
from astreinte.domain.execution.policy import Gate, RestoreRefused
from astreinte.domain.execution.state import (
    Execution,
    RunResult,
    Status,
    Transition,
    finish,
    move,
)
from astreinte.domain.execution.values import Value, key
from astreinte.domain.incident.phrases import phrase
from astreinte.domain.incident.timeline import Event
from astreinte.errors import (
    ApprovalRequired,
    Conflict,
    Forbidden,
    InputError,
    NotFound,
    Refused,
)
from astreinte.services import steps as planning
from astreinte.services.clocks import SYSTEM
from astreinte.services.ports import Runner
from astreinte.services.steps import DEFAULT_EXECUTION_RULES, ExecutionRules, Plan, StepView
from astreinte.services.transaction import incident_transaction
from astreinte.storage import executions as store
from astreinte.storage import incidents as incident_store
from astreinte.storage.incidents import IncidentRecord

HELD_REQUESTS = 1000


@dataclass
class Executor:
    """What running steps needs: the runner, the rules, and the values of requests waiting
    for approval. Those are held in this process's memory only, since they may be secrets:
    an approval handled by another process (or after a restart) re-reads them from the
    alert labels, the configuration and the environment, and refuses when one is missing."""

    runner: Runner
    rules: ExecutionRules = DEFAULT_EXECUTION_RULES
    _held: dict[int, dict[str, Value]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hold(self, execution_id: int, values: Mapping[str, Value]) -> None:
        with self._lock:
            self._held[execution_id] = dict(values)
            while len(self._held) > HELD_REQUESTS:  # requests nobody decided on, oldest first
                self._held.pop(next(iter(self._held)))

    def held(self, execution_id: int) -> dict[str, Value]:
        with self._lock:
            return dict(self._held.get(execution_id, {}))

    def release(self, execution_id: int) -> dict[str, Value] | None:
        with self._lock:
            return self._held.pop(execution_id, None)


# --- reading ---------------------------------------------------------------------------------


def list_steps(
    sessions: sessionmaker[Session],
    *,
    incident_id: int,
    rules: ExecutionRules = DEFAULT_EXECUTION_RULES,
) -> list[StepView]:
    """The steps of the incident's procedure, placeholders filled from what is known."""
    with sessions.begin() as session:
        return planning.step_views(session, _record(session, incident_id), rules)


def get_execution(sessions: sessionmaker[Session], *, execution_id: int) -> Execution:
    with sessions.begin() as session:
        found = store.get(session, execution_id)
    if found is None:
        raise NotFound(f"no execution {execution_id}; 'astreinte steps INCIDENT' lists the steps")
    return found


def executions_of(sessions: sessionmaker[Session], *, incident_id: int) -> list[Execution]:
    with sessions.begin() as session:
        _record(session, incident_id)
        return store.for_incident(session, incident_id)


def preview_step(
    sessions: sessionmaker[Session],
    executor: Executor,
    *,
    incident_id: int,
    step_id: str,
    values: Mapping[str, str] | None = None,
    condition: str | None = None,
) -> Plan:
    """The dry run: what would run, where, with which values, and what it does; nothing is
    run or recorded."""
    with sessions.begin() as session:
        record = _record(session, incident_id)
        try:
            return _plan(session, record, executor, step_id, values, condition)
        except RestoreRefused as refusal:
            raise Refused(str(refusal)) from None


# --- requesting and running ------------------------------------------------------------------


def run_step(
    sessions: sessionmaker[Session],
    executor: Executor,
    *,
    incident_id: int,
    step_id: str,
    actor: str,
    now: datetime,
    values: Mapping[str, str] | None = None,
    condition: str | None = None,
) -> Execution:
    """Request a step; the policy decides. A read or change step runs now and its finished
    execution comes back. A destructive or sensitive one raises ApprovalRequired (with the
    preview) and waits for `approve`. A rule (kill switch, rate limit, the runbook's backup
    decision) raises Refused; the refusal is recorded either way."""
    refusal: str | None = None
    with incident_transaction(sessions) as session:
        record = _load(session, incident_id)
        try:
            plan = _plan(session, record, executor, step_id, values, condition)
        except RestoreRefused as restore:
            plan = _plan(session, record, executor, step_id, values, None, check_backup=False)
            refusal, reason = str(restore), phrase("refusal_no_restore", record.language)
        else:
            refusal, reason = _rule_refusal(session, executor, plan, record, now)
        execution = _new(record, plan, actor, now)
        language = record.language
        if refusal is not None:
            execution = move(execution, Status.REFUSED, by=SYSTEM, at=now, note=refusal)
            execution = store.insert(session, execution)
            event = events.refused(execution, language, reason=reason, at=now, by=SYSTEM)
            _append(session, record, event)
        elif plan.gate is Gate.APPROVAL:
            execution = move(execution, Status.AWAITING_APPROVAL, by=actor, at=now)
            execution = store.insert(session, execution)
            _append(session, record, events.requested(execution, language, at=now))
        else:
            execution = move(execution, Status.RUNNING, by=actor, at=now)
            execution = store.insert(session, execution)
            _append(session, record, events.started(execution, language, by=actor, at=now))
    if refusal is not None:
        raise Refused(f"step {plan.step.id} refused: {refusal}", execution=execution.id)
    if execution.status is Status.AWAITING_APPROVAL:
        executor.hold(execution.id, plan.values)
        raise ApprovalRequired(
            f"step {plan.step.id} is {events.risk_words(execution)}: a second person with the "
            f"approver role must approve execution {execution.id} "
            f"('astreinte approve {execution.id}')",
            execution=execution.id,
            preview=events.preview_json(plan.preview),
        )
    return _execute(sessions, executor, execution, plan, now)


def approve(
    sessions: sessionmaker[Session],
    executor: Executor,
    *,
    execution_id: int,
    actor: str,
    may_approve: bool,
    now: datetime,
) -> Execution:
    """Approve an execution waiting for approval, then run it (the command approved is the
    one previewed: it is rebuilt and compared). `may_approve`: the actor has the approver
    role. Self-approval raises Forbidden, and is recorded on the timeline."""
    denied: Forbidden | None = None
    refusal: str | None = None
    plan: Plan | None = None
    with incident_transaction(sessions) as session:
        execution = _execution(session, execution_id)
        record = _load(session, execution.incident_id)  # the incident's lock first, always
        execution = _execution(session, execution_id, lock=True)
        language = record.language
        if execution.status is not Status.AWAITING_APPROVAL:
            raise Conflict(
                f"execution {execution_id} is {_status(execution)}; only one awaiting "
                "approval can be approved"
            )
        try:
            policy.check_approver(execution, by=actor, may_approve=may_approve)
        except Forbidden as exc:
            denied = exc
            if may_approve:  # the role is the interface's business; the person is ours
                _append(
                    session, record, events.self_approval(execution, language, by=actor, at=now)
                )
        if denied is None:
            plan, refusal, reason = _replan(session, record, executor, execution, now)
            if refusal is not None:
                execution = move(execution, Status.REFUSED, by=SYSTEM, at=now, note=refusal)
                store.update(session, execution)
                event = events.refused(execution, language, reason=reason, at=now, by=SYSTEM)
                _append(session, record, event)
            else:
                execution = move(execution, Status.APPROVED, by=actor, at=now)
                execution = move(execution, Status.RUNNING, by=actor, at=now)
                store.update(session, execution)
                _append(
                    session,
                    record,
                    events.approved(execution, language, by=actor, at=now),
                    events.started(execution, language, by=actor, at=now),
                )
    if denied is not None:
        raise denied
    executor.release(execution_id)
    if refusal is not None or plan is None:
        raise Refused(f"execution {execution_id} refused: {refusal}", execution=execution_id)
    return _execute(sessions, executor, execution, plan, now)


def cancel(
    sessions: sessionmaker[Session],
    executor: Executor,
    *,
    execution_id: int,
    actor: str,
    now: datetime,
) -> Execution:
    """Withdraw a request that waits for approval."""
    with incident_transaction(sessions) as session:
        execution = _execution(session, execution_id)
        record = _load(session, execution.incident_id)
        execution = _execution(session, execution_id, lock=True)
        if execution.status not in (Status.AWAITING_APPROVAL, Status.APPROVED):
            raise Conflict(
                f"execution {execution_id} is {_status(execution)}; only a request waiting for "
                "approval can be cancelled"
            )
        execution = move(execution, Status.CANCELLED, by=actor, at=now)
        store.update(session, execution)
        _append(session, record, events.cancelled(execution, record.language, by=actor, at=now))
    executor.release(execution_id)
    return execution


def run_read_steps(
    sessions: sessionmaker[Session],
    executor: Executor,
    *,
    incident_id: int,
    now: datetime,
    actor: str = SYSTEM,
) -> list[Execution]:
    """Run the incident's diagnosis read steps whose values are all known, in order, and stop
    at the first one that does not succeed (a rule's refusal, such as the kill switch, too).
    What ran is on the timeline with its output, ready before the first responder arrives."""
    chosen = [
        view.step.id
        for view in list_steps(sessions, incident_id=incident_id, rules=executor.rules)
        if view.auto and view.filled is not None
    ]
    done: list[Execution] = []
    for step_id in chosen:
        try:
            execution = run_step(
                sessions,
                executor,
                incident_id=incident_id,
                step_id=step_id,
                actor=actor,
                now=now,
            )
        except Refused:
            break
        done.append(execution)
        now = execution.finished_at or now
        if execution.status is not Status.SUCCEEDED:
            break
    return done


def after_open(
    sessions: sessionmaker[Session], executor: Executor, *, incident_id: int, now: datetime
) -> list[Execution]:
    """The hook to call once an incident is open: its read steps run when configured
    (`execution.auto_read`), otherwise nothing happens."""
    if not executor.rules.auto_read:
        return []
    try:
        return run_read_steps(sessions, executor, incident_id=incident_id, now=now)
    except NotFound:  # no procedure (yet): nothing to diagnose with
        return []


# --- inside -----------------------------------------------------------------------------------


def _record(session: Session, incident_id: int) -> IncidentRecord:
    record = incident_store.get(session, incident_id)
    if record is None:
        raise NotFound(f"no incident {incident_id}; 'astreinte incidents list' shows them")
    return record


def _load(session: Session, incident_id: int) -> IncidentRecord:
    record = incident_store.get(session, incident_id, lock=True)
    if record is None:
        raise NotFound(f"no incident {incident_id}; 'astreinte incidents list' shows them")
    return record


def _execution(session: Session, execution_id: int, *, lock: bool = False) -> Execution:
    found = store.get(session, execution_id, lock=lock)
    if found is None:
        raise NotFound(f"no execution {execution_id}; 'astreinte steps INCIDENT' lists the steps")
    return found


def _plan(
    session: Session,
    record: IncidentRecord,
    executor: Executor,
    step_id: str,
    values: Mapping[str, str] | None,
    condition: str | None,
    *,
    check_backup: bool = True,
    held: Mapping[str, Value] | None = None,
) -> Plan:
    return planning.plan(
        session,
        record,
        step_id=step_id,
        given=values or {},
        condition=condition,
        rules=executor.rules,
        target=executor.runner.target,
        held=held,
        check_backup=check_backup,
    )


def _rule_refusal(
    session: Session, executor: Executor, plan: Plan, record: IncidentRecord, now: datetime
) -> tuple[str | None, str]:
    """Why a rule refuses to start this plan now (and the timeline's wording), or None."""
    rules = executor.rules
    if rules.kill_switch:
        return (
            "command execution is switched off (the kill switch, execution.kill_switch, is on); "
            "run the step by hand if it must run, or turn the switch off",
            phrase("refusal_kill_switch", record.language),
        )
    if plan.gate is not Gate.APPROVAL:
        return None, ""
    store.lock_step(
        session, procedure_id=plan.procedure_id, step_id=plan.step.id, target=plan.preview.target
    )
    starts = store.starts(
        session,
        procedure_id=plan.procedure_id,
        step_id=plan.step.id,
        target=plan.preview.target,
        since=now - policy.RATE_WINDOW,
    )
    limited = policy.rate_limited(starts, now=now, limit=rules.rate_limit)
    if limited is None:
        return None, ""
    return limited, phrase(
        "refusal_rate_limit",
        record.language,
        count=len(starts),
        target=plan.preview.target,
        limit=rules.rate_limit,
    )


def _replan(
    session: Session,
    record: IncidentRecord,
    executor: Executor,
    execution: Execution,
    now: datetime,
) -> tuple[Plan | None, str | None, str]:
    """The plan of an execution being approved, rebuilt from what was requested; or why it
    may not run: a rule, a changed step, values no longer known."""
    # The request's values: held in memory when this process took the request, else the
    # non-secret ones as stored (secret ones are looked up again where they came from).
    stored = {key(t): Value(v) for t, v in execution.preview.values.items() if v != redact.MASK}
    held = executor.held(execution.id)
    try:
        plan = _plan(
            session,
            record,
            executor,
            execution.step_id,
            {},
            execution.preview.condition,
            held={**stored, **held},
        )
    except (NotFound, RestoreRefused):
        changed = phrase("refusal_changed", record.language)
        return None, "the step is no longer in the incident's procedure; request it again", changed
    except InputError as exc:  # a value that was known is not any more
        shown = execution.preview.values
        lost = [t for t, v in shown.items() if v == redact.MASK and key(t) not in held]
        reason = phrase("refusal_values_lost", record.language, missing=", ".join(lost) or "?")
        return None, f"{exc}; request the step again", reason
    if plan.sha256 != execution.command_sha256:
        return (
            None,
            (
                "the step or its values changed since it was requested (the runbook was "
                "re-imported, or a value now reads differently); request it again"
            ),
            phrase("refusal_changed", record.language),
        )
    refusal, reason = _rule_refusal(session, executor, plan, record, now)
    return plan, refusal, reason


def _new(record: IncidentRecord, plan: Plan, actor: str, now: datetime) -> Execution:
    return Execution(
        id=0,
        incident_id=record.id,
        procedure_id=plan.procedure_id,
        step_id=plan.step.id,
        section=plan.step.section,
        command=plan.shown,
        command_sha256=plan.sha256,
        target=plan.preview.target,
        risk=plan.step.risk,
        sensitive=plan.step.sensitive,
        status=Status.REQUESTED,
        requested_by=actor,
        requested_at=now,
        preview=plan.preview,
        history=(Transition(Status.REQUESTED, actor, now),),
    )


def _execute(
    sessions: sessionmaker[Session],
    executor: Executor,
    execution: Execution,
    plan: Plan,
    started: datetime,
) -> Execution:
    """Run a started execution (outside any transaction) and record what came back."""
    rules = executor.rules
    try:
        result = executor.runner.run(
            plan.filled.command,
            environment=plan.filled.environment,
            workdir=plan.step.workdir,
            timeout=rules.timeout_seconds,
            output_limit=rules.output_limit,
        )
    except Exception as exc:  # a runner's bug must not leave the execution "running"
        result = RunResult(None, "", error=f"the runner failed ({type(exc).__name__}: {exc})")
    known = rules.masked(v.text for v in plan.values.values() if v.secret)
    output = redact.mask(result.output, known, truncated=result.truncated)
    error = redact.mask(result.error, known) if result.error else None
    result = replace(result, error=error)
    ended = started + timedelta(seconds=max(result.seconds, 0.0))
    with incident_transaction(sessions) as session:
        record = _load(session, execution.incident_id)
        current = _execution(session, execution.id, lock=True)
        done = finish(current, result, output=output, at=ended)
        store.update(session, done)
        _append(session, record, events.finished(done, result, record.language))
    return done


def _append(session: Session, record: IncidentRecord, *events: Event) -> None:
    record, _ = incident_store.append(session, record, events)
    incident_store.update(session, record)


def _status(execution: Execution) -> str:
    return execution.status.value.replace("_", " ")
