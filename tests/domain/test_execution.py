"""Guarded execution's pure rules: steps and their ids, filling placeholders per quoting
context, secrets kept out of commands, redaction, the policy by risk, approvals, the rate limit,
the backup-restore decision and the execution's states."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from astreinte.domain.execution import policy, redact
from astreinte.domain.execution.policy import BackupDecision, Gate, RestoreRefused
from astreinte.domain.execution.state import (
    Execution,
    Preview,
    RunResult,
    Status,
    Transition,
    finish,
    move,
)
from astreinte.domain.execution.step import Step, placeholders_of, programs, steps_of
from astreinte.domain.execution.values import Value, fill, is_secret, key, quoting
from astreinte.domain.runbook.model import Backup, BackupVerdict, Risk, SectionKind
from astreinte.domain.runbook.parse import parse
from astreinte.errors import Conflict, Forbidden, InputError
from tests.conftest import SEEDS, SPEC
from tests.domain.test_commands import project_risk

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
R, C, D = Risk.READ, Risk.CHANGE, Risk.DESTRUCTIVE


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


# --- steps -------------------------------------------------------------------------------------


def test_steps_carry_the_catalogue_risk_of_every_seed_command() -> None:
    """Every command the seed inventory labels is a step with that risk (a lone `cd` is the
    working directory of the steps after it instead)."""
    labelled = [
        entry
        for entry in json.loads((SPEC / "seed_commands.json").read_text(encoding="utf-8"))
        if entry["risk"] in {"read", "change", "destructive"} and entry["kind"] == "command"
    ]
    checked = 0
    for path in sorted(SEEDS.glob("*.txt")):
        runbook, _ = parse(path.read_bytes(), source=path.name)
        by_line = {s.line: s for p in runbook.procedures for s in steps_of(p)}
        for entry in (e for e in labelled if e["file"] == path.name):
            step = by_line.get(entry["line_no"])
            if step is None:
                continue  # document-level memo blocks, lone `cd` lines
            assert step.risk is project_risk(entry), (path.name, entry["line"])
            checked += 1
    assert checked > 150


def test_step_ids_count_per_section_kind_and_a_cd_sets_the_working_directory() -> None:
    runbook, _ = parse(seed("002").read_bytes(), source="002")
    postgres = next(p for p in runbook.procedures if "postgresql" in p.id)

    steps = steps_of(postgres)

    ids = [s.id for s in steps]
    assert ids[:3] == ["diagnosis-1", "diagnosis-2", "diagnosis-3"]
    assert len(ids) == len(set(ids))
    restore = next(s for s in steps if s.kind is SectionKind.BACKUP)
    assert restore.id == "backup-1"
    assert restore.workdir == "/srv/sylion"
    assert restore.risk is D
    assert restore.placeholders == ("YYYY-MM-DD_HHMMSS",)
    assert all(not s.command.startswith("cd ") for s in steps)
    assert steps_of(postgres) == steps  # stable


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("printf '%s\\n' TENANT_UUID", ("TENANT_UUID",)),
        ('psql $DATABASE_URL -c "SELECT 1"', ("$DATABASE_URL",)),
        ("for f in *.log; do echo $f; done", ()),
        ("X=1; echo $X $Y", ("$Y",)),
        ("echo $HOME $PATH", ()),
        ("awk '{print $NF}' file", ()),
        (
            "vercel rollback <deployment-url> [deployment-url]",
            ("<deployment-url>", "[deployment-url]"),
        ),
        ("cp a backup_YYYY-MM-DD_HHMMSS.sql", ("YYYY-MM-DD_HHMMSS",)),
    ],
)
def test_placeholders_leave_out_what_the_shell_sets(command: str, expected: tuple[str]) -> None:
    assert placeholders_of(command) == expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("df -h", ("df",)),
        ("ss -tlnp | grep 8000", ("ss", "grep")),
        ("sudo systemctl restart nginx", ("sudo",)),
        ("docker exec redis redis-cli ping", ("docker",)),
        ("cd /srv && ENV=1 ./scripts/x.sh", ("cd", "./scripts/x.sh")),
        ("echo $(date +%F)", ("echo", "date")),
        ("$TOOL --version", ()),
    ],
)
def test_programs_are_those_the_shell_starts(command: str, expected: tuple[str, ...]) -> None:
    assert set(programs(command)) == set(expected)


# --- filling -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "name"),
    [
        ("TENANT_UUID", "tenant_uuid"),
        ("tenant-uuid", "tenant_uuid"),
        ("<deployment-id>", "deployment_id"),
        ("[deployment-url]", "deployment_url"),
        ("$DATABASE_URL", "database_url"),
        ("${REDIS_URL:-redis://x}", "redis_url"),
        ("YYYY-MM-DD_HHMMSS", "yyyy_mm_dd_hhmmss"),
    ],
)
def test_a_value_is_found_whatever_the_spelling(token: str, name: str) -> None:
    assert key(token) == name


NASTY = "x; rm -rf / $(reboot) `id` \\ \" ' $HOME"


@pytest.mark.parametrize(
    ("command", "filled"),
    [
        ("printf '%s\\n' TENANT_UUID", "printf '%s\\n' 'v a'\"'\"'l'"),
        ('printf "id=TENANT_UUID"', 'printf "id=v a\'l"'),
        ("printf 'id=TENANT_UUID'", "printf 'id=v a'\\''l'"),
        ("rm <file>", "rm 'v a'\"'\"'l'"),
    ],
)
def test_each_quoting_context_gets_its_own_quoting(command: str, filled: str) -> None:
    values = {"tenant_uuid": Value("v a'l"), "file": Value("v a'l")}

    assert fill(command, values, placeholders_of(command)).command == filled


def test_a_nasty_value_is_escaped_in_double_quotes() -> None:
    command = 'printf "%s" "TENANT_UUID"'
    filled = fill(command, {"tenant_uuid": Value(NASTY)}, ("TENANT_UUID",))
    assert filled.command == ('printf "%s" "x; rm -rf / \\$(reboot) \\`id\\` \\\\ \\" \' \\$HOME"')


def test_a_quote_inside_a_sql_literal_is_refused_rather_than_guessed() -> None:
    command = "psql -c \"DELETE FROM t WHERE id = 'TENANT_UUID'\""

    safe = fill(command, {"tenant_uuid": Value("x; rm -rf /")}, ("TENANT_UUID",))
    assert safe.command == "psql -c \"DELETE FROM t WHERE id = 'x; rm -rf /'\""
    with pytest.raises(InputError, match="TENANT_UUID contains a single quote"):
        fill(command, {"tenant_uuid": Value("x' OR '1'='1")}, ("TENANT_UUID",))


def test_a_here_document_takes_plain_values_only() -> None:
    command = "psql <<EOF\nSELECT * FROM t WHERE id = TENANT_UUID;\nEOF"

    assert "id = 42;" in fill(command, {"tenant_uuid": Value("42")}, ("TENANT_UUID",)).command
    with pytest.raises(InputError, match="here-document"):
        fill(command, {"tenant_uuid": Value("1; DROP")}, ("TENANT_UUID",))


def test_secrets_stay_out_of_the_command_and_travel_in_the_environment() -> None:
    command = 'psql $DATABASE_URL -c "x" && railway variables set JWT_SECRET=<nouveau_secret>'
    values = {
        "database_url": Value("postgres://u:pw@db/x", secret=True),
        "nouveau_secret": Value("n3w-s3cr3t", secret=True),
    }

    filled = fill(command, values, placeholders_of(command))

    assert filled.command == (
        'psql $DATABASE_URL -c "x" && railway variables set JWT_SECRET="${NOUVEAU_SECRET}"'
    )
    assert filled.environment == {
        "DATABASE_URL": "postgres://u:pw@db/x",
        "NOUVEAU_SECRET": "n3w-s3cr3t",
    }
    assert "pw@" not in filled.command
    assert "n3w" not in filled.command


def test_a_missing_value_is_reported_and_left_in_place() -> None:
    filled = fill(
        "curl /docs/DOC_UUID/TENANT_UUID", {"doc_uuid": Value("7")}, ("DOC_UUID", "TENANT_UUID")
    )
    assert filled.missing == ("TENANT_UUID",)
    assert filled.command == "curl /docs/7/TENANT_UUID"


@pytest.mark.parametrize(
    ("token", "declared", "secret"),
    [
        ("$DATABASE_URL", (), True),
        ("$REDIS_PASSWORD", (), True),
        ("$PGPASSWORD", (), True),
        ("<nouveau_secret>", (), True),
        ("TENANT_UUID", (), False),
        ("TENANT_UUID", ("tenant-uuid",), True),
        ("$PORT", (), False),
    ],
)
def test_which_placeholders_are_secret(token: str, declared: tuple[str, ...], secret: bool) -> None:
    assert is_secret(token, declared) is secret


def test_quoting_contexts() -> None:
    text = """a "b 'c' d" 'e' \\"f"""
    contexts = quoting(text)
    assert contexts[text.index("a")].value == "unquoted"
    assert contexts[text.index("b")].value == "double"
    assert contexts[text.index("c")].value == "nested"
    assert contexts[text.index("d")].value == "double"
    assert contexts[text.index("e")].value == "single"
    assert contexts[text.index("f")].value == "unquoted"


