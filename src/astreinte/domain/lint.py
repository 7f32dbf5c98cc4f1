"""What an on-call engineer wants fixed in a runbook before 3 a.m.

`lint(runbook, today=…)` returns findings; `lint_source(data, source=…, today=…)` parses first and
can then also point at the exact line of a metadata field and check anchors against every heading.
Nothing here reads files or the clock: the caller passes `today` and, for link checks, which link
targets exist.

| rule                        | severity | what it catches                                      |
|-----------------------------|----------|------------------------------------------------------|
| placeholder-contact         | error    | escalation contact that is a stand-in ("À définir",  |
|                             |          | "+33 X XX…", empty)                                  |
| secret-printed              | error    | command that prints a secret (`echo $JWT_SECRET`,    |
|                             |          | `cat .env`, `railway variables`, `kubectl get secret |
|                             |          | -o yaml`), or holds one in clear (`redis-cli -a pw`, |
|                             |          | `postgres://u:pw@`, `KEY=value`, a JWT, an API key)  |
| review-overdue              | warning  | the next review date is before `today`               |
| placeholder-date            | warning  | a review or update date that is a stand-in ("[AUTO]")|
| no-review-date              | note     | no next review, no version and no date at all        |
| missing-rollback            | warning  | procedure runs lasting changes (not a mere restart)  |
|                             |          | and never says how to undo them                      |
| missing-validation          | warning  | procedure runs changes and never says how to check   |
|                             | note     | the fix worked; a note when it runs no change        |
| destructive-without-warning | warning  | destructive command with no warning in the comments  |
|                             |          | just above it, on its line or in its section's text  |
| dead-link                   | warning  | relative link whose target does not exist            |
| dead-anchor                 | warning  | `#anchor` link that matches no heading (GitHub slugs)|
| duplicate-procedure         | warning  | two procedures with one title (case, accents folded) |
| no-procedure                | warning  | the document holds no procedure                      |
| parse                       | note     | what the parser had to guess or skip                 |
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal
from urllib.parse import unquote

from astreinte.domain.runbook.lexicon import fold_accents
from astreinte.domain.runbook.markdown import Node, parse_tree
from astreinte.domain.runbook.model import (
    CodeBlock,
    CodeLine,
    Diagnostic,
    LineKind,
    Link,
    Procedure,
    Risk,
    Runbook,
    Section,
    SectionKind,
)

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str


RULES: Final[tuple[Rule, ...]] = (
    Rule("placeholder-contact", "error", "Escalation contact is a placeholder"),
    Rule("secret-printed", "error", "Command prints a secret or holds one in clear"),
    Rule("review-overdue", "warning", "Next review date has passed"),
    Rule("placeholder-date", "warning", "Review or update date is a placeholder"),
    Rule("no-review-date", "note", "No review date, version or update date"),
    Rule("missing-rollback", "warning", "Procedure changes the system without a rollback"),
    Rule("missing-validation", "warning", "Procedure has no validation step"),
    Rule("destructive-without-warning", "warning", "Destructive command without a warning"),
    Rule("dead-link", "warning", "Relative link to a file that does not exist"),
    Rule("dead-anchor", "warning", "Anchor link that matches no heading"),
    Rule("duplicate-procedure", "warning", "Two procedures share one title"),
    Rule("no-procedure", "warning", "Document holds no procedure"),
    Rule("parse", "note", "The parser had to guess or skip something"),
)
SEVERITY_RANK: Final[dict[str, int]] = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem; `line` is 1-based, or 0 when it concerns the whole document."""

    rule: str
    severity: Severity
    message: str
    line: int
    procedure: str | None = None


