"""Who may run a step and when: the policy by risk, the approval rule, the rate limit of
repeated remediation, and the backup-restore decision.

    read         may run by itself when an incident opens (if configured), or by a responder
    change       a responder runs it
    destructive  a dry-run preview, then a second person with the approver role approves it
    or sensitive (never the one who asked), then it runs; at most N runs of the same step on
                 the same target per hour
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from astreinte.domain.execution.state import Execution
from astreinte.domain.execution.step import Step
from astreinte.domain.runbook.model import Backup, BackupVerdict, Risk, SectionKind
from astreinte.errors import Forbidden, InputError

RATE_WINDOW: Final = timedelta(hours=1)


class Gate(StrEnum):
    AUTO = "auto"  # read: may run without anyone asking, when configured
    RESPONDER = "responder"  # change: a responder runs it
    APPROVAL = "approval"  # destructive or sensitive: preview, second person, then run


def gate_of(step: Step) -> Gate:
    if step.needs_approval:
        return Gate.APPROVAL
    return Gate.AUTO if step.risk is Risk.READ else Gate.RESPONDER


def check_approver(execution: Execution, *, by: str, may_approve: bool) -> None:
    """Raise Forbidden unless `by` may approve `execution`: the approver role, and not the
    person who asked for it (two people see a destructive command before it runs)."""
    if not may_approve:
        raise Forbidden(
            f"{by} may not approve execution {execution.id}: approving needs the approver role"
        )
    if by.casefold() == execution.requested_by.casefold():
        raise Forbidden(
            f"{by} asked for execution {execution.id} and may not approve it too; a second "
            "person with the approver role must approve it"
        )


def rate_limited(starts: Sequence[datetime], *, now: datetime, limit: int) -> str | None:
    """Why another run is refused when `limit` runs of the same step on the same target
    started in the hour before `now` (`starts`: their start times), else None."""
    recent = sorted(s for s in starts if now - RATE_WINDOW < s <= now)
    if len(recent) < limit:
        return None
    free_at = recent[-limit] + RATE_WINDOW
    return (
        f"this step already ran {len(recent)} times on this target in the last hour (the limit "
        f"is {limit}); repeating a remediation rarely fixes what it did not fix, look for the "
        f"cause, or wait until {free_at:%H:%M} UTC"
    )


# --- the backup-restore decision ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupDecision:
    """A procedure's answer to "should we restore the backup?", as a decision to make:
    restoring needs one of `options` ticked (none when the runbook says no)."""

    verdict: BackupVerdict
    reason: str
    options: tuple[str, ...]


def backup_decision(backup: Backup | None) -> BackupDecision | None:
    if backup is None:
        return None
    options = backup.conditions
    if backup.verdict is BackupVerdict.MAYBE and not options:
        options = (backup.reason,)  # "maybe if Postgres crashed during a write": that is the one
    if backup.verdict is BackupVerdict.NO:
        options = ()
    return BackupDecision(backup.verdict, backup.reason, options)


def restores(step: Step, decision: BackupDecision | None) -> bool:
    """Whether running `step` is restoring a backup the decision governs: a step that changes
    something, in the procedure's backup section."""
    return decision is not None and step.kind is SectionKind.BACKUP and step.risk is not Risk.READ


class RestoreRefused(Exception):
    """The runbook says not to restore for this procedure (the message says why)."""


def tick(step: Step, decision: BackupDecision, chosen: str | None) -> str:
    """The condition `chosen` (its number or the start of its text) among the decision's
    options. Raises RestoreRefused when the runbook says no, InputError when none is ticked."""
    if decision.verdict is BackupVerdict.NO:
        raise RestoreRefused(
            f"step {step.id} restores a backup, and the runbook says not to for this procedure "
            f"({decision.reason}); if the situation is different, follow another procedure"
        )
    listed = "; ".join(f"{n}. {text}" for n, text in enumerate(decision.options, start=1))
    if not chosen or not chosen.strip():
        raise InputError(
            f"step {step.id} restores a backup; the runbook says to restore only if: {listed}; "
            "tick the one that holds with condition=NUMBER (--condition NUMBER)"
        )
    wanted = chosen.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(decision.options):
        return decision.options[int(wanted) - 1]
    found = [o for o in decision.options if o.casefold().startswith(wanted.casefold())]
    if len(found) == 1:
        return found[0]
    raise InputError(
        f"condition '{wanted}' is none of the runbook's conditions for restoring: {listed}; "
        "give its number"
    )
