"""Real local targets for the probe tests: an HTTP server whose answers a test chooses, a server
that accepts connections and never answers, a Redis server of our own to stop, and the way to
run one check as the worker would."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import redis

from astreinte.adapters.probes import check, close
from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.probe import ProbeKind, ProbeResult, ProbeSpec
from tests.receivers import free_port


def unavailable(reason: str) -> None:
    """Skip, or fail under ASTREINTE_REQUIRE_SERVICES=1 (CI), as tests/conftest.py does."""
    if os.environ.get("ASTREINTE_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def probe(kind: ProbeKind, target: str, *, timeout: float = 3.0, **options: JsonValue) -> ProbeSpec:
    return probe_with(kind, target, options, timeout=timeout)


def probe_with(
    kind: ProbeKind, target: str, options: Mapping[str, JsonValue], *, timeout: float = 3.0
) -> ProbeSpec:
    return ProbeSpec(
        f"test-{kind}",
        kind,
        target,
        interval=timedelta(seconds=10),
        timeout=timedelta(seconds=timeout),
        options=options,
    )


def run(
    spec: ProbeSpec,
    *,
    clock: Callable[[], datetime] | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> ProbeResult:
    """One check on a fresh event loop, its shared HTTP client closed afterwards."""

    async def once() -> ProbeResult:
        try:
            if clock is None:
                return await check(spec, http_client=http_client)
            return await check(spec, clock=clock, http_client=http_client)
        finally:
            await close()

    return asyncio.run(once())


def timed(spec: ProbeSpec) -> tuple[ProbeResult, float]:
    started = time.monotonic()
    result = run(spec)
    return result, time.monotonic() - started


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    content_type: str = "text/plain"
    delay: float = 0.0
    location: str | None = None

    @classmethod
    def json(cls, document: object, status: int = 200) -> Answer:
        return cls(status, json.dumps(document).encode(), "application/json")


@dataclass
class Site:
    url: str
    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # method, path, hdrs
    peers: set[tuple[str, int]] = field(default_factory=set)  # client addresses: connections


@contextmanager
def http_site() -> Iterator[Site]:
    """An HTTP/1.1 server (keep-alive) answering each path with the `Answer` a test set."""
    site = Site(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            if length:
                self.rfile.read(length)
            site.seen.append((self.command, self.path, dict(self.headers.items())))
            site.peers.add(self.client_address[:2])
            answer = site.answers.get(self.path, Answer(404, b"not found"))
            time.sleep(answer.delay)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            if answer.location:
                self.send_header("Location", answer.location)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


# --- a peer that never answers ------------------------------------------------------------------


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server that accepts every connection and never sends a byte: the hung backend whose
    probe must end at its timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    return free_port()


# --- Redis -----------------------------------------------------------------------------------

REDIS_URL = os.environ.get("ASTREINTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_client() -> redis.Redis:
    """The machine's Redis, on the database the tests own (15 unless ASTREINTE_TEST_REDIS_URL)."""
    client: redis.Redis = redis.Redis.from_url(
        REDIS_URL, decode_responses=True, socket_connect_timeout=3
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        unavailable(
            f"Redis is not reachable at {REDIS_URL} ({exc}); start it (.ci/run does) "
            "or set ASTREINTE_TEST_REDIS_URL"
        )
    return client


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@contextmanager
def own_redis(*settings: str) -> Iterator[OwnRedis]:
    """A redis-server of our own on a free port, killed at the end (or earlier: `stop()`)."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
        raise AssertionError  # unreachable: unavailable() skips or fails
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen(
        [*argv, "--appendonly", "no", *settings],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):  # listening is enough: a --requirepass server refuses PING
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail(f"our redis-server on port {port} did not start within 5 s")
        yield OwnRedis(port, process)
    finally:
        process.kill()
        process.wait()
