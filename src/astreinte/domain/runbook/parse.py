"""Markdown runbook → `Runbook`: procedures, sections, commands, severities, document parts.

The document is read the way an on-call engineer reads it: headings form a tree; a heading is a
*procedure* when its children are typed sections (symptoms, diagnosis, …) or when its title says so
("Incident 3 :", "RB-P1-001", an alert name); a *group* when its children are procedures (and passes
its severity and SLA down); a *document part* (classification, contacts, checklists, metrics, links,
metadata) when its title names one. `parse` never raises on content: what it cannot read becomes a
`Diagnostic`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from astreinte.domain.runbook import lexicon
from astreinte.domain.runbook.codeblock import split_block
from astreinte.domain.runbook.document import (
    DocumentParts,
    as_template,
    collect_links,
    read_fallbacks,
    read_part,
)
from astreinte.domain.runbook.lexicon import fold, section_kind, strip_decorations
from astreinte.domain.runbook.markdown import Fence, Node, Unit, front_matter, parse_tree
from astreinte.domain.runbook.model import (
    Backup,
    BackupVerdict,
    Checklist,
    CodeBlock,
    Diagnostic,
    EstimatedTime,
    Level,
    Procedure,
    ProcedureKind,
    Repair,
    Runbook,
    Section,
    SectionKind,
    SeverityLevel,
)
from astreinte.domain.runbook.repair import decode, repair

_ID = re.compile(r"\b([A-Z]{2,5}-[A-Z]?\d{1,3}-\d{2,4})\b")
_SEVERITY_FIELD = re.compile(
    r"\b(?:severity|severite|priority|priorite|criticite|criticality|niveau)\b\W{0,4}:?\W{0,4}"
    r"(?P<value>P[0-5]|SEV[- ]?[0-5]|[a-z]+)",
    re.IGNORECASE,
)
_BRANCH = re.compile(
    r"^(?:si|if|option|cas|alternative|ou|or|sinon|else|when|quand|lorsque|en cas)\b", re.IGNORECASE
)
_EXAMPLES_LABEL = re.compile(r"(?:exemples?|examples?|e\.g|cas typiques?)")
_ALERT_PREFIX = re.compile(r"^alerte?\s*name\s*:\s*", re.IGNORECASE)
_ESTIMATE_LABEL = re.compile(r"^(?:temps|duree|estimated|estimation|eta|time to)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Inherited:
    """What a group heading hands down to the procedures under it."""

    severity: str | None = None
    source: str | None = None
    response: int | None = None
    resolution: int | None = None
    operations: bool = False
    title: str | None = None


def parse(data: bytes | str, *, source: str) -> tuple[Runbook, list[Diagnostic]]:
    """Read one runbook. Never raises on bad content: problems come back as diagnostics."""
    diagnostics: list[Diagnostic] = []
    if isinstance(data, bytes):
        text, notes = decode(data)
        diagnostics.extend(Diagnostic(0, note) for note in notes)
    else:
        text = data
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    text, encoding = repair(text)
    body, fields = front_matter(text)
    tree = parse_tree(body)
    reader = _Reader(body, source, diagnostics)
    return reader.read(tree, fields, encoding), diagnostics


class _Reader:
    def __init__(self, text: str, source: str, diagnostics: list[Diagnostic]) -> None:
        self.text = text
        self.source = source
        self.diagnostics = diagnostics
        self.parts = DocumentParts()
        self.procedures: list[Procedure] = []
        self.checklists: list[Checklist] = []
        self.scale: dict[str, SeverityLevel] = {}
        self.zero_based = bool(re.search(r"\bP0\b", text)) or bool(
            re.search(r"\bSEV[- ]?0\b", text, re.IGNORECASE)
        )
        self.ids: set[str] = set()

    # -- the document ---------------------------------------------------------------------
    def read(self, tree: Node, fields: dict[str, str], encoding: Repair) -> Runbook:
        title = self._title(tree, fields)
        top = self._top(tree)
        read_part(self.parts, "metadata", Node(title="", level=0, line=1, units=tree.units))
        if top is not tree:
            read_part(
                self.parts, "metadata", Node(title="", level=0, line=top.line, units=top.units)
            )
        for key, value in fields.items():
            self.parts.metadata.setdefault(key, value)
        self._scale_first(top)
        if top.level == 0:
            top = Node(
                title=title,
                level=0,
                line=top.line,
                units=top.units,
                children=top.children,
                end=top.end,
            )
        if _role(top, group_hint=False) == "procedure":
            self._procedure(top, _Inherited())
        else:
            self._walk(top, _Inherited(), group_hint=False)
        if not self.procedures:
            self._whole_document(top, title)
        if not self.procedures:
            self.diagnostics.append(
                Diagnostic(
                    0,
                    "no procedure found: no heading names an incident or an operation, "
                    "and none holds symptoms, diagnosis or mitigation sections",
                )
            )
        self._diagnose_headings(tree)
        self._document_wide(tree)
        return Runbook(
            source=self.source,
            title=title,
            encoding=encoding,
            procedures=tuple(self.procedures),
            severity_levels=tuple(sorted(self.scale.values(), key=lambda s: s.rank)),
            escalation=tuple(self.parts.escalation),
            checklists=tuple(self.parts.checklists + self.checklists),
            templates=tuple(self.parts.templates),
            metrics=tuple(self.parts.metrics),
            links=tuple(self.parts.links),
            fallbacks=tuple(self.parts.fallbacks),
            command_blocks=tuple(self.parts.command_blocks),
            metadata=dict(self.parts.metadata),
            language=lexicon.language_of(self.text),
            text=self.text,
        )

    def _title(self, tree: Node, fields: dict[str, str]) -> str:
        for node in tree.children:
            if node.level == 1 and strip_decorations(node.title):
                return strip_decorations(node.title)
        if fields.get("title"):
            return fields["title"]
        # A document that opens on a heading is titled by it, unless it names a section.
        first = tree.children[0] if tree.children else None
        if (
            first is not None
            and first.line <= 3
            and strip_decorations(first.title)
            and section_kind(first.title) is None
            and not lexicon.document_part(first.title)
        ):
            return strip_decorations(first.title)
        stem = PurePath(self.source).name.split(".")[0]
        return re.sub(r"[_-]+", " ", stem).strip() or self.source

    @staticmethod
    def _top(tree: Node) -> Node:
        """The node whose children are the document's parts: the single H1 when there is one."""
        if len(tree.children) == 1 and tree.children[0].level == 1:
            return tree.children[0]
        return tree

    # -- severity scale ---------------------------------------------------------------------
    def _scale_first(self, top: Node) -> None:
        """Read classification parts and SLA-bearing groups before procedures need them."""
        for node in _descendants(top):
            title = fold(node.title)
            if lexicon.document_part(node.title) == "classification":
                for child in node.children:
                    self._scale_entry(child.title, _node_text(child), _examples(child))
                for unit in node.units:
                    self._scale_table(unit.rows)
            elif lexicon.GROUP_TITLE.search(title) or "procedure" in title:
                label = _severity_label(node.title)
                lead = " ".join(unit.text for unit in node.units[:2])
                if label and _sla(lead) != (None, None):
                    self._scale_entry(node.title, lead)

    def _scale_table(self, rows: list[list[str]]) -> None:
        """A severity table: the label in the first column, SLA columns found by their header."""
        if len(rows) < 2:
            return
        header = [fold(cell) for cell in rows[0]]
        for row in rows[1:]:
            if not row:
                continue
            cells = [
                f"{rows[0][i] if i < len(rows[0]) else ''}: {cell}"
                if re.search(r"respon|repon|resol|delai|sla", header[i] if i < len(header) else "")
                else cell
                for i, cell in enumerate(row)
            ]
            self._scale_entry(row[0], "\n".join(cells[1:]))

    def _scale_entry(self, title: str, text: str, examples: tuple[str, ...] = ()) -> None:
        label = _severity_label(title)
        if label is None:
            return
        response, resolution = _sla(title + "\n" + text)
        name = strip_decorations(_severity_label_re_sub(title, label)).strip(" -:|")
        words = fold(name).split()
        level = next((lexicon.LEVEL_WORDS[w] for w in words if w in lexicon.LEVEL_WORDS), None)
        rank = self._rank(label)
        existing = self.scale.get(label)
        self.scale[label] = SeverityLevel(
            label=label,
            level=level or lexicon.level_for_rank(rank),
            rank=rank,
            name=name or (existing.name if existing else ""),
            response_minutes=response
            if response is not None
            else (existing.response_minutes if existing else None),
            resolution_minutes=resolution
            if resolution is not None
            else (existing.resolution_minutes if existing else None),
            examples=examples or (existing.examples if existing else ()),
        )

    def _rank(self, label: str) -> int:
        number = int(re.sub(r"\D", "", label) or 0)
        return number if self.zero_based else max(number - 1, 0)

    def _level(self, severity: str | None) -> Level | None:
        if severity is not None:
            if severity in self.scale:
                return self.scale[severity].level
            if re.fullmatch(r"(?:P|SEV-?|S)\d", severity):
                return lexicon.level_for_rank(self._rank(severity))
            lowered = fold(severity)
            if lowered in lexicon.LEVEL_WORDS:
                return lexicon.LEVEL_WORDS[lowered]
        return None

    # -- walking the heading tree -------------------------------------------------------------
    def _walk(self, node: Node, inherited: _Inherited, *, group_hint: bool) -> None:
        for child in node.children:
            part = lexicon.document_part(child.title)
            if part is not None and not _explicit_procedure(child.title):
                read_part(self.parts, part, child)
                continue
            role = _role(child, group_hint=group_hint)
            if role == "procedure":
                self._procedure(child, inherited)
            elif role == "group":
                self._walk(
                    child,
                    self._inherit(child, inherited),
                    group_hint=bool(lexicon.GROUP_TITLE.search(fold(child.title))),
                )
            else:
                self._loose(child)
                self._walk(child, inherited, group_hint=False)

    def _inherit(self, group: Node, inherited: _Inherited) -> _Inherited:
        label = _severity_label(group.title)
        lead = " ".join(unit.text for unit in group.units[:2])
        response, resolution = _sla(lead)
        folded = fold(group.title)
        return _Inherited(
            severity=label or inherited.severity,
            source="parent" if label else inherited.source,
            response=response if response is not None else inherited.response,
            resolution=resolution if resolution is not None else inherited.resolution,
            operations=inherited.operations
            or bool(lexicon.OPERATION_TITLE.search(folded) and not _incident_title(group.title)),
            title=strip_decorations(group.title),
        )

    def _loose(self, node: Node) -> None:
        """A heading that is neither procedure nor group: keep its lists of checks and its code."""
        kind = section_kind(node.title)
        if kind is SectionKind.VALIDATION and any(unit.kind == "item" for unit in node.units):
            read_part(self.parts, "checklist", node)
            return
        if kind is SectionKind.ESCALATION:
            read_part(self.parts, "contacts", node)
            return
        for unit in node.units:
            for fence in unit.fences:
                self.parts.command_blocks.append(_code_block(fence))

    def _whole_document(self, top: Node, title: str) -> None:
        """A runbook with no procedure heading is one procedure (an alert page, a recovery plan)."""
        units = top.walk_units()
        steps = sum(1 for u in units if u.kind in {"item", "fence"})
        if steps < 2:
            return
        node = Node(
            title=title,
            level=top.level,
            line=top.line,
            units=top.units,
            children=top.children,
            end=top.end,
        )
        self.parts.command_blocks.clear()  # the procedure owns the code it holds now
        self._procedure(node, _Inherited())

    # -- one procedure -------------------------------------------------------------------------
    def _procedure(self, node: Node, inherited: _Inherited) -> None:
        # 'Alert Name: "KubeAPIDown"' is the alert KubeAPIDown.
        title = _ALERT_PREFIX.sub("", strip_decorations(node.title)).strip("\"'` ") or "untitled"
        raw = node.title
        sections = _sections(node)
        severity, source = _own_severity(raw, node)
        if severity is None and inherited.severity is not None:
            severity, source = inherited.severity, inherited.source
        marker = next((m for m in lexicon.MARKER_LEVELS if raw.lstrip().startswith(m)), None)
        level = self._level(severity)
        if level is None and marker is not None:
            level, source = lexicon.MARKER_LEVELS[marker], "marker"
        elif level is not None and source is None:
            source = "title"
        response, resolution = None, None
        if severity is not None and severity in self.scale:
            response = self.scale[severity].response_minutes
            resolution = self.scale[severity].resolution_minutes
        response = inherited.response if inherited.response is not None else response
        resolution = inherited.resolution if inherited.resolution is not None else resolution
        kind = ProcedureKind.INCIDENT
        if (inherited.operations or lexicon.OPERATION_TITLE.search(fold(raw))) and not (
            _incident_title(raw)
            or severity is not None
            or any(s.kind is SectionKind.SYMPTOMS for s in sections)
        ):
            kind = ProcedureKind.OPERATION
        procedure = Procedure(
            id=self._procedure_id(title),
            title=title,
            kind=kind,
            line_start=node.line,
            line_end=node.end,
            severity=severity,
            level=level,
            severity_source=source if (severity or level) else None,
            marker=marker,
            response_minutes=response,
            resolution_minutes=resolution,
            parent=inherited.title,
            sections=tuple(sections),
            estimated_times=tuple(_estimates(node)),
            backup=_backup(sections),
        )
        self.procedures.append(procedure)
        self._procedure_checklists(node, title)

    def _procedure_checklists(self, node: Node, title: str) -> None:
        """Task lists inside a procedure ("Pré-requis" with `- [ ]` items) are checklists too."""
        current: list[str] = []
        label = ""
        for unit in node.walk_units():
            if unit.kind == "item" and unit.checkbox is not None:
                current.append(unit.text.split("\n", 1)[0].strip())
                continue
            if current:
                self.checklists.append(
                    Checklist(title=f"{title} — {label}".rstrip(" —"), items=tuple(current))
                )
                current = []
            if unit.label:
                label = unit.label
        if current:
            self.checklists.append(
                Checklist(title=f"{title} — {label}".rstrip(" —"), items=tuple(current))
            )

    def _procedure_id(self, title: str) -> str:
        match = _ID.search(title)
        base = match.group(1).lower() if match else _slug(title)
        candidate, counter = base, 2
        while candidate in self.ids:
            candidate, counter = f"{base}-{counter}", counter + 1
        self.ids.add(candidate)
        return candidate

    def _document_wide(self, tree: Node) -> None:
        """Links, fallback tables and message templates, wherever they sit in the document."""
        units = tree.walk_units()
        collect_links(self.parts, units)
        known = {template.line for template in self.parts.templates}
        for unit in units:
            if unit.kind == "table" and unit.rows:
                read_fallbacks(self.parts, unit.rows)
            for fence in unit.fences:
                template = as_template(fence, _container(tree, fence.first_line))
                if template is not None and template.line not in known:
                    self.parts.templates.append(template)
        self.parts.templates.sort(key=lambda template: template.line)

    def _diagnose_headings(self, tree: Node) -> None:
        if not tree.children and not tree.units:
            self.diagnostics.append(Diagnostic(0, "the document is empty"))


