"""The incidents API as a responder, a viewer and a Prometheus scraper see it: opening, reading,
the lifecycle, notes, checklists, the post-mortem, the SLA clocks and escalation, the metrics,
and clear 4xx answers to bad input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from astreinte.api.app import create_app
from astreinte.services.clocks import run_due
from astreinte.services.tokens import Role
from astreinte.storage.db import make_engine, make_session_factory
from tests.api.conftest import (
    NAMES,
    Clock,
    Json,
    Seed004,
    Tokens,
    assert_problem,
    at,
    bearer,
)

INCIDENTS = "/api/v1/incidents"
DB_DOWN = "base de données indisponible"
RESPONDER = NAMES[Role.RESPONDER]

INCIDENT_KEYS = {
    "id",
    "title",
    "status",
    "severity",
    "level",
    "service",
    "procedure",
    "opened_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
    "sla",
    "timeline",
    "checklists",
}


def open_incident(client: TestClient, **body: Any) -> Json:
    response = client.post(INCIDENTS, json=body)
    assert response.status_code == 201, response.text
    incident: Json = response.json()
    return incident


def act(client: TestClient, incident_id: int, action: str, **body: Any) -> Json:
    """Take `action`; without keyword arguments the request has no body at all (it is optional)."""
    response = client.post(f"{INCIDENTS}/{incident_id}/{action}", json=body or None)
    assert response.status_code == 200, response.text
    incident: Json = response.json()
    return incident


def get(client: TestClient, incident_id: int) -> Json:
    response = client.get(f"{INCIDENTS}/{incident_id}")
    assert response.status_code == 200, response.text
    incident: Json = response.json()
    return incident


def kinds(incident: Json) -> list[str]:
    return [event["kind"] for event in incident["timeline"]]


def after_phase(incident: Json) -> list[Json]:
    return [c for c in incident["checklists"] if c.get("phase") == "after"]


def tick_all(client: TestClient, incident: Json, checklists: list[Json]) -> Json:
    for checklist in checklists:
        for number in range(1, len(checklist["items"]) + 1):
            response = client.post(
                f"{INCIDENTS}/{incident['id']}/checklist",
                json={"title": checklist["title"], "item": str(number), "done": True},
            )
            assert response.status_code == 200, response.text
    return get(client, incident["id"])


# --- opening and reading ---------------------------------------------------------------------


def test_opening_an_incident_answers_201_with_the_whole_incident(
    responder: TestClient, clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(
        responder,
        title=DB_DOWN,
        description="Toutes les requêtes échouent en timeout.",
        service="api",
    )

    assert incident.keys() >= INCIDENT_KEYS
    assert incident["title"] == DB_DOWN
    assert incident["description"] == "Toutes les requêtes échouent en timeout."
    assert incident["service"] == "api"
    assert incident["status"] == "triggered"
    assert at(incident["opened_at"]) == clock.now
    assert incident["acknowledged_at"] is None
    assert incident["resolved_at"] is None
    # The procedure is matched from the title: the seed's RB-P1-003, with its P1 (critical).
    assert incident["procedure"]["id"] == seed004.procedure("RB-P1-003")
    assert incident["procedure"]["title"].startswith("RB-P1-003")
    assert incident["procedure"]["source"] == seed004.source
    assert (incident["severity"], incident["level"]) == ("P1", "critical")
    first = incident["timeline"][0]
    assert first.keys() >= {"at", "kind", "actor", "text"}
    assert (first["kind"], first["actor"], at(first["at"])) == ("opened", RESPONDER, clock.now)
    assert DB_DOWN in first["text"]
    assert incident["checklists"], "the runbook's checklists come with the incident"
    for checklist in incident["checklists"]:
        assert checklist["title"]
        assert checklist["items"]
        assert all(item.keys() >= {"text", "done"} for item in checklist["items"])
        assert not any(item["done"] for item in checklist["items"])
    assert get(responder, incident["id"]) == incident


def test_an_incident_nothing_matches_opens_without_procedure(responder: TestClient) -> None:
    incident = open_incident(responder, title="zqxj wvkp")

    assert incident["procedure"] is None
    assert incident["severity"] is None
    assert incident["sla"]["respond_by"] is None
    assert incident["sla"]["resolve_by"] is None
    assert kinds(incident)[:2] == ["opened", "procedure"]


def test_a_p1_of_seed_004_has_the_deadlines_of_its_procedure(
    responder: TestClient, clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(
        responder, title="Connexion refusée", procedure_id=seed004.procedure("RB-P1-003")
    )

    assert incident["procedure"]["id"] == seed004.procedure("RB-P1-003")
    assert (incident["severity"], incident["level"]) == ("P1", "critical")
    opened = at(incident["opened_at"])
    assert opened == clock.now
    assert at(incident["sla"]["respond_by"]) == opened + timedelta(minutes=5)
    assert at(incident["sla"]["resolve_by"]) == opened + timedelta(minutes=30)


def test_a_given_severity_wins_over_the_procedures(responder: TestClient, seed004: Seed004) -> None:
    incident = open_incident(
        responder, title="Base lente", procedure_id=seed004.procedure("RB-P1-003"), severity="P3"
    )

    assert (incident["severity"], incident["level"]) == ("P3", "minor")


def test_an_unacknowledged_p1_escalates_to_tier_2_after_5_minutes(
    responder: TestClient, catalogued: sessionmaker[Session], clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    opened = clock.now
    escalations = [e for e in incident["timeline"] if e["kind"] == "escalation"]
    assert [e["data"]["tier"] for e in escalations] == [1]

    clock.advance(minutes=4)
    run_due(catalogued, now=clock.now)
    assert "tier 2" not in " ".join(e["text"] for e in get(responder, incident["id"])["timeline"])

    clock.advance(minutes=1)
    run_due(catalogued, now=clock.now)

    timeline = get(responder, incident["id"])["timeline"]
    tier2 = [e for e in timeline if e["kind"] == "escalation" and e["data"]["tier"] == 2]
    assert len(tier2) == 1
    assert at(tier2[0]["at"]) == opened + timedelta(minutes=5)
    assert "tier 2" in tier2[0]["text"]
    breaches = [e for e in timeline if e["kind"] == "sla_breach"]
    assert [at(e["at"]) for e in breaches] == [opened + timedelta(minutes=5)]


def test_acknowledging_in_time_stops_the_escalation(
    responder: TestClient, catalogued: sessionmaker[Session], clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    clock.advance(minutes=2)
    act(responder, incident["id"], "acknowledge")

    clock.advance(minutes=60)
    run_due(catalogued, now=clock.now)

    timeline = get(responder, incident["id"])["timeline"]
    assert [e["data"]["tier"] for e in timeline if e["kind"] == "escalation"] == [1]
    # Responding in time leaves only the resolve clock, which 60 minutes do breach.
    breaches = [e["data"]["clock"] for e in timeline if e["kind"] == "sla_breach"]
    assert breaches == ["resolve"]


def test_a_reopened_incident_escalates_again_from_the_reopening(
    responder: TestClient, catalogued: sessionmaker[Session], clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    act(responder, incident["id"], "resolve")
    reopened_at = clock.advance(minutes=30)
    act(responder, incident["id"], "reopen")

    clock.advance(minutes=5)
    run_due(catalogued, now=clock.now)

    timeline = get(responder, incident["id"])["timeline"]
    pages = [(e["data"]["tier"], at(e["at"])) for e in timeline if e["kind"] == "escalation"]
    assert pages == [
        (1, reopened_at - timedelta(minutes=30)),
        (1, reopened_at),
        (2, reopened_at + timedelta(minutes=5)),
    ]


def test_the_list_filters_by_repeated_status(viewer: TestClient, responder: TestClient) -> None:
    triggered = open_incident(responder, title="Un")["id"]
    acknowledged = open_incident(responder, title="Deux")["id"]
    resolved = open_incident(responder, title="Trois")["id"]
    act(responder, acknowledged, "acknowledge")
    act(responder, resolved, "resolve")

    def ids(query: str) -> set[int]:
        response = viewer.get(f"{INCIDENTS}{query}")
        assert response.status_code == 200, response.text
        return {incident["id"] for incident in response.json()}

    assert ids("") == {triggered, acknowledged, resolved}
    assert ids("?status=triggered") == {triggered}
    assert ids("?status=acknowledged&status=resolved") == {acknowledged, resolved}
    assert ids("?status=closed") == set()
    listed = viewer.get(INCIDENTS).json()
    assert [i["id"] for i in listed] == sorted((triggered, acknowledged, resolved), reverse=True)
    assert listed[0].keys() >= INCIDENT_KEYS - {"timeline", "checklists"}


# --- the lifecycle -----------------------------------------------------------------------------


def test_each_action_moves_the_incident_and_stamps_the_time(
    responder: TestClient, clock: Clock
) -> None:
    incident = open_incident(responder, title="Files d'attente bloquées", severity="minor")

    clock.advance(minutes=3)
    incident = act(responder, incident["id"], "acknowledge", note="je regarde")
    assert incident["status"] == "acknowledged"
    assert at(incident["acknowledged_at"]) == clock.now
    last = incident["timeline"][-1]
    assert (last["kind"], last["actor"]) == ("acknowledged", RESPONDER)
    assert "je regarde" in last["text"]

    clock.advance(minutes=5)
    incident = act(responder, incident["id"], "mitigate")
    assert (incident["status"], at(incident["mitigated_at"])) == ("mitigated", clock.now)

    clock.advance(minutes=7)
    incident = act(responder, incident["id"], "resolve", note="worker redémarré")
    assert (incident["status"], at(incident["resolved_at"])) == ("resolved", clock.now)

    clock.advance(minutes=60)
    incident = act(responder, incident["id"], "close")
    assert (incident["status"], at(incident["closed_at"])) == ("closed", clock.now)
    assert kinds(incident)[-4:] == ["acknowledged", "mitigated", "resolved", "closed"]


def test_reopening_restarts_the_clocks(
    responder: TestClient, clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    act(responder, incident["id"], "resolve")
    clock.advance(minutes=45)

    incident = act(responder, incident["id"], "reopen", note="ça recommence")

    assert incident["status"] == "triggered"
    assert incident["acknowledged_at"] is None
    assert incident["resolved_at"] is None
    assert at(incident["sla"]["respond_by"]) == clock.now + timedelta(minutes=5)
    assert at(incident["sla"]["resolve_by"]) == clock.now + timedelta(minutes=30)
    reopened = next(e for e in incident["timeline"] if e["kind"] == "reopened")
    assert "ça recommence" in reopened["text"]


@pytest.mark.parametrize(
    ("done", "action", "now"),
    [
        ((), "close", "triggered"),
        ((), "reopen", "triggered"),
        (("acknowledge",), "acknowledge", "acknowledged"),
        (("resolve",), "mitigate", "resolved"),
        (("resolve",), "resolve", "resolved"),
    ],
)
def test_an_action_that_does_not_apply_is_409_naming_what_does(
    responder: TestClient, done: tuple[str, ...], action: str, now: str
) -> None:
    incident = open_incident(responder, title="Cache froid", severity="minor")
    for earlier in done:
        act(responder, incident["id"], earlier)

    response = responder.post(f"{INCIDENTS}/{incident['id']}/{action}", json={})

    detail = assert_problem(response, 409)
    assert f"is {now}" in detail
    assert "allowed now" in detail
    assert get(responder, incident["id"])["status"] == now


def test_closing_a_critical_incident_needs_its_checklist_and_postmortem(
    responder: TestClient, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    act(responder, incident["id"], "resolve")

    detail = assert_problem(responder.post(f"{INCIDENTS}/{incident['id']}/close", json={}), 409)

    assert "post-incident checklist" in detail
    assert "post-mortem" in detail
    assert "override" in detail
    assert get(responder, incident["id"])["status"] == "resolved"


def test_an_override_closes_a_critical_incident_and_says_why_on_the_timeline(
    responder: TestClient, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    act(responder, incident["id"], "resolve")

    closed = act(responder, incident["id"], "close", override="fausse alerte, rien à analyser")

    assert closed["status"] == "closed"
    override = next(e for e in closed["timeline"] if e["kind"] == "override")
    assert override["actor"] == RESPONDER
    assert "fausse alerte, rien à analyser" in override["text"]


def test_a_critical_incident_closes_once_its_checklist_and_postmortem_are_done(
    responder: TestClient, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    act(responder, incident["id"], "resolve")
    incident = tick_all(responder, incident, after_phase(incident))
    # The checklist alone is not enough: the post-mortem is still missing.
    detail = assert_problem(responder.post(f"{INCIDENTS}/{incident['id']}/close", json={}), 409)
    assert "post-mortem" in detail
    assert "checklist" not in detail
    written = responder.put(
        f"{INCIDENTS}/{incident['id']}/postmortem", json={"root_cause": "disque plein"}
    )
    assert written.status_code == 200, written.text

    closed = act(responder, incident["id"], "close")

    assert closed["status"] == "closed"
    assert "override" not in kinds(closed)


# --- notes, checklists, post-mortem ------------------------------------------------------------


def test_a_note_joins_the_timeline(responder: TestClient, clock: Clock) -> None:
    incident = open_incident(responder, title="Latence élevée")
    clock.advance(minutes=2)

    response = responder.post(
        f"{INCIDENTS}/{incident['id']}/notes", json={"text": "bascule sur le réplica lancée"}
    )

    assert response.status_code == 201, response.text
    last = response.json()["timeline"][-1]
    assert last["kind"] == "note"
    assert (last["actor"], last["text"]) == (RESPONDER, "bascule sur le réplica lancée")
    assert at(last["at"]) == clock.now


def test_ticking_a_checklist_item_marks_it_done_and_says_so(
    responder: TestClient, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    checklist = incident["checklists"][0]
    item = checklist["items"][1]["text"]

    response = responder.post(
        f"{INCIDENTS}/{incident['id']}/checklist",
        json={"title": checklist["title"], "item": item, "done": True},
    )

    assert response.status_code == 200, response.text
    ticked = response.json()
    assert [i["done"] for i in ticked["checklists"][0]["items"]][:3] == [False, True, False]
    last = ticked["timeline"][-1]
    assert (last["kind"], last["actor"]) == ("checklist", RESPONDER)
    assert item in last["text"]

    response = responder.post(
        f"{INCIDENTS}/{incident['id']}/checklist",
        json={"title": checklist["title"], "item": "2", "done": False},
    )
    assert not response.json()["checklists"][0]["items"][1]["done"]


def test_the_postmortem_is_markdown_with_title_root_cause_and_timeline(
    responder: TestClient, viewer: TestClient, clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))
    clock.advance(minutes=3)
    act(responder, incident["id"], "acknowledge", note="failover en cours")
    written = responder.put(
        f"{INCIDENTS}/{incident['id']}/postmortem",
        json={"root_cause": "le volume de données du primaire était plein"},
    )
    assert written.status_code == 200, written.text
    assert written.json()["postmortem"]["root_cause"] == (
        "le volume de données du primaire était plein"
    )

    response = viewer.get(f"{INCIDENTS}/{incident['id']}/postmortem")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    assert DB_DOWN in text
    assert "le volume de données du primaire était plein" in text
    assert "failover en cours" in text  # the acknowledgement, from the timeline
    assert f"Incident ouvert : {DB_DOWN}" in text  # a French runbook, a French timeline


def test_writing_the_postmortem_keeps_the_parts_not_sent(responder: TestClient) -> None:
    incident = open_incident(responder, title="Certificat expiré")
    url = f"{INCIDENTS}/{incident['id']}/postmortem"
    responder.put(url, json={"impact": "site inaccessible 20 min"})

    response = responder.put(url, json={"root_cause": "renouvellement automatique cassé"})

    assert response.json()["postmortem"] == {
        "impact": "site inaccessible 20 min",
        "root_cause": "renouvellement automatique cassé",
        "resolution": "",
        "lessons": "",
    }


# --- metrics, health, schema ---------------------------------------------------------------------


def test_the_summary_gives_mtta_and_mttr_after_a_resolved_incident(
    responder: TestClient, viewer: TestClient, clock: Clock, seed004: Seed004
) -> None:
    incident = open_incident(
        responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"), service="api"
    )
    clock.advance(minutes=3)
    act(responder, incident["id"], "acknowledge")
    clock.advance(minutes=17)
    act(responder, incident["id"], "resolve")
    open_incident(responder, title="Autre chose", severity="minor")

    response = viewer.get("/api/v1/metrics/summary")

    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["overall"]["count"] == 2
    assert summary["overall"]["open"] == 1
    assert summary["by_level"]["critical"]["mtta_minutes"] == 3
    assert summary["by_level"]["critical"]["mttr_minutes"] == 20
    assert summary["by_service"]["api"]["mttr_minutes"] == 20
    assert summary["by_status"]["resolved"] == 1
    assert summary["by_status"]["triggered"] == 1


def test_prometheus_metrics_count_incidents_by_status(
    responder: TestClient, viewer: TestClient, clock: Clock
) -> None:
    first = open_incident(responder, title="Un", severity="critical")["id"]
    open_incident(responder, title="Deux", severity="minor")
    open_incident(responder, title="Trois", severity="minor")
    clock.advance(minutes=2)
    act(responder, first, "acknowledge")
    clock.advance(minutes=8)
    act(responder, first, "resolve")

    response = viewer.get("/api/v1/metrics")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    by_status = {
        dict(labels)["status"]: value
        for (name, labels), value in samples.items()
        if name == "astreinte_incidents"
    }
    assert by_status == {
        "triggered": 2,
        "acknowledged": 0,
        "mitigated": 0,
        "resolved": 1,
        "closed": 0,
    }
    assert samples[("astreinte_mtta_seconds", (("level", "critical"),))] == 120
    assert samples[("astreinte_mttr_seconds", (("level", "critical"),))] == 600


@pytest.mark.parametrize("path", ["/api/v1/healthz", "/healthz"])
def test_health_needs_no_token(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("path", ["/api/v1/healthz", "/healthz"])
def test_health_is_503_with_a_reason_when_the_database_is_unreachable(
    tmp_path: Path, path: str
) -> None:
    unreachable = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'no' / 'such.db'}"))
    with TestClient(create_app(unreachable), raise_server_exceptions=False) as client:
        response = client.get(path)

    assert response.status_code == 503, response.text
    assert "database" in response.json()["detail"]


def test_the_openapi_document_is_served_at_both_addresses(client: TestClient) -> None:
    versioned = client.get("/api/v1/openapi.json")
    root = client.get("/openapi.json")

    assert versioned.status_code == root.status_code == 200
    assert versioned.json() == root.json()
    document = versioned.json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/incidents", "/api/v1/incidents/{incident_id}"} <= document["paths"].keys()
    schemes = document["components"]["securitySchemes"].values()
    assert any(s.get("scheme", "").lower() == "bearer" for s in schemes)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"title": ""}, 422, "title"),
        ({"title": "    "}, 422, "title"),
        ({"title": "x" * 301}, 422, "title"),
        ({}, 422, "title"),
        ({"title": "Panne", "severity": "P9"}, 422, "P9"),
        ({"title": "Panne", "severity": "urgentissime"}, 422, "urgentissime"),
        ({"title": "Panne", "procedure_id": "pas/une-procedure"}, 404, "pas/une-procedure"),
        ({"title": "Panne", "priority": "high"}, 422, "priority"),
        ({"title": 42}, 422, "title"),
    ],
    ids=[
        "empty-title",
        "blank-title",
        "long-title",
        "no-title",
        "unknown-severity",
        "unknown-severity-word",
        "unknown-procedure",
        "unknown-field",
        "title-not-text",
    ],
)
def test_bad_incidents_are_refused_naming_the_problem(
    responder: TestClient, body: Json, status: int, named: str
) -> None:
    detail = assert_problem(responder.post(INCIDENTS, json=body), status)

    assert named in detail
    assert responder.get(INCIDENTS).json() == [], "nothing was opened"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/99999999999", None, 422),
        ("GET", "/0", None, 422),
        ("GET", "/-3", None, 422),
        ("GET", "/abc", None, 422),
        ("GET", "/4242", None, 404),
        ("POST", "/99999999999/acknowledge", {}, 422),
        ("POST", "/4242/acknowledge", {}, 404),
        ("POST", "/4242/notes", {"text": "x"}, 404),
        ("GET", "/99999999999/postmortem", None, 422),
        ("GET", "/4242/postmortem", None, 404),
        ("PUT", "/4242/postmortem", {"root_cause": "x"}, 404),
        ("GET", "?status=pending", None, 422),
        ("GET", "?limit=0", None, 422),
        ("GET", "?limit=100000", None, 422),
    ],
)
def test_unknown_or_impossible_incidents_are_4xx(
    responder: TestClient, method: str, path: str, body: Json | None, status: int
) -> None:
    open_incident(responder, title="Le seul incident")

    response = responder.request(method, f"{INCIDENTS}{path}", json=body)

    detail = assert_problem(response, status)
    if status == 404:
        assert "4242" in detail


def _incident_with_checklists(responder: TestClient, seed004: Seed004) -> Json:
    return open_incident(responder, title=DB_DOWN, procedure_id=seed004.procedure("RB-P1-003"))


@pytest.mark.parametrize(
    ("change", "status", "named"),
    [
        ({"item": "aucun élément ne commence ainsi"}, 404, "aucun élément ne commence ainsi"),
        ({"item": "99"}, 404, "99"),
        ({"item": ""}, 422, "item"),
        ({"title": "Pas une checklist"}, 404, "Pas une checklist"),
        ({"done": "peut-être"}, 422, "done"),
    ],
    ids=["unknown-item", "item-number-too-big", "empty-item", "unknown-checklist", "done-not-bool"],
)
def test_bad_checklist_ticks_are_refused_naming_the_problem(
    responder: TestClient, seed004: Seed004, change: Json, status: int, named: str
) -> None:
    incident = _incident_with_checklists(responder, seed004)
    checklist = incident["checklists"][0]
    body = {"title": checklist["title"], "item": checklist["items"][0]["text"], "done": True}

    response = responder.post(f"{INCIDENTS}/{incident['id']}/checklist", json=body | change)

    detail = assert_problem(response, status)
    assert named in detail
    unchanged = get(responder, incident["id"])
    assert unchanged["checklists"] == incident["checklists"]


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("notes", {"text": ""}, "text"),
        ("notes", {"text": "   "}, "text"),
        ("notes", {}, "text"),
        ("acknowledge", {"note": "x" * 20_001}, "note"),
        ("acknowledge", {"colour": "red"}, "colour"),
        ("postmortem", {"root_cause": 3}, "root_cause"),
    ],
)
def test_bad_bodies_on_an_incident_are_422_and_change_nothing(
    responder: TestClient, path: str, body: Json, named: str
) -> None:
    incident = open_incident(responder, title="Panne DNS")
    method = "PUT" if path == "postmortem" else "POST"

    response = responder.request(method, f"{INCIDENTS}/{incident['id']}/{path}", json=body)

    assert named in assert_problem(response, 422)
    assert get(responder, incident["id"])["timeline"] == incident["timeline"]


@pytest.mark.parametrize(
    "content",
    [b"{", b'{"title": "x",}', b'{"title": "\xff"}', b"\xff\xfe", b"null", b'["x"]'],
    ids=["truncated", "trailing-comma", "not-utf8", "utf16-bom", "null", "array"],
)
def test_a_body_that_is_not_a_json_object_is_4xx(responder: TestClient, content: bytes) -> None:
    response = responder.post(
        INCIDENTS, content=content, headers={"Content-Type": "application/json"}
    )

    assert_problem(response)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("", {"title": "a\x00b"}),
        ("", {"title": "Panne", "description": "a\x00b"}),
        ("", {"title": "Panne", "service": "a\x00b"}),
        ("", {"title": "Panne", "procedure_id": "a\x00b"}),
        ("/{id}/notes", {"text": "a\x00b"}),
        ("/{id}/acknowledge", {"note": "a\x00b"}),
        ("/{id}/follow-ups", {"text": "Alerter", "owner": "a\x00b"}),
    ],
    ids=["title", "description", "service", "procedure_id", "note", "action-note", "owner"],
)
def test_a_nul_character_in_text_is_never_a_server_error(
    app: FastAPI,
    tokens: Tokens,
    path: str,
    body: Json,
) -> None:
    headers = bearer(tokens[Role.RESPONDER])
    with TestClient(app, headers=headers, raise_server_exceptions=False) as client:
        incident = client.post(INCIDENTS, json={"title": "Panne"}).json()

        response = client.post(INCIDENTS + path.format(id=incident["id"]), json=body)

    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_problem(response)


def test_a_tokenless_request_is_told_how_to_authenticate(client: TestClient) -> None:
    detail = assert_problem(client.get(INCIDENTS), 401)

    assert "Bearer" in detail


def test_the_actor_is_the_tokens_name(client: TestClient, tokens: Tokens) -> None:
    response = client.post(INCIDENTS, json={"title": "Panne"}, headers=bearer(tokens[Role.ADMIN]))

    assert response.json()["timeline"][0]["actor"] == NAMES[Role.ADMIN]
