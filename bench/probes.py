"""Probes: how many one worker sustains, the CPU it takes, and how fast a failure is an incident.

The probe runner is the worker's own (`worker.probes.ProbeLoop`: claims, asyncio checks with
the real probe kinds, batched recording, state and alert path), in this process, on a fresh
database (a SQLite file in a temporary folder, or with `--backend postgres` a new PostgreSQL
database `astreinte_bench_<random>` dropped at the end), with the seed runbooks imported when
they are found (so an incident is matched to a procedure, as in production). The targets are
asyncio HTTP/1.1 servers (keep-alive, a small JSON body) in a child process, so their CPU is not
counted; TCP probes connect to the same ports.

1. Throughput. N probes (1,000) of one kind at one interval, first runs spread over the
   interval as the worker does; after a warm-up of one interval, the results recorded over
   `--seconds` (30) give probes/s, and `time.process_time()` over the same window the CPU
   seconds this process used (the probe loop, its recording thread, the database driver) and
   their share of one core. Rows: HTTP every 10 s (the issue's goal: on one core), HTTP every
   1 s and TCP every 1 s (how far one worker goes).
2. Detection latency. 20 more HTTP targets, one probe each every 1 s (timeout 800 ms), fall = 1
   (the first failure is down) and fall = 2 (the default); the targets are stopped one at a
   time at random phases (the listening socket and its kept-alive connections closed, so the
   next check is refused) while the 1,000 HTTP probes at 10 s keep running, and the time from
   the stop to the incident row being in the database (polled every 10 ms) is measured.
   Goal: p99 under interval + 1 s with fall = 1.

Run with `python bench/probes.py [--probes 1000] [--seconds 30] [--backend sqlite|postgres]`;
PostgreSQL is ASTREINTE_BENCH_PG_URL, by default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres (the server, not the database used). The default run takes about three minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.probes import check, close
from astreinte.domain.probe import ProbeKind, ProbeSpec
from astreinte.services import catalogue
from astreinte.storage.db import make_engine, make_session_factory, migrate
from astreinte.storage.tables import ProbeStateRow
from astreinte.worker.probes import ProbeLoop

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("ASTREINTE_SHARED", ROOT.parent / "shared")) / "seeds"
PG_URL = os.environ.get(
    "ASTREINTE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BODY = b'{"status":"ok","redisConnected":true}'


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- the targets: asyncio HTTP servers in a child process ----------------------------------------


def serve(count: int) -> None:
    """The child process: `count` HTTP servers; prints their ports, then obeys "stop <port>"
    lines on stdin (the server and its open connections closed)."""

    async def main() -> None:
        servers: dict[int, tuple[asyncio.Server, set[asyncio.StreamWriter]]] = {}

        def handler(
            writers: set[asyncio.StreamWriter],
        ) -> object:
            async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                writers.add(writer)
                try:
                    while True:
                        head = await reader.readuntil(b"\r\n\r\n")
                        method = head.split(b" ", 1)[0]
                        writer.write(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: "
                            + str(len(BODY)).encode()
                            + b"\r\n\r\n"
                            + (b"" if method == b"HEAD" else BODY)
                        )
                        await writer.drain()
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                    pass
                finally:
                    writers.discard(writer)
                    writer.close()

            return handle

        for _ in range(count):
            writers: set[asyncio.StreamWriter] = set()
            server = await asyncio.start_server(
                handler(writers),  # type: ignore[arg-type]
                "127.0.0.1",
                0,
                backlog=1024,
            )
            port = server.sockets[0].getsockname()[1]
            servers[port] = (server, writers)
        say(" ".join(str(p) for p in servers))
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            _, _, port = line.strip().partition(" ")
            server, writers = servers[int(port)]
            server.close()
            for writer in list(writers):
                writer.close()
            say(f"stopped {port}")

    asyncio.run(main())


@dataclass
class Targets:
    process: subprocess.Popen[str]
    ports: list[int]

    def stop(self, port: int) -> None:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"stop {port}\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().split() == ["stopped", str(port)]


@contextmanager
def targets(count: int) -> Iterator[Targets]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ports = [int(p) for p in process.stdout.readline().split()]
        yield Targets(process, ports)
    finally:
        process.kill()
        process.wait()


# --- the database -------------------------------------------------------------------------------


@contextmanager
def database(backend: str) -> Iterator[sessionmaker[Session]]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            migrate(engine)
            yield make_session_factory(engine)
            engine.dispose()
        return
    server = make_url(PG_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"astreinte_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(server.set(database=name))
    try:
        migrate(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def running(sessions: sessionmaker[Session], specs: Sequence[ProbeSpec]) -> Iterator[ProbeLoop]:
    loop = ProbeLoop(sessions, specs, check=check, close=close, worker="bench")
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), name="astreinte-probes")
    thread.start()
    try:
        yield loop
    finally:
        stop.set()
        loop.wake()
        thread.join(timeout=30)


def probe(name: str, kind: ProbeKind, port: int, interval: float, **fields: object) -> ProbeSpec:
    target = (
        f"http://127.0.0.1:{port}/health?probe={name}"
        if kind is ProbeKind.HTTP
        else (f"127.0.0.1:{port}")
    )
    values: dict[str, object] = {
        "interval": timedelta(seconds=interval),
        "timeout": timedelta(seconds=min(5.0, interval * 0.8)),
        "service": "bench",
    }
    values.update(fields)
    return ProbeSpec(name, kind, target, **values)  # type: ignore[arg-type]


# --- 1. throughput ------------------------------------------------------------------------------


@dataclass
class Throughput:
    kind: ProbeKind
    probes: int
    interval: float
    seconds: float
    done: int
    cpu: float

    @property
    def rate(self) -> float:
        return self.done / self.seconds


def throughput(
    backend: str, kind: ProbeKind, count: int, interval: float, seconds: float, ports: list[int]
) -> Throughput:
    specs = [probe(f"{kind}-{n:04}", kind, ports[n % len(ports)], interval) for n in range(count)]
    with database(backend) as sessions, running(sessions, specs) as loop:
        time.sleep(interval + 2)  # every probe has run once; pools are warm
        done, cpu, wall = loop.checked, time.process_time(), time.monotonic()
        time.sleep(seconds)
        done, cpu = loop.checked - done, time.process_time() - cpu
        wall = time.monotonic() - wall
    return Throughput(kind, count, interval, wall, done, cpu)


# --- 2. detection latency -------------------------------------------------------------------------


def detection(
    backend: str, background: Sequence[int], count: int, fall: int, load_probes: int
) -> list[float]:
    with targets(count) as victims, database(backend) as sessions:
        if SEEDS.is_dir():
            catalogue.import_paths(sessions, [SEEDS], now=datetime.now(UTC))
        watched = [
            probe(f"victim-{n:02}", ProbeKind.HTTP, port, 1.0, fall=fall, rise=1)
            for n, port in enumerate(victims.ports)
        ]
        load = [
            probe(f"load-{n:04}", ProbeKind.HTTP, background[n % len(background)], 10.0)
            for n in range(load_probes)
        ]
        latencies: list[float] = []
        with running(sessions, [*watched, *load]):
            time.sleep(3)  # every victim is up
            for spec, port in zip(watched, victims.ports, strict=True):
                time.sleep(random.uniform(0.3, 1.3))  # a random phase against the schedule
                stopped = time.monotonic()
                victims.stop(port)
                deadline = stopped + 15
                while time.monotonic() < deadline:
                    with sessions() as session:
                        found = session.scalar(
                            select(ProbeStateRow.incident_id).where(ProbeStateRow.name == spec.name)
                        )
                    if found is not None:
                        latencies.append(time.monotonic() - stopped)
                        break
                    time.sleep(0.01)
                else:
                    latencies.append(float("inf"))
    return latencies


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(-(-len(ordered) * q // 100)) - 1)]  # nearest rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--targets", type=int, default=8, help="HTTP servers for the load")
    parser.add_argument("--victims", type=int, default=20, help="targets stopped, per fall")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    logging.basicConfig(level=logging.WARNING)
    say(
        f"probes bench: {args.probes} probes, {args.seconds:g} s per row, {args.backend}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    rows: list[Throughput] = []
    with targets(args.targets) as load:
        for kind, interval in ((ProbeKind.HTTP, 10.0), (ProbeKind.HTTP, 1.0), (ProbeKind.TCP, 1.0)):
            row = throughput(args.backend, kind, args.probes, interval, args.seconds, load.ports)
            rows.append(row)
            say(
                f"  {row.kind} every {row.interval:g} s: {row.rate:.1f} probes/s "
                f"(expected {row.probes / row.interval:.0f}), CPU {row.cpu:.1f} s = "
                f"{row.cpu / row.seconds * 100:.0f} % of one core"
            )
        detections = {
            fall: detection(args.backend, load.ports, args.victims, fall, args.probes)
            for fall in (1, 2)
        }
    say()
    say(
        f"{'probes':>7} {'kind':>5} {'interval':>9} {'probes/s':>9} {'expected':>9} "
        f"{'CPU s':>7} {'% core':>7}"
    )
    for row in rows:
        say(
            f"{row.probes:>7} {row.kind.value:>5} {row.interval:>7g} s {row.rate:>9.1f} "
            f"{row.probes / row.interval:>9.0f} {row.cpu:>7.1f} "
            f"{row.cpu / row.seconds * 100:>6.0f}%"
        )
    say()
    say(
        f"detection latency, {args.victims} targets stopped, interval 1 s, while "
        f"{args.probes} HTTP probes run every 10 s (goal: p99 < 2.0 s with fall = 1)"
    )
    say(f"{'fall':>5} {'p50':>7} {'p99':>7} {'max':>7} {'mean':>7}")
    for fall, values in detections.items():
        say(
            f"{fall:>5} {percentile(values, 50):>6.2f}s {percentile(values, 99):>6.2f}s "
            f"{max(values):>6.2f}s {statistics.fmean(values):>6.2f}s"
        )


if __name__ == "__main__":
    main()
