"""`POST /api/v1/alerts/{source}` with the senders' real payloads, on SQLite and PostgreSQL:
stored before the answer, deduplicated, grouped, resolved; bad payloads refused whole."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.alert_sources import parse
from astreinte.api.app import create_app
from astreinte.services.tokens import Role
from astreinte.storage import alerts as alert_store
from astreinte.wiring import SignatureCheck
from tests.api.conftest import Clock, Tokens, assert_problem
from tests.conftest import SHARED

INBOUND = SHARED / "formats" / "inbound"
ALERTS = "/api/v1/alerts"

SOURCES = {
    "alertmanager_webhook_v4.json": "alertmanager",
    "alertmanager_webhook_v4_resolved.json": "alertmanager",
    "alertmanager_api_v2_postable_alerts.json": "alertmanager",
    "grafana_webhook.json": "grafana",
    "pagerduty_events_v2.json": "pagerduty",
    "sentry_event_alert_webhook.json": "sentry",
    "sentry_issue_webhook.json": "sentry",
    "uptime_kuma_webhook.json": "uptime-kuma",
    "datadog_webhook_default.json": "datadog",
    "generic_alert.json": "generic",
}


def body(name: str) -> bytes:
    return (INBOUND / name).read_bytes()


def post(client: TestClient, source: str, content: bytes) -> dict[str, object]:
    response = client.post(
        f"{ALERTS}/{source}", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 202, response.text
    data = response.json()
    assert isinstance(data, dict)
    return data


def test_every_example_is_a_known_source() -> None:
    assert {p.name for p in INBOUND.glob("*.json")} == set(SOURCES)


@pytest.mark.parametrize(("name", "source"), sorted(SOURCES.items()))
def test_every_sender_example_is_accepted(
    responder: TestClient, clock: Clock, name: str, source: str
) -> None:
    expected = parse(source, body(name), received_at=clock.now)
    data = post(responder, source, body(name))
    alerts = data["alerts"]
    assert isinstance(alerts, list)
    assert [(a["fingerprint"], a["status"]) for a in alerts] == [
        (a.fingerprint, a.status.value) for a in expected.alerts
    ]
    assert data["problems"] == list(expected.problems)
    listed = responder.get(ALERTS).json()
    assert {a["fingerprint"] for a in listed} >= {a.fingerprint for a in expected.alerts}


def test_firing_then_resolved_alertmanager_mitigates_the_incident(responder: TestClient) -> None:
    firing = post(responder, "alertmanager", body("alertmanager_webhook_v4.json"))
    incidents = firing["incidents"]
    assert isinstance(incidents, list)
    assert incidents
    resolved = parse(
        "alertmanager", body("alertmanager_webhook_v4_resolved.json"), received_at=Clock().now
    )
    still_firing = {
        a.fingerprint
        for a in parse(
            "alertmanager", body("alertmanager_webhook_v4.json"), received_at=Clock().now
        ).alerts
    } - {a.fingerprint for a in resolved.alerts}
    post(responder, "alertmanager", body("alertmanager_webhook_v4_resolved.json"))
    for number in incidents:
        incident = responder.get(f"/api/v1/incidents/{number}").json()
        attached = incident["alerts"]
        assert attached
        open_alerts = [a for a in attached if a["status"] != "resolved"]
        assert {a["fingerprint"] for a in open_alerts} <= still_firing
        if not open_alerts:
            assert incident["status"] == "mitigated"
        else:
            assert incident["status"] == "triggered"


def test_a_resend_is_a_repeat_and_opens_nothing(responder: TestClient) -> None:
    first = post(responder, "alertmanager", body("alertmanager_webhook_v4.json"))
    count = len(responder.get("/api/v1/incidents").json())
    again = post(responder, "alertmanager", body("alertmanager_webhook_v4.json"))
    alerts = again["alerts"]
    assert isinstance(alerts, list)
    assert {a["outcome"] for a in alerts} == {"repeat"}
    assert again["incidents"] == []
    assert len(responder.get("/api/v1/incidents").json()) == count
    assert first["incidents"]


def test_an_alert_that_names_its_problem_gets_the_seed_procedure(responder: TestClient) -> None:
    payload = json.loads(body("generic_alert.json"))
    payload.update(
        dedup_key="redis-1",
        title="Redis down: connect ECONNREFUSED 127.0.0.1:6379",
        description="la queue BullMQ est bloquée",
        labels={"service": "sylion"},
    )
    data = post(responder, "generic", json.dumps(payload).encode())
    numbers = data["incidents"]
    assert isinstance(numbers, list)
    assert len(numbers) == 1
    incident = responder.get(f"/api/v1/incidents/{numbers[0]}").json()
    assert "Redis" in incident["procedure"]["title"]
    assert incident["service"] == "sylion"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not json at all", "not JSON"),
        (b"[1, 2", "not JSON"),
        (b'"a string"', ""),
        (b"{}", ""),
    ],
)
def test_a_bad_payload_is_refused_whole_and_nothing_is_stored(
    responder: TestClient, content: bytes, says: str
) -> None:
    response = responder.post(
        f"{ALERTS}/generic", content=content, headers={"Content-Type": "application/json"}
    )
    detail = assert_problem(response, 422)
    assert says in detail
    assert responder.get(ALERTS).json() == []
    assert responder.get("/api/v1/incidents").json() == []


def test_an_oversized_payload_is_refused(responder: TestClient) -> None:
    content = b'{"title": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    detail = assert_problem(
        responder.post(
            f"{ALERTS}/generic", content=content, headers={"Content-Type": "application/json"}
        )
    )
    assert "limit" in detail


def test_an_unknown_source_is_refused(responder: TestClient) -> None:
    response = responder.post(f"{ALERTS}/nagios", content=b"{}")
    assert_problem(response, 422)


def test_one_bad_alert_in_a_batch_does_not_drop_the_others(responder: TestClient) -> None:
    payload = json.loads(body("alertmanager_webhook_v4.json"))
    payload["alerts"][0]["status"] = "pending"
    data = post(responder, "alertmanager", json.dumps(payload).encode())
    alerts = data["alerts"]
    problems = data["problems"]
    assert isinstance(alerts, list)
    assert isinstance(problems, list)
    assert len(alerts) == len(payload["alerts"]) - 1
    assert any("alert 0" in p or "alert 1" in p for p in problems)


def test_silences_through_the_api(responder: TestClient) -> None:
    created = responder.post(
        "/api/v1/silences",
        json={
            "matchers": ['service="postgres"'],
            "ends_at": "2030-01-01T00:00:00Z",
            "comment": "maintenance window",
        },
    )
    assert created.status_code == 201, created.text
    silence = created.json()
    assert silence["active"] is True
    data = post(responder, "generic", body("generic_alert.json"))  # service="postgres"
    alerts = data["alerts"]
    assert isinstance(alerts, list)
    assert [a["outcome"] for a in alerts] == ["silenced"]
    assert data["incidents"] == []
    expired = responder.delete(f"/api/v1/silences/{silence['id']}")
    assert expired.status_code == 200, expired.text
    assert responder.get("/api/v1/silences").json() == []
    bad = responder.post(
        "/api/v1/silences",
        json={"matchers": ["service"], "ends_at": "2030-01-01T00:00:00Z", "comment": "x"},
    )
    assert "is not name=" in assert_problem(bad, 422)


def test_the_cli_ingests_the_same_way(tmp_path: Path, database_url: str) -> None:
    from typer.testing import CliRunner

    from astreinte.cli.main import app

    env = {"ASTREINTE_DATABASE_URL": database_url, "ASTREINTE_CONFIG": None}
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "alerts",
            "ingest",
            str(INBOUND / "alertmanager_webhook_v4.json"),
            "--source",
            "alertmanager",
            "--json",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["alerts"]) == len(
        parse("alertmanager", body("alertmanager_webhook_v4.json"), received_at=Clock().now).alerts
    )
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    refused = runner.invoke(app, ["alerts", "ingest", str(bad), "--source", "generic"], env=env)
    assert refused.exit_code == 1
    assert "not JSON" in refused.stderr


def _signed_app(catalogued: sessionmaker[Session], clock: Clock, secret: str) -> FastAPI:
    return create_app(
        catalogued, clock=clock, signatures={"sentry": SignatureCheck("sentry", secret)}
    )


def test_a_signed_sender_needs_no_token_and_a_tampered_body_is_refused(
    catalogued: sessionmaker[Session], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "integration-client-secret"
    content = body("sentry_issue_webhook.json")
    signature = hmac.new(secret.encode(), content, hashlib.sha256).hexdigest()
    with TestClient(_signed_app(catalogued, clock, secret)) as client:
        signed = client.post(
            f"{ALERTS}/sentry",
            content=content,
            headers={"Content-Type": "application/json", "Sentry-Hook-Signature": signature},
        )
        assert signed.status_code == 202, signed.text
        tampered = content.replace(b'"', b"'", 1) if content.startswith(b'"') else content + b" "
        with caplog.at_level(logging.WARNING, logger="astreinte.alerts"):
            refused = client.post(
                f"{ALERTS}/sentry",
                content=tampered,
                headers={"Content-Type": "application/json", "Sentry-Hook-Signature": signature},
            )
        assert_problem(refused, 401)
        assert "refused sentry alert" in caplog.text
    with catalogued() as session:
        stored = alert_store.list_alerts(session)
    assert len(stored) == len(parse("sentry", content, received_at=clock.now).alerts)


def test_a_token_in_the_query_string_is_accepted(
    app: FastAPI, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(app) as client:
        accepted = client.post(
            f"{ALERTS}/generic?token={tokens[Role.RESPONDER]}", content=body("generic_alert.json")
        )
        assert accepted.status_code == 202, accepted.text
        with caplog.at_level(logging.WARNING, logger="astreinte.alerts"):
            wrong = client.post(f"{ALERTS}/generic?token=ast_nope", content=b"{}")
            viewer = client.post(
                f"{ALERTS}/generic?token={tokens[Role.VIEWER]}", content=body("generic_alert.json")
            )
        assert_problem(wrong, 401)
        assert_problem(viewer, 403)
        assert "invalid or revoked token" in caplog.text