def lint_source(
    data: bytes | str,
    *,
    source: str,
    today: date,
    exists: Callable[[str], bool] | None = None,
) -> tuple[Runbook, list[Finding]]:
    """Parse a runbook and lint it, using its text for exact lines and for every heading.

    `exists(target)` says whether a relative link target (a normalised POSIX path relative to the
    runbook's folder, "../x.md" included) exists; None skips the dead-link check.
    """
    # Imported here: the parser pulls in the shell and SQL analysers, which the CLI's start-up
    # (and `lint` on an empty folder) need not pay for.
    from astreinte.domain.runbook.parse import parse

    runbook, diagnostics = parse(data, source=source)
    existing = None
    if exists is not None:
        existing = frozenset(target for target in relative_targets(runbook) if exists(target))
    findings = lint(
        runbook,
        today=today,
        source_dir_files=existing,
        diagnostics=diagnostics,
        text=runbook.text,
    )
    return runbook, findings


def lint(
    runbook: Runbook,
    *,
    today: date,
    source_dir_files: frozenset[str] | None = None,
    diagnostics: Sequence[Diagnostic] = (),
    text: str | None = None,
) -> list[Finding]:
    """Every finding for one runbook, sorted by line then severity.

    `source_dir_files`: paths relative to the runbook's folder that exist (None skips dead-link).
    `text`: the repaired Markdown the runbook was parsed from; with it, document-level findings
    point at their line and anchors are checked against every heading rather than the procedure
    and section titles only.
    """
    lines = text.split("\n") if text is not None else None
    findings: list[Finding] = []
    findings += _contacts(runbook, lines)
    findings += _review(runbook, today, lines)
    for procedure in runbook.procedures:
        findings += _procedure(procedure)
    findings += _commands(runbook)
    if source_dir_files is not None:
        findings += _dead_links(runbook, source_dir_files, lines)
    findings += _dead_anchors(runbook, text)
    findings += _duplicates(runbook)
    if not runbook.procedures:
        findings.append(
            Finding(
                "no-procedure",
                "warning",
                "No procedure found: give each incident or operation its own heading "
                "(e.g. '## Incident: API down') with Symptoms, Diagnosis and Mitigation sections.",
                0,
            )
        )
    for diagnostic in diagnostics:
        if not runbook.procedures and diagnostic.message.startswith("no procedure found"):
            continue  # already said, as no-procedure
        findings.append(Finding("parse", "note", _sentence(diagnostic.message), diagnostic.line))
    return sorted(findings, key=lambda f: (f.line, SEVERITY_RANK[f.severity], f.rule))


def relative_targets(runbook: Runbook) -> frozenset[str]:
    """The files the runbook's relative links point to, relative to its folder ("../x.md" kept)."""
    return frozenset(target for link in runbook.links if (target := _relative_target(link.url)))


# -- contacts and dates ----------------------------------------------------------------------------
def _contacts(runbook: Runbook, lines: list[str] | None) -> Iterator[Finding]:
    used: set[int] = set()
    for contact in runbook.escalation:
        if not contact.placeholder:
            continue
        line = _locate(lines, [contact.role, contact.contact], used) or _locate(
            lines, [contact.contact or contact.role], used
        )
        if line:
            used.add(line)
        shown = f"'{contact.contact}'" if contact.contact else "empty"
        yield Finding(
            "placeholder-contact",
            "error",
            f"Escalation contact for '{contact.role}' (tier {contact.tier}) is {shown}: "
            "put a real person and a number that answers at night.",
            line,
        )


_DATE_KEYS: Final = ("next_review", "last_review", "updated", "created", "date")
_DATE_NAMES: Final = {
    "next_review": "next review",
    "last_review": "last review",
    "updated": "last update",
    "created": "creation",
    "date": "document",
}


def _review(runbook: Runbook, today: date, lines: list[str] | None) -> Iterator[Finding]:
    meta = runbook.metadata
    for key in _DATE_KEYS:
        if meta.get(f"{key}_placeholder") == "true":
            yield Finding(
                "placeholder-date",
                "warning",
                f"The {_DATE_NAMES[key]} date is a placeholder ('{meta.get(key, '')}'): "
                "write a real date (YYYY-MM-DD).",
                _locate(lines, [meta.get(key, "")]),
            )
    next_iso = meta.get("next_review_iso")
    if next_iso:
        try:
            due = date.fromisoformat(next_iso)
        except ValueError:
            due = None
        if due is not None and due < today:
            days = (today - due).days
            yield Finding(
                "review-overdue",
                "warning",
                f"The next review was due on {due.isoformat()} ({days} days ago): review the "
                "runbook, then set the next review date.",
                _locate(lines, [meta.get("next_review", next_iso)]),
            )
    dated = any(meta.get(key) for key in (*_DATE_KEYS, "version"))
    if not dated:
        yield Finding(
            "no-review-date",
            "note",
            "The runbook has no version, no update date and no next review date: add "
            "'Last updated' and 'Next review' lines so readers know whether to trust it.",
            0,
        )


