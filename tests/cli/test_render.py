"""Rendering a fully populated runbook: the JSON contract and the Rich view."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from astreinte.cli import render
from astreinte.domain.runbook.model import Diagnostic
from astreinte.storage.repo import StoredRunbook
from tests.storage.test_repo import full_runbook

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _stored() -> StoredRunbook:
    return StoredRunbook(
        id="api",
        path="/runbooks/api.md",
        content_sha256="0" * 64,
        imported_at=NOW,
        updated_at=NOW,
        runbook=full_runbook(),
        procedure_ids=("api/p1-queue", "api/deploy"),
        diagnostics=(Diagnostic(7, "lien mort: ./missing.md"),),
    )


def test_runbook_json_contract() -> None:
    shown = render.runbook_json(_stored())
    assert shown["encoding"] == {
        "repaired": True,
        "method": "cp1254 per-segment",
        "lossy_segments": ["L14: 🚨 guessed"],
        "source_replacement_chars": 2,
    }
    assert shown["severity_levels"] == [
        {
            "label": "P1",
            "level": "critical",
            "response_minutes": 15,
            "resolution_minutes": 240,
            "rank": 0,
            "name": "CRITIQUE",
            "examples": [],
        },
        {
            "label": "P2",
            "level": "major",
            "response_minutes": 60,
            "resolution_minutes": None,
            "rank": 1,
            "name": "MAJEUR",
            "examples": [],
        },
        {
            "label": "P3",
            "level": "minor",
            "response_minutes": None,
            "resolution_minutes": None,
            "rank": 2,
            "name": "",
            "examples": [],
        },
    ]
    procedures = shown["procedures"]
    assert isinstance(procedures, list)
    queue = procedures[0]
    assert {k: queue[k] for k in ("id", "title", "kind", "severity", "level")} == {
        "id": "api/p1-queue",
        "title": "File d'attente bloquée",
        "kind": "incident",
        "severity": "P1",
        "level": "critical",
    }
    assert (queue["response_minutes"], queue["resolution_minutes"]) == (15, 240)
    diagnosis = queue["sections"][1]
    assert diagnosis["kind"] == "diagnosis"
    assert [c["command"] for c in diagnosis["commands"]] == [
        "redis-cli LLEN bull:emails:wait",
        "docker compose exec db psql -c \\\n  'DELETE FROM jobs WHERE done'",
        "cat .env.production",
    ]
    assert diagnosis["commands"][1] == {
        "command": "docker compose exec db psql -c \\\n  'DELETE FROM jobs WHERE done'",
        "risk": "destructive",
        "sensitive": False,
        "needs_approval": True,
        "reasons": ["DELETE without a LIMIT", "psql -c"],
        "kind": "sql",
        "line": 21,
    }
    assert [line["kind"] for line in diagnosis["lines"]] == [
        "comment",
        "command",
        "sql",
        "command",
        "url",
    ]
    assert shown["checklists"] == [
        {"title": "Après l'incident", "items": ["post-mortem rédigé", "tickets créés"], "line": 90}
    ]
    assert shown["escalation"] == [
        {
            "tier": 1,
            "role": "Astreinte",
            "contact": "+33 6 00 00 00 00",
            "response_minutes": 5,
            "placeholder": False,
            "condition": None,
        },
        {
            "tier": 2,
            "role": "CTO",
            "contact": "À définir",
            "response_minutes": None,
            "placeholder": True,
            "condition": "si fuite de données",
        },
    ]
    assert shown["metadata"] == full_runbook().metadata


def test_runbook_view_shows_what_an_engineer_needs() -> None:
    out = io.StringIO()
    Console(file=out, width=120).print(render.runbook_view(_stored()))
    text = out.getvalue()
    for expected in (
        "Runbook d'astreinte — API 🚨",
        "repaired (cp1254 per-segment)",
        "File d'attente bloquée",
        "api/p1-queue",
        "4 h",
        "destructive",
        "sensitive  cat .env.production",
        "(placeholder)",
        "post-mortem rédigé",
        "api.md:7: lien mort: ./missing.md",
    ):
        assert expected in text, expected
    # Text from the document is never read as Rich markup.
    assert "[" not in render.minutes(None)


def test_minutes() -> None:
    assert [render.minutes(m) for m in (None, 0, 15, 90, 240, 1440)] == [
        "–",
        "0 min",
        "15 min",
        "90 min",
        "4 h",
        "1 d",
    ]
