"""`astreinte steps`, `run` and `approve` as a responder at a terminal: the API's JSON shapes,
real processes, approval by someone else, exit codes, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from astreinte.cli.main import app
from astreinte.services import catalogue
from astreinte.storage.db import make_engine, make_session_factory
from tests.conftest import SEEDS

Invoke = Callable[..., Result]
EXERCISE = """# Exercice

## Incident 1 : Fichier témoin corrompu

### Diagnostic

```bash
printf '%s\\n' TENANT_UUID
cat /nonexistent-astreinte/temoin.txt
```

### Mitigation

```bash
rm <temoin-file>
```
"""


@pytest.fixture
def invoke(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """The CLI on the test database with the seeds and the exercise imported, as 'alice'."""
    monkeypatch.chdir(tmp_path)
    exercise = tmp_path / "exercice.md"
    exercise.write_text(EXERCISE, encoding="utf-8")
    env = {
        "ASTREINTE_DATABASE_URL": database_url,
        "COLUMNS": "160",
        "ASTREINTE_CONFIG": None,
        "ASTREINTE_ACTOR": "alice",
    }

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    for path in (SEEDS, exercise):
        imported = run("import", str(path))
        assert imported.exit_code == 0, imported.output
    return run


def procedure_id(database_url: str, source: str, key: str) -> str:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            runbook = next(
                r for r in catalogue.list_runbooks(session) if r.source.startswith(source)
            )
            stored = catalogue.show_runbook(session, runbook_id=runbook.id)
    finally:
        engine.dispose()
    return next(
        pid
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if key in p.id
    )


def opened(invoke: Invoke, procedure: str) -> str:
    result = invoke("incidents", "open", "Exercice", "--procedure", procedure, "--json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def test_steps_and_a_read_step_as_json(invoke: Invoke, database_url: str) -> None:
    incident = opened(invoke, procedure_id(database_url, "002_", "full-disk"))

    listed = invoke("steps", incident, "--json")
    assert listed.exit_code == 0, listed.output
    steps = json.loads(listed.stdout)
    assert steps[0]["id"] == "diagnosis-1"
    assert steps[0]["command"] == "df -h"
    table = invoke("steps", incident)
    assert "diagnosis-1" in table.stdout
    assert "approval" in table.stdout

    ran = invoke("run", incident, "diagnosis-1", "--json")

    assert ran.exit_code == 0, ran.output
    execution = json.loads(ran.stdout)
    assert execution["status"] == "succeeded"
    assert execution["requested_by"] == "alice"
    assert "Filesystem" in execution["output"]


def test_a_failing_step_exits_1_and_a_dry_run_runs_nothing(
    invoke: Invoke, database_url: str
) -> None:
    incident = opened(invoke, procedure_id(database_url, "exercice", "incident-1"))

    failed = invoke("run", incident, "diagnosis-2")
    assert failed.exit_code == 1
    assert "failed (exit 1)" in failed.stdout
    shown = invoke("run", incident, "diagnosis-1", "--dry-run", "--value", "TENANT_UUID=a b")
    assert shown.exit_code == 0, shown.output
    assert "printf '%s\\n' 'a b'" in shown.stdout
    missing = invoke("run", incident, "diagnosis-1")
    assert missing.exit_code == 1
    assert "needs a value for TENANT_UUID" in missing.stderr
    assert "Traceback" not in missing.output
    usage = invoke("run", incident, "diagnosis-1", "--value", "TENANT_UUID")
    assert usage.exit_code == 2
    assert "NAME=VALUE" in usage.output


def test_a_destructive_step_waits_for_someone_else_to_approve_it(
    invoke: Invoke, database_url: str, tmp_path: Path
) -> None:
    witness = tmp_path / "temoin.txt"
    witness.write_text("x")
    incident = opened(invoke, procedure_id(database_url, "exercice", "incident-1"))

    waiting = invoke("run", incident, "mitigation-1", "--value", f"temoin-file={witness}", "--json")

    assert waiting.exit_code == 0, waiting.output
    pending = json.loads(waiting.stdout)
    assert pending["status"] == "awaiting_approval"
    assert pending["preview"]["command"] == f"rm {witness}"
    assert witness.exists()
    number = str(pending["id"])

    own = invoke("approve", number)
    assert own.exit_code == 1
    assert "alice asked for execution" in own.stderr
    assert witness.exists()

    approved = invoke("approve", number, "--as", "bob", "--json")

    assert approved.exit_code == 0, approved.output
    done = json.loads(approved.stdout)
    assert (done["status"], done["approved_by"]) == ("succeeded", "bob")
    assert not witness.exists()
