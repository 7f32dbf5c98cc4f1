"""`astreinte probes list|run|suggest` as a user runs them, with `--config`: the configured
probes, one run now against the machine's Redis and a closed port, suggestions from the five
seed runbooks (read where they live), and mistakes as one red line."""

from __future__ import annotations

import json
import socket
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from astreinte.adapters.probes import OPTION_NAMES, validate
from astreinte.cli.main import app
from astreinte.domain.probe import ProbeKind
from astreinte.probes_config import parse
from tests.adapters.probes.peers import REDIS_URL, redis_client
from tests.conftest import seed_files
from tests.receivers import free_port

Invoke = Callable[..., Result]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(
        f"""\
[[probes]]
name = "cache"
kind = "redis"
target = "{REDIS_URL}"
interval = "10s"
service = "sylion"

[[probes]]
name = "api"
kind = "tcp"
target = "127.0.0.1:{free_port()}"
interval = "30s"
fall = 1
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port where something accepts connections (the listen backlog answers for it)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.fixture
def invoke(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.chdir(tmp_path)
    env = {"ASTREINTE_DATABASE_URL": database_url, "COLUMNS": "200", "ASTREINTE_CONFIG": None}

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    return run


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert "Traceback" not in result.output
    return message


def test_list_shows_the_configured_probes_before_and_after_a_run(
    invoke: Invoke, config: Path
) -> None:
    redis_client().close()  # the machine's Redis answers, or the test skips (fails in CI)
    listed = invoke("probes", "list", "--config", str(config), "--json")
    assert listed.exit_code == 0, listed.output
    assert [(p["name"], p["status"]) for p in json.loads(listed.stdout)] == [
        ("cache", "unknown"),
        ("api", "unknown"),
    ]

    ran = invoke("probes", "run", "cache", "--config", str(config))
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.startswith("cache: ok in ")
    assert "status: up" in ran.stdout

    table = invoke("--config", str(config), "probes", "list")
    assert table.exit_code == 0, table.output
    assert "cache" in table.stdout
    assert "ok: 127.0.0.1:6379 uses" in table.stdout
    assert "100.00 %" in table.stdout


def test_a_failing_run_exits_1_and_says_the_probe_is_down_with_its_incident(
    invoke: Invoke, config: Path
) -> None:
    ran = invoke("probes", "run", "api", "--config", str(config), "--json")

    assert ran.exit_code == 1, ran.output
    body = json.loads(ran.stdout)
    assert body["result"]["ok"] is False
    assert "connection refused" in body["result"]["detail"]
    assert (body["status"], body["change"]) == ("down", "went_down")
    assert body["incident_id"] == 1

    again = invoke("probes", "run", "api", "--config", str(config))
    assert again.exit_code == 1
    assert "still down (0 of 2 successes needed to come back)" in again.stdout


def test_an_unknown_probe_names_the_configured_ones(invoke: Invoke, config: Path) -> None:
    message = one_line_error(invoke("probes", "run", "nope", "--config", str(config)))

    assert message.startswith("no probe 'nope' in ")
    assert "(configured: cache, api)" in message


def test_a_config_mistake_is_one_line_with_its_line_number(invoke: Invoke, config: Path) -> None:
    config.write_text(config.read_text().replace("fall = 1", "fal = 1"))

    message = one_line_error(invoke("probes", "list", "--config", str(config)))

    assert message.startswith(f"{config}:13: probe 'api' has an unknown key 'fal'")
    assert "did you mean 'fall'?" in message


def test_a_missing_config_file_is_named(invoke: Invoke, tmp_path: Path) -> None:
    message = one_line_error(invoke("probes", "list", "--config", str(tmp_path / "no.toml")))

    assert message.endswith("no.toml: no such configuration file; check --config")


# --- suggest -------------------------------------------------------------------------------


def seed(number: str) -> Path:
    return next(f for f in seed_files() if f.name.startswith(number))


def test_seed_002_suggests_its_redis_and_postgresql_checks_as_valid_toml(
    invoke: Invoke,
) -> None:
    result = invoke("probes", "suggest", str(seed("002")))

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "# expected: PONG" in text
    assert "# expected: accepting connections" in text
    assert "inside the container 'sylion-redis'" in text
    specs = parse(
        tomllib.loads(text)["probes"],
        text=text,
        path=Path("suggested.toml"),
        options=OPTION_NAMES,
        validate=validate,
    )
    assert [(s.name, s.kind, s.target) for s in specs] == [
        ("sylion-redis-ping", ProbeKind.REDIS, "redis://127.0.0.1:6379/0"),
        (
            "sylion-postgres-ready",
            ProbeKind.POSTGRES,
            "postgresql://sylion_user@127.0.0.1:5432/sylion_prod",
        ),
    ]
    assert specs[0].symptom is not None
    assert specs[0].symptom.startswith("Incident 3 : Redis down / Queue bloquée")


@pytest.mark.parametrize("number", ["000", "001", "003", "004"])
def test_seeds_without_stated_results_suggest_nothing(invoke: Invoke, number: str) -> None:
    result = invoke("probes", "suggest", str(seed(number)), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    said = invoke("probes", "suggest", str(seed(number)))
    assert "nothing to suggest" in said.stdout


def test_a_catalogue_runbook_gives_its_procedure_ids(invoke: Invoke) -> None:
    assert invoke("import", str(seed("002"))).exit_code == 0
    (runbook,) = json.loads(invoke("runbooks", "list", "--json").stdout)

    result = invoke("probes", "suggest", runbook["id"], "--json")

    assert result.exit_code == 0, result.output
    redis, postgres = json.loads(result.stdout)
    assert redis["procedure"].startswith(f"{runbook['id']}/")
    assert redis["procedure_title"] == "Incident 3 : Redis down / Queue bloquée"
    assert redis["line"] == 136
    assert f'procedure = "{redis["procedure"]}"' in redis["toml"]
    assert postgres["kind"] == "postgres"
    shown = invoke("runbooks", "show", runbook["id"], "--json")
    procedures = {p["id"] for p in json.loads(shown.stdout)["procedures"]}
    assert {redis["procedure"], postgres["procedure"]} <= procedures


def test_an_unknown_runbook_is_one_line(invoke: Invoke) -> None:
    message = one_line_error(invoke("probes", "suggest", "no-such-runbook"))

    assert message.startswith("no runbook 'no-such-runbook'")


def test_worker_once_runs_the_probes_that_are_due(
    invoke: Invoke, tmp_path: Path, listening_port: int
) -> None:
    path = tmp_path / "once.toml"
    path.write_text(
        f"""\
[[probes]]
name = "web"
kind = "tcp"
target = "127.0.0.1:{listening_port}"
interval = "100ms"

[[probes]]
name = "api"
kind = "tcp"
target = "127.0.0.1:{free_port()}"
interval = "100ms"
fall = 1
""",
        encoding="utf-8",
    )
    invoke("worker", "--once", "--config", str(path))  # schedules them (first runs spread)
    time.sleep(0.3)  # both due by now, whatever the first pass did
    once = invoke("worker", "--once", "--config", str(path))
    assert once.exit_code == 0, once.output
    assert "probes due: 2 checked, failing: api" in once.stdout
    listed = json.loads(invoke("probes", "list", "--config", str(path), "--json").stdout)
    assert {p["name"]: p["status"] for p in listed} == {"web": "up", "api": "down"}
