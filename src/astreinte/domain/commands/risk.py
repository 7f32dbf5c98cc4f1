"""The risk of a command line: cut it into simple commands, judge each, keep the worst.

A simple command is judged by what it writes (redirections), the secrets it sets or leaks, and
its program; a wrapper's inner command is judged in turn, one level deeper. This is the module
the knowledge tables call back into when a command runs another one (`find -exec`, `\\! cmd`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from astreinte.domain.commands.arguments import program_name
from astreinte.domain.commands.databases import DUMPERS, is_sql_session
from astreinte.domain.commands.programs import judge_program
from astreinte.domain.commands.secrets import assignment_verdicts, credential_notes
from astreinte.domain.commands.shell import (
    NULL_TARGETS,
    Redirect,
    Simple,
    parse_simples,
    prepare,
    strip_prompt,
    token_simples,
)
from astreinte.domain.commands.sql import assess_sql, sql_keywords
from astreinte.domain.commands.verdict import (
    CHANGE,
    DESTRUCTIVE,
    MAX_DEPTH,
    READ,
    TOO_DEEP,
    Context,
    Verdict,
    summarise,
)
from astreinte.domain.commands.wrappers import innermost, unwrap
from astreinte.domain.runbook.model import Assessment


def assess(command: str, *, sql: bool = False) -> Assessment:
    """Assess one shell command line (or SQL statement(s) when `sql`); never raises.

    Cached: the same commands come back across runbooks, and an `Assessment` is immutable.
    """
    return _assess(command, sql)


@lru_cache(maxsize=4096)
def _assess(command: str, sql: bool) -> Assessment:
    try:
        verdicts = assess_sql(command) if sql else assess_shell(command, Context())
    except Exception:  # the fallback below must catch whatever a parser throws
        verdicts = _assess_fallback(command, sql=sql)
    return summarise(verdicts)


@lru_cache(maxsize=4096)  # pure, and called on every command line of every block
def opens_sql_session(command: str) -> bool:
    """Whether the command opens an interactive SQL client (`psql $DB`, `railway connect`).

    The lines typed after it in a runbook are SQL statements, not shell commands.
    """
    try:
        simples = parse_simples(prepare(strip_prompt(command)))
    except Exception:
        return False
    for simple in simples:
        inner = innermost(simple, Context())
        if inner is not None and is_sql_session(inner):
            return True
    return False


def assess_shell(text: str, ctx: Context) -> list[Verdict]:
    if ctx.depth > MAX_DEPTH:
        return [TOO_DEEP]
    source = prepare(strip_prompt(text))
    if not source.strip():
        return []
    return _judge_all(parse_simples(source), ctx)


def judge(cmd: Simple, ctx: Context) -> list[Verdict]:
    """Everything found about one simple command, the commands it wraps included."""
    if ctx.depth > MAX_DEPTH:
        return [TOO_DEEP]
    verdicts = credential_notes(cmd) + assignment_verdicts(cmd)
    if not cmd.argv:
        return verdicts + _bare_redirect_verdicts(cmd)
    wrapped = unwrap(cmd, ctx)
    if wrapped is None:
        return verdicts + judge_program(cmd, ctx) + _redirect_verdicts(cmd)
    verdicts += wrapped.verdicts
    if isinstance(wrapped.inner, str):
        return (
            verdicts + assess_shell(wrapped.inner, wrapped.ctx.deeper()) + _redirect_verdicts(cmd)
        )
    if wrapped.inner is not None:
        verdicts += judge(wrapped.inner, wrapped.ctx.deeper())
    return verdicts


def _judge_all(simples: Iterable[Simple], ctx: Context) -> list[Verdict]:
    return [verdict for simple in simples for verdict in judge(simple, ctx)]


def _assess_fallback(text: str, *, sql: bool) -> list[Verdict]:
    """Last resort when an analyser failed: keywords only, and never lower than `change`."""
    try:
        verdicts = sql_keywords(text) if sql else _judge_all(token_simples(text), Context())
    except Exception:
        verdicts = []
    if re.search(r"(?i)\b(rm|drop|delete|truncate|flushdb|flushall|shred|mkfs|destroy)\b", text):
        verdicts.append(Verdict(DESTRUCTIVE, "could not be fully analysed; it names a deletion"))
    verdicts.append(Verdict(CHANGE, "could not be fully analysed, treated as a change"))
    return verdicts


# Redirections


def _writes_to_file(redirect: Redirect) -> bool:
    return (
        redirect.op in (">", ">>", "&>", ">&")
        and redirect.target not in NULL_TARGETS
        and not redirect.target.startswith("&")
    )


def _redirect_verdicts(cmd: Simple) -> list[Verdict]:
    name = program_name(cmd.argv[0]) if cmd.argv else ""
    verdicts: list[Verdict] = []
    for redirect in filter(_writes_to_file, cmd.redirects):
        if name in DUMPERS:
            verdicts.append(Verdict(READ, f"{name} writes its dump to {redirect.target}"))
        elif redirect.op == ">" and (name in (":", "true") or cmd.argv[1:] == ("/dev/null",)):
            verdicts.append(Verdict(DESTRUCTIVE, f"> {redirect.target} empties the file"))
        else:
            verdicts.append(Verdict(CHANGE, f"writes the file {redirect.target} (redirection)"))
    return verdicts


def _bare_redirect_verdicts(cmd: Simple) -> list[Verdict]:
    """`> file` or `VAR=x` with no program: the shell itself writes or sets."""
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
