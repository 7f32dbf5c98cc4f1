"""Rows ⇄ domain values for the catalogue. Callers own the session and its transaction.

Ids: a runbook's id is the slug of its file name without the text extensions
(`Incident Runbook.md` → `incident-runbook`), followed by `-2`, `-3`… when another file already has
it; it never changes when the same path is imported again. A procedure's catalogue-wide id is
`<runbook id>/<Procedure.id>`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import cast

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from astreinte.domain.matching import IndexEntry, SeverityExample, entries_for
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
from astreinte.storage.tables import (
    ChecklistRow,
    CodeBlockRow,
    CodeLineRow,
    DiagnosticRow,
    EscalationContactRow,
    FallbackRow,
    LinkRow,
    MatchEntryRow,
    MetricRow,
    ProcedureRow,
    RunbookRow,
    SectionRow,
    SeverityLevelRow,
    TemplateRow,
)

# Extensions dropped from a file name before it becomes an id: `x.html.md.erb` → `x`.
_TEXT_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".txt", ".text", ".html", ".htm", ".erb"})
_SLUG_MAX = 80


@dataclass(frozen=True, slots=True)
class RunbookSummary:
    """One line of the catalogue."""

    id: str
    source: str
    path: str
    title: str
    language: str
    repaired: bool
    procedures: int
    diagnostics: int
    content_sha256: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredRunbook:
    """A runbook as stored: the parsed value plus what the catalogue knows about it."""

    id: str
    path: str
    content_sha256: str
    imported_at: datetime
    updated_at: datetime
    runbook: Runbook
    procedure_ids: tuple[str, ...]  # catalogue-wide ids, in the order of `runbook.procedures`
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class StoredProcedure:
    id: str
    runbook_id: str
    procedure: Procedure


def slug(file_name: str) -> str:
    """`Runbook Équipe.md` → `runbook-equipe`; never empty (`runbook` when nothing is left)."""
    stem = PurePath(file_name).name
    while (suffix := PurePath(stem).suffix).lower() in _TEXT_SUFFIXES and suffix:
        stem = stem[: -len(suffix)]
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return text[:_SLUG_MAX].strip("-") or "runbook"


def procedure_ids(runbook_id: str, procedures: Sequence[Procedure]) -> tuple[str, ...]:
    """Catalogue-wide ids; a `Procedure.id` repeated within one runbook gets `-2`, `-3`…"""
    seen: set[str] = set()
    ids: list[str] = []
    for procedure in procedures:
        candidate, n = procedure.id, 1
        while candidate in seen:
            n += 1
            candidate = f"{procedure.id}-{n}"
        seen.add(candidate)
        ids.append(f"{runbook_id}/{candidate}")
    return tuple(ids)


def _allocate_id(session: Session, base: str) -> str:
    taken = set(session.scalars(select(RunbookRow.id).where(RunbookRow.id.like(f"{base}%"))).all())
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def find_by_path(session: Session, path: str) -> RunbookSummary | None:
    summaries = _summaries(session, RunbookRow.path == path)
    return summaries[0] if summaries else None


def catalogue_version(session: Session) -> Mapping[str, str]:
    """Each runbook's id → its content hash, read once per transaction (an alert payload asks
    for it per alert; the answer cannot change under the transaction's own snapshot of it)."""
    known = session.info.get(_CATALOGUE_VERSION)
    if known is None:
        rows = session.execute(select(RunbookRow.id, RunbookRow.content_sha256))
        known = {str(runbook_id): str(sha) for runbook_id, sha in rows}
        session.info[_CATALOGUE_VERSION] = known
    return cast(Mapping[str, str], known)


_CATALOGUE_VERSION = "astreinte.catalogue_version"


def forget_catalogue_version(session: Session) -> None:
    """After an import within the transaction: the next question reads the table again."""
    session.info.pop(_CATALOGUE_VERSION, None)


def list_runbooks(session: Session) -> list[RunbookSummary]:
    """Every stored runbook, by id."""
    return _summaries(session, None)


def _summaries(session: Session, where: ColumnElement[bool] | None) -> list[RunbookSummary]:
    procedures = (
        select(func.count())
        .where(ProcedureRow.runbook_id == RunbookRow.id)
        .scalar_subquery()
        .label("procedures")
    )
    diagnostics = (
        select(func.count())
        .where(DiagnosticRow.runbook_id == RunbookRow.id)
        .scalar_subquery()
        .label("diagnostics")
    )
    query = select(RunbookRow, procedures, diagnostics).order_by(RunbookRow.id)
    if where is not None:
        query = query.where(where)
    return [
        RunbookSummary(
            id=row.id,
            source=row.source,
            path=row.path,
            title=row.title,
            language=row.language,
            repaired=row.encoding_repaired,
            procedures=n_procedures,
            diagnostics=n_diagnostics,
            content_sha256=row.content_sha256,
            updated_at=row.updated_at,
        )
        for row, n_procedures, n_diagnostics in session.execute(query)
    ]


