"""`/api/v1/probes`: the configured probes, their state, and their results' history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from astreinte.api.deps import Now, Sessions, Viewer
from astreinte.api.schemas import (
    ProbeOut,
    ProbeResultsOut,
    Problem,
    probe_out,
    probe_results_out,
)
from astreinte.domain.probe import ProbeSpec
from astreinte.errors import InputError
from astreinte.services import probes

router = APIRouter(tags=["probes"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No valid token."},
    403: {"model": Problem, "description": "The token's role may not do this."},
    404: {"model": Problem, "description": "No probe of that name."},
    422: {"model": Problem, "description": "A query parameter cannot be used as given."},
}


def _specs(request: Request) -> Sequence[ProbeSpec] | None:
    specs: Sequence[ProbeSpec] | None = request.app.state.probes
    return specs


@router.get("/probes", responses=_ERRORS)
def list_probes(
    principal: Viewer, sessions: Sessions, now: Now, request: Request
) -> list[ProbeOut]:
    """Every probe with its status, its last result, its next run, its uptime over 24 h and,
    while it is down, the incident it opened."""
    del principal
    return [probe_out(v) for v in probes.list_probes(sessions, specs=_specs(request), now=now)]


@router.get("/probes/{name}/results", responses=_ERRORS)
def probe_results(
    name: Annotated[str, Path(min_length=1, max_length=100, description="e.g. redis")],
    principal: Viewer,
    sessions: Sessions,
    now: Now,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many results.")] = 100,
    since: Annotated[
        datetime | None, Query(description="Only results from then on (ISO 8601, with zone).")
    ] = None,
) -> ProbeResultsOut:
    """The probe's latest results, newest first, and its uptime and latency percentiles over
    24 h, 7 d and 90 d."""
    del principal
    if since is not None and since.tzinfo is None:
        raise InputError("'since' has no time zone; write it like 2026-12-06T01:00:00Z")
    specs = _specs(request) or ()
    found = probes.history(
        sessions, name=name, now=now, limit=limit, since=since, known=[s.name for s in specs]
    )
    return probe_results_out(found)
