"""Shell text cut into simple commands: bashlex first, a quote-aware tokeniser when it fails.

A simple command is one program call with its `VAR=x` prefixes, redirections, expanded
`$VARIABLES` and what feeds its stdin; pipelines, `&&`, `;` and `$(…)` yield several.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Final

import bashlex

from astreinte.domain.commands.placeholders import TAG

# bashlex is recursive and slow on pathological input; past this size only tokens are used.
_MAX_PARSED_CHARS: Final = 8_000
# Redirection targets that are not files: writing to them changes nothing.
NULL_TARGETS: Final = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", ""})
ASSIGNMENT: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True, slots=True)
class Redirect:
    op: str  # ">", ">>", "<", "<<", "<<<", ">&", "&>"
    target: str


@dataclass(frozen=True, slots=True)
class Simple:
    """One simple command: words, `VAR=x` prefixes, redirections, and what feeds its stdin."""

    argv: tuple[str, ...]
    assignments: tuple[str, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    params: tuple[str, ...] = ()  # names of the $VARIABLES it expands
    heredoc: str | None = None
    stdin: Simple | None = None  # the previous stage of its pipeline


def strip_prompt(text: str) -> str:
    stripped = text.lstrip()
    for prompt in ("$ ", "❯ ", "% "):
        if stripped.startswith(prompt):
            return stripped[len(prompt) :]
    return text


def prepare(text: str) -> str:
    """Drop unquoted `# comments`, join `\\`-continuations, quote `<placeholder>` words.

    bashlex rejects comments in some positions and reads `<deployment-id>` as a redirection.
    """
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\" and i + 1 < len(text):
            if text[i + 1] == "\n" and quote != "'":
                out.append(" ")
                i += 2
                continue
            out.append(text[i : i + 2])
            i += 2
            continue
        elif quote == '"':
            quote = "" if char == '"' else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or text[i - 1] in " \t\n;|&("):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif char == "<" and (i == 0 or text[i - 1] not in "<>&0123456789"):
            match = TAG.match(text, i)
            if match and text[match.end() : match.end() + 1] not in (">", "&"):
                out.append("'" + match.group(0) + "'")
                i = match.end()
                continue
        out.append(char)
        i += 1
    return "".join(out)


def parse_simples(source: str) -> list[Simple]:
    """The simple commands of prepared shell text, in order; never raises for bad syntax."""
    if len(source) > _MAX_PARSED_CHARS:
        return token_simples(source)
    try:
        trees: list[object] = list(bashlex.parse(source))
    except Exception:  # bashlex raises its own errors, and NotImplementedError on some syntax
        return token_simples(source)
    found: list[Simple] = []
    for tree in trees:
        _walk(tree, found, None)
    return found


# bashlex nodes are untyped; these read them defensively.


def _kind(node: object) -> str:
    kind = getattr(node, "kind", "")
    return kind if isinstance(kind, str) else ""


def _children(node: object, name: str) -> list[object]:
    value = getattr(node, name, None)
    return list(value) if isinstance(value, list) else []


def _text_attr(node: object, name: str) -> str:
    value = getattr(node, name, "")
    return value if isinstance(value, str) else ""


def _walk(node: object, found: list[Simple], stdin: Simple | None) -> Simple | None:
    """Collect the simple commands under a bashlex node; returns the one it is, if it is one."""
    kind = _kind(node)
    if kind == "command":
        simple = _simple_of(node, found, stdin)
        found.append(simple)
        return simple
    if kind == "pipeline":
        previous: Simple | None = None
        for part in _children(node, "parts"):
            if _kind(part) != "pipe":
                previous = _walk(part, found, previous)
        return None
    for name in ("parts", "list"):
        for child in _children(node, name):
            _walk(child, found, None)
    inner = getattr(node, "command", None)
    if inner is not None:
        _walk(inner, found, None)
    return None


def _simple_of(node: object, found: list[Simple], stdin: Simple | None) -> Simple:
    argv: list[str] = []
    assignments: list[str] = []
    redirects: list[Redirect] = []
    params: list[str] = []
    heredoc: str | None = None
    for part in _children(node, "parts"):
        kind = _kind(part)
        _collect_expansions(part, found, params)
        if kind == "word":
            argv.append(_text_attr(part, "word"))
        elif kind == "assignment" and not argv:
            assignments.append(_text_attr(part, "word"))
        elif kind == "assignment":
            argv.append(_text_attr(part, "word"))
        elif kind == "redirect":
            op = _text_attr(part, "type")
            target = getattr(part, "output", None)
            target_text = _text_attr(target, "word") if target is not None else ""
            if isinstance(target, int):
                target_text = f"&{target}"
            document = getattr(part, "heredoc", None)
            if document is not None:
                heredoc = _text_attr(document, "value").rsplit("\n", 1)[0]
            redirects.append(Redirect(op, target_text))
    return Simple(tuple(argv), tuple(assignments), tuple(redirects), tuple(params), heredoc, stdin)


def _collect_expansions(node: object, found: list[Simple], params: list[str]) -> None:
    """Find `$VAR` names and run `$(…)` commands nested inside a word."""
    for child in [*_children(node, "parts"), getattr(node, "output", None)]:
        if child is None:
            continue
        kind = _kind(child)
        if kind == "parameter":
            params.append(_text_attr(child, "value"))
        elif kind in ("commandsubstitution", "processsubstitution"):
            inner = getattr(child, "command", None)
            if inner is not None:
                _walk(inner, found, None)
            continue
        _collect_expansions(child, found, params)


# Token-based fallback: the same simple commands, cut by a small quote-aware scanner.

_SEPARATORS: Final = ("&&", "||", ";;", ";", "&", "\n", "|")
_REDIRECT_TOKEN: Final = re.compile(r"^(\d*|&)(>>|>&|>|<<<|<<|<)(.*)$")
_VARIABLE: Final = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SUBSTITUTION: Final = re.compile(r"\$\(([^()]*)\)|`([^`]*)`")


def token_simples(text: str) -> list[Simple]:
    """The simple commands of `text` without a parser: for when bashlex cannot read it."""
    found: list[Simple] = []
    previous: Simple | None = None
    for segment, piped in _segments(text):
        for match in _SUBSTITUTION.finditer(segment):
            found.extend(token_simples(match.group(1) or match.group(2) or ""))
        simple = _token_simple(segment, previous if piped else None)
        if simple is not None:
            found.append(simple)
        previous = simple
    return found


def _segments(text: str) -> list[tuple[str, bool]]:
    """Split on unquoted `|`, `&&`, `;`… ; the flag says whether the segment reads a pipe."""
    segments: list[tuple[str, bool]] = []
    current: list[str] = []
    piped = False
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            separator = next((s for s in _SEPARATORS if text.startswith(s, i)), "")
            if separator:
                segments.append(("".join(current), piped))
                current, piped = [], separator == "|"
                i += len(separator)
                continue
        current.append(char)
        i += 1
    segments.append(("".join(current), piped))
    return [(segment, flag) for segment, flag in segments if segment.strip()]


def _token_simple(segment: str, stdin: Simple | None) -> Simple | None:
    try:
        tokens = shlex.split(segment, posix=True)
    except ValueError:  # unbalanced quotes
        tokens = segment.split()
    assignments: list[str] = []
    while tokens and ASSIGNMENT.match(tokens[0]):
        assignments.append(tokens.pop(0))
    argv: list[str] = []
    redirects: list[Redirect] = []
    index = 0
    while index < len(tokens):
        match = _REDIRECT_TOKEN.match(tokens[index])
        if match:
            target = match.group(3)
            if not target and index + 1 < len(tokens):
                index += 1
                target = tokens[index]
            redirects.append(Redirect(match.group(2), target))
        else:
            argv.append(tokens[index])
        index += 1
    if not (argv or assignments or redirects):
        return None
    unquoted = re.sub(r"'[^']*'", "", segment)
    params = tuple(m.group(1) for m in _VARIABLE.finditer(unquoted))
    return Simple(tuple(argv), tuple(assignments), tuple(redirects), params, None, stdin)
