"""Fixtures of the API tests: the app over the `sessions` fixture (so every test runs on SQLite and
on PostgreSQL), the seed runbooks imported, a clock the tests move by hand, one token per role and
a `TestClient`.

    def test_x(client: TestClient, tokens: Tokens, clock: Clock) -> None:
        response = client.get("/api/v1/incidents", headers=bearer(tokens[Role.VIEWER]))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from astreinte.api.app import create_app
from astreinte.services import catalogue
from astreinte.services.tokens import Role, create_token
from tests.conftest import SEEDS, seed_files

START = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)

# The token names are the actors the timeline shows.
NAMES: Mapping[Role, str] = {
    Role.VIEWER: "victor",
    Role.RESPONDER: "rachel",
    Role.APPROVER: "anna",
    Role.ADMIN: "ada",
}

Tokens = Mapping[Role, str]
Json = dict[str, Any]


@dataclass
class Clock:
    """The app's clock: it stands still until a test moves it."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, *, minutes: float) -> datetime:
        """Move the clock forward; returns the new time."""
        self.now += timedelta(minutes=minutes)
        return self.now


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def at(value: str | None) -> datetime | None:
    """A timestamp of a response as an aware datetime (the API writes ISO 8601 with 'Z')."""
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_problem(response: httpx2.Response, status: int | None = None) -> str:
    """Check that `response` is a client error with a Problem body (status, title, and a
    one-line `detail`), and return the detail."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    detail = body["detail"]
    assert isinstance(detail, str)
    assert detail.strip(), "the detail is empty"
    assert "\n" not in detail, f"not one sentence: {detail!r}"
    assert len(detail) < 500, f"not one sentence: {detail!r}"
    assert "Traceback" not in detail
    assert "sqlalchemy" not in detail.lower()
    return detail


@dataclass(frozen=True)
class Seed004:
    """Catalogue ids of the seed 004 runbook (P1 = critical, tiered escalation), read from the
    catalogue rather than copied from the seed."""

    runbook_id: str
    source: str
    procedures: Mapping[str, str]  # "RB-P1-003" → catalogue procedure id

    def procedure(self, code: str) -> str:
        return self.procedures[code]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def catalogued(sessions: sessionmaker[Session], clock: Clock) -> sessionmaker[Session]:
    """The `sessions` with the seed runbooks imported."""
    files = seed_files()
    assert files, f"no seed runbooks in {SEEDS}"
    report = catalogue.import_paths(sessions, files, now=clock.now)
    assert report.ok, [(f.path.name, f.error) for f in report.failed]
    return sessions


@pytest.fixture
def seed004(catalogued: sessionmaker[Session]) -> Seed004:
    with catalogued() as session:
        summary = next(r for r in catalogue.list_runbooks(session) if r.source.startswith("004_"))
        stored = catalogue.show_runbook(session, runbook_id=summary.id)
    codes = {
        procedure.title.split(":")[0].strip(): procedure_id
        for procedure_id, procedure in zip(
            stored.procedure_ids, stored.runbook.procedures, strict=True
        )
    }
    return Seed004(summary.id, summary.source, codes)


@pytest.fixture
def tokens(catalogued: sessionmaker[Session], clock: Clock) -> Tokens:
    """One token per role, named after its holder (see NAMES)."""
    return {
        role: create_token(catalogued, name=NAMES[role], role=role, now=clock.now)[1]
        for role in Role
    }


@pytest.fixture
def app(catalogued: sessionmaker[Session], clock: Clock) -> FastAPI:
    return create_app(catalogued, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client without credentials; requests add `headers=bearer(...)`."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def responder(app: FastAPI, tokens: Tokens) -> Iterator[TestClient]:
    """A client acting as the responder (NAMES[Role.RESPONDER] on the timeline)."""
    with TestClient(app, headers=bearer(tokens[Role.RESPONDER])) as test_client:
        yield test_client


@pytest.fixture
def viewer(app: FastAPI, tokens: Tokens) -> Iterator[TestClient]:
    with TestClient(app, headers=bearer(tokens[Role.VIEWER])) as test_client:
        yield test_client