# -- procedures ------------------------------------------------------------------------------------
_ROLLBACK_WORDS: Final = re.compile(
    r"\b(?:rollback|roll back|revert\w*|retour arriere|undo|annul\w*|downgrade)\b"
)
_RECOVERY: Final = re.compile(
    r"\b(?:restart|reload|start|up|redeploy|rollback|revert|undo|scale|kill|stop|reboot|build|"
    r"test)\b",
    re.IGNORECASE,
)
_VALIDATION_WORDS: Final = re.compile(
    r"\b(?:validat\w*|verif\w*|verify\w*|smoke|health ?checks?|tests? post\w*|confirm\w*)\b"
)


def _procedure(procedure: Procedure) -> Iterator[Finding]:
    changes = [
        line
        for line in procedure.commands
        if line.assessment is not None
        and line.assessment.risk is not Risk.READ
        and not _only_exposes(line)
    ]
    # Restarting, scaling or a test call leaves nothing behind to roll back.
    lasting = [
        line
        for line in changes
        if line.assessment is not None
        and (line.assessment.risk is Risk.DESTRUCTIVE or not _RECOVERY.search(line.text))
    ]
    names = [_fold(s.title) for s in procedure.sections]
    names += [_fold(b) for s in procedure.sections for b in s.branches]
    has_rollback = any(s.kind is SectionKind.ROLLBACK for s in procedure.sections) or any(
        _ROLLBACK_WORDS.search(name) for name in names
    )
    has_validation = any(s.kind is SectionKind.VALIDATION for s in procedure.sections) or any(
        _VALIDATION_WORDS.search(name) for name in names
    )
    title = procedure.title
    if lasting and not has_rollback:
        yield Finding(
            "missing-rollback",
            "warning",
            f"Procedure '{title}' makes lasting changes ({_count(lasting, 'command')}, first at "
            f"line {lasting[0].line_no}) but never says how to undo them: add a Rollback section.",
            procedure.line_start,
            title,
        )
    if has_validation:
        return
    if changes:
        yield Finding(
            "missing-validation",
            "warning",
            f"Procedure '{title}' changes the system but has no validation step: add a "
            "Validation section saying how to check that the fix worked.",
            procedure.line_start,
            title,
        )
    else:
        yield Finding(
            "missing-validation",
            "note",
            f"Procedure '{title}' has no validation step: say how to check that the service "
            "is back.",
            procedure.line_start,
            title,
        )


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) != 1 else ''}"


# -- commands --------------------------------------------------------------------------------------
_WARNING_WORDS: Final = re.compile(
    r"⚠|❗|‼|🛑|☠|⛔|\b(?:warning|attention|danger\w*|perte|irreversible\w*|uniquement si|"
    r"seulement si|only if|caution|careful|prudence|backup first|backup avant|"
    r"sauvegarde (?:avant|d'abord)|(?:faire|prendre) un backup|data loss|destructi\w*|"
    r"ne jamais|never run)\b",
    re.IGNORECASE,
)


def _commands(runbook: Runbook) -> Iterator[Finding]:
    for procedure in runbook.procedures:
        for section in procedure.sections:
            for block in section.code_blocks:
                yield from _block(block, section, procedure.title)
    for block in runbook.command_blocks:
        yield from _block(block, None, None)


