"""`astreinte lint` as a user runs it: on their folder, on the seed runbooks, in three formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from astreinte.cli.lint import lint_command
from tests.conftest import SEEDS

app = typer.Typer()
app.command()(lint_command)

CLEAN = """# Boutique — API

**Version :** 1.3
**Prochaine révision :** 2027-01-15

## Incident : API en panne

### Symptômes
La page d'accueil répond 502.

### Mitigation
```bash
sudo systemctl restart boutique-api
```

### Validation
```bash
curl -fsS https://shop.example.net/health
```
"""

BROKEN = """# Boutique — paiements

**Version :** 0.9
**Prochaine révision :** 2026-03-01

## Contacts

| Rôle | Contact |
|------|---------|
| Astreinte | À définir |

## Incident : paiements refusés

### Symptômes
Les paiements échouent. Voir [le guide](./guide-paiements.md) et [l'annexe](./annexe.md).

### Mitigation
```bash
echo $STRIPE_SECRET_KEY
redis-cli FLUSHALL
```
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def seed(number: str) -> Path:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path


def as_json(*args: str) -> list[dict[str, object]]:
    result = invoke(*args, "--format", "json")
    assert result.exit_code in {0, 1}, result.output
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "runbooks"
    (root / "paiements").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "api.md").write_text(CLEAN, encoding="utf-8")
    (root / "paiements" / "paiements.markdown").write_text(BROKEN, encoding="utf-8")
    (root / "paiements" / "annexe.md").write_text("# Annexe\n\n**Version :** 1\n", encoding="utf-8")
    (root / ".git" / "HEAD.md").write_text("# not a runbook\n", encoding="utf-8")
    (root / "script.py").write_text("print('not a runbook')\n", encoding="utf-8")
    return root


# -- a team's folder -------------------------------------------------------------------------------
def test_a_clean_runbook_passes(folder: Path) -> None:
    result = invoke(str(folder / "api.md"), "--today", "2026-06-01")
    assert result.exit_code == 0, result.output
    assert "no findings" in result.stdout
    assert "1 file checked: 0 errors, 0 warnings, 0 notes." in result.stdout


def test_a_folder_is_searched_recursively_and_problems_exit_1(folder: Path) -> None:
    result = invoke(str(folder), "--today", "2026-06-01")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "HEAD.md" not in out
    assert "script.py" not in out
    assert "api.md: no findings" in out
    for rule in (
        "placeholder-contact",
        "secret-printed",
        "destructive-without-warning",
        "review-overdue",
        "dead-link",
        "missing-validation",
    ):
        assert rule in out
    assert "3 files checked: 2 errors," in out


def test_json_findings_have_the_contract_shape(folder: Path) -> None:
    findings = as_json(str(folder), "--today", "2026-06-01")
    assert findings, "the broken runbook has findings"
    for finding in findings:
        assert set(finding) == {"file", "rule", "severity", "line", "procedure", "message"}
        assert finding["severity"] in {"error", "warning", "note"}
    broken = str(folder / "paiements" / "paiements.markdown")
    by_rule = {(f["rule"], f["line"]) for f in findings if f["file"] == broken}
    lines = BROKEN.split("\n")
    assert ("placeholder-contact", lines.index("| Astreinte | À définir |") + 1) in by_rule
    assert ("secret-printed", lines.index("echo $STRIPE_SECRET_KEY") + 1) in by_rule
    assert ("destructive-without-warning", lines.index("redis-cli FLUSHALL") + 1) in by_rule
    dead = [f for f in findings if f["rule"] == "dead-link"]
    assert len(dead) == 1  # annexe.md exists next to the runbook, the guide does not
    assert "guide-paiements.md" in str(dead[0]["message"])
    (secret,) = [f for f in findings if f["rule"] == "secret-printed"]
    assert secret["procedure"] == "Incident : paiements refusés"


def test_sarif_is_a_valid_log_for_code_scanning(folder: Path) -> None:
    result = invoke(str(folder), "--format", "sarif", "--today", "2026-06-01")
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "astreinte"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert all(rule["shortDescription"]["text"] for rule in driver["rules"])
    assert run["results"]
    for entry in run["results"]:
        assert entry["ruleId"] in rule_ids
        assert rule_ids[entry["ruleIndex"]] == entry["ruleId"]
        assert entry["level"] in {"error", "warning", "note"}
        assert entry["message"]["text"]
        location = entry["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"]
        assert location["region"]["startLine"] >= 1
    uris = {
        e["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for e in run["results"]
    }
    assert (folder / "paiements" / "paiements.markdown").resolve().as_uri() in uris
    assert (folder / "api.md").resolve().as_uri() not in uris  # the clean one


def test_notes_alone_exit_0(tmp_path: Path) -> None:
    runbook = tmp_path / "notes.md"
    runbook.write_text(
        "# Cache\n\n**Version :** 1\n\n## Incident : cache froid\n\n### Symptômes\nLent.\n\n"
        "### Mitigation\nAttendre dix minutes.\n",
        encoding="utf-8",
    )
    result = invoke(str(runbook), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [f["rule"] for f in json.loads(result.stdout)] == ["missing-validation"]


# -- usage errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["does/not/exist.md"], "does/not/exist.md does not exist"),
        (["{folder}", "--format", "xml"], "unknown format 'xml'"),
        (["{folder}", "--today", "22/11/2026"], "'22/11/2026' is not a date"),
        (["{empty}"], "holds no .md, .markdown or .txt file"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_sentence(
    folder: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(*[a.format(folder=folder, empty=empty) for a in args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()).replace("│", "").replace("  ", " ")
    assert "Traceback" not in result.output


# -- the seed runbooks -----------------------------------------------------------------------------
def test_seed_002_contacts_are_placeholders() -> None:
    findings = as_json(str(seed("002")), "--today", "2026-01-01")
    contacts = [f for f in findings if f["rule"] == "placeholder-contact"]
    assert len(contacts) == 2
    assert all("À définir" in str(f["message"]) and f["severity"] == "error" for f in contacts)


def test_seed_004_prints_secrets_and_has_a_placeholder_phone() -> None:
    findings = as_json(str(seed("004")), "--today", "2026-01-01")
    secrets = [str(f["message"]) for f in findings if f["rule"] == "secret-printed"]
    assert any("echo $JWT_SECRET" in message for message in secrets)
    phones = [str(f["message"]) for f in findings if f["rule"] == "placeholder-contact"]
    assert any("+33 6 XX XX XX XX" in message for message in phones)


@pytest.mark.parametrize(("today", "overdue"), [("2026-11-22", True), ("2026-01-01", False)])
def test_seed_003_review_of_16_may_2026(today: str, overdue: bool) -> None:
    findings = as_json(str(seed("003")), "--today", today)
    reviews = [f for f in findings if f["rule"] == "review-overdue"]
    assert bool(reviews) is overdue
    if overdue:
        assert "2026-05-16" in str(reviews[0]["message"])
        assert reviews[0]["severity"] == "warning"


def test_all_seeds_lint_in_every_format() -> None:
    for fmt in ("text", "json", "sarif"):
        result = invoke(str(SEEDS), "--format", fmt, "--today", "2026-11-22")
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
    result = invoke(str(SEEDS), "--today", "2026-11-22")
    assert "5 files checked:" in result.stdout
