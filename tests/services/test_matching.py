"""Matching against the stored catalogue: the index follows imports, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.matching import entries_for
from astreinte.domain.runbook.parse import parse
from astreinte.errors import NotFound
from astreinte.services import matching
from astreinte.services.catalogue import import_paths
from astreinte.storage import repo
from tests.conftest import ROOT, SEEDS

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
EXAMPLES = ROOT / "examples" / "runbooks"

DNS = """# DNS

## Incident : le domaine ne résout plus

### Symptômes
`nslookup boutique.example` répond NXDOMAIN depuis le changement de registrar.

### Mitigation
Remettre les serveurs de noms d'origine chez le registrar.
"""


def test_a_new_import_is_matched_at_once(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    assert import_paths(sessions, [EXAMPLES], now=NOW).ok
    with sessions() as session:
        before = matching.match(session, query="NXDOMAIN on our domain", top=1)
    assert all("domaine" not in m.title for m in before.results)

    (tmp_path / "dns.md").write_text(DNS, encoding="utf-8")
    assert import_paths(sessions, [tmp_path / "dns.md"], now=NOW).ok
    with sessions() as session:
        after = matching.match(session, query="NXDOMAIN on our domain", top=1)
    assert after.results[0].title == "Incident : le domaine ne résout plus"
    assert after.results[0].source == "dns.md"


def test_stored_entries_are_what_the_parser_gives(sessions: sessionmaker[Session]) -> None:
    seed = next(SEEDS.glob("004_*.txt"))
    assert import_paths(sessions, [seed], now=NOW).ok
    with sessions() as session:
        stored = repo.load_match_entries(session)
        runbook_id = stored[0].runbook_id
    runbook, _ = parse(seed.read_bytes(), source=seed.name)
    assert stored == entries_for(runbook_id, runbook)


def test_report_carries_a_severity_and_notes(sessions: sessionmaker[Session]) -> None:
    seed = next(SEEDS.glob("001_*.txt"))
    assert import_paths(sessions, [seed], now=NOW).ok
    with sessions() as session:
        report = matching.match(session, query="le rate limiting bloque des users", top=2)
        assert report.severity is not None
        assert (report.severity.label, report.severity.source) == ("P1", "procedure")
        noted = matching.match(session, query="rate limiting", service="nowhere")
        assert noted.note is not None
        assert "nowhere" in noted.note
        assert noted.results
        with pytest.raises(NotFound, match="no runbook 'nope'"):
            matching.match(session, query="x", runbook="nope")
