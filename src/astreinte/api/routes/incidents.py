"""`/api/v1/incidents`: open, read and act on incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from astreinte.api.deps import Now, Responder, Rules, Sessions, Viewer
from astreinte.api.schemas import (
    ActionIn,
    ChecklistIn,
    FollowUpIn,
    FollowUpPatch,
    IncidentCreate,
    IncidentOut,
    IncidentSummary,
    NoteIn,
    PostmortemIn,
    Problem,
    ProcedureIn,
    incident_out,
    summary,
)
from astreinte.domain.incident.model import Action, Status
from astreinte.services import incidents

router = APIRouter(prefix="/incidents", tags=["incidents"])

_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "The request is malformed."},
    401: {"model": Problem, "description": "No valid token."},
    403: {"model": Problem, "description": "The token's role may not do this."},
    404: {"model": Problem, "description": "No such incident (or procedure)."},
    409: {"model": Problem, "description": "The action does not apply to the incident now."},
    422: {"model": Problem, "description": "Invalid input."},
}
IncidentId = Annotated[int, Path(ge=1, le=2_147_483_647)]
FollowUpId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def open_incident(
    body: IncidentCreate, principal: Responder, sessions: Sessions, now: Now, rules: Rules
) -> IncidentOut:
    """Open an incident; without `procedure_id` the procedure is matched from the text."""
    view = incidents.open_incident(
        sessions,
        title=body.title,
        description=body.description or "",
        service=body.service,
        procedure_id=body.procedure_id,
        severity=body.severity,
        actor=principal.name,
        now=now,
        rules=rules,
    )
    return incident_out(view)


@router.get("", responses=_ERRORS)
def list_incidents(
    principal: Viewer,
    sessions: Sessions,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[IncidentSummary]:
    """Incidents, newest first; `status` may be repeated."""
    del principal
    records = incidents.list_incidents(
        sessions, status=tuple(status_ or ()), limit=limit, offset=offset
    )
    return [summary(record) for record in records]


@router.get("/{incident_id}", responses=_ERRORS)
def get_incident(incident_id: IncidentId, principal: Viewer, sessions: Sessions) -> IncidentOut:
    del principal
    return incident_out(incidents.get_incident(sessions, incident_id=incident_id))


def _act(action: Action) -> object:
    def endpoint(
        incident_id: IncidentId,
        principal: Responder,
        sessions: Sessions,
        now: Now,
        rules: Rules,
        body: ActionIn | None = None,
    ) -> IncidentOut:
        view = incidents.act(
            sessions,
            incident_id=incident_id,
            action=action,
            actor=principal.name,
            now=now,
            note=body.note if body else None,
            override=body.override if body else None,
            rules=rules,
        )
        return incident_out(view)

    endpoint.__name__ = action.value
    endpoint.__doc__ = f"{action.value.capitalize()} the incident."
    return endpoint


for _action in Action:
    router.add_api_route(
        f"/{{incident_id}}/{_action.value}",
        _act(_action),  # type: ignore[arg-type]
        methods=["POST"],
        responses=_ERRORS,
        name=_action.value,
    )


@router.post("/{incident_id}/notes", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def add_note(
    incident_id: IncidentId, body: NoteIn, principal: Responder, sessions: Sessions, now: Now
) -> IncidentOut:
    view = incidents.add_note(
        sessions, incident_id=incident_id, text=body.text, actor=principal.name, now=now
    )
    return incident_out(view)


@router.post("/{incident_id}/checklist", responses=_ERRORS)
def tick(
    incident_id: IncidentId, body: ChecklistIn, principal: Responder, sessions: Sessions, now: Now
) -> IncidentOut:
    """Mark a checklist item done (or not done)."""
    view = incidents.set_checklist_item(
        sessions,
        incident_id=incident_id,
        title=body.title,
        item=body.item,
        done=body.done,
        actor=principal.name,
        now=now,
    )
    return incident_out(view)


@router.post("/{incident_id}/procedure", responses=_ERRORS)
def change_procedure(
    incident_id: IncidentId, body: ProcedureIn, principal: Responder, sessions: Sessions, now: Now
) -> IncidentOut:
    view = incidents.change_procedure(
        sessions,
        incident_id=incident_id,
        procedure_id=body.procedure_id,
        actor=principal.name,
        now=now,
    )
    return incident_out(view)


@router.put("/{incident_id}/postmortem", responses=_ERRORS)
def write_postmortem(
    incident_id: IncidentId, body: PostmortemIn, principal: Responder, sessions: Sessions, now: Now
) -> IncidentOut:
    """Write the impact, root cause, resolution and lessons; omitted fields are kept."""
    view = incidents.write_postmortem(
        sessions,
        incident_id=incident_id,
        actor=principal.name,
        now=now,
        impact=body.impact,
        root_cause=body.root_cause,
        resolution=body.resolution,
        lessons=body.lessons,
    )
    return incident_out(view)


@router.get(
    "/{incident_id}/postmortem",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {"text/markdown": {}}}},
)
def get_postmortem(
    incident_id: IncidentId, principal: Viewer, sessions: Sessions, now: Now
) -> Response:
    """The post-mortem as Markdown, in the runbook's template when it has one."""
    del principal
    text = incidents.postmortem(sessions, incident_id=incident_id, now=now)
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get(
    "/{incident_id}/message",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {"text/plain": {}}}},
)
def get_message(
    incident_id: IncidentId, principal: Viewer, sessions: Sessions, now: Now
) -> Response:
    """The status message to send to stakeholders, in the runbook's template when it has one."""
    del principal
    text = incidents.message(sessions, incident_id=incident_id, now=now)
    return Response(text, media_type="text/plain; charset=utf-8")


@router.post("/{incident_id}/follow-ups", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def add_follow_up(
    incident_id: IncidentId, body: FollowUpIn, principal: Responder, sessions: Sessions, now: Now
) -> IncidentOut:
    view = incidents.add_follow_up(
        sessions,
        incident_id=incident_id,
        text=body.text,
        owner=body.owner,
        actor=principal.name,
        now=now,
    )
    return incident_out(view)


@router.patch("/{incident_id}/follow-ups/{follow_up_id}", responses=_ERRORS)
def set_follow_up(
    incident_id: IncidentId,
    follow_up_id: FollowUpId,
    body: FollowUpPatch,
    principal: Responder,
    sessions: Sessions,
    now: Now,
) -> IncidentOut:
    view = incidents.set_follow_up(
        sessions,
        incident_id=incident_id,
        follow_up_id=follow_up_id,
        done=body.done,
        actor=principal.name,
        now=now,
    )
    return incident_out(view)