# -- roles of headings ---------------------------------------------------------------------------
def _strong_title(title: str) -> bool:
    folded = fold(title)
    return bool(
        lexicon.PROCEDURE_TITLE.search(folded)
        or lexicon.ALERT_NAME.match(strip_decorations(title))
        or _ID.search(title)
        or (_severity_label(title) and not lexicon.document_part(title))
    )


def _explicit_procedure(title: str) -> bool:
    """A title that can only be a procedure, whatever words follow ("Incident 3 : Contacts KO")."""
    return bool(
        _ID.search(title)
        or lexicon.ALERT_NAME.match(strip_decorations(title))
        or re.match(
            r"^(?:incident|scenario|alerte?(?: name)?)\s*(?:\d+\s*)?:|^(?:incident|scenario)\s+\d",
            lexicon.fold_accents(strip_decorations(title)).lower(),
        )
    )


def _incident_title(title: str) -> bool:
    folded = fold(title)
    return bool(
        lexicon.INCIDENT_TITLE.search(folded)
        or re.match(r"^alerte?\b", folded)
        or lexicon.ALERT_NAME.match(strip_decorations(title))
    )


def _typed_children(node: Node) -> int:
    kinds = {
        kind
        for child in node.children
        if (kind := section_kind(child.title)) is not None
        and not lexicon.document_part(child.title)
    }
    kinds |= {
        kind
        for unit in node.units
        if unit.label
        and (kind := section_kind(unit.label)) is not None
        and unit.kind == "paragraph"
    }
    return len(kinds)


