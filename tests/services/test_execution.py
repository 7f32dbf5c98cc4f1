"""Guarded execution on SQLite and PostgreSQL, with real processes: a seed's read step and its
output on the timeline, the approval of destructive steps by a second person, label values
that stay one argument, secrets absent from the whole database, the rate limit, the kill
switch, timeouts, the output cap, the backup-restore decision and the auto-run of diagnostics.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.runners.local import LocalRunner
from astreinte.config import load_settings
from astreinte.domain.alert import Alert, AlertStatus
from astreinte.domain.execution.state import Execution, Status
from astreinte.domain.incident.timeline import EventKind
from astreinte.errors import ApprovalRequired, Conflict, Forbidden, InputError, NotFound, Refused
from astreinte.services import alerts, catalogue, execution, incidents
from astreinte.services.execution import Executor
from astreinte.services.incidents import DEFAULT_RULES, IncidentView
from astreinte.services.steps import ExecutionRules
from astreinte.wiring import executor as wired_executor
from tests.conftest import SEEDS

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)

# A runbook of our own, for what the seeds cannot show safely: a destructive step on a file the
# test owns, values that must stay data, output to redact.
EXERCISE = """# Runbook d'exercice

Runbook écrit pour les tests d'exécution d'astreinte.

## Incident 1 : Fichier témoin corrompu

### Diagnostic

```bash
printf '%s\\n' exercice-ok
cat /nonexistent-astreinte/temoin.txt
printf '%s\\n' jamais-atteint
```

### Mitigation

```bash
rm <temoin-file>
astreinte-absent-tool --version
```

## Incident 2 : Client bloqué

### Diagnostic

```bash
printf '%s\\n' TENANT_UUID
printf '%s\\n' "client=TENANT_UUID"
printf '%s\\n' <endpoint>
```

### Mitigation

