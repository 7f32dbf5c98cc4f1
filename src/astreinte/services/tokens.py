"""API tokens and the roles they carry.

A token is shown once, when it is created; only its SHA-256 is stored. Roles are ordered: each
role may do what the ones below it may (viewer: read; responder: act on incidents; approver:
approve guarded steps; admin: everything).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

from astreinte.errors import InputError, NotFound
from astreinte.storage import tokens as store
from astreinte.storage.tokens import StoredToken

PREFIX = "ast_"


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's name (used as the actor on the timeline) and its role."""

    name: str
    role: Role


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role '{value}'; use one of {names}") from None


def create_token(
    sessions: sessionmaker[Session], *, name: str, role: Role, now: datetime
) -> tuple[StoredToken, str]:
    """A new token: its record and the secret, which is not stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("a token needs a name of 1 to 100 characters (who or what uses it)")
    secret = PREFIX + secrets.token_urlsafe(32)
    with sessions.begin() as session:
        stored = store.insert(session, name=name, role=role.value, digest=digest(secret), now=now)
    return stored, secret


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None for anything else."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    stored = store.find(session, digest(secret))
    if stored is None or stored.revoked_at is not None:
        return None
    return Principal(stored.name, Role(stored.role))


def list_tokens(sessions: sessionmaker[Session]) -> list[StoredToken]:
    with sessions.begin() as session:
        return store.list_tokens(session)


def revoke_token(sessions: sessionmaker[Session], *, token_id: int, now: datetime) -> StoredToken:
    with sessions.begin() as session:
        stored = store.revoke(session, token_id, now=now)
    if stored is None:
        raise NotFound(f"no token {token_id}; 'astreinte token list' shows them")
    return stored
