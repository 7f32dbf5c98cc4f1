"""An execution of a step: its states, who decided each change and when, and what came back.

    requested ─┬─▶ running ─▶ succeeded | failed | timed_out
               ├─▶ awaiting_approval ─▶ approved ─▶ running ─▶ …
               └─▶ refused                      (awaiting_approval and approved may also end
                                                 refused or cancelled)

Every change goes through `move`, which refuses what `TRANSITIONS` does not allow and appends
the change, with its actor and time, to the execution's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from astreinte.domain.runbook.model import Risk
from astreinte.errors import Conflict


class Status(StrEnum):
    REQUESTED = "requested"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    REFUSED = "refused"
    CANCELLED = "cancelled"


TRANSITIONS: Final[Mapping[Status, frozenset[Status]]] = {
    Status.REQUESTED: frozenset({Status.AWAITING_APPROVAL, Status.RUNNING, Status.REFUSED}),
    Status.AWAITING_APPROVAL: frozenset({Status.APPROVED, Status.REFUSED, Status.CANCELLED}),
    Status.APPROVED: frozenset({Status.RUNNING, Status.REFUSED, Status.CANCELLED}),
    Status.RUNNING: frozenset({Status.SUCCEEDED, Status.FAILED, Status.TIMED_OUT}),
}
FINISHED: Final = frozenset(
    {Status.SUCCEEDED, Status.FAILED, Status.TIMED_OUT, Status.REFUSED, Status.CANCELLED}
)


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of state: to what, by whom, when, and why when it says."""

    status: Status
    by: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Preview:
    """What a dry run shows before anything runs: the exact command (secrets as `$NAME`), where
    it runs, what it does, and the values it was filled with (secret ones masked)."""

    command: str
    target: str
    effect: tuple[str, ...]
    risk: Risk
    sensitive: bool
    approval: bool  # a second person must approve it first
    workdir: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    environment: tuple[str, ...] = ()  # the variables the secret values travel in
    condition: str | None = None  # the backup condition ticked, for a restore


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a runner reports; `error` is one sentence when the command could not run (missing
    program or directory) and `exit_code` is None then, or when it was killed."""

    exit_code: int | None
    output: str
    timed_out: bool = False
    truncated: bool = False
    error: str | None = None
    seconds: float = 0.0

    @property
    def status(self) -> Status:
        if self.timed_out:
            return Status.TIMED_OUT
        return Status.SUCCEEDED if self.exit_code == 0 and self.error is None else Status.FAILED


@dataclass(frozen=True, slots=True)
class Execution:
    """A step's run on an incident. `command` and `output` are as shown: redacted."""

    id: int
    incident_id: int
    procedure_id: str
    step_id: str
    section: str
    command: str
    command_sha256: str  # of the command as run, so an approval runs exactly what was previewed
    target: str
    risk: Risk
    sensitive: bool
    status: Status
    requested_by: str
    requested_at: datetime
    preview: Preview
    approved_by: str | None = None
    approved_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    output: str = ""
    truncated: bool = False
    reason: str | None = None  # why it was refused or failed to start
    history: tuple[Transition, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def move(
    execution: Execution, to: Status, *, by: str, at: datetime, note: str | None = None
) -> Execution:
    """`execution` in state `to`, the change recorded; Conflict when it does not apply."""
    if to not in TRANSITIONS.get(execution.status, frozenset()):
        raise Conflict(
            f"execution {execution.id} is {execution.status.value.replace('_', ' ')}; it cannot "
            f"become {to.value.replace('_', ' ')}"
        )
    changed = replace(
        execution, status=to, history=(*execution.history, Transition(to, by, at, note))
    )
    if to is Status.APPROVED:
        changed = replace(changed, approved_by=by, approved_at=at)
    elif to is Status.RUNNING:
        changed = replace(changed, started_at=at)
    elif to in FINISHED:
        changed = replace(changed, finished_at=at, reason=note or execution.reason)
    return changed


def finish(execution: Execution, result: RunResult, *, output: str, at: datetime) -> Execution:
    """The running `execution` ended with `result`; `output` is the result's, redacted."""
    done = move(execution, result.status, by=execution.history[-1].by, at=at, note=result.error)
    return replace(done, exit_code=result.exit_code, output=output, truncated=result.truncated)
