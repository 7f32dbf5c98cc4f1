"""Guarded execution: an incident's steps, running one, approving and following an execution.

A `read` or `change` step runs when a responder asks (201, the finished execution). A
`destructive` or `sensitive` one answers 409 `approval required` with the preview and the
execution's id; a second person with the approver role approves it (`/executions/{id}/approve`)
and it runs then. `dry_run` only shows what would run (200).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from astreinte.api.deps import Approver, Now, Responder, Sessions, Viewer
from astreinte.api.execution_schemas import (
    ApprovalRequiredOut,
    DryRunOut,
    ExecutionOut,
    RunIn,
    StepOut,
    dry_run_out,
    execution_out,
    step_out,
)
from astreinte.api.schemas import Problem
from astreinte.services import execution
from astreinte.services.execution import Executor

router = APIRouter(tags=["execution"])

_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "The request is malformed."},
    401: {"model": Problem, "description": "No valid token."},
    403: {"model": Problem, "description": "The token's role, or a rule, forbids it."},
    404: {"model": Problem, "description": "No such incident, step or execution."},
    409: {
        "model": ApprovalRequiredOut,
        "description": "Approval required (with the preview), or refused by a rule.",
    },
    422: {"model": Problem, "description": "Invalid input: a missing value, an unknown name."},
}
IncidentId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ExecutionId = Annotated[int, Path(ge=1, le=2_147_483_647)]
StepId = Annotated[str, Path(min_length=1, max_length=100)]


def _executor(request: Request) -> Executor:
    found: Executor = request.app.state.executor
    return found


@router.get("/incidents/{incident_id}/steps", responses=_ERRORS)
def list_steps(
    incident_id: IncidentId, principal: Viewer, sessions: Sessions, request: Request
) -> list[StepOut]:
    """The steps of the incident's procedure, placeholders filled from the incident."""
    del principal
    rules = _executor(request).rules
    return [
        step_out(v) for v in execution.list_steps(sessions, incident_id=incident_id, rules=rules)
    ]


@router.post(
    "/incidents/{incident_id}/steps/{step_id}/run",
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 200: {"model": DryRunOut, "description": "The dry run's preview."}},
)
def run_step(
    incident_id: IncidentId,
    step_id: StepId,
    principal: Responder,
    sessions: Sessions,
    now: Now,
    request: Request,
    response: Response,
    body: RunIn | None = None,
) -> ExecutionOut | DryRunOut:
    """Run a step (201), or only preview it with `dry_run` (200)."""
    body = body or RunIn()
    executor = _executor(request)
    if body.dry_run:
        response.status_code = status.HTTP_200_OK
        plan = execution.preview_step(
            sessions,
            executor,
            incident_id=incident_id,
            step_id=step_id,
            values=body.values,
            condition=body.condition,
        )
        return dry_run_out(plan)
    done = execution.run_step(
        sessions,
        executor,
        incident_id=incident_id,
        step_id=step_id,
        actor=principal.name,
        now=now,
        values=body.values,
        condition=body.condition,
    )
    return execution_out(done)


@router.get("/incidents/{incident_id}/executions", responses=_ERRORS)
def list_executions(
    incident_id: IncidentId, principal: Viewer, sessions: Sessions
) -> list[ExecutionOut]:
    """The incident's executions, oldest first."""
    del principal
    return [execution_out(e) for e in execution.executions_of(sessions, incident_id=incident_id)]


@router.get("/executions/{execution_id}", responses=_ERRORS)
def get_execution(execution_id: ExecutionId, principal: Viewer, sessions: Sessions) -> ExecutionOut:
    """An execution: its status, exit code and redacted output."""
    del principal
    return execution_out(execution.get_execution(sessions, execution_id=execution_id))


@router.post("/executions/{execution_id}/approve", responses=_ERRORS)
def approve(
    execution_id: ExecutionId, principal: Approver, sessions: Sessions, now: Now, request: Request
) -> ExecutionOut:
    """Approve an execution waiting for approval (not one's own), which then runs."""
    done = execution.approve(
        sessions,
        _executor(request),
        execution_id=execution_id,
        actor=principal.name,
        may_approve=True,
        now=now,
    )
    return execution_out(done)


@router.post("/executions/{execution_id}/cancel", responses=_ERRORS)
def cancel(
    execution_id: ExecutionId, principal: Responder, sessions: Sessions, now: Now, request: Request
) -> ExecutionOut:
    """Withdraw a request waiting for approval."""
    done = execution.cancel(
        sessions, _executor(request), execution_id=execution_id, actor=principal.name, now=now
    )
    return execution_out(done)
