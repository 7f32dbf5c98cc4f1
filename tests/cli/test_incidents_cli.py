"""`astreinte incidents …`, `postmortem`, `report`, `audit verify` and `token` as a user runs
them: the API's JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner, Result

from astreinte.cli.main import app
from astreinte.storage.db import make_engine, make_session_factory
from astreinte.storage.tables import TimelineEventRow
from tests.conftest import SEEDS

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """The CLI on the test database with the seeds imported, acting as 'alice' by default."""
    monkeypatch.chdir(tmp_path)
    env = {
        "ASTREINTE_DATABASE_URL": database_url,
        "COLUMNS": "160",
        "ASTREINTE_CONFIG": None,
        "ASTREINTE_ACTOR": "alice",
    }

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    imported = run("import", str(SEEDS))
    assert imported.exit_code == 0, imported.output
    return run


def opened(invoke: Invoke, title: str, *extra: str) -> dict[str, object]:
    result = invoke("incidents", "open", title, "--json", *extra)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_open_ack_resolve_as_json(invoke: Invoke) -> None:
    incident = opened(invoke, "Redis down, la queue est bloquée", "--service", "sylion")
    assert incident["status"] == "triggered"
    procedure = incident["procedure"]
    assert isinstance(procedure, dict)
    assert "Redis" in str(procedure["title"])
    number = str(incident["id"])
    acked = invoke("incidents", "ack", number, "--note", "je regarde", "--as", "bob", "--json")
    assert acked.exit_code == 0, acked.output
    data = json.loads(acked.stdout)
    assert data["status"] == "acknowledged"
    assert data["timeline"][-1]["actor"] == "bob"
    assert "je regarde" in data["timeline"][-1]["text"]
    again = invoke("incidents", "ack", number)
    assert again.exit_code == 1
    assert "cannot be acknowledged" in again.stderr
    assert "Traceback" not in again.output


def test_list_filters_by_status_and_refuses_unknown_ones(invoke: Invoke) -> None:
    first = opened(invoke, "API complètement down")
    opened(invoke, "le VPS est lent")
    invoke("incidents", "resolve", str(first["id"]))
    listed = invoke("incidents", "list", "--status", "resolved", "--json")
    assert listed.exit_code == 0, listed.output
    assert [i["id"] for i in json.loads(listed.stdout)] == [first["id"]]
    bad = invoke("incidents", "list", "--status", "solved")
    assert bad.exit_code == 1
    assert "unknown status 'solved'" in bad.stderr


def test_show_renders_timeline_and_checklists(invoke: Invoke) -> None:
    number = str(opened(invoke, "PostgreSQL inaccessible")["id"])
    shown = invoke("incidents", "show", number)
    assert shown.exit_code == 0, shown.output
    assert "Timeline" in shown.stdout
    assert "contact_missing" in shown.stdout  # 002's contacts are "À définir"
    assert "[ ]" in shown.stdout


def test_checklist_note_postmortem_and_close(invoke: Invoke) -> None:
    number = str(opened(invoke, "PostgreSQL inaccessible")["id"])
    invoke("incidents", "resolve", number)
    refused = invoke("incidents", "close", number)
    assert refused.exit_code == 1
    assert "post-mortem" in refused.stderr
    checked = invoke(
        "incidents", "check", number, "--checklist", "checklist post", "--item", "1", "--json"
    )
    assert checked.exit_code == 0, checked.output
    items = json.loads(checked.stdout)["checklists"][0]["items"]
    assert items[0]["done"] is True
    assert items[0]["by"] == "alice"
    noted = invoke("incidents", "note", number, "disque plein sur le primaire")
    assert noted.exit_code == 0, noted.output
    written = invoke(
        "postmortem",
        number,
        "--root-cause",
        "le disque du primaire était plein",
        "--follow-up",
        "alerte sur l'espace disque à 80 %",
    )
    assert written.exit_code == 0, written.output
    assert "le disque du primaire était plein" in written.stdout
    assert "alerte sur l'espace disque à 80 %" in written.stdout
    assert "disque plein sur le primaire" in written.stdout  # the note, in the timeline
    closed = invoke("incidents", "close", number, "--override", "checklist done on paper")
    assert closed.exit_code == 0, closed.output


def test_message_is_in_the_runbook_language(invoke: Invoke) -> None:
    number = str(opened(invoke, "Base de données indisponible", "--severity", "P1")["id"])
    message = invoke("incidents", "message", number)
    assert message.exit_code == 0, message.output
    assert "Base de données indisponible" in message.stdout
    assert "UTC" in message.stdout


def test_report_as_json(invoke: Invoke) -> None:
    number = str(opened(invoke, "API complètement down")["id"])
    invoke("incidents", "ack", number)
    invoke("incidents", "resolve", number)
    report = invoke("report", "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    assert data["overall"]["count"] == 1
    assert data["overall"]["mttr_minutes"] is not None
    targets = {t["runbook_id"][:3] for t in data["runbook_targets"]}
    assert "004" in targets  # the AKIG runbook states success metrics


def test_audit_verify_exits_1_on_tampering(invoke: Invoke, database_url: str) -> None:
    number = int(str(opened(invoke, "API complètement down")["id"]))
    intact = invoke("audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.stdout
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        session.execute(
            update(TimelineEventRow)
            .where(TimelineEventRow.incident_id == number, TimelineEventRow.seq == 1)
            .values(actor="mallory")
        )
    engine.dispose()
    tampered = invoke("audit", "verify", "--json")
    assert tampered.exit_code == 1
    data = json.loads(tampered.stdout)
    assert data["intact"] is False
    assert data["breaks"][0]["incident"] == number


def test_token_create_prints_only_the_token(invoke: Invoke) -> None:
    created = invoke("token", "create", "--role", "responder", "--name", "grafana")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("ast_")
    assert "\n" not in secret
    listed = json.loads(invoke("token", "list", "--json").stdout)
    assert [(t["name"], t["role"]) for t in listed] == [("grafana", "responder")]
    assert secret not in invoke("token", "list", "--json").stdout
    bad = invoke("token", "create", "--role", "boss", "--name", "x")
    assert bad.exit_code == 1
    assert "unknown role 'boss'" in bad.stderr
