"""A fenced code block of a runbook → its logical lines, each with a kind and, if it runs, a risk.

Runbook blocks are not clean scripts: a `bash` block mixes commands with dashboard steps
(`Project → "Redeploy"`), status-page URLs, TypeScript to paste into the app, the content of
a file, and SQL typed into the `psql` session opened by the line above. `split_block` sorts each
line into a `LineKind`, joins the lines that form one unit (`psql -c "` … `"`, `\\` continuations,
SQL up to its `;`, heredocs), and asks `commands.assess` for the risk of what would run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from astreinte.domain.commands import assess, is_known_program, opens_sql_session
from astreinte.domain.runbook.model import CodeLine, LineKind


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Fence languages, by what their lines are. Anything else is sniffed from the lines themselves.
_SHELL: Final = _names(
    "bash sh shell zsh ksh fish console shell-session shellsession sh-session terminal "
    "powershell ps1 pwsh cmd bat batch"
)
_TRANSCRIPT: Final = _names("console shell-session shellsession sh-session terminal")
_SQL: Final = _names("sql psql postgres postgresql pgsql plpgsql mysql sqlite tsql plsql")
_CODE: Final = _names(
    "javascript js jsx mjs cjs typescript ts tsx rust rs python py python3 go golang java kotlin "
    "kt ruby rb php c cpp c++ cs csharp swift scala dart elixir ex lua perl r vue svelte"
)
_HASH_COMMENTS: Final = _names("python py python3 ruby rb perl r elixir ex")
_TEXT: Final = _names(
    "markdown md text txt plain plaintext none log output yaml yml json toml ini conf nginx "
    "apache env dotenv xml html css diff csv properties hcl http email dockerfile"
)

_PROMPT: Final = re.compile(r"^(\$|❯|%)( |$)")
_URL: Final = re.compile(r"^(https?|ftp|wss?)://\S+$|^www\.\S+\.\w+\S*$")
_NUMBERED_STEP: Final = re.compile(r"^\d+[.)]\s+\S")
_UI_VERB: Final = re.compile(
    r"^(Click|Cliquer|Clic|Aller|Go to|Open|Ouvrir|Select|Sélectionner|Naviguer|Navigate|"
    r"Confirmer|Confirm|Choisir|Choose|Appuyer|Press)\b"
)
_DASHBOARD_VALUE: Final = re.compile(
    r"^[A-Z_][A-Z0-9_]*=\S*\s+\(.*\)\s*$"
)  # KEY=20 (au lieu de 10)
_MENU_PATH: Final = re.compile(r"^[A-Z][^|$=]*?\s>\s[A-Z]")  # Settings > Environment Variables
_UI_WORDS: Final = re.compile(
    r"(?i)\b(dashboard|panel|console|settings|paramètres|parametres|metrics|analytics|"
    r"deployments|onglet|menu|bouton|button|portal|portail|interface|hébergeur|"
    r"environment variables|ui)\b"
)
_SETTING_CHANGE: Final = re.compile(r"^[\w .'-]+:\s*\d+\s*(→|->|=>)\s*\d+")  # Pool size: 10 → 40
_ARROWS: Final = ("→", "⇒", "➜")
_KEY_VALUE: Final = re.compile(r"^[A-Za-z_][\w.-]*:(\s|$)")  # time_total: %{time_total}
_CODE_START: Final = re.compile(
    r"^(const|let|var|function|class|interface|enum|def|fn|pub|impl|struct|trait|package|"
    r"import\s+[\w{*\"']|from\s+[\w.]+\s+import\b|use\s+[\w:]+|async\s+(fn|function|def)\b|"
    r"await\s|return\b|module\.exports|require\(|if\s*\(|for\s*\(|while\s*\(|switch\s*\(|"
    r"try\s*\{|catch\s*\(|\}\s*else\b|export\s+(default|const|let|function|class|async|"
    r"interface|type|enum|\{))"
)
_CODE_SHAPE: Final = re.compile(r"^([\]\)\}]+[;,)\]]*|\.[A-Za-z_]\w*[\(?;].*|@\w+.*\(.*)$")
_PSQL_META: Final = re.compile(
    r"^\\(d[a-zA-Z+]*|l\+?|c|connect|conninfo|x|q|i|ir|copy|timing|pset|set|echo|o|g|gx|watch|"
    r"!|\?|h|password|encoding|sf|sv|z)(\s|$)"
)
# Statements that open a SQL line anywhere; the weaker ones only inside a psql session.
_SQL_STRONG: Final = _names(
    "SELECT INSERT UPDATE DELETE CREATE DROP ALTER TRUNCATE EXPLAIN WITH VACUUM ANALYZE GRANT "
    "REVOKE SHOW REINDEX REFRESH COPY MERGE"
)
_SQL_ANY: Final = _SQL_STRONG | _names(
    "BEGIN COMMIT ROLLBACK SET DO CALL VALUES TABLE START END ABORT COMMENT DECLARE FETCH "
    "LISTEN NOTIFY CHECKPOINT DISCARD RESET CLUSTER LOCK"
)
_MAX_UNIT_LINES: Final = 200  # a unit never swallows more than this: an unclosed quote is a typo


def split_block(code: str, *, lang: str | None, first_line: int) -> tuple[CodeLine, ...]:
    """One `CodeLine` per non-blank logical line of the fence content `code`.

    `code` has the fence's own indentation removed; `first_line` is the 1-based document line of
    its first content line. Multi-line units keep their physical lines joined with "\\n" and span
    `line_no`…`line_end`. Never raises: content it cannot classify comes back as `text`.
    """
    lines = [line.removesuffix("\r") for line in code.split("\n")]
    if lines and not lines[-1].strip():
        lines.pop()
    try:
        return tuple(_Splitter(lines, _mode(lang, lines), _language(lang), first_line).run())
    except Exception:  # a classification bug must not lose the block: keep its lines as text
        return tuple(
            CodeLine(line, first_line + i, first_line + i, LineKind.TEXT)
            for i, line in enumerate(lines)
            if line.strip()
        )


def _language(lang: str | None) -> str:
    words = (lang or "").strip().split()
    return words[0].strip("{}.").lower() if words else ""


def _mode(lang: str | None, lines: Sequence[str]) -> str:
    """shell, transcript, sql, code or text: from the fence tag, else from the lines."""
    name = _language(lang)
    has_prompts = any(_PROMPT.match(line.lstrip()) for line in lines)
    if name in _SHELL:
        return "transcript" if name in _TRANSCRIPT or has_prompts else "shell"
    if name in _SQL:
        return "sql"
    if name in _CODE:
        return "code"
    if name in _TEXT:
        return "text"
    return _sniff(lines, has_prompts=has_prompts)


def _sniff(lines: Sequence[str], *, has_prompts: bool) -> str:
    """An untagged (or unknown-tag) block: the majority of its lines decides; prose is text."""
    votes = {"shell": 0, "sql": 0, "code": 0, "text": 0}
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//", "--")):
            continue
        first = stripped.split()[0]
        if _PROMPT.match(stripped) or (is_known_program(first) and not _KEY_VALUE.match(stripped)):
            votes["shell"] += 1
        elif _sql_start(stripped, session=False):
            votes["sql"] += 1
        elif _looks_code(stripped):
            votes["code"] += 1
        else:
            votes["text"] += 1
    best = max(votes, key=lambda kind: (votes[kind], kind != "text"))
    if votes[best] == 0 or votes[best] * 2 < sum(votes.values()):
        return "text"
    if best == "shell" and has_prompts:
        return "transcript"
    return best


def _sql_start(stripped: str, *, session: bool) -> bool:
    if _PSQL_META.match(stripped):
        return True
    match = re.match(r"[A-Za-z]+", stripped)
    if not match:
        return False
    word = match.group(0)
    if session:
        return word.upper() in _SQL_ANY
    return word.isupper() and word in _SQL_STRONG and len(stripped.split()) > 1


def _looks_code(stripped: str) -> bool:
    return bool(_CODE_START.match(stripped) or _CODE_SHAPE.match(stripped))


def _bracket_balance(line: str) -> int:
    """Net opened brackets of a code line, outside strings and `//` comments."""
    balance = 0
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            quote = "" if char == quote and line[index - 1] != "\\" else quote
        elif char in "'\"`":
            quote = char
        elif line.startswith("//", index):
            break
        elif char in "([{":
            balance += 1
        elif char in ")]}":
            balance -= 1
        index += 1
    return balance


def _has_unquoted(text: str, needles: Sequence[str]) -> bool:
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif any(text.startswith(needle, index) for needle in needles):
            return True
    return False


def _comment_kind(stripped: str) -> LineKind:
    """`# Dashboard → Settings → …` and `# Pool size: 10 → 40` are dashboard steps."""
    body = stripped.lstrip("#/- \t")
    if _SETTING_CHANGE.match(body):
        return LineKind.UI
    if any(arrow in body for arrow in (*_ARROWS, " > ")) and _UI_WORDS.search(body):
        return LineKind.UI
    return LineKind.COMMENT


def _ui_line(stripped: str) -> bool:
    first = stripped.split()[0]
    if is_known_program(first):
        return False
    return bool(
        _NUMBERED_STEP.match(stripped)
        or _UI_VERB.match(stripped)
        or _DASHBOARD_VALUE.match(stripped)
        or _MENU_PATH.match(stripped)
        or _has_unquoted(stripped, _ARROWS)
    )


def _text_line(stripped: str) -> bool:
    """File contents, sample output or prose: never a command a shell would accept."""
    first = stripped.split()[0]
    if is_known_program(first):
        return False
    if _KEY_VALUE.match(stripped) or "%{" in stripped:
        return True
    if not stripped[0].isascii() or re.match(r"\[[^\s\]]", stripped):
        return True
    words = stripped.split()
    prose = first[0].isupper() and not first.isupper() and not re.search(r"[-/=$|<>]", stripped)
    return prose and len(words) >= 3


# ---------------------------------------------------------------------------------------------
# Joining the physical lines of one unit


_HEREDOC: Final = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][\w-]*)\1")


def _shell_open(text: str) -> bool:
    """Whether the shell text so far is unfinished: open quote, trailing `\\`, pending heredoc."""
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            if index + 1 >= len(text) and not quote:
                return True
            index += 2
            continue
        elif quote == '"':
            quote = "" if char == '"' else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            end = text.find("\n", index)
            if end < 0:
                break
            index = end
            continue
        index += 1
    if quote:
        return True
    return _heredoc_pending(text)


def _heredoc_pending(text: str) -> bool:
    first, _, rest = text.partition("\n")
    match = _HEREDOC.search(first)
    if not match:
        return False
    return match.group(2) not in (line.strip() for line in rest.split("\n"))


def _sql_finished(text: str) -> bool:
    """A SQL statement ends with `;` (after any `--` or `# ` note), or is a psql meta-command."""
    if _PSQL_META.match(text.lstrip()):
        return True
    last = text.rstrip().split("\n")[-1]
    last = re.sub(r"\s+(--|#\s).*$", "", last).rstrip()
    return last.endswith(";")


@dataclass(slots=True)
class _Splitter:
    lines: list[str]
    mode: str
    lang: str
    first_line: int
    session: bool = False  # the previous command opened an interactive SQL client
    code_depth: int = 0  # open brackets of application code spilling over lines

    def run(self) -> list[CodeLine]:
        out: list[CodeLine] = []
        index = 0
        while index < len(self.lines):
            if not self.lines[index].strip():
                index += 1
                continue
            kind, end = self._classify(index)
            out.append(self._line(kind, index, end))
            index = end + 1
        return out

    def _line(self, kind: LineKind, start: int, end: int) -> CodeLine:
        text = "\n".join(self.lines[start : end + 1])
        assessment = None
        if kind is LineKind.COMMAND:
            assessment = assess(_PROMPT.sub("", text.lstrip(), count=1))
        elif kind is LineKind.SQL:
            assessment = assess(text, sql=True)
        return CodeLine(text, self.first_line + start, self.first_line + end, kind, assessment)

    def _classify(self, index: int) -> tuple[LineKind, int]:
        stripped = self.lines[index].strip()
        if self.mode == "text":
            return LineKind.TEXT, index
        if self.mode == "code":
            return self._code(index, stripped)
        if self.mode == "sql":
            if stripped.startswith(("--", "//", "/*", "*", "#")):
                return LineKind.COMMENT, index
            return LineKind.SQL, self._sql_end(index)
        return self._shell(index, stripped)

    def _code(self, index: int, stripped: str) -> tuple[LineKind, int]:
        comment = stripped.startswith(("//", "/*", "*/", "* ")) or stripped == "*"
        if (
            stripped.startswith("#")
            and not stripped.startswith("#[")
            and self.lang in _HASH_COMMENTS
        ):
            comment = True
        return (LineKind.COMMENT if comment else LineKind.CODE), index

    def _shell(self, index: int, stripped: str) -> tuple[LineKind, int]:
        if self.code_depth > 0:
            self.code_depth += _bracket_balance(stripped)
            return LineKind.CODE, index
        if stripped.startswith(("#", "//", "--")):
            # A console's root prompt `# cmd` reads like a comment; a comment is the safer guess.
            return _comment_kind(stripped), index
        prompted = bool(_PROMPT.match(stripped))
        if self.mode == "transcript" and not prompted:
            return LineKind.TEXT, index  # sample output of the command above
        if prompted:
            return self._command(index)
        if _URL.match(stripped):
            return LineKind.URL, index
        if _sql_start(stripped, session=self.session):
            return LineKind.SQL, self._sql_end(index)
        if _ui_line(stripped):
            return LineKind.UI, index
        if _looks_code(stripped):
            self.code_depth = max(0, _bracket_balance(stripped))
            return LineKind.CODE, index
        if _text_line(stripped):
            return LineKind.TEXT, index
        return self._command(index)

    def _command(self, index: int) -> tuple[LineKind, int]:
        end = index
        text = self.lines[index]
        while _shell_open(text) and end + 1 < len(self.lines) and end - index < _MAX_UNIT_LINES:
            end += 1
            text += "\n" + self.lines[end]
        if _shell_open(text):
            end, text = index, self.lines[index]  # never closed: a typo, keep the line alone
        self.session = opens_sql_session(_PROMPT.sub("", text.lstrip(), count=1))
        return LineKind.COMMAND, end

    def _sql_end(self, index: int) -> int:
        end = index
        while not _sql_finished("\n".join(self.lines[index : end + 1])):
            following = end + 1
            if following >= len(self.lines) or not self.lines[following].strip():
                break
            if following - index > _MAX_UNIT_LINES:
                break
            end = following
        return end
