"""Who may call what: every route of the API, with no token, a wrong or revoked one, a role below
the one it needs, and the roles that may call it. The table must list every route the app
declares, so that a new endpoint cannot ship without its role check."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.runners.local import LocalRunner
from astreinte.api.app import create_app
from astreinte.domain.incident.model import Action
from astreinte.domain.probe import ProbeKind, ProbeResult, ProbeSpec
from astreinte.domain.silence import parse_matcher
from astreinte.errors import ApprovalRequired
from astreinte.services import alerts, execution, incidents, maintenance, probes
from astreinte.services.execution import Executor
from astreinte.services.tokens import Role, create_token, revoke_token
from tests.api.conftest import Clock, Json, Seed004, Tokens, assert_problem, bearer

V1 = "/api/v1"
INCIDENT = f"{V1}/incidents/{{incident_id}}"


@dataclass(frozen=True)
class Endpoint:
    """A route, a request its minimum role may make, and the status that request gets.

    `body` values may name "{checklist}" and "{procedure}", filled in from the target incident;
    `before` are the actions taken on the target first (closing needs a resolved incident).
    """

    method: str
    path: str
    minimum: Role
    ok: int = 200
    body: Json | None = None
    before: tuple[Action, ...] = ()

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = (
    Endpoint("POST", f"{V1}/incidents", Role.RESPONDER, 201, {"title": "Panne du cache"}),
    Endpoint("GET", f"{V1}/incidents", Role.VIEWER),
    Endpoint("GET", INCIDENT, Role.VIEWER),
    Endpoint("POST", f"{INCIDENT}/acknowledge", Role.RESPONDER, body={"note": "je regarde"}),
    Endpoint("POST", f"{INCIDENT}/mitigate", Role.RESPONDER, body={}),
    Endpoint("POST", f"{INCIDENT}/resolve", Role.RESPONDER, body={}),
    Endpoint("POST", f"{INCIDENT}/close", Role.RESPONDER, body={}, before=(Action.RESOLVE,)),
    Endpoint("POST", f"{INCIDENT}/reopen", Role.RESPONDER, body={}, before=(Action.RESOLVE,)),
    Endpoint("POST", f"{INCIDENT}/notes", Role.RESPONDER, 201, {"text": "bascule lancée"}),
    Endpoint(
        "POST",
        f"{INCIDENT}/checklist",
        Role.RESPONDER,
        body={"title": "{checklist}", "item": "1", "done": True},
    ),
    Endpoint("POST", f"{INCIDENT}/procedure", Role.RESPONDER, body={"procedure_id": "{procedure}"}),
    Endpoint("PUT", f"{INCIDENT}/postmortem", Role.RESPONDER, body={"root_cause": "disque plein"}),
    Endpoint("GET", f"{INCIDENT}/postmortem", Role.VIEWER),
    Endpoint("GET", f"{INCIDENT}/message", Role.VIEWER),
    Endpoint("POST", f"{INCIDENT}/follow-ups", Role.RESPONDER, 201, {"text": "Alerter plus tôt"}),
    Endpoint(
        "PATCH", f"{INCIDENT}/follow-ups/{{follow_up_id}}", Role.RESPONDER, body={"done": True}
    ),
    Endpoint("GET", f"{V1}/metrics/summary", Role.VIEWER),
    Endpoint("GET", f"{V1}/metrics", Role.VIEWER),
    Endpoint(
        "POST",
        f"{V1}/alerts/{{source}}",
        Role.RESPONDER,
        202,
        {"source": "cron", "status": "firing", "title": "Sauvegarde nocturne en échec"},
    ),
    Endpoint("GET", f"{V1}/alerts", Role.VIEWER),
    Endpoint("GET", f"{V1}/silences", Role.VIEWER),
    Endpoint(
        "POST",
        f"{V1}/silences",
        Role.RESPONDER,
        201,
        {"matchers": ['service="billing"'], "ends_at": "2030-01-01T00:00:00Z", "comment": "migr"},
    ),
    Endpoint("DELETE", f"{V1}/silences/{{silence_id}}", Role.RESPONDER),
    Endpoint("GET", f"{V1}/maintenance", Role.VIEWER),
    Endpoint(
        "POST",
        f"{V1}/maintenance",
        Role.RESPONDER,
        201,
        {
            "name": "{new_window}",
            "matchers": ['service="billing"'],
            "ends_at": "2030-01-01T00:00:00Z",
            "comment": "migration de la facturation",
            "recurrence": {
                "days": ["sun"],
                "at": "02:00",
                "duration_minutes": 120,
                "timezone": "Europe/Paris",
            },
        },
    ),
    Endpoint("GET", f"{V1}/maintenance/{{name}}", Role.VIEWER),
    Endpoint("DELETE", f"{V1}/maintenance/{{name}}", Role.RESPONDER),
    Endpoint("GET", f"{V1}/notifications", Role.VIEWER),
    Endpoint("GET", f"{V1}/probes", Role.VIEWER),
    Endpoint("GET", f"{V1}/probes/{{name}}/results", Role.VIEWER),
    Endpoint("GET", f"{INCIDENT}/steps", Role.VIEWER),
    # A dry run: the role check is what is tested here, not the step (see test_executions_api).
    Endpoint("POST", f"{INCIDENT}/steps/{{step_id}}/run", Role.RESPONDER, body={"dry_run": True}),
    Endpoint("GET", f"{INCIDENT}/executions", Role.VIEWER),
    Endpoint("GET", f"{V1}/executions/{{execution_id}}", Role.VIEWER),
    # Approving runs the step waiting for it: 004 RB-P1-003's `export DATABASE_URL=…`, which
    # is sensitive and harmless in a shell of its own.
    Endpoint("POST", f"{V1}/executions/{{execution_id}}/approve", Role.APPROVER),
    Endpoint("POST", f"{V1}/executions/{{execution_id}}/cancel", Role.RESPONDER),
)

# Answered without a token: probes and API clients fetch them before they hold one.
PUBLIC = (
    ("GET", f"{V1}/healthz"),
    ("GET", "/healthz"),
    ("GET", f"{V1}/openapi.json"),
    ("GET", "/openapi.json"),
)


def below(role: Role) -> list[Role]:
    return [r for r in Role if not r.allows(role)]


def at_or_above(role: Role) -> list[Role]:
    return [r for r in Role if r.allows(role)]


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: Json | None


Target = Callable[[Endpoint], Request]


@pytest.fixture
def target(catalogued: sessionmaker[Session], clock: Clock, seed004: Seed004) -> Target:
    """Opens a fresh incident for an endpoint (a minor one that follows a seed procedure, so that
    it has checklists and closes without a post-mortem), plans a silence and a maintenance
    window, records a probe's result, asks for its sensitive step (which then waits for
    approval), and gives the request to send."""
    planned = itertools.count(1)
    probe = ProbeSpec("redis", ProbeKind.REDIS, "redis://127.0.0.1:6379/0", timedelta(seconds=10))
    probes.record(catalogued, [(probe, ProbeResult(True, clock.now, "PONG"))], now=clock.now)
    executor = Executor(LocalRunner())

    def make(endpoint: Endpoint) -> Request:
        n = next(planned)
        view = incidents.open_incident(
            catalogued,
            title="Base de données lente",
            procedure_id=seed004.procedure("RB-P1-003"),
            severity="P3",
            actor="setup",
            now=clock.now,
        )
        view = incidents.add_follow_up(
            catalogued, incident_id=view.id, text="Ajouter un index", actor="setup", now=clock.now
        )
        for action in endpoint.before:
            incidents.act(
                catalogued, incident_id=view.id, action=action, actor="setup", now=clock.now
            )
        values = {
            "checklist": view.checklists[0].title,
            "procedure": seed004.procedure("RB-P1-001"),
            "new_window": f"billing-{n}",  # a name each call may plan
        }
        body = (
            {k: v.format(**values) if isinstance(v, str) else v for k, v in endpoint.body.items()}
            if endpoint.body is not None
            else None
        )
        silence = alerts.add_silence(
            catalogued,
            matchers=[parse_matcher('service="nothing"')],
            starts_at=clock.now,
            ends_at=clock.now + timedelta(hours=1),
            created_by="setup",
            comment="test",
            now=clock.now,
        )
        window = maintenance.add_window(
            catalogued,
            name=f"window-{n}",
            matchers=[parse_matcher('service="nothing"')],
            starts_at=clock.now,
            ends_at=clock.now + timedelta(hours=1),
            created_by="setup",
            comment="test",
            now=clock.now,
        )
        steps = execution.list_steps(catalogued, incident_id=view.id)
        guarded = next(s.step.id for s in steps if s.gate.value == "approval")
        with pytest.raises(ApprovalRequired) as waiting:
            execution.run_step(
                catalogued,
                executor,
                incident_id=view.id,
                step_id=guarded,
                actor="setup",
                now=clock.now,
            )
        url = endpoint.path.format(
            incident_id=view.id,
            follow_up_id=view.follow_ups[0].id,
            silence_id=silence.id,
            name="redis" if "/probes/" in endpoint.path else window.name,
            source="generic",
            step_id=steps[0].step.id,
            execution_id=waiting.value.execution,
        )
        return Request(endpoint.method, url, body)

    return make


def send(
    client: TestClient, request: Request, headers: Mapping[str, str] | None = None
) -> httpx2.Response:
    return client.request(request.method, request.url, json=request.body, headers=headers)


def state(client: TestClient, tokens: Tokens) -> list[Json]:
    """Every incident with its timeline, as an admin sees them."""
    admin = bearer(tokens[Role.ADMIN])
    listed = client.get(f"{V1}/incidents", headers=admin).json()
    return [client.get(f"{V1}/incidents/{i['id']}", headers=admin).json() for i in listed]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_without_a_token_the_answer_is_401_asking_for_a_bearer_token(
    client: TestClient, tokens: Tokens, target: Target, endpoint: Endpoint
) -> None:
    request = target(endpoint)
    before = state(client, tokens)

    response = send(client, request)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert state(client, tokens) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_wrong_or_revoked_token_is_401(
    client: TestClient,
    catalogued: sessionmaker[Session],
    clock: Clock,
    tokens: Tokens,
    target: Target,
    endpoint: Endpoint,
) -> None:
    stored, revoked = create_token(catalogued, name="ancien admin", role=Role.ADMIN, now=clock.now)
    revoke_token(catalogued, token_id=stored.id, now=clock.now)
    request = target(endpoint)
    before = state(client, tokens)
    wrong = {
        "revoked admin token": f"Bearer {revoked}",
        "unknown token": "Bearer ast_" + "x" * 43,
        "tampered admin token": f"Bearer {tokens[Role.ADMIN]}x",
        "not one of ours": "Bearer not-a-token",
        "empty": "Bearer ",
        "another scheme": f"Basic {tokens[Role.ADMIN]}",
    }

    for what, authorization in wrong.items():
        response = send(client, request, {"Authorization": authorization})

        assert response.status_code == 401, (what, response.text)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), what
    assert state(client, tokens) == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if below(e.minimum)], ids=str)
def test_a_role_below_the_minimum_is_403_and_changes_nothing(
    client: TestClient, tokens: Tokens, target: Target, endpoint: Endpoint
) -> None:
    request = target(endpoint)
    before = state(client, tokens)

    for role in below(endpoint.minimum):
        response = send(client, request, bearer(tokens[role]))

        detail = assert_problem(response, 403)
        assert str(role) in detail
        assert str(endpoint.minimum) in detail
    assert state(client, tokens) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_minimum_role_and_above_may_call_it(
    client: TestClient, tokens: Tokens, target: Target, endpoint: Endpoint
) -> None:
    for role in at_or_above(endpoint.minimum):
        response = send(client, target(endpoint), bearer(tokens[role]))

        assert response.status_code == endpoint.ok, (role, response.text)


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_public_routes_need_no_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)

    assert response.status_code == 200, response.text


def test_every_route_the_app_declares_has_its_role_test() -> None:
    app: FastAPI = create_app(sessionmaker())
    docs = {app.docs_url, app.swagger_ui_oauth2_redirect_url}  # FastAPI's own Swagger UI pages
    # app.routes holds the included routers unexpanded; iter_route_contexts flattens them.
    declared = {
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        if route.path not in docs
        for method in route.methods or ()
        if method != "HEAD"
    }

    tested = {(e.method, e.path) for e in ENDPOINTS} | set(PUBLIC)

    assert len(declared) > len(PUBLIC)
    assert declared - tested == set(), "routes without a role test: add them to ENDPOINTS"
    assert tested - declared == set(), "tested routes the app no longer declares"
