"""`astreinte incidents …`, `postmortem`, `report`, `audit verify`, `token …`: the API's
operations for people at a terminal. `--json` prints the API's own JSON shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from astreinte.cli import render
from astreinte.cli.runtime import acting, runtime

if TYPE_CHECKING:
    from astreinte.domain.incident.metrics import Compliance
    from astreinte.services.incidents import IncidentRules, IncidentView
    from astreinte.storage.incidents import IncidentRecord

app = typer.Typer(name="incidents", help="Open, follow and close incidents.", no_args_is_help=True)
audit_app = typer.Typer(name="audit", help="Check the timeline's integrity.", no_args_is_help=True)
token_app = typer.Typer(name="token", help="API tokens.", no_args_is_help=True)

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
Note = Annotated[str | None, typer.Option("--note", help="A note recorded with the action.")]

LEVEL_STYLE = {"critical": "bold red", "major": "dark_orange", "minor": "yellow"}
STATUS_STYLE = {
    "triggered": "bold red",
    "acknowledged": "yellow",
    "mitigated": "cyan",
    "resolved": "green",
    "closed": "dim",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _rules(ctx: typer.Context) -> IncidentRules:
    from astreinte.wiring import incident_rules

    return incident_rules(runtime(ctx).settings())


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _incident_json(view: IncidentView) -> dict[str, object]:
    from astreinte.api.schemas import incident_out

    return incident_out(view).model_dump(mode="json")


def _show(view: IncidentView, as_json: bool) -> None:
    if as_json:
        render.echo_json(_incident_json(view))
    else:
        render.console().print(incident_view(view))


def incident_view(view: IncidentView) -> RenderableType:
    incident = view.incident
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    level = incident.level.value if incident.level else ""
    head.add_row(
        "Status", Text(incident.status.value, style=STATUS_STYLE.get(incident.status.value, ""))
    )
    head.add_row(
        "Severity",
        Text(
            " ".join(x for x in (incident.severity or "", level) if x) or "—",
            style=LEVEL_STYLE.get(level, ""),
        ),
    )
    head.add_row("Service", incident.service or "—")
    procedure = incident.procedure
    head.add_row(
        "Procedure", f"{procedure.title} ({procedure.id})" if procedure else "none matched"
    )
    head.add_row("Opened", f"{_when(incident.opened_at)} by {incident.opened_by}")
    head.add_row(
        "SLA",
        f"respond by {_when(incident.respond_by) or '—'}, resolve by "
        f"{_when(incident.resolve_by) or '—'} ({incident.sla.source})",
    )
    timeline = Table(box=None, show_header=False, padding=(0, 1))
    for sealed in view.timeline:
        event = sealed.event
        timeline.add_row(
            event.at.astimezone(UTC).strftime("%H:%M:%S"),
            Text(event.kind.value, style="cyan"),
            event.actor,
            Text(event.text),
        )
    parts: list[RenderableType] = [head, Text(""), Text("Timeline", style="bold"), timeline]
    for checklist in view.checklists:
        lines = Text()
        for number, item in enumerate(checklist.items, start=1):
            mark = "[x]" if item.done else "[ ]"
            lines.append(f"{number:>2}. {mark} {item.text}\n", style="green" if item.done else "")
        parts += [Text(f"{checklist.title} ({checklist.phase.value})", style="bold"), lines]
    return Panel(Group(*parts), title=f"#{incident.id} {incident.title}", expand=False)


def _table(records: list[IncidentRecord]) -> RenderableType:
    table = Table(show_lines=False)
    for column in ("#", "status", "severity", "title", "procedure", "opened", "respond by"):
        table.add_column(column)
    for record in records:
        incident = record.incident
        level = incident.level.value if incident.level else ""
        table.add_row(
            str(incident.id),
            Text(incident.status.value, style=STATUS_STYLE.get(incident.status.value, "")),
            Text(
                " ".join(x for x in (incident.severity or "", level) if x),
                style=LEVEL_STYLE.get(level, ""),
            ),
            incident.title,
            incident.procedure.title if incident.procedure else "",
            _when(incident.opened_at),
            _when(incident.respond_by) if incident.status.value == "triggered" else "",
        )
    return table


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Only this status (repeatable): triggered, acknowledged…"),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: AsJson = False,
) -> None:
    """Incidents, newest first."""
    from astreinte.api.schemas import summary
    from astreinte.domain.incident.model import Status
    from astreinte.errors import InputError
    from astreinte.services import incidents

    wanted = []
    for value in status or []:
        try:
            wanted.append(Status(value))
        except ValueError:
            names = ", ".join(s.value for s in Status)
            raise InputError(f"unknown status '{value}'; use one of {names}") from None
    records = incidents.list_incidents(runtime(ctx).sessions(), status=tuple(wanted), limit=limit)
    if as_json:
        render.echo_json([summary(r).model_dump(mode="json") for r in records])
    else:
        render.console().print(_table(records))


@app.command("show")
def show(ctx: typer.Context, incident_id: IncidentArg, as_json: AsJson = False) -> None:
    """An incident with its timeline and checklists."""
    from astreinte.services import incidents

    _show(incidents.get_incident(runtime(ctx).sessions(), incident_id=incident_id), as_json)


@app.command("open")
def open_command(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What is wrong, in a line.")],
    description: Annotated[str, typer.Option("--description", "-d")] = "",
    service: Annotated[str | None, typer.Option("--service")] = None,
    procedure: Annotated[
        str | None, typer.Option("--procedure", help="The procedure id; default: matched.")
    ] = None,
    severity: Annotated[
        str | None, typer.Option("--severity", help="e.g. P1, SEV2, major.")
    ] = None,
    actor: Actor = None,
    as_json: AsJson = False,
) -> None:
    """Open an incident: procedure matched from the text, SLA clocks, checklists, first page."""
    from astreinte.services import incidents

    view = incidents.open_incident(
        runtime(ctx).sessions(),
        title=title,
        description=description,
        service=service,
        procedure_id=procedure,
        severity=severity,
        actor=acting(actor),
        now=_now(),
        rules=_rules(ctx),
    )
    _show(view, as_json)


def _action_command(name: str, action_value: str, help_text: str) -> None:
    def command(
        ctx: typer.Context,
        incident_id: IncidentArg,
        note: Note = None,
        override: Annotated[
            str | None,
            typer.Option("--override", help="Close anyway, for this reason (recorded)."),
        ] = None,
        actor: Actor = None,
        as_json: AsJson = False,
    ) -> None:
        from astreinte.domain.incident.model import Action
        from astreinte.services import incidents

        view = incidents.act(
            runtime(ctx).sessions(),
            incident_id=incident_id,
            action=Action(action_value),
            actor=acting(actor),
            now=_now(),
            note=note,
            override=override,
            rules=_rules(ctx),
        )
        _show(view, as_json)

    command.__doc__ = help_text
    app.command(name)(command)


_action_command("ack", "acknowledge", "Acknowledge: someone is on it (stops the escalation).")
_action_command("mitigate", "mitigate", "Mitigated: the impact is stopped, the cause may remain.")
_action_command("resolve", "resolve", "Resolved: the service is back.")
_action_command("close", "close", "Close: the post-incident work is done.")
_action_command("reopen", "reopen", "Reopen a resolved or closed incident (pages again).")


@app.command("note")
def note_command(
    ctx: typer.Context,
    incident_id: IncidentArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    actor: Actor = None,
    as_json: AsJson = False,
) -> None:
    """Add a note to the timeline."""
    from astreinte.services import incidents

    view = incidents.add_note(
        runtime(ctx).sessions(), incident_id=incident_id, text=text, actor=acting(actor), now=_now()
    )
    _show(view, as_json)


@app.command("check")
def check_command(
    ctx: typer.Context,
    incident_id: IncidentArg,
    checklist: Annotated[str, typer.Option("--checklist", help="Its title (or a prefix).")],
    item: Annotated[str, typer.Option("--item", help="Its text (or a prefix), or its number.")],
    undo: Annotated[bool, typer.Option("--undo", help="Mark it not done.")] = False,
    actor: Actor = None,
    as_json: AsJson = False,
) -> None:
    """Tick a checklist item."""
    from astreinte.services import incidents

    view = incidents.set_checklist_item(
        runtime(ctx).sessions(),
        incident_id=incident_id,
        title=checklist,
        item=item,
        done=not undo,
        actor=acting(actor),
        now=_now(),
    )
    _show(view, as_json)


@app.command("procedure")
def procedure_command(
    ctx: typer.Context,
    incident_id: IncidentArg,
    procedure: Annotated[str, typer.Argument(help="The procedure id to follow.")],
    actor: Actor = None,
    as_json: AsJson = False,
) -> None:
    """Follow another procedure (the change is recorded)."""
    from astreinte.services import incidents

    view = incidents.change_procedure(
        runtime(ctx).sessions(),
        incident_id=incident_id,
        procedure_id=procedure,
        actor=acting(actor),
        now=_now(),
    )
    _show(view, as_json)


@app.command("message")
def message_command(ctx: typer.Context, incident_id: IncidentArg) -> None:
    """The status message for stakeholders, ready to paste."""
    from astreinte.services import incidents

    typer.echo(incidents.message(runtime(ctx).sessions(), incident_id=incident_id, now=_now()))


def postmortem_command(
    ctx: typer.Context,
    incident_id: IncidentArg,
    impact: Annotated[str | None, typer.Option("--impact")] = None,
    root_cause: Annotated[str | None, typer.Option("--root-cause")] = None,
    resolution: Annotated[str | None, typer.Option("--resolution")] = None,
    lessons: Annotated[str | None, typer.Option("--lessons")] = None,
    follow_up: Annotated[
        list[str] | None, typer.Option("--follow-up", help="Add a follow-up action (repeatable).")
    ] = None,
    actor: Actor = None,
) -> None:
    """Print the post-mortem (Markdown); the options write its parts first."""
    from astreinte.services import incidents

    sessions = runtime(ctx).sessions()
    who = acting(actor)
    if any(v is not None for v in (impact, root_cause, resolution, lessons)):
        incidents.write_postmortem(
            sessions,
            incident_id=incident_id,
            actor=who,
            now=_now(),
            impact=impact,
            root_cause=root_cause,
            resolution=resolution,
            lessons=lessons,
        )
    for text in follow_up or []:
        incidents.add_follow_up(sessions, incident_id=incident_id, text=text, actor=who, now=_now())
    typer.echo(incidents.postmortem(sessions, incident_id=incident_id, now=_now()), nl=False)


def report_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """MTTA, MTTR, SLA compliance, and each runbook's targets with the current figure."""
    from astreinte.api.routes.system import summary_json
    from astreinte.services import reports

    report = reports.report(runtime(ctx).sessions())
    if as_json:
        render.echo_json(summary_json(report))
        return
    summary = report.summary
    table = Table(title="Incidents")
    for column in ("scope", "count", "open", "MTTA", "MTTM", "MTTR", "respond SLA", "resolve SLA"):
        table.add_column(column)
    rows = [("all", summary.overall)]
    rows += [(f"level {name}", group) for name, group in summary.by_level.items()]
    rows += [(f"service {name}", group) for name, group in summary.by_service.items()]
    for scope, group in rows:
        table.add_row(
            scope,
            str(group.count),
            str(group.open),
            _minutes(group.mtta_minutes),
            _minutes(group.mttm_minutes),
            _minutes(group.mttr_minutes),
            _rate(group.respond),
            _rate(group.resolve),
        )
    out: list[RenderableType] = [table]
    for runbook in report.runbooks:
        targets = Table(title=f"{runbook.title} — targets")
        for column in ("metric", "target", "current", "met", "basis"):
            targets.add_column(column)
        for t in runbook.targets:
            met = "—" if t.met is None else ("yes" if t.met else "no")
            targets.add_row(t.name, t.target, t.current or "—", met, t.basis)
        out.append(targets)
    render.console().print(Group(*out))


