"""Requests/s and latency of the HTTP API over loopback, on SQLite and on PostgreSQL.

For each backend, `astreinte serve --no-worker --runbooks <seeds>` runs as a subprocess (one
uvicorn process, access log on, as deployed) on a fresh database: a SQLite file in a temporary
folder, or a new PostgreSQL database `astreinte_bench_<random>` dropped at the end. Once
/api/v1/healthz answers and a warm-up round has run, three phases of N requests each are sent,
C at a time, from one asyncio `httpx.AsyncClient` with C keep-alive connections:

    create       POST /api/v1/incidents (the procedure is matched from the title, five seeds)
    acknowledge  POST /api/v1/incidents/{id}/acknowledge, once for each incident just created
    get          GET  /api/v1/incidents/{id} (the full view: timeline, checklists…)

Requests/s is N over the phase's wall time; latency is per request, from sending to the body
read, so it includes the client's own time. Any answer other than the expected status counts as
an error. Run with `python bench/api_throughput.py [--requests 300] [--concurrency 8]
[--backends sqlite,postgres]`; PostgreSQL is ASTREINTE_BENCH_PG_URL, by default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres (the server, not the database used).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx
from sqlalchemy import create_engine, make_url, text

SHARED = Path(os.environ.get("ASTREINTE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
if not (SHARED / "seeds").is_dir():
    SHARED = Path("/work/shared")

PG_SERVER: Final = os.environ.get(
    "ASTREINTE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
API: Final = "/api/v1"
STARTUP_SECONDS: Final = 60.0
TITLES: Final = (
    "database connection pool exhausted",
    "Backend Railway down, API returns 502",
    "queue backlog explose",
    "API complètement down, le VPS ne répond plus",
    "bug critique bloquant pour les utilisateurs",
    "TLS certificate expired on the frontend",
)


@dataclass(frozen=True, slots=True)
class Phase:
    backend: str
    op: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


# -- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _astreinte(*args: str) -> list[str]:
    return [sys.executable, "-m", "astreinte", *args]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on the PostgreSQL server, dropped (connections and all) at the end."""
    server = make_url(PG_SERVER)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"astreinte_bench_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass(frozen=True, slots=True)
class Astreinte:
    """A running `astreinte serve`: its base URL, an admin token, and its log."""

    base: str
    token: str
    log: Path


