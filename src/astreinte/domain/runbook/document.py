"""Document-level parts of a runbook: metadata, contacts and escalation tiers, checklists, metrics,
links, templates, fallback tables and command memos."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from astreinte.domain.runbook import lexicon
from astreinte.domain.runbook.codeblock import split_block
from astreinte.domain.runbook.lexicon import fold, strip_decorations
from astreinte.domain.runbook.markdown import Fence, Node, Unit
from astreinte.domain.runbook.model import (
    Checklist,
    CodeBlock,
    EscalationContact,
    Fallback,
    Link,
    Metric,
    Template,
)

_FIELD = re.compile(
    r"^\s*(?:[-*+>]\s*)*"
    r"(?:\*\*(?P<b1>[^*]{1,40}?):?\*\*\s*:?|(?P<p1>[A-ZÀ-Ýa-zà-ÿ][\w ’'éèà-]{0,30}?)\s*:)"
    r"\s+(?P<value>\S.*?)\s*$"
)
METADATA_KEYS: Final[tuple[tuple[str, str], ...]] = (
    (r"prochaine revision|next review|prochaine revue|review by", "next_review"),
    (r"derniere revision|last review|reviewed|derniere revue", "last_review"),
    (r"derniere mise a jour|mis a jour|last updated|updated|mise a jour", "updated"),
    (r"date de creation|cree le|created|creation", "created"),
    (r"version|v\d+(?:\.\d+)*", "version"),
    (
        r"owner|proprietaire|maintenu par|maintainer|equipe|team|cree par|author|auteur|redige par",
        "owner",
    ),
    (r"statut|status", "status"),
    (r"environnement|environment|stack|pile|plateforme|platform|infra\w*", "environment"),
    (r"date", "date"),
)
_MONTHS: Final[dict[str, int]] = {
    name: number
    for number, names in enumerate(
        [
            ("janvier", "january", "jan"),
            ("fevrier", "february", "feb"),
            ("mars", "march", "mar"),
            ("avril", "april", "apr"),
            ("mai", "may"),
            ("juin", "june", "jun"),
            ("juillet", "july", "jul"),
            ("aout", "august", "aug"),
            ("septembre", "september", "sep"),
            ("octobre", "october", "oct"),
            ("novembre", "november", "nov"),
            ("decembre", "december", "dec"),
        ],
        start=1,
    )
    for name in names
}


@dataclass(slots=True)
class DocumentParts:
    metadata: dict[str, str] = field(default_factory=dict)
    escalation: list[EscalationContact] = field(default_factory=list)
    checklists: list[Checklist] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    command_blocks: list[CodeBlock] = field(default_factory=list)


def read_part(parts: DocumentParts, part: str, node: Node) -> None:
    """Fill `parts` from a document-part heading, its body and its sub-headings."""
    if part == "contacts":
        _contacts(parts, node)
    elif part == "checklist":
        _checklists(parts, node)
    elif part == "metrics":
        _metrics(parts, node)
    elif part in {"metadata", "overview"}:
        _metadata(parts, node.units)
        if re.match(
            r"(?:scope|perimetre|stack|pile|contexte|context|architecture)\b", fold(node.title)
        ):
            # "## Scope" lists the stack the runbook covers; matching and services use it.
            text = "; ".join(u.text for u in node.units if u.text)
            parts.metadata.setdefault("scope", text[:500])
    for unit in node.units:
        for fence in unit.fences:
            _fence(parts, fence, node.title)
    if part not in {"contacts", "checklist"}:  # those read their sub-headings themselves
        for child in node.children:
            read_part(parts, lexicon.document_part(child.title) or part, child)


def collect_links(parts: DocumentParts, units: list[Unit]) -> None:
    for unit in units:
        for text, url in unit.links:
            parts.links.append(Link(text=text.strip() or url, url=url, line=unit.start))
        for url in re.findall(r"(?<![(<\[])https?://[^\s)>\]`'\"]+", unit.text):
            if not any(link.url == url for link in parts.links):
                parts.links.append(Link(text=url, url=url.rstrip(".,;"), line=unit.start))


# -- metadata --------------------------------------------------------------------------------------
def _metadata(parts: DocumentParts, units: list[Unit]) -> None:
    for unit in units:
        if unit.kind not in {"paragraph", "blockquote", "item"}:
            continue
        for line in unit.source.split("\n"):
            match = _FIELD.match(line)
            if match is None:
                continue
            label = (match.group("b1") or match.group("p1") or "").strip()
            value = match.group("value").strip().lstrip(":").strip()
            _metadata_field(parts, label, value)


def _metadata_field(parts: DocumentParts, label: str, value: str) -> None:
    """Store a known field under its canonical key (with `_iso` for a date written otherwise,
    `_placeholder` for a stand-in); keep any other label as written, for the reader."""
    folded = fold(label) if not re.match(r"^v\d", label) else label.lower()
    for pattern, key in METADATA_KEYS:
        if re.fullmatch(pattern, folded) or re.match(rf"^(?:{pattern})\b", folded):
            if key == "version" and re.match(r"^v\d", folded):
                parts.metadata.setdefault("version", label.lstrip("vV"))
                key, value = "date", value
            clean = strip_decorations(value) if key == "status" else value.strip()
            parts.metadata.setdefault(key, clean)
            iso = parse_date(value)
            if iso and key in {"next_review", "last_review", "updated", "created", "date"}:
                parts.metadata.setdefault(f"{key}_iso", iso)
            if lexicon.is_placeholder(value):
                parts.metadata.setdefault(f"{key}_placeholder", "true")
            return
    parts.metadata.setdefault(strip_decorations(label), value)


def parse_date(text: str) -> str | None:
    """ISO date from "31 Janvier 2026", "16 février 2026", "2025-12-13" or "31/01/2026"."""
    folded = lexicon.fold_accents(text).lower()
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", folded)
    if iso:
        return iso.group(0)
    dmy = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", folded)
    if dmy:
        return f"{dmy.group(3)}-{int(dmy.group(2)):02d}-{int(dmy.group(1)):02d}"
    named = re.search(r"\b(\d{1,2})(?:er)?\s+([a-z]+)\.?\s+(\d{4})\b", folded)
    if named and named.group(2) in _MONTHS:
        month = _MONTHS[named.group(2)]
        return f"{named.group(3)}-{month:02d}-{int(named.group(1)):02d}"
    english = re.search(r"\b([a-z]+)\s+(\d{1,2}),?\s+(\d{4})\b", folded)
    if english and english.group(1) in _MONTHS:
        month = _MONTHS[english.group(1)]
        return f"{english.group(3)}-{month:02d}-{int(english.group(2)):02d}"
    return None


# -- contacts and escalation -----------------------------------------------------------------------
_TIER = re.compile(r"\b(?:tier|niveau|level|n|palier|escalade)\s*-?\s*(\d)\b", re.IGNORECASE)


def _contacts(parts: DocumentParts, node: Node) -> None:
    external = re.search(
        r"\b(?:extern\w*|external|fournisseurs?|vendors?|support)\b", fold(node.title)
    )
    if external:
        collect_links(parts, node.units)
        return
    base_tier = _tier(node.title)
    response = _response(node.title)
    tier_label: tuple[int, str] | None = None
    for unit in node.units:
        if unit.kind == "table" and len(unit.rows) > 1:
            _contact_table(parts, unit.rows)
        elif unit.kind == "paragraph" and unit.label and not unit.rest:
            # "**Niveau 1 - DevOps**" introduces the bullets that follow.
            tier = _tier(unit.label)
            tier_label = (tier, _role_name(unit.label)) if tier else None
        elif unit.kind == "item":
            _contact_item(parts, unit, base_tier, response, tier_label)
    for child in node.children:
        if lexicon.document_part(child.title) not in {None, "contacts"}:
            continue
        _contacts(parts, child)


def _contact_table(parts: DocumentParts, rows: list[list[str]]) -> None:
    header = [fold(cell) for cell in rows[0]]
    contact_col = next(
        (
            i
            for i, h in enumerate(header)
            if re.search(r"contact|email|tel|phone|slack|canal|channel", h)
        ),
        1,
    )
    role_col = next(
        (
            i
            for i, h in enumerate(header)
            if re.search(r"role|fonction|nom|name|qui|who|niveau|tier", h) and i != contact_col
        ),
        0,
    )
    time_col = next(
        (i for i, h in enumerate(header) if re.search(r"delai|response|reponse|sla|temps|time", h)),
        None,
    )
    for position, row in enumerate(rows[1:], start=1):
        if len(row) <= max(contact_col, role_col):
            continue
        contact = row[contact_col].strip()
        tier = _tier(row[role_col]) or position
        minutes = _response(row[time_col]) if time_col is not None and time_col < len(row) else None
        extra = [cell for i, cell in enumerate(row) if i not in {contact_col, role_col, time_col}]
        parts.escalation.append(
            EscalationContact(
                tier=tier,
                role=strip_decorations(row[role_col]),
                contact=contact,
                response_minutes=minutes,
                placeholder=lexicon.is_placeholder(contact) or not contact,
                condition="; ".join(e for e in extra if e) or None,
            )
        )


def _contact_item(
    parts: DocumentParts,
    unit: Unit,
    base_tier: int | None,
    response: int | None,
    tier_label: tuple[int, str] | None,
) -> None:
    if tier_label is not None:
        tier, role = tier_label
        match = re.match(r"^\s*contact\w*\s*:\s*(.+)$", unit.text, re.IGNORECASE)
        if match is None:
            return
        contact = match.group(1).strip()
    elif unit.label:
        tier, role, contact = base_tier or 1, unit.label, unit.rest
    else:
        name, sep, value = unit.text.partition(":")
        if not sep:
            return
        tier, role, contact = base_tier or 1, name.strip(), value.strip()
    # "legal@akig.com (si data breach)": the parenthesis says when (or who), not where.
    condition_match = re.search(r"\(([^)]*)\)\s*$", contact)
    condition = condition_match.group(1) if condition_match else None
    if condition_match:
        contact = contact[: condition_match.start()]
    parts.escalation.append(
        EscalationContact(
            tier=tier,
            role=strip_decorations(role),
            contact=contact.strip(),
            response_minutes=response,
            placeholder=lexicon.is_placeholder(contact),
            condition=condition,
        )
    )


def _tier(text: str) -> int | None:
    match = _TIER.search(lexicon.fold_accents(text))
    return int(match.group(1)) if match else None


def _response(text: str) -> int | None:
    span = lexicon.duration_minutes(text)
    return span[1] if span else None


def _role_name(label: str) -> str:
    return strip_decorations(re.sub(_TIER, "", label)).strip(" -:") or label


# -- checklists, metrics, templates, fallbacks -----------------------------------------------------
def _checklists(parts: DocumentParts, node: Node) -> None:
    title = strip_decorations(node.title)
    groups: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    for unit in node.units:
        if unit.kind == "paragraph" and unit.label is not None:
            current = (unit.label, [])
            groups.append(current)
        elif unit.kind == "item":
            if current is None:
                current = ("", [])
                groups.append(current)
            current[1].append(unit.text.split("\n", 1)[0].strip())
    for label, items in groups:
        if items:
            name = f"{title} — {label}" if label else title
            parts.checklists.append(Checklist(title=name, items=tuple(items), line=node.line))
    for child in node.children:
        items = [u.text.split("\n", 1)[0].strip() for u in child.units if u.kind == "item"]
        if items:
            name = strip_decorations(child.title)
            if lexicon.document_part(child.title) != "checklist":
                name = f"{title} — {name}"  # a phase ("Immédiat") needs its checklist's name
            parts.checklists.append(Checklist(title=name, items=tuple(items), line=child.line))
        for unit in child.units:
            for fence in unit.fences:
                _fence(parts, fence, child.title)


def _metrics(parts: DocumentParts, node: Node) -> None:
    for unit in node.walk_units():
        if unit.kind != "table" or len(unit.rows) < 2:
            continue
        header = [fold(cell) for cell in unit.rows[0]]
        target_col = next(
            (i for i, h in enumerate(header) if re.search(r"target|cible|objectif", h)), 1
        )
        current_col = next(
            (i for i, h in enumerate(header) if re.search(r"current|actuel|valeur", h)), None
        )
        for row in unit.rows[1:]:
            if len(row) > target_col:
                current = (
                    row[current_col] if current_col is not None and current_col < len(row) else None
                )
                parts.metrics.append(
                    Metric(
                        name=row[0],
                        target=row[target_col],
                        current=None if current in {None, "-", ""} else current,
                    )
                )


def as_template(fence: Fence, container: str) -> Template | None:
    """A markdown or untagged prose block is a template (post-mortem, report, alert message)."""
    lang = (fence.lang or "").lower()
    if lang not in {"markdown", "md", "text", "txt", ""} or _looks_like_shell(fence.content):
        return None
    folded = lexicon.fold_accents(fence.content).lower()
    if "post-mortem" in folded or "postmortem" in folded:
        kind = "post_mortem"
    elif "incident report" in folded or "rapport d'incident" in folded:
        kind = "incident_report"
    elif "incident" in folded and ("alert" in folded or "status" in folded):
        kind = "alert_message"
    elif lang in {"markdown", "md"} or re.search(
        r"\b(?:message|annonce|notification)\b", lexicon.fold_accents(container).lower()
    ):
        kind = "text"
    else:
        return None
    return Template(
        kind=kind, title=strip_decorations(container), text=fence.content, line=fence.first_line - 1
    )


def _fence(parts: DocumentParts, fence: Fence, container: str) -> None:
    template = as_template(fence, container)
    if template is not None:
        parts.templates.append(template)
        return
    lines = split_block(fence.content, lang=fence.lang, first_line=fence.first_line)
    parts.command_blocks.append(
        CodeBlock(
            lang=fence.lang, line_start=fence.first_line - 1, line_end=fence.last_line, lines=lines
        )
    )


def _looks_like_shell(content: str) -> bool:
    return bool(
        re.search(r"^\s*(?:\$ |sudo |docker |kubectl |curl |psql |git |cd )", content, re.MULTILINE)
    )


def read_fallbacks(parts: DocumentParts, rows: list[list[str]]) -> None:
    header = [fold(cell) for cell in rows[0]] if rows else []
    if (
        len(header) >= 2
        and re.search(r"primary|principal|primaire", header[0])
        and any("fallback" in h or "secours" in h for h in header[1:])
    ):
        for row in rows[1:]:
            if row and row[0].strip():
                parts.fallbacks.append(
                    Fallback(
                        primary=row[0].strip(),
                        fallbacks=tuple(c.strip() for c in row[1:] if c.strip()),
                    )
                )
