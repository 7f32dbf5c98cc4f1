"""GET /api/v1/notifications and an incident's notifications: the channel routing chose when the
page was queued, and why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from astreinte.api.app import create_app
from astreinte.config import Settings
from astreinte.services.tokens import Role
from astreinte.wiring import incident_rules
from tests.api.conftest import Clock, Seed004, Tokens, bearer

SETTINGS = Settings.model_validate(
    {
        "database_url": "sqlite://",
        "public_url": "https://astreinte.example.org",
        "channels": {
            "pager": {"url": "https://pager.example.org/hook", "kind": "webhook"},
            "mail": {"url": "mailtos://user:pass@smtp.example.org?to={recipient}"},
        },
        "routes": {"email": "mail"},
        "routing": [{"service": "api", "level": ["critical"], "channels": ["pager"]}],
    }
)


@pytest.fixture
def routed(catalogued: sessionmaker[Session], clock: Clock, tokens: Tokens) -> Iterator[TestClient]:
    app = create_app(catalogued, clock=clock, rules=incident_rules(SETTINGS))
    with TestClient(app, headers=bearer(tokens[Role.RESPONDER])) as client:
        yield client


def test_the_notifications_show_the_routed_channel_and_why(
    routed: TestClient, seed004: Seed004
) -> None:
    response = routed.post(
        "/api/v1/incidents",
        json={"title": "Base indisponible", "service": "api", "procedure_id": seed004.procedure(
            "RB-P1-003")},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    incident = response.json()
    slack = next(n for n in incident["notifications"] if n["recipient"] == "#akig-incidents")
    assert (slack["channel"], slack["reason"]) == (
        "pager",
        "routing rule 1 (service api, level critical)",
    )
    listed = routed.get("/api/v1/notifications").json()
    by_recipient = {n["recipient"]: n for n in listed}
    assert by_recipient["#akig-incidents"]["channel"] == "pager"
    assert by_recipient["#akig-incidents"]["reason"] == slack["reason"]
    # The runbook's placeholder number is shown as undeliverable, with what to do about it.
    missing = by_recipient["+33 6 XX XX XX XX"]
    assert missing["status"] == "undeliverable"
    assert "configure a contact" in missing["reason"]
