"""API tokens, stored as SHA-256 digests: the database never holds a usable secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from astreinte.storage.tables import TokenRow


@dataclass(frozen=True, slots=True)
class StoredToken:
    id: int
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


def insert(session: Session, *, name: str, role: str, digest: str, now: datetime) -> StoredToken:
    row = TokenRow(name=name, role=role, token_sha256=digest, created_at=now, revoked_at=None)
    session.add(row)
    session.flush()
    return _token(row)


def find(session: Session, digest: str) -> StoredToken | None:
    row = session.scalars(select(TokenRow).where(TokenRow.token_sha256 == digest)).one_or_none()
    return None if row is None else _token(row)


def list_tokens(session: Session) -> list[StoredToken]:
    return [_token(row) for row in session.scalars(select(TokenRow).order_by(TokenRow.id))]


def revoke(session: Session, token_id: int, *, now: datetime) -> StoredToken | None:
    row = session.get(TokenRow, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = now
    return _token(row)


def _token(row: TokenRow) -> StoredToken:
    return StoredToken(row.id, row.name, row.role, row.created_at, row.revoked_at)
