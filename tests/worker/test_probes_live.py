"""The issue's done-when against real targets: a redis-server of our own that we kill and start
again, a PostgreSQL database we drop and create again, an HTTP /health whose JSON field flips,
and a BullMQ queue in the machine's Redis that fills up. Seed 002 is imported; each probe goes
down within two intervals, the incident opens with the procedure of that runbook, and coming
back is on its timeline.

The schedule is driven period by period with an injected clock (a period is a `tick`), the
checks are real; the last test runs the real worker thread instead, on the wall clock."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.probes import check, close
from astreinte.domain.incident.model import OPEN
from astreinte.domain.incident.timeline import EventKind
from astreinte.domain.probe import Change, ProbeKind, ProbeSpec
from astreinte.services import catalogue, incidents, probes
from astreinte.services.probes import Observed
from astreinte.worker.loop import Worker
from tests.adapters.probes.peers import REDIS_URL, Answer, http_site, redis_client, unavailable
from tests.conftest import PG_URL, SEEDS
from tests.receivers import free_port
from tests.services.test_probes import Clock, seed_procedure

INTERVAL = timedelta(seconds=1)
pytestmark = pytest.mark.redis


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    assert catalogue.import_paths(sessions, [SEEDS], now=datetime.now(UTC)).ok
    return sessions


def probe(name: str, kind: ProbeKind, target: str, **fields: object) -> ProbeSpec:
    values: dict[str, object] = {
        "interval": INTERVAL,
        "timeout": timedelta(milliseconds=900),
        "service": "sylion",
        "fall": 2,
        "rise": 2,
    }
    values.update(fields)
    return ProbeSpec(name, kind, target, **values)  # type: ignore[arg-type]


@dataclass
class Schedule:
    """Periods of one probe on an injected clock, with the real check."""

    sessions: sessionmaker[Session]
    spec: ProbeSpec
    clock: Clock

    def __post_init__(self) -> None:
        probes.sync(self.sessions, specs=[self.spec], now=self.clock.now)

    def tick(self) -> list[Observed]:
        self.clock.advance(INTERVAL.total_seconds())
        claimed, _ = probes.claim_due(
            self.sessions, specs=[self.spec], worker="test", now=self.clock.now
        )

        async def checked() -> list[Observed]:
            try:
                return await probes.run(self.sessions, claimed, check=check, clock=self.clock)
            finally:
                await close()

        return asyncio.run(checked())

    def until(self, change: Change, periods: int) -> tuple[int, Observed]:
        """Tick until the probe makes `change`; how many periods it took, and that result."""
        for n in range(1, periods + 1):
            for observed in self.tick():
                if observed.change is change:
                    return n, observed
        raise AssertionError(f"no {change} within {periods} periods")


def down_then_back(
    sessions: sessionmaker[Session],
    spec: ProbeSpec,
    *,
    break_it: Callable[[], None],
    mend_it: Callable[[], None],
) -> tuple[int, str]:
    """Up for two periods, broken, mended: asserts the incident and the recovery note; returns
    the incident's id and its procedure's title."""
    schedule = Schedule(sessions, spec, Clock(datetime.now(UTC)))
    up = schedule.tick() + schedule.tick()
    assert up
    assert all(o.result.ok for o in up), [o.result.detail for o in up]

    break_it()
    periods, down = schedule.until(Change.WENT_DOWN, periods=4)

    assert periods <= 2, f"went down after {periods} intervals"
    assert down.incident_id is not None
    view = incidents.get_incident(sessions, incident_id=down.incident_id)
    assert view.incident.status in OPEN
    assert view.incident.procedure is not None, view.incident.title

    mend_it()
    _, back = schedule.until(Change.CAME_BACK, periods=4)

    view = incidents.get_incident(sessions, incident_id=down.incident_id)
    notes = [e.event.text for e in view.timeline if e.event.kind is EventKind.NOTE]
    assert any(n.startswith(f"probe {spec.name} is up again after ") for n in notes), notes
    assert back.result.detail in notes[-1]
    assert view.incident.procedure is not None
    return down.incident_id, view.incident.procedure.title


# --- Redis, killed and started again ----------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed (apt-get install redis-server)")
            return
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [*argv, "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"our redis-server on port {self.port} did not start within 5 s")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_a_killed_redis_opens_the_seed_redis_incident_and_its_restart_is_noted(
    seeded: sessionmaker[Session], own_redis: RedisServer
) -> None:
    spec = probe("redis", ProbeKind.REDIS, f"redis://127.0.0.1:{own_redis.port}/0")
    _, expected = seed_procedure(seeded, "Incident 3")

    _, title = down_then_back(seeded, spec, break_it=own_redis.kill, mend_it=own_redis.start)

    assert title == expected


# --- PostgreSQL: a throwaway database dropped and created again -------------------------------


@pytest.fixture
def throwaway_database() -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    server = make_url(PG_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"astreinte_probe_{secrets.token_hex(4)}"

    def create() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        create()
    except Exception as exc:
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {PG_URL} ({exc})")
    target = server.set(drivername="postgresql", database=name)
    try:
        yield target.render_as_string(hide_password=False), drop, create
    finally:
        drop()
        admin.dispose()


@pytest.mark.postgres
def test_a_dropped_database_opens_the_seed_postgresql_incident(
    seeded: sessionmaker[Session],
    throwaway_database: tuple[str, Callable[[], None], Callable[[], None]],
) -> None:
    target, drop, create = throwaway_database
    spec = probe("pg", ProbeKind.POSTGRES, target)
    _, expected = seed_procedure(seeded, "Incident 4")

    _, title = down_then_back(seeded, spec, break_it=drop, mend_it=create)

    assert title == expected


def test_a_port_where_nothing_listens_is_a_postgresql_probe_down(
    seeded: sessionmaker[Session],
) -> None:
    spec = probe("pg", ProbeKind.POSTGRES, f"postgresql://postgres@127.0.0.1:{free_port()}/x")
    schedule = Schedule(seeded, spec, Clock(datetime.now(UTC)))

    periods, down = schedule.until(Change.WENT_DOWN, periods=2)

    assert periods == 1  # its first result decides: nothing to smooth yet
    assert "refused" in down.result.detail


# --- HTTP: /health's JSON field flips -----------------------------------------------------------


def test_a_health_endpoint_saying_redis_is_disconnected_opens_the_redis_incident(
    seeded: sessionmaker[Session],
) -> None:
    with http_site() as site:
        site.answers["/health"] = Answer.json({"status": "ok", "redisConnected": True})
        spec = probe(
            "api-health",
            ProbeKind.HTTP,
            f"{site.url}/health",
            options={"expect_json": {"redisConnected": True}},
        )
        _, expected = seed_procedure(seeded, "Incident 3")

        def flip(connected: bool) -> Callable[[], None]:
            def answer() -> None:
                body = {"status": "degraded", "redisConnected": connected}
                site.answers["/health"] = Answer.json(body)

            return answer

        _, title = down_then_back(seeded, spec, break_it=flip(False), mend_it=flip(True))

    assert title == expected


# --- BullMQ: the wait list of a queue grows past its limit ------------------------------------


def test_a_growing_bullmq_queue_opens_an_incident_and_draining_it_is_noted(
    seeded: sessionmaker[Session],
) -> None:
    client = redis_client()
    prefix = f"astreinte-test-{secrets.token_hex(4)}"
    key = f"{prefix}:whatsapp:wait"
    spec = probe(
        "whatsapp-queue",
        ProbeKind.QUEUE,
        REDIS_URL,
        symptom="Queue BullMQ bloquée : messages WhatsApp non traités",
        options={"system": "bullmq", "queue": "whatsapp", "prefix": prefix, "max_length": 100},
    )
    _, expected = seed_procedure(seeded, "Incident 3")
    try:
        client.rpush(key, *(json.dumps({"job": n}) for n in range(20)))

        def backlog() -> None:
            client.rpush(key, *(json.dumps({"job": n}) for n in range(20, 500)))

        def drained() -> None:
            client.ltrim(key, 0, 9)

        _, title = down_then_back(seeded, spec, break_it=backlog, mend_it=drained)
    finally:
        for found in client.scan_iter(f"{prefix}:*"):
            client.delete(found)
        client.close()

    assert title == expected


# --- the real worker thread, on the wall clock --------------------------------------------------


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@contextmanager
def worker_running(sessions: sessionmaker[Session], specs: list[ProbeSpec]) -> Iterator[Worker]:
    from astreinte.adapters.console import LogNotifier

    worker = Worker(sessions, LogNotifier(), interval=3600, probes=specs)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        worker.wake()
        thread.join(timeout=15)
    assert not thread.is_alive(), "the worker did not stop when asked"


def test_the_worker_thread_runs_probes_and_opens_then_mends_the_incident(
    seeded: sessionmaker[Session], own_redis: RedisServer
) -> None:
    interval = 0.5
    spec = probe(
        "redis",
        ProbeKind.REDIS,
        f"redis://127.0.0.1:{own_redis.port}/0",
        interval=timedelta(seconds=interval),
        timeout=timedelta(milliseconds=400),
    )

    def state() -> probes.ProbeView:
        (view,) = probes.list_probes(seeded, specs=[spec], now=datetime.now(UTC))
        return view

    with worker_running(seeded, [spec]) as worker:
        assert wait_for(lambda: state().state.status.value == "up", 10), state()
        killed = time.monotonic()
        own_redis.kill()
        assert wait_for(lambda: state().incident_id is not None, 10), state()
        detected = time.monotonic() - killed
        incident_id = state().incident_id
        assert incident_id is not None
        own_redis.start()
        assert wait_for(lambda: state().state.status.value == "up", 10), state()
        assert worker.probing is not None
        assert worker.probing.checked >= 4

    # Two failures at 0.5 s apart: a second or so, whatever the machine's load; well under 5.
    assert detected < 5 * interval + 1, detected
    view = incidents.get_incident(seeded, incident_id=incident_id)
    assert view.incident.procedure is not None
    assert view.incident.procedure.title.startswith("Incident 3")
    assert any(e.event.text.startswith("probe redis is up again after ") for e in view.timeline)
