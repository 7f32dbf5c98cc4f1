"""The risk of a shell command or SQL statement found in a runbook, and why.

`assess(text)` returns an `Assessment`: `read`, `change` or `destructive`, a `sensitive` flag (the
command reveals or sets a secret) and short English reasons. It never raises: a command the shell
parser (bashlex) cannot read is split into tokens instead, SQL that sqlglot cannot parse is read by
its keywords, and whatever stays unknown counts as a `change`, never as a `read`.

The shell text is cut into simple commands (pipelines, `&&`, `;`, `$(…)`); wrappers such as `sudo`,
`docker exec`, `kubectl exec -- …`, `railway run`, `ssh host '…'` or `sh -c '…'` are opened and
their inner command judged too; the overall risk is the highest found. What each program and
subcommand does lives in the tables below, in one place.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import bashlex
import sqlglot
from sqlglot import exp

from astreinte.domain.runbook.model import Assessment, Risk

READ: Final = Risk.READ
CHANGE: Final = Risk.CHANGE
DESTRUCTIVE: Final = Risk.DESTRUCTIVE

_RANK: Final = {Risk.READ: 0, Risk.CHANGE: 1, Risk.DESTRUCTIVE: 2}
_MAX_DEPTH: Final = 8
# bashlex is recursive and slow on pathological input; past this size only tokens are used.
_MAX_PARSED_CHARS: Final = 8_000


@dataclass(frozen=True, slots=True)
class Verdict:
    """One finding about one part of a command. `note` keeps the reason even when not the worst."""

    risk: Risk
    reason: str
    sensitive: bool = False
    note: bool = False


@dataclass(frozen=True, slots=True)
class _Redirect:
    op: str  # ">", ">>", "<", "<<", "<<<", ">&", "&>"
    target: str


@dataclass(frozen=True, slots=True)
class _Simple:
    """One simple command: words, `VAR=x` prefixes, redirections, and what feeds its stdin."""

    argv: tuple[str, ...]
    assignments: tuple[str, ...] = ()
    redirects: tuple[_Redirect, ...] = ()
    params: tuple[str, ...] = ()  # names of the $VARIABLES it expands
    heredoc: str | None = None
    stdin: _Simple | None = None  # the previous stage of its pipeline


@dataclass(frozen=True, slots=True)
class _Context:
    depth: int = 0
    production: bool = False  # set by `railway run --environment production` and the like

    def deeper(self) -> _Context:
        return replace(self, depth=self.depth + 1)


Args = tuple[str, ...]
Judge = Callable[[_Simple, Args, _Context], list[Verdict]]


# ---------------------------------------------------------------------------------------------
# Public API


def assess(command: str, *, sql: bool = False) -> Assessment:
    """Assess one shell command line (or SQL statement(s) when `sql`); never raises."""
    try:
        verdicts = _assess_sql(command) if sql else _assess_shell(command, _Context())
    except Exception:  # the fallback below must catch whatever a parser throws
        verdicts = _assess_fallback(command, sql=sql)
    return _summarise(verdicts)


def placeholders(command: str) -> tuple[str, ...]:
    """The values to fill before running: `TENANT_UUID`, `<deployment-id>`, `$DATABASE_URL`, …

    Returned in order of first appearance, without duplicates. Variables inside single quotes
    (`awk '{print $NF}'`) are not shell variables and are left out.
    """
    found: dict[str, int] = {}
    for pattern in _PLACEHOLDER_PATTERNS:
        for match in pattern.finditer(command):
            if _inside_single_quotes(command, match.start()) and match.group(0).startswith("$"):
                continue
            found.setdefault(match.group(0), match.start())
    return tuple(sorted(found, key=found.__getitem__))


def is_known_program(name: str) -> bool:
    """Whether `name` is a program the knowledge tables describe (used to sniff untagged blocks)."""
    base = _program_name(name)
    return base in _KNOWN_NAMES or base.startswith("mkfs")


def opens_sql_session(command: str) -> bool:
    """Whether the command opens an interactive SQL client (`psql $DB`, `railway connect`).

    The lines typed after it in a runbook are SQL statements, not shell commands.
    """
    try:
        simples = _parse_simples(_prepare(_strip_prompt(command)))
    except Exception:
        return False
    for simple in simples:
        inner = _innermost(simple, _Context())
        if inner is not None and _is_sql_session(inner):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Summary


def _summarise(verdicts: Sequence[Verdict]) -> Assessment:
    if not verdicts:
        return Assessment(READ, False, ("nothing to run (empty or only comments)",))
    top = max((v.risk for v in verdicts), key=_RANK.__getitem__)
    reasons = [v.reason for v in verdicts if v.risk is top or v.sensitive or v.note]
    return Assessment(top, any(v.sensitive for v in verdicts), tuple(dict.fromkeys(reasons)))


def _assess_fallback(text: str, *, sql: bool) -> list[Verdict]:
    """Last resort when an analyser failed: keywords only, and never lower than `change`."""
    try:
        verdicts = _sql_keywords(text) if sql else _judge_all(_token_simples(text), _Context())
    except Exception:
        verdicts = []
    if re.search(r"(?i)\b(rm|drop|delete|truncate|flushdb|flushall|shred|mkfs|destroy)\b", text):
        verdicts.append(Verdict(DESTRUCTIVE, "could not be fully analysed; it names a deletion"))
    verdicts.append(Verdict(CHANGE, "could not be fully analysed, treated as a change"))
    return verdicts


# ---------------------------------------------------------------------------------------------
# Shell text → simple commands


def _assess_shell(text: str, ctx: _Context) -> list[Verdict]:
    if ctx.depth > _MAX_DEPTH:
        return [Verdict(CHANGE, "commands nested too deeply to analyse, treated as a change")]
    source = _prepare(_strip_prompt(text))
    if not source.strip():
        return []
    return _judge_all(_parse_simples(source), ctx)


def _judge_all(simples: Iterable[_Simple], ctx: _Context) -> list[Verdict]:
    return [verdict for simple in simples for verdict in _judge(simple, ctx)]


def _strip_prompt(text: str) -> str:
    stripped = text.lstrip()
    for prompt in ("$ ", "❯ ", "% "):
        if stripped.startswith(prompt):
            return stripped[len(prompt) :]
    return text


_PLACEHOLDER_TAG: Final = re.compile(r"<[A-Za-z][\w.:/-]*>")


def _prepare(text: str) -> str:
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
            match = _PLACEHOLDER_TAG.match(text, i)
            if match and text[match.end() : match.end() + 1] not in (">", "&"):
                out.append("'" + match.group(0) + "'")
                i = match.end()
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _parse_simples(source: str) -> list[_Simple]:
    if len(source) > _MAX_PARSED_CHARS:
        return _token_simples(source)
    try:
        trees: list[object] = list(bashlex.parse(source))
    except Exception:  # bashlex raises its own errors, and NotImplementedError on some syntax
        return _token_simples(source)
    found: list[_Simple] = []
    for tree in trees:
        _walk(tree, found, None)
    return found


def _words(text: str) -> tuple[str, ...]:
    """Tables below list names in one string, as they would be typed."""
    return tuple(text.split())


def _kind(node: object) -> str:
    kind = getattr(node, "kind", "")
    return kind if isinstance(kind, str) else ""


def _children(node: object, name: str) -> list[object]:
    value = getattr(node, name, None)
    return list(value) if isinstance(value, list) else []


def _text_attr(node: object, name: str) -> str:
    value = getattr(node, name, "")
    return value if isinstance(value, str) else ""


def _walk(node: object, found: list[_Simple], stdin: _Simple | None) -> _Simple | None:
    """Collect the simple commands under a bashlex node; returns the one it is, if it is one."""
    kind = _kind(node)
    if kind == "command":
        simple = _simple_of(node, found, stdin)
        found.append(simple)
        return simple
    if kind == "pipeline":
        previous: _Simple | None = None
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


def _simple_of(node: object, found: list[_Simple], stdin: _Simple | None) -> _Simple:
    argv: list[str] = []
    assignments: list[str] = []
    redirects: list[_Redirect] = []
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
            redirects.append(_Redirect(op, target_text))
    return _Simple(tuple(argv), tuple(assignments), tuple(redirects), tuple(params), heredoc, stdin)


def _collect_expansions(node: object, found: list[_Simple], params: list[str]) -> None:
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
_ASSIGNMENT: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_VARIABLE: Final = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SUBSTITUTION: Final = re.compile(r"\$\(([^()]*)\)|`([^`]*)`")


def _token_simples(text: str) -> list[_Simple]:
    found: list[_Simple] = []
    previous: _Simple | None = None
    for segment, piped in _segments(text):
        for match in _SUBSTITUTION.finditer(segment):
            found.extend(_token_simples(match.group(1) or match.group(2) or ""))
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


def _token_simple(segment: str, stdin: _Simple | None) -> _Simple | None:
    try:
        tokens = shlex.split(segment, posix=True)
    except ValueError:  # unbalanced quotes
        tokens = segment.split()
    assignments: list[str] = []
    while tokens and _ASSIGNMENT.match(tokens[0]):
        assignments.append(tokens.pop(0))
    argv: list[str] = []
    redirects: list[_Redirect] = []
    index = 0
    while index < len(tokens):
        match = _REDIRECT_TOKEN.match(tokens[index])
        if match:
            target = match.group(3)
            if not target and index + 1 < len(tokens):
                index += 1
                target = tokens[index]
            redirects.append(_Redirect(match.group(2), target))
        else:
            argv.append(tokens[index])
        index += 1
    if not (argv or assignments or redirects):
        return None
    unquoted = re.sub(r"'[^']*'", "", segment)
    params = tuple(m.group(1) for m in _VARIABLE.finditer(unquoted))
    return _Simple(tuple(argv), tuple(assignments), tuple(redirects), params, None, stdin)


# ---------------------------------------------------------------------------------------------
# Judging one simple command


def _judge(cmd: _Simple, ctx: _Context) -> list[Verdict]:
    if ctx.depth > _MAX_DEPTH:
        return [Verdict(CHANGE, "commands nested too deeply to analyse, treated as a change")]
    verdicts = _credential_notes(cmd) + _assignment_verdicts(cmd)
    if not cmd.argv:
        return verdicts + _bare_redirect_verdicts(cmd)
    wrapped = _unwrap(cmd, ctx)
    if wrapped is None:
        return verdicts + _judge_program(cmd, ctx) + _redirect_verdicts(cmd)
    verdicts += wrapped.verdicts
    if isinstance(wrapped.inner, str):
        return (
            verdicts + _assess_shell(wrapped.inner, wrapped.ctx.deeper()) + _redirect_verdicts(cmd)
        )
    if wrapped.inner is not None:
        verdicts += _judge(wrapped.inner, wrapped.ctx.deeper())
    return verdicts


def _judge_program(cmd: _Simple, ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    args = cmd.argv[1:]
    judge = _JUDGES.get(name)
    if judge is not None:
        return judge(cmd, args, ctx)
    verdict = _PROGRAMS.get(name)
    if verdict is not None:
        return [verdict]
    tool = _TOOLS.get(name)
    if tool is not None:
        return _judge_tool(tool, cmd, args, ctx)
    if name.startswith("mkfs"):
        return [Verdict(DESTRUCTIVE, f"{name} formats a filesystem (everything on it is erased)")]
    if "/" in cmd.argv[0] or re.search(r"\.(sh|bash|py|rb|js|ts|pl)$", name):
        return _judge_script(cmd.argv[0])
    return [Verdict(CHANGE, f"{name}: unknown command, treated as a change")]


def _program_name(word: str) -> str:
    return word.lstrip("\\").rsplit("/", 1)[-1]


_DESTRUCTIVE_SCRIPT: Final = re.compile(
    r"(?i)restore|rollback|drop|wipe|purge|clean|reset|delete|destroy|truncate|flush|nuke"
)


def _judge_script(path: str) -> list[Verdict]:
    name = _program_name(path)
    if re.search(r"(?i)restore", name):
        return [Verdict(DESTRUCTIVE, f"{name} is a restore script: it overwrites live data")]
    if _DESTRUCTIVE_SCRIPT.search(name):
        return [Verdict(DESTRUCTIVE, f"{name}: its name says it deletes or resets data")]
    return [Verdict(CHANGE, f"{name}: unknown script, treated as a change")]


# Redirections and assignments


_NULL_TARGETS: Final = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", ""})
# Their output redirected to a file is the backup itself: the database is only read.
_DUMPERS: Final = frozenset(
    {"pg_dump", "pg_dumpall", "mysqldump", "mariadb-dump", "mongodump", "sqlite3", "redis-cli"}
)


def _writes_to_file(redirect: _Redirect) -> bool:
    return (
        redirect.op in (">", ">>", "&>", ">&")
        and redirect.target not in _NULL_TARGETS
        and not redirect.target.startswith("&")
    )


def _redirect_verdicts(cmd: _Simple) -> list[Verdict]:
    name = _program_name(cmd.argv[0]) if cmd.argv else ""
    verdicts: list[Verdict] = []
    for redirect in filter(_writes_to_file, cmd.redirects):
        if name in _DUMPERS:
            verdicts.append(Verdict(READ, f"{name} writes its dump to {redirect.target}"))
        elif redirect.op == ">" and (name in (":", "true") or cmd.argv[1:] == ("/dev/null",)):
            verdicts.append(Verdict(DESTRUCTIVE, f"> {redirect.target} empties the file"))
        else:
            verdicts.append(Verdict(CHANGE, f"writes the file {redirect.target} (redirection)"))
    return verdicts


def _bare_redirect_verdicts(cmd: _Simple) -> list[Verdict]:
    verdicts = []
    for redirect in filter(_writes_to_file, cmd.redirects):
        if redirect.op == ">":
            verdicts.append(Verdict(DESTRUCTIVE, f"> {redirect.target} empties the file"))
        else:
            verdicts.append(Verdict(CHANGE, f"appends to the file {redirect.target}"))
    if cmd.assignments and not verdicts:
        names = ", ".join(a.split("=", 1)[0] for a in cmd.assignments)
        verdicts.append(Verdict(CHANGE, f"sets the shell variable {names}"))
    return verdicts


def _assignment_verdicts(cmd: _Simple) -> list[Verdict]:
    return [
        _secret_setting(assignment) for assignment in cmd.assignments if _sets_secret(assignment)
    ]


def _sets_secret(assignment: str) -> bool:
    return "=" in assignment and is_secret_name(assignment.split("=", 1)[0])


def _secret_setting(assignment: str) -> Verdict:
    name, value = assignment.split("=", 1)
    where = " (its value is visible in shell history)" if _is_literal(value) else ""
    return Verdict(CHANGE, f"sets the secret-looking variable {name}{where}", sensitive=True)


# ---------------------------------------------------------------------------------------------
# Secrets


_SECRET_PARTS: Final = frozenset(
    {
        "SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PASSPHRASE", "PWD",
        "TOKEN", "TOKENS", "KEY", "KEYS", "APIKEY", "SID", "CREDENTIAL", "CREDENTIALS", "CREDS",
        "PRIVATE", "DSN", "SALT", "COOKIE", "AUTHTOKEN", "PRIVKEY",
    }
)  # fmt: skip
_NOT_SECRET: Final = frozenset({"PWD", "OLDPWD", "KEYMAP", "HOSTKEY"})
_CONNECTION_URL: Final = re.compile(
    r"(?i)^(DATABASE|REDIS|MONGO(DB)?|AMQP|RABBITMQ|POSTGRES(QL)?|PG|MYSQL|BROKER)_(URL|URI)"
)


def is_secret_name(name: str) -> bool:
    """Whether a variable name looks like it holds a secret (`JWT_SECRET`, `SENDGRID_API_KEY`)."""
    if name.upper() in _NOT_SECRET:
        return False
    if _CONNECTION_URL.match(name) or name.upper() == "CONNECTION_STRING":
        return True  # connection URLs carry the password
    parts = {p.upper() for p in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)}
    return "PUBLIC" not in parts and bool(parts & _SECRET_PARTS)


def _is_literal(value: str) -> bool:
    """A value typed in the command itself, as opposed to one read from a variable."""
    return bool(value) and not value.startswith("$")


_URL_PASSWORD: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@")
_SECRET_OPTIONS: Final = frozenset(
    {
        "--password", "--pass", "--passwd", "--token", "--api-key", "--apikey", "--secret",
        "--client-secret", "--access-token", "--auth-token", "--private-key",
    }
)  # fmt: skip
_AUTH_HEADER: Final = re.compile(
    r"(?i)^\s*(authorization|x-api-key|api-key|x-auth-token)\s*:\s*(.+)"
)


def _credential_notes(cmd: _Simple) -> list[Verdict]:
    """Literal passwords on the command line leak into shell history and `ps`."""
    notes: list[Verdict] = []
    words = cmd.argv + tuple(a.split("=", 1)[-1] for a in cmd.assignments)
    for index, word in enumerate(words):
        match = _URL_PASSWORD.search(word)
        if match and _is_literal(match.group(1)):
            notes.append(_leak("the connection URL carries a literal password"))
        option, _, value = word.partition("=")
        if option in _SECRET_OPTIONS:
            given = value or (words[index + 1] if index + 1 < len(words) else "")
            if _is_literal(given):
                notes.append(_leak(f"{option} passes a literal secret"))
        header = _AUTH_HEADER.match(word)
        if header and "$" not in header.group(2):
            notes.append(_leak(f"the {header.group(1)} header carries a literal credential"))
    return notes


def _leak(what: str) -> Verdict:
    return Verdict(READ, f"{what} (visible in shell history and ps)", sensitive=True, note=True)


def _exposure(what: str) -> Verdict:
    # Project rule: revealing a secret is never a plain read (it lands in scrollback, logs, screen
    # shares); the seed inventory labels it destructive, and it needs a second person.
    return Verdict(DESTRUCTIVE, what, sensitive=True)


_SECRET_FILE: Final = re.compile(
    r"(?i)(^|/)(\.env(\.[\w.-]+)?|[\w.-]+\.env|\.pgpass|\.netrc|\.git-credentials|\.my\.cnf"
    r"|credentials(\.\w+)?|id_(rsa|dsa|ecdsa|ed25519)|[\w.-]+\.(pem|key|p12|pfx|jks)"
    r"|secrets?\.(ya?ml|json|toml|env|txt)|shadow|gshadow|kubeconfig|\.kube/config"
    r"|\.docker/config\.json|\.pypirc|\.npmrc|master\.key)$"
)


def _secret_files(args: Args) -> list[str]:
    return [a for a in args if not a.startswith("-") and _SECRET_FILE.search(a)]


def _secret_params(cmd: _Simple) -> list[str]:
    return [name for name in dict.fromkeys(cmd.params) if is_secret_name(name)]


# ---------------------------------------------------------------------------------------------
# Wrappers: commands that run another command


@dataclass(frozen=True, slots=True)
class _Wrapped:
    inner: _Simple | str | None  # a command, a shell string to parse, or nothing (a session)
    ctx: _Context
    verdicts: tuple[Verdict, ...] = ()


def _unwrap(cmd: _Simple, ctx: _Context) -> _Wrapped | None:
    unwrap = _WRAPPERS.get(_program_name(cmd.argv[0]))
    return None if unwrap is None else unwrap(cmd, cmd.argv[1:], ctx)


def _innermost(cmd: _Simple, ctx: _Context) -> _Simple | None:
    for _ in range(_MAX_DEPTH):
        if not cmd.argv:
            return None
        wrapped = _unwrap(cmd, ctx)
        if wrapped is None:
            return cmd
        if isinstance(wrapped.inner, str):
            inner = _parse_simples(_prepare(wrapped.inner))
            if not inner:
                return None
            cmd = inner[0]
        elif wrapped.inner is None:
            return None
        else:
            cmd = wrapped.inner
    return None


def _options(args: Args, start: int, takes_value: frozenset[str]) -> tuple[int, dict[str, str]]:
    """Skip the options from `start`; returns the index of the first operand and the options."""
    found: dict[str, str] = {}
    index = start
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return index + 1, found
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, value = arg.partition("=")
        if not eq and arg in takes_value and index + 1 < len(args):
            value = args[index + 1]
            index += 1
        found[name] = value
        index += 1
    return index, found


def _inner(cmd: _Simple, argv: Sequence[str], *, assignments: Sequence[str] = ()) -> _Simple:
    return replace(cmd, argv=tuple(argv), assignments=cmd.assignments + tuple(assignments))


def _is_production(value: str) -> bool:
    return bool(re.search(r"(?i)(?<![a-z])prod(uction)?(?![a-z])", value))


def _wrap_prefix(
    takes_value: frozenset[str], *, verdict: Verdict | None = None
) -> Callable[[_Simple, Args, _Context], _Wrapped | None]:
    """`sudo`, `nohup`, `timeout 10`, `nice -n 5`…: options, then the command they run."""

    def unwrap(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
        index, options = _options(args, 0, takes_value)
        name = _program_name(cmd.argv[0])
        if name == "command" and options.keys() & {"-v", "-V"}:
            return _Wrapped(None, ctx, (Verdict(READ, "command -v only looks a program up"),))
        if name == "timeout" and index < len(args):
            index += 1  # the duration
        extra = (verdict,) if verdict else ()
        if index >= len(args):
            return _Wrapped(None, ctx, (*extra, Verdict(READ, f"{name} alone runs nothing")))
        return _Wrapped(_inner(cmd, args[index:]), ctx, extra)

    return unwrap


def _unwrap_env(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    index, _ = _options(args, 0, frozenset({"-u", "--unset", "-C", "--chdir", "-S"}))
    assignments = []
    while index < len(args) and _ASSIGNMENT.match(args[index]):
        assignments.append(args[index])
        index += 1
    if index >= len(args):
        return _Wrapped(
            None, ctx, (_exposure("env prints every environment variable, secrets included"),)
        )
    return _Wrapped(_inner(cmd, args[index:], assignments=assignments), ctx)


def _unwrap_shell(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    name = _program_name(cmd.argv[0])
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "-":
        if args[index] == "-o":
            index += 1
        elif not args[index].startswith("--") and "c" in args[index][1:]:
            string = args[index + 1] if index + 1 < len(args) else ""
            return _Wrapped(string, ctx)
        index += 1
    if index < len(args):
        return _Wrapped(_inner(cmd, args[index:]), ctx)
    if cmd.stdin is not None or cmd.heredoc is not None:
        if cmd.heredoc is not None:
            return _Wrapped(cmd.heredoc, ctx)
        return _Wrapped(
            None,
            ctx,
            (
                Verdict(
                    DESTRUCTIVE,
                    f"{name} runs whatever the previous command prints (not visible here)",
                ),
            ),
        )
    return _Wrapped(None, ctx, (Verdict(READ, f"{name} opens an interactive shell"),))


def _unwrap_string(_cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    """`eval …` and `watch -n 1 '…'` run their arguments, joined, through a shell."""
    index, _ = _options(args, 0, frozenset({"-n", "--interval", "-d", "--differences", "-q"}))
    return _Wrapped(" ".join(args[index:]), ctx)


def _unwrap_su(_cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    for index, arg in enumerate(args[:-1]):
        if arg in ("-c", "--command"):
            return _Wrapped(args[index + 1], ctx)
    return _Wrapped(None, ctx, (Verdict(READ, "su opens a shell as another user"),))


_SSH_VALUES: Final = frozenset(
    _words("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B")
)


def _unwrap_ssh(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    index, _ = _options(args, 0, _SSH_VALUES)
    host = args[index] if index < len(args) else "the host"
    remote = args[index + 1 :]
    if remote:
        return _Wrapped(" ".join(remote), ctx)  # ssh joins its arguments into one remote command
    if cmd.heredoc is not None:
        return _Wrapped(cmd.heredoc, ctx)
    return _Wrapped(None, ctx, (Verdict(READ, f"ssh opens a remote shell on {host}"),))


_XARGS_VALUES: Final = frozenset(
    _words("-I -i -n -P -L -l -d -E -e -s -a --max-args --max-procs --delimiter --arg-file")
)


def _unwrap_xargs(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    index, _ = _options(args, 0, _XARGS_VALUES)
    return _Wrapped(_inner(cmd, args[index:] or ("echo",)), ctx)


_DOCKER_GLOBAL: Final = frozenset(_words("-H --host -c --context --config -l --log-level"))
_COMPOSE_GLOBAL: Final = frozenset(
    _words("-f --file -p --project-name --env-file --profile --project-directory --ansi --progress")
)
_DOCKER_EXEC: Final = frozenset(
    _words("-e --env --env-file -u --user -w --workdir --detach-keys --index")
)
_DOCKER_RUN: Final = frozenset(
    _words("""-e --env --env-file -u --user -w --workdir -v --volume -p --publish --name
    --network --net
    --entrypoint -l --label --mount --restart -m --memory --cpus --add-host --log-driver --log-opt
    --platform -h --hostname --pull --user --ulimit --cap-add --cap-drop --device --dns""")
)


def _unwrap_docker(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    index, _ = _options(args, 0, _DOCKER_GLOBAL)
    if index < len(args) and args[index] == "compose":
        return _unwrap_compose(cmd, args, index + 1, ctx)
    return _container_command(cmd, args, index, ctx, compose=False)


def _unwrap_docker_compose(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    return _unwrap_compose(cmd, args, 0, ctx)


def _unwrap_compose(cmd: _Simple, args: Args, start: int, ctx: _Context) -> _Wrapped | None:
    index, _ = _options(args, start, _COMPOSE_GLOBAL)
    return _container_command(cmd, args, index, ctx, compose=True)


def _container_command(
    cmd: _Simple, args: Args, index: int, ctx: _Context, *, compose: bool
) -> _Wrapped | None:
    """`docker exec [opts] CONTAINER cmd…` and `docker run [opts] IMAGE cmd…`."""
    verb = args[index] if index < len(args) else ""
    if verb not in ("exec", "run"):
        return None
    operand, _ = _options(args, index + 1, _DOCKER_EXEC if verb == "exec" else _DOCKER_RUN)
    target = args[operand] if operand < len(args) else "?"
    inner = args[operand + 1 :]
    what = "service" if compose else ("container" if verb == "exec" else "image")
    verdicts: tuple[Verdict, ...] = ()
    if verb == "run":
        verdicts = (Verdict(CHANGE, f"docker run starts a new container from the {what} {target}"),)
    if not inner:
        return _Wrapped(None, ctx, (*verdicts, Verdict(READ, f"opens the {what} {target}")))
    return _Wrapped(_inner(cmd, inner), ctx, verdicts)


_KUBECTL_VALUES: Final = frozenset(
    _words("""-n --namespace --context --kubeconfig -c --container -l --selector -o --output -f
    --filename --cluster --user -s --server --request-timeout""")
)


def _unwrap_kubectl(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    index, _ = _options(args, 0, _KUBECTL_VALUES)
    if index >= len(args) or args[index] != "exec":
        return None
    if "--" in args:
        inner = args[args.index("--") + 1 :]
    else:
        operand, _ = _options(args, index + 1, _KUBECTL_VALUES)
        inner = args[operand + 1 :]
    if not inner:
        return _Wrapped(None, ctx, (Verdict(READ, "kubectl exec opens a shell in the pod"),))
    return _Wrapped(_inner(cmd, inner), ctx)


_PLATFORM_RUN_VALUES: Final = frozenset(
    _words("-e --environment -s --service -a --app -r --remote --size -x --exit-code -p --project")
)


def _unwrap_platform_run(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    """`railway run [--environment production] cmd…`, `heroku run [-a app] cmd…`."""
    if not args or args[0] != "run":
        return None
    index, options = _options(args, 1, _PLATFORM_RUN_VALUES)
    environment = options.get("--environment", options.get("-e", ""))
    production = ctx.production or _is_production(environment)
    inner = args[index:]
    if not inner:
        return _Wrapped(None, ctx, (Verdict(READ, f"{cmd.argv[0]} run alone runs nothing"),))
    return _Wrapped(_inner(cmd, inner), replace(ctx, production=production))


def _unwrap_fly(_cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    if args[:2] != ("ssh", "console"):
        return None
    _, options = _options(args, 2, frozenset({"-C", "--command", "-a", "--app", "-s", "-u"}))
    command = options.get("-C", options.get("--command", ""))
    if command:
        return _Wrapped(command, ctx)
    return _Wrapped(None, ctx, (Verdict(READ, "fly ssh console opens a shell on the machine"),))


# The verb after which these runners name the tool to run; npx-likes name it first.
_RUNNER_VERBS: Final = {
    "poetry": ("run",), "pipenv": ("run",), "uv": ("run",), "bundle": ("exec",),
    "pnpm": ("dlx", "exec"), "yarn": ("dlx", "exec"),
}  # fmt: skip


def _unwrap_runner(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    """`npx prisma …`, `poetry run alembic …`, `bundle exec rails …`: run a named tool."""
    name = _program_name(cmd.argv[0])
    verbs = _RUNNER_VERBS.get(name, ())
    start = 1 if args[:1] and args[0] in verbs else 0
    if verbs and not start:
        return None
    index, _ = _options(args, start, frozenset({"-p", "--package", "-c", "--call"}))
    if index >= len(args):
        return None
    inner = _inner(cmd, args[index:])
    if not is_known_program(args[index]):
        verdict = Verdict(CHANGE, f"{name} runs the package {args[index]} (not analysed)")
        return _Wrapped(None, ctx, (verdict,))
    return _Wrapped(inner, ctx)


def _unwrap_python(cmd: _Simple, args: Args, ctx: _Context) -> _Wrapped | None:
    index, options = _options(args, 0, frozenset({"-m", "-c", "-W", "-X"}))
    if "-m" in options:
        return _Wrapped(_inner(cmd, (options["-m"], *args[index:])), ctx)
    return None


_WRAPPERS: Final[Mapping[str, Callable[[_Simple, Args, _Context], _Wrapped | None]]] = {
    "sudo": _wrap_prefix(frozenset(_words("-u -g -h -C -D -p -r -t -U --user --group"))),
    "doas": _wrap_prefix(frozenset({"-u", "-C"})),
    "nohup": _wrap_prefix(frozenset()),
    "time": _wrap_prefix(frozenset({"-f", "-o", "--format", "--output"})),
    "nice": _wrap_prefix(frozenset({"-n", "--adjustment"})),
    "ionice": _wrap_prefix(frozenset({"-c", "-n", "-p", "--class", "--classdata"})),
    "stdbuf": _wrap_prefix(frozenset({"-i", "-o", "-e"})),
    "exec": _wrap_prefix(frozenset({"-a"})),
    "builtin": _wrap_prefix(frozenset()),
    "command": _wrap_prefix(frozenset()),
    "caffeinate": _wrap_prefix(frozenset({"-t", "-w"})),
    "chronic": _wrap_prefix(frozenset()),
    "unbuffer": _wrap_prefix(frozenset()),
    "timeout": _wrap_prefix(frozenset({"-s", "--signal", "-k", "--kill-after"})),
    "env": _unwrap_env,
    "sh": _unwrap_shell,
    "bash": _unwrap_shell,
    "zsh": _unwrap_shell,
    "dash": _unwrap_shell,
    "ksh": _unwrap_shell,
    "fish": _unwrap_shell,
    "su": _unwrap_su,
    "eval": _unwrap_string,
    "watch": _unwrap_string,
    "ssh": _unwrap_ssh,
    "xargs": _unwrap_xargs,
    "parallel": _unwrap_xargs,
    "docker": _unwrap_docker,
    "podman": _unwrap_docker,
    "docker-compose": _unwrap_docker_compose,
    "kubectl": _unwrap_kubectl,
    "oc": _unwrap_kubectl,
    "railway": _unwrap_platform_run,
    "heroku": _unwrap_platform_run,
    "fly": _unwrap_fly,
    "flyctl": _unwrap_fly,
    "npx": _unwrap_runner,
    "pnpx": _unwrap_runner,
    "bunx": _unwrap_runner,
    "poetry": _unwrap_runner,
    "pipenv": _unwrap_runner,
    "uv": _unwrap_runner,
    "bundle": _unwrap_runner,
    "pnpm": _unwrap_runner,
    "yarn": _unwrap_runner,
    "python": _unwrap_python,
    "python3": _unwrap_python,
}


# ---------------------------------------------------------------------------------------------
# Programs that only need their name


def _reads(names: str, why: str = "only reads") -> dict[str, Verdict]:
    return {name: Verdict(READ, f"{name} {why}") for name in names.split()}


def _changes(names: str, why: str) -> dict[str, Verdict]:
    return {name: Verdict(CHANGE, f"{name} {why}") for name in names.split()}


def _destroys(names: str, why: str) -> dict[str, Verdict]:
    return {name: Verdict(DESTRUCTIVE, f"{name} {why}") for name in names.split()}


_PROGRAMS: Final[Mapping[str, Verdict]] = {
    **_reads(
        """ls ll la df du free top htop atop ps pstree pgrep ping ping6 ss netstat nslookup dig
        host traceroute tracepath mtr uptime iostat vmstat mpstat sar pidstat lsof whoami id
        hostname uname date which whereis type file stat tree history w who last lastlog lsblk
        blkid findmnt nproc lscpu lsmem getent nc ncat telnet tcpdump wc md5sum sha1sum
        sha256sum cmp seq test [ basename dirname realpath readlink pwd bc expr numfmt locale
        lsmod ulimit sestatus getenforce systemd-analyze iotop iftop nethogs nmon glances dstat
        whois arp ifconfig route pg_isready pg_lsclusters pg_controldata apt-cache nvidia-smi
        sensors smartctl ncdu ab jobs alias true false yes tput jps jstack mktemp""",
    ),
    **_reads("cd pushd popd", "only changes the working directory"),
    **_reads("sleep wait", "only waits"),
    **_reads("clear exit logout", "has no effect on the system"),
    **_reads(
        "pg_dump pg_dumpall mysqldump mariadb-dump mongodump pg_basebackup",
        "only reads the database (it writes a dump)",
    ),
    **_changes("mkdir touch cp mv ln rmdir install", "creates or changes files"),
    **_changes("chmod chown chgrp chattr setfacl", "changes file permissions or owners"),
    **_changes("gzip gunzip zip unzip bzip2 xz 7z zstd", "creates or replaces files"),
    **_changes("scp sftp", "copies files to or from another host"),
    **_changes("reboot shutdown poweroff halt init", "restarts or stops the machine"),
    **_changes("useradd usermod groupadd groupmod adduser", "changes user accounts"),
    **_changes("mount umount swapon swapoff fallocate", "changes mounts or disk allocation"),
    **_changes(
        "createdb createuser reindexdb pg_upgrade pg_ctlcluster", "changes the PostgreSQL cluster"
    ),
    **_changes("source .", "loads a file into the current shell"),
    **_changes("unset", "removes shell variables"),
    **_changes("vim vi nvim nano emacs code ed", "edits a file"),
    **_changes("certbot", "requests or renews certificates"),
    **_changes("hey wrk siege k6 locust redis-benchmark", "sends load to the target"),
    **_destroys("rm unlink srm", "deletes files (there is no undo)"),
    **_destroys("shred wipe wipefs", "overwrites data so that it cannot be recovered"),
    **_destroys("fdisk sfdisk gdisk parted", "rewrites the partition table"),
    **_destroys("truncate", "cuts files to the given size (the content is lost)"),
    **_destroys("userdel deluser", "deletes user accounts"),
    **_destroys("dropdb", "deletes a whole PostgreSQL database"),
    **_destroys("dropuser", "deletes a PostgreSQL role"),
    **_destroys("mongorestore", "writes a dump into the live database (overwrites data)"),
    **_destroys("pg_resetwal pg_archivecleanup", "deletes PostgreSQL write-ahead log"),
}


# ---------------------------------------------------------------------------------------------
# Tools with subcommands: positional words → verdict


@dataclass(frozen=True, slots=True)
class _Tool:
    name: str
    table: Mapping[str, Verdict | Judge]
    takes_value: frozenset[str] = frozenset()
    flags: Mapping[tuple[str, str], Verdict] = field(default_factory=dict)


def _positionals(args: Args, takes_value: frozenset[str]) -> list[str]:
    words: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-":
            index += 2 if arg in takes_value else 1
            continue
        words.append(arg)
        index += 1
    return words


def _has_flag(args: Args, flag: str) -> bool:
    for arg in args:
        if arg == "--":
            return False
        if arg == flag or arg.startswith(flag + "="):
            return True
        single = len(flag) == 2 and flag[0] == "-" and flag[1] != "-"
        if single and arg.startswith("-") and not arg.startswith("--") and flag[1] in arg[1:]:
            return arg[1:].isalpha()
    return False


def _judge_tool(tool: _Tool, cmd: _Simple, args: Args, ctx: _Context) -> list[Verdict]:
    words = [w.lower() for w in _positionals(args, tool.takes_value)]
    for size in (3, 2, 1, 0):
        if len(words) < size:
            continue
        key = " ".join(words[:size])
        entry = tool.table.get(key)
        if entry is None:
            continue
        verdicts = [entry] if isinstance(entry, Verdict) else entry(cmd, args, ctx)
        extra = [v for (sub, flag), v in tool.flags.items() if sub == key and _has_flag(args, flag)]
        return verdicts + extra
    sub = f"{tool.name} {words[0]}" if words else tool.name
    return [Verdict(CHANGE, f"{sub}: unknown subcommand, treated as a change")]


def _table(
    tool: str, *, read: str = "", change: str = "", destructive: str = "",
    read_why: str = "only reads state", change_why: str = "changes state (reversible)",
    destructive_why: str = "deletes data (irreversible)",
) -> dict[str, Verdict | Judge]:  # fmt: skip
    """Subcommands separated by `|`, each a space-separated positional prefix."""
    table: dict[str, Verdict | Judge] = {}
    for keys, risk, why in (
        (read, READ, read_why),
        (change, CHANGE, change_why),
        (destructive, DESTRUCTIVE, destructive_why),
    ):
        if not keys:
            continue
        for key in dict.fromkeys(" ".join(k.split()) for k in keys.split("|")):
            table[key] = Verdict(risk, " ".join(f"{tool} {key} {why}".split()))
    return table


def _say(risk: Risk, reason: str, *, sensitive: bool = False) -> Verdict:
    return Verdict(risk, reason, sensitive)


# docker ----------------------------------------------------------------------------------------

_DOCKER_TABLE: Final[dict[str, Verdict | Judge]] = {
    **_table(
        "docker",
        read="""ps|logs|stats|inspect|images|top|version|info|events|port|diff|history|search|
        wait|attach|system df|system info|system events|volume ls|volume inspect|network ls|
        network inspect|image ls|image inspect|image history|container ls|container inspect|
        container logs|container top|container stats|context ls|manifest inspect|buildx ls|
        service ls|service ps|service logs|service inspect|stack ls|stack ps|stack services|
        node ls|secret ls|config ls|compose ps|compose logs|compose config|compose top|
        compose images|compose ls|compose version|compose events|compose port""",
        change="""restart|start|stop|build|pull|push|tag|create|pause|unpause|update|cp|commit|
        load|import|save|login|logout|rename|rmi|image rm|image prune|builder prune|buildx build|
        network create|network connect|network disconnect|network rm|network prune|
        volume create|context use|service update|service scale|service create|stack deploy|
        container restart|container start|container stop|compose restart|compose up|
        compose down|compose build|compose pull|compose push|compose create|compose start|
        compose stop|compose pause|compose unpause|compose scale|compose cp|compose watch""",
        destructive="""kill|container kill|compose kill""",
        destructive_why="kills the container's processes (in-flight work is lost)",
    ),
    **_table(
        "docker",
        destructive="rm|container rm|compose rm|container prune|service rm|stack rm|secret rm",
        destructive_why="deletes containers and their writable layer",
    ),
    "system prune": _say(
        DESTRUCTIVE, "docker system prune deletes stopped containers, unused networks and images"
    ),
    "volume rm": _say(DESTRUCTIVE, "docker volume rm deletes the volume and its data"),
    "volume prune": _say(
        DESTRUCTIVE, "docker volume prune deletes every unused volume and its data"
    ),
    "compose restart": _say(CHANGE, "docker compose restart restarts services (brief downtime)"),
    "compose up": _say(CHANGE, "docker compose up creates or restarts services (reversible)"),
    "compose down": _say(
        CHANGE, "docker compose down stops and removes the containers (volumes kept)"
    ),
    "restart": _say(CHANGE, "docker restart restarts the container (brief downtime)"),
}
_DOCKER_FLAGS: Final = {
    ("system prune", "--volumes"): _say(
        DESTRUCTIVE, "--volumes also deletes unused volumes (data loss)"
    ),
    ("compose down", "--volumes"): _say(
        DESTRUCTIVE, "docker compose down --volumes deletes the volumes"
    ),
    ("compose down", "-v"): _say(DESTRUCTIVE, "docker compose down -v deletes the volumes"),
    ("compose rm", "-v"): _say(DESTRUCTIVE, "docker compose rm -v deletes the anonymous volumes"),
    ("rm", "-v"): _say(DESTRUCTIVE, "docker rm -v also deletes the container's volumes"),
}
_DOCKER: Final = _Tool("docker", _DOCKER_TABLE, _DOCKER_GLOBAL | _COMPOSE_GLOBAL, _DOCKER_FLAGS)


def _judge_docker_compose(cmd: _Simple, args: Args, ctx: _Context) -> list[Verdict]:
    return _judge_tool(_DOCKER, cmd, ("compose", *args), ctx)


# kubernetes, helm, terraform --------------------------------------------------------------------


def _kubectl_get(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = [w.lower() for w in _positionals(args, _KUBECTL_VALUES)]
    kinds = {kind.split("/")[0] for word in words[1:2] for kind in word.split(",")}
    dumps = re.search(r"(?:^| )(-o|--output)[ =]?(yaml|json|jsonpath|go-template)", " ".join(args))
    if kinds & {"secret", "secrets"} and dumps:
        return [
            _exposure("kubectl get secret -o … prints the secret values (base64 is not encryption)")
        ]
    return [_say(READ, "kubectl get only reads cluster state")]


def _kubectl_create(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, _KUBECTL_VALUES)
    if words[1:2] == ["secret"]:
        return [_say(CHANGE, "kubectl create secret sets a secret", sensitive=True)]
    return [_say(CHANGE, "kubectl create adds resources to the cluster")]


_KUBECTL: Final = _Tool(
    "kubectl",
    {
        **_table(
            "kubectl",
            read="""get|describe|logs|top|explain|version|api-resources|api-versions|
            cluster-info|config view|config get-contexts|config current-context|events|auth|
            rollout status|rollout history|port-forward|proxy|diff|wait|plugin|""",
            change="""apply|replace|patch|edit|scale|autoscale|set|label|annotate|expose|run|
            rollout restart|rollout pause|rollout resume|cordon|uncordon|drain|taint|
            config use-context|config set-context|cp|debug|attach|certificate""",
            destructive="delete",
            destructive_why="deletes the resources (pods come back only if a controller owns them)",
        ),
        "rollout undo": _say(
            CHANGE, "kubectl rollout undo rolls the deployment back (deploy change)"
        ),
        "get": _kubectl_get,
        "create": _kubectl_create,
    },
    _KUBECTL_VALUES,
    {
        ("replace", "--force"): _say(DESTRUCTIVE, "kubectl replace --force deletes and recreates"),
        ("drain", "--delete-emptydir-data"): _say(DESTRUCTIVE, "drain deletes emptyDir data"),
    },
)

_HELM: Final = _Tool(
    "helm",
    {
        **_table(
            "helm",
            read="list|ls|status|history|get|show|search|template|lint|version|repo list|env|diff",
            change="install|upgrade|repo add|repo update|dependency|plugin|test|pull",
            destructive="uninstall|delete|del|un",
            destructive_why="removes the release and the resources it created",
        ),
        "rollback": _say(CHANGE, "helm rollback redeploys an earlier revision (deploy change)"),
    },
    frozenset(_words("-n --namespace --kube-context --kubeconfig -f --values --set -o --output")),
)

_TERRAFORM: Final = _Tool(
    "terraform",
    _table(
        "terraform",
        read="""plan|show|output|validate|version|providers|graph|state list|state show|
        workspace list|workspace show|console""",
        change="""apply|import|state mv|taint|untaint|refresh|workspace new|workspace select|init|
        fmt|state push|force-unlock""",
        destructive="destroy|state rm|workspace delete",
        destructive_why="destroys infrastructure or forgets it (irreversible)",
    ),
    frozenset({"-chdir", "-var", "-var-file", "-target"}),
    {
        ("apply", "-destroy"): _say(
            DESTRUCTIVE, "terraform apply -destroy destroys the infrastructure"
        )
    },
)


def _judge_cloud(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    """aws / gcloud / az: the operation's verb decides (describe-…, delete-…, list…)."""
    name = _program_name(cmd.argv[0])
    words = [w.lower() for w in _positionals(args, _CLOUD_VALUES)]
    where = " ".join([name, *words[:3]])
    if words[:2] == ["s3", "rm"] or words[:2] == ["s3", "rb"]:
        return [_say(DESTRUCTIVE, f"{where} deletes objects from S3 (no undo without versioning)")]
    if words[:2] == ["s3", "sync"] and _has_flag(args, "--delete"):
        return [_say(DESTRUCTIVE, "aws s3 sync --delete deletes files missing from the source")]
    secret_read = {"get-secret-value", "access", "get-parameter", "get-parameters", "decrypt"}
    if secret_read & set(words) and ("ssm" not in words or _has_flag(args, "--with-decryption")):
        return [_exposure(f"{where} prints a secret value")]
    for word in reversed(words[:4]):
        verb = word.split("-", 1)[0]
        if verb in _CLOUD_READ_VERBS or word in ("ls", "presign"):
            return [_say(READ, f"{where} only reads")]
        if verb in _CLOUD_DESTROY_VERBS:
            return [_say(DESTRUCTIVE, f"{where} deletes cloud resources")]
    return [_say(CHANGE, f"{where} changes cloud resources")]


_CLOUD_VALUES: Final = frozenset(
    _words("--region --profile --project --output -o --query --format --zone --resource-group -g")
)
_CLOUD_READ_VERBS: Final = frozenset(
    _words("describe get list head lookup search scan query show ls wait tail filter batch-get")
)
_CLOUD_DESTROY_VERBS: Final = frozenset(
    _words("delete remove terminate purge deregister destroy rm rb")
)


# git -------------------------------------------------------------------------------------------

_GIT_FORCE: Final = (
    "--force",
    "-f",
    "--force-with-lease",
    "--force-if-includes",
    "--mirror",
    "--delete",
    "-d",
    "--prune",
)


def _git_push(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    forced = [flag for flag in _GIT_FORCE if _has_flag(args, flag)]
    refspecs = _positionals(args, frozenset({"-o", "--push-option", "--repo"}))[2:]
    if forced or any(r.startswith(("+", ":")) for r in refspecs):
        what = forced[0] if forced else "a +/: refspec"
        return [_say(DESTRUCTIVE, f"git push {what} rewrites or deletes remote history")]
    return [_say(CHANGE, "git push publishes commits (on a deploy branch it triggers a deploy)")]


def _git_reset(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if _has_flag(args, "--hard") or _has_flag(args, "--merge"):
        return [_say(DESTRUCTIVE, "git reset --hard discards uncommitted changes")]
    return [_say(CHANGE, "git reset moves the branch (the changes stay in the tree)")]


def _git_clean(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if _has_flag(args, "-n") or _has_flag(args, "--dry-run"):
        return [_say(READ, "git clean -n only lists the files it would delete")]
    return [_say(DESTRUCTIVE, "git clean deletes untracked files")]


def _git_checkout(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if "--" in args or "." in args or _has_flag(args, "-f") or _has_flag(args, "--force"):
        return [_say(DESTRUCTIVE, "git checkout of paths discards their uncommitted changes")]
    return [_say(CHANGE, "git checkout switches the working tree")]


def _git_branch(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if _has_flag(args, "-D") or (_has_flag(args, "-d") and _has_flag(args, "-f")):
        return [_say(DESTRUCTIVE, "git branch -D deletes a branch even if it is not merged")]
    words = _positionals(args, frozenset())
    if len(words) > 1 or any(_has_flag(args, f) for f in ("-d", "-m", "-M", "-c")):
        return [_say(CHANGE, "git branch creates, renames or deletes a merged branch")]
    return [_say(READ, "git branch only lists branches")]


def _git_listing(command: str) -> Judge:
    """`git tag`, `git remote`, `git stash`, `git config`: no operand lists, an operand changes."""

    def judge(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
        words = _positionals(args, frozenset())
        listing = {"list", "show", "get-url", "-l", "--list", "--get", "--get-all", "-v"}
        if command == "stash" and len(words) <= 1:
            return [_say(CHANGE, "git stash sets the uncommitted changes aside")]
        if len(words) <= 1 or words[1] in listing or any(a in listing for a in args):
            return [_say(READ, f"git {command} only lists")]
        if command == "stash" and words[1] in ("drop", "clear"):
            return [_say(DESTRUCTIVE, f"git stash {words[1]} deletes stashed changes")]
        return [_say(CHANGE, f"git {command} {words[1]} changes the repository")]

    return judge


_GIT: Final = _Tool(
    "git",
    {
        **_table(
            "git",
            read="""status|log|diff|show|blame|fetch|ls-files|ls-remote|ls-tree|rev-parse|
            describe|shortlog|reflog|grep|whatchanged|cat-file|show-ref|count-objects|fsck|
            version|help|cherry|range-diff|name-rev|verify-commit|worktree list|
            submodule status|bisect log""",
            change="""add|commit|merge|rebase|revert|cherry-pick|pull|switch|init|clone|mv|rm|am|
            apply|submodule|worktree|gc|prune|bisect|notes|sparse-checkout|lfs""",
            change_why="changes the local repository",
        ),
        "push": _git_push,
        "reset": _git_reset,
        "clean": _git_clean,
        "checkout": _git_checkout,
        "restore": _say(DESTRUCTIVE, "git restore discards uncommitted changes of the paths"),
        "branch": _git_branch,
        "tag": _git_listing("tag"),
        "remote": _git_listing("remote"),
        "stash": _git_listing("stash"),
        "config": _git_listing("config"),
        "reflog expire": _say(
            DESTRUCTIVE, "git reflog expire deletes the safety net of lost commits"
        ),
    },
    frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"}),
)


# services and processes ------------------------------------------------------------------------

_SYSTEMCTL: Final = _Tool(
    "systemctl",
    {
        **_table(
            "systemctl",
            read="""status|is-active|is-enabled|is-failed|list-units|list-unit-files|list-timers|
            list-sockets|list-dependencies|show|cat|help|""",
            change="""restart|reload|try-restart|reload-or-restart|start|stop|enable|disable|mask|
            unmask|daemon-reload|daemon-reexec|reset-failed|edit|set-property|isolate|preset|
            link|revert|reboot|poweroff|halt|suspend""",
        ),
        "restart": _say(CHANGE, "systemctl restart restarts the service (brief downtime)"),
        "kill": _say(
            DESTRUCTIVE, "systemctl kill signals every process of the unit (in-flight work is lost)"
        ),
    },
    frozenset(
        _words("-t --type -p --property -H --host -M -n --lines -o --output --state -s --signal")
    ),
)


def _judge_service(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, frozenset())
    action = words[1] if len(words) > 1 else ("--status-all" if "--status-all" in args else "")
    if action in ("status", "--status-all", ""):
        return [_say(READ, "service status only reads")]
    return [_say(CHANGE, f"service {action} changes the state of the service")]


_PM2: Final = _Tool(
    "pm2",
    {
        **_table(
            "pm2",
            read="list|ls|l|status|logs|show|describe|info|monit|jlist|prettylist|ping|report",
            change="restart|reload|start|stop|scale|save|resurrect|startup|update|reset|delete|del|gracefulreload|sendsignal",
        ),
        "restart": _say(CHANGE, "pm2 restart restarts the process (brief downtime)"),
        "flush": _say(DESTRUCTIVE, "pm2 flush empties every log file (evidence lost)"),
        "kill": _say(DESTRUCTIVE, "pm2 kill stops the daemon and every process it manages"),
        "env": lambda _cmd, _args, _ctx: [
            _exposure("pm2 env prints the environment of the process, secrets included")
        ],
    },
)

_SUPERVISORCTL: Final = _Tool(
    "supervisorctl",
    {
        **_table(
            "supervisorctl",
            read="status|avail|tail|pid|version|help|",
            change="start|stop|restart|reload|update|reread|add|remove|signal|shutdown",
        ),
        "clear": _say(DESTRUCTIVE, "supervisorctl clear empties the process logs"),
    },
    frozenset({"-c", "-s", "-u", "-p"}),
)


def _judge_nginx(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(flag in args for flag in ("-t", "-T", "-v", "-V", "-h", "-?")):
        return [_say(READ, "nginx -t only tests the configuration")]
    if "-s" in args:
        signal = args[args.index("-s") + 1] if args.index("-s") + 1 < len(args) else "?"
        return [_say(CHANGE, f"nginx -s {signal} signals the running server")]
    return [_say(CHANGE, "nginx starts the server")]


_APACHECTL: Final = _Tool(
    "apachectl",
    _table(
        "apachectl",
        read="configtest|-t|status|fullstatus|-s|-m",
        change="restart|graceful|start|stop|graceful-stop",
    ),
)


_SIGNALS_READ: Final = frozenset({"0"})
_SIGNALS_CHANGE: Final = frozenset(
    {
        "HUP",
        "1",
        "USR1",
        "10",
        "USR2",
        "12",
        "CONT",
        "18",
        "WINCH",
        "28",
        "STOP",
        "19",
        "TSTP",
        "20",
    }
)


def _judge_kill(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    if any(a in ("-l", "-L", "--list", "--table") for a in args):
        return [_say(READ, f"{name} -l only lists signals")]
    signal = "TERM"
    for index, arg in enumerate(args):
        if arg in ("-s", "-n", "--signal") and index + 1 < len(args):
            signal = args[index + 1]
        elif arg.startswith("--signal="):
            signal = arg.split("=", 1)[1]
        elif re.fullmatch(r"-(SIG)?[A-Z0-9]+", arg):
            signal = arg[1:]
    signal = signal.upper().removeprefix("SIG")
    if signal in _SIGNALS_READ:
        return [_say(READ, f"{name} -0 only checks that the process exists")]
    if signal in _SIGNALS_CHANGE:
        return [_say(CHANGE, f"{name} sends SIG{signal} (reload or pause, the process survives)")]
    return [_say(DESTRUCTIVE, f"{name} terminates processes (their in-flight work is lost)")]


# package managers ------------------------------------------------------------------------------


def _package_tool(name: str, read: str, change: str) -> _Tool:
    return _Tool(
        name,
        _table(name, read=read, change=change, change_why="changes installed packages or builds"),
    )


_APT_READ: Final = "list|search|show|policy|info|depends|rdepends|madison|--version|"
_APT_CHANGE: Final = (
    "install|upgrade|update|full-upgrade|dist-upgrade|autoremove|clean|autoclean|remove|purge|"
    "reinstall|add|del|mark|refresh|makecache|check-update|autopurge"
)
_NPM_READ: Final = """ls|list|view|info|show|outdated|audit|whoami|config get|config list|why|
explain|doctor|cache ls|-v|--version|bin|root|prefix|search"""
_NPM_CHANGE: Final = """install|i|ci|add|remove|uninstall|rm|un|build|run|run-script|start|test|t|
exec|dlx|update|upgrade|up|publish|link|cache clean|init|create|audit fix|prune|dedupe|pack|
version|rebuild|restart|stop|set|dev|preview|deploy|generate|lint|format|serve|workspace|workspaces"""

_PACKAGE_TOOLS: Final = (
    {
        name: _package_tool(name, _APT_READ, _APT_CHANGE)
        for name in (
            "apt",
            "apt-get",
            "aptitude",
            "yum",
            "dnf",
            "apk",
            "brew",
            "snap",
            "zypper",
            "pacman",
        )
    }
    | {name: _package_tool(name, _NPM_READ, _NPM_CHANGE) for name in ("npm", "yarn", "pnpm", "bun")}
    | {
        name: _package_tool(
            name,
            "list|show|freeze|check|--version|search|inspect",
            "install|uninstall|download|sync|add|remove|lock|update|wheel|build|venv|pip",
        )
        for name in ("pip", "pip3")
    }
)


def _judge_dpkg(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(
        a in ("-l", "--list", "-L", "--listfiles", "-s", "--status", "-S", "--search") for a in args
    ):
        return [_say(READ, "dpkg only lists packages")]
    return [_say(CHANGE, "dpkg installs or removes packages")]


# firewall --------------------------------------------------------------------------------------

_UFW: Final = _Tool(
    "ufw",
    {
        **_table(
            "ufw",
            read="status|app list|app info|version|show|",
            change="""allow|deny|reject|limit|enable|disable|delete|insert|prepend|route|default|
            reload|reset|logging|app update""",
            # Project rule: firewall edits are `change` (reviewed by the responder, reversible).
            change_why="changes the firewall rules",
        ),
    },
)


def _judge_iptables(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    lists = any(re.fullmatch(r"-[a-z]*[LS][a-z]*|--list(-rules)?", a) for a in args)
    edits = any(
        re.fullmatch(r"-[ADIRFNXPZ]|--(append|delete|insert|flush|policy)", a) for a in args
    )
    if (name.endswith("-save") or lists) and not edits:
        return [_say(READ, f"{name} only lists the firewall rules")]
    if name == "nft" and args[:1] == ("list",):
        return [_say(READ, "nft list only lists the firewall rules")]
    return [_say(CHANGE, f"{name} changes the firewall rules")]


# hosting platforms -----------------------------------------------------------------------------


def _env_add(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, _VERCEL_VALUES)
    name = words[2] if len(words) > 2 else ""
    if is_secret_name(name):
        return [
            _say(
                CHANGE,
                f"vercel env add sets the secret {name} (value typed at the prompt)",
                sensitive=True,
            )
        ]
    return [_say(CHANGE, f"vercel env add adds the variable {name or '?'} (reversible)")]


def _vercel_default(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if _has_flag(args, "--version") or _has_flag(args, "-v") or _has_flag(args, "--help"):
        return [_say(READ, "vercel --version only prints the version")]
    target = "production" if _has_flag(args, "--prod") else "a preview"
    forced = " without build cache" if _has_flag(args, "--force") else ""
    return [
        _say(CHANGE, f"vercel deploys to {target}{forced} (reversible: promote the previous build)")
    ]


_VERCEL_VALUES: Final = frozenset(
    _words(
        """--scope --token -t --environment --cwd -A --local-config
        -e --env -b --build-env -m --meta --target -S"""
    )
)
_VERCEL: Final = _Tool(
    "vercel",
    {
        **_table(
            "vercel",
            read="""logs|ls|list|inspect|whoami|env ls|env list|domains ls|dns ls|certs ls|
            projects ls|project ls|teams ls|alias ls|secrets ls|help|bisect|open""",
            change="""deploy|redeploy|alias set|domains add|dns add|dev|build|link|login|logout|
            certs add|alias|domains|project add|teams switch|switch""",
            destructive="""rm|remove|env rm|domains rm|dns rm|alias rm|secrets rm|certs rm|
            projects rm|project rm""",
            destructive_why="deletes it from Vercel",
        ),
        "": _vercel_default,
        "deploy": _vercel_default,
        "env add": _env_add,
        # Project rule: a platform rollback is a deploy change, undone by promoting again.
        "rollback": _say(
            CHANGE, "vercel rollback points production at an earlier deployment (deploy change)"
        ),
        "promote": _say(
            CHANGE, "vercel promote points production at another deployment (deploy change)"
        ),
        "env pull": lambda _cmd, _args, _ctx: [
            _exposure("vercel env pull writes the decrypted production secrets to a local file")
        ],
        "pull": lambda _cmd, _args, _ctx: [
            _exposure("vercel pull writes the decrypted environment to .vercel/")
        ],
    },
    _VERCEL_VALUES,
)


def _platform_variables(tool: str) -> Judge:
    """`railway variables`: lists values; `… set K=V` / `--set K=V` overwrites; `… delete K`."""

    def judge(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
        words = _positionals(args, _PLATFORM_RUN_VALUES | {"--set"})
        pairs = [w for w in words[1:] if "=" in w]
        pairs += [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--set"]
        pairs += [a.split("=", 1)[1] for a in args if a.startswith("--set=")]
        action = words[1].lower() if len(words) > 1 else ""
        if action in ("delete", "remove", "rm", "unset"):
            return [_say(DESTRUCTIVE, f"{tool} variables {action} deletes variables")]
        if not pairs and action not in ("set",):
            return [_exposure(f"{tool} variables prints every variable value, secrets included")]
        return [_platform_set(tool, pair) for pair in pairs] or [
            _say(CHANGE, f"{tool} variables set changes variables")
        ]

    return judge


def _platform_set(tool: str, pair: str) -> Verdict:
    name, _, value = pair.partition("=")
    if is_secret_name(name):
        where = (
            "; the new value is on the command line (shell history)" if _is_literal(value) else ""
        )
        return _say(
            DESTRUCTIVE,
            f"{tool} overwrites the secret {name}: the old value is lost and what it signed "
            f"stops validating{where}",
            sensitive=True,
        )
    return _say(CHANGE, f"{tool} sets the variable {name} (reversible)")


_RAILWAY: Final = _Tool(
    "railway",
    {
        **_table(
            "railway",
            read="status|logs|whoami|list|deployments|open|docs|version|help|completion|connect|shell|",
            change="""up|deploy|redeploy|restart|scale|link|unlink|init|login|logout|add|domain|
            environment|service|down|volume add""",
            destructive="delete|volume delete|environment delete",
            destructive_why="deletes it from Railway",
        ),
        "restart": _say(CHANGE, "railway restart restarts the service (brief downtime)"),
        "rollback": _say(
            CHANGE, "railway rollback redeploys an earlier deployment (deploy change)"
        ),
        "connect": _say(READ, "railway connect opens an interactive database shell"),
        "variables": _platform_variables("railway"),
        "variable": _platform_variables("railway"),
        "vars": _platform_variables("railway"),
    },
    _PLATFORM_RUN_VALUES,
)


def _heroku_config(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, _PLATFORM_RUN_VALUES)
    action = words[0].lower()
    if action == "config:set":
        return [_platform_set("heroku config:set", pair) for pair in words[1:] if "=" in pair]
    if action == "config:unset":
        return [_say(CHANGE, "heroku config:unset removes variables")]
    if action == "config:get" and not any(is_secret_name(w) for w in words[1:]):
        return [_say(READ, "heroku config:get prints a non-secret variable")]
    return [_exposure(f"{action} prints configuration values, secrets included")]


_HEROKU: Final = _Tool(
    "heroku",
    {
        **_table(
            "heroku",
            read="logs|ps|releases|apps:info|info|status|pg:info|addons|domains|apps|access|pg:psql|pg:ps|pg:credentials|pg:backups",
            change="restart|ps:restart|ps:scale|ps:stop|ps:resize|maintenance:on|maintenance:off|pg:backups:capture|deploy|releases:rollback|rollback|addons:create|domains:add",
            destructive="pg:reset|pg:backups:restore|apps:destroy|addons:destroy|pg:killall|pg:kill|pg:backups:delete",
            destructive_why="deletes or overwrites data",
        ),
        "rollback": _say(CHANGE, "heroku rollback redeploys an earlier release (deploy change)"),
        "releases:rollback": _say(
            CHANGE, "heroku releases:rollback redeploys an earlier release (deploy change)"
        ),
        "config": _heroku_config,
        "config:get": _heroku_config,
        "config:set": _heroku_config,
        "config:unset": _heroku_config,
    },
    _PLATFORM_RUN_VALUES,
)


def _fly_secrets_set(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    pairs = [w for w in _positionals(args, _PLATFORM_RUN_VALUES) if "=" in w]
    return [_platform_set("fly secrets set", pair) for pair in pairs] or [
        _say(CHANGE, "fly secrets set changes secrets", sensitive=True)
    ]


_FLY: Final = _Tool(
    "fly",
    {
        **_table(
            "fly",
            read="""logs|status|ls|list|apps list|machines list|machine list|m list|secrets list|
            releases|info|ips list|checks list|volumes list|postgres connect|version|doctor|
            config show|dashboard|ssh console|platform|regions list|scale show""",
            change="""deploy|apps restart|machine restart|machines restart|machine start|
            machine stop|machine update|scale count|scale vm|scale memory|secrets unset|
            volumes extend|launch|apps create|secrets import|ips allocate-v4|ips allocate-v6|
            certs add|regions add|regions remove""",
            destructive="""apps destroy|machine destroy|machines destroy|volumes destroy|
            volumes delete|apps delete|machine remove""",
            destructive_why="deletes it and its data",
        ),
        "secrets set": _fly_secrets_set,
    },
    _PLATFORM_RUN_VALUES,
)


# migrations: `change`, except when they target production (no automatic rollback) -----------


def _migration(tool: str) -> Judge:
    def judge(cmd: _Simple, _args: Args, ctx: _Context) -> list[Verdict]:
        if ctx.production or _mentions_production(cmd):
            return [
                _say(
                    DESTRUCTIVE,
                    f"{tool} applies schema migrations to production; there is no automatic "
                    "rollback (restore from a backup)",
                )
            ]
        return [_say(CHANGE, f"{tool} applies schema migrations (not to production as written)")]

    return judge


def _mentions_production(cmd: _Simple) -> bool:
    words = [*cmd.argv, *cmd.params, *(a.split("=", 1)[1] for a in cmd.assignments if "=" in a)]
    return any(_is_production(word) for word in words)


def _migration_tool(
    name: str, *, apply: str, read: str = "", change: str = "", destructive: str = ""
) -> _Tool:
    table = _table(name, read=read, change=change, destructive=destructive,
                   destructive_why="reverts or drops schema (the data in it is lost)")  # fmt: skip
    for key in apply.split("|"):
        table[key] = _migration(f"{name} {key}")
    return _Tool(
        name,
        table,
        frozenset(
            {"--database-url", "-D", "--source", "-c", "--config", "-x", "--schema", "--env", "-e"}
        ),
    )


_MIGRATION_TOOLS: Final = {
    "sqlx": _migration_tool(
        "sqlx",
        apply="migrate run",
        read="migrate info|--version|",
        change="migrate add|database create|database setup|prepare",
        destructive="migrate revert|database drop|database reset",
    ),
    "alembic": _migration_tool(
        "alembic",
        apply="upgrade",
        read="current|history|heads|branches|show|check",
        change="revision|stamp|merge|edit|init",
        destructive="downgrade",
    ),
    "prisma": _migration_tool(
        "prisma",
        apply="migrate deploy",
        read="migrate status|studio|validate|version|migrate diff",
        change="migrate dev|migrate resolve|db push|db pull|db seed|db execute|generate|init",
        destructive="migrate reset",
    ),
    "knex": _migration_tool(
        "knex",
        apply="migrate:latest|migrate:up",
        read="migrate:status|migrate:list|migrate:currentversion",
        change="migrate:make|seed:make|seed:run",
        destructive="migrate:rollback|migrate:down",
    ),
    "drizzle-kit": _migration_tool(
        "drizzle-kit",
        apply="migrate",
        read="studio|check",
        change="push|generate|introspect|pull|up",
        destructive="drop",
    ),
    "flyway": _migration_tool(
        "flyway",
        apply="migrate",
        read="info|validate|version",
        change="repair|baseline",
        destructive="clean|undo",
    ),
    "diesel": _migration_tool(
        "diesel",
        apply="migration run",
        read="migration list|migration pending",
        change="setup|migration generate|database setup|print-schema",
        destructive="migration revert|migration redo|database reset",
    ),
    "typeorm": _migration_tool(
        "typeorm",
        apply="migration:run",
        read="migration:show|query",
        change="migration:create|migration:generate|schema:sync|schema:log",
        destructive="migration:revert|schema:drop",
    ),
    "sequelize": _migration_tool(
        "sequelize",
        apply="db:migrate",
        read="db:migrate:status",
        change="migration:generate|model:generate|db:seed|db:seed:all|db:create",
        destructive="db:migrate:undo|db:migrate:undo:all|db:drop|db:seed:undo|db:seed:undo:all",
    ),
    "liquibase": _migration_tool(
        "liquibase",
        apply="update",
        read="status|history|validate|diff",
        change="changelog-sync|tag",
        destructive="rollback|dropall|drop-all",
    ),
    "rails": _migration_tool(
        "rails",
        apply="db:migrate",
        read="db:version|db:migrate:status|routes|console|c|about",
        change="db:seed|db:setup|db:create|generate|g|server|s|assets:precompile",
        destructive="db:rollback|db:drop|db:reset|db:schema:load|db:purge|db:migrate:down",
    ),
}
_MIGRATION_TOOLS["rake"] = _MIGRATION_TOOLS["rails"]

_DJANGO: Final = _migration_tool(
    "manage.py",
    apply="migrate",
    read="showmigrations|check|dbshell|shell|sqlflush|sqlmigrate|dumpdata|diffsettings|inspectdb",
    change="makemigrations|createsuperuser|loaddata|collectstatic|runserver|createcachetable|squashmigrations",
    destructive="flush|reset_db|sqlclear",
)


def _judge_interpreter(cmd: _Simple, args: Args, ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    if not args or all(a in ("-v", "-V", "--version", "version", "-h", "--help") for a in args):
        return (
            [_say(READ, f"{name} only prints its version")]
            if args
            else [_say(READ, f"{name} opens an interactive interpreter")]
        )
    index, options = _options(
        args, 0, frozenset({"-c", "-e", "--eval", "-r", "--require", "-W", "-X"})
    )
    if options.keys() & {"-c", "-e", "--eval"}:
        return [_say(CHANGE, f"{name} runs inline code (not analysed)")]
    script = args[index] if index < len(args) else ""
    if _program_name(script) == "manage.py":
        return _judge_tool(_DJANGO, cmd, args[index + 1 :], ctx)
    return _judge_script(script) if script else [_say(CHANGE, f"{name} runs code")]


# ---------------------------------------------------------------------------------------------
# Programs judged by their arguments


def _judge_echo(cmd: _Simple, _args: Args, _ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    secrets = _secret_params(cmd)
    if secrets:
        shown = ", ".join(f"${s}" for s in secrets)
        return [_exposure(f"{name} prints the secret {shown} to the terminal and scrollback")]
    return [_say(READ, f"{name} only prints text")]


def _judge_reader(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    secrets = _secret_files(args)
    if secrets:
        return [_exposure(f"{name} prints the secret file {secrets[0]}")]
    if name == "sed" and any(re.match(r"-[a-zA-Z]*i|--in-place", a) for a in args):
        return [_say(CHANGE, "sed -i edits the file in place")]
    if name in ("sort", "uniq") and any(a.startswith(("-o", "--output")) for a in args):
        return [_say(CHANGE, f"{name} -o writes a file")]
    if name in ("awk", "gawk") and "inplace" in args:
        return [_say(CHANGE, "awk -i inplace edits the file in place")]
    if name == "tail" and any(a in ("-f", "-F", "--follow") for a in args):
        return [_say(READ, "tail -f only follows the file")]
    return [_say(READ, f"{name} only reads")]


def _judge_editor(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    secrets = _secret_files(args)
    target = secrets[0] if secrets else next((a for a in args if not a.startswith("-")), "a file")
    return [_say(CHANGE, f"{name} edits {target}", sensitive=bool(secrets))]


def _judge_printenv(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    names = [a for a in args if not a.startswith("-")]
    if not names or any(is_secret_name(n) for n in names):
        return [_exposure("printenv prints environment variables, secrets included")]
    return [_say(READ, "printenv prints non-secret variables")]


def _judge_set(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if not args:
        return [_exposure("set prints every shell variable, secrets included")]
    return [_say(READ, "set only changes shell options")]


def _judge_export(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    names = [a for a in args if not a.startswith("-")]
    if not names:
        return [_exposure("export prints every exported variable, secrets included")]
    verdicts = [_secret_setting(a) for a in names if _sets_secret(a)]
    shown = ", ".join(a.split("=", 1)[0] for a in names)
    return [*verdicts, _say(CHANGE, f"export sets {shown} for this shell and its children")]


def _judge_curl(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    method = ""
    for index, arg in enumerate(args):
        if arg in ("-X", "--request") and index + 1 < len(args):
            method = args[index + 1].upper()
        elif arg.startswith("-X") and len(arg) > 2:
            method = arg[2:].upper()
        elif arg.startswith("--request="):
            method = arg.split("=", 1)[1].upper()
    sends = any(
        a in ("-d", "-F", "-T", "--json", "--form", "--upload-file")
        or a.startswith(("--data", "-d"))
        for a in args
    )
    if not method:
        method = (
            "HEAD"
            if any(a in ("-I", "--head") for a in args)
            else ("POST" if sends and "-G" not in args else "GET")
        )
    url = next((a for a in args if re.match(r"https?://", a)), "")
    where = f" to {url}" if url else ""
    if method in ("GET", "HEAD", "OPTIONS"):
        return [_say(READ, f"curl {method} only reads")]
    if method == "DELETE":
        return [_say(DESTRUCTIVE, f"curl DELETE{where} deletes a remote resource")]
    return [_say(CHANGE, f"curl {method}{where} changes remote state")]


def _judge_wget(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(a.startswith(("--post-data", "--post-file", "--method", "--body-data")) for a in args):
        return [_say(CHANGE, "wget sends a state-changing request")]
    return [_say(READ, "wget only downloads")]


def _judge_httpie(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, frozenset({"-a", "--auth", "-o", "--output"}))
    method = words[0].upper() if words and words[0].isalpha() and words[0].isupper() else ""
    if not method:
        method = "POST" if any(re.match(r"^[\w-]+:?=", w) for w in words[1:]) else "GET"
    if method in ("GET", "HEAD", "OPTIONS"):
        return [_say(READ, f"{cmd.argv[0]} {method} only reads")]
    if method == "DELETE":
        return [_say(DESTRUCTIVE, f"{cmd.argv[0]} DELETE deletes a remote resource")]
    return [_say(CHANGE, f"{cmd.argv[0]} {method} changes remote state")]


def _judge_dd(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    target = next((a[3:] for a in args if a.startswith("of=")), "")
    if target and target not in _NULL_TARGETS:
        return [_say(DESTRUCTIVE, f"dd of={target} overwrites it block by block")]
    return [_say(READ, "dd without of= only reads")]


def _judge_find(cmd: _Simple, args: Args, ctx: _Context) -> list[Verdict]:
    if "-delete" in args:
        return [_say(DESTRUCTIVE, "find -delete deletes every matching file")]
    for index, arg in enumerate(args):
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            rest = list(args[index + 1 :])
            end = next((i for i, a in enumerate(rest) if a in (";", "+", "\\;")), len(rest))
            return _judge(_inner(cmd, rest[:end]), ctx.deeper())
    if any(a in ("-fprint", "-fprintf", "-fls") for a in args):
        return [_say(CHANGE, "find -fprint writes a file")]
    return [_say(READ, "find only lists files")]


def _judge_tee(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    files = [a for a in args if not a.startswith("-") and a not in _NULL_TARGETS]
    if files:
        return [_say(CHANGE, f"tee writes the file {files[0]}")]
    return [_say(READ, "tee only copies its input to the output")]


def _judge_crontab(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if "-r" in args:
        return [_say(DESTRUCTIVE, "crontab -r deletes every cron job of the user")]
    if "-l" in args:
        return [_say(READ, "crontab -l only lists cron jobs")]
    return [_say(CHANGE, "crontab replaces the cron jobs")]


def _judge_rsync(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(a.startswith("--delete") or a == "--remove-source-files" for a in args):
        return [_say(DESTRUCTIVE, "rsync --delete deletes files missing from the source")]
    if any(a in ("-n", "--dry-run") for a in args):
        return [_say(READ, "rsync --dry-run only lists what it would copy")]
    return [_say(CHANGE, "rsync copies files (it may overwrite)")]


def _judge_tar(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    mode = next((a.lstrip("-") for a in args if not a.startswith("--")), "")
    if "--delete" in args:
        return [_say(DESTRUCTIVE, "tar --delete removes members from the archive")]
    if "t" in mode or "--list" in args:
        return [_say(READ, "tar -t only lists the archive")]
    if "x" in mode or "--extract" in args:
        return [_say(CHANGE, "tar -x extracts files (it may overwrite)")]
    return [_say(CHANGE, "tar writes an archive")]


def _judge_journalctl(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(a.startswith("--vacuum") for a in args):
        return [
            _say(DESTRUCTIVE, "journalctl --vacuum-* deletes archived journal logs (evidence lost)")
        ]
    if any(
        a in ("--rotate", "--flush", "--sync", "--setup-keys", "--relinquish-var") for a in args
    ):
        return [_say(CHANGE, "journalctl --rotate/--flush changes the journal files")]
    return [_say(READ, "journalctl only reads the journal")]


def _judge_dmesg(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(a in ("-c", "-C", "--clear", "--read-clear") for a in args):
        return [_say(DESTRUCTIVE, "dmesg -c clears the kernel ring buffer")]
    return [_say(READ, "dmesg only reads the kernel log")]


def _judge_sysctl(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(a in ("-w", "-p", "--write", "--load", "--system") or "=" in a for a in args):
        return [_say(CHANGE, "sysctl changes kernel parameters")]
    return [_say(READ, "sysctl only reads kernel parameters")]


def _judge_ip(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, frozenset({"-n", "-netns", "-f", "-family"}))
    action = words[1] if len(words) > 1 else "show"
    if action in ("show", "list", "ls", "get", "lst", "sh", "s") or len(words) < 2:
        return [_say(READ, "ip only shows network state")]
    return [_say(CHANGE, f"ip {' '.join(words[:2])} changes network configuration")]


def _judge_ctl_status(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    words = _positionals(args, frozenset())
    if not words or words[0] in ("status", "show") or words[0].startswith("list"):
        return [_say(READ, f"{name} only shows settings")]
    return [_say(CHANGE, f"{name} {words[0]} changes system settings")]


_OPENSSL_READ: Final = frozenset(
    _words(
        """rand s_client x509 version ciphers verify dgst crl
        asn1parse sess_id s_time speed list errstr prime help"""
    )
)


def _judge_openssl(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    sub = args[0] if args else ""
    if sub in _OPENSSL_READ:
        return [_say(READ, f"openssl {sub} only reads or prints")]
    return [_say(CHANGE, f"openssl {sub} writes keys or certificates")]


def _judge_hostname(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if [a for a in args if not a.startswith("-")]:
        return [_say(CHANGE, "hostname NAME renames the machine")]
    return [_say(READ, "hostname only prints the name")]


# Databases from the shell ----------------------------------------------------------------------

_PSQL_VALUES: Final = frozenset(
    _words(
        """-c --command -f --file -d --dbname -h --host -p --port -U --username
        -v --set --variable -o --output -L --log-file -P --pset -F -R -T"""
    )
)
_SESSION: Final = (
    "psql opens an interactive session (the statements typed next are assessed on their own)"
)
_DUMP_NAME: Final = re.compile(r"(?i)dump|backup|restore|\.sql\.gz$|\.bak$")


def _is_sql_session(cmd: _Simple) -> bool:
    """An interactive SQL client: nothing to run given on the command line or on stdin."""
    name = _program_name(cmd.argv[0])
    args = cmd.argv[1:]
    stdin = (
        cmd.stdin is not None
        or cmd.heredoc is not None
        or any(r.op in ("<", "<<", "<<<") for r in cmd.redirects)
    )
    words = [w.lower() for w in _positionals(args, _PLATFORM_RUN_VALUES)]
    if name in ("railway", "heroku", "fly", "flyctl"):
        return words[:1] in (["connect"], ["pg:psql"]) or words[:2] == ["postgres", "connect"]
    if name not in _SQL_CLIENTS or stdin:
        return False
    executes = {
        "-c",
        "--command",
        "-f",
        "--file",
        "-e",
        "--execute",
        "--eval",
        "-l",
        "--list",
        "--version",
        "-V",
    }
    if any(a.split("=", 1)[0] in executes for a in args):
        return False
    if name == "sqlite3":
        return len(_positionals(args, frozenset())) <= 1
    return True


def _judge_psql(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    verdicts: list[Verdict] = []
    index = 0
    while index < len(args):
        arg = args[index]
        option, _, value = arg.partition("=")
        if arg in _PSQL_VALUES and index + 1 < len(args):
            value, option = args[index + 1], arg
            index += 1
        elif arg.startswith("-c") and len(arg) > 2 and not arg.startswith("--"):
            option, value = "-c", arg[2:]
        if option in ("-c", "--command"):
            verdicts += _assess_sql(value)
        elif option in ("-f", "--file"):
            verdicts.append(_sql_file("psql -f", value))
        index += 1
    if verdicts:
        return verdicts + _sql_stdin(cmd, "psql")
    if any(a in ("-l", "--list", "--version", "-V") for a in args):
        return [_say(READ, "psql -l only lists databases")]
    if _is_sql_session(cmd):
        return [_say(READ, _SESSION)]
    return _sql_stdin(cmd, "psql")


def _sql_file(what: str, path: str) -> Verdict:
    if path in ("-", "/dev/stdin"):
        return _say(CHANGE, f"{what} - runs SQL read from stdin (not visible here)")
    if _DUMP_NAME.search(path):
        return _say(DESTRUCTIVE, f"{what} {path} replays a dump into the database (a restore)")
    return _say(CHANGE, f"{what} runs the SQL file {path} (its content is not visible here)")


def _sql_stdin(cmd: _Simple, client: str, dialect: str = "postgres") -> list[Verdict]:
    verdicts: list[Verdict] = []
    for redirect in cmd.redirects:
        if redirect.op == "<":
            verdicts.append(
                _say(
                    DESTRUCTIVE,
                    f"{client} … < {redirect.target} replays the file into the database "
                    "(a restore: what was written since is lost)",
                )
            )
        elif redirect.op == "<<<":
            verdicts += _assess_sql(redirect.target, dialect)
    if cmd.heredoc is not None:
        verdicts += _assess_sql(cmd.heredoc, dialect)
    if cmd.stdin is not None and cmd.stdin.argv:
        feeder = _program_name(cmd.stdin.argv[0])
        if feeder in ("echo", "printf"):
            verdicts += _assess_sql(
                " ".join(a for a in cmd.stdin.argv[1:] if not a.startswith("-")), dialect
            )
        elif feeder in ("cat", "zcat", "gunzip", "gzip", "bzcat", "xzcat", "pv", "zstdcat"):
            verdicts.append(
                _say(
                    DESTRUCTIVE,
                    f"{client} replays a dump from the pipe into the database (a restore)",
                )
            )
        else:
            verdicts.append(_say(CHANGE, f"{client} runs SQL from the pipe (not visible here)"))
    return verdicts


def _judge_mysql(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    name = _program_name(cmd.argv[0])
    notes = [
        _leak(f"{name} -p passes a literal password") for a in args if re.fullmatch(r"-p.+", a)
    ]
    statements = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-e", "--execute")]
    statements += [a.split("=", 1)[1] for a in args if a.startswith("--execute=")]
    verdicts = [v for statement in statements for v in _assess_sql(statement, "mysql")]
    verdicts += _sql_stdin(cmd, name, "mysql")
    return notes + (verdicts or [_say(READ, f"{name} opens an interactive session")])


def _judge_sqlite(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, frozenset({"-cmd", "-separator"}))
    statement = " ".join(words[1:])
    if statement.startswith((".dump", ".tables", ".schema", ".indexes")):
        return [_say(READ, f"sqlite3 {statement.split()[0]} only reads")]
    if statement.startswith("."):
        return [_say(CHANGE, f"sqlite3 {statement.split()[0]}: dot-command treated as a change")]
    if statement:
        return _assess_sql(statement, "sqlite")
    return _sql_stdin(cmd, "sqlite3", "sqlite") or [
        _say(READ, "sqlite3 opens an interactive session")
    ]


def _judge_mongo(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    script = " ".join(args[i + 1] for i, a in enumerate(args[:-1]) if a == "--eval")
    if not script:
        return [_say(READ, "mongosh opens an interactive session")]
    if re.search(r"(?i)drop|delete|remove\(|\.remove|deleteMany|deleteOne", script):
        return [_say(DESTRUCTIVE, "the mongo script deletes or drops data")]
    if re.search(r"(?i)update|insert|replace|create|rename|set", script):
        return [_say(CHANGE, "the mongo script writes data")]
    return [_say(READ, "the mongo script only reads")]


def _judge_pg_restore(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(a in ("-l", "--list") for a in args):
        return [_say(READ, "pg_restore -l only lists the dump")]
    database = next(
        (args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-d", "--dbname")), "the database"
    )
    return [_say(DESTRUCTIVE, f"pg_restore writes the dump into {database} (overwrites data)")]


def _judge_vacuumdb(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if any(a in ("-f", "--full") for a in args):
        return [_say(DESTRUCTIVE, _VACUUM_FULL)]
    return [_say(CHANGE, "vacuumdb vacuums and analyses the database (no data change)")]


def _judge_pg_ctl(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    if "status" in args:
        return [_say(READ, "pg_ctl status only reads")]
    return [_say(CHANGE, "pg_ctl starts, stops or promotes the PostgreSQL server")]


def _judge_mysqladmin(_cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    words = _positionals(args, frozenset({"-u", "-h", "-P", "--user", "--host", "--port"}))
    if any(w in ("drop", "shutdown", "kill") for w in words):
        return [
            _say(DESTRUCTIVE, "mysqladmin drops a database, kills threads or shuts the server down")
        ]
    if any(
        w.startswith(("flush", "create", "password", "reload", "refresh", "start", "stop"))
        for w in words
    ):
        return [_say(CHANGE, "mysqladmin changes the server state")]
    return [_say(READ, "mysqladmin only reads status")]


# Redis ------------------------------------------------------------------------------------------

_REDIS_VALUES: Final = frozenset(
    _words("""-h -p -s -a -u -n -r -i -d --user --pass --cacert --cert --key --tls-ciphers --pattern
    --count --rdb --functions-rdb --eval --memkeys-samples --sni --cacertdir""")
)


def _redis_commands(risk: Risk, names: str, why: str) -> dict[str, Verdict]:
    keys = (" ".join(name.split()) for name in names.split("|"))
    return {name: Verdict(risk, f"{name} {why}") for name in keys}


_REDIS: Final[Mapping[str, Verdict]] = {
    **_redis_commands(
        READ,
        """PING|INFO|GET|MGET|LLEN|LRANGE|LINDEX|HGET|HGETALL|HLEN|HKEYS|HVALS|HMGET|HEXISTS|
        SCARD|SMEMBERS|SISMEMBER|ZCARD|ZRANGE|ZSCORE|ZCOUNT|ZRANGEBYSCORE|ZREVRANGE|TTL|PTTL|
        TYPE|EXISTS|DBSIZE|MEMORY USAGE|MEMORY STATS|MEMORY DOCTOR|CONFIG GET|CLIENT LIST|
        CLIENT INFO|SLOWLOG GET|SLOWLOG LEN|MONITOR|XLEN|XINFO|XRANGE|XREVRANGE|XPENDING|STRLEN|
        OBJECT|LASTSAVE|TIME|ROLE|CLUSTER INFO|CLUSTER NODES|LATENCY|COMMAND|SCAN|SSCAN|HSCAN|
        ZSCAN|RANDOMKEY|ECHO|SELECT|PUBSUB|SUBSCRIBE|PSUBSCRIBE|DUMP|GETRANGE|BITCOUNT|PFCOUNT|
        GEOPOS|GEODIST|SRANDMEMBER|LPOS|ACL WHOAMI|ACL CAT|MODULE LIST|FUNCTION LIST|QUIT""",
        "only reads",
    ),
    "KEYS": Verdict(
        READ,
        "KEYS only reads, but it scans the whole keyspace and blocks Redis on large databases",
        note=True,
    ),
    **_redis_commands(
        CHANGE,
        """SET|SETEX|PSETEX|SETNX|MSET|APPEND|INCR|INCRBY|DECR|DECRBY|INCRBYFLOAT|EXPIRE|PEXPIRE|
        EXPIREAT|PERSIST|LPUSH|RPUSH|LINSERT|LSET|HSET|HMSET|HSETNX|HINCRBY|SADD|SMOVE|ZADD|
        ZINCRBY|XADD|XGROUP|XACK|XCLAIM|PUBLISH|RENAME|RENAMENX|COPY|MOVE|CONFIG SET|
        CONFIG REWRITE|CONFIG RESETSTAT|MEMORY PURGE|BGSAVE|SAVE|BGREWRITEAOF|CLIENT PAUSE|
        CLIENT UNPAUSE|CLIENT SETNAME|CLIENT NO-EVICT|SLOWLOG RESET|LATENCY RESET|SCRIPT FLUSH|
        SCRIPT LOAD|FUNCTION LOAD|REPLICAOF|SLAVEOF|FAILOVER|CLUSTER FAILOVER|RESTORE|PFADD|
        GEOADD|SETRANGE|SETBIT|EVAL|EVALSHA|FCALL|MODULE LOAD|ACL SETUSER|WAIT""",
        "writes to Redis",
    ),
    "MEMORY PURGE": Verdict(
        CHANGE, "MEMORY PURGE asks the allocator to release memory (no data lost)"
    ),
    "CONFIG SET": Verdict(CHANGE, "CONFIG SET changes the running Redis configuration"),
    "FLUSHDB": Verdict(DESTRUCTIVE, "FLUSHDB deletes every key of the Redis database"),
    "FLUSHALL": Verdict(DESTRUCTIVE, "FLUSHALL deletes every key of every Redis database"),
    "DEL": Verdict(DESTRUCTIVE, "DEL deletes keys"),
    "UNLINK": Verdict(DESTRUCTIVE, "UNLINK deletes keys"),
    **_redis_commands(
        DESTRUCTIVE,
        """GETDEL|LPOP|RPOP|BLPOP|BRPOP|LMPOP|LTRIM|LREM|SPOP|SREM|HDEL|ZREM|ZPOPMIN|ZPOPMAX|
        ZREMRANGEBYSCORE|ZREMRANGEBYRANK|ZREMRANGEBYLEX|XDEL|XTRIM|SWAPDB|MIGRATE|SHUTDOWN|
        CLIENT KILL|DEBUG|CLUSTER RESET|ACL DELUSER|FUNCTION FLUSH|FUNCTION DELETE|RPOPLPUSH|
        LMOVE|BLMOVE|SMOVE|GETEX""",
        "removes data or connections",
    ),
}


def _judge_redis(cmd: _Simple, args: Args, _ctx: _Context) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for index, arg in enumerate(args[:-1]):
        if arg in ("-a", "--pass"):
            if _is_literal(args[index + 1]):
                verdicts.append(_leak("redis-cli -a passes a literal password"))
            else:
                verdicts.append(
                    Verdict(
                        READ,
                        "redis-cli -a puts the password in the process list (prefer REDISCLI_AUTH)",
                        note=True,
                    )
                )
    words = _positionals(args, _REDIS_VALUES)
    flags = set(args)
    if not words:
        if flags & {"--rdb"}:
            return [
                *verdicts,
                _say(READ, "redis-cli --rdb downloads a snapshot (the server is only read)"),
            ]
        if flags & {"--pipe"} or cmd.stdin is not None:
            return [*verdicts, _say(CHANGE, "redis-cli --pipe sends the commands read from stdin")]
        if flags & {"--eval"}:
            return [*verdicts, _say(CHANGE, "redis-cli --eval runs a Lua script (not analysed)")]
        if flags & {
            "--scan",
            "--bigkeys",
            "--memkeys",
            "--hotkeys",
            "--stat",
            "--latency",
            "--latency-history",
            "--version",
            "--help",
        }:
            return [*verdicts, _say(READ, "redis-cli only scans or measures")]
        return [*verdicts, _say(READ, "redis-cli opens an interactive session")]
    command = words[0].upper()
    pair = f"{command} {words[1].upper()}" if len(words) > 1 else command
    verdict = _REDIS.get(pair) or _REDIS.get(command)
    if verdict is None:
        verdict = _say(CHANGE, f"Redis {command}: unknown command, treated as a change")
    if pair == "CONFIG GET" and len(words) > 2 and re.search(r"(?i)pass|auth|\*", words[2]):
        verdict = _exposure("CONFIG GET prints the Redis password")
    if pair == "CONFIG SET" and len(words) > 2 and re.search(r"(?i)pass|auth", words[2]):
        verdict = _say(CHANGE, "CONFIG SET changes the Redis password", sensitive=True)
    if command == "AUTH" and len(words) > 1:
        verdict = (
            _leak("AUTH passes the password on the command line")
            if _is_literal(words[-1])
            else _say(READ, "AUTH authenticates")
        )
    return [*verdicts, verdict]


_SQL_CLIENTS: Final = frozenset(
    {
        "psql",
        "mysql",
        "mariadb",
        "sqlite3",
        "pgcli",
        "mycli",
        "mongosh",
        "mongo",
        "clickhouse-client",
    }
)


_JUDGES: Final[Mapping[str, Judge]] = {
    **dict.fromkeys(("echo", "printf"), _judge_echo),
    **dict.fromkeys(
        _words("""cat tac less more head tail bat batcat view nl strings xxd od hexdump base64 grep
        egrep fgrep rg ag awk gawk cut sort uniq jq yq diff zcat zless zgrep column tr sed
        paste"""),
        _judge_reader,
    ),
    **dict.fromkeys(_words("vim vi nvim nano emacs code ed"), _judge_editor),
    **dict.fromkeys(("kill", "pkill", "killall"), _judge_kill),
    **dict.fromkeys(("curl",), _judge_curl),
    **dict.fromkeys(("wget",), _judge_wget),
    **dict.fromkeys(("http", "https", "xh"), _judge_httpie),
    **dict.fromkeys(
        ("iptables", "ip6tables", "iptables-save", "ip6tables-save", "nft"), _judge_iptables
    ),
    **dict.fromkeys(
        ("node", "python", "python3", "ruby", "perl", "php", "java", "deno"), _judge_interpreter
    ),
    **dict.fromkeys(
        ("timedatectl", "hostnamectl", "localectl", "loginctl", "resolvectl"), _judge_ctl_status
    ),
    **dict.fromkeys(("mysql", "mariadb"), _judge_mysql),
    **dict.fromkeys(("mongosh", "mongo"), _judge_mongo),
    "printenv": _judge_printenv,
    "set": _judge_set,
    "export": _judge_export,
    "dd": _judge_dd,
    "find": _judge_find,
    "tee": _judge_tee,
    "crontab": _judge_crontab,
    "rsync": _judge_rsync,
    "tar": _judge_tar,
    "journalctl": _judge_journalctl,
    "dmesg": _judge_dmesg,
    "sysctl": _judge_sysctl,
    "ip": _judge_ip,
    "openssl": _judge_openssl,
    "hostname": _judge_hostname,
    "service": _judge_service,
    "nginx": _judge_nginx,
    "dpkg": _judge_dpkg,
    "psql": _judge_psql,
    "pgcli": _judge_psql,
    "sqlite3": _judge_sqlite,
    "pg_restore": _judge_pg_restore,
    "vacuumdb": _judge_vacuumdb,
    "pg_ctl": _judge_pg_ctl,
    "mysqladmin": _judge_mysqladmin,
    "redis-cli": _judge_redis,
    "docker-compose": _judge_docker_compose,
    "aws": _judge_cloud,
    "gcloud": _judge_cloud,
    "az": _judge_cloud,
    "manage.py": lambda cmd, args, ctx: _judge_tool(_DJANGO, cmd, args, ctx),
}

_TOOLS: Final[Mapping[str, _Tool]] = {
    "docker": _DOCKER,
    "podman": _DOCKER,
    "kubectl": _KUBECTL,
    "oc": _KUBECTL,
    "helm": _HELM,
    "terraform": _TERRAFORM,
    "tofu": _TERRAFORM,
    "git": _GIT,
    "systemctl": _SYSTEMCTL,
    "pm2": _PM2,
    "supervisorctl": _SUPERVISORCTL,
    "apachectl": _APACHECTL,
    "apache2ctl": _APACHECTL,
    "ufw": _UFW,
    "vercel": _VERCEL,
    "railway": _RAILWAY,
    "heroku": _HEROKU,
    "fly": _FLY,
    "flyctl": _FLY,
    **_PACKAGE_TOOLS,
    **_MIGRATION_TOOLS,
}

_KNOWN_NAMES: Final = (
    frozenset(_PROGRAMS) | frozenset(_JUDGES) | frozenset(_TOOLS) | frozenset(_WRAPPERS)
)


# ---------------------------------------------------------------------------------------------
# SQL


_VACUUM_FULL: Final = (
    "VACUUM FULL rewrites the whole table under an exclusive lock: reads and writes wait, "
    "and it needs as much free disk as the table"
)
# Functions that act on the server rather than compute a value.
_SQL_FUNCTIONS: Final[Mapping[str, Verdict]] = {
    "pg_terminate_backend": Verdict(
        DESTRUCTIVE,
        "pg_terminate_backend kills database sessions (their open transactions are rolled back)",
    ),
    "pg_cancel_backend": Verdict(
        CHANGE, "pg_cancel_backend cancels running queries (the sessions survive)"
    ),
    "pg_reload_conf": Verdict(CHANGE, "pg_reload_conf reloads the server configuration"),
    "pg_rotate_logfile": Verdict(CHANGE, "pg_rotate_logfile rotates the server log"),
    "pg_switch_wal": Verdict(CHANGE, "pg_switch_wal forces a WAL switch"),
    "pg_create_restore_point": Verdict(CHANGE, "pg_create_restore_point writes a restore point"),
    "pg_drop_replication_slot": Verdict(
        DESTRUCTIVE,
        "pg_drop_replication_slot deletes a replication slot (the replica loses its position)",
    ),
    "pg_stat_reset": Verdict(CHANGE, "pg_stat_reset clears the statistics counters"),
    "pg_stat_statements_reset": Verdict(
        CHANGE, "pg_stat_statements_reset clears the query statistics"
    ),
    "setval": Verdict(CHANGE, "setval moves a sequence"),
    "nextval": Verdict(CHANGE, "nextval advances a sequence"),
    "set_config": Verdict(CHANGE, "set_config changes a setting"),
    "lo_unlink": Verdict(DESTRUCTIVE, "lo_unlink deletes a large object"),
    "pg_advisory_lock": Verdict(CHANGE, "pg_advisory_lock takes a lock"),
    "dblink_exec": Verdict(
        CHANGE, "dblink_exec runs a statement on another database (not analysed)"
    ),
    "pg_read_file": Verdict(
        READ, "pg_read_file reads a server file (it may hold secrets)", sensitive=True
    ),
}
# Statements sqlglot reads well; the others go to the keyword table (sqlglot turns them into
# opaque `Command`s, or worse, misreads `CLUSTER t` as an alias).
_SQLGLOT_FIRST: Final = frozenset(
    _words(
        """SELECT WITH INSERT UPDATE DELETE MERGE CREATE DROP
        ALTER TRUNCATE GRANT REVOKE SET COPY ANALYZE VALUES TABLE"""
    )
)
_SQL_KEYWORDS: Final[Mapping[str, Verdict]] = {
    "SELECT": Verdict(READ, "SELECT only reads rows"),
    "WITH": Verdict(READ, "the query only reads rows"),
    "VALUES": Verdict(READ, "VALUES only computes rows"),
    "TABLE": Verdict(READ, "TABLE only reads rows"),
    "SHOW": Verdict(READ, "SHOW only reads a setting"),
    "DESCRIBE": Verdict(READ, "DESCRIBE only reads the schema"),
    "DESC": Verdict(READ, "DESC only reads the schema"),
    "USE": Verdict(READ, "USE only selects a database"),
    "BEGIN": Verdict(READ, "BEGIN only opens a transaction"),
    "START": Verdict(READ, "START TRANSACTION only opens a transaction"),
    "PREPARE": Verdict(READ, "PREPARE only plans a statement"),
    "DEALLOCATE": Verdict(READ, "DEALLOCATE only drops a prepared plan"),
    "DECLARE": Verdict(READ, "DECLARE only opens a cursor"),
    "FETCH": Verdict(READ, "FETCH only reads rows"),
    "CLOSE": Verdict(READ, "CLOSE only closes a cursor"),
    "LISTEN": Verdict(READ, "LISTEN only waits for notifications"),
    "COMMIT": Verdict(CHANGE, "COMMIT makes the open transaction's writes permanent"),
    "END": Verdict(CHANGE, "END makes the open transaction's writes permanent"),
    "ROLLBACK": Verdict(CHANGE, "ROLLBACK discards the open transaction"),
    "ABORT": Verdict(CHANGE, "ABORT discards the open transaction"),
    "SET": Verdict(CHANGE, "SET changes a setting"),
    "RESET": Verdict(CHANGE, "RESET restores a setting"),
    "ANALYZE": Verdict(CHANGE, "ANALYZE refreshes planner statistics (no data change)"),
    "VACUUM": Verdict(CHANGE, "VACUUM reclaims space (no data change)"),
    "REINDEX": Verdict(CHANGE, "REINDEX rebuilds indexes (it locks the table while it runs)"),
    "CLUSTER": Verdict(CHANGE, "CLUSTER rewrites the table in index order under an exclusive lock"),
    "REFRESH": Verdict(CHANGE, "REFRESH MATERIALIZED VIEW recomputes the view"),
    "LOCK": Verdict(CHANGE, "LOCK takes a table lock (other sessions wait)"),
    "CHECKPOINT": Verdict(CHANGE, "CHECKPOINT forces a checkpoint"),
    "DISCARD": Verdict(CHANGE, "DISCARD resets the session"),
    "NOTIFY": Verdict(CHANGE, "NOTIFY sends a notification"),
    "CALL": Verdict(CHANGE, "CALL runs a procedure (not analysed)"),
    "EXECUTE": Verdict(CHANGE, "EXECUTE runs a prepared statement (not analysed)"),
    "DO": Verdict(CHANGE, "DO runs an anonymous code block"),
    "COMMENT": Verdict(CHANGE, "COMMENT ON changes a description"),
    "SECURITY": Verdict(CHANGE, "SECURITY LABEL changes a label"),
    "IMPORT": Verdict(CHANGE, "IMPORT FOREIGN SCHEMA creates foreign tables"),
    "GRANT": Verdict(CHANGE, "GRANT changes privileges"),
    "REVOKE": Verdict(CHANGE, "REVOKE changes privileges"),
    "CREATE": Verdict(CHANGE, "CREATE adds a schema object"),
    "ALTER": Verdict(CHANGE, "ALTER changes the schema"),
    "RENAME": Verdict(CHANGE, "RENAME renames a table"),
    "COPY": Verdict(CHANGE, "COPY loads or exports rows"),
    "INSERT": Verdict(CHANGE, "INSERT adds rows"),
    "LOAD": Verdict(CHANGE, "LOAD DATA adds rows"),
    "OPTIMIZE": Verdict(CHANGE, "OPTIMIZE TABLE rebuilds the table"),
    "REPAIR": Verdict(CHANGE, "REPAIR TABLE rewrites the table"),
    "FLUSH": Verdict(CHANGE, "FLUSH reloads server caches"),
    "PRAGMA": Verdict(CHANGE, "PRAGMA may change database settings"),
    "ATTACH": Verdict(CHANGE, "ATTACH attaches a database"),
    "DETACH": Verdict(CHANGE, "DETACH detaches a database"),
    "UPDATE": Verdict(DESTRUCTIVE, "UPDATE overwrites rows (the old values are lost)"),
    "DELETE": Verdict(DESTRUCTIVE, "DELETE removes rows"),
    "DROP": Verdict(DESTRUCTIVE, "DROP deletes the object and its data"),
    "TRUNCATE": Verdict(DESTRUCTIVE, "TRUNCATE deletes every row of the table"),
    "MERGE": Verdict(DESTRUCTIVE, "MERGE overwrites or deletes rows"),
    "REPLACE": Verdict(DESTRUCTIVE, "REPLACE overwrites rows"),
    "KILL": Verdict(DESTRUCTIVE, "KILL terminates a database session"),
    "UPSERT": Verdict(DESTRUCTIVE, "UPSERT overwrites rows"),
}
_PSQL_META_READ: Final = frozenset(
    _words(
        """c connect conninfo q quit x timing pset set unset echo encoding ?
        h help watch o out l list g gx errverbose copyright z sf sv"""
    )
)


def _assess_sql(text: str, dialect: str = "postgres") -> list[Verdict]:
    verdicts: list[Verdict] = []
    for statement in _split_sql(_strip_hash_comment(text)):
        verdicts += _assess_statement(statement, dialect)
    return verdicts


def _strip_hash_comment(text: str) -> str:
    """`\\dt  # list the tables`: runbooks append shell-style notes to SQL lines."""
    return "\n".join(re.sub(r"\s+#\s+\D.*$", "", line) for line in text.split("\n"))


def _split_sql(text: str) -> list[str]:
    """Statements separated by `;` outside quotes, dollar quotes and comments."""
    statements: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if text.startswith(quote, i):
                current.append(quote)
                i += len(quote)
                quote = ""
                continue
        elif char in "'\"":
            quote = char
        elif char == "$" and (tag := re.match(r"\$\w*\$", text[i:])):
            quote = tag.group(0)
            current.append(quote)
            i += len(quote)
            continue
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif char == "\\" and not "".join(current).strip():
            end = text.find("\n", i)
            statements.append(text[i : len(text) if end < 0 else end])
            i = len(text) if end < 0 else end
            continue
        elif char == ";":
            statements.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


def _assess_statement(statement: str, dialect: str) -> list[Verdict]:
    text = re.sub(r"/\*.*?\*/", " ", statement, flags=re.S).strip()
    if text.startswith("\\"):
        return _psql_meta(text)
    first = _first_keyword(text)
    if first == "EXPLAIN":
        return _explain(text, dialect)
    if first == "VACUUM" and re.search(r"(?i)\bFULL\b", text):
        return [Verdict(DESTRUCTIVE, _VACUUM_FULL)]
    if first in _SQLGLOT_FIRST:
        try:
            trees = sqlglot.parse(text, read=dialect)
        except Exception:  # sqlglot's ParseError/TokenError; the keywords still tell a lot
            return _sql_keywords(text)
        verdicts = [v for tree in trees if tree is not None for v in _sql_tree(tree, text)]
        return verdicts or _sql_keywords(text)
    return _sql_keywords(text)


def _first_keyword(text: str) -> str:
    match = re.match(r"\s*\(*\s*([A-Za-z]+)", text)
    return match.group(1).upper() if match else ""


def _explain(text: str, dialect: str) -> list[Verdict]:
    """EXPLAIN only plans, but EXPLAIN ANALYZE runs the statement for real."""
    match = re.match(
        r"(?is)\s*EXPLAIN\s*(\((?P<opts>[^)]*)\)|(?P<words>(\s*(ANALYZE|ANALYSE|VERBOSE|COSTS|BUFFERS)\b)*))",
        text,
    )
    options = (match.group("opts") or match.group("words") or "") if match else ""
    inner = text[match.end() :] if match else ""
    if re.search(r"(?i)\banaly[sz]e\b(?!\s+(false|off|0))", options):
        return [
            Verdict(READ, "EXPLAIN ANALYZE runs the statement for real", note=True),
            *_assess_statement(inner, dialect),
        ]
    return [Verdict(READ, "EXPLAIN only shows the plan (the statement is not run)")]


def _sql_keywords(text: str) -> list[Verdict]:
    """Keyword analysis for what sqlglot cannot parse: the first keyword plus dangerous calls."""
    first = _first_keyword(text)
    verdict = _SQL_KEYWORDS.get(first)
    verdicts = (
        [verdict]
        if verdict
        else [Verdict(CHANGE, f"unrecognised SQL ({first or 'empty'}), treated as a change")]
    )
    upper = text.upper()
    if first == "ALTER" and re.search(r"\bDROP\b", upper):
        verdicts.append(
            Verdict(DESTRUCTIVE, "ALTER … DROP deletes a column or constraint and its data")
        )
    if first in ("WITH", "DO", "CREATE", "EXPLAIN"):
        for keyword in ("DELETE", "UPDATE", "DROP", "TRUNCATE", "INSERT"):
            if re.search(rf"\b{keyword}\b", upper):
                verdicts.append(_SQL_KEYWORDS[keyword])
    for name, found in _SQL_FUNCTIONS.items():
        if re.search(rf"(?i)\b{name}\s*\(", text):
            verdicts.append(found)
    return verdicts


def _table_name(node: exp.Expression) -> str:
    table = node.find(exp.Table)
    return table.sql() if table is not None else "the table"


def _sql_tree(tree: exp.Expr, text: str) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for node in tree.walk():
        verdicts += _sql_node(node)
    if isinstance(tree, exp.Command):
        verdicts += _sql_keywords(text)
    if not any(v.risk is not READ or v.sensitive for v in verdicts):
        if isinstance(tree, exp.Query):
            verdicts.append(Verdict(READ, "SELECT only reads rows"))
        elif not verdicts:
            verdicts += _sql_keywords(text)
    return verdicts


def _sql_node(node: exp.Expr) -> list[Verdict]:
    if isinstance(node, exp.Delete):
        where = "" if node.args.get("where") else " without WHERE: every row"
        return [Verdict(DESTRUCTIVE, f"DELETE removes rows from {_table_name(node)}{where}")]
    if isinstance(node, exp.Update):
        where = "" if node.args.get("where") else " without WHERE: every row"
        return [
            Verdict(
                DESTRUCTIVE,
                f"UPDATE overwrites rows of {_table_name(node)}{where} (the old values are lost)",
            )
        ]
    if isinstance(node, exp.Insert):
        conflict = node.args.get("conflict")
        if conflict is not None and "UPDATE" in conflict.sql().upper():
            return [
                Verdict(
                    DESTRUCTIVE,
                    f"INSERT … ON CONFLICT DO UPDATE overwrites rows of {_table_name(node)}",
                )
            ]
        return [Verdict(CHANGE, f"INSERT adds rows to {_table_name(node)}")]
    if isinstance(node, exp.Merge):
        return [Verdict(DESTRUCTIVE, "MERGE overwrites or deletes rows")]
    if isinstance(node, exp.TruncateTable):
        return [Verdict(DESTRUCTIVE, f"TRUNCATE deletes every row of {_table_name(node)}")]
    if isinstance(node, exp.Drop):
        kind = str(node.args.get("kind") or "object").upper()
        return [Verdict(DESTRUCTIVE, f"DROP {kind} deletes it and its data")]
    if isinstance(node, exp.Alter):
        return [Verdict(CHANGE, f"ALTER changes the schema of {_table_name(node)}")]
    if isinstance(node, exp.Create):
        return _sql_create(node)
    if isinstance(node, exp.Into):
        return [Verdict(CHANGE, "SELECT … INTO creates a table")]
    if isinstance(node, exp.Copy):
        loading = bool(node.args.get("kind"))
        return [
            Verdict(CHANGE, "COPY … FROM loads rows")
            if loading
            else Verdict(READ, "COPY … TO only exports rows")
        ]
    if isinstance(node, exp.Analyze):
        return [_SQL_KEYWORDS["ANALYZE"]]
    if isinstance(node, exp.Set) and node.parent is None:
        return [_SQL_KEYWORDS["SET"]]
    if isinstance(node, exp.Commit):
        return [_SQL_KEYWORDS["COMMIT"]]
    if isinstance(node, exp.Rollback):
        return [_SQL_KEYWORDS["ROLLBACK"]]
    if isinstance(node, exp.Transaction):
        return [_SQL_KEYWORDS["BEGIN"]]
    if isinstance(node, exp.Grant | exp.Revoke):
        return [Verdict(CHANGE, "GRANT/REVOKE changes privileges")]
    if isinstance(node, exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        found = _SQL_FUNCTIONS.get(name)
        return [found] if found else []
    return []


def _sql_create(node: exp.Create) -> list[Verdict]:
    kind = str(node.args.get("kind") or "").upper()
    if kind == "INDEX" and not node.args.get("concurrently"):
        return [
            Verdict(CHANGE, f"CREATE INDEX builds an index on {_table_name(node)}"),
            Verdict(
                READ,
                "without CONCURRENTLY it blocks writes to the table while it builds",
                note=True,
            ),
        ]
    return [Verdict(CHANGE, f"CREATE {kind or 'object'} adds a schema object")]


def _psql_meta(text: str) -> list[Verdict]:
    match = re.match(r"\\([a-zA-Z?!]+)\+?\s*(.*)", text, flags=re.S)
    name = match.group(1) if match else ""
    rest = match.group(2).strip() if match else ""
    if name == "!":
        return _assess_shell(rest, _Context().deeper())
    if name.startswith("d") or name in _PSQL_META_READ:
        return [Verdict(READ, f"\\{name} only reads (psql meta-command)")]
    if name in ("i", "ir", "include", "include_relative"):
        return [_sql_file(f"\\{name}", rest.split()[0] if rest else "?")]
    if name == "copy":
        loading = re.search(r"(?i)\bfrom\b", rest)
        return [
            Verdict(CHANGE, "\\copy … from loads rows")
            if loading
            else Verdict(READ, "\\copy … to only exports rows")
        ]
    if name == "password":
        return [Verdict(CHANGE, "\\password changes a role's password", sensitive=True)]
    return [Verdict(CHANGE, f"\\{name}: unknown psql meta-command, treated as a change")]


# ---------------------------------------------------------------------------------------------
# Placeholders


_PLACEHOLDER_PATTERNS: Final = (
    re.compile(r"<[A-Za-z][\w.:/-]*>"),  # <deployment-id>, <nouveau_secret>
    re.compile(r"\[[a-z]{2,}(?:[-_][a-z]+)+\]"),  # [deployment-url]
    re.compile(r"(?<![\w$])[A-Z][A-Z0-9_]*_(?:UUID|ID)(?![\w=])"),  # TENANT_UUID
    re.compile(r"(?<![\w$])(?:YOUR|MY)_[A-Z0-9_]+(?![\w=])"),  # YOUR_API_KEY
    re.compile(r"(?:YYYY|YY)[-_/.]?MM[-_/.]?DD(?:[-_T]?HH(?:[-:]?MM(?:[-:]?SS)?)?(?:MMSS)?)?"),
    re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+-][^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*"),
)


def _inside_single_quotes(text: str, position: int) -> bool:
    quote = ""
    for char in text[:position]:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
    return quote == "'"