def _minutes(value: float | None) -> str:
    from astreinte.domain.incident.metrics import format_minutes

    return "—" if value is None else format_minutes(value)


def _rate(compliance: Compliance) -> str:
    rate = compliance.rate
    total = compliance.met + compliance.missed
    return "—" if rate is None else f"{rate:.0%} ({compliance.met}/{total})"


@audit_app.command("verify")
def verify_command(
    ctx: typer.Context,
    incident: Annotated[int | None, typer.Option("--incident", min=1)] = None,
    as_json: AsJson = False,
) -> None:
    """Recompute every timeline's hash chain; exit 1 if anything was altered."""
    from astreinte.services import audit

    report = audit.verify_timelines(runtime(ctx).sessions(), incident_id=incident)
    if as_json:
        render.echo_json(
            {
                "intact": report.intact,
                "incidents": report.incidents,
                "events": report.events,
                "breaks": [
                    {"incident": b.incident_id, "seq": b.seq, "reason": b.reason}
                    for b in report.breaks
                ],
            }
        )
    elif report.intact:
        render.console().print(
            f"[green]intact[/green]: {report.events} events in {report.incidents} incidents"
        )
    else:
        err = Console(stderr=True)
        for item in report.breaks:
            err.print(Text(f"tampered: {item}", style="red"), soft_wrap=True)
    if not report.intact:
        raise typer.Exit(1)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="viewer, responder, approver or admin.")],
    name: Annotated[str, typer.Option("--name", help="Who or what uses it.")],
) -> None:
    """Create an API token and print it (once: only its hash is kept)."""
    from astreinte.services import tokens

    _, secret = tokens.create_token(
        runtime(ctx).sessions(), name=name, role=tokens.parse_role(role), now=_now()
    )
    typer.echo(secret)


@token_app.command("list")
def token_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Tokens (never their secret)."""
    from astreinte.services import tokens

    items = tokens.list_tokens(runtime(ctx).sessions())
    if as_json:
        render.echo_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "role": t.role,
                    "created_at": t.created_at.isoformat(),
                    "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                }
                for t in items
            ]
        )
        return
    table = Table()
    for column in ("id", "name", "role", "created", "revoked"):
        table.add_column(column)
    for t in items:
        table.add_row(str(t.id), t.name, t.role, _when(t.created_at), _when(t.revoked_at))
    render.console().print(table)


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Revoke a token: it stops working at once."""
    from astreinte.services import tokens

    stored = tokens.revoke_token(runtime(ctx).sessions(), token_id=token_id, now=_now())
    render.console().print(f"token {stored.id} ({stored.name}) revoked")