def _block(block: CodeBlock, section: Section | None, procedure: str | None) -> Iterator[Finding]:
    section_warns = section is not None and bool(_WARNING_WORDS.search(fold_accents(section.text)))
    for index, line in enumerate(block.lines):
        if line.assessment is not None:
            secret = _secret_problem(line.text)
            if secret is not None:
                yield Finding("secret-printed", "error", secret, line.line_no, procedure)
        if not _destroys(line):
            continue
        if section_warns or _warned_above(block.lines, index) or _warned_inline(line.text):
            continue
        yield Finding(
            "destructive-without-warning",
            "warning",
            f"Destructive command '{_short(line.text)}' has no warning next to it: add a comment "
            "just above saying what it destroys and when to run it (e.g. '# ⚠ irréversible: "
            "only if …').",
            line.line_no,
            procedure,
        )


def _destroys(line: CodeLine) -> bool:
    """Destructive for the system, not only because it shows a secret (secret-printed says that)."""
    return (
        line.assessment is not None
        and line.assessment.risk is Risk.DESTRUCTIVE
        and not _only_exposes(line)
    )


_SHOWS: Final = re.compile(
    r"^(?:sudo\s+)?(?:echo|printf|cat|less|more|head|tail|bat|grep|printenv|env)\b(?!.*(?:>|\btee\b))"
)


def _only_exposes(line: CodeLine) -> bool:
    """A sensitive command that only shows something: the seed labels call exposing a secret
    destructive, but it changes nothing to undo or to warn about before running."""
    if line.assessment is None or not line.assessment.sensitive:
        return False
    text = line.text.strip()
    return bool(_SHOWS.match(text)) or any(p.search(text) for p, _, _ in _PRINTS)


def _warned_above(lines: Sequence[CodeLine], index: int) -> bool:
    """True when the comment lines right above the command carry a warning."""
    for previous in reversed(lines[:index]):
        if previous.kind is not LineKind.COMMENT:
            return False
        if _WARNING_WORDS.search(fold_accents(previous.text)):
            return True
    return False


def _warned_inline(command: str) -> bool:
    _, sep, comment = command.partition(" #")
    return bool(sep) and bool(_WARNING_WORDS.search(fold_accents(comment)))


