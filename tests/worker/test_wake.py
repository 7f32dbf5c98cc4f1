"""The worker hears of a new page at once instead of at its next tick: a commit in its own
process wakes it (SQLite and PostgreSQL), and on PostgreSQL a commit in another process does too
(LISTEN/NOTIFY). Every worker here ticks once an hour, so a page that arrives at all arrived
because the worker was woken. Pages handed over at commit to a worker that then dies are sent
by another once their lease ends, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import URL
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.channels import ChannelNotifier, WebhookChannel
from astreinte.services import catalogue, incidents, notifications
from astreinte.storage import outbox
from astreinte.storage.db import make_engine, make_session_factory, migrate
from astreinte.storage.outbox import Queued
from astreinte.worker.loop import Worker
from tests.conftest import SEEDS, _empty_postgres
from tests.receivers import Recorder, http_server

HOUR = 3600.0
KINDS = ("email", "slack", "sms", "webhook", "person")


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def p1_procedure(sessions: sessionmaker[Session]) -> str:
    """Seed 004's RB-P1-003, whose tier 1 names contacts to page."""
    with sessions() as session:
        runbook_id = next(s.id for s in catalogue.list_runbooks(session) if s.source[:3] == "004")
        stored = catalogue.show_runbook(session, runbook_id=runbook_id)
    return next(
        pid
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if p.id == "rb-p1-003"
    )


@contextmanager
def running(sessions: sessionmaker[Session], url: str) -> Iterator[Worker]:
    """A worker ticking once an hour, every contact kind routed to the webhook at `url`."""
    notifier = ChannelNotifier({"hook": WebhookChannel(url)}, routes=dict.fromkeys(KINDS, "hook"))
    worker = Worker(sessions, notifier, interval=HOUR)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: worker.ticks >= 1), "the worker's first tick never ended"
        yield worker
    finally:
        stop.set()
        worker.wake()
        thread.join(timeout=10)
    assert not thread.is_alive(), "the worker did not stop when asked"


def pages(recorder: Recorder) -> list[int]:
    return [json.loads(body)["incident"]["id"] for _, _, body in recorder.requests]


def test_a_page_queued_in_this_process_wakes_the_worker(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    catalogue.import_paths(sessions, [SEEDS], now=now)
    procedure = p1_procedure(sessions)
    with http_server() as (url, recorder), running(sessions, url):
        opened = incidents.open_incident(
            sessions, title="Base indisponible", procedure_id=procedure, actor="alice", now=now
        )
        assert wait_for(lambda: opened.id in pages(recorder)), "the page waited for the hourly tick"


@pytest.fixture
def postgres_sessions(postgres_server: URL) -> Iterator[tuple[sessionmaker[Session], str]]:
    _empty_postgres(postgres_server)
    engine = make_engine(postgres_server)
    migrate(engine)
    yield make_session_factory(engine), postgres_server.render_as_string(hide_password=False)
    engine.dispose()


@pytest.mark.postgres
def test_on_postgresql_a_page_queued_by_another_process_wakes_the_worker(
    postgres_sessions: tuple[sessionmaker[Session], str],
) -> None:
    sessions, database_url = postgres_sessions
    now = datetime.now(UTC)
    catalogue.import_paths(sessions, [SEEDS], now=now)
    procedure = p1_procedure(sessions)
    with http_server() as (url, recorder), running(sessions, url) as worker:
        # The listener's first wake (for pages queued before it listened) ends a second tick;
        # from then on only a NOTIFY can wake this worker before the hour is up.
        assert wait_for(lambda: worker.ticks >= 2), "the worker never listened"
        script = (
            "import sys; from datetime import UTC, datetime;"
            "from astreinte.storage.db import make_engine, make_session_factory;"
            "from astreinte.services import incidents;"
            "s = make_session_factory(make_engine(sys.argv[1]));"
            "print(incidents.open_incident(s, title='Base indisponible', procedure_id=sys.argv[2],"
            " actor='bob', now=datetime.now(UTC)).id)"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASTREINTE_")}
        done = subprocess.run(
            [sys.executable, "-c", script, database_url, procedure],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env=env,
        )
        opened = int(done.stdout.strip())
        assert wait_for(lambda: opened in pages(recorder)), "no NOTIFY reached the worker"


def test_pages_handed_to_a_worker_that_died_are_sent_once_its_lease_ends(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime.now(UTC)
    catalogue.import_paths(sessions, [SEEDS], now=now)
    taken: list[Queued] = []
    forget = outbox.hand_over_to(taken.extend, lease=notifications.LEASE)
    try:  # a worker that takes the pages and dies before sending them
        opened = incidents.open_incident(
            sessions,
            title="Base indisponible",
            procedure_id=p1_procedure(sessions),
            actor="alice",
            now=now,
        )
    finally:
        forget()
    assert taken, "the commit handed no page over"
    with http_server() as (url, recorder):
        notifier = ChannelNotifier(
            {"hook": WebhookChannel(url)}, routes=dict.fromkeys(KINDS, "hook")
        )
        early = notifications.deliver(sessions, notifier, now=now + timedelta(seconds=30))
        assert early.sent == 0, "another worker sent a page still leased to the first"
        later = now + notifications.LEASE + timedelta(seconds=1)
        after = notifications.deliver(sessions, notifier, now=later)
        again = notifications.deliver(sessions, notifier, now=later + timedelta(seconds=1))
    assert after.sent == len(taken)
    assert again.sent == 0
    assert pages(recorder) == [opened.id] * len(taken)
