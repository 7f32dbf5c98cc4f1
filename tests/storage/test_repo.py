"""Runbooks go into the database and come back equal, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.runbook.model import (
    Assessment,
    Backup,
    BackupVerdict,
    Checklist,
    CodeBlock,
    CodeLine,
    Diagnostic,
    EscalationContact,
    EstimatedTime,
    Fallback,
    Level,
    LineKind,
    Link,
    Metric,
    Procedure,
    ProcedureKind,
    Repair,
    Risk,
    Runbook,
    Section,
    SectionKind,
    SeverityLevel,
    Template,
)
from astreinte.storage import repo
from astreinte.storage.tables import CodeLineRow, ProcedureRow, SectionRow

NOW = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def _block(start: int) -> CodeBlock:
    return CodeBlock(
        lang="bash",
        line_start=start,
        line_end=start + 6,
        lines=(
            CodeLine("# vérifier la file d'attente", start + 1, start + 1, LineKind.COMMENT),
            CodeLine(
                "redis-cli LLEN bull:emails:wait",
                start + 2,
                start + 2,
                LineKind.COMMAND,
                Assessment(Risk.READ, False, ("redis LLEN reads a length",)),
            ),
            CodeLine(
                "docker compose exec db psql -c \\\n  'DELETE FROM jobs WHERE done'",
                start + 3,
                start + 4,
                LineKind.SQL,
                Assessment(Risk.DESTRUCTIVE, False, ("DELETE without a LIMIT", "psql -c")),
            ),
            CodeLine(
                "cat .env.production",
                start + 5,
                start + 5,
                LineKind.COMMAND,
                Assessment(Risk.READ, True, ("prints a secrets file",)),
            ),
            CodeLine("https://status.example.org", start + 6, start + 6, LineKind.URL),
        ),
    )


def full_runbook(title: str = "Runbook d'astreinte — API 🚨") -> Runbook:
    """A runbook with every field of the model set, so that a lost column shows up."""
    queue = Procedure(
        id="p1-queue",
        title="File d'attente bloquée",
        kind=ProcedureKind.INCIDENT,
        line_start=10,
        line_end=60,
        severity="P1",
        level=Level.CRITICAL,
        severity_source="parent",
        marker="🔴",
        response_minutes=15,
        resolution_minutes=240,
        parent="P1 : incidents critiques",
        sections=(
            Section(SectionKind.SYMPTOMS, "Symptômes", "Les e-mails n'arrivent plus.", 12),
            Section(
                SectionKind.DIAGNOSIS,
                "Diagnostic",
                "Regarder la longueur de la file.",
                16,
                code_blocks=(_block(18),),
            ),
            Section(
                SectionKind.MITIGATION,
                "Actions",
                "Choisir une option.",
                30,
                code_blocks=(_block(32), _block(40)),
                branches=("Si la file dépasse 10 000", "Option B : vider la file"),
            ),
            Section(SectionKind.ROLLBACK, "Retour arrière", "Redéployer la version N-1.", 50),
        ),
        estimated_times=(EstimatedTime("2-3 minutes", 2, 3), EstimatedTime("< 1h", 0, 60)),
        backup=Backup(BackupVerdict.YES_IF, "données perdues", ("perte > 1h", "pas de réplica")),
    )
    deploy = Procedure(
        id="deploy",
        title="Deploy a hotfix",
        kind=ProcedureKind.OPERATION,
        line_start=61,
        line_end=80,
        sections=(Section(SectionKind.OTHER, "Steps", "", 62, code_blocks=(_block(63),)),),
    )
    return Runbook(
        source="api.md",
        title=title,
        encoding=Repair(True, "cp1254 per-segment", ("L14: 🚨 guessed",), 2),
        procedures=(queue, deploy),
        severity_levels=(
            SeverityLevel("P1", Level.CRITICAL, 0, "CRITIQUE", 15, 240),
            SeverityLevel("P2", Level.MAJOR, 1, "MAJEUR", 60, None),
            SeverityLevel("P3", Level.MINOR, 2),
        ),
        escalation=(
            EscalationContact(1, "Astreinte", "+33 6 00 00 00 00", 5),
            EscalationContact(2, "CTO", "À définir", None, True, "si fuite de données"),
        ),
        checklists=(Checklist("Après l'incident", ("post-mortem rédigé", "tickets créés"), 90),),
        templates=(Template("post_mortem", "Post-mortem", "## Chronologie\n- …", 100),),
        metrics=(Metric("MTTR", "< 1h", "2h"), Metric("Disponibilité", "99.9%")),
        links=(Link("tableau de bord", "https://grafana.example.org/d/api", 120),),
        fallbacks=(Fallback("Slack", ("SMS", "téléphone")),),
        command_blocks=(_block(130),),
        metadata={"version": "2.1", "propriétaire": "équipe plateforme", "prochaine revue": "—"},
        language="fr",
    )


def _save(
    sessions: sessionmaker[Session],
    runbook: Runbook,
    *,
    path: str = "/runbooks/api.md",
    sha: str = "a" * 64,
    now: datetime = NOW,
    diagnostics: tuple[Diagnostic, ...] = (),
) -> str:
    with sessions.begin() as session:
        return repo.save_runbook(
            session, runbook, path=path, content_sha=sha, diagnostics=diagnostics, now=now
        )


def _load(sessions: sessionmaker[Session], runbook_id: str) -> repo.StoredRunbook:
    with sessions() as session:
        stored = repo.load_runbook(session, runbook_id)
    assert stored is not None
    return stored


def test_a_saved_runbook_loads_back_equal(sessions: sessionmaker[Session]) -> None:
    runbook = full_runbook()
    diagnostics = (Diagnostic(3, "titre de procédure en double"), Diagnostic(7, "lien mort"))

    runbook_id = _save(sessions, runbook, diagnostics=diagnostics)
    stored = _load(sessions, runbook_id)

    assert stored.runbook == runbook
    assert stored.diagnostics == diagnostics
    assert stored.procedure_ids == ("api/p1-queue", "api/deploy")
    assert stored.path == "/runbooks/api.md"
    assert stored.content_sha256 == "a" * 64


def test_an_empty_runbook_loads_back_equal(sessions: sessionmaker[Session]) -> None:
    runbook = Runbook(source="x.md", title="", encoding=Repair(False, "none"))
    assert _load(sessions, _save(sessions, runbook)).runbook == runbook


def test_reimporting_a_path_replaces_its_content_and_keeps_its_id(
    sessions: sessionmaker[Session],
) -> None:
    first = full_runbook()
    runbook_id = _save(sessions, first, diagnostics=(Diagnostic(1, "old"),))
    second = dataclasses.replace(first, title="Renamed", procedures=first.procedures[1:])
    later = NOW + timedelta(days=2)

    assert _save(sessions, second, sha="b" * 64, now=later) == runbook_id

    stored = _load(sessions, runbook_id)
    assert stored.runbook == second
    assert stored.diagnostics == ()
    assert (stored.imported_at, stored.updated_at) == (NOW, later)
    with sessions() as session:
        # The old procedure's sections and code lines went with it (ON DELETE CASCADE).
        assert session.scalar(select(func.count()).select_from(ProcedureRow)) == 1
        assert session.scalar(select(func.count()).select_from(SectionRow)) == 1
        assert session.scalar(select(func.count()).select_from(CodeLineRow)) == 5 + 5


def test_runbook_ids_are_slugs_of_the_file_name_made_unique(
    sessions: sessionmaker[Session],
) -> None:
    runbook = full_runbook()
    ids = [
        _save(sessions, runbook, path=path)
        for path in ("/a/Base de Données.md", "/b/base-de-donnees.txt", "/c/BASE_DE_DONNEES.md")
    ]
    assert ids == ["base-de-donnees", "base-de-donnees-2", "base-de-donnees-3"]
    with sessions() as session:
        listed = repo.list_runbooks(session)
    assert [(s.id, s.path, s.procedures) for s in listed] == [
        ("base-de-donnees", "/a/Base de Données.md", 2),
        ("base-de-donnees-2", "/b/base-de-donnees.txt", 2),
        ("base-de-donnees-3", "/c/BASE_DE_DONNEES.md", 2),
    ]


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("Incident Runbook.md", "incident-runbook"),
        ("runbook_équipe.markdown", "runbook-equipe"),
        ("whitehall-scheduled-publishing.html.md.erb", "whitehall-scheduled-publishing"),
        ("000_e6d3c624.txt", "000-e6d3c624"),
        ("v1.2-upgrade.md", "v1-2-upgrade"),
        ("🚨.md", "runbook"),
        ("x" * 200 + ".md", "x" * 80),
    ],
)
def test_slug(file_name: str, expected: str) -> None:
    assert repo.slug(file_name) == expected


def test_repeated_procedure_ids_get_distinct_catalogue_ids(
    sessions: sessionmaker[Session],
) -> None:
    procedure = full_runbook().procedures[1]
    runbook = dataclasses.replace(full_runbook(), procedures=(procedure, procedure))
    stored = _load(sessions, _save(sessions, runbook))
    assert stored.procedure_ids == ("api/deploy", "api/deploy-2")
    assert stored.runbook == runbook


def test_get_procedure_by_catalogue_id(sessions: sessionmaker[Session]) -> None:
    runbook = full_runbook()
    runbook_id = _save(sessions, runbook)
    with sessions() as session:
        found = repo.get_procedure(session, f"{runbook_id}/p1-queue")
        missing = repo.get_procedure(session, f"{runbook_id}/nope")
    assert found is not None
    assert (found.runbook_id, found.procedure) == (runbook_id, runbook.procedures[0])
    assert missing is None


def test_times_come_back_aware_in_utc(sessions: sessionmaker[Session]) -> None:
    paris = timezone(timedelta(hours=2))
    local = datetime(2026, 6, 1, 4, 30, tzinfo=paris)
    stored = _load(sessions, _save(sessions, full_runbook(), now=local))
    assert stored.imported_at == local
    assert stored.imported_at.tzinfo == UTC
    assert stored.imported_at.hour == 2


def test_a_naive_time_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        _save(sessions, full_runbook(), now=datetime(2026, 1, 1))  # noqa: DTZ001


def test_unknown_id_loads_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert repo.load_runbook(session, "nope") is None
        assert repo.list_runbooks(session) == []