def _role(node: Node, *, group_hint: bool) -> str:
    """ "procedure", "group" or "none" for a heading met outside any procedure."""
    typed = _typed_children(node)
    hint = bool(lexicon.GROUP_TITLE.search(fold(node.title)))
    procedures = [
        child
        for child in node.children
        if section_kind(child.title) is None
        and (lexicon.document_part(child.title) is None or _explicit_procedure(child.title))
        and _role(child, group_hint=hint) != "none"
    ]
    strong = _strong_title(node.title)
    has_body = bool(node.units or node.children)
    # An alert page with sub-cases ("CortexRequestLatency" → "Write Latency") stays one procedure.
    if _explicit_procedure(node.title) and not any(
        _explicit_procedure(child.title) for child in procedures
    ):
        # A one-line stub ("This runbook has moved to …") is not a procedure.
        units = node.walk_units()
        substantial = len(units) >= 2 or any(u.kind in {"item", "fence"} for u in units)
        return "procedure" if substantial else "none"
    if procedures and len(procedures) > typed:
        return "group"
    if typed >= 2:
        return "procedure"
    if (typed == 1 or strong or group_hint) and has_body:
        return "procedure"
    return "none"


# -- sections of a procedure ---------------------------------------------------------------------
def _sections(node: Node) -> list[Section]:
    drafts: list[_Draft] = [_Draft(SectionKind.OTHER, "", node.line, lead=True)]
    _split_units(node.units, drafts)
    for child in node.children:
        kind = section_kind(child.title) or SectionKind.OTHER
        drafts.append(_Draft(kind, strip_decorations(child.title), child.line))
        _split_units(child.units, drafts)
        for grandchild in _descendants(child):
            drafts[-1].branches.append(strip_decorations(grandchild.title))
            drafts[-1].texts.append(strip_decorations(grandchild.title))
            _split_units(grandchild.units, drafts, nested=True)
    sections: list[Section] = []
    for draft in drafts:
        if draft.lead and not draft.texts and not draft.blocks:
            continue
        kind = draft.kind
        sections.append(
            Section(
                kind=kind,
                title=draft.title,
                text="\n".join(t for t in draft.texts if t).strip(),
                line=draft.line,
                code_blocks=tuple(draft.blocks),
                branches=tuple(dict.fromkeys(draft.branches)),
            )
        )
    return sections


