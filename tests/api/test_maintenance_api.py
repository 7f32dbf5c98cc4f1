"""`/api/v1/maintenance` on SQLite and PostgreSQL: plan a weekly window, alerts during a run are
kept and open nothing, alerts outside open incidents, end it; bad plans are one-line problems."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Clock, assert_problem, at
from tests.conftest import SHARED

URL = "/api/v1/maintenance"
GENERIC = SHARED / "formats" / "inbound" / "generic_alert.json"  # service="postgres"

# The clock starts on Wednesday 4 March 2026; Sundays 02:00–04:00 Paris are 01:00–03:00 UTC.
PLAN: dict[str, Any] = {
    "name": "pg-upgrade-2026-03",
    "matchers": ['service="postgres"'],
    "ends_at": "2026-04-30T00:00:00Z",
    "comment": "Montée de version PostgreSQL, une étape par dimanche",
    "recurrence": {
        "days": ["sun"],
        "at": "02:00",
        "duration_minutes": 120,
        "timezone": "Europe/Paris",
    },
}


def alert(client: TestClient, dedup_key: str) -> dict[str, Any]:
    payload = json.loads(GENERIC.read_text(encoding="utf-8"))
    payload["dedup_key"] = dedup_key
    response = client.post("/api/v1/alerts/generic", json=payload)
    assert response.status_code == 202, response.text
    data: dict[str, Any] = response.json()
    return data


def test_a_weekly_window_silences_its_runs_and_is_ended_keeping_its_record(
    responder: TestClient, clock: Clock
) -> None:
    created = responder.post(URL, json=PLAN)
    assert created.status_code == 201, created.text
    window = created.json()
    assert window["state"] == "upcoming"
    assert window["created_by"] == "rachel"
    assert window["recurrence"]["text"] == "every sun 02:00–04:00 Europe/Paris"
    assert window["next_local"] == "2026-03-08 02:00 Europe/Paris"
    assert [(at(r["starts_at"]), at(r["ends_at"])) for r in window["next"][:2]] == [
        (datetime(2026, 3, 8, 1, tzinfo=UTC), datetime(2026, 3, 8, 3, tzinfo=UTC)),
        (datetime(2026, 3, 15, 1, tzinfo=UTC), datetime(2026, 3, 15, 3, tzinfo=UTC)),
    ]

    clock.now = datetime(2026, 3, 8, 1, 30, tzinfo=UTC)  # Sunday 02:30 in Paris
    during = alert(responder, "backup/during")
    assert [a["outcome"] for a in during["alerts"]] == ["silenced"]
    assert during["alerts"][0]["silence_id"] == window["id"]
    assert during["incidents"] == []
    shown = responder.get(f"{URL}/pg-upgrade-2026-03").json()
    assert (shown["state"], shown["active"], shown["silenced_alerts"]) == ("active", True, 1)
    (silence,) = responder.get("/api/v1/silences").json()
    assert (silence["kind"], silence["name"]) == ("maintenance", "pg-upgrade-2026-03")

    clock.now = datetime(2026, 3, 8, 3, 30, tzinfo=UTC)  # Sunday 04:30 in Paris: over
    after = alert(responder, "backup/after")
    assert [a["outcome"] for a in after["alerts"]] == ["new"]
    assert len(after["incidents"]) == 1
    assert responder.get(URL).json()[0]["state"] == "upcoming"

    ended = responder.delete(f"{URL}/pg-upgrade-2026-03")
    assert ended.status_code == 200, ended.text
    assert ended.json()["state"] == "ended"
    assert at(ended.json()["expired_at"]) == clock.now
    assert responder.get(URL).json() == []
    (kept,) = responder.get(URL, params={"all": "true"}).json()
    assert (kept["name"], kept["silenced_alerts"]) == ("pg-upgrade-2026-03", 1)
    listed = responder.get("/api/v1/alerts").json()
    assert [(a["silenced"], a["silence_id"]) for a in listed] == [
        (False, None),
        (True, window["id"]),
    ]


def test_a_one_off_window_starts_now_by_default(responder: TestClient, clock: Clock) -> None:
    plan = {k: v for k, v in PLAN.items() if k != "recurrence"}

    window = responder.post(URL, json=plan).json()

    assert (window["state"], window["active"]) == ("active", True)
    assert at(window["starts_at"]) == clock.now
    assert window["next_local"] == "2026-03-04 05:06 UTC"
    assert [a["outcome"] for a in alert(responder, "backup/now")["alerts"]] == ["silenced"]


def test_a_name_taken_by_a_window_not_ended_is_a_conflict(responder: TestClient) -> None:
    assert responder.post(URL, json=PLAN).status_code == 201

    detail = assert_problem(responder.post(URL, json=PLAN), 409)

    assert "'pg-upgrade-2026-03' is already planned" in detail


def test_an_unknown_window_is_404(responder: TestClient) -> None:
    assert "no maintenance window named 'nope'" in assert_problem(responder.get(f"{URL}/nope"), 404)
    assert_problem(responder.delete(f"{URL}/nope"), 404)
    assert "letters, digits" in assert_problem(responder.get(f"{URL}/not%20a%20name"), 422)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"recurrence": {**PLAN["recurrence"], "timezone": "Europe/Pariss"}}, "unknown time zone"),
        ({"recurrence": {**PLAN["recurrence"], "days": ["sno"]}}, "unknown day 'sno'"),
        ({"recurrence": {**PLAN["recurrence"], "at": "26:00"}}, "not HH:MM"),
        ({"recurrence": {**PLAN["recurrence"], "duration_minutes": 20_000}}, "at most 7 days"),
        ({"ends_at": "2026-03-01T00:00:00Z"}, "before it starts"),
        ({"ends_at": "2026-05-01T00:00:00"}, "'ends_at' has no time zone"),
        ({"matchers": ["service"]}, "is not name="),
        ({"name": "pg upgrade"}, "letters, digits"),
        ({"matchers": []}, "'matchers'"),
    ],
)
def test_bad_plans_are_a_one_line_problem_and_plan_nothing(
    responder: TestClient, change: dict[str, Any], says: str
) -> None:
    detail = assert_problem(responder.post(URL, json={**PLAN, **change}), 422)

    assert says in detail
    assert responder.get(URL, params={"all": "true"}).json() == []
