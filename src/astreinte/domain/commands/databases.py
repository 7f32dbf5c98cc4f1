"""Database clients and tools from the shell: psql, mysql, sqlite3, mongosh, pg_restore…

The SQL they are given (`-c`, `-e`, a heredoc, `echo … |`) is assessed by `sql`; a dump fed on
stdin is a restore. A client given nothing to run opens an interactive session, whose
statements a runbook lists on the following lines.
"""

from __future__ import annotations

import re
from typing import Final

from astreinte.domain.commands.arguments import positionals, program_name, words
from astreinte.domain.commands.platforms import PLATFORM_RUN_VALUES
from astreinte.domain.commands.secrets import leak
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.sql import VACUUM_FULL, assess_sql, sql_file
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Args, Context, Verdict

SQL_CLIENTS: Final = frozenset(
    words("psql mysql mariadb sqlite3 pgcli mycli mongosh mongo clickhouse-client")
)
# Their output redirected to a file is the backup itself: the database is only read.
DUMPERS: Final = frozenset(
    words("pg_dump pg_dumpall mysqldump mariadb-dump mongodump sqlite3 redis-cli")
)
_PSQL_VALUES: Final = frozenset(
    words(
        """-c --command -f --file -d --dbname -h --host -p --port -U --username
        -v --set --variable -o --output -L --log-file -P --pset -F -R -T"""
    )
)
_EXECUTES: Final = frozenset(
    words("-c --command -f --file -e --execute --eval -l --list --version -V")
)
_SESSION: Final = (
    "psql opens an interactive session (the statements typed next are assessed on their own)"
)


def is_sql_session(cmd: Simple) -> bool:
    """An interactive SQL client: nothing to run given on the command line or on stdin."""
    name = program_name(cmd.argv[0])
    args = cmd.argv[1:]
    stdin = (
        cmd.stdin is not None
        or cmd.heredoc is not None
        or any(r.op in ("<", "<<", "<<<") for r in cmd.redirects)
    )
    found = [w.lower() for w in positionals(args, PLATFORM_RUN_VALUES)]
    if name in ("railway", "heroku", "fly", "flyctl"):
        return found[:1] in (["connect"], ["pg:psql"]) or found[:2] == ["postgres", "connect"]
    if name not in SQL_CLIENTS or stdin:
        return False
    if any(a.split("=", 1)[0] in _EXECUTES for a in args):
        return False
    if name == "sqlite3":
        return len(positionals(args, frozenset())) <= 1
    return True


def _sql_stdin(cmd: Simple, client: str, dialect: str = "postgres") -> list[Verdict]:
    verdicts: list[Verdict] = []
    for redirect in cmd.redirects:
        if redirect.op == "<":
            verdicts.append(
                Verdict(
                    DESTRUCTIVE,
                    f"{client} … < {redirect.target} replays the file into the database "
                    "(a restore: what was written since is lost)",
                )
            )
        elif redirect.op == "<<<":
            verdicts += assess_sql(redirect.target, dialect)
    if cmd.heredoc is not None:
        verdicts += assess_sql(cmd.heredoc, dialect)
    if cmd.stdin is not None and cmd.stdin.argv:
        feeder = program_name(cmd.stdin.argv[0])
        if feeder in ("echo", "printf"):
            verdicts += assess_sql(
                " ".join(a for a in cmd.stdin.argv[1:] if not a.startswith("-")), dialect
            )
        elif feeder in ("cat", "zcat", "gunzip", "gzip", "bzcat", "xzcat", "pv", "zstdcat"):
            verdicts.append(
                Verdict(
                    DESTRUCTIVE,
                    f"{client} replays a dump from the pipe into the database (a restore)",
                )
            )
        else:
            verdicts.append(Verdict(CHANGE, f"{client} runs SQL from the pipe (not visible here)"))
    return verdicts


def judge_psql(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
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
            verdicts += assess_sql(value)
        elif option in ("-f", "--file"):
            verdicts.append(sql_file("psql -f", value))
        index += 1
    if verdicts:
        return verdicts + _sql_stdin(cmd, "psql")
    if any(a in ("-l", "--list", "--version", "-V") for a in args):
        return [Verdict(READ, "psql -l only lists databases")]
    if is_sql_session(cmd):
        return [Verdict(READ, _SESSION)]
    return _sql_stdin(cmd, "psql")


def judge_mysql(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    name = program_name(cmd.argv[0])
    notes = [leak(f"{name} -p passes a literal password") for a in args if re.fullmatch(r"-p.+", a)]
    statements = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-e", "--execute")]
    statements += [a.split("=", 1)[1] for a in args if a.startswith("--execute=")]
    verdicts = [v for statement in statements for v in assess_sql(statement, "mysql")]
    verdicts += _sql_stdin(cmd, name, "mysql")
    return notes + (verdicts or [Verdict(READ, f"{name} opens an interactive session")])


def judge_sqlite(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, frozenset({"-cmd", "-separator"}))
    statement = " ".join(found[1:])
    if statement.startswith((".dump", ".tables", ".schema", ".indexes")):
        return [Verdict(READ, f"sqlite3 {statement.split()[0]} only reads")]
    if statement.startswith("."):
        return [Verdict(CHANGE, f"sqlite3 {statement.split()[0]}: dot-command treated as a change")]
    if statement:
        return assess_sql(statement, "sqlite")
    return _sql_stdin(cmd, "sqlite3", "sqlite") or [
        Verdict(READ, "sqlite3 opens an interactive session")
    ]


def judge_mongo(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    script = " ".join(args[i + 1] for i, a in enumerate(args[:-1]) if a == "--eval")
    if not script:
        return [Verdict(READ, "mongosh opens an interactive session")]
    if re.search(r"(?i)drop|delete|remove\(|\.remove|deleteMany|deleteOne", script):
        return [Verdict(DESTRUCTIVE, "the mongo script deletes or drops data")]
    if re.search(r"(?i)update|insert|replace|create|rename|set", script):
        return [Verdict(CHANGE, "the mongo script writes data")]
    return [Verdict(READ, "the mongo script only reads")]


def judge_pg_restore(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(a in ("-l", "--list") for a in args):
        return [Verdict(READ, "pg_restore -l only lists the dump")]
    database = next(
        (args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-d", "--dbname")), "the database"
    )
    return [Verdict(DESTRUCTIVE, f"pg_restore writes the dump into {database} (overwrites data)")]


def judge_vacuumdb(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(a in ("-f", "--full") for a in args):
        return [Verdict(DESTRUCTIVE, VACUUM_FULL)]
    return [Verdict(CHANGE, "vacuumdb vacuums and analyses the database (no data change)")]


def judge_pg_ctl(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if "status" in args:
        return [Verdict(READ, "pg_ctl status only reads")]
    return [Verdict(CHANGE, "pg_ctl starts, stops or promotes the PostgreSQL server")]


def judge_mysqladmin(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, frozenset({"-u", "-h", "-P", "--user", "--host", "--port"}))
    if any(w in ("drop", "shutdown", "kill") for w in found):
        return [
            Verdict(
                DESTRUCTIVE, "mysqladmin drops a database, kills threads or shuts the server down"
            )
        ]
    changes = ("flush", "create", "password", "reload", "refresh", "start", "stop")
    if any(w.startswith(changes) for w in found):
        return [Verdict(CHANGE, "mysqladmin changes the server state")]
    return [Verdict(READ, "mysqladmin only reads status")]
