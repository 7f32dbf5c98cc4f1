"""Domain values → Rich renderables for people, and → the `--json` contracts for programs.

JSON keys are a contract (see the issue that introduced each command): add keys, never rename.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from astreinte.domain.runbook.model import (
    Assessment,
    CodeBlock,
    CodeLine,
    Procedure,
    Risk,
    Section,
)

if TYPE_CHECKING:  # only for types: the services pull in SQLAlchemy, which `risk` need not load
    from astreinte.services.catalogue import FileImport, ImportReport
    from astreinte.services.matching import MatchReport
    from astreinte.storage.repo import RunbookSummary, StoredRunbook

Json = dict[str, object]

RISK_STYLE = {Risk.READ: "green", Risk.CHANGE: "yellow", Risk.DESTRUCTIVE: "bold red"}
FAILED = "failed"  # ImportStatus.FAILED's value; a StrEnum compares equal to it
STATUS_STYLE = {"created": "green", "updated": "cyan", "unchanged": "dim", FAILED: "bold red"}


def console() -> Console:
    # Built per command so that it writes to whatever sys.stdout is then (tests swap it).
    return Console(highlight=False)


def echo_json(data: object, *, indent: int | None = 2) -> None:
    # Plain echo, not Rich: JSON must not be wrapped to the terminal's width.
    typer.echo(json.dumps(data, ensure_ascii=False, indent=indent))


def minutes(value: int | None) -> str:
    """15 → "15 min", 240 → "4 h", 1440 → "1 d"; None → "–"."""
    if value is None:
        return "–"
    if value and value % 1440 == 0:
        return f"{value // 1440} d"
    if value and value % 60 == 0:
        return f"{value // 60} h"
    return f"{value} min"


# --- import ----------------------------------------------------------------------------------


def import_json(report: ImportReport) -> Json:
    return {
        "files": [_file_import_json(f) for f in report.files],
        "imported": sum(f.status != FAILED for f in report.files),
        "failed": len(report.failed),
    }


def _file_import_json(file: FileImport) -> Json:
    return {
        "path": str(file.path),
        "status": file.status.value,
        "runbook_id": file.runbook_id,
        "title": file.title,
        "procedures": file.procedures,
        "diagnostics": [{"line": d.line, "message": d.message} for d in file.diagnostics],
        "error": file.error,
    }


def import_view(report: ImportReport) -> RenderableType:
    table = Table(title="Import", title_justify="left")
    table.add_column("file", overflow="fold", ratio=3)
    table.add_column("id", overflow="fold", ratio=2)
    table.add_column("status", min_width=9)
    table.add_column("procedures", justify="right", min_width=5)
    table.add_column("warnings", justify="right", min_width=5)
    for file in report.files:
        table.add_row(
            Text(str(file.path)),
            Text(file.runbook_id or "–"),
            Text(file.status.value, style=STATUS_STYLE[file.status.value]),
            str(file.procedures) if file.status != FAILED else "–",
            str(len(file.diagnostics)),
        )
    parts: list[RenderableType] = [table]
    for file in report.files:
        for d in file.diagnostics:
            parts.append(Text(f"{file.path}:{d.line}: {d.message}", style="yellow"))
    for file in report.failed:
        parts.append(Text(file.error or f"{file.path}: failed", style="red"))
    done = len(report.files) - len(report.failed)
    summary = f"{done} of {len(report.files)} file(s) imported"
    if report.failed:
        summary += f", {len(report.failed)} failed"
    parts.append(Text(summary, style="bold red" if report.failed else "bold"))
    return Group(*parts)


# --- runbooks list ---------------------------------------------------------------------------


def summary_json(summary: RunbookSummary) -> Json:
    return {
        "id": summary.id,
        "source": summary.source,
        "title": summary.title,
        "procedures": summary.procedures,
        "path": summary.path,
        "language": summary.language,
        "repaired": summary.repaired,
        "diagnostics": summary.diagnostics,
        "updated_at": summary.updated_at.isoformat(),
    }


def runbooks_table(summaries: Sequence[RunbookSummary]) -> RenderableType:
    if not summaries:
        return Text("The catalogue is empty; add runbooks with 'astreinte import PATH'.")
    table = Table(title=f"{len(summaries)} runbook(s)", title_justify="left")
    table.add_column("id", overflow="fold")
    table.add_column("title", overflow="fold")
    table.add_column("source", overflow="fold")
    table.add_column("lang")
    table.add_column("procedures", justify="right")
    table.add_column("encoding")
    for s in summaries:
        table.add_row(
            Text(s.id),
            Text(s.title),
            Text(s.source),
            s.language,
            str(s.procedures),
            Text("repaired", style="yellow") if s.repaired else Text("ok", style="dim"),
        )
    return table


# --- runbooks show ---------------------------------------------------------------------------


def assessment_json(command: str, assessment: Assessment) -> Json:
    return {
        "command": command,
        "risk": assessment.risk.value,
        "sensitive": assessment.sensitive,
        "needs_approval": assessment.needs_approval,
        "reasons": list(assessment.reasons),
    }


def _command_json(line: CodeLine) -> Json:
    assert line.assessment is not None  # Section.commands holds assessed lines only
    return {
        **assessment_json(line.text, line.assessment),
        "kind": line.kind.value,
        "line": line.line_no,
    }


def _line_json(line: CodeLine) -> Json:
    return {
        "text": line.text,
        "kind": line.kind.value,
        "line": line.line_no,
        "line_end": line.line_end,
        "risk": line.assessment.risk.value if line.assessment else None,
        "sensitive": line.assessment.sensitive if line.assessment else None,
    }


def _block_json(block: CodeBlock) -> Json:
    return {
        "lang": block.lang,
        "line_start": block.line_start,
        "line_end": block.line_end,
        "lines": [_line_json(line) for line in block.lines],
    }


def _section_json(section: Section) -> Json:
    return {
        "kind": section.kind.value,
        "title": section.title,
        "text": section.text,
        "commands": [_command_json(line) for line in section.commands],
        "line": section.line,
        "branches": list(section.branches),
        "lines": [_line_json(line) for block in section.code_blocks for line in block.lines],
    }


def _procedure_json(procedure: Procedure, catalogue_id: str) -> Json:
    backup = procedure.backup
    return {
        "id": catalogue_id,
        "key": procedure.id,
        "title": procedure.title,
        "kind": procedure.kind.value,
        "severity": procedure.severity,
        "level": procedure.level.value if procedure.level else None,
        "response_minutes": procedure.response_minutes,
        "resolution_minutes": procedure.resolution_minutes,
        "sections": [_section_json(s) for s in procedure.sections],
        "severity_source": procedure.severity_source,
        "marker": procedure.marker,
        "parent": procedure.parent,
        "line": procedure.line_start,
        "line_end": procedure.line_end,
        "estimated_times": [
            {"raw": t.raw, "min_minutes": t.min_minutes, "max_minutes": t.max_minutes}
            for t in procedure.estimated_times
        ],
        "backup": None
        if backup is None
        else {
            "verdict": backup.verdict.value,
            "reason": backup.reason,
            "conditions": list(backup.conditions),
        },
    }


def runbook_json(stored: StoredRunbook) -> Json:
    rb = stored.runbook
    return {
        "id": stored.id,
        "source": rb.source,
        "title": rb.title,
        "encoding": {
            "repaired": rb.encoding.repaired,
            "method": rb.encoding.method,
            "lossy_segments": list(rb.encoding.lossy_segments),
            "source_replacement_chars": rb.encoding.source_replacement_chars,
        },
        "severity_levels": [
            {
                "label": s.label,
                "level": s.level.value,
                "response_minutes": s.response_minutes,
                "resolution_minutes": s.resolution_minutes,
                "rank": s.rank,
                "name": s.name,
                "examples": list(s.examples),
            }
            for s in rb.severity_levels
        ],
        "procedures": [
            _procedure_json(p, pid)
            for p, pid in zip(rb.procedures, stored.procedure_ids, strict=True)
        ],
        "checklists": [
            {"title": c.title, "items": list(c.items), "line": c.line} for c in rb.checklists
        ],
        "escalation": [
            {
                "tier": c.tier,
                "role": c.role,
                "contact": c.contact,
                "response_minutes": c.response_minutes,
                "placeholder": c.placeholder,
                "condition": c.condition,
            }
            for c in rb.escalation
        ],
        "metadata": dict(rb.metadata),
        "path": stored.path,
        "language": rb.language,
        "command_blocks": [_block_json(b) for b in rb.command_blocks],
        "templates": [
            {"kind": t.kind, "title": t.title, "text": t.text, "line": t.line} for t in rb.templates
        ],
        "metrics": [{"name": m.name, "target": m.target, "current": m.current} for m in rb.metrics],
        "links": [{"text": k.text, "url": k.url, "line": k.line} for k in rb.links],
        "fallbacks": [{"primary": f.primary, "fallbacks": list(f.fallbacks)} for f in rb.fallbacks],
        "diagnostics": [{"line": d.line, "message": d.message} for d in stored.diagnostics],
        "imported_at": stored.imported_at.isoformat(),
        "updated_at": stored.updated_at.isoformat(),
    }


def _risk_text(assessment: Assessment) -> Text:
    text = Text(assessment.risk.value, style=RISK_STYLE[assessment.risk])
    if assessment.sensitive:
        text.append(" sensitive", style="magenta")
    return text


def runbook_view(stored: StoredRunbook) -> RenderableType:
    rb = stored.runbook
    head = Text()
    head.append(f"id {stored.id}   source {rb.source}   language {rb.language}\n", style="dim")
    head.append("encoding: ")
    if rb.encoding.repaired:
        head.append(f"repaired ({rb.encoding.method})", style="yellow")
    else:
        head.append("clean", style="green")
    for key, value in rb.metadata.items():
        head.append(f"\n{key}: {value}")
    parts: list[RenderableType] = [Panel(head, title=Text(rb.title, style="bold"))]

    if rb.severity_levels:
        scale = Table(title="Severity levels", title_justify="left")
        for column in ("label", "level", "name", "response", "resolution"):
            scale.add_column(column)
        for s in rb.severity_levels:
            scale.add_row(
                Text(s.label),
                s.level.value,
                Text(s.name),
                minutes(s.response_minutes),
                minutes(s.resolution_minutes),
            )
        parts.append(scale)

    if rb.procedures:
        table = Table(title=f"{len(rb.procedures)} procedure(s)", title_justify="left")
        for column in ("id", "title", "kind", "severity", "level", "response", "resolution"):
            table.add_column(column, overflow="fold")
        table.add_column("commands", justify="right")
        for p, pid in zip(rb.procedures, stored.procedure_ids, strict=True):
            table.add_row(
                Text(pid),
                Text(p.title),
                p.kind.value,
                Text(p.severity or "–"),
                p.level.value if p.level else "–",
                minutes(p.response_minutes),
                minutes(p.resolution_minutes),
                _commands_cell(p),
            )
        parts.append(table)
        parts.extend(
            _procedure_tree(p, pid)
            for p, pid in zip(rb.procedures, stored.procedure_ids, strict=True)
        )
    else:
        parts.append(Text("No procedure found in this runbook.", style="yellow"))

    for checklist in rb.checklists:
        tree = Tree(Text(f"☐ {checklist.title}", style="bold"))
        for item in checklist.items:
            tree.add(Text(item))
        parts.append(tree)

    if rb.escalation:
        contacts = Table(title="Escalation", title_justify="left")
        for column in ("tier", "role", "contact", "response"):
            contacts.add_column(column, overflow="fold")
        for c in rb.escalation:
            contact = Text(c.contact)
            if c.placeholder:
                contact.append("  (placeholder)", style="yellow")
            contacts.add_row(str(c.tier), Text(c.role), contact, minutes(c.response_minutes))
        parts.append(contacts)

    for d in stored.diagnostics:
        parts.append(Text(f"{rb.source}:{d.line}: {d.message}", style="yellow"))
    return Group(*parts)


def _commands_cell(procedure: Procedure) -> Text:
    commands = procedure.commands
    if not commands:
        return Text("–", style="dim")
    worst = [c.assessment.risk for c in commands if c.assessment]
    destructive = worst.count(Risk.DESTRUCTIVE)
    text = Text(str(len(commands)))
    if destructive:
        text.append(f" ({destructive} destructive)", style=RISK_STYLE[Risk.DESTRUCTIVE])
    return text


def _procedure_tree(procedure: Procedure, catalogue_id: str) -> Tree:
    label = Text(f"{catalogue_id}  ", style="dim")
    label.append(procedure.title, style="bold")
    if procedure.severity:
        label.append(f"  {procedure.severity}", style="cyan")
    tree = Tree(label)
    for section in procedure.sections:
        node = tree.add(Text(f"{section.kind.value}: {section.title}"))
        for line in section.commands:
            assert line.assessment is not None
            entry = _risk_text(line.assessment)
            entry.append("  ")
            entry.append(line.text, style="default")
            node.add(entry)
    return tree


# --- risk ------------------------------------------------------------------------------------


def assessments_table(items: Sequence[tuple[str, Assessment]]) -> RenderableType:
    table = Table()
    table.add_column("command", overflow="fold")
    table.add_column("risk")
    table.add_column("approval")
    table.add_column("reasons", overflow="fold")
    for command, assessment in items:
        table.add_row(
            Text(command),
            _risk_text(assessment),
            Text("second person", style="bold red") if assessment.needs_approval else Text("–"),
            Text("; ".join(assessment.reasons)),
        )
    return table


def match_json(report: MatchReport) -> Json:
    body: Json = {
        "query": report.query,
        "results": [
            {
                "source": m.source,
                "runbook_id": m.runbook_id,
                "procedure_id": m.procedure_id,
                "procedure_key": m.procedure_key,
                "procedure": m.title,
                "severity": m.severity,
                "level": m.level.value if m.level else None,
                "score": m.score,
                "reasons": list(m.reasons),
            }
            for m in report.results
        ],
    }
    if report.severity is not None:
        body["severity"] = {
            "label": report.severity.label,
            "level": report.severity.level.value,
            "source": report.severity.source,
            "runbook_id": report.severity.runbook_id,
            "reason": report.severity.reason,
        }
    if report.note:
        body["note"] = report.note
    return body


def match_view(report: MatchReport) -> RenderableType:
    table = Table(title=f"« {report.query} »", title_justify="left", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("procedure")
    table.add_column("severity")
    table.add_column("score", justify="right")
    table.add_column("why")
    for rank, m in enumerate(report.results, start=1):
        severity = " ".join(x for x in (m.severity, m.level.value if m.level else None) if x)
        table.add_row(
            str(rank),
            Text(f"{m.title}\n", style="bold") + Text(m.procedure_id, style="dim"),
            severity or "–",
            f"{m.score:.1f}",
            "\n".join(m.reasons[:4]),
        )
    parts: list[RenderableType] = [table]
    if not report.results:
        parts = [Text(f"No procedure shares a term with « {report.query} ».", style="yellow")]
    if report.severity is not None:
        suggestion = report.severity
        label = " ".join(x for x in (suggestion.label, suggestion.level.value) if x)
        parts.append(Text(f"Suggested severity: {label} — {suggestion.reason}"))
    if report.note:
        parts.append(Text(report.note, style="yellow"))
    return Group(*parts)
