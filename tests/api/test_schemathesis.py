"""Schemathesis against the app's own OpenAPI document, in process and on SQLite: whatever a client
sends, what the schema allows and a sample of what it forbids, gets no 5xx, and an answer the
document describes.

Each operation is fuzzed on random ids and on two incidents that exist (one following a seed
procedure, with checklists and a follow-up; one without), so that the actions reach the
lifecycle instead of stopping at 404. Bounded: 25 examples per operation, mode and id choice,
derandomised, so a run is repeatable and takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.runners.local import LocalRunner
from astreinte.api.app import create_app
from astreinte.services.execution import Executor
from astreinte.services.steps import ExecutionRules
from astreinte.services.tokens import Role
from tests.api.conftest import Clock, Seed004, Tokens, bearer

EXAMPLES = 25
Operation = APIOperation[Any, Any, Any, Any]

# None: every path parameter is generated; otherwise these ids exist (see `api_schema`).
ID_CHOICES: tuple[Mapping[str, int] | None, ...] = (
    None,
    {"incident_id": 1, "follow_up_id": 1},
    {"incident_id": 2},
)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only, to keep the run short; the other API tests cover PostgreSQL."""
    return f"sqlite:///{tmp_path / 'astreinte.db'}"


@pytest.fixture
def app(catalogued: sessionmaker[Session], clock: Clock) -> FastAPI:
    """The app with the kill switch on: the fuzzer reaches every execution endpoint, but never
    runs a runbook's command on this machine (a generated step id could name a real step)."""
    executor = Executor(LocalRunner(), ExecutionRules(kill_switch=True))
    return create_app(catalogued, clock=clock, executor=executor)


@pytest.fixture
def api_schema(app: FastAPI, responder: TestClient, seed004: Seed004) -> schemathesis.BaseSchema:
    followed = responder.post(
        "/api/v1/incidents",
        json={"title": "Base indisponible", "procedure_id": seed004.procedure("RB-P1-003")},
    )
    assert followed.json()["id"] == 1, followed.text
    follow_up = responder.post(
        "/api/v1/incidents/1/follow-ups", json={"text": "Ajouter une alerte"}
    )
    assert follow_up.json()["follow_ups"][0]["id"] == 1, follow_up.text
    bare = responder.post("/api/v1/incidents", json={"title": "zqxj wvkp"})
    assert bare.json()["id"] == 2, bare.text
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def fuzz(schema: schemathesis.BaseSchema, token: str, checks: list[CheckFunction]) -> str:
    """Run every operation in both generation modes and every id choice. Returns the failures
    ("" when none), one paragraph per kind of failure: where it happened, and the first
    occurrence in full, with the request that reproduces it."""
    found: dict[str, list[str]] = {}
    reports: dict[str, str] = {}
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            found.setdefault("unreadable operation", []).append(str(result.err()))
            continue
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for ids in ID_CHOICES:
                known = _known_ids(operation, ids)
                if ids is not None and not known:
                    continue
                try:
                    _test(operation, mode, known, token, checks)()
                except Unsatisfiable:
                    continue  # nothing to negate (no parameters, no body)
                except (AssertionError, BaseExceptionGroup) as failure:
                    kind = _kind(failure)
                    found.setdefault(kind, []).append(f"{operation.label} [{mode.value}, {ids}]")
                    reports.setdefault(kind, str(failure))
    return "\n\n".join(
        f"{kind} in {len(where)} runs: {'; '.join(where)}\nFirst:\n{reports.get(kind, '')}"
        for kind, where in found.items()
    )


def _kind(failure: BaseException) -> str:
    """What went wrong, without the request: "ST103 Undocumented status code (Received: 400)"."""
    parts = failure.exceptions if isinstance(failure, BaseExceptionGroup) else (failure,)
    kinds = []
    for part in parts:
        message = str(getattr(part, "message", "")).strip().splitlines()
        detail = f" ({message[0].strip()})" if message else ""
        kinds.append(f"{getattr(part, 'code', '')} {getattr(part, 'title', type(part))}{detail}")
    return ", ".join(sorted(kinds))


def _known_ids(operation: Operation, ids: Mapping[str, int] | None) -> dict[str, int]:
    return {k: v for k, v in (ids or {}).items() if f"{{{k}}}" in operation.path}


def _test(
    operation: Operation,
    mode: GenerationMode,
    known: dict[str, int],
    token: str,
    checks: list[CheckFunction],
) -> Callable[[], None]:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=known or None)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=strategy)
    def test(case: Case[Any]) -> None:
        case.call_and_validate(headers=bearer(token), checks=checks)

    return test


def test_no_request_gets_a_server_error_or_a_body_the_schema_does_not_describe(
    api_schema: schemathesis.BaseSchema, tokens: Tokens
) -> None:
    failures = fuzz(
        api_schema, tokens[Role.ADMIN], [not_a_server_error, response_schema_conformance]
    )

    assert not failures, failures


def test_every_status_code_the_api_answers_is_documented(
    api_schema: schemathesis.BaseSchema, tokens: Tokens
) -> None:
    failures = fuzz(api_schema, tokens[Role.ADMIN], [status_code_conformance])

    assert not failures, failures