@dataclass(slots=True)
class _Draft:
    kind: SectionKind
    title: str
    line: int
    lead: bool = False
    texts: list[str] = field(default_factory=list)
    blocks: list[CodeBlock] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)


def _split_units(units: list[Unit], drafts: list[_Draft], *, nested: bool = False) -> None:
    for unit in units:
        current = drafts[-1]
        if unit.label:
            kind = _label_kind(unit)
            if kind is not None and (kind is not current.kind or current.lead) and not nested:
                drafts.append(_Draft(kind, unit.label, unit.start))
                if unit.rest:
                    drafts[-1].texts.append(unit.rest)
                if unit.kind == "item":
                    _add_content(drafts[-1], unit, skip_label=True)
                continue
            if _is_branch(unit.label, current.kind):
                current.branches.append(unit.label)
        _add_content(current, unit)


def _label_kind(unit: Unit) -> SectionKind | None:
    assert unit.label is not None
    if _BRANCH.match(fold(unit.label)):
        return None  # "Si service restauré" is a condition inside the current section
    if unit.kind == "item":
        # A numbered step "1. **Vérifier les logs:**" is a step; only an exact section name
        # ("2. **Validation:**") opens a new section.
        folded = fold(unit.label)
        for pattern, kind in lexicon.SECTION_SYNONYMS:
            if re.fullmatch(pattern, folded):
                return kind
        return None
    if _ESTIMATE_LABEL.match(fold(unit.label)):
        return None
    return section_kind(unit.label) if len(unit.label.split()) <= 6 else None