def save_runbook(
    session: Session,
    runbook: Runbook,
    *,
    path: str,
    content_sha: str,
    diagnostics: Sequence[Diagnostic],
    now: datetime,
) -> str:
    """Insert the runbook, or replace the one stored for `path` keeping its id; returns the id."""
    forget_catalogue_version(session)
    existing = session.scalar(select(RunbookRow).where(RunbookRow.path == path))
    if existing is not None:
        runbook_id, imported_at = existing.id, existing.imported_at
        session.delete(existing)
        # The old tree must be gone (ON DELETE CASCADE) before rows with the same ids go in.
        session.flush()
    else:
        runbook_id, imported_at = _allocate_id(session, slug(path)), now
    session.add(
        _runbook_row(
            runbook,
            runbook_id=runbook_id,
            path=path,
            content_sha=content_sha,
            diagnostics=diagnostics,
            imported_at=imported_at,
            updated_at=now,
        )
    )
    session.flush()
    return runbook_id


def load_runbook(session: Session, runbook_id: str) -> StoredRunbook | None:
    """The stored runbook, rebuilt to the value that was saved; None when the id is unknown."""
    row = session.get(
        RunbookRow,
        runbook_id,
        options=[
            selectinload(RunbookRow.severity_levels),
            selectinload(RunbookRow.procedures)
            .selectinload(ProcedureRow.sections)
            .selectinload(SectionRow.code_blocks)
            .selectinload(CodeBlockRow.lines),
            selectinload(RunbookRow.command_blocks).selectinload(CodeBlockRow.lines),
            selectinload(RunbookRow.checklists),
            selectinload(RunbookRow.escalation),
            selectinload(RunbookRow.templates),
            selectinload(RunbookRow.metrics),
            selectinload(RunbookRow.links),
            selectinload(RunbookRow.fallbacks),
            selectinload(RunbookRow.diagnostics),
        ],
        populate_existing=True,
    )
    if row is None:
        return None
    return StoredRunbook(
        id=row.id,
        path=row.path,
        content_sha256=row.content_sha256,
        imported_at=row.imported_at,
        updated_at=row.updated_at,
        runbook=_runbook(row),
        procedure_ids=tuple(p.id for p in row.procedures),
        diagnostics=tuple(Diagnostic(line=d.line, message=d.message) for d in row.diagnostics),
    )


def load_diagnostics(session: Session, runbook_id: str) -> list[Diagnostic]:
    rows = session.scalars(
        select(DiagnosticRow)
        .where(DiagnosticRow.runbook_id == runbook_id)
        .order_by(DiagnosticRow.ordinal)
    )
    return [Diagnostic(line=row.line, message=row.message) for row in rows]


def get_procedure(session: Session, procedure_id: str) -> StoredProcedure | None:
    row = session.get(
        ProcedureRow,
        procedure_id,
        options=[
            selectinload(ProcedureRow.sections)
            .selectinload(SectionRow.code_blocks)
            .selectinload(CodeBlockRow.lines)
        ],
    )
    if row is None:
        return None
    return StoredProcedure(id=row.id, runbook_id=row.runbook_id, procedure=_procedure(row))


# --- domain → rows ---------------------------------------------------------------------------


