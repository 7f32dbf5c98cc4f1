"""`astreinte match TEXT` and `astreinte match -` (one query per line on stdin)."""

from __future__ import annotations

from typing import Annotated

import typer

from astreinte.cli import render
from astreinte.cli.runtime import runtime


def match(
    ctx: typer.Context,
    text: Annotated[
        str,
        typer.Argument(
            show_default=False,
            help="A symptom, an alert text or a log line; - reads one query per line from stdin.",
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON; with -, one object per line.")
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="How many results.")] = 5,
    runbook: Annotated[
        str | None, typer.Option("--runbook", help="Search only this runbook (its id).")
    ] = None,
    service: Annotated[
        str | None,
        typer.Option("--service", help="Search only the runbooks of this service or application."),
    ] = None,
) -> None:
    """Which procedure of which runbook handles this, how sure, and why."""
    from astreinte.services import matching

    queries = (
        [text] if text != "-" else (line.rstrip("\r\n") for line in typer.get_text_stream("stdin"))
    )
    with runtime(ctx).session() as session:
        for query in queries:
            if not query.strip():
                continue
            report = matching.match(session, query=query, top=top, runbook=runbook, service=service)
            if as_json:
                render.echo_json(render.match_json(report), indent=None if text == "-" else 2)
            else:
                render.console().print(render.match_view(report))