def _is_branch(label: str, kind: SectionKind) -> bool:
    if _BRANCH.match(fold(label)):
        return True
    if _ESTIMATE_LABEL.match(fold(label)) or fold(label) in {"objectif", "note", "important"}:
        return False
    return kind in {SectionKind.MITIGATION, SectionKind.RESOLUTION, SectionKind.ROLLBACK}


def _add_content(draft: _Draft, unit: Unit, *, skip_label: bool = False) -> None:
    if unit.kind == "fence" or (unit.fences and unit.kind != "item"):
        draft.blocks.extend(_code_block(fence) for fence in unit.fences)
        return
    text = unit.text
    if unit.kind == "item":
        marker = "- [x] " if unit.checkbox else "- [ ] " if unit.checkbox is False else "- "
        text = marker + (unit.rest if skip_label else text)
        if _BRANCH.match(fold(unit.text)):  # "1. Si le prestataire est en panne : …"
            draft.branches.append(
                re.split(r"[:,]", unit.text.split("\n", 1)[0], maxsplit=1)[0].strip()[:80]
            )
    elif unit.kind == "table":
        text = "\n".join(" | ".join(row) for row in unit.rows)
    if text.strip():
        draft.texts.append(text)
    draft.blocks.extend(_code_block(fence) for fence in unit.fences)
    for fence in unit.fences:
        for line in fence.content.split("\n"):
            comment = line.strip().lstrip("#").strip()
            if line.strip().startswith("#") and _BRANCH.match(fold(comment)):
                draft.branches.append(comment)


