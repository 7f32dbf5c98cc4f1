"""What the matcher indexes for each procedure: its fields, weighted by where words appear."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from astreinte.domain.matching.analysis import fold
from astreinte.domain.runbook.model import Level, Procedure, ProcedureKind, Runbook, SectionKind

# Field weights of the ranking (BM25F): a word in the title says more than one in a command.
FIELD_WEIGHTS: Final[dict[str, float]] = {
    "title": 4.0,
    "symptoms": 2.5,
    "diagnosis": 1.2,
    "actions": 0.5,
    "commands": 1.0,
    "context": 0.4,
}
_SECTION_FIELDS: Final[dict[SectionKind, str]] = {
    SectionKind.SYMPTOMS: "symptoms",
    SectionKind.DIAGNOSIS: "diagnosis",
    SectionKind.MITIGATION: "actions",
    SectionKind.RESOLUTION: "actions",
    SectionKind.ROLLBACK: "actions",
    SectionKind.BACKUP: "actions",
    SectionKind.VALIDATION: "actions",
    SectionKind.ESCALATION: "context",
    SectionKind.COMMUNICATION: "context",
    SectionKind.PREVENTION: "context",
    SectionKind.OTHER: "actions",
}


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One procedure as the matcher sees it."""

    runbook_id: str
    source: str
    procedure_key: str
    title: str
    kind: ProcedureKind
    severity: str | None
    level: Level | None
    fields: tuple[tuple[str, str], ...]  # (field, text), fields of FIELD_WEIGHTS
    services: frozenset[str]  # folded words naming the runbook's application and stack

    @property
    def procedure_id(self) -> str:
        return f"{self.runbook_id}/{self.procedure_key}"


def entries_for(runbook_id: str, runbook: Runbook) -> list[IndexEntry]:
    """The index entries of a runbook's procedures."""
    services = _service_words(runbook_id, runbook)
    context = " ".join(
        [runbook.title, runbook.metadata.get("environment", ""), runbook.metadata.get("scope", "")]
    )
    return [
        _entry(runbook_id, runbook, procedure, services, context)
        for procedure in runbook.procedures
    ]


def _entry(
    runbook_id: str, runbook: Runbook, procedure: Procedure, services: frozenset[str], context: str
) -> IndexEntry:
    texts: dict[str, list[str]] = {name: [] for name in FIELD_WEIGHTS}
    texts["title"].append(procedure.title)
    texts["context"].extend([context, procedure.parent or ""])
    for section in procedure.sections:
        field = _SECTION_FIELDS[section.kind]
        # A section's own title ("Quand restaurer backup") belongs with its text.
        texts[field].extend([section.title, section.text, *section.branches])
        for block in section.code_blocks:
            texts["commands"].extend(line.text for line in block.lines)
    return IndexEntry(
        runbook_id=runbook_id,
        source=runbook.source,
        procedure_key=procedure.id,
        title=procedure.title,
        kind=procedure.kind,
        severity=procedure.severity,
        level=procedure.level,
        fields=tuple((name, "\n".join(t for t in parts if t)) for name, parts in texts.items()),
        services=services,
    )


def _service_words(runbook_id: str, runbook: Runbook) -> frozenset[str]:
    names = " ".join(
        [
            runbook_id,
            runbook.source.rsplit(".", 1)[0],
            runbook.title,
            runbook.metadata.get("environment", ""),
            runbook.metadata.get("service", ""),
        ]
    )
    return frozenset(w for w in re.findall(r"[a-z0-9][a-z0-9_-]+", fold(names)) if len(w) > 2)
