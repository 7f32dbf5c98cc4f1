"""The guarded-execution API as responders and approvers use it, with real processes: the steps
of an incident, a read step that runs, a dry run, a destructive step that answers 409 until a
second person approves it, self-approval refused, the kill switch, clear 4xx answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.runners.local import LocalRunner
from astreinte.api.app import create_app
from astreinte.services import catalogue
from astreinte.services.execution import Executor
from astreinte.services.steps import ExecutionRules
from astreinte.services.tokens import Role
from tests.api.conftest import NAMES, Clock, Json, Tokens, assert_problem, bearer

V1 = "/api/v1"
JWT = "jwt-value-of-the-api-test"
EXERCISE = """# Exercice

## Incident 1 : Fichier témoin corrompu

### Diagnostic

```bash
printf '%s\\n' TENANT_UUID
```

### Mitigation

```bash
rm <temoin-file>
echo "$JWT_SECRET"
```
"""


def make_app(catalogued: sessionmaker[Session], clock: Clock, **rules: Any) -> FastAPI:
    executor = Executor(
        LocalRunner(grace_seconds=0.3),
        ExecutionRules(environment={"JWT_SECRET": JWT}, **rules),
    )
    return create_app(catalogued, clock=clock, executor=executor)


@pytest.fixture
def exercise(catalogued: sessionmaker[Session], clock: Clock, tmp_path: Path) -> str:
    """The catalogue id of the exercise procedure."""
    path = tmp_path / "exercice.md"
    path.write_text(EXERCISE, encoding="utf-8")
    report = catalogue.import_paths(catalogued, [path], now=clock.now)
    assert report.ok
    with catalogued() as session:
        runbook = next(r for r in catalogue.list_runbooks(session) if r.source == "exercice.md")
        stored = catalogue.show_runbook(session, runbook_id=runbook.id)
    return stored.procedure_ids[0]


class Clients:
    def __init__(self, app: FastAPI, tokens: Tokens) -> None:
        self.clients = {role: TestClient(app, headers=bearer(tokens[role])) for role in Role}

    def __getitem__(self, role: Role) -> TestClient:
        return self.clients[role]


@pytest.fixture
def clients(catalogued: sessionmaker[Session], clock: Clock, tokens: Tokens) -> Clients:
    return Clients(make_app(catalogued, clock), tokens)


def open_following(client: TestClient, procedure_id: str) -> int:
    response = client.post(
        f"{V1}/incidents", json={"title": "Exercice", "procedure_id": procedure_id}
    )
    assert response.status_code == 201, response.text
    number: int = response.json()["id"]
    return number


def seed_002_disk(catalogued: sessionmaker[Session]) -> str:
    with catalogued() as session:
        runbook = next(r for r in catalogue.list_runbooks(session) if r.source.startswith("002_"))
        stored = catalogue.show_runbook(session, runbook_id=runbook.id)
    return next(
        pid
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if "full-disk" in p.id
    )


def test_steps_and_a_read_step_that_runs(
    clients: Clients, catalogued: sessionmaker[Session]
) -> None:
    incident = open_following(clients[Role.RESPONDER], seed_002_disk(catalogued))

    listed = clients[Role.VIEWER].get(f"{V1}/incidents/{incident}/steps")

    assert listed.status_code == 200, listed.text
    steps: list[Json] = listed.json()
    assert {"id", "section", "command", "risk", "sensitive", "placeholders"} <= set(steps[0])
    assert (steps[0]["id"], steps[0]["command"], steps[0]["risk"]) == (
        "diagnosis-1",
        "df -h",
        "read",
    )
    assert any(s["risk"] == "destructive" and s["gate"] == "approval" for s in steps)

    ran = clients[Role.RESPONDER].post(f"{V1}/incidents/{incident}/steps/diagnosis-1/run")

    assert ran.status_code == 201, ran.text
    body = ran.json()
    assert (body["status"], body["exit_code"], body["requested_by"]) == (
        "succeeded",
        0,
        NAMES[Role.RESPONDER],
    )
    assert "Filesystem" in body["output"]
    again = clients[Role.VIEWER].get(f"{V1}/executions/{body['id']}")
    assert again.json() == body
    timeline = clients[Role.VIEWER].get(f"{V1}/incidents/{incident}").json()["timeline"]
    assert "Filesystem" in timeline[-1]["text"]
    assert timeline[-1]["kind"] == "step_finished"
    assert timeline[-1]["data"]["execution"] == body["id"]


def test_a_dry_run_shows_and_runs_nothing(clients: Clients, exercise: str) -> None:
    incident = open_following(clients[Role.RESPONDER], exercise)

    shown = clients[Role.RESPONDER].post(
        f"{V1}/incidents/{incident}/steps/diagnosis-1/run",
        json={"dry_run": True, "values": {"TENANT_UUID": "x; reboot"}},
    )

    assert shown.status_code == 200, shown.text
    assert shown.json()["preview"]["command"] == "printf '%s\\n' 'x; reboot'"
    assert shown.json()["preview"]["approval"] is False
    listed = clients[Role.VIEWER].get(f"{V1}/incidents/{incident}/executions")
    assert listed.json() == []


def test_a_destructive_step_needs_a_second_person_with_the_approver_role(
    clients: Clients, exercise: str, tmp_path: Path
) -> None:
    witness = tmp_path / "temoin.txt"
    witness.write_text("x")
    incident = open_following(clients[Role.RESPONDER], exercise)
    run = f"{V1}/incidents/{incident}/steps/mitigation-1/run"

    waiting = clients[Role.RESPONDER].post(run, json={"values": {"temoin-file": str(witness)}})

    assert waiting.status_code == 409, waiting.text
    body = waiting.json()
    assert body["detail"] == "approval required"
    assert body["preview"]["command"] == f"rm {witness}"
    assert body["preview"]["effect"] == ["rm deletes files (there is no undo)"]
    number = body["execution"]
    assert witness.exists()
    status = clients[Role.VIEWER].get(f"{V1}/executions/{number}").json()["status"]
    assert status == "awaiting_approval"

    refused = clients[Role.RESPONDER].post(f"{V1}/executions/{number}/approve")
    assert "this needs approver" in assert_problem(refused, 403)
    assert witness.exists()

    approved = clients[Role.APPROVER].post(f"{V1}/executions/{number}/approve")

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "succeeded"
    assert approved.json()["approved_by"] == NAMES[Role.APPROVER]
    assert not witness.exists()


def test_an_approver_may_not_approve_their_own_request(
    clients: Clients, exercise: str, tmp_path: Path
) -> None:
    witness = tmp_path / "temoin.txt"
    witness.write_text("x")
    incident = open_following(clients[Role.APPROVER], exercise)
    waiting = clients[Role.APPROVER].post(
        f"{V1}/incidents/{incident}/steps/mitigation-1/run",
        json={"values": {"temoin-file": str(witness)}},
    )
    number = waiting.json()["execution"]

    own = clients[Role.APPROVER].post(f"{V1}/executions/{number}/approve")

    detail = assert_problem(own, 403)
    assert f"{NAMES[Role.APPROVER]} asked for execution {number} and may not approve it" in detail
    assert witness.exists()
    timeline = clients[Role.VIEWER].get(f"{V1}/incidents/{incident}").json()["timeline"]
    assert timeline[-1]["kind"] == "step_approval_denied"
    by_admin = clients[Role.ADMIN].post(f"{V1}/executions/{number}/approve")
    assert by_admin.json()["status"] == "succeeded"


def test_a_printed_secret_is_redacted(clients: Clients, exercise: str) -> None:
    incident = open_following(clients[Role.RESPONDER], exercise)
    waiting = clients[Role.RESPONDER].post(f"{V1}/incidents/{incident}/steps/mitigation-2/run")
    assert waiting.status_code == 409, waiting.text
    assert waiting.json()["preview"]["sensitive"] is True

    shown = clients[Role.APPROVER].post(f"{V1}/executions/{waiting.json()['execution']}/approve")

    assert shown.json()["output"] == "[redacted]\n"
    assert JWT not in str(clients[Role.VIEWER].get(f"{V1}/incidents/{incident}").json())


def test_bad_requests_get_one_sentence(clients: Clients, exercise: str) -> None:
    incident = open_following(clients[Role.RESPONDER], exercise)
    responder = clients[Role.RESPONDER]

    missing = responder.post(f"{V1}/incidents/{incident}/steps/diagnosis-1/run")
    assert "needs a value for TENANT_UUID" in assert_problem(missing, 422)
    unknown = responder.post(f"{V1}/incidents/{incident}/steps/diagnosis-9/run")
    assert "no step 'diagnosis-9'" in assert_problem(unknown, 404)
    typo = responder.post(
        f"{V1}/incidents/{incident}/steps/diagnosis-1/run", json={"values": {"TENANT": "1"}}
    )
    assert "'TENANT' is not a placeholder" in assert_problem(typo, 422)
    assert_problem(responder.get(f"{V1}/executions/4242"), 404)
    assert_problem(responder.post(f"{V1}/incidents/4242/steps/diagnosis-1/run"), 404)


def test_the_kill_switch_answers_409_with_the_reason(
    catalogued: sessionmaker[Session], clock: Clock, tokens: Tokens, exercise: str
) -> None:
    app = make_app(catalogued, clock, kill_switch=True)
    responder = TestClient(app, headers=bearer(tokens[Role.RESPONDER]))
    incident = open_following(responder, exercise)

    refused = responder.post(
        f"{V1}/incidents/{incident}/steps/diagnosis-1/run", json={"values": {"TENANT_UUID": "1"}}
    )

    assert "kill switch" in assert_problem(refused, 409)
    number = refused.json()["execution"]
    assert responder.get(f"{V1}/executions/{number}").json()["status"] == "refused"
