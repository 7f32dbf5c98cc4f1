"""SQL statements: what a statement does to the data, read by sqlglot or by its keywords.

The statements are split on `;` (outside quotes, dollar quotes and comments). sqlglot reads the
ones it knows well (SELECT, INSERT, UPDATE, DELETE, DDL…); the others, and whatever it cannot
parse, are judged by their first keyword plus the dangerous server functions they call. psql
meta-commands (`\\dt`, `\\i file`, `\\! cmd`) are understood too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import sqlglot
from sqlglot import exp

from astreinte.domain.commands.arguments import words
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Context, Verdict

VACUUM_FULL: Final = (
    "VACUUM FULL rewrites the whole table under an exclusive lock: reads and writes wait, "
    "and it needs as much free disk as the table"
)
# Functions that act on the server rather than compute a value.
_FUNCTIONS: Final[Mapping[str, Verdict]] = {
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
    words(
        """SELECT WITH INSERT UPDATE DELETE MERGE CREATE DROP
        ALTER TRUNCATE GRANT REVOKE SET COPY ANALYZE VALUES TABLE"""
    )
)
_KEYWORDS: Final[Mapping[str, Verdict]] = {
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
    words(
        """c connect conninfo q quit x timing pset set unset echo encoding ?
        h help watch o out l list g gx errverbose copyright z sf sv"""
    )
)


def assess_sql(text: str, dialect: str = "postgres") -> list[Verdict]:
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
        return [Verdict(DESTRUCTIVE, VACUUM_FULL)]
    if first in _SQLGLOT_FIRST:
        try:
            trees = sqlglot.parse(text, read=dialect)
        except Exception:  # sqlglot's ParseError/TokenError; the keywords still tell a lot
            return sql_keywords(text)
        verdicts = [v for tree in trees if tree is not None for v in _sql_tree(tree, text)]
        return verdicts or sql_keywords(text)
    return sql_keywords(text)


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


def sql_keywords(text: str) -> list[Verdict]:
    """Keyword analysis for what sqlglot cannot parse: the first keyword plus dangerous calls."""
    first = _first_keyword(text)
    verdict = _KEYWORDS.get(first)
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
                verdicts.append(_KEYWORDS[keyword])
    for name, found in _FUNCTIONS.items():
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
        verdicts += sql_keywords(text)
    if not any(v.risk is not READ or v.sensitive for v in verdicts):
        if isinstance(tree, exp.Query):
            verdicts.append(Verdict(READ, "SELECT only reads rows"))
        elif not verdicts:
            verdicts += sql_keywords(text)
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
        return [_KEYWORDS["ANALYZE"]]
    if isinstance(node, exp.Set) and node.parent is None:
        return [_KEYWORDS["SET"]]
    if isinstance(node, exp.Commit):
        return [_KEYWORDS["COMMIT"]]
    if isinstance(node, exp.Rollback):
        return [_KEYWORDS["ROLLBACK"]]
    if isinstance(node, exp.Transaction):
        return [_KEYWORDS["BEGIN"]]
    if isinstance(node, exp.Grant | exp.Revoke):
        return [Verdict(CHANGE, "GRANT/REVOKE changes privileges")]
    if isinstance(node, exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        found = _FUNCTIONS.get(name)
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
        # `\! cmd` runs a shell command, judged like any other; `risk` imports this module.
        from astreinte.domain.commands.risk import assess_shell

        return assess_shell(rest, Context().deeper())
    if name.startswith("d") or name in _PSQL_META_READ:
        return [Verdict(READ, f"\\{name} only reads (psql meta-command)")]
    if name in ("i", "ir", "include", "include_relative"):
        return [sql_file(f"\\{name}", rest.split()[0] if rest else "?")]
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


_DUMP_NAME: Final = re.compile(r"(?i)dump|backup|restore|\.sql\.gz$|\.bak$")


def sql_file(what: str, path: str) -> Verdict:
    """`psql -f path`, `\\i path`: the file is not visible, but a dump's name tells a restore."""
    if path in ("-", "/dev/stdin"):
        return Verdict(CHANGE, f"{what} - runs SQL read from stdin (not visible here)")
    if _DUMP_NAME.search(path):
        return Verdict(DESTRUCTIVE, f"{what} {path} replays a dump into the database (a restore)")
    return Verdict(CHANGE, f"{what} runs the SQL file {path} (its content is not visible here)")