@contextmanager
def serving(database_url: str, folder: Path, *, worker: bool = False) -> Iterator[Astreinte]:
    """A running `astreinte serve` (without its worker unless asked) over the seeds, with an
    admin token; its astreinte.toml, if any, is the one in `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTREINTE_")}
    env["ASTREINTE_DATABASE_URL"] = database_url
    created = subprocess.run(
        _astreinte("token", "create", "--role", "admin", "--name", "bench"),
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
        check=False,
    )
    if created.returncode != 0:
        raise SystemExit(f"astreinte token create failed: {created.stderr.strip()}")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "serve.log"
    command = _astreinte("serve", "--host", "127.0.0.1", "--port", str(port))
    command += ["--worker" if worker else "--no-worker", "--runbooks", str(SHARED / "seeds")]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=out)
        try:
            _wait_healthy(process, base, log)
            yield Astreinte(base, created.stdout.strip(), log)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop, and kill it if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=base, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise SystemExit(f"astreinte serve exited with {process.returncode}:\n{tail}")
            try:
                if client.get(f"{API}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise SystemExit(f"astreinte serve did not answer /healthz within {STARTUP_SECONDS:.0f} s")


# -- the load ---------------------------------------------------------------------------------

Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def run_phase(
    client: httpx.AsyncClient, request: Request, count: int, concurrency: int, expected: int
) -> tuple[float, list[float], int, list[httpx.Response]]:
    """Send request(client, i) for i in range(count), `concurrency` at a time; return the wall
    time, each latency in ms, the number of unexpected answers, and the answers in order."""
    numbers = iter(range(count))
    latencies: list[float] = []
    answers: list[httpx.Response | None] = [None] * count
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for number in numbers:  # one shared iterator: each number is taken once
            started = time.perf_counter()
            try:
                response = await request(client, number)
            except httpx.TransportError:
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            answers[number] = response
            if response.status_code != expected:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return seconds, latencies, errors, [a for a in answers if a is not None]


async def measure(backend: str, server: Astreinte, requests: int, concurrency: int) -> list[Phase]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {server.token}"}
    async with httpx.AsyncClient(
        base_url=server.base + API, headers=headers, limits=limits, timeout=60.0
    ) as client:

        async def create(c: httpx.AsyncClient, i: int) -> httpx.Response:
            return await c.post("/incidents", json={"title": f"{TITLES[i % len(TITLES)]} #{i}"})

        # Warm-up (not measured): the first requests load the match index and fill the pools.
        _, _, _, warm = await run_phase(client, create, 4 * concurrency, concurrency, 201)
        warm_ids = [r.json()["id"] for r in warm if r.status_code == 201]

        async def warm_get(c: httpx.AsyncClient, i: int) -> httpx.Response:
            return await c.get(f"/incidents/{warm_ids[i % len(warm_ids)]}")

        await run_phase(client, warm_get, 4 * concurrency, concurrency, 200)

        phases: list[Phase] = []
        seconds, latencies, errors, answers = await run_phase(
            client, create, requests, concurrency, 201
        )
        phases.append(Phase(backend, "create", requests, errors, seconds, latencies))
        ids = [int(r.json()["id"]) for r in answers if r.status_code == 201]
        if not ids:
            raise SystemExit(f"{backend}: no incident was created; see the server's log")

        async def acknowledge(c: httpx.AsyncClient, i: int) -> httpx.Response:
            return await c.post(f"/incidents/{ids[i]}/acknowledge")

        count = len(ids)
        seconds, latencies, errors, _ = await run_phase(
            client, acknowledge, count, concurrency, 200
        )
        phases.append(Phase(backend, "acknowledge", count, errors, seconds, latencies))

        async def get(c: httpx.AsyncClient, i: int) -> httpx.Response:
            return await c.get(f"/incidents/{ids[i % count]}")

        seconds, latencies, errors, _ = await run_phase(client, get, requests, concurrency, 200)
        phases.append(Phase(backend, "get", requests, errors, seconds, latencies))
    return phases


def bench(backend: str, requests: int, concurrency: int) -> list[Phase]:
    with tempfile.TemporaryDirectory(prefix="astreinte-bench-") as name:
        folder = Path(name)
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'bench.db'}"
            with serving(url, folder) as server:
                return asyncio.run(measure(backend, server, requests, concurrency))
        with postgres_database() as url, serving(url, folder) as server:
            return asyncio.run(measure(backend, server, requests, concurrency))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", "-n", type=int, default=300, help="per operation")
    parser.add_argument("--concurrency", "-c", type=int, default=8, help="requests in flight")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown or not backends:
        parser.error(f"unknown backend(s) {sorted(unknown)}; use sqlite, postgres or both")
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")

    phases = [p for b in backends for p in bench(b, args.requests, args.concurrency)]
    out = sys.stdout.write
    out(
        f"{args.requests} requests per operation, concurrency {args.concurrency}, loopback, "
        "one `astreinte serve --no-worker` process\n"
    )
    out(
        f"{'backend':<9} {'operation':<12} {'n':>5} {'errors':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}\n"
    )
    for p in phases:
        out(
            f"{p.backend:<9} {p.op:<12} {p.requests:>5} {p.errors:>6} "
            f"{p.requests / p.seconds:>8.1f} {p.percentile(50):>8.1f} "
            f"{p.percentile(95):>8.1f} {p.percentile(99):>8.1f}\n"
        )


if __name__ == "__main__":
    main()
