"""`/api/v1/maintenance`: maintenance windows, named and planned silences, once or weekly."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from astreinte.api.deps import Now, Responder, Sessions, Viewer
from astreinte.api.schemas import MaintenanceIn, MaintenanceOut, Problem, maintenance_out
from astreinte.domain.maintenance import recurrence
from astreinte.domain.silence import parse_matcher
from astreinte.errors import InputError
from astreinte.services import maintenance

router = APIRouter(tags=["maintenance"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No valid token."},
    403: {"model": Problem, "description": "The token's role may not do this."},
    404: {"model": Problem, "description": "No window of that name."},
    409: {"model": Problem, "description": "A window of that name is already planned."},
    422: {"model": Problem, "description": "The window cannot be planned as given."},
}
Name = Annotated[str, Path(min_length=1, max_length=100, description="e.g. db-upgrade-2026-12")]


@router.get("/maintenance", responses=_ERRORS)
def list_windows(
    principal: Viewer,
    sessions: Sessions,
    now: Now,
    all_: Annotated[bool, Query(alias="all", description="Include ended windows.")] = False,
) -> list[MaintenanceOut]:
    """Active and upcoming windows, the next to run first; with `all`, the ended ones too."""
    del principal
    return [
        maintenance_out(w, now)
        for w in maintenance.list_windows(sessions, now=now, include_ended=all_)
    ]


@router.post("/maintenance", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def add_window(
    body: MaintenanceIn, principal: Responder, sessions: Sessions, now: Now
) -> MaintenanceOut:
    """Plan a window: alerts whose labels match every matcher are kept but page no one from
    `starts_at` to `ends_at` (only during its runs when it has a `recurrence`)."""
    every = body.recurrence
    window = maintenance.add_window(
        sessions,
        name=body.name,
        matchers=[parse_matcher(m) for m in body.matchers],
        starts_at=_aware(body.starts_at, "starts_at") if body.starts_at else now,
        ends_at=_aware(body.ends_at, "ends_at"),
        created_by=principal.name,
        comment=body.comment,
        now=now,
        recurrence=None
        if every is None
        else recurrence(
            days=every.days,
            at=every.at,
            duration=timedelta(minutes=every.duration_minutes),
            timezone=every.timezone,
        ),
    )
    return maintenance_out(window, now)


@router.get("/maintenance/{name}", responses=_ERRORS)
def get_window(name: Name, principal: Viewer, sessions: Sessions, now: Now) -> MaintenanceOut:
    """The window of that name not ended yet, else the latest that has ended."""
    del principal
    return maintenance_out(maintenance.get_window(sessions, name=name, now=now), now)


@router.delete("/maintenance/{name}", responses=_ERRORS)
def end_window(name: Name, principal: Responder, sessions: Sessions, now: Now) -> MaintenanceOut:
    """End the window now (an upcoming one is cancelled); it stays in the history, with the
    alerts it silenced."""
    del principal
    return maintenance_out(maintenance.end_window(sessions, name=name, now=now), now)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise InputError(f"'{name}' has no time zone; write it like 2026-12-06T01:00:00Z")
    return value