# --- redaction ---------------------------------------------------------------------------------

M = redact.MASK


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgres://app:s3cret@db:5432/x", f"postgres://app:{M}@db:5432/x"),
        ("redis-cli -a hunter22 ping", f"redis-cli -a {M} ping"),
        ('redis-cli -a "$REDIS_PASSWORD" ping', 'redis-cli -a "$REDIS_PASSWORD" ping'),
        ("mysql -u root -phunter22 db", f"mysql -u root -p{M} db"),
        ("tool --password=hunter22 --user x", f"tool --password={M} --user x"),
        ("tool --token hunter22", f"tool --token {M}"),
        ("PGPASSWORD=hunter22 psql", f"PGPASSWORD={M} psql"),
        ("export JWT_SECRET='abc def'", f"export JWT_SECRET={M}"),
        ("JWT_SECRET=$NEW ./rotate", "JWT_SECRET=$NEW ./rotate"),
        ("Authorization: Bearer abc.def-ghi", f"Authorization: Bearer {M}"),
        ("-H 'X-Api-Key: k3y-value'", f"-H 'X-Api-Key: {M}'"),
        ('{"password": "hunter22", "user": "bob"}', f'{{"password": {M}, "user": "bob"}}'),
        ("token: null", "token: null"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl", M),
        ("key AKIAIOSFODNN7EXAMPLE here", f"key {M} here"),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", M),
        ("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", M),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", M),
        ("Filesystem Size Used Avail", "Filesystem Size Used Avail"),
        ("docker ps -a | grep api", "docker ps -a | grep api"),
    ],
)
def test_secret_shapes_are_masked(text: str, shown: str) -> None:
    assert redact.mask(text) == shown
    assert redact.mask(shown) == shown  # idempotent