def _runbook_row(
    runbook: Runbook,
    *,
    runbook_id: str,
    path: str,
    content_sha: str,
    diagnostics: Sequence[Diagnostic],
    imported_at: datetime,
    updated_at: datetime,
) -> RunbookRow:
    ids = procedure_ids(runbook_id, runbook.procedures)
    return RunbookRow(
        id=runbook_id,
        source=runbook.source,
        path=path,
        title=runbook.title,
        content_sha256=content_sha,
        language=runbook.language,
        text=runbook.text,
        encoding_repaired=runbook.encoding.repaired,
        encoding_method=runbook.encoding.method,
        encoding_lossy=list(runbook.encoding.lossy_segments),
        encoding_source_replacements=runbook.encoding.source_replacement_chars,
        meta=dict(runbook.metadata),
        imported_at=imported_at,
        updated_at=updated_at,
        severity_levels=[
            SeverityLevelRow(
                ordinal=i,
                label=s.label,
                level=s.level.value,
                rank=s.rank,
                name=s.name,
                response_minutes=s.response_minutes,
                resolution_minutes=s.resolution_minutes,
                examples=list(s.examples),
            )
            for i, s in enumerate(runbook.severity_levels)
        ],
        procedures=[
            _procedure_row(p, procedure_id=pid, ordinal=i)
            for i, (p, pid) in enumerate(zip(runbook.procedures, ids, strict=True))
        ],
        command_blocks=[_block_row(b, ordinal=i) for i, b in enumerate(runbook.command_blocks)],
        checklists=[
            ChecklistRow(ordinal=i, title=c.title, items=list(c.items), line=c.line)
            for i, c in enumerate(runbook.checklists)
        ],
        escalation=[
            EscalationContactRow(
                ordinal=i,
                tier=c.tier,
                role=c.role,
                contact=c.contact,
                response_minutes=c.response_minutes,
                placeholder=c.placeholder,
                condition=c.condition,
            )
            for i, c in enumerate(runbook.escalation)
        ],
        templates=[
            TemplateRow(ordinal=i, kind=t.kind, title=t.title, text=t.text, line=t.line)
            for i, t in enumerate(runbook.templates)
        ],
        metrics=[
            MetricRow(ordinal=i, name=m.name, target=m.target, current=m.current)
            for i, m in enumerate(runbook.metrics)
        ],
        links=[
            LinkRow(ordinal=i, text=k.text, url=k.url, line=k.line)
            for i, k in enumerate(runbook.links)
        ],
        fallbacks=[
            FallbackRow(ordinal=i, primary=f.primary, fallbacks=list(f.fallbacks))
            for i, f in enumerate(runbook.fallbacks)
        ],
        diagnostics=[
            DiagnosticRow(ordinal=i, line=d.line, message=d.message)
            for i, d in enumerate(diagnostics)
        ],
        match_entries=[
            MatchEntryRow(
                ordinal=i,
                procedure_key=e.procedure_key,
                source=e.source,
                title=e.title,
                kind=e.kind.value,
                severity=e.severity,
                level=e.level.value if e.level else None,
                fields=[list(pair) for pair in e.fields],
                services=sorted(e.services),
            )
            for i, e in enumerate(entries_for(runbook_id, runbook))
        ],
    )


def _procedure_row(procedure: Procedure, *, procedure_id: str, ordinal: int) -> ProcedureRow:
    backup = procedure.backup
    return ProcedureRow(
        id=procedure_id,
        ordinal=ordinal,
        key=procedure.id,
        title=procedure.title,
        kind=procedure.kind.value,
        severity=procedure.severity,
        level=procedure.level.value if procedure.level else None,
        severity_source=procedure.severity_source,
        marker=procedure.marker,
        response_minutes=procedure.response_minutes,
        resolution_minutes=procedure.resolution_minutes,
        parent=procedure.parent,
        line_start=procedure.line_start,
        line_end=procedure.line_end,
        estimated_times=[
            {"raw": t.raw, "min_minutes": t.min_minutes, "max_minutes": t.max_minutes}
            for t in procedure.estimated_times
        ],
        backup_verdict=backup.verdict.value if backup else None,
        backup_reason=backup.reason if backup else None,
        backup_conditions=list(backup.conditions) if backup else None,
        sections=[
            SectionRow(
                ordinal=i,
                kind=s.kind.value,
                title=s.title,
                text=s.text,
                line=s.line,
                branches=list(s.branches),
                code_blocks=[_block_row(b, ordinal=j) for j, b in enumerate(s.code_blocks)],
            )
            for i, s in enumerate(procedure.sections)
        ],
    )


def _block_row(block: CodeBlock, *, ordinal: int) -> CodeBlockRow:
    return CodeBlockRow(
        ordinal=ordinal,
        lang=block.lang,
        line_start=block.line_start,
        line_end=block.line_end,
        lines=[
            CodeLineRow(
                ordinal=i,
                text=line.text,
                line_no=line.line_no,
                line_end=line.line_end,
                kind=line.kind.value,
                risk=line.assessment.risk.value if line.assessment else None,
                sensitive=line.assessment.sensitive if line.assessment else None,
                reasons=list(line.assessment.reasons) if line.assessment else None,
            )
            for i, line in enumerate(block.lines)
        ],
    )


# --- rows → domain ---------------------------------------------------------------------------


def load_runbook_shell(session: Session, runbook_id: str) -> Runbook | None:
    """The runbook without its procedures and memo blocks: its scale, contacts, checklists,
    templates and metrics, which an incident needs, in a handful of small queries."""
    row = session.get(
        RunbookRow,
        runbook_id,
        options=[
            selectinload(RunbookRow.severity_levels),
            selectinload(RunbookRow.escalation),
            selectinload(RunbookRow.checklists),
            selectinload(RunbookRow.templates),
            selectinload(RunbookRow.metrics),
        ],
    )
    return None if row is None else _runbook(row, whole=False)


