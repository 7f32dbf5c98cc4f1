"""`astreinte risk COMMAND` and `astreinte risk -` (one command per line on stdin)."""

from __future__ import annotations

from typing import Annotated

import typer

from astreinte.cli import render


def risk(
    command: Annotated[
        str,
        typer.Argument(
            show_default=False,
            help="A shell command or SQL statement, or - to read one per line from stdin.",
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON; with -, one object per line.")
    ] = False,
    sql: Annotated[bool, typer.Option("--sql", help="Read the input as SQL.")] = False,
) -> None:
    """Say whether a command reads, changes or destroys, whether it touches secrets, and why."""
    from astreinte.domain.commands import assess

    if command != "-":
        assessed = [(command, assess(command, sql=sql))]
        if as_json:
            render.echo_json(render.assessment_json(command, assessed[0][1]))
        else:
            render.console().print(render.assessments_table(assessed))
        return
    assessed = []
    for line in typer.get_text_stream("stdin"):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        assessment = assess(text, sql=sql)
        if as_json:
            # One line out per line in, flushed at once, so it can sit in a pipe.
            render.echo_json(render.assessment_json(text, assessment), indent=None)
        else:
            assessed.append((text, assessment))
    if not as_json:
        render.console().print(render.assessments_table(assessed))