def test_known_values_are_masked_everywhere_also_percent_encoded() -> None:
    known = {"p@ss word!"}
    text = "got p@ss word! and p%40ss%20word%21 in a url"
    assert redact.mask(text, known) == f"got {M} and {M} in a url"


def test_a_secret_cut_by_the_output_cap_loses_its_start_too() -> None:
    assert redact.mask("value: top-secr", {"top-secret-value"}, truncated=True) == f"value: {M}"
    assert redact.mask("value: top", {"top-secret-value"}) == "value: top"


def test_known_secrets_come_from_secret_looking_names_and_url_passwords() -> None:
    environment = {
        "JWT_SECRET": "jwt-value-1",
        "PGPASSWORD": "pg-value-2",
        "APP_URL": "https://deploy:url-pass-3@example.org",
        "PORT": "8080",
        "FEATURE_SECRET_ENABLED": "true",
        "MY_SETTING": "declared-4",
    }
    assert redact.known_secrets(environment, declared=("my_setting",)) == {
        "jwt-value-1",
        "pg-value-2",
        "url-pass-3",
        "declared-4",
    }


# --- policy ------------------------------------------------------------------------------------


def step(risk: Risk, sensitive: bool = False, kind: SectionKind = SectionKind.MITIGATION) -> Step:
    return Step("mitigation-1", "Mitigation", kind, "cmd", risk, sensitive)


@pytest.mark.parametrize(
    ("risk", "sensitive", "gate"),
    [
        (R, False, Gate.AUTO),
        (C, False, Gate.RESPONDER),
        (D, False, Gate.APPROVAL),
        (R, True, Gate.APPROVAL),
        (C, True, Gate.APPROVAL),
    ],
)
def test_the_gate_follows_the_risk(risk: Risk, sensitive: bool, gate: Gate) -> None:
    assert policy.gate_of(step(risk, sensitive)) is gate


def execution(status: Status = Status.AWAITING_APPROVAL, requested_by: str = "rachel") -> Execution:
    preview = Preview("rm x", "local", ("rm deletes files",), D, False, True)
    return Execution(
        id=7,
        incident_id=1,
        procedure_id="p",
        step_id="mitigation-1",
        section="Mitigation",
        command="rm x",
        command_sha256="0" * 64,
        target="local",
        risk=D,
        sensitive=False,
        status=status,
        requested_by=requested_by,
        requested_at=T0,
        preview=preview,
        history=(Transition(Status.REQUESTED, requested_by, T0),),
    )


