"""`astreinte serve` (the API, with the worker in the same process unless told not to) and
`astreinte worker` (the worker alone, e.g. a second process or machine on PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated

import typer

from astreinte.cli.runtime import runtime


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
) -> None:
    """Run the HTTP API against ASTREINTE_DATABASE_URL."""
    from datetime import UTC, datetime

    import uvicorn

    from astreinte.adapters.console import LogNotifier
    from astreinte.api.app import create_app
    from astreinte.services import catalogue
    from astreinte.wiring import alert_rules, incident_rules, signature_checks
    from astreinte.worker.loop import Worker

    _logging()
    rt = runtime(ctx)
    settings = rt.settings()
    sessions = rt.sessions()
    folders = list(runbooks or []) or list(settings.runbooks)
    if folders:
        report = catalogue.import_paths(sessions, folders, now=datetime.now(UTC))
        failed = [f for f in report.files if f.error]
        for file in failed:
            logging.getLogger("astreinte").error("%s: %s", file.path, file.error)
    app = create_app(
        sessions,
        rules=incident_rules(settings),
        alert_rules=alert_rules(settings),
        signatures=signature_checks(settings),
    )
    stop = threading.Event()
    thread = None
    if with_worker:
        worker = Worker(sessions, LogNotifier(), interval=settings.worker_interval_seconds)
        thread = threading.Thread(target=worker.run, args=(stop,), name="astreinte-worker")
        thread.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=10)


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One tick, then exit.")] = False,
) -> None:
    """Fire due SLA alarms and escalations and deliver notifications, until stopped."""
    from astreinte.adapters.console import LogNotifier
    from astreinte.worker.loop import Worker

    _logging()
    rt = runtime(ctx)
    loop = Worker(rt.sessions(), LogNotifier(), interval=rt.settings().worker_interval_seconds)
    if once:
        tick = loop.tick()
        typer.echo(
            f"due work on {tick.due.incidents} incident(s); sent {tick.delivery.sent}, "
            f"retrying {tick.delivery.retrying}, failed {tick.delivery.failed}"
        )
        return
    stop = threading.Event()
    try:
        loop.run(stop)
    except KeyboardInterrupt:
        stop.set()