def _runbook(row: RunbookRow, *, whole: bool = True) -> Runbook:
    return Runbook(
        source=row.source,
        title=row.title,
        encoding=Repair(
            repaired=row.encoding_repaired,
            method=row.encoding_method,
            lossy_segments=tuple(row.encoding_lossy),
            source_replacement_chars=row.encoding_source_replacements,
        ),
        procedures=tuple(_procedure(p) for p in row.procedures) if whole else (),
        severity_levels=tuple(
            SeverityLevel(
                label=s.label,
                level=Level(s.level),
                rank=s.rank,
                name=s.name,
                response_minutes=s.response_minutes,
                resolution_minutes=s.resolution_minutes,
                examples=tuple(s.examples),
            )
            for s in row.severity_levels
        ),
        escalation=tuple(
            EscalationContact(
                tier=c.tier,
                role=c.role,
                contact=c.contact,
                response_minutes=c.response_minutes,
                placeholder=c.placeholder,
                condition=c.condition,
            )
            for c in row.escalation
        ),
        checklists=tuple(
            Checklist(title=c.title, items=tuple(c.items), line=c.line) for c in row.checklists
        ),
        templates=tuple(
            Template(kind=t.kind, title=t.title, text=t.text, line=t.line) for t in row.templates
        ),
        metrics=tuple(Metric(name=m.name, target=m.target, current=m.current) for m in row.metrics),
        links=tuple(Link(text=k.text, url=k.url, line=k.line) for k in row.links) if whole else (),
        fallbacks=tuple(
            Fallback(primary=f.primary, fallbacks=tuple(f.fallbacks)) for f in row.fallbacks
        )
        if whole
        else (),
        command_blocks=tuple(_block(b) for b in row.command_blocks) if whole else (),
        metadata=dict(row.meta),
        language=row.language,
        text=row.text,
    )


def _procedure(row: ProcedureRow) -> Procedure:
    backup = None
    if row.backup_verdict is not None:
        backup = Backup(
            verdict=BackupVerdict(row.backup_verdict),
            reason=row.backup_reason or "",
            conditions=tuple(row.backup_conditions or ()),
        )
    return Procedure(
        id=row.key,
        title=row.title,
        kind=ProcedureKind(row.kind),
        line_start=row.line_start,
        line_end=row.line_end,
        severity=row.severity,
        level=Level(row.level) if row.level else None,
        severity_source=row.severity_source,
        marker=row.marker,
        response_minutes=row.response_minutes,
        resolution_minutes=row.resolution_minutes,
        parent=row.parent,
        sections=tuple(
            Section(
                kind=SectionKind(s.kind),
                title=s.title,
                text=s.text,
                line=s.line,
                code_blocks=tuple(_block(b) for b in s.code_blocks),
                branches=tuple(s.branches),
            )
            for s in row.sections
        ),
        estimated_times=tuple(
            EstimatedTime(raw=t["raw"], min_minutes=t["min_minutes"], max_minutes=t["max_minutes"])
            for t in row.estimated_times
        ),
        backup=backup,
    )


def _block(row: CodeBlockRow) -> CodeBlock:
    return CodeBlock(
        lang=row.lang,
        line_start=row.line_start,
        line_end=row.line_end,
        lines=tuple(
            CodeLine(
                text=line.text,
                line_no=line.line_no,
                line_end=line.line_end,
                kind=LineKind(line.kind),
                assessment=None
                if line.risk is None
                else Assessment(
                    risk=Risk(line.risk),
                    sensitive=bool(line.sensitive),
                    reasons=tuple(line.reasons or ()),
                ),
            )
            for line in row.lines
        ),
    )


def load_match_entries(session: Session) -> list[IndexEntry]:
    """Every procedure as the matcher indexes it, in catalogue order."""
    rows = session.scalars(
        select(MatchEntryRow).order_by(MatchEntryRow.runbook_id, MatchEntryRow.ordinal)
    )
    return [
        IndexEntry(
            runbook_id=row.runbook_id,
            source=row.source,
            procedure_key=row.procedure_key,
            title=row.title,
            kind=ProcedureKind(row.kind),
            severity=row.severity,
            level=Level(row.level) if row.level else None,
            fields=tuple((name, text) for name, text in row.fields),
            services=frozenset(row.services),
        )
        for row in rows
    ]


def load_severity_examples(session: Session) -> list[SeverityExample]:
    """The examples each runbook files under its severity levels."""
    rows = session.scalars(
        select(SeverityLevelRow).order_by(SeverityLevelRow.runbook_id, SeverityLevelRow.ordinal)
    )
    return [
        SeverityExample(row.runbook_id, row.label, Level(row.level), example)
        for row in rows
        for example in row.examples
    ]
