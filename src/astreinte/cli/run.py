"""`astreinte steps`, `run` and `approve`: an incident's steps, run from a terminal with the same
guardrails as the API. `--json` prints the API's shapes.

    astreinte steps 12
    astreinte run 12 diagnosis-1
    astreinte run 12 mitigation-3 --value TENANT_UUID=… --dry-run
    astreinte approve 7 --as anna

The terminal is trusted as the local operator (it holds the database): `approve` checks that the
approver is not the requester, by name (`--as`, $ASTREINTE_ACTOR or the login).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from astreinte.cli import render
from astreinte.cli.runtime import acting, runtime

if TYPE_CHECKING:
    from astreinte.domain.execution.state import Execution, Preview
    from astreinte.services.execution import Executor
    from astreinte.services.steps import StepView

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape).")]
Actor = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Who acts (recorded on the timeline); default $ASTREINTE_ACTOR or your login.",
        show_default=False,
    ),
]
IncidentArg = Annotated[int, typer.Argument(min=1, help="The incident's number.")]
RISK_STYLE = {"read": "green", "change": "yellow", "destructive": "bold red"}
STATUS_STYLE = {
    "succeeded": "green",
    "failed": "bold red",
    "timed_out": "bold red",
    "refused": "bold red",
    "awaiting_approval": "yellow",
    "running": "cyan",
}


def _executor(ctx: typer.Context) -> Executor:
    from astreinte.wiring import executor

    return executor(runtime(ctx).settings())


def _values(pairs: list[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise typer.BadParameter(
                f"'{pair}' is not NAME=VALUE; write e.g. --value TENANT_UUID=1234",
                param_hint="--value",
            )
        values[name.strip()] = value
    return values


def steps_command(ctx: typer.Context, incident_id: IncidentArg, as_json: AsJson = False) -> None:
    """The steps of the incident's procedure, with their risk and placeholders."""
    from astreinte.api.execution_schemas import step_out
    from astreinte.services import execution

    rules = _executor(ctx).rules
    views = execution.list_steps(runtime(ctx).sessions(), incident_id=incident_id, rules=rules)
    if as_json:
        render.echo_json([step_out(v).model_dump(mode="json") for v in views])
        return
    render.console().print(_steps_table(views))


def run_command(
    ctx: typer.Context,
    incident_id: IncidentArg,
    step: Annotated[str, typer.Argument(help="The step's id, as 'astreinte steps' lists it.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would run.")] = False,
    value: Annotated[
        list[str] | None,
        typer.Option("--value", help="A placeholder's value, NAME=VALUE (repeatable)."),
    ] = None,
    condition: Annotated[
        str | None,
        typer.Option("--condition", help="Restoring a backup: the condition that holds (number)."),
    ] = None,
    actor: Actor = None,
    as_json: AsJson = False,
) -> None:
    """Run a step: read and change steps run now; destructive and sensitive ones wait for a
    second person's approval ('astreinte approve'). Exit 1 when the step fails."""
    from astreinte.api.execution_schemas import dry_run_out, execution_out
    from astreinte.errors import ApprovalRequired
    from astreinte.services import execution

    sessions = runtime(ctx).sessions()
    executor = _executor(ctx)
    values = _values(value)
    if dry_run:
        plan = execution.preview_step(
            sessions,
            executor,
            incident_id=incident_id,
            step_id=step,
            values=values,
            condition=condition,
        )
        if as_json:
            render.echo_json(dry_run_out(plan).model_dump(mode="json"))
        else:
            render.console().print(_preview_panel(plan.preview, f"Dry run of {plan.step.id}"))
        return
    try:
        done = execution.run_step(
            sessions,
            executor,
            incident_id=incident_id,
            step_id=step,
            actor=acting(actor),
            now=datetime.now(UTC),
            values=values,
            condition=condition,
        )
    except ApprovalRequired as waiting:
        pending = execution.get_execution(sessions, execution_id=waiting.execution)
        if as_json:
            render.echo_json(execution_out(pending).model_dump(mode="json"))
        else:
            title = f"Execution {pending.id}: waiting for approval"
            render.console().print(_preview_panel(pending.preview, title))
            render.console().print(Text(str(waiting), style="yellow"), soft_wrap=True)
        return
    _show(done, as_json)


def approve_command(
    ctx: typer.Context,
    execution_id: Annotated[int, typer.Argument(min=1, help="The execution's number.")],
    actor: Actor = None,
    as_json: AsJson = False,
) -> None:
    """Approve an execution waiting for approval (someone else's), which then runs."""
    from astreinte.services import execution

    done = execution.approve(
        runtime(ctx).sessions(),
        _executor(ctx),
        execution_id=execution_id,
        actor=acting(actor),
        may_approve=True,
        now=datetime.now(UTC),
    )
    _show(done, as_json)


def _show(done: Execution, as_json: bool) -> None:
    from astreinte.api.execution_schemas import execution_out

    if as_json:
        render.echo_json(execution_out(done).model_dump(mode="json"))
    else:
        render.console().print(_execution_panel(done))
    if done.status.value != "succeeded":
        raise typer.Exit(1)


def _steps_table(views: list[StepView]) -> RenderableType:
    table = Table(show_lines=False)
    for column in ("step", "risk", "needs", "command", "placeholders"):
        table.add_column(column)
    for view in views:
        step = view.step
        risk = step.risk.value + (" sensitive" if step.sensitive else "")
        values = Text()
        for p in view.placeholders:
            shown = p.shown if p.shown is not None else "?"
            values.append(f"{p.token}={shown} ", style="" if p.shown is not None else "bold red")
        table.add_row(
            step.id,
            Text(risk, style=RISK_STYLE.get(step.risk.value, "")),
            view.gate.value + (" (restore)" if view.backup else ""),
            view.filled or step.command,
            values,
        )
    return table


def _preview_panel(preview: Preview, title: str) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Command", Text(preview.command))
    grid.add_row("Target", preview.target + (f" (in {preview.workdir})" if preview.workdir else ""))
    risk = preview.risk.value + (", sensitive" if preview.sensitive else "")
    grid.add_row("Risk", Text(risk, style=RISK_STYLE.get(preview.risk.value, "")))
    grid.add_row("Effect", "; ".join(preview.effect) or "—")
    if preview.values:
        grid.add_row("Values", ", ".join(f"{k}={v}" for k, v in preview.values.items()))
    if preview.condition:
        grid.add_row("Restore because", preview.condition)
    grid.add_row("Approval", "a second person with the approver role" if preview.approval else "no")
    return Panel(grid, title=title, expand=False)


def _execution_panel(done: Execution) -> RenderableType:
    head = Text()
    head.append(f"{done.status.value}", style=STATUS_STYLE.get(done.status.value, ""))
    if done.exit_code is not None:
        head.append(f" (exit {done.exit_code})")
    if done.reason:
        head.append(f": {done.reason}")
    parts: list[RenderableType] = [Text(done.command, style="bold"), head]
    if done.output:
        parts.append(Text(done.output.rstrip("\n")))
    if done.truncated:
        parts.append(Text("(output cut at the size limit)", style="dim"))
    return Panel(Group(*parts), title=f"Execution {done.id}: {done.step_id}", expand=False)
