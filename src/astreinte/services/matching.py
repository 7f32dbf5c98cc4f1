"""Match a symptom, an alert text or a log line against the whole catalogue.

One index serves every caller (CLI, alert ingestion, log triage). Each import writes its
procedures' index entries with the runbook, in the same transaction; the index is built from
those rows and kept in memory while the catalogue does not change. The catalogue's fingerprint —
each runbook's id and content hash — changes on every import that changes a file, and the next
match rebuilds the index.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session

from astreinte.domain.matching import (
    Match,
    MatchIndex,
    SeverityGuide,
    SeveritySuggestion,
)
from astreinte.errors import NotFound
from astreinte.storage import repo


@dataclass(frozen=True, slots=True)
class MatchReport:
    query: str
    results: tuple[Match, ...]
    severity: SeveritySuggestion | None = None
    note: str | None = None  # e.g. the service label matched no runbook, so all were searched


_lock = threading.Lock()
_build_lock = threading.Lock()  # the first requests after a start must not all build the index
_cached: tuple[tuple[tuple[str, str], ...], MatchIndex, SeverityGuide] | None = None


def catalogue_index(session: Session) -> tuple[MatchIndex, SeverityGuide]:
    """The index of every stored procedure, and the catalogue's classification examples;
    rebuilt only when the catalogue changed."""
    global _cached
    fingerprint = tuple(sorted(repo.catalogue_version(session).items()))
    with _lock:
        if _cached is not None and _cached[0] == fingerprint:
            return _cached[1], _cached[2]
    with _build_lock:
        with _lock:  # built by another thread while this one waited?
            if _cached is not None and _cached[0] == fingerprint:
                return _cached[1], _cached[2]
        entries = repo.load_match_entries(session)
        examples = repo.load_severity_examples(session)
        index, guide = MatchIndex.build(entries), SeverityGuide(examples)
        with _lock:
            _cached = (fingerprint, index, guide)
    return index, guide


def match(
    session: Session,
    *,
    query: str,
    top: int = 5,
    runbook: str | None = None,
    service: str | None = None,
) -> MatchReport:
    """The best procedures for `query`; raises NotFound for an unknown `runbook` id."""
    index, guide = catalogue_index(session)
    if runbook is not None and not any(e.runbook_id == runbook for e in index.entries):
        raise NotFound(f"no runbook '{runbook}'; run 'astreinte runbooks list' to see the ids")
    note = None
    if service is not None and runbook is None and not index.serves(service):
        note = f"no runbook mentions the service '{service}'; searched the whole catalogue"
    results = index.search(query, top=top, runbook=runbook, service=service)
    severity = guide.suggest(query, results[0] if results else None)
    return MatchReport(query=query, results=tuple(results), severity=severity, note=note)
