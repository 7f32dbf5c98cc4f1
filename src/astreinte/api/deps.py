"""Dependencies of the routes, as a vocabulary: `Sessions`, `Now`, `Rules`, and the
principal with the role a route needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from astreinte.services import tokens
from astreinte.services.incidents import IncidentRules
from astreinte.services.tokens import Principal, Role

_bearer = HTTPBearer(auto_error=False, description="A token from `astreinte token create`.")


def _sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def _rules(request: Request) -> IncidentRules:
    rules: IncidentRules = request.app.state.rules
    return rules


Sessions = Annotated[sessionmaker[Session], Depends(_sessions)]
Now = Annotated[datetime, Depends(_now)]
Rules = Annotated[IncidentRules, Depends(_rules)]


def _principal(
    sessions: Sessions,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token; send 'Authorization: Bearer <token>' "
            "(create one with 'astreinte token create')",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return authenticate(sessions, credentials.credentials)


def authenticate(sessions: sessionmaker[Session], secret: str) -> Principal:
    """The principal of a token; 401 for an invalid or revoked one."""
    with sessions.begin() as session:
        principal = tokens.authenticate(session, secret)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked token; create a new one with 'astreinte token create'",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return principal


def authorize(principal: Principal, role: Role) -> Principal:
    """The principal when its role is `role` or above; 403 saying what is needed otherwise."""
    if not principal.role.allows(role):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"token '{principal.name}' has the role {principal.role}; this needs {role} or above",
        )
    return principal


def require(role: Role) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        return authorize(principal, role)

    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Responder = Annotated[Principal, Depends(require(Role.RESPONDER))]
Approver = Annotated[Principal, Depends(require(Role.APPROVER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
