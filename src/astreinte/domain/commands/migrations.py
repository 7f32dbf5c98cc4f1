"""Schema migration tools: applying migrations is a `change`, except when aimed at production.

There is no automatic rollback of a production migration (it takes a restore from a backup), so
`alembic upgrade head` under `railway run --environment production`, or with `prod` in its
arguments or variables, is `destructive`. Reverting or dropping schema always is.
"""

from __future__ import annotations

from typing import Final

from astreinte.domain.commands.arguments import is_production
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import Tool, table
from astreinte.domain.commands.verdict import (
    CHANGE,
    DESTRUCTIVE,
    Args,
    Context,
    Judge,
    Verdict,
)

_VALUES: Final = frozenset(
    {"--database-url", "-D", "--source", "-c", "--config", "-x", "--schema", "--env", "-e"}
)


def _migration(tool: str) -> Judge:
    def judge(cmd: Simple, _args: Args, ctx: Context) -> list[Verdict]:
        if ctx.production or _mentions_production(cmd):
            return [
                Verdict(
                    DESTRUCTIVE,
                    f"{tool} applies schema migrations to production; there is no automatic "
                    "rollback (restore from a backup)",
                )
            ]
        return [Verdict(CHANGE, f"{tool} applies schema migrations (not to production as written)")]

    return judge


def _mentions_production(cmd: Simple) -> bool:
    words = [*cmd.argv, *cmd.params, *(a.split("=", 1)[1] for a in cmd.assignments if "=" in a)]
    return any(is_production(word) for word in words)


def _migration_tool(
    name: str, *, apply: str, read: str = "", change: str = "", destructive: str = ""
) -> Tool:
    entries: dict[str, Verdict | Judge] = {
        **table(name, read=read, change=change, destructive=destructive,
                destructive_why="reverts or drops schema (the data in it is lost)"),
        **{key: _migration(f"{name} {key}") for key in apply.split("|")},
    }  # fmt: skip
    return Tool(name, entries, _VALUES)


_RAILS: Final = _migration_tool(
    "rails",
    apply="db:migrate",
    read="db:version|db:migrate:status|routes|console|c|about",
    change="db:seed|db:setup|db:create|generate|g|server|s|assets:precompile",
    destructive="db:rollback|db:drop|db:reset|db:schema:load|db:purge|db:migrate:down",
)

MIGRATION_TOOLS: Final = {
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
    "rails": _RAILS,
    "rake": _RAILS,
}

DJANGO: Final = _migration_tool(
    "manage.py",
    apply="migrate",
    read="showmigrations|check|dbshell|shell|sqlflush|sqlmigrate|dumpdata|diffsettings|inspectdb",
    change="""makemigrations|createsuperuser|loaddata|collectstatic|runserver|createcachetable|
    squashmigrations""",
    destructive="flush|reset_db|sqlclear",
)