# A variable whose name says it holds a secret; ACCOUNT_SID, $PWD and the like are not secrets.
_SECRET_NAME: Final = (
    r"[A-Za-z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|"
    r"DATABASE_URL|REDIS_URL|DSN|_PASS|_PWD|_KEY)[A-Za-z0-9_]*"
)
_PRINTS: Final[tuple[tuple[re.Pattern[str], str, str], ...]] = (
    (
        re.compile(rf"\b(?:echo|printf)\b[^|;&]*\$\{{?(?P<name>{_SECRET_NAME})\b", re.IGNORECASE),
        "prints ${name} to the terminal, the scrollback and any shared screen",
        'check it without showing it: test -n "${name}" && echo set',
    ),
    (
        re.compile(r"\bprintenv\b|(?:^|[|;&]\s*|\bexec\s+(?:-\w+\s+)*\S+\s+)env\s*(?:$|\|)"),
        "prints every environment variable, secrets included",
        "list the names only: env | cut -d= -f1",
    ),
    (
        re.compile(
            r"\b(?:cat|less|more|head|tail|bat|grep|type)\b[^|;&]*?(?P<file>(?:\S*/)?"
            r"(?:\.env[\w.-]*|env\.[\w.-]+|[\w.-]*\.pem|id_rsa|\.pgpass|\.netrc|"
            r"credentials(?:\.json)?|secrets?\.ya?ml))(?:\s|$|[|;&])"
        ),
        "prints the secret file {file}",
        "list its keys only: cut -d= -f1 {file}",
    ),
    (
        re.compile(r"\brailway\s+variables\b(?!.*\b(?:set|delete|unset)\b)"),
        "lists every Railway variable with its value",
        "show the names only: railway variables --kv | cut -d= -f1",
    ),
    (
        re.compile(r"\bheroku\s+config\b(?!:)(?!.*\bset\b)"),
        "lists every Heroku config variable with its value",
        "show the names only: heroku config --json | jq keys",
    ),
    (
        re.compile(
            r"\bkubectl\b.*\bget\s+secrets?\b.*(?:-o\s*=?\s*|--output[= ])"
            r"(?:yaml|json|jsonpath|go-template)"
        ),
        "prints Kubernetes secret values",
        "check the keys only: kubectl describe secret NAME",
    ),
    (
        re.compile(
            r"\b(?:aws\s+secretsmanager\s+get-secret-value|gcloud\s+secrets\s+versions\s+"
            r"access|vault\s+(?:kv\s+get|read)|doppler\s+secrets(?:\s+get)?\s*(?:$|\|))"
        ),
        "prints a secret from the secret store",
        "compare a hash of it instead of showing it",
    ),
)
_PLACEHOLDER_VALUE: Final = re.compile(
    r"^(?:\$|<|\{|\[|%|\*+$|x+$|\.\.\.|…|-+$)|^(?:changeme|redacted|\*\*\*|true|false|yes|no|on|"
    r"off|none|null|value|example|placeholder|dummy|\d{1,6})$",
    re.IGNORECASE,
)
_LITERALS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (
        re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:(?P<value>[^\s@/'\"]+)@", re.IGNORECASE),
        "a password inside a connection URL",
    ),
    (re.compile(r"\bredis-cli\b.*?\s(?:-a|--pass)\s+(?P<value>\S+)"), "a Redis password after -a"),
    (re.compile(r"(?:^|\s)--password[= ](?P<value>\S+)"), "a password after --password"),
    (re.compile(r"\bmysql\w*\b.*\s-p(?P<value>[^\s-]\S*)"), "a MySQL password after -p"),
    (
        re.compile(r"\bcurl\b.*\s(?:-u|--user)\s+['\"]?[^\s:'\"]+:(?P<value>[^\s'\"@]+)"),
        "a password after curl -u",
    ),
    (
        re.compile(rf"\b(?:PGPASSWORD|MYSQL_PWD|{_SECRET_NAME})=(?P<value>[^\s;&|]+)"),
        "a secret value",
    ),
    (re.compile(r"--from-literal=[\w.-]+=(?P<value>[^\s;&|]+)"), "a secret value"),
    (
        re.compile(
            r"\bAuthorization:\s*(?:Bearer|Basic|Token)\s+(?P<value>[A-Za-z0-9._~+/=-]{16,})",
            re.IGNORECASE,
        ),
        "a token in an Authorization header",
    ),
    (
        re.compile(r"(?P<value>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
        "a JSON Web Token",
    ),
    (
        re.compile(
            r"(?P<value>\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|"
            r"xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|"
            r"sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|SG\.[\w-]{16,}\.[\w-]{16,}|"
            r"glpat-[\w-]{20,})\b)"
        ),
        "an API key",
    ),
    (re.compile(r"(?P<value>-----BEGIN [A-Z ]*PRIVATE KEY-----)"), "a private key"),
)


def _secret_problem(command: str) -> str | None:
    """A sentence saying how `command` exposes a secret, and what to do instead; None if not."""
    shown = _short(command)
    for pattern, what, instead in _PRINTS:
        match = pattern.search(command)
        if match is not None:
            found = {"name": "VAR", "file": ".env"} | {
                k: v for k, v in match.groupdict().items() if v
            }
            return f"'{shown}' {what.format(**found)}; {instead.format(**found)}."
    for pattern, what in _LITERALS:
        match = pattern.search(command)
        if match is None:
            continue
        value = match.group("value").strip("'\"")
        if not value or _PLACEHOLDER_VALUE.search(value):
            continue
        return (
            f"'{shown}' holds {what} in clear: read it from an environment variable or a "
            "secret store instead, and rotate it if it is real."
        )
    return None


# -- links -----------------------------------------------------------------------------------------
_SCHEME: Final = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _relative_target(url: str) -> str | None:
    url = url.strip().strip("<>")
    if not url or url.startswith(("#", "/", "//", "{", "$")) or _SCHEME.match(url):
        return None
    path = unquote(re.split(r"[?#]", url, maxsplit=1)[0])
    if not path:
        return None
    return posixpath.normpath(path)


def _dead_links(
    runbook: Runbook, existing: frozenset[str], lines: list[str] | None
) -> Iterator[Finding]:
    for link in runbook.links:
        target = _relative_target(link.url)
        if target is None or target in existing:
            continue
        yield Finding(
            "dead-link",
            "warning",
            f"Link '{link.text}' points to '{link.url}', which does not exist next to the "
            "runbook: fix the path or remove the link.",
            _link_line(link, lines),
        )


def _link_line(link: Link, lines: list[str] | None) -> int:
    """The line of the link itself: the parser records where its paragraph or item starts."""
    if lines is None or link.line <= 0:
        return link.line
    for number in range(link.line, min(len(lines), link.line + 40) + 1):
        if link.url in lines[number - 1]:
            return number
    return link.line


def github_slug(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation and emoji dropped, ' ' → '-'."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _loose(slug: str) -> str:
    # Renderers disagree on the dashes an emoji or "&" leaves behind; compare without them.
    return re.sub(r"-+", "-", slug).strip("-")


def _anchors(runbook: Runbook, text: str | None) -> set[str]:
    titles: list[str] = []
    if text is not None:
        titles += [node.title for node in _nodes(parse_tree(text))]
        explicit = re.findall(r"""(?:id|name)=["']([^"']+)["']|\{#([\w-]+)\}""", text)
        anchors = {a or b for a, b in explicit}
    else:
        titles.append(runbook.title)
        for procedure in runbook.procedures:
            titles += [procedure.title, procedure.parent or ""]
            titles += [section.title for section in procedure.sections]
        titles += [checklist.title for checklist in runbook.checklists]
        titles += [template.title for template in runbook.templates]
        anchors = set()
    slugs: list[str] = []
    for title in titles:
        base = github_slug(title)
        count = slugs.count(base)
        slugs.append(base)
        anchors.add(base if count == 0 else f"{base}-{count}")
    return {_loose(unquote(anchor).lower()) for anchor in anchors}


def _nodes(node: Node) -> Iterator[Node]:
    for child in node.children:
        yield child
        yield from _nodes(child)


def _dead_anchors(runbook: Runbook, text: str | None) -> Iterator[Finding]:
    lines = text.split("\n") if text is not None else None
    links = [link for link in runbook.links if link.url.startswith("#") and len(link.url) > 1]
    if not links:
        return
    known = _anchors(runbook, text)
    for link in links:
        if _loose(unquote(link.url[1:]).lower()) in known:
            continue
        yield Finding(
            "dead-anchor",
            "warning",
            f"Link '{link.text}' points to '{link.url}', which matches no heading: fix the "
            "anchor or the heading.",
            _link_line(link, lines),
        )


# -- duplicates ------------------------------------------------------------------------------------
def _duplicates(runbook: Runbook) -> Iterator[Finding]:
    seen: dict[str, Procedure] = {}
    for procedure in runbook.procedures:
        key = re.sub(r"[\W_]+", " ", _fold(procedure.title)).strip()
        first = seen.setdefault(key, procedure)
        if first is procedure:
            continue
        yield Finding(
            "duplicate-procedure",
            "warning",
            f"Procedure '{procedure.title}' has the same title as the one at line "
            f"{first.line_start}: rename one so that alerts and people find the right one.",
            procedure.line_start,
            procedure.title,
        )


# -- small pieces ----------------------------------------------------------------------------------
def _fold(text: str) -> str:
    return fold_accents(text).lower()


def _short(command: str, width: int = 60) -> str:
    one_line = " ".join(command.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return "The parser reported a problem."
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def _locate(lines: list[str] | None, needles: Iterable[str], used: set[int] | None = None) -> int:
    """The first line (1-based) holding every needle, skipping `used`; 0 when unknown."""
    wanted = [_fold(n).strip() for n in needles if n and n.strip()]
    if lines is None or not wanted:
        return 0
    for number, line in enumerate(lines, start=1):
        if used and number in used:
            continue
        folded = _fold(line)
        if all(needle in folded for needle in wanted):
            return number
    return 0
