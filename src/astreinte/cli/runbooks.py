"""`astreinte import PATH…` and `astreinte runbooks list|show`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from astreinte.cli import render
from astreinte.cli.runtime import runtime

app = typer.Typer(help="The runbooks in the catalogue.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def import_runbooks(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Runbook files, or folders searched for .md, .markdown and .txt files.",
            show_default=False,
        ),
    ],
    as_json: JsonFlag = False,
    force: Annotated[
        bool, typer.Option("--force", help="Parse again files whose content did not change.")
    ] = False,
) -> None:
    """Import or update runbooks; exits 1 if any file failed (the others are still imported)."""
    from astreinte.services import catalogue

    sessions = runtime(ctx).sessions()
    report = catalogue.import_paths(sessions, paths, now=datetime.now(UTC), force=force)
    if as_json:
        render.echo_json(render.import_json(report))
    else:
        render.console().print(render.import_view(report))
    if not report.ok:
        raise typer.Exit(1)


@app.command("list")
def list_runbooks(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the runbooks in the catalogue."""
    from astreinte.services import catalogue

    with runtime(ctx).session() as session:
        summaries = catalogue.list_runbooks(session)
    if as_json:
        render.echo_json([render.summary_json(s) for s in summaries])
    else:
        render.console().print(render.runbooks_table(summaries))


@app.command("show")
def show_runbook(
    ctx: typer.Context,
    runbook_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="A runbook id from 'astreinte runbooks list'.", show_default=False
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Show one runbook: severity scale, procedures with their sections and commands, contacts."""
    from astreinte.services import catalogue

    with runtime(ctx).session() as session:
        stored = catalogue.show_runbook(session, runbook_id=runbook_id)
    if as_json:
        render.echo_json(render.runbook_json(stored))
    else:
        render.console().print(render.runbook_view(stored))
