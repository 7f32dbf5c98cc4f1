"""Lint rules, one table per rule: the runbook a team writes → what the on-call engineer is told."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from astreinte.domain import lint as lint_module
from astreinte.domain.lint import RULES, Finding, github_slug, lint, lint_source, relative_targets
from astreinte.domain.runbook.model import (
    Assessment,
    CodeBlock,
    CodeLine,
    Diagnostic,
    LineKind,
    Procedure,
    ProcedureKind,
    Repair,
    Risk,
    Runbook,
    Section,
    SectionKind,
)
from astreinte.domain.runbook.parse import parse

TODAY = date(2026, 6, 1)
DATED = "**Version :** 1.0\n**Dernière mise à jour :** 2026-04-01\n"


def run(text: str, *, today: date = TODAY) -> list[Finding]:
    return lint_source(text, source="runbook.md", today=today)[1]


def line_of(text: str, needle: str, start: int = 1) -> int:
    """The 1-based number of the first line at or after `start` that holds `needle`."""
    lines = text.split("\n")
    return next(n for n in range(start, len(lines) + 1) if needle in lines[n - 1])


def rules(findings: list[Finding]) -> dict[str, str]:
    """rule → severity of the findings (the last one wins when a rule fires twice)."""
    return {finding.rule: finding.severity for finding in findings}


def procedure_doc(sections: str) -> str:
    head = f"# Boutique\n\n{DATED}\n## Incident : API en panne\n\n### Symptômes\nErreurs 502.\n\n"
    return head + sections


# -- placeholder-contact ---------------------------------------------------------------------------
def test_placeholder_contacts_are_errors_pointing_at_their_row() -> None:
    text = (
        "# Boutique\n\n"
        f"{DATED}\n"
        "## Contacts\n\n"
        "| Rôle | Contact |\n"
        "|------|---------|\n"
        "| Astreinte | À définir |\n"
        "| CTO | +33 X XX XX XX XX |\n"
        "| Lead dev | Alice Martin, +33 6 12 34 56 78 |\n"
    )
    found = [f for f in run(text) if f.rule == "placeholder-contact"]
    assert [(f.severity, f.line) for f in found] == [
        ("error", line_of(text, "À définir")),
        ("error", line_of(text, "+33 X")),
    ]
    assert "Astreinte" in found[0].message
    assert "À définir" in found[0].message


# -- review dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "today", "expected"),
    [
        (
            "**Version :** 2.0\n**Prochaine révision :** 16 mai 2026\n",
            date(2026, 5, 17),
            {"review-overdue": "warning"},
        ),
        ("**Version :** 2.0\n**Prochaine révision :** 16 mai 2026\n", date(2026, 5, 16), {}),
        ("**Next review:** 2026-01-31\n", date(2026, 2, 1), {"review-overdue": "warning"}),
        ("**Next review:** 2026-01-31\n", date(2025, 12, 1), {}),
        ("**Version:** 1.0\n**Last updated:** [AUTO]\n", TODAY, {"placeholder-date": "warning"}),
        ("**Version:** 1.2\n", TODAY, {}),
        ("**Last updated:** 2026-03-01\n", TODAY, {}),
        ("Some words about the service.\n", TODAY, {"no-review-date": "note"}),
    ],
)
def test_review_dates(header: str, today: date, expected: dict[str, str]) -> None:
    text = f"# Boutique\n\n{header}\n## Notes\n\nRien.\n"
    found = {
        rule: severity
        for rule, severity in rules(run(text, today=today)).items()
        if rule in {"review-overdue", "placeholder-date", "no-review-date"}
    }
    assert found == expected


def test_overdue_review_names_the_date_and_its_line() -> None:
    text = (
        "# Boutique\n\n**Version :** 2.0\n\n## Notes\n\nRien.\n\n"
        "## Révision\n\n**Dernière révision :** 16 février 2026\n"
        "**Prochaine révision :** 16 mai 2026\n"
    )
    (finding,) = [f for f in run(text, today=date(2026, 11, 22)) if f.rule == "review-overdue"]
    assert "2026-05-16" in finding.message
    assert finding.line == line_of(text, "Prochaine révision")


# -- missing-rollback / missing-validation ---------------------------------------------------------
CHANGE = "```bash\nkubectl set image deployment/api api=registry.example.net/api:1.2.4\n```\n"
RESTART = "```bash\nsudo systemctl restart boutique-api\n```\n"
READ = "```bash\nkubectl get pods -n boutique\n```\n"
ROLLBACK = "### Rollback\n```bash\nkubectl rollout undo deployment/api\n```\n"
VALIDATION = "### Validation\n```bash\ncurl -fsS https://shop.example.net/health\n```\n"


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        (
            f"### Mitigation\n{CHANGE}",
            {"missing-rollback": "warning", "missing-validation": "warning"},
        ),
        (f"### Mitigation\n{CHANGE}\n{ROLLBACK}\n{VALIDATION}", {}),
        (
            f"### Mitigation\n{CHANGE}\n### Retour arrière\nRevenir à l'image 1.2.3.\n\n"
            "### Vérification\nLa page d'accueil répond.\n",
            {},
        ),
        (f"### Mitigation\n{RESTART}", {"missing-validation": "warning"}),
        (f"### Mitigation\n{RESTART}\n{VALIDATION}", {}),
        (f"### Diagnostic\n{READ}", {"missing-validation": "note"}),
        ("### Mitigation\nAppeler l'hébergeur.\n", {"missing-validation": "note"}),
    ],
    ids=[
        "change",
        "change+rollback+validation",
        "french-sections",
        "restart",
        "restart+validation",
        "read-only",
        "no-command",
    ],
)
def test_rollback_and_validation(sections: str, expected: dict[str, str]) -> None:
    found = {
        rule: severity
        for rule, severity in rules(run(procedure_doc(sections))).items()
        if rule in {"missing-rollback", "missing-validation"}
    }
    assert found == expected


def test_missing_rollback_names_the_procedure_and_the_first_change() -> None:
    text = procedure_doc(f"### Mitigation\n{CHANGE}")
    (finding,) = [f for f in run(text) if f.rule == "missing-rollback"]
    assert finding.procedure == "Incident : API en panne"
    assert finding.line == line_of(text, "## Incident")
    assert f"line {line_of(text, 'kubectl set image')}" in finding.message


# -- destructive-without-warning -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mitigation", "warned"),
    [
        ("```bash\n# purge the cache\nredis-cli FLUSHALL\n```\n", False),
        ("```bash\nredis-cli FLUSHALL\n```\n", False),
        ("```bash\n# ⚠ irréversible : vide tout le cache\nredis-cli FLUSHALL\n```\n", True),
        (
            "```bash\n# WARNING: only if the replica is healthy\n# purge\n"
            "redis-cli FLUSHALL\n```\n",
            True,
        ),
        ("```bash\nredis-cli FLUSHALL  # danger: drops every key\n```\n", True),
        (
            "Attention : toutes les sessions sont perdues.\n\n```bash\nredis-cli FLUSHALL\n```\n",
            True,
        ),
        (
            "```bash\n# ⚠ only if the replica is healthy\nkubectl get pods\n"
            "redis-cli FLUSHALL\n```\n",
            False,
        ),
    ],
    ids=[
        "plain-comment",
        "bare",
        "comment-warning",
        "warning-two-lines-up",
        "inline",
        "section-text",
        "warning-above-another-command",
    ],
)
def test_destructive_commands_need_a_warning(mitigation: str, warned: bool) -> None:
    text = procedure_doc(f"### Mitigation\n{mitigation}\n{ROLLBACK}\n{VALIDATION}")
    found = [f for f in run(text) if f.rule == "destructive-without-warning"]
    if warned:
        assert found == []
    else:
        (finding,) = found
        assert finding.line == line_of(text, "redis-cli FLUSHALL")
        assert finding.severity == "warning"
        assert "redis-cli FLUSHALL" in finding.message


# -- secret-printed --------------------------------------------------------------------------------
# Provider-shaped keys are assembled at run time so that secret scanners do not flag this file.
FAKE_JWT = (
    "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiJvbmNhbGwifQ" + "." + "c2lnbmF0dXJlLXNpZ24"
)
FAKE_STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
FAKE_AWS = "AKIA" + "IOSFODNN7EXAMPLE"


@pytest.mark.parametrize(
    ("command", "exposed"),
    [
        ("echo $JWT_SECRET", True),
        ('echo "Email provider: ${SENDGRID_API_KEY}"', True),
        ('echo "SMS provider: $TWILIO_ACCOUNT_SID"', False),
        ("echo $PWD", False),
        ("cat .env.production", True),
        ("grep JWT /srv/app/.env", True),
        ("cat docker-compose.yml", False),
        ("railway variables --environment production | grep JWT", True),
        ("railway variables set FEATURE_FLAG=true --environment production", False),
        ("railway variables set JWT_SECRET=<nouveau_secret>", False),
        ("railway variables set JWT_SECRET=hunter2 --environment production", True),
        ("kubectl get secret db-credentials -o yaml", True),
        ("kubectl describe secret db-credentials", False),
        ("kubectl create secret generic api --from-literal=token=s3cr3t-t0k3n", True),
        ("kubectl create secret generic api --from-literal=key=value", False),
        ("printenv", True),
        ("docker exec api env", True),
        ("redis-cli -h cache -a mypassword PING", True),
        ('redis-cli -h cache -a "$REDIS_PASSWORD" PING', False),
        ("psql postgres://app:s3cret@db:5432/app -c 'SELECT 1'", True),
        ('psql "$DATABASE_URL" -c "SELECT 1"', False),
        ("psql postgres://app@db:5432/app", False),
        (f'curl -H "Authorization: Bearer {FAKE_JWT}" https://api.example.net/me', True),
        ('curl -H "Authorization: Bearer $API_TOKEN" https://api.example.net/me', False),
        (f"curl https://api.stripe.com/v1/charges -u {FAKE_STRIPE}:", True),
        (f"aws configure set aws_access_key_id {FAKE_AWS}", True),
        ("aws s3 ls s3://backups", False),
    ],
)
def test_secrets_printed_or_written_in_clear(command: str, exposed: bool) -> None:
    found = [f for f in lint(runbook_with(command), today=TODAY) if f.rule == "secret-printed"]
    assert bool(found) is exposed, found
    if exposed:
        assert found[0].severity == "error"
        assert found[0].line == 7
        assert found[0].procedure == "Secrets"


def runbook_with(
    command: str, *, risk: Risk = Risk.READ, sensitive: bool = True, comment: str | None = None
) -> Runbook:
    """A one-procedure runbook whose mitigation holds `command` at line 7."""
    lines = []
    if comment is not None:
        lines.append(CodeLine(comment, 6, 6, LineKind.COMMENT))
    lines.append(CodeLine(command, 7, 7, LineKind.COMMAND, Assessment(risk, sensitive, ("test",))))
    block = CodeBlock(lang="bash", line_start=5, line_end=8, lines=tuple(lines))
    section = Section(SectionKind.MITIGATION, "Mitigation", "", 4, code_blocks=(block,))
    procedure = Procedure("secrets", "Secrets", ProcedureKind.INCIDENT, 2, 9, sections=(section,))
    return Runbook(
        source="x.md",
        title="x",
        encoding=Repair(repaired=False, method="none"),
        procedures=(procedure,),
        metadata={"version": "1"},
    )


@pytest.mark.parametrize(
    ("command", "risk", "sensitive", "comment", "expected"),
    [
        ("echo $JWT_SECRET", Risk.DESTRUCTIVE, True, None, {"secret-printed"}),
        ('echo "SMS: $TWILIO_ACCOUNT_SID"', Risk.DESTRUCTIVE, True, None, set()),
        (
            "railway variables --environment production",
            Risk.DESTRUCTIVE,
            True,
            None,
            {"secret-printed"},
        ),
        (
            "redis-cli FLUSHALL",
            Risk.DESTRUCTIVE,
            False,
            None,
            {"destructive-without-warning", "missing-rollback"},
        ),
        (
            "redis-cli FLUSHALL",
            Risk.DESTRUCTIVE,
            False,
            "# ⚠ drops every session",
            {"missing-rollback"},
        ),
        (
            "railway variables set JWT_SECRET=<new>",
            Risk.DESTRUCTIVE,
            True,
            None,
            {"destructive-without-warning", "missing-rollback"},
        ),
        ("sudo systemctl restart api", Risk.CHANGE, False, None, set()),
        (
            "kubectl set image deploy/api api=registry.example.net/api:2",
            Risk.CHANGE,
            False,
            None,
            {"missing-rollback"},
        ),
    ],
)
def test_showing_a_secret_is_one_error_not_a_change(
    command: str, risk: Risk, sensitive: bool, comment: str | None, expected: set[str]
) -> None:
    runbook = runbook_with(command, risk=risk, sensitive=sensitive, comment=comment)
    found = {f.rule for f in lint(runbook, today=TODAY)}
    assert found & {"secret-printed", "destructive-without-warning", "missing-rollback"} == expected


def test_memo_blocks_outside_procedures_are_checked_too() -> None:
    text = (
        f"# Boutique\n\n{DATED}\n## Commandes utiles\n\n```bash\necho $STRIPE_SECRET_KEY\n"
        "rm -rf /var/lib/boutique/uploads\n```\n"
    )
    found = {(f.rule, f.line, f.procedure) for f in run(text)}
    assert ("secret-printed", line_of(text, "echo"), None) in found
    assert ("destructive-without-warning", line_of(text, "rm -rf"), None) in found


# -- links -----------------------------------------------------------------------------------------
LINKS = (
    f"# Boutique\n\n{DATED}\n## Liens\n\n"
    "- [Guide](./guide.md)\n"
    "- [Disparu](docs/missing.md#section)\n"
    "- [Parent](../architecture.md)\n"
    "- [Statut](https://status.example.net)\n"
    "- [Mail](mailto:oncall@example.net)\n"
    "- [Accents](docs/d%C3%A9ploiement.md)\n"
)


def test_dead_relative_links_are_reported_on_their_line() -> None:
    runbook, _ = parse(LINKS, source="runbook.md")
    assert relative_targets(runbook) == {
        "guide.md",
        "docs/missing.md",
        "../architecture.md",
        "docs/déploiement.md",
    }
    existing = frozenset({"guide.md", "../architecture.md", "docs/déploiement.md"})
    found = [
        f for f in lint(runbook, today=TODAY, source_dir_files=existing) if f.rule == "dead-link"
    ]
    assert [(f.line, f.severity) for f in found] == [(line_of(LINKS, "Disparu"), "warning")]
    assert "docs/missing.md#section" in found[0].message


def test_dead_links_are_skipped_without_the_folder_listing() -> None:
    runbook, _ = parse(LINKS, source="runbook.md")
    assert not [f for f in lint(runbook, today=TODAY) if f.rule == "dead-link"]


def test_lint_source_asks_whether_each_target_exists() -> None:
    asked: list[str] = []

    def exists(target: str) -> bool:
        asked.append(target)
        return target != "docs/missing.md"

    _, findings = lint_source(LINKS, source="runbook.md", today=TODAY, exists=exists)
    assert sorted(asked) == sorted(relative_targets(parse(LINKS, source="runbook.md")[0]))
    assert [f.line for f in findings if f.rule == "dead-link"] == [line_of(LINKS, "Disparu")]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Incident : API down", "incident--api-down"),
        ("🔴 Base de données lente", "-base-de-données-lente"),
        ("P1: INCIDENTS CRITIQUES", "p1-incidents-critiques"),
        ("Étape 2 (optionnel)", "étape-2-optionnel"),
        ("post_mortem & suivi", "post_mortem--suivi"),
    ],
)
def test_github_slug(title: str, slug: str) -> None:
    assert github_slug(title) == slug


ANCHORS = (
    f"# Boutique\n\n{DATED}\n## Sommaire\n\n"
    "1. [API](#incident--api-down)\n"
    "2. [Base](#base-de-données-lente)\n"
    "3. [Ailleurs](#post-incident)\n"
    "4. [Second](#symptômes-1)\n\n"
    "## 🔴 Incident : API down\n\n### Symptômes\n502.\n\n### Diagnostic\nLogs.\n\n"
    "## 🟠 Base de données lente\n\n### Symptômes\nLatence.\n\n### Diagnostic\nRequêtes.\n"
)


def test_anchors_must_match_a_heading() -> None:
    found = [f for f in run(ANCHORS) if f.rule == "dead-anchor"]
    assert [(f.line, f.severity) for f in found] == [
        (line_of(ANCHORS, "#post-incident"), "warning")
    ]
    assert "#post-incident" in found[0].message


def test_anchors_fall_back_on_procedure_and_section_titles_without_the_text() -> None:
    runbook, _ = parse(ANCHORS, source="runbook.md")
    found = [f for f in lint(runbook, today=TODAY) if f.rule == "dead-anchor"]
    assert [f.message.split("'")[3] for f in found] == ["#post-incident"]


# -- duplicates, empty documents, parser diagnostics -----------------------------------------------
def test_duplicate_procedure_titles_ignore_case_and_accents() -> None:
    text = (
        f"# Boutique\n\n{DATED}\n"
        "## Incident : Base de données lente\n\n### Symptômes\nLatence.\n\n"
        "### Diagnostic\nLogs.\n\n"
        "## Incident : base de DONNEES lente\n\n### Symptômes\nLatence.\n\n"
        "### Diagnostic\nLogs.\n\n"
        "## Incident : Redis down\n\n### Symptômes\nTimeouts.\n\n### Diagnostic\nPing.\n"
    )
    found = [f for f in run(text) if f.rule == "duplicate-procedure"]
    second = line_of(text, "base de DONNEES")
    assert [(f.line, f.severity) for f in found] == [(second, "warning")]
    assert f"line {line_of(text, 'Base de données lente')}" in found[0].message


def test_a_document_without_procedure_is_a_warning_said_once() -> None:
    findings = run("# Notes\n\n**Version :** 1\n\nQuelques mots sur le service.\n")
    assert rules(findings) == {"no-procedure": "warning"}


def test_parser_diagnostics_become_notes() -> None:
    runbook, _ = parse(procedure_doc(f"### Mitigation\n{RESTART}\n{VALIDATION}"), source="r.md")
    diagnostics = [Diagnostic(3, "heading level skipped"), Diagnostic(0, "Encoding repaired.")]
    parse_findings = [
        (f.line, f.severity, f.message)
        for f in lint(runbook, today=TODAY, diagnostics=diagnostics)
        if f.rule == "parse"
    ]
    assert parse_findings == [
        (0, "note", "Encoding repaired."),
        (3, "note", "Heading level skipped."),
    ]


def test_a_clean_runbook_has_no_findings() -> None:
    text = procedure_doc(f"### Mitigation\n{CHANGE}\n{ROLLBACK}\n{VALIDATION}")
    assert run(text) == []


def test_findings_are_sorted_and_frozen() -> None:
    findings = run(
        procedure_doc(f"### Mitigation\n{CHANGE}") + "\n## Incident : API en panne\n\nX.\n"
    )
    assert findings == sorted(findings, key=lambda f: f.line)
    with pytest.raises(FrozenInstanceError):
        findings[0].line = 3  # type: ignore[misc]


def test_every_rule_is_kebab_case_and_documented() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    doc = lint_module.__doc__ or ""
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*", rule.id)
        assert re.search(rf"^\| {re.escape(rule.id)} +\| {rule.severity}", doc, re.MULTILINE), (
            rule.id
        )
