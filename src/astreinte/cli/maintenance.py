"""`astreinte maintenance add|list|show|end`: maintenance windows, named and planned silences,
once or weekly, the same as `/api/v1/maintenance`.

    astreinte maintenance add db-upgrade --match 'service="db"' --start 2026-12-01 \\
        --end 2027-03-01 --every sun --at 02:00 --for 2h --tz Europe/Paris --reason "Upgrade"
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.table import Table

from astreinte.cli import render
from astreinte.cli.runtime import acting, runtime

if TYPE_CHECKING:  # SQLAlchemy and pydantic load when a command runs
    from astreinte.api.schemas import MaintenanceOut

app = typer.Typer(
    name="maintenance",
    help="Maintenance windows: planned silences, once or weekly.",
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape).")]
Name = Annotated[str, typer.Argument(help="The window's name, e.g. db-upgrade-2026-12.")]


def _now() -> datetime:
    return datetime.now(UTC)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Name,
    matchers: Annotated[
        list[str],
        typer.Option("--match", help='A label matcher, e.g. service="db"; repeat for several.'),
    ],
    end: Annotated[
        str, typer.Option("--end", help="When it stops for good: 2026-12-06T04:00 or with +01:00.")
    ],
    reason: Annotated[str, typer.Option("--reason", help="The work done (its comment).")],
    start: Annotated[
        str, typer.Option("--start", help="When it starts (default now); same forms as --end.")
    ] = "now",
    every: Annotated[
        str | None,
        typer.Option("--every", help="Repeat weekly on these days: sun, sat,sun, mon-fri, daily."),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="With --every: the local start time, 02:00.")
    ] = None,
    length: Annotated[
        str | None, typer.Option("--for", help="With --every: how long each run lasts, 2h.")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="IANA time zone of --at, and of --start/--end written without an offset "
            "(default for those: this machine's).",
        ),
    ] = None,
    by: Annotated[str | None, typer.Option("--as", help="Who plans it.")] = None,
    as_json: AsJson = False,
) -> None:
    """Plan a window: matching alerts are kept but page no one while it runs. A weekly window
    runs while the --tz clock is between --at and --at plus --for (on daylight-saving nights
    that is an hour less or more)."""
    from astreinte.api.schemas import maintenance_out
    from astreinte.domain.maintenance import parse_duration, recurrence, zone
    from astreinte.domain.silence import parse_matcher
    from astreinte.errors import InputError
    from astreinte.services import maintenance

    now = _now()
    repeat = {"--at": at, "--for": length}
    if every is None:
        given = [option for option, value in repeat.items() if value is not None]
        if given:
            verb = "apply" if len(given) > 1 else "applies"
            raise InputError(f"{' and '.join(given)} only {verb} with --every; add --every sun")
        weekly = None
    elif at is None or length is None or tz is None:
        missing = [option for option, value in {**repeat, "--tz": tz}.items() if value is None]
        raise InputError(
            f"--every also needs {', '.join(missing)}, e.g. "
            "--every sun --at 02:00 --for 2h --tz Europe/Paris"
        )
    else:
        weekly = recurrence(days=[every], at=at, duration=parse_duration(length), timezone=tz)
    if tz is not None:
        zone(tz)
    window = maintenance.add_window(
        runtime(ctx).sessions(),
        name=name,
        matchers=[parse_matcher(m) for m in matchers],
        starts_at=_when(start, "--start", tz, now),
        ends_at=_when(end, "--end", tz, now),
        created_by=acting(by),
        comment=reason,
        now=now,
        recurrence=weekly,
    )
    out = maintenance_out(window, now)
    if as_json:
        render.echo_json(out.model_dump(mode="json"))
        return
    render.console().print(
        f"maintenance window {out.name} planned: {_schedule(out)}"
        + (f"; next: {out.next_local}" if out.next_local else ""),
        soft_wrap=True,
    )


@app.command("list")
def list_command(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include ended windows.")] = False,
    as_json: AsJson = False,
) -> None:
    """Active and upcoming windows, the next to run first."""
    from astreinte.api.schemas import maintenance_out
    from astreinte.services import maintenance

    now = _now()
    items = [
        maintenance_out(w, now)
        for w in maintenance.list_windows(runtime(ctx).sessions(), now=now, include_ended=all_)
    ]
    if as_json:
        render.echo_json([i.model_dump(mode="json") for i in items])
        return
    if not items:
        render.console().print("no maintenance window planned")
        return
    table = Table()
    for column in ("name", "state", "matchers", "schedule", "next", "silenced", "by", "reason"):
        table.add_column(column)
    for i in items:
        table.add_row(
            i.name,
            i.state,
            " ".join(i.matchers),
            _schedule(i),
            i.next_local or "",
            str(i.silenced_alerts),
            i.created_by,
            i.comment,
        )
    render.console().print(table)


@app.command("show")
def show(ctx: typer.Context, name: Name, as_json: AsJson = False) -> None:
    """One window, with its next runs."""
    from astreinte.api.schemas import maintenance_out
    from astreinte.services import maintenance

    now = _now()
    out = maintenance_out(maintenance.get_window(runtime(ctx).sessions(), name=name, now=now), now)
    if as_json:
        render.echo_json(out.model_dump(mode="json"))
        return
    console = render.console()
    console.print(f"{out.name} ({out.state}): {' '.join(out.matchers)}", soft_wrap=True)
    console.print(f"  {_schedule(out)}", soft_wrap=True)
    console.print(f"  by {out.created_by}: {out.comment}", soft_wrap=True)
    console.print(f"  {out.silenced_alerts} alert(s) silenced")
    # A weekly window's runs on its own clock, as it was planned; a one-off one's in UTC.
    clock, label = _clock(out.recurrence.timezone if out.recurrence else "UTC")
    for run in out.next:
        starts, ends = run.starts_at.astimezone(clock), run.ends_at.astimezone(clock)
        console.print(f"  next: {starts:%Y-%m-%d %H:%M} → {ends:%Y-%m-%d %H:%M} {label}")


@app.command("end")
def end_command(ctx: typer.Context, name: Name, as_json: AsJson = False) -> None:
    """End a window now (an upcoming one is cancelled); it stays in the history."""
    from astreinte.api.schemas import maintenance_out
    from astreinte.services import maintenance

    now = _now()
    out = maintenance_out(maintenance.end_window(runtime(ctx).sessions(), name=name, now=now), now)
    if as_json:
        render.echo_json(out.model_dump(mode="json"))
        return
    render.console().print(
        f"maintenance window {out.name} ended; the {out.silenced_alerts} alert(s) it silenced "
        "stay in 'astreinte alerts list'",
        soft_wrap=True,
    )


def _when(text: str, option: str, tz: str | None, now: datetime) -> datetime:
    """`now`, or an ISO 8601 date and time; without an offset, on the --tz clock, else on this
    machine's."""
    from astreinte.domain.maintenance import zone
    from astreinte.errors import InputError

    if text.strip().lower() == "now":
        return now
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option} '{text}' is not a date and time; write it like 2026-12-06T02:00 "
            "or 2026-12-06T02:00+01:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz)) if tz else value.astimezone()
    return value.astimezone(UTC)


def _clock(name: str) -> tuple[tzinfo, str]:
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC, "UTC"  # a zone this machine does not know: show UTC rather than fail


def _schedule(out: MaintenanceOut) -> str:
    span = f"{out.starts_at:%Y-%m-%d %H:%M} → {out.ends_at:%Y-%m-%d %H:%M} UTC"
    return f"{out.recurrence.text}, {span}" if out.recurrence else span
