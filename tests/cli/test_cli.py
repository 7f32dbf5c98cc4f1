"""The `astreinte` command as a user runs it: exit codes, JSON contracts, readable tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from astreinte.cli.main import app

Invoke = Callable[..., Result]

RUNBOOK = """# Base de données saturée

## Incident : connexions épuisées

### Symptômes
L'API répond 500 et les logs disent « too many clients ».

### Diagnostic
```sql
SELECT count(*) FROM pg_stat_activity;
```
"""


@pytest.fixture
def invoke(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Runs the CLI against the test database, 120 columns wide, from an empty folder."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    env = {"ASTREINTE_DATABASE_URL": database_url, "COLUMNS": "120", "ASTREINTE_CONFIG": None}

    def run(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env=env, input=stdin)

    return run


@pytest.fixture
def runbooks(tmp_path: Path) -> Path:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "Base de données.md").write_text(RUNBOOK, encoding="utf-8")
    (folder / "tls.markdown").write_text("# Certificat expiré\n\nRenouveler.\n", encoding="utf-8")
    return folder


def test_import_then_list_as_json(invoke: Invoke, runbooks: Path) -> None:
    imported = invoke("import", str(runbooks))
    assert imported.exit_code == 0, imported.output
    assert "2 of 2 file(s) imported" in imported.stdout

    listed = invoke("runbooks", "list", "--json")
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.stdout)
    assert [{k: e[k] for k in ("id", "source", "title")} for e in entries] == [
        {
            "id": "base-de-donnees",
            "source": "Base de données.md",
            "title": "Base de données saturée",
        },
        {"id": "tls", "source": "tls.markdown", "title": "Certificat expiré"},
    ]
    assert all(isinstance(e["procedures"], int) for e in entries)


def test_import_json_reports_each_file(invoke: Invoke, runbooks: Path) -> None:
    result = invoke("import", "--json", str(runbooks / "tls.markdown"), str(runbooks / "x.md"))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["imported"], report["failed"]) == (1, 1)
    created, missing = report["files"]
    assert {k: created[k] for k in ("path", "status", "runbook_id", "title", "error")} == {
        "path": str(runbooks / "tls.markdown"),
        "status": "created",
        "runbook_id": "tls",
        "title": "Certificat expiré",
        "error": None,
    }
    assert isinstance(created["procedures"], int)
    assert all({"line", "message"} == d.keys() for d in created["diagnostics"])
    assert (missing["status"], missing["runbook_id"]) == ("failed", None)
    assert missing["error"] == f"{runbooks / 'x.md'}: no such file or folder; check the path"


def test_one_bad_path_exits_1_and_the_rest_is_imported(invoke: Invoke, runbooks: Path) -> None:
    missing = runbooks / "absent.md"
    result = invoke("import", str(missing), str(runbooks))
    assert result.exit_code == 1
    # Rich wraps long lines at the terminal's width: compare the words, not the line breaks.
    said = " ".join(result.stdout.split())
    assert f"{missing}: no such file or folder; check the path" in said
    assert "Traceback" not in result.output
    assert [e["id"] for e in json.loads(invoke("runbooks", "list", "--json").stdout)] == [
        "base-de-donnees",
        "tls",
    ]


def test_show_json_follows_the_contract(invoke: Invoke, runbooks: Path) -> None:
    invoke("import", str(runbooks))
    result = invoke("runbooks", "show", "base-de-donnees", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert {
        "id",
        "source",
        "title",
        "encoding",
        "severity_levels",
        "procedures",
        "checklists",
        "escalation",
        "metadata",
    } <= shown.keys()
    assert (shown["id"], shown["source"]) == ("base-de-donnees", "Base de données.md")
    assert shown["encoding"]["repaired"] is False
    for procedure in shown["procedures"]:
        assert procedure["id"].startswith("base-de-donnees/")
        for section in procedure["sections"]:
            assert {"kind", "title", "text", "commands"} <= section.keys()


def test_tables_without_json(invoke: Invoke, runbooks: Path) -> None:
    invoke("import", str(runbooks))
    listed = invoke("runbooks", "list")
    assert listed.exit_code == 0, listed.output
    assert "base-de-donnees" in listed.stdout
    assert "Base de données saturée" in listed.stdout
    shown = invoke("runbooks", "show", "tls")
    assert shown.exit_code == 0, shown.output
    assert "Certificat expiré" in shown.stdout


def test_an_empty_catalogue_says_how_to_fill_it(invoke: Invoke) -> None:
    result = invoke("runbooks", "list")
    assert result.exit_code == 0
    assert "add runbooks with 'astreinte import PATH'" in result.stdout
    assert json.loads(invoke("runbooks", "list", "--json").stdout) == []


def test_an_unknown_id_is_one_red_line_and_exit_1(invoke: Invoke) -> None:
    result = invoke("runbooks", "show", "nope")
    assert result.exit_code == 1
    assert result.stderr == "no runbook 'nope'; run 'astreinte runbooks list' to see the ids\n"
    assert result.stdout == ""


def test_usage_errors_exit_2(invoke: Invoke) -> None:
    assert invoke("runbooks", "show").exit_code == 2
    assert invoke("import").exit_code == 2
    assert invoke("no-such-command").exit_code == 2


def test_the_default_database_is_astreinte_db_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"ASTREINTE_DATABASE_URL": None, "ASTREINTE_CONFIG": None}
    result = CliRunner().invoke(app, ["runbooks", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "astreinte.db").is_file()


def test_astreinte_toml_can_name_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "astreinte.toml").write_text('database_url = "sqlite:///from-toml.db"\n')
    env = {"ASTREINTE_DATABASE_URL": None, "ASTREINTE_CONFIG": None}
    result = CliRunner().invoke(app, ["runbooks", "list"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-toml.db").is_file()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "database URL 'nonsense' is not a valid SQLAlchemy URL"),
        ("mysql+nodriver://x/y", "unknown database or driver 'mysql+nodriver'"),
        ("mysql+pymysql://x/y", "needs the Python driver 'pymysql'"),
        ("postgresql+psycopg://nobody@127.0.0.1:9/none", "database error (OperationalError: "),
    ],
)
def test_a_bad_database_url_is_one_line(
    url: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["runbooks", "list"], env={"ASTREINTE_DATABASE_URL": url})
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_risk_of_one_command_as_json(invoke: Invoke) -> None:
    result = invoke("risk", "rm -rf /var/lib/postgresql/data", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["command"] == "rm -rf /var/lib/postgresql/data"
    assert answer["risk"] == "destructive"
    assert answer["needs_approval"] is True
    assert {"sensitive", "reasons"} <= answer.keys()


def test_risk_reads_one_command_per_line_from_stdin(invoke: Invoke) -> None:
    result = invoke("risk", "-", "--json", stdin="df -h\n\nrm -rf /srv/uploads\n")
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["command"], a["risk"]) for a in answers] == [
        ("df -h", "read"),
        ("rm -rf /srv/uploads", "destructive"),
    ]
    sql = invoke("risk", "-", "--json", "--sql", stdin="SELECT 1;\nDROP TABLE users;\n")
    assert [json.loads(line)["risk"] for line in sql.stdout.splitlines()] == [
        "read",
        "destructive",
    ]


def test_risk_table(invoke: Invoke) -> None:
    result = invoke("risk", "DELETE FROM sessions", "--sql")
    assert result.exit_code == 0, result.output
    assert "destructive" in result.stdout


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runbooks"


def test_match_json_follows_the_contract(invoke: Invoke) -> None:
    assert invoke("import", str(EXAMPLES)).exit_code == 0
    result = invoke("match", "Error: connect ECONNREFUSED 127.0.0.1:6379", "--json", "--top", "2")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["query"] == "Error: connect ECONNREFUSED 127.0.0.1:6379"
    assert len(body["results"]) == 2
    best = body["results"][0]
    assert set(best) >= {
        "source",
        "runbook_id",
        "procedure_id",
        "procedure",
        "severity",
        "level",
        "score",
        "reasons",
    }
    assert best["source"] == "worker-queue.en.md"
    assert best["procedure"] == "Incident: Redis unreachable (P1)"
    assert (best["severity"], best["level"]) == ("P1", "critical")
    assert best["procedure_id"] == f"{best['runbook_id']}/incident-redis-unreachable-p1"
    assert any("Redis" in reason for reason in best["reasons"])
    assert best["score"] >= body["results"][1]["score"]


def test_match_reads_one_query_per_line_and_answers_in_order(invoke: Invoke) -> None:
    assert invoke("import", str(EXAMPLES)).exit_code == 0
    queries = "FATAL: sorry, too many clients already\n\nthe job queue keeps growing\n"
    result = invoke("match", "-", "--json", "--top", "1", stdin=queries)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == [
        "FATAL: sorry, too many clients already",
        "the job queue keeps growing",
    ]
    assert lines[0]["results"][0]["procedure"].startswith("Incident 2 : Base de données")
    assert lines[1]["results"][0]["procedure"] == "Incident: queue backlog growing (P2)"


def test_match_scoping_and_unknown_runbook(invoke: Invoke) -> None:
    assert invoke("import", str(EXAMPLES)).exit_code == 0
    scoped = invoke("match", "redis", "--json", "--runbook", "boutique-api-fr")
    assert scoped.exit_code == 0, scoped.output
    assert {r["runbook_id"] for r in json.loads(scoped.stdout)["results"]} <= {"boutique-api-fr"}
    unknown = invoke("match", "redis", "--runbook", "nope")
    assert unknown.exit_code == 1
    assert "no runbook 'nope'" in unknown.output
    table = invoke("match", "les paiements sont refusés")
    assert table.exit_code == 0, table.output
    assert "Paiements refusés" in table.stdout
