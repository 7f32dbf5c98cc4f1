"""The runbook as an on-call engineer reads it: procedures, sections, commands, contacts.

Every value is a frozen dataclass so that the parser, the storage mapping and the interfaces share
one vocabulary, and nothing downstream can mutate what was parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Risk(StrEnum):
    """What running a command can do to the system it targets."""

    READ = "read"
    CHANGE = "change"
    DESTRUCTIVE = "destructive"


class LineKind(StrEnum):
    """What one logical line of a code block is."""

    COMMAND = "command"
    SQL = "sql"
    COMMENT = "comment"
    URL = "url"
    UI = "ui"
    CODE = "code"
    TEXT = "text"


class Level(StrEnum):
    """A severity normalised across documents whose own scales disagree (P0 vs P1 as the top)."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class ProcedureKind(StrEnum):
    INCIDENT = "incident"
    OPERATION = "operation"


class SectionKind(StrEnum):
    SYMPTOMS = "symptoms"
    DIAGNOSIS = "diagnosis"
    MITIGATION = "mitigation"
    RESOLUTION = "resolution"
    ROLLBACK = "rollback"
    BACKUP = "backup"
    COMMUNICATION = "communication"
    ESCALATION = "escalation"
    VALIDATION = "validation"
    PREVENTION = "prevention"
    OTHER = "other"


class BackupVerdict(StrEnum):
    """A procedure's answer to "should we restore the backup?"."""

    NO = "no"
    YES_IF = "yes_if"
    MAYBE = "maybe"


@dataclass(frozen=True, slots=True)
class Assessment:
    """The risk of a command or SQL statement, and why.

    `sensitive` means the command reveals or sets a secret; it is independent of `risk`.
    """

    risk: Risk
    sensitive: bool
    reasons: tuple[str, ...]

    @property
    def needs_approval(self) -> bool:
        """Destructive and sensitive commands need a second person's approval before they run."""
        return self.risk is Risk.DESTRUCTIVE or self.sensitive


@dataclass(frozen=True, slots=True)
class CodeLine:
    """One logical line of a code block (multi-line commands are joined with "\\n")."""

    text: str
    line_no: int
    line_end: int
    kind: LineKind
    assessment: Assessment | None = None  # set for COMMAND and SQL only


@dataclass(frozen=True, slots=True)
class CodeBlock:
    lang: str | None
    line_start: int
    line_end: int
    lines: tuple[CodeLine, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A typed part of a procedure, in document order."""

    kind: SectionKind
    title: str
    text: str
    line: int
    code_blocks: tuple[CodeBlock, ...] = ()
    branches: tuple[str, ...] = ()  # conditions such as "Si timeout" or "Option A: Rollback"

    @property
    def commands(self) -> tuple[CodeLine, ...]:
        return tuple(
            line
            for block in self.code_blocks
            for line in block.lines
            if line.assessment is not None
        )


@dataclass(frozen=True, slots=True)
class EstimatedTime:
    raw: str
    min_minutes: int
    max_minutes: int


@dataclass(frozen=True, slots=True)
class Backup:
    verdict: BackupVerdict
    reason: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Procedure:
    id: str
    title: str
    kind: ProcedureKind
    line_start: int
    line_end: int
    severity: str | None = None  # as the document writes it: "P1", "SEV2", "critical"
    level: Level | None = None
    severity_source: str | None = None  # title, parent, id, field, marker, classification
    marker: str | None = None  # 🔴 🟠 🟡
    response_minutes: int | None = None
    resolution_minutes: int | None = None
    parent: str | None = None  # the grouping heading it sits under
    sections: tuple[Section, ...] = ()
    estimated_times: tuple[EstimatedTime, ...] = ()
    backup: Backup | None = None

    @property
    def commands(self) -> tuple[CodeLine, ...]:
        return tuple(line for section in self.sections for line in section.commands)


@dataclass(frozen=True, slots=True)
class SeverityLevel:
    """One level of the document's own severity scale."""

    label: str
    level: Level
    rank: int  # 0 is the most severe in this document
    name: str = ""
    response_minutes: int | None = None
    resolution_minutes: int | None = None
    examples: tuple[str, ...] = ()  # what the document files under this level


@dataclass(frozen=True, slots=True)
class EscalationContact:
    """One contact of an escalation tier; `placeholder` flags "À définir", "+33 X XX…" and such."""

    tier: int
    role: str
    contact: str
    response_minutes: int | None = None
    placeholder: bool = False
    condition: str | None = None  # "si data breach"


@dataclass(frozen=True, slots=True)
class Checklist:
    title: str
    items: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Template:
    kind: str  # post_mortem, incident_report, alert_message
    title: str
    text: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    target: str
    current: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Fallback:
    primary: str
    fallbacks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Repair:
    """Which encoding repair was applied to the source text."""

    repaired: bool
    method: str  # "none", "mac_roman", "cp1254 per-segment", …
    lossy_segments: tuple[str, ...] = ()  # descriptions of segments dropped or guessed
    source_replacement_chars: int = 0  # U+FFFD already present before the damage


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found while reading a document: the import goes on, the user is told."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Runbook:
    source: str  # the file's name
    title: str
    encoding: Repair
    procedures: tuple[Procedure, ...] = ()
    severity_levels: tuple[SeverityLevel, ...] = ()
    escalation: tuple[EscalationContact, ...] = ()
    checklists: tuple[Checklist, ...] = ()
    templates: tuple[Template, ...] = ()
    metrics: tuple[Metric, ...] = ()
    links: tuple[Link, ...] = ()
    fallbacks: tuple[Fallback, ...] = ()
    command_blocks: tuple[CodeBlock, ...] = ()  # document-level memo blocks
    metadata: dict[str, str] = field(default_factory=dict)
    language: str = "en"
    text: str = ""  # the repaired Markdown, line numbers as in the file (front matter blanked)
