"""The `astreinte` command: the root of the sub-apps, and the one place errors become exit codes.

Exit codes: 0 ok, 1 failure or findings, 2 usage error (click's own). Errors are one red line on
stderr, never a traceback (set ASTREINTE_DEBUG=1 to see one for an unexpected error).
"""

from __future__ import annotations

import os
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from astreinte import __version__
from astreinte.cli import (
    alerts,
    incidents,
    lint,
    maintenance,
    match,
    probes,
    risk,
    run,
    runbooks,
    serve,
)
from astreinte.cli.runtime import ConfigOption, runtime
from astreinte.errors import AstreinteError


def _fail(message: str) -> NoReturn:
    # soft_wrap: the message stays one line, whatever the terminal width.
    Console(stderr=True).print(Text(message, style="red"), soft_wrap=True)
    raise typer.Exit(1)


def _is_database_error(exc: BaseException) -> bool:
    # Checked by name so that commands which never open the database do not import SQLAlchemy.
    return any(
        cls.__module__.startswith("sqlalchemy.") and cls.__name__ == "SQLAlchemyError"
        for cls in type(exc).__mro__
    )


class _Group(TyperGroup):
    """Translates errors raised by any sub-command, at any depth, into one line and exit 1."""

    # `Any`: the base's parameter is typer's private vendored click Context.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, --help, exits
            raise
        except AstreinteError as exc:
            _fail(str(exc))
        except Exception as exc:
            if _is_database_error(exc):
                orig = next(iter(str(getattr(exc, "orig", None) or exc).strip().splitlines()), "")
                _fail(
                    f"database error ({type(exc).__name__}: {orig}); "
                    "check that ASTREINTE_DATABASE_URL points at a reachable database"
                )
            if os.environ.get("ASTREINTE_DEBUG"):
                raise
            _fail(
                f"unexpected error ({type(exc).__name__}: {exc}); "
                "rerun with ASTREINTE_DEBUG=1 and report the traceback"
            )


app = typer.Typer(
    cls=_Group,
    name="astreinte",
    help="Turn the Markdown runbooks a team already has into a working incident response.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(runbooks.app, name="runbooks")
app.command("import")(runbooks.import_runbooks)
app.command("risk")(risk.risk)
app.command("lint")(lint.lint_command)
app.command("match")(match.match)
app.add_typer(incidents.app, name="incidents")
app.add_typer(alerts.app, name="alerts")
app.add_typer(alerts.silences_app, name="silences")
app.add_typer(maintenance.app, name="maintenance")
app.add_typer(probes.app, name="probes")
app.command("steps")(run.steps_command)
app.command("run")(run.run_command)
app.command("approve")(run.approve_command)
app.command("postmortem")(incidents.postmortem_command)
app.command("report")(incidents.report_command)
app.add_typer(incidents.audit_app, name="audit")
app.add_typer(incidents.token_app, name="token")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
notify_app = typer.Typer(name="notify", help="Notification channels.", no_args_is_help=True)
notify_app.command("test")(serve.notify_test)
app.add_typer(notify_app, name="notify")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"astreinte {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    config: ConfigOption = None,
) -> None:
    del version
    runtime(ctx).choose_config(config)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="astreinte")
