"""`/api/v1/alerts/{source}` (what monitoring tools post), `/alerts`, `/silences`,
`/notifications`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from astreinte.adapters import signatures
from astreinte.adapters.alert_sources import SOURCES, parse
from astreinte.api.deps import (
    Now,
    Responder,
    Rules,
    Sessions,
    Viewer,
    authenticate,
    authorize,
)
from astreinte.api.schemas import AlertOut, Problem, _In, alert_out
from astreinte.domain.alert import AlertStatus
from astreinte.domain.silence import Matcher, Silence, parse_matcher
from astreinte.errors import InputError, NotFound
from astreinte.services import alerts
from astreinte.services import notifications as notifications_view
from astreinte.services.alerts import Ingested
from astreinte.services.tokens import Principal, Role
from astreinte.wiring import SignatureCheck

log = logging.getLogger("astreinte.alerts")

router = APIRouter(tags=["alerts"])

MAX_BODY = 1024 * 1024
_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "The request is malformed."},
    401: {"model": Problem, "description": "No valid token."},
    403: {"model": Problem, "description": "The token's role may not do this."},
    404: {"model": Problem, "description": "No such source or silence."},
    413: {"model": Problem, "description": "The body is too large."},
    422: {"model": Problem, "description": "The payload cannot be read."},
}
SourceName = Literal[
    "alertmanager", "grafana", "pagerduty", "sentry", "uptime-kuma", "datadog", "generic"
]


class IngestedOut(AlertOut):
    outcome: str = Field(description="new, joined, repeat, acknowledged, resolved, refired…")


class IngestOut(BaseModel):
    alerts: list[IngestedOut]
    incidents: list[int]
    problems: list[str] = Field(description="One sentence per alert of the payload skipped.")


def _ingested(item: Ingested) -> IngestedOut:
    return IngestedOut(**alert_out(item.stored).model_dump(), outcome=item.outcome.value)


@router.post(
    "/alerts/{source}",
    status_code=status.HTTP_202_ACCEPTED,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def receive(
    source: Annotated[SourceName, Path()],
    request: Request,
    sessions: Sessions,
    now: Now,
    rules: Rules,
    token: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The token, for senders that cannot set an Authorization header.",
        ),
    ] = None,
) -> IngestOut:
    """Accept a monitoring tool's payload as it sends it; its alerts are stored before the
    answer, and open, join or mitigate incidents."""
    body = await request.body()
    await run_in_threadpool(_authenticate, request, source, body, sessions, now, token)
    if len(body) > MAX_BODY:
        raise InputError(
            f"the body is {len(body)} bytes; the limit is {MAX_BODY} (split the batch)"
        )
    if source not in SOURCES:  # Literal above already refuses; kept for safety
        raise NotFound(f"unknown alert source '{source}'; use one of {', '.join(SOURCES)}")
    parsed = parse(source, body, received_at=now)
    # Storing is synchronous work: run it off the event loop.
    report = await run_in_threadpool(
        alerts.ingest,
        sessions,
        alerts=parsed.alerts,
        now=now,
        rules=rules,
        alert_rules=request.app.state.alert_rules,
    )
    return IngestOut(
        alerts=[_ingested(item) for item in report.alerts],
        incidents=list(report.incidents),
        problems=list(parsed.problems),
    )


def _authenticate(
    request: Request,
    source: str,
    body: bytes,
    sessions: sessionmaker[Session],
    now: datetime,
    token: str | None,
) -> Principal:
    """A valid signature of the sender configured for `source`, or a responder's token (in the
    Authorization header or the `token` query parameter). A refusal is logged, and nothing of
    the payload is read."""
    check: SignatureCheck | None = request.app.state.signatures.get(source)
    where = request.client.host if request.client else "unknown"
    if check is not None and signatures.verify(
        check.scheme,
        body,
        request.headers,
        check.secret,
        now=now,
        signature_header=check.signature_header,
        timestamp_header=check.timestamp_header,
    ):
        return Principal(f"{source} (signed)", Role.RESPONDER)
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else token
    if not secret:
        log.warning("refused %s alert from %s: no valid signature and no token", source, where)
        what = "a valid signature or " if check is not None else ""
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"this endpoint needs {what}a token: 'Authorization: Bearer <token>' or "
            "?token=<token> (create one with 'astreinte token create --role responder')",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return authorize(authenticate(sessions, secret), Role.RESPONDER)
    except HTTPException as refused:
        log.warning("refused %s alert from %s: %s", source, where, refused.detail)
        raise


@router.get("/alerts", responses=_ERRORS)
def list_alerts(
    principal: Viewer,
    sessions: Sessions,
    status_: Annotated[AlertStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AlertOut]:
    """Alerts, newest first."""
    del principal
    return [
        alert_out(s)
        for s in alerts.list_alerts(sessions, status=status_, limit=limit, offset=offset)
    ]


class MatcherIn(_In):
    name: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=500)
    regex: bool = False
    equal: bool = True


class SilenceIn(_In):
    matchers: list[MatcherIn | str] = Field(
        min_length=1, max_length=20, description='Objects, or strings like service="checkout".'
    )
    starts_at: datetime | None = Field(default=None, description="Default: now.")
    ends_at: datetime
    comment: str = Field(min_length=1, max_length=2000)


class SilenceOut(BaseModel):
    id: int
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    expired_at: datetime | None
    active: bool
    kind: Literal["silence", "maintenance"] = "silence"
    name: str | None = Field(default=None, description="A maintenance window's name.")


def _silence_out(silence: Silence, now: datetime) -> SilenceOut:
    return SilenceOut(
        id=silence.id,
        matchers=[str(m) for m in silence.matchers],
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        created_by=silence.created_by,
        comment=silence.comment,
        expired_at=silence.expired_at,
        active=silence.active(now),
        kind=silence.kind.value,
        name=silence.name,
    )


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise InputError(f"'{name}' has no time zone; write it like 2026-11-22T03:00:00Z")
    return value


@router.get("/silences", responses=_ERRORS)
def list_silences(
    principal: Viewer,
    sessions: Sessions,
    now: Now,
    expired: Annotated[bool, Query(description="Include expired silences.")] = False,
) -> list[SilenceOut]:
    del principal
    return [
        _silence_out(s, now)
        for s in alerts.list_silences(sessions, now=now, include_expired=expired)
    ]


@router.post("/silences", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def add_silence(body: SilenceIn, principal: Responder, sessions: Sessions, now: Now) -> SilenceOut:
    """Silence the alerts whose labels match every matcher, from `starts_at` to `ends_at`."""
    matchers = [
        parse_matcher(m)
        if isinstance(m, str)
        else Matcher(m.name, m.value, regex=m.regex, equal=m.equal)
        for m in body.matchers
    ]
    for matcher in matchers:
        parse_matcher(str(matcher))  # checks a regex given as an object too
    silence = alerts.add_silence(
        sessions,
        matchers=matchers,
        starts_at=_aware(body.starts_at, "starts_at") if body.starts_at else now,
        ends_at=_aware(body.ends_at, "ends_at"),
        created_by=principal.name,
        comment=body.comment,
        now=now,
    )
    return _silence_out(silence, now)


@router.delete("/silences/{silence_id}", responses=_ERRORS)
def expire_silence(
    silence_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    principal: Responder,
    sessions: Sessions,
    now: Now,
) -> SilenceOut:
    """Expire a silence now (it stays in the history)."""
    del principal
    return _silence_out(alerts.expire_silence(sessions, silence_id=silence_id, now=now), now)


class NotificationOut(BaseModel):
    id: int
    incident_id: int | None
    kind: str
    channel: str
    recipient: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    error: str | None
    reason: str | None = None  # why this channel: routing rule, contact, route, fallback


@router.get("/notifications", responses=_ERRORS)
def list_notifications(
    principal: Viewer,
    sessions: Sessions,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[NotificationOut]:
    """Notifications, newest first, with their delivery attempts and status."""
    del principal
    return [
        NotificationOut(
            id=q.id,
            incident_id=q.notification.incident_id,
            kind=q.notification.kind,
            channel=q.notification.channel,
            recipient=q.notification.recipient,
            subject=q.notification.subject,
            status=q.status.value,
            attempts=q.attempts,
            created_at=q.created_at,
            delivered_at=q.delivered_at,
            error=q.last_error,
            reason=q.notification.reason or None,
        )
        for q in notifications_view.recent(sessions, limit=limit, offset=offset)
    ]
