"""Markdown → a tree of headings holding "units" (paragraphs, list items, fences, tables).

markdown-it-py does the parsing, so headings inside code fences, indented fences inside list items
and setext headings are handled the CommonMark way. The parser above works on this tree only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

# A label written in bold and followed by a colon, inside or outside the bold:
# "**Symptômes:**", "**Symptômes** :", "1. **Hotfix:**", "⏱️ **Temps estimé:** 2-3 minutes".
_LABEL = re.compile(
    r"^(?P<pre>[^\w*`\[]{0,6}?)\*\*(?P<label>[^*\n]{1,80}?)\*\*\s*(?P<rest>.*)$", re.DOTALL
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_CHECKBOX = re.compile(r"^\[( |x|X)\]\s+")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)


@dataclass(slots=True)
class Fence:
    lang: str | None
    content: str
    first_line: int  # 1-based line of the first content line
    last_line: int


@dataclass(slots=True)
class Unit:
    """A top-level block of a heading's body; lists are split into their top-level items."""

    kind: str  # paragraph, item, fence, table, blockquote, html, hr
    start: int  # 1-based, inclusive
    end: int
    source: str
    text: str  # plain text (markdown marks removed), nested list items joined by newlines
    label: str | None = None
    rest: str = ""
    ordered: bool = False
    checkbox: bool | None = None
    fences: list[Fence] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)  # tables: header row first
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Node:
    title: str  # plain text of the heading
    level: int  # 0 for the document root
    line: int
    units: list[Unit] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    end: int = 0

    def walk_units(self) -> list[Unit]:
        """Every unit of this node and of its descendants, in document order."""
        out = list(self.units)
        for child in self.children:
            out.extend(child.walk_units())
        return sorted(out, key=lambda unit: unit.start)


def front_matter(text: str) -> tuple[str, dict[str, str]]:
    """Blank out a YAML front matter block (keeping line numbers) and return its simple fields."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return text, {}
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "-")):
            fields[key.strip().lower()] = value.strip().strip("'\"")
    blank = "\n" * match.group(0).count("\n")
    return blank + text[match.end() :], fields


def parse_tree(text: str) -> Node:
    """The heading tree of a document; the root (level 0) holds what comes before any heading."""
    lines = text.split("\n")
    tokens = _MD.parse(text)
    root = Node(title="", level=0, line=1, end=len(lines))
    stack = [root]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        close = _closing(tokens, index)
        if token.type == "heading_open":
            level = int(token.tag[1])
            inline = tokens[index + 1]
            start = _line(token)
            while stack[-1].level >= level:
                stack.pop().end = start - 1
            node = Node(title=_plain(inline), level=level, line=start)
            stack[-1].children.append(node)
            stack.append(node)
        elif token.type in {"bullet_list_open", "ordered_list_open"}:
            stack[-1].units.extend(_list_items(tokens[index : close + 1], lines))
        else:
            unit = _unit(tokens[index : close + 1], lines)
            if unit is not None:
                stack[-1].units.append(unit)
        index = close + 1
    for node in stack:
        node.end = len(lines)
    return root


def _closing(tokens: list[Token], index: int) -> int:
    """Index of the token closing the block opened at `index` (itself for leaf blocks)."""
    if tokens[index].nesting != 1:
        return index
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _source(lines: list[str], token: Token) -> str:
    if not token.map:
        return token.content
    return "\n".join(lines[token.map[0] : token.map[1]])


def _plain(inline: Token) -> str:
    """Text of an inline token without markdown marks; inline code keeps its content."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in {"text", "code_inline", "html_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def _links(tokens: list[Token]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for token in tokens:
        children = token.children or []
        for position, child in enumerate(children):
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                label = children[position + 1].content if position + 1 < len(children) else href
                found.append((label, href))
    return found


def _fences(tokens: list[Token]) -> list[Fence]:
    found: list[Fence] = []
    for token in tokens:
        if token.type not in {"fence", "code_block"} or not token.map:
            continue
        lang = token.info.strip().split()[0] if token.info.strip() else None
        # A fence's content starts on the line after its opening marker; an indented block at once.
        first = token.map[0] + (2 if token.type == "fence" else 1)
        found.append(
            Fence(lang=lang, content=token.content, first_line=first, last_line=token.map[1])
        )
    return found


def _inline_text(tokens: list[Token]) -> str:
    return "\n".join(_plain(t) for t in tokens if t.type == "inline").strip()


def _unit(tokens: list[Token], lines: list[str]) -> Unit | None:
    head = tokens[0]
    if not head.map:
        return None
    kind = {
        "paragraph_open": "paragraph",
        "fence": "fence",
        "code_block": "fence",
        "table_open": "table",
        "blockquote_open": "blockquote",
        "html_block": "html",
        "hr": "hr",
    }.get(head.type, "other")
    source = _source(lines, head)
    unit = Unit(
        kind=kind,
        start=head.map[0] + 1,
        end=head.map[1],
        source=source,
        text=_inline_text(tokens),
        fences=_fences(tokens),
        links=_links(tokens),
    )
    if kind == "html":
        unit.text = re.sub(r"<[^>]+>", " ", head.content).strip()
    if kind == "table":
        unit.rows = _table_rows(tokens)
    if kind == "paragraph":
        _set_label(unit, source)
    return unit


def _table_rows(tokens: list[Token]) -> list[list[str]]:
    rows: list[list[str]] = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(_plain(token))
    return rows


def _list_items(tokens: list[Token], lines: list[str]) -> list[Unit]:
    ordered = tokens[0].type == "ordered_list_open"
    items: list[Unit] = []
    index = 1
    while index < len(tokens) - 1:
        token = tokens[index]
        close = _closing(tokens, index)
        if token.type == "list_item_open" and token.map:
            body = tokens[index : close + 1]
            source = _source(lines, token)
            first_line = _LIST_MARKER.sub("", source.split("\n", 1)[0], count=1)
            checkbox_match = _CHECKBOX.match(first_line)
            unit = Unit(
                kind="item",
                start=token.map[0] + 1,
                end=token.map[1],
                source=source,
                text=_CHECKBOX.sub("", _inline_text(body), count=1),
                ordered=ordered,
                fences=_fences(body),
                links=_links(body),
            )
            if checkbox_match:
                unit.checkbox = checkbox_match.group(1) != " "
                first_line = first_line[checkbox_match.end() :]
            _set_label(unit, first_line)
            items.append(unit)
        index = close + 1
    return items


def _set_label(unit: Unit, first_line: str) -> None:
    """Record a bold label ending with a colon (inside or just after the bold)."""
    match = _LABEL.match(first_line.strip())
    if match is None:
        return
    label, rest = match.group("label").strip(), match.group("rest").strip()
    if label.endswith(":"):
        unit.label, unit.rest = label.rstrip(": ").strip(), rest
    elif rest.startswith(":"):
        unit.label, unit.rest = label.strip(), rest[1:].strip()
    elif not rest and unit.kind == "paragraph" and "\n" not in first_line.strip():
        # A bold line standing alone ("**Niveau 1 - DevOps**") labels what follows it.
        unit.label = label