def test_nobody_approves_their_own_request_and_approving_needs_the_role() -> None:
    with pytest.raises(Forbidden, match="Rachel asked for execution 7 and may not approve it"):
        policy.check_approver(execution(), by="Rachel", may_approve=True)
    with pytest.raises(Forbidden, match="approver role"):
        policy.check_approver(execution(), by="bob", may_approve=False)
    policy.check_approver(execution(), by="anna", may_approve=True)


def test_the_rate_limit_counts_the_starts_of_the_last_hour() -> None:
    starts = [T0 - timedelta(minutes=70), T0 - timedelta(minutes=50), T0 - timedelta(minutes=5)]

    assert policy.rate_limited(starts, now=T0, limit=3) is None
    refusal = policy.rate_limited(starts, now=T0, limit=2)
    assert refusal is not None
    assert "2 times on this target in the last hour (the limit is 2)" in refusal
    assert "03:10 UTC" in refusal  # when the older of the two leaves the window


POSTGRES = Backup(BackupVerdict.YES_IF, "OUI si :", ("Corruption confirmée", "Erreur PANIC"))


def test_restoring_needs_a_condition_ticked_by_number_or_text() -> None:
    decision = policy.backup_decision(POSTGRES)
    assert decision is not None
    restore = step(D, kind=SectionKind.BACKUP)
    assert policy.restores(restore, decision)
    assert not policy.restores(step(D), decision)
    assert not policy.restores(step(R, kind=SectionKind.BACKUP), decision)

    assert policy.tick(restore, decision, "2") == "Erreur PANIC"
    assert policy.tick(restore, decision, "corruption") == "Corruption confirmée"
    with pytest.raises(InputError, match=r"1\. Corruption confirmée; 2\. Erreur PANIC"):
        policy.tick(restore, decision, None)
    with pytest.raises(InputError, match="condition '3' is none"):
        policy.tick(restore, decision, "3")


def test_a_maybe_is_its_own_condition_and_a_no_refuses() -> None:
    maybe = policy.backup_decision(Backup(BackupVerdict.MAYBE, "si Postgres a crashé"))
    assert maybe == BackupDecision(
        BackupVerdict.MAYBE, "si Postgres a crashé", ("si Postgres a crashé",)
    )
    no = policy.backup_decision(Backup(BackupVerdict.NO, "Redis est un cache"))
    assert no is not None
    with pytest.raises(RestoreRefused, match="Redis est un cache"):
        policy.tick(step(D, kind=SectionKind.BACKUP), no, "1")


# --- states ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        (Status.REQUESTED, Status.RUNNING, True),
        (Status.REQUESTED, Status.AWAITING_APPROVAL, True),
        (Status.REQUESTED, Status.APPROVED, False),
        (Status.AWAITING_APPROVAL, Status.APPROVED, True),
        (Status.AWAITING_APPROVAL, Status.RUNNING, False),
        (Status.APPROVED, Status.RUNNING, True),
        (Status.RUNNING, Status.SUCCEEDED, True),
        (Status.RUNNING, Status.CANCELLED, False),
        (Status.SUCCEEDED, Status.RUNNING, False),
        (Status.REFUSED, Status.APPROVED, False),
        (Status.CANCELLED, Status.APPROVED, False),
    ],
)
def test_transitions(start: Status, to: Status, allowed: bool) -> None:
    if allowed:
        moved = move(execution(start), to, by="anna", at=T0)
        assert moved.status is to
        assert moved.history[-1] == Transition(to, "anna", T0)
    else:
        with pytest.raises(Conflict, match="cannot become"):
            move(execution(start), to, by="anna", at=T0)


def test_each_decision_keeps_who_and_when() -> None:
    later = T0 + timedelta(minutes=3)
    approved = move(execution(), Status.APPROVED, by="anna", at=later)
    running = move(approved, Status.RUNNING, by="anna", at=later)
    done = finish(running, RunResult(0, "ok\n", seconds=1.5), output="ok\n", at=later)

    assert (done.approved_by, done.approved_at, done.started_at) == ("anna", later, later)
    assert done.status is Status.SUCCEEDED
    assert [t.status for t in done.history] == [
        Status.REQUESTED,
        Status.APPROVED,
        Status.RUNNING,
        Status.SUCCEEDED,
    ]


@pytest.mark.parametrize(
    ("result", "status"),
    [
        (RunResult(0, ""), Status.SUCCEEDED),
        (RunResult(1, ""), Status.FAILED),
        (RunResult(None, "", error="the program x is not installed"), Status.FAILED),
        (RunResult(None, "", timed_out=True), Status.TIMED_OUT),
    ],
)
def test_what_a_result_means(result: RunResult, status: Status) -> None:
    assert result.status is status