```bash
echo "$JWT_SECRET"
yes astreinte | head -c 200000
sleep 30
```
"""


@pytest.fixture
def catalogued(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    exercise = tmp_path / "runbooks" / "exercice.md"
    exercise.parent.mkdir()
    exercise.write_text(EXERCISE, encoding="utf-8")
    report = catalogue.import_paths(sessions, [SEEDS, exercise], now=T0)
    assert report.ok, [(f.path.name, f.error) for f in report.failed]
    return sessions


def procedure(sessions: sessionmaker[Session], source: str, key_start: str) -> str:
    with sessions() as session:
        runbook_id = next(
            s.id for s in catalogue.list_runbooks(session) if s.source.startswith(source)
        )
        stored = catalogue.show_runbook(session, runbook_id=runbook_id)
    return next(
        pid
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if p.id.startswith(key_start)
    )


Open = Callable[..., IncidentView]


@pytest.fixture
def open_on(catalogued: sessionmaker[Session]) -> Open:
    def make(source: str, key_start: str, service: str | None = None) -> IncidentView:
        return incidents.open_incident(
            catalogued,
            title="Exercice",
            procedure_id=procedure(catalogued, source, key_start),
            service=service,
            actor="rachel",
            now=T0,
        )

    return make


def executor(**rules: object) -> Executor:
    return Executor(LocalRunner(grace_seconds=0.3), ExecutionRules(**rules))  # type: ignore[arg-type]


def events(sessions: sessionmaker[Session], incident_id: int, *kinds: EventKind) -> list[str]:
    view = incidents.get_incident(sessions, incident_id=incident_id)
    return [
        f"{s.event.kind.value} {s.event.actor}: {s.event.text}"
        for s in view.timeline
        if not kinds or s.event.kind in kinds
    ]


def dump(sessions: sessionmaker[Session]) -> str:
    """Everything the database holds, as text: SQLite's own dump, or every row of every table
    of PostgreSQL as JSON."""
    engine = sessions.kw["bind"]
    assert isinstance(engine, Engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            raw = conn.connection.dbapi_connection
            assert raw is not None
            return "\n".join(raw.iterdump())
        tables = inspect(conn).get_table_names()
        rows = [
            str(row)
            for table in tables
            for (row,) in conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))
        ]
    assert any("step_finished" in r for r in rows)
    return "\n".join(rows)


# --- reading and read steps --------------------------------------------------------------------


def test_a_read_step_of_a_seed_runs_and_its_output_lands_on_the_timeline(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("002_", "incident-5-vps-full-disk")
    steps = execution.list_steps(catalogued, incident_id=incident.id)
    first = steps[0]
    assert (first.step.id, first.step.command, first.gate.value) == ("diagnosis-1", "df -h", "auto")

    done = execution.run_step(
        catalogued,
        executor(),
        incident_id=incident.id,
        step_id="diagnosis-1",
        actor="rachel",
        now=T0,
    )

    assert done.status is Status.SUCCEEDED
    assert done.exit_code == 0
    assert "Filesystem" in done.output
    assert done.requested_by == "rachel"
    assert done.started_at == T0
    assert execution.get_execution(catalogued, execution_id=done.id) == done
    started, finished = events(
        catalogued, incident.id, EventKind.STEP_STARTED, EventKind.STEP_FINISHED
    )
    assert started == "step_started rachel: Étape diagnosis-1 lancée sur local par rachel : df -h"
    assert finished.startswith(
        "step_finished rachel: Étape diagnosis-1 réussie (code 0): Filesystem"
    )
    last = incidents.get_incident(catalogued, incident_id=incident.id).timeline[-1].event
    assert last.data["output"] == done.output.strip()
    assert "\n" not in last.text
    postmortem = incidents.postmortem(catalogued, incident_id=incident.id, now=T0)
    assert "df -h" in postmortem


def test_an_unknown_step_or_incident_is_named(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("002_", "incident-5-vps-full-disk")
    with pytest.raises(NotFound, match=r"no step 'diagnosis-99' .*diagnosis-1, diagnosis-2"):
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="diagnosis-99",
            actor="r",
            now=T0,
        )
    with pytest.raises(NotFound, match="no incident 999"):
        execution.list_steps(catalogued, incident_id=999)
    bare = incidents.open_incident(catalogued, title="zqxj wvkp", actor="r", now=T0)
    assert bare.incident.procedure is None
    with pytest.raises(NotFound, match="follows no procedure"):
        execution.list_steps(catalogued, incident_id=bare.id)


def test_a_missing_program_fails_with_a_sentence_naming_it(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("exercice", "incident-1")

    done = execution.run_step(
        catalogued,
        executor(),
        incident_id=incident.id,
        step_id="mitigation-2",
        actor="rachel",
        now=T0,
    )

    assert done.status is Status.FAILED
    assert done.reason is not None
    assert "the program astreinte-absent-tool is not installed on local" in done.reason
    (finished,) = events(catalogued, incident.id, EventKind.STEP_FINISHED)
    assert "astreinte-absent-tool" in finished


def test_diagnostics_run_when_an_incident_opens_and_stop_at_the_first_failure(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("exercice", "incident-1")
    assert execution.after_open(catalogued, executor(), incident_id=incident.id, now=T0) == []

    done = execution.after_open(
        catalogued, executor(auto_read=True), incident_id=incident.id, now=T0
    )

    assert [(e.step_id, e.status) for e in done] == [
        ("diagnosis-1", Status.SUCCEEDED),
        ("diagnosis-2", Status.FAILED),
    ]
    assert done[0].output == "exercice-ok\n"
    assert all(e.requested_by == "astreinte" for e in done)
    finished = events(catalogued, incident.id, EventKind.STEP_FINISHED)
    assert "exercice-ok" in finished[0]
    assert "No such file" in finished[1]
    assert not any("jamais-atteint" in line for line in events(catalogued, incident.id))


# --- destructive steps and approval ------------------------------------------------------------


def test_a_destructive_step_waits_for_a_second_person_with_the_approver_role(
    catalogued: sessionmaker[Session], open_on: Open, tmp_path: Path
) -> None:
    witness = tmp_path / "temoin.txt"
    witness.write_text("corrompu")
    incident = open_on("exercice", "incident-1")
    steps = {s.step.id: s for s in execution.list_steps(catalogued, incident_id=incident.id)}
    assert steps["mitigation-1"].gate.value == "approval"
    run = executor()

    with pytest.raises(ApprovalRequired) as waiting:
        execution.run_step(
            catalogued,
            run,
            incident_id=incident.id,
            step_id="mitigation-1",
            actor="rachel",
            now=T0,
            values={"temoin-file": str(witness)},
        )

    preview = waiting.value.preview
    assert preview["command"] == f"rm {witness}"
    assert preview["target"] == "local"
    assert preview["effect"] == ["rm deletes files (there is no undo)"]
    assert preview["approval"] is True
    number = waiting.value.execution
    assert (
        execution.get_execution(catalogued, execution_id=number).status is Status.AWAITING_APPROVAL
    )
    assert witness.exists(), "it ran without approval"

    with pytest.raises(Forbidden, match=r"rachel asked for execution \d+ and may not approve it"):
        execution.approve(
            catalogued, run, execution_id=number, actor="rachel", may_approve=True, now=T0
        )
    with pytest.raises(Forbidden, match="approver role"):
        execution.approve(
            catalogued, run, execution_id=number, actor="bob", may_approve=False, now=T0
        )
    assert witness.exists(), "it ran on a refused approval"
    assert (
        execution.get_execution(catalogued, execution_id=number).status is Status.AWAITING_APPROVAL
    )

    later = T0 + timedelta(minutes=2)
    done = execution.approve(
        catalogued, run, execution_id=number, actor="anna", may_approve=True, now=later
    )

    assert done.status is Status.SUCCEEDED
    assert not witness.exists()
    assert (done.requested_by, done.approved_by, done.approved_at) == ("rachel", "anna", later)
    assert [(t.status.value, t.by) for t in done.history] == [
        ("requested", "rachel"),
        ("awaiting_approval", "rachel"),
        ("approved", "anna"),
        ("running", "anna"),
        ("succeeded", "anna"),
    ]
    assert [line.split(":")[0] for line in events(catalogued, incident.id)][-5:] == [
        "step_requested rachel",
        "step_approval_denied rachel",
        "step_approved anna",
        "step_started anna",
        "step_finished anna",
    ]
    with pytest.raises(Conflict, match="only one awaiting approval"):
        execution.approve(
            catalogued, run, execution_id=number, actor="ada", may_approve=True, now=later
        )


def test_a_request_can_be_cancelled_and_then_never_runs(
    catalogued: sessionmaker[Session], open_on: Open, tmp_path: Path
) -> None:
    witness = tmp_path / "temoin.txt"
    witness.write_text("x")
    incident = open_on("exercice", "incident-1")
    run = executor()
    with pytest.raises(ApprovalRequired) as waiting:
        execution.run_step(
            catalogued,
            run,
            incident_id=incident.id,
            step_id="mitigation-1",
            actor="rachel",
            now=T0,
            values={"temoin-file": str(witness)},
        )
    cancelled = execution.cancel(
        catalogued, run, execution_id=waiting.value.execution, actor="rachel", now=T0
    )
    assert cancelled.status is Status.CANCELLED
    with pytest.raises(Conflict):
        execution.approve(
            catalogued, run, execution_id=cancelled.id, actor="anna", may_approve=True, now=T0
        )
    assert witness.exists()


def test_an_approval_in_another_process_rebuilds_the_same_command(
    catalogued: sessionmaker[Session], open_on: Open, tmp_path: Path
) -> None:
    """The approver's process never saw the request: the non-secret values come back from the
    database, and the command approved is checked against the one previewed."""
    witness = tmp_path / "temoin.txt"
    witness.write_text("x")
    incident = open_on("exercice", "incident-1")
    with pytest.raises(ApprovalRequired) as waiting:
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="mitigation-1",
            actor="rachel",
            now=T0,
            values={"temoin-file": str(witness)},
        )

    done = execution.approve(
        catalogued,
        executor(),
        execution_id=waiting.value.execution,
        actor="anna",
        may_approve=True,
        now=T0,
    )

    assert done.status is Status.SUCCEEDED
    assert not witness.exists()


def test_the_same_destructive_step_runs_at_most_n_times_an_hour_on_a_target(
    catalogued: sessionmaker[Session], open_on: Open, tmp_path: Path
) -> None:
    run = executor(rate_limit=1)
    witness = tmp_path / "temoin.txt"

    def attempt(at: datetime) -> Execution:
        witness.write_text("x")
        incident = open_on("exercice", "incident-1")
        with pytest.raises(ApprovalRequired) as waiting:
            execution.run_step(
                catalogued,
                run,
                incident_id=incident.id,
                step_id="mitigation-1",
                actor="rachel",
                now=at,
                values={"temoin-file": str(witness)},
            )
        return execution.approve(
            catalogued,
            run,
            execution_id=waiting.value.execution,
            actor="anna",
            may_approve=True,
            now=at,
        )

    assert attempt(T0).status is Status.SUCCEEDED
    witness.write_text("x")
    incident = open_on("exercice", "incident-1")
    with pytest.raises(Refused, match="already ran 1 times on this target in the last hour"):
        execution.run_step(
            catalogued,
            run,
            incident_id=incident.id,
            step_id="mitigation-1",
            actor="rachel",
            now=T0 + timedelta(minutes=30),
            values={"temoin-file": str(witness)},
        )
    assert witness.exists()
    (refused,) = events(catalogued, incident.id, EventKind.STEP_REFUSED)
    assert "refusée" in refused
    assert "limite 1" in refused
    (stored,) = execution.executions_of(catalogued, incident_id=incident.id)
    assert stored.status is Status.REFUSED
    assert stored.reason is not None
    assert "the limit is 1" in stored.reason

    assert attempt(T0 + timedelta(minutes=61)).status is Status.SUCCEEDED


def test_the_kill_switch_refuses_every_run_with_a_sentence(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("002_", "incident-5-vps-full-disk")
    switched_off = executor(kill_switch=True)

    with pytest.raises(Refused, match="kill switch"):
        execution.run_step(
            catalogued,
            switched_off,
            incident_id=incident.id,
            step_id="diagnosis-1",
            actor="rachel",
            now=T0,
        )

    assert events(catalogued, incident.id, EventKind.STEP_STARTED) == []
    (refused,) = events(catalogued, incident.id, EventKind.STEP_REFUSED)
    assert "arrêt d'urgence" in refused
    automatic = executor(kill_switch=True, auto_read=True)
    assert execution.after_open(catalogued, automatic, incident_id=incident.id, now=T0) == []
    # A dry run runs nothing: it still shows what would.
    plan = execution.preview_step(
        catalogued, switched_off, incident_id=incident.id, step_id="diagnosis-1"
    )
    assert plan.preview.command == "df -h"


def test_the_kill_switch_also_stops_an_approved_step(
    catalogued: sessionmaker[Session], open_on: Open, tmp_path: Path
) -> None:
    witness = tmp_path / "temoin.txt"
    witness.write_text("x")
    incident = open_on("exercice", "incident-1")
    with pytest.raises(ApprovalRequired) as waiting:
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="mitigation-1",
            actor="rachel",
            now=T0,
            values={"temoin-file": str(witness)},
        )
    with pytest.raises(Refused, match="kill switch"):
        execution.approve(
            catalogued,
            executor(kill_switch=True),
            execution_id=waiting.value.execution,
            actor="anna",
            may_approve=True,
            now=T0,
        )
    assert witness.exists()
    assert (
        execution.get_execution(catalogued, execution_id=waiting.value.execution).status
        is Status.REFUSED
    )


# --- values ------------------------------------------------------------------------------------


def test_a_label_value_stays_one_argument_and_nothing_else_runs(
    catalogued: sessionmaker[Session], tmp_path: Path
) -> None:
    pwned = tmp_path / "pwned"
    hostile = f"x; rm -rf / ; touch {pwned} $(touch {pwned}) `touch {pwned}`"
    report = alerts.ingest(
        catalogued,
        alerts=[
            Alert(
                source="generic",
                fingerprint="tenant-blocked",
                status=AlertStatus.FIRING,
                title="Client bloqué sur l'indexation",
                labels={"tenant_uuid": hostile},
                service="billing",
            )
        ],
        now=T0,
        rules=DEFAULT_RULES,
    )
    incident_id = report.alerts[0].stored.incident_id
    assert incident_id is not None
    incidents.change_procedure(
        catalogued,
        incident_id=incident_id,
        procedure_id=procedure(catalogued, "exercice", "incident-2"),
        actor="rachel",
        now=T0,
    )
    listed = {s.step.id: s for s in execution.list_steps(catalogued, incident_id=incident_id)}
    (placeholder,) = listed["diagnosis-1"].placeholders
    assert (placeholder.token, placeholder.shown, placeholder.source) == (
        "TENANT_UUID",
        hostile,
        "label",
    )

    plain = execution.run_step(
        catalogued,
        executor(),
        incident_id=incident_id,
        step_id="diagnosis-1",
        actor="rachel",
        now=T0,
    )
    quoted = execution.run_step(
        catalogued,
        executor(),
        incident_id=incident_id,
        step_id="diagnosis-2",
        actor="rachel",
        now=T0,
    )

    assert plain.output == hostile + "\n"
    assert quoted.output == f"client={hostile}\n"
    assert not pwned.exists()
    assert os.path.isdir("/")  # and rm -rf / never ran either


def test_missing_and_unknown_values_are_named(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("exercice", "incident-2")
    with pytest.raises(InputError, match="step diagnosis-1 needs a value for TENANT_UUID"):
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="diagnosis-1",
            actor="r",
            now=T0,
        )
    with pytest.raises(InputError, match="'TENANT_ID' is not a placeholder of step diagnosis-1"):
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="diagnosis-1",
            actor="r",
            now=T0,
            values={"TENANT_ID": "1"},
        )
    with pytest.raises(InputError, match="line break"):
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="diagnosis-1",
            actor="r",
            now=T0,
            values={"tenant-uuid": "1\nreboot"},
        )
    assert execution.executions_of(catalogued, incident_id=incident.id) == []


def test_configured_values_of_the_service_fill_placeholders(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("exercice", "incident-2", service="billing")
    run = executor(values={"billing": {"TENANT_UUID": "t-42"}, "*": {"endpoint": "https://x.test"}})

    done = execution.run_step(
        catalogued, run, incident_id=incident.id, step_id="diagnosis-1", actor="rachel", now=T0
    )

    assert done.output == "t-42\n"
    assert done.preview.values == {"TENANT_UUID": "t-42"}
    (view,) = [
        v
        for v in execution.list_steps(catalogued, incident_id=incident.id, rules=run.rules)
        if v.step.id == "diagnosis-3"
    ]
    assert view.filled == "printf '%s\\n' https://x.test"


# --- secrets -----------------------------------------------------------------------------------

JWT = "jwt-S3cr3t-value-for-the-test"
URL_PASSWORD = "hunter2-in-a-url"
NEW_SECRET = "n3w-rotated-s3cr3t"


def test_secrets_never_reach_the_database(
    catalogued: sessionmaker[Session],
    open_on: Open,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JWT_SECRET", JWT)
    run = wired_executor(load_settings(database_url=database_url))
    # 004 RB-P1-002 prints $JWT_SECRET (destructive, sensitive): approved, it runs.
    printing = open_on("004_", "rb-p1-002")
    jwt_step = next(
        v.step.id
        for v in execution.list_steps(catalogued, incident_id=printing.id, rules=run.rules)
        if v.step.command == "echo $JWT_SECRET"
    )
    with pytest.raises(ApprovalRequired) as waiting:
        execution.run_step(
            catalogued, run, incident_id=printing.id, step_id=jwt_step, actor="rachel", now=T0
        )
    assert waiting.value.preview["environment"] == ["JWT_SECRET"]
    shown = execution.approve(
        catalogued,
        run,
        execution_id=waiting.value.execution,
        actor="anna",
        may_approve=True,
        now=T0,
    )
    assert shown.status is Status.SUCCEEDED
    assert shown.output == "[redacted]\n"
    # A password in a URL given as a value: masked in the command, the values and the output.
    exercise = open_on("exercice", "incident-2")
    url = f"https://ops:{URL_PASSWORD}@status.example.org/health"
    fetched = execution.run_step(
        catalogued,
        run,
        incident_id=exercise.id,
        step_id="diagnosis-3",
        actor="rachel",
        now=T0,
        values={"endpoint": url},
    )
    assert fetched.output == "https://ops:[redacted]@status.example.org/health\n"
    assert URL_PASSWORD not in fetched.command
    # A secret given for a placeholder (003's secret rotation): only in the environment.
    rotation = open_on("003_", "rotation-des-secrets")
    rotate = next(
        v.step.id
        for v in execution.list_steps(catalogued, incident_id=rotation.id, rules=run.rules)
        if "<nouveau_secret>" in v.step.command
    )
    with pytest.raises(ApprovalRequired) as rotating:
        execution.run_step(
            catalogued,
            run,
            incident_id=rotation.id,
            step_id=rotate,
            actor="rachel",
            now=T0,
            values={"nouveau_secret": NEW_SECRET},
        )
    assert '"${NOUVEAU_SECRET}"' in str(rotating.value.preview["command"])
    failed = execution.approve(
        catalogued,
        run,
        execution_id=rotating.value.execution,
        actor="anna",
        may_approve=True,
        now=T0,
    )
    assert failed.status is Status.FAILED  # railway is not installed here: it says so
    assert failed.reason is not None
    assert "railway" in failed.reason

    everything = dump(catalogued)

    for secret in (JWT, URL_PASSWORD, NEW_SECRET):
        assert secret not in everything
    assert "[redacted]" in everything


# --- limits ------------------------------------------------------------------------------------


def test_a_step_past_its_timeout_is_stopped_and_recorded(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("exercice", "incident-2")

    done = execution.run_step(
        catalogued,
        executor(timeout_seconds=0.5),
        incident_id=incident.id,
        step_id="mitigation-3",
        actor="rachel",
        now=T0,
    )

    assert done.status is Status.TIMED_OUT
    assert done.exit_code is None
    assert done.finished_at is not None
    assert done.finished_at > T0
    (finished,) = events(catalogued, incident.id, EventKind.STEP_FINISHED)
    assert "arrêtée : toujours en cours après" in finished


def test_output_is_capped(catalogued: sessionmaker[Session], open_on: Open) -> None:
    incident = open_on("exercice", "incident-2")

    done = execution.run_step(
        catalogued,
        executor(output_limit=4096),
        incident_id=incident.id,
        step_id="mitigation-2",
        actor="rachel",
        now=T0,
    )

    assert done.status is Status.SUCCEEDED
    assert done.truncated
    assert len(done.output) == 4096


# --- backup restore ----------------------------------------------------------------------------


def test_restoring_a_backup_needs_the_runbook_condition_that_holds(
    catalogued: sessionmaker[Session], open_on: Open
) -> None:
    incident = open_on("002_", "incident-4-postgresql")
    restore = next(v for v in execution.list_steps(catalogued, incident_id=incident.id) if v.backup)
    assert restore.step.id == "backup-1"
    assert restore.backup is not None
    assert restore.backup.options == (
        "Corruption de données confirmée",
        "Erreur PANIC dans les logs Postgres",
        "Volume Docker corrompu",
    )
    values = {"YYYY-MM-DD_HHMMSS": "2026-11-23_030000"}

    with pytest.raises(InputError, match=r"restore only if: 1\. Corruption de données confirmée"):
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="backup-1",
            actor="rachel",
            now=T0,
            values=values,
        )
    with pytest.raises(ApprovalRequired) as waiting:
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="backup-1",
            actor="rachel",
            now=T0,
            values=values,
            condition="2",
        )

    preview = waiting.value.preview
    assert preview["condition"] == "Erreur PANIC dans les logs Postgres"
    assert preview["workdir"] == "/srv/sylion"
    assert preview["command"] == (
        "ENV_FILE=.env.prod ./scripts/restore_postgres.sh "
        "backups/postgres/sylion_2026-11-23_030000.sql.gz"
    )


def test_an_approval_runs_only_what_was_previewed(
    catalogued: sessionmaker[Session], open_on: Open, tmp_path: Path
) -> None:
    """The runbook is re-imported with another command between the request and the approval:
    the approval is refused instead of running a command nobody previewed."""
    witness = tmp_path / "temoin.txt"
    witness.write_text("x")
    incident = open_on("exercice", "incident-1")
    with pytest.raises(ApprovalRequired) as waiting:
        execution.run_step(
            catalogued,
            executor(),
            incident_id=incident.id,
            step_id="mitigation-1",
            actor="rachel",
            now=T0,
            values={"temoin-file": str(witness)},
        )
    exercise = tmp_path / "runbooks" / "exercice.md"
    exercise.write_text(EXERCISE.replace("rm <temoin-file>", "rm -f <temoin-file>"))
    assert catalogue.import_paths(catalogued, [exercise], now=T0).ok

    with pytest.raises(Refused, match="changed since it was requested"):
        execution.approve(
            catalogued,
            executor(),
            execution_id=waiting.value.execution,
            actor="anna",
            may_approve=True,
            now=T0,
        )

    assert witness.exists()
    (refused,) = events(catalogued, incident.id, EventKind.STEP_REFUSED)
    assert "l'étape ou ses valeurs ont changé depuis la demande" in refused
