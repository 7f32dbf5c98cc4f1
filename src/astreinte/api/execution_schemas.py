"""Bodies of the guarded-execution endpoints (steps, runs, approvals). Like `schemas.py`: fields
are added, never renamed or removed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from astreinte.api.schemas import Problem, _In
from astreinte.domain.execution.state import Execution, Preview
from astreinte.services.steps import Plan, StepView

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ValueText = Annotated[str, StringConstraints(max_length=2000)]


class PlaceholderOut(BaseModel):
    token: str = Field(description="As the runbook writes it: TENANT_UUID, <deployment-id>, $VAR.")
    name: str = Field(description="The name values are given under (any spelling matches).")
    secret: bool = Field(description="Passed in the environment, never shown nor stored.")
    value: str | None = Field(description="The value found (masked when secret), or null.")
    source: str | None = Field(description="given, label, service, config or environment.")


class BackupDecisionOut(BaseModel):
    verdict: str = Field(description="The runbook's answer to 'restore?': no, yes_if, maybe.")
    reason: str
    conditions: list[str] = Field(description="Restoring needs one of them ticked (condition).")


class StepOut(BaseModel):
    id: str
    section: str
    section_kind: str
    command: str = Field(description="As the runbook writes it.")
    risk: str
    sensitive: bool
    placeholders: list[PlaceholderOut]
    effect: list[str] = Field(description="What running it does.")
    gate: str = Field(description="auto (read), responder (change) or approval.")
    auto: bool = Field(description="Runs by itself when an incident opens, if configured.")
    workdir: str | None
    filled: str | None = Field(
        description="The command as it would run; null while a value is missing."
    )
    backup: BackupDecisionOut | None = Field(description="Set when the step restores a backup.")


class RunIn(_In):
    dry_run: bool = Field(default=False, description="Only show what would run.")
    values: dict[Name, ValueText] = Field(
        default_factory=dict, max_length=50, description="Placeholder values by name."
    )
    condition: str | None = Field(
        default=None,
        max_length=500,
        description="Restoring a backup: the runbook's condition that holds (number or text).",
    )


class PreviewOut(BaseModel):
    command: str = Field(description="Exactly what runs; secrets appear as $NAME.")
    target: str
    workdir: str | None
    effect: list[str]
    risk: str
    sensitive: bool
    approval: bool = Field(description="A second person with the approver role must approve it.")
    values: dict[str, str] = Field(description="The values used; secret ones masked.")
    environment: list[str] = Field(description="The variables secret values travel in.")
    condition: str | None


class DryRunOut(BaseModel):
    dry_run: Literal[True] = True
    step: str
    preview: PreviewOut


class TransitionOut(BaseModel):
    status: str
    by: str
    at: datetime
    note: str | None


class ExecutionOut(BaseModel):
    id: int
    incident_id: int
    procedure_id: str
    step: str
    section: str
    command: str = Field(description="As run, redacted.")
    target: str
    risk: str
    sensitive: bool
    status: str = Field(
        description="requested, awaiting_approval, approved, running, succeeded, failed, "
        "timed_out, refused or cancelled."
    )
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    exit_code: int | None
    output: str = Field(description="stdout and stderr interleaved, redacted, capped.")
    truncated: bool
    reason: str | None = Field(description="Why it was refused, or could not run.")
    preview: PreviewOut
    history: list[TransitionOut]


class ApprovalRequiredOut(Problem):
    """409 when a step waits for approval (`execution`, `preview` set), or a rule refused it."""

    message: str | None = None
    execution: int | None = None
    preview: PreviewOut | None = None


def preview_out(preview: Preview) -> PreviewOut:
    return PreviewOut(
        command=preview.command,
        target=preview.target,
        workdir=preview.workdir,
        effect=list(preview.effect),
        risk=preview.risk.value,
        sensitive=preview.sensitive,
        approval=preview.approval,
        values=dict(preview.values),
        environment=list(preview.environment),
        condition=preview.condition,
    )


def dry_run_out(plan: Plan) -> DryRunOut:
    return DryRunOut(step=plan.step.id, preview=preview_out(plan.preview))


def step_out(view: StepView) -> StepOut:
    step = view.step
    backup = view.backup
    return StepOut(
        id=step.id,
        section=step.section,
        section_kind=step.kind.value,
        command=step.command,
        risk=step.risk.value,
        sensitive=step.sensitive,
        placeholders=[
            PlaceholderOut(
                token=p.token, name=p.name, secret=p.secret, value=p.shown, source=p.source
            )
            for p in view.placeholders
        ],
        effect=list(step.effect),
        gate=view.gate.value,
        auto=view.auto,
        workdir=step.workdir,
        filled=view.filled,
        backup=BackupDecisionOut(
            verdict=backup.verdict.value, reason=backup.reason, conditions=list(backup.options)
        )
        if backup
        else None,
    )


def execution_out(execution: Execution) -> ExecutionOut:
    return ExecutionOut(
        id=execution.id,
        incident_id=execution.incident_id,
        procedure_id=execution.procedure_id,
        step=execution.step_id,
        section=execution.section,
        command=execution.command,
        target=execution.target,
        risk=execution.risk.value,
        sensitive=execution.sensitive,
        status=execution.status.value,
        requested_by=execution.requested_by,
        requested_at=execution.requested_at,
        approved_by=execution.approved_by,
        approved_at=execution.approved_at,
        started_at=execution.started_at,
        finished_at=execution.finished_at,
        exit_code=execution.exit_code,
        output=execution.output,
        truncated=execution.truncated,
        reason=execution.reason,
        preview=preview_out(execution.preview),
        history=[
            TransitionOut(status=t.status.value, by=t.by, at=t.at, note=t.note)
            for t in execution.history
        ],
    )