def _code_block(fence: Fence) -> CodeBlock:
    lines = split_block(fence.content, lang=fence.lang, first_line=fence.first_line)
    return CodeBlock(
        lang=fence.lang, line_start=fence.first_line - 1, line_end=fence.last_line, lines=lines
    )


# -- procedure details ---------------------------------------------------------------------------
def _own_severity(title: str, node: Node) -> tuple[str | None, str | None]:
    label = _severity_label(title)
    if label is not None:
        return label, "id" if _ID.search(title) else "title"
    for unit in node.walk_units()[:40]:
        match = _SEVERITY_FIELD.search(unit.source)
        if match is None:
            continue
        value = match.group("value")
        if re.fullmatch(r"P[0-5]|SEV[- ]?[0-5]", value, re.IGNORECASE):
            return value.upper().replace(" ", "-"), "field"
        if fold(value) in lexicon.LEVEL_WORDS:
            return value.lower(), "field"
    return None, None


def _severity_label(title: str) -> str | None:
    match = lexicon.SEVERITY_LABEL.search(title)
    if match is None:
        return None
    label = match.group(1).upper().replace(" ", "-")
    return None if label.startswith("S") and not label.startswith("SEV") else label


def _severity_label_re_sub(title: str, label: str) -> str:
    cleaned = re.sub(rf"\b{re.escape(label)}\b\s*[-:]?", "", title, count=1, flags=re.IGNORECASE)
    return re.sub(r"\([^)]*\)", "", cleaned)


_RESPONSE = re.compile(
    r"(?:r[ée]ponse|response|prise en charge|acknowledge?\w*|ack|respond)\w*"
    r"\s*(?:time)?\s*[:<≤]*\s*"
    r"(?P<value>[^|,;\n)]*)",
    re.IGNORECASE,
)
_RESOLUTION = re.compile(
    r"(?:r[ée]solution|resolve|resolution time|time to resolve|fix)\w*\s*[:<≤]*\s*"
    r"(?P<value>[^|,;\n)]*)",
    re.IGNORECASE,
)


