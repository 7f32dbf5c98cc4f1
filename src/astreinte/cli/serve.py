"""`astreinte serve` (the API, with the worker in the same process unless told not to) and
`astreinte worker` (the worker alone, e.g. a second process or machine on PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated

import typer

from astreinte.cli.runtime import ConfigOption, runtime


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
    runbooks: Annotated[
        list[Path] | None,
        typer.Option("--runbooks", help="Import these runbook files or folders first."),
    ] = None,
    with_worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run the worker in this process.")
    ] = True,
    config: ConfigOption = None,
) -> None:
    """Run the HTTP API against ASTREINTE_DATABASE_URL."""
    from datetime import UTC, datetime

    import uvicorn

    from astreinte.api.app import create_app
    from astreinte.services import catalogue
    from astreinte.wiring import (
        alert_rules,
        delivery,
        executor,
        incident_rules,
        probe_rules,
        probe_specs,
        signature_checks,
    )
    from astreinte.worker.loop import Worker

    _logging()
    rt = runtime(ctx)
    rt.choose_config(config)
    settings = rt.settings()
    specs = probe_specs(settings)
    sessions = rt.sessions()
    folders = list(runbooks or []) or list(settings.runbooks)
    if folders:
        report = catalogue.import_paths(sessions, folders, now=datetime.now(UTC))
        failed = [f for f in report.files if f.error]
        for file in failed:
            logging.getLogger("astreinte").error("%s: %s", file.path, file.error)
    rules = incident_rules(settings)
    app = create_app(
        sessions,
        rules=rules,
        alert_rules=alert_rules(settings),
        signatures=signature_checks(settings),
        probes=specs,
        executor=executor(settings),
    )
    stop = threading.Event()
    thread = worker = None
    if with_worker:
        wired = delivery(settings)
        worker = Worker(
            sessions,
            wired.notifier,
            interval=settings.worker_interval_seconds,
            fallbacks=wired.fallbacks,
            notifying=rules.notifying,
            probes=specs,
            probe_rules=probe_rules(settings),
        )
        thread = threading.Thread(target=worker.run, args=(stop,), name="astreinte-worker")
        thread.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        stop.set()
        if worker is not None and thread is not None:
            worker.wake()
            thread.join(timeout=10)


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One tick, then exit.")] = False,
    config: ConfigOption = None,
) -> None:
    """Fire due SLA alarms and escalations, deliver notifications and run the configured
    probes, until stopped."""
    from astreinte.wiring import delivery, notification_rules, probe_rules, probe_specs
    from astreinte.worker.loop import Worker

    _logging()
    rt = runtime(ctx)
    rt.choose_config(config)
    settings = rt.settings()
    wired = delivery(settings)
    loop = Worker(
        rt.sessions(),
        wired.notifier,
        interval=settings.worker_interval_seconds,
        fallbacks=wired.fallbacks,
        notifying=notification_rules(settings),
        probes=probe_specs(settings),
        probe_rules=probe_rules(settings),
    )
    if once:
        tick = loop.tick()
        typer.echo(
            f"due work on {tick.due.incidents} incident(s); sent {tick.delivery.sent}, "
            f"retrying {tick.delivery.retrying}, failed {tick.delivery.failed}"
        )
        if loop.probing is not None:
            observed = loop.probing.once()
            failing = [o.spec.name for o in observed if not o.result.ok]
            typer.echo(
                f"probes due: {len(observed)} checked"
                + (f", failing: {', '.join(failing)}" if failing else "")
            )
        return
    stop = threading.Event()
    try:
        loop.run(stop)
    except KeyboardInterrupt:
        stop.set()


def notify_test(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="A channel name from [channels].")],
    recipient: Annotated[
        str, typer.Option("--to", help="The contact, for URLs with {recipient}.")
    ] = "",
) -> None:
    """Send a test message through one channel now, and say whether it arrived."""
    from astreinte.domain.notification import Notification
    from astreinte.errors import InputError
    from astreinte.wiring import delivery

    wired = delivery(runtime(ctx).settings())
    channels = getattr(wired.notifier, "channels", {})
    if channel not in channels:
        names = ", ".join(channels) or "none (add [channels.<name>] to astreinte.toml)"
        raise InputError(f"no channel '{channel}'; configured: {names}")
    message = Notification(
        dedup_key="test",
        kind="test",
        channel=channel,
        recipient=recipient,
        subject="[astreinte] test notification",
        body="If you read this, astreinte can reach you through this channel.",
    )
    try:
        channels[channel].deliver(message)
    except Exception as exc:
        raise InputError(f"channel '{channel}' failed: {exc}") from None
    typer.echo(f"sent through '{channel}'")
