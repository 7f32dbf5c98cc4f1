"""`astreinte alerts ingest|list` and `astreinte silences add|list|expire`: the alert API for
people at a terminal (ingest takes the same path as `POST /api/v1/alerts/{source}`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from astreinte.cli import render
from astreinte.cli.runtime import acting, runtime

app = typer.Typer(name="alerts", help="Alerts from monitoring tools.", no_args_is_help=True)
silences_app = typer.Typer(
    name="silences", help="Silences and maintenance windows.", no_args_is_help=True
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape).")]


def _now() -> datetime:
    return datetime.now(UTC)


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The payload as the tool sends it; - for stdin.")],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="alertmanager, grafana, pagerduty, sentry, uptime-kuma, datadog or generic.",
        ),
    ],
    as_json: AsJson = False,
) -> None:
    """Ingest one payload: its alerts are stored and open, join or mitigate incidents."""
    from astreinte.adapters.alert_sources import parse
    from astreinte.api.routes.alerts import IngestOut, _ingested
    from astreinte.errors import InputError
    from astreinte.services import alerts
    from astreinte.wiring import alert_rules, incident_rules

    if str(file) == "-":
        body = typer.get_binary_stream("stdin").read()
    else:
        try:
            body = file.read_bytes()
        except OSError as exc:
            raise InputError(f"{file}: cannot be read ({exc.strerror}); check the path") from None
    now = _now()
    parsed = parse(source, body, received_at=now)
    rt = runtime(ctx)
    report = alerts.ingest(
        rt.sessions(),
        alerts=parsed.alerts,
        now=now,
        rules=incident_rules(rt.settings()),
        alert_rules=alert_rules(rt.settings()),
    )
    out = IngestOut(
        alerts=[_ingested(item) for item in report.alerts],
        incidents=list(report.incidents),
        problems=list(parsed.problems),
    )
    if as_json:
        render.echo_json(out.model_dump(mode="json"))
        return
    table = Table()
    for column in ("alert", "status", "outcome", "incident", "title"):
        table.add_column(column)
    for item in out.alerts:
        table.add_row(
            str(item.id), item.status, item.outcome, str(item.incident_id or ""), item.title
        )
    console = render.console()
    console.print(table)
    for problem in out.problems:
        console.print(f"[yellow]skipped:[/yellow] {problem}")


@app.command("list")
def list_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: AsJson = False,
) -> None:
    """Alerts, newest first."""
    from astreinte.api.schemas import alert_out
    from astreinte.services import alerts

    items = [alert_out(s) for s in alerts.list_alerts(runtime(ctx).sessions(), limit=limit)]
    if as_json:
        render.echo_json([i.model_dump(mode="json") for i in items])
        return
    table = Table()
    for column in ("#", "source", "status", "title", "service", "repeats", "incident"):
        table.add_column(column)
    for i in items:
        table.add_row(
            str(i.id),
            i.source,
            i.status
            + (" (flapping)" if i.flapping else "")
            + (" (silenced)" if i.silenced else ""),
            i.title,
            i.service or "",
            str(i.repeats),
            str(i.incident_id or ""),
        )
    render.console().print(table)


@silences_app.command("add")
def silence_add(
    ctx: typer.Context,
    matchers: Annotated[
        list[str], typer.Argument(help='e.g. service="checkout" alertname=~"Disk.*"')
    ],
    comment: Annotated[str, typer.Option("--comment", help="Why nobody should be paged.")],
    hours: Annotated[float, typer.Option("--hours", min=0.01, max=24 * 90)] = 2.0,
    by: Annotated[str | None, typer.Option("--as")] = None,
) -> None:
    """Silence matching alerts from now for --hours."""
    from astreinte.domain.silence import parse_matcher
    from astreinte.services import alerts

    now = _now()
    silence = alerts.add_silence(
        runtime(ctx).sessions(),
        matchers=[parse_matcher(m) for m in matchers],
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        created_by=acting(by),
        comment=comment,
        now=now,
    )
    render.console().print(f"silence {silence.id} until {silence.ends_at:%Y-%m-%d %H:%M} UTC")


@silences_app.command("list")
def silence_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Active silences."""
    from astreinte.api.routes.alerts import _silence_out
    from astreinte.services import alerts

    now = _now()
    items = [_silence_out(s, now) for s in alerts.list_silences(runtime(ctx).sessions(), now=now)]
    if as_json:
        render.echo_json([i.model_dump(mode="json") for i in items])
        return
    table = Table()
    for column in ("#", "matchers", "until", "by", "comment"):
        table.add_column(column)
    for i in items:
        table.add_row(
            str(i.id), " ".join(i.matchers), f"{i.ends_at:%Y-%m-%d %H:%M}", i.created_by, i.comment
        )
    render.console().print(table)


@silences_app.command("expire")
def silence_expire(ctx: typer.Context, silence_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """End a silence now."""
    from astreinte.services import alerts

    silence = alerts.expire_silence(runtime(ctx).sessions(), silence_id=silence_id, now=_now())
    render.console().print(f"silence {silence.id} expired")
