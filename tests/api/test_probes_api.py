"""`GET /api/v1/probes` and `/api/v1/probes/{name}/results`: what a status page or the UI
reads — state, last result, next run, uptime, the incident while down, and the history."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from astreinte.api.app import create_app
from astreinte.domain.probe import ProbeKind, ProbeResult, ProbeSpec
from astreinte.services import probes
from astreinte.services.tokens import Role
from tests.api.conftest import Clock, Tokens, assert_problem, at, bearer

V1 = "/api/v1"
REDIS = ProbeSpec(
    "redis",
    ProbeKind.REDIS,
    "redis://:s3cret@127.0.0.1:6379/0",
    interval=timedelta(seconds=10),
    service="sylion",
    fall=1,
)
HEALTH = ProbeSpec("health", ProbeKind.HTTP, "http://127.0.0.1:8000/health", timedelta(seconds=30))


def checked(sessions: sessionmaker[Session], clock: Clock, *outcomes: bool) -> None:
    """Record one result of the redis probe per outcome, a minute apart, ending now."""
    for n, ok in enumerate(outcomes):
        when = clock.now - timedelta(minutes=len(outcomes) - 1 - n)
        detail = "127.0.0.1:6379 answered PONG" if ok else "127.0.0.1:6379: connection refused"
        result = ProbeResult(ok=ok, at=when, detail=detail, latency_ms=1.5 if ok else None)
        probes.record(sessions, [(REDIS, result)], now=when)


def test_probes_are_listed_with_their_state_and_the_incident_while_down(
    viewer: TestClient, catalogued: sessionmaker[Session], clock: Clock
) -> None:
    checked(catalogued, clock, True, True, True, False)

    response = viewer.get(f"{V1}/probes")

    assert response.status_code == 200, response.text
    (probe,) = response.json()
    assert probe["name"] == "redis"
    assert probe["kind"] == "redis"
    assert probe["target"] == "redis://:***@127.0.0.1:6379/0"
    assert probe["status"] == "down"
    assert at(probe["since"]) == clock.now
    assert probe["last"]["ok"] is False
    assert probe["last"]["detail"] == "127.0.0.1:6379: connection refused"
    assert probe["uptime_24h"] == 75.0
    assert probe["interval_seconds"] == 10.0
    assert probe["incident_id"] is not None
    incident = viewer.get(f"{V1}/incidents/{probe['incident_id']}").json()
    assert incident["procedure"]["title"].startswith("Incident 3")


def test_the_configured_probes_are_listed_even_before_their_first_run(
    catalogued: sessionmaker[Session], clock: Clock, tokens: Tokens
) -> None:
    checked(catalogued, clock, True)
    app = create_app(catalogued, clock=clock, probes=[HEALTH, REDIS])

    with TestClient(app, headers=bearer(tokens[Role.VIEWER])) as client:
        listed = client.get(f"{V1}/probes").json()

    assert [(p["name"], p["status"]) for p in listed] == [("health", "unknown"), ("redis", "up")]
    assert listed[0]["last"] is None
    assert listed[1]["incident_id"] is None


def test_results_come_newest_first_with_uptime_and_latency(
    viewer: TestClient, catalogued: sessionmaker[Session], clock: Clock
) -> None:
    checked(catalogued, clock, True, False, True, True)

    response = viewer.get(f"{V1}/probes/redis/results", params={"limit": 3})

    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["ok"] for r in body["results"]] == [True, True, False]
    assert [w["period"] for w in body["windows"]] == ["24h", "7d", "90d"]
    day = body["windows"][0]
    assert (day["checks"], day["uptime"], day["p50_ms"], day["p99_ms"]) == (4, 75.0, 1.5, 1.5)
    since = (clock.now - timedelta(seconds=90)).isoformat()
    recent = viewer.get(f"{V1}/probes/redis/results", params={"since": since}).json()
    assert len(recent["results"]) == 2


def test_an_unknown_probe_is_404_with_a_sentence(viewer: TestClient) -> None:
    detail = assert_problem(viewer.get(f"{V1}/probes/nope/results"), 404)

    assert detail.startswith("no probe 'nope'")


def test_a_since_without_zone_is_refused_with_what_to_write(
    viewer: TestClient, catalogued: sessionmaker[Session], clock: Clock
) -> None:
    checked(catalogued, clock, True)

    detail = assert_problem(
        viewer.get(f"{V1}/probes/redis/results", params={"since": "2026-03-04T05:00:00"}), 422
    )

    assert "time zone" in detail