def _sla(text: str) -> tuple[int | None, int | None]:
    """Response and resolution minutes from "SLA: Réponse <5 min | Résolution <30 min"."""
    found: list[int | None] = []
    for regex in (_RESPONSE, _RESOLUTION):
        value: int | None = None
        for match in regex.finditer(text):
            span = lexicon.duration_minutes(match.group("value")[:24])
            if span is not None:
                value = span[1]
                break
        found.append(value)
    return found[0], found[1]


def _estimates(node: Node) -> list[EstimatedTime]:
    """Time boxes: "⏱️ **Temps estimé:** 2-3 minutes", and the items of a "… Timeline" list."""
    spans = [
        (child.line, child.end)
        for child in _descendants(node)
        if re.search(r"\b(?:timeline|delais?|temps|durees?|estimat\w*)\b", fold(child.title))
    ]

    def timeline(line: int) -> bool:
        return any(start <= line <= end for start, end in spans)

    estimates: list[EstimatedTime] = []
    for unit in node.walk_units():
        candidates: list[str] = []
        if unit.label and _ESTIMATE_LABEL.match(fold(unit.label)) and unit.rest:
            candidates.append(unit.rest)
        elif unit.kind == "item" and timeline(unit.start) and _timeline_item(unit):
            candidates.append(unit.text)
        for raw in candidates:
            span = lexicon.duration_minutes(raw)
            if span is not None:
                estimates.append(
                    EstimatedTime(raw=raw.strip(), min_minutes=span[0], max_minutes=span[1])
                )
    return estimates


def _timeline_item(unit: Unit) -> bool:
    """An item of a "… Timeline" list: "Simple fix: <4h"."""
    return bool(re.match(r"^[^:]{1,40}:\s*<\s*\d", unit.text))


def _backup(sections: list[Section]) -> Backup | None:
    for section in sections:
        if section.kind is not SectionKind.BACKUP or not section.text:
            continue
        first = section.text.split("\n", 1)[0]
        folded = lexicon.fold_accents(first).lower()
        conditions = tuple(
            line[2:].strip() for line in section.text.split("\n")[1:] if line.startswith("- ")
        )
        if "❌" in first or re.search(r"\b(?:pas necessaire|non|no|not needed|jamais)\b", folded):
            return Backup(BackupVerdict.NO, first.strip("❌ ").strip(), conditions)
        if "⚠" in first or re.search(r"\b(?:peut-etre|maybe|possibly)\b", folded):
            return Backup(BackupVerdict.MAYBE, first.strip("⚠️ ").strip(), conditions)
        if "✅" in first or re.search(r"\b(?:oui|yes)\b", folded):
            return Backup(BackupVerdict.YES_IF, first.strip("✅ ").strip(), conditions)
    return None


# -- small pieces ----------------------------------------------------------------------------------
def _descendants(node: Node) -> list[Node]:
    out: list[Node] = []
    for child in node.children:
        out.append(child)
        out.extend(_descendants(child))
    return out


def _examples(node: Node) -> tuple[str, ...]:
    """The items a classification level lists as its examples ("**Exemples:**", "Examples")."""
    found: list[str] = []
    collecting = False
    for unit in node.walk_units():
        if unit.label is not None and unit.kind == "paragraph":
            collecting = bool(_EXAMPLES_LABEL.match(fold(unit.label)))
        elif collecting and unit.kind == "item":
            found.append(unit.text.split("\n", 1)[0].strip())
    return tuple(found)


def _container(tree: Node, line: int) -> str:
    """Title of the deepest heading holding `line`."""
    title = ""
    for node in _descendants(tree):
        if node.line <= line <= node.end:
            title = node.title
    return title


def _node_text(node: Node) -> str:
    return "\n".join(unit.text for unit in node.walk_units() if unit.text)


def _slug(title: str) -> str:
    folded = lexicon.fold_accents(title).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return slug[:60].rstrip("-") or "procedure"
