"""`astreinte maintenance` as a user runs it: plan, list, show, end; alerts ingested during a
window are kept and open nothing; mistakes are one red line and exit 1."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from astreinte.cli.main import app
from tests.conftest import SHARED

Invoke = Callable[..., Result]

# In the future whatever day the tests run: the first Sunday of 2030 is 6 January.
WEEKLY = (
    "maintenance",
    "add",
    "db-upgrade",
    "--match",
    'service="postgres"',
    "--match",
    'team="dba"',
    "--start",
    "2030-01-01T00:00",
    "--end",
    "2030-03-01T00:00",
    "--every",
    "sun",
    "--at",
    "02:00",
    "--for",
    "2h",
    "--tz",
    "Europe/Paris",
    "--reason",
    "Montée de version PostgreSQL",
    "--as",
    "alice",
)


@pytest.fixture
def invoke(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.chdir(tmp_path)
    env = {"ASTREINTE_DATABASE_URL": database_url, "COLUMNS": "200", "ASTREINTE_CONFIG": None}

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    return run


def test_plan_list_show_and_end_a_weekly_window(invoke: Invoke) -> None:
    planned = invoke(*WEEKLY)
    assert planned.exit_code == 0, planned.output
    assert "maintenance window db-upgrade planned: every sun 02:00–04:00 Europe/Paris" in (
        planned.stdout
    )
    assert "next: 2030-01-06 02:00 Europe/Paris" in planned.stdout

    listed = invoke("maintenance", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (window,) = json.loads(listed.stdout)
    assert window["name"] == "db-upgrade"
    assert window["matchers"] == ['service="postgres"', 'team="dba"']
    assert window["starts_at"] == "2029-12-31T23:00:00Z"  # midnight in Paris
    assert window["created_by"] == "alice"
    assert window["recurrence"] == {
        "days": ["sun"],
        "at": "02:00",
        "duration_minutes": 120,
        "timezone": "Europe/Paris",
        "text": "every sun 02:00–04:00 Europe/Paris",
    }
    assert window["state"] == "upcoming"

    table = invoke("maintenance", "list")
    assert table.exit_code == 0, table.output
    assert "db-upgrade" in table.stdout
    assert "2030-01-06 02:00 Europe/Paris" in table.stdout

    shown = invoke("maintenance", "show", "db-upgrade")
    assert shown.exit_code == 0, shown.output
    assert "next: 2030-01-06 02:00 → 2030-01-06 04:00 Europe/Paris" in shown.stdout

    ended = invoke("maintenance", "end", "db-upgrade")
    assert ended.exit_code == 0, ended.output
    assert "maintenance window db-upgrade ended" in ended.stdout
    assert "no maintenance window planned" in invoke("maintenance", "list").stdout
    (kept,) = json.loads(invoke("maintenance", "list", "--all", "--json").stdout)
    assert (kept["name"], kept["state"]) == ("db-upgrade", "ended")


def test_alerts_ingested_during_a_window_are_kept_and_counted(invoke: Invoke) -> None:
    planned = invoke(
        "maintenance",
        "add",
        "backup-fix",
        "--match",
        'service="postgres"',
        "--end",
        (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "--reason",
        "réparation des sauvegardes",
    )
    assert planned.exit_code == 0, planned.output

    generic = SHARED / "formats" / "inbound" / "generic_alert.json"
    ingested = invoke("alerts", "ingest", str(generic), "--source", "generic", "--json")
    assert ingested.exit_code == 0, ingested.output
    report = json.loads(ingested.stdout)
    assert [a["outcome"] for a in report["alerts"]] == ["silenced"]
    assert report["incidents"] == []

    (window,) = json.loads(invoke("maintenance", "list", "--json").stdout)
    assert (window["state"], window["silenced_alerts"]) == ("active", 1)
    (listed,) = json.loads(invoke("alerts", "list", "--json").stdout)
    assert listed["silence_id"] == window["id"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"--tz": "Europe/Pariss"}, "unknown time zone 'Europe/Pariss'"),
        ({"--every": "sno"}, "unknown day 'sno'"),
        ({"--for": "8d"}, "at most 7 days"),
        ({"--end": "2029-12-01T00:00"}, "before it starts"),
        ({"--end": "next week"}, "--end 'next week' is not a date and time"),
        ({"--every": None}, "--at and --for only apply with --every"),
        ({"--tz": None}, "--every also needs --tz"),
    ],
)
def test_mistakes_are_one_line_and_exit_1(
    invoke: Invoke, change: dict[str, str | None], says: str
) -> None:
    args = list(WEEKLY)
    for option, value in change.items():
        index = args.index(option)
        if value is None:
            del args[index : index + 2]
        else:
            args[index + 1] = value

    result = invoke(*args)

    assert result.exit_code == 1, result.output
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(invoke("maintenance", "list", "--all", "--json").stdout) == []


def test_a_taken_name_and_an_unknown_one_are_refused(invoke: Invoke) -> None:
    assert invoke(*WEEKLY).exit_code == 0

    again = invoke(*WEEKLY)
    unknown = invoke("maintenance", "end", "nope")

    assert again.exit_code == 1
    assert "'db-upgrade' is already planned" in again.stderr
    assert unknown.exit_code == 1
    assert "no maintenance window named 'nope'" in unknown.stderr
