"""Alert ingestion: alerts/s and POST-to-page latency of astreinte, beside Prometheus Alertmanager.

Per backend (SQLite, PostgreSQL), on a fresh database each time (a SQLite file in a temporary
folder, or a new PostgreSQL database `astreinte_bench_<random>` dropped at the end):

1. Ingest throughput. `astreinte serve --no-worker --runbooks <seeds>` runs as a subprocess;
   after a warm-up, Alertmanager webhook payloads (`version: "4"`, built here with invented
   values) are POSTed to /api/v1/alerts/alertmanager with an admin token, C requests at a time
   from one `httpx.AsyncClient`, in batches of 1 alert (N alerts) and of 100 alerts (about 10N/3
   alerts, 1000 for N=300), three ways:
     new        every alert a new label set (alertname, instance and service vary: astreinte
                groups an alert into an open incident of the same procedure *and service*, so
                the service varies too), each opening its own incident;
     grouped    new label sets (instance varies) sharing service and alertname, so that after
                the first they join its incident;
     duplicate  the same payload re-sent (sent once before the clock starts): all repeats.
   Reported: alerts/s (alerts over the phase's wall time) and p50/p99 of the request latency.
2. POST-to-page latency. A local HTTP receiver (http.server in a thread) stands in for the
   on-call; `astreinte serve` runs WITH its worker, configured by an astreinte.toml in its
   working directory (`[channels.hook] kind = "webhook"` to the receiver, every contact kind
   routed to it, `worker_interval_seconds = 0.05`). New alerts worded like seed 004's
   "Base de données indisponible" (a procedure whose runbook has tier-1 contacts) are POSTed
   one per request: first 200 as a steady stream of 20 alerts/s (the latency of a page on a
   busy night), then N as fast as answered, then 100 per request (about 10N/3), C requests
   at a time (saturation: the latency then includes the queue); each
   alert's latency runs from just before its POST to the first webhook whose `incident.id` is
   the incident the response names for it. Its alerts/s is end to end: pages received over
   the time from the first POST to the last page. Incidents that queued no notification at
   all (no reachable contact) are counted apart, as are pages not seen in 30 s.
3. The same against Prometheus Alertmanager (the Debian package, installed with apt-get when
   /usr/bin/prometheus-alertmanager is missing), bound to 127.0.0.1 without clustering, with
   `group_by: ['...']` (one group per alert), `group_wait: 0s`, `group_interval: 1s` and a
   webhook receiver: the same alerts as API v2 postable alerts to /api/v2/alerts (throughput),
   then, on a fresh instance, POST-to-webhook latency matched by the alerts' fingerprints.
   `--no-alertmanager` skips it; if it cannot be installed or started, the reason is printed.

A phase sends no new request once it has run `--phase-seconds` (20 s): a pathological case
then shows as "stopped by the budget" with what it managed, instead of stretching the run. Any
answer other than 202 (astreinte) or 200 (Alertmanager) is an error; the first body of each such
status, and the server log's status counts and warnings, are printed under the table. The
POST→webhook rows also say what the worker logged (notifications sent per tick).

Run with `python bench/alert_ingest.py [--alerts 300] [--concurrency 8]
[--backends sqlite,postgres] [--no-alertmanager] [--phase-seconds 20]`; PostgreSQL is
ASTREINTE_BENCH_PG_URL, by default postgresql+psycopg://postgres@127.0.0.1:5432/postgres (the
server, not the database used). The default run takes about two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import httpx
from api_throughput import (
    API,
    SHARED,
    STARTUP_SECONDS,
    TITLES,
    _free_port,
    postgres_database,
    serving,
    stop,
)

from astreinte.adapters.alert_sources.alertmanager import fingerprint

SEEDS: Final = SHARED / "seeds"  # what tests.conftest.SEEDS names
AM_BINARY: Final = Path("/usr/bin/prometheus-alertmanager")
AM_PACKAGE: Final = "prometheus-alertmanager"
INGEST_PATH: Final = f"{API}/alerts/alertmanager"
AM_PATH: Final = "/api/v2/alerts"
ACCESS_STATUS: Final = re.compile(r'HTTP/[0-9.]+" (\d{3})')
WORKER_SENT: Final = re.compile(r"astreinte\.worker: (?:fired due work .*?; sent|delivered) (\d+)")
PHASE_SECONDS: Final = 20.0
JSON_HEADERS: Final = {"Content-Type": "application/json"}
GO_ZERO_TIME: Final = "0001-01-01T00:00:00Z"
PAGE_WAIT_SECONDS: Final = 30.0
PACED_RATE: Final = 20.0  # alerts/s of the steady stream: a busy night, not a flood
PACED_ALERTS: Final = 200
PAGED_SUMMARY: Final = "Base de données indisponible"
ALERT_NAMES: Final = (
    "DatabaseConnectionsExhausted",
    "BackendDown",
    "QueueBacklogHigh",
    "ApiUnreachable",
    "CriticalBugReported",
    "CertificateExpired",
)
VARIANTS: Final = ("new", "grouped", "duplicate")


# -- payloads ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spec:
    """One alert: its label set (its identity) and annotations."""

    labels: dict[str, str]
    annotations: dict[str, str]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)


def distinct(tag: str, i: int) -> Spec:
    """A label set of its own: alertname, instance and service vary, so nothing groups."""
    service = f"svc-{tag}-{i}"
    instance = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}:9100"
    return Spec(
        labels={
            "alertname": ALERT_NAMES[i % len(ALERT_NAMES)],
            "cluster": "bench-eu",
            "instance": instance,
            "job": service,
            "service": service,
            "severity": "critical",
        },
        annotations={
            "summary": TITLES[i % len(TITLES)],
            "description": f"{service} on {instance}: bench alert {tag}/{i}.",
        },
    )


def grouped(tag: str, i: int) -> Spec:
    """Same service and alertname as every other of `tag`, its own instance."""
    service = f"payments-{tag}"
    return Spec(
        labels={
            "alertname": "PaymentsErrorBudgetBurn",
            "cluster": "bench-eu",
            "instance": f"payments-{tag}-{i:05d}:8443",
            "job": service,
            "service": service,
            "severity": "critical",
        },
        annotations={
            "summary": "API returns 502 on payments, error budget burning",
            "description": f"{service}: 9% of requests answered 502 over 10 minutes.",
        },
    )


def paged(tag: str, i: int) -> Spec:
    """Worded like seed 004's RB-P1-003, whose runbook names tier-1 contacts; the service
    varies so that each alert opens its own incident."""
    spec = distinct(tag, i)
    spec.labels["alertname"] = f"PostgresUnavailable{i % 7}"
    spec.annotations["summary"] = PAGED_SUMMARY
    spec.annotations["description"] = (
        f"La base de données de {spec.labels['service']} ne répond plus."
    )
    return spec


def _rfc3339(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _generator_url(spec: Spec) -> str:
    expr = f'up{{job="{spec.labels["job"]}"}} == 0'
    return f"http://prometheus.bench.invalid:9090/graph?g0.expr={quote(expr)}&g0.tab=1"


def webhook_v4(specs: Sequence[Spec], starts: datetime) -> bytes:
    """An Alertmanager webhook notification (formats README §1) carrying `specs`, firing."""
    alerts = [
        {
            "status": "firing",
            "labels": s.labels,
            "annotations": s.annotations,
            "startsAt": _rfc3339(starts),
            "endsAt": GO_ZERO_TIME,
            "generatorURL": _generator_url(s),
            "fingerprint": s.fingerprint,
        }
        for s in specs
    ]
    common_labels = dict(set.intersection(*(set(s.labels.items()) for s in specs)))
    common_annotations = dict(set.intersection(*(set(s.annotations.items()) for s in specs)))
    group = {k: common_labels[k] for k in ("alertname", "service") if k in common_labels}
    group_key = "{}:{" + ", ".join(f'{k}="{v}"' for k, v in sorted(group.items())) + "}"
    body = {
        "receiver": "astreinte-bench",
        "status": "firing",
        "alerts": alerts,
        "groupLabels": group,
        "commonLabels": common_labels,
        "commonAnnotations": common_annotations,
        "externalURL": "http://alertmanager.bench.invalid:9093",
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
    }
    return json.dumps(body).encode("utf-8")


def postable(specs: Sequence[Spec], starts: datetime) -> bytes:
    """An Alertmanager API v2 `postableAlerts` array (formats README §2), without endsAt."""
    alerts = [
        {
            "labels": s.labels,
            "annotations": s.annotations,
            "startsAt": _rfc3339(starts),
            "generatorURL": _generator_url(s),
        }
        for s in specs
    ]
    return json.dumps(alerts).encode("utf-8")


Encode = Callable[[Sequence[Spec], datetime], bytes]


def bodies_for(variant: str, tag: str, alerts: int, batch: int, encode: Encode) -> list[bytes]:
    """The request bodies of one phase: `alerts` alerts, `batch` per request."""
    now = datetime.now(UTC)
    if variant == "duplicate":
        one = encode([distinct(tag, i) for i in range(batch)], now)
        return [one] * (alerts // batch)
    make = distinct if variant == "new" else grouped
    specs = [make(tag, i) for i in range(alerts)]
    return [encode(specs[i : i + batch], now) for i in range(0, alerts, batch)]


# -- results ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    system: str
    backend: str
    measurement: str
    alerts: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    notes: str = ""

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


@dataclass(slots=True)
class Report:
    rows: list[Row] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


# -- the local receiver -----------------------------------------------------------------------

KeysOf = Callable[[Any], list[str]]


class Receiver:
    """An HTTP server in a thread that answers 200 to every POST and keeps, for each key the
    body names (an incident id, an alert fingerprint), when it was first seen."""

    def __init__(self, keys_of: KeysOf) -> None:
        self.keys_of = keys_of
        self.first: dict[str, float] = {}
        self.requests = 0
        self.unreadable = 0
        self.lock = threading.Lock()
        self.server = _ReceiverServer(self)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def record(self, body: bytes) -> None:
        at = time.perf_counter()
        try:
            keys = self.keys_of(json.loads(body))
        except (ValueError, KeyError, TypeError):
            keys = None
        with self.lock:
            self.requests += 1
            if keys is None:
                self.unreadable += 1
                return
            for key in keys:
                self.first.setdefault(key, at)

    def seen(self, key: str) -> float | None:
        with self.lock:
            return self.first.get(key)

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self.server.serve_forever, name="bench-receiver")
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=10)


class _ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: Receiver) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.receiver = receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A sender that closes its keep-alive connection with a reset (astreinte's webhook
        # opens one connection per message) is no error of the measurement.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Alertmanager's client expects

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        assert isinstance(self.server, _ReceiverServer)
        self.server.receiver.record(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # quiet


def _incident_keys(body: Any) -> list[str]:
    return [str(body["incident"]["id"])]


def _fingerprint_keys(body: Any) -> list[str]:
    return [str(alert["fingerprint"]) for alert in body["alerts"]]


# -- the servers ------------------------------------------------------------------------------


def _config(receiver_url: str) -> str:
    routes = "\n".join(
        f'{kind} = "hook"' for kind in ("email", "slack", "sms", "webhook", "person")
    )
    return (
        "worker_interval_seconds = 0.05\n\n"
        f'[channels.hook]\nkind = "webhook"\nurl = "{receiver_url}"\n\n'
        f"[routes]\n{routes}\n"
    )


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
    else:
        with postgres_database() as url:
            yield url


def ensure_alertmanager() -> str | None:
    """None once the binary is there, else why it is not."""
    if AM_BINARY.is_file():
        return None
    if shutil.which("apt-get") is None:
        return f"{AM_BINARY} is missing and there is no apt-get to install {AM_PACKAGE}"
    sys.stdout.write(f"{AM_BINARY} is missing: apt-get install -y {AM_PACKAGE}\n")
    sys.stdout.flush()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(
            ["apt-get", "install", "-y", AM_PACKAGE],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"apt-get install -y {AM_PACKAGE} failed: {exc}"
    if done.returncode != 0 or not AM_BINARY.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return f"apt-get install -y {AM_PACKAGE} exited {done.returncode}: {' | '.join(tail)}"
    return None


def _am_version() -> str:
    done = subprocess.run(
        [str(AM_BINARY), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0] if first else "unknown version"


@contextmanager
def alertmanager(folder: Path, receiver_url: str) -> Iterator[str]:
    """A fresh Alertmanager on a free loopback port, not clustered; yields its base URL."""
    config = {
        "route": {
            "receiver": "bench",
            "group_by": ["..."],
            "group_wait": "0s",
            "group_interval": "1s",
            "repeat_interval": "4h",
        },
        "receivers": [
            {"name": "bench", "webhook_configs": [{"url": receiver_url, "send_resolved": False}]}
        ],
    }
    path = folder / "alertmanager.yml"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")  # JSON is YAML
    storage = folder / "data"
    storage.mkdir()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "alertmanager.log"
    command = [
        str(AM_BINARY),
        f"--config.file={path}",
        f"--storage.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            with httpx.Client(base_url=base, timeout=2.0) as client:
                while True:
                    if process.poll() is not None:
                        tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
                        raise RuntimeError(f"alertmanager exited with {process.returncode}: {tail}")
                    try:
                        if client.get("/-/ready").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"alertmanager not ready in {STARTUP_SECONDS:.0f} s")
                    time.sleep(0.05)
            yield base
        finally:
            stop(process)


# -- the measurements -------------------------------------------------------------------------


def _client(base: str, concurrency: int, token: str | None = None) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {**JSON_HEADERS, **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60.0)


@dataclass(slots=True)
class Load:
    """What one phase's requests gave, by request number."""

    seconds: float = 0.0
    started: dict[int, float] = field(default_factory=dict)  # perf_counter before the POST
    answers: dict[int, httpx.Response] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # transport errors
    cut: bool = False  # the time budget stopped it before the last request

    def errors(self, expected: int) -> int:
        odd = sum(1 for a in self.answers.values() if a.status_code != expected)
        return odd + len(self.failures)

    def statuses(self, expected: int) -> str:
        """Unexpected status codes and transport errors, as '409×3, transport×1'."""
        odd = Counter(a.status_code for a in self.answers.values() if a.status_code != expected)
        parts = [f"{code}×{count}" for code, count in sorted(odd.items())]
        if self.failures:
            parts.append(f"transport×{len(self.failures)}")
        return ", ".join(parts)

    def problems(self, expected: int) -> list[str]:
        """The first body of each unexpected status, and the first transport error."""
        first: dict[int, str] = {}
        for answer in self.answers.values():
            if answer.status_code != expected and answer.status_code not in first:
                first[answer.status_code] = " ".join(answer.text.split())[:300]
        said = [f"HTTP {code}: {body}" for code, body in sorted(first.items())]
        return said + [f"transport error: {f}" for f in self.failures[:1]]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a phase's alerts go, and in what shape."""

    system: str  # astreinte, alertmanager
    backend: str  # sqlite, postgres, memory
    client: httpx.AsyncClient
    path: str
    encode: Encode
    expected: int  # the status of an accepted payload
    concurrency: int
    budget: float  # seconds a phase may keep sending
    report: Report


def to_astreinte(
    client: httpx.AsyncClient, backend: str, concurrency: int, budget: float, report: Report
) -> Target:
    return Target(
        "astreinte", backend, client, INGEST_PATH, webhook_v4, 202, concurrency, budget, report
    )


def to_alertmanager(
    client: httpx.AsyncClient, concurrency: int, budget: float, report: Report
) -> Target:
    return Target(
        "alertmanager", "memory", client, AM_PATH, postable, 200, concurrency, budget, report
    )


async def load(
    target: Target,
    bodies: Sequence[bytes],
    *,
    budget: float | None = None,
    rate: float | None = None,
) -> Load:
    """POST `bodies`, `concurrency` at a time, from one shared iterator (as run_phase in
    bench/api_throughput.py), no new request once the budget is spent. With `rate`, request
    number i leaves no earlier than i/rate seconds after the first (a steady stream of alerts
    instead of as fast as the server answers)."""
    numbers = iter(range(len(bodies)))
    deadline = time.monotonic() + (target.budget if budget is None else budget)
    result = Load()
    first = time.perf_counter()

    async def worker() -> None:
        for number in numbers:
            if time.monotonic() > deadline:
                result.cut = True
                return
            if rate is not None:
                await asyncio.sleep(max(0.0, first + number / rate - time.perf_counter()))
            started = time.perf_counter()
            result.started[number] = started
            try:
                answer = await target.client.post(target.path, content=bodies[number])
            except httpx.TransportError as exc:
                result.failures.append(f"{type(exc).__name__}: {exc}")
                continue
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.answers[number] = answer

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(target.concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def _outcomes(answers: Iterable[httpx.Response]) -> str:
    """astreinte's per-alert outcomes and how many incidents the answers name."""
    outcomes: Counter[str] = Counter()
    incidents: set[int] = set()
    for answer in answers:
        if answer.status_code != 202:
            continue
        data = answer.json()
        outcomes.update(str(a["outcome"]) for a in data["alerts"])
        incidents.update(int(i) for i in data["incidents"])
    said = " ".join(f"{name} {count}" for name, count in outcomes.most_common())
    return f"{said}; {len(incidents)} incident(s)" if said else ""


def _row(
    target: Target, measurement: str, batch: int, total: int, done: Load, notes: list[str]
) -> Row:
    sent = len(done.started)
    if done.cut:
        notes.append(f"stopped by the {target.budget:.0f} s budget after {sent}/{total} requests")
    if status := done.statuses(target.expected):
        notes.append(status)
    for problem in done.problems(target.expected):
        target.report.remarks.append(f"{target.system}/{target.backend} {measurement}: {problem}")
    return Row(
        target.system,
        target.backend,
        measurement,
        sent * batch,
        sent,
        done.errors(target.expected),
        done.seconds,
        done.latencies_ms,
        "; ".join(n for n in notes if n),
    )


def batch100_alerts(alerts: int) -> int:
    """Alerts of a batch-100 run: about 10N/3, in whole batches (1000 for N=300)."""
    return max(100, math.ceil(alerts * 10 / 3 / 100) * 100)


async def throughput(target: Target, alerts: int) -> list[Row]:
    """The six ingest phases: new, grouped, duplicate × batch of 1, batch of 100."""
    rows: list[Row] = []
    await load(target, bodies_for("new", "warm", 4 * target.concurrency, 1, target.encode))
    for batch in (1, 100):
        count = alerts if batch == 1 else batch100_alerts(alerts)
        for variant in VARIANTS:
            bodies = bodies_for(variant, f"{variant}{batch}", count, batch, target.encode)
            if variant == "duplicate":  # the first delivery is not a duplicate
                await load(replace(target, concurrency=1), bodies[:1])
            done = await load(target, bodies)
            answers = [done.answers[i] for i in sorted(done.answers)]
            notes = [_outcomes(answers)] if target.system == "astreinte" else []
            rows.append(_row(target, f"ingest {variant} ×{batch}", batch, len(bodies), done, notes))
    return rows


async def _wait_pages(receiver: Receiver, keys: Iterable[str], seconds: float) -> None:
    waiting = list(keys)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(receiver.seen(k) is None for k in waiting):
        await asyncio.sleep(0.02)


async def _paging_incidents(client: httpx.AsyncClient) -> set[str]:
    """Incidents with at least one notification queued (sent or not)."""
    found: set[str] = set()
    offset = 0
    while True:
        answer = await client.get(f"{API}/notifications", params={"limit": 500, "offset": offset})
        answer.raise_for_status()
        page = answer.json()
        found.update(str(n["incident_id"]) for n in page if n["incident_id"] is not None)
        if len(page) < 500:
            return found
        offset += 500


def _page_keys(
    target: Target, specs: Sequence[Spec], answer: httpx.Response
) -> list[tuple[str, str | None]]:
    """Each alert's outcome, and the key its page will carry (None: it opened nothing)."""
    if target.system == "alertmanager":
        return [("new", spec.fingerprint) for spec in specs]
    said = answer.json()["alerts"]
    keys: list[tuple[str, str | None]] = []
    for k in range(len(specs)):
        alert = said[k] if k < len(said) else {"outcome": "none", "incident_id": None}
        outcome, incident = str(alert["outcome"]), alert.get("incident_id")
        keys.append((outcome, str(incident) if outcome == "new" and incident else None))
    return keys


async def page_latency(
    target: Target, receiver: Receiver, alerts: int, batch: int = 1, rate: float | None = None
) -> Row:
    """POST new alerts, `batch` per request (`rate` requests/s at most, else as fast as
    answered); the time from each POST to the first webhook that names its alert's incident
    (astreinte) or carries its fingerprint (Alertmanager). The row's alerts/s is end to end:
    pages received over the time from the first POST to the last page."""
    warm_specs = [paged("warm", i) for i in range(2 * target.concurrency)]
    warm = await load(target, [target.encode([s], datetime.now(UTC)) for s in warm_specs])
    await _wait_pages(
        receiver,
        (
            key
            for i, answer in warm.answers.items()
            if answer.status_code == target.expected
            for _, key in _page_keys(target, warm_specs[i : i + 1], answer)
            if key
        ),
        10.0,
    )

    before = receiver.requests
    specs = [paged(f"page{batch}r{rate or 0:g}", i) for i in range(alerts)]
    groups = [specs[i : i + batch] for i in range(0, alerts, batch)]
    bodies = [target.encode(g, datetime.now(UTC)) for g in groups]
    done = await load(target, bodies, rate=rate)
    keys: list[tuple[int, str]] = []  # (request number, page key)
    outcomes: Counter[str] = Counter()
    for i, answer in done.answers.items():
        if answer.status_code == target.expected:
            for outcome, key in _page_keys(target, groups[i], answer):
                outcomes[outcome] += 1
                if key is not None:
                    keys.append((i, key))
    await _wait_pages(receiver, (key for _, key in keys), PAGE_WAIT_SECONDS)

    paging = await _paging_incidents(target.client) if target.system == "astreinte" else None
    latencies: list[float] = []
    late = quiet = 0
    last = 0.0
    for i, key in keys:
        at = receiver.seen(key)
        if at is not None:
            latencies.append((at - done.started[i]) * 1000)
            last = max(last, at)
        elif paging is not None and key not in paging:
            quiet += 1
        else:
            late += 1
    sent = len(done.started) * batch
    notes = [f"paged {len(latencies)}/{sent}"]
    if paging is not None:
        notes.append(f"opened without a page (no reachable contact) {quiet}")
    if odd := {k: v for k, v in outcomes.items() if k != "new"}:
        notes.append("not new: " + " ".join(f"{k} {v}" for k, v in odd.items()))
    if late:
        notes.append(f"no webhook within {PAGE_WAIT_SECONDS:.0f} s: {late}")
    notes.append(f"{receiver.requests - before} webhook requests")
    paced = f" @{rate:g}/s" if rate else ""
    row = _row(target, f"POST→webhook ×{batch}{paced}", batch, len(groups), done, notes)
    row.latencies_ms = latencies  # the page latency, not the request's
    if latencies and done.started:
        row.alerts = len(latencies)  # end to end: pages received…
        row.seconds = last - min(done.started.values())  # …from the first POST to the last page
    return row


def _worker_ticks(log: Path) -> str:
    """What the worker's log lines say it delivered (warm-up included)."""
    text = log.read_text(encoding="utf-8", errors="replace")
    sent = [int(m.group(1)) for m in WORKER_SENT.finditer(text)]
    if not sent:
        return "worker logged no delivery"
    return f"worker: {sum(sent)} sent in {len(sent)} rounds, at most {max(sent)} per round"


def _log_excerpt(log: Path, limit: int = 20) -> str:
    """Statuses in the server's access log, and its warning and error lines (with what
    follows them: tracebacks), at most `limit` lines."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    statuses = Counter(m.group(1) for line in lines if (m := ACCESS_STATUS.search(line)))
    keep: list[str] = []
    for number, line in enumerate(lines):
        if "ERROR" in line or "WARNING" in line or "Traceback" in line:
            keep.extend(lines[number : number + 6])
        if len(keep) >= limit:
            break
    said = ", ".join(f"{code}×{count}" for code, count in sorted(statuses.items()))
    body = "\n".join(f"    {line}" for line in keep[:limit]) or "    (no warning or error line)"
    return f"access log statuses: {said}\n{body}"


def bench_astreinte(
    backend: str, alerts: int, concurrency: int, budget: float, report: Report
) -> None:
    with tempfile.TemporaryDirectory(prefix="astreinte-bench-") as name:
        folder = Path(name)
        with database(backend, folder) as url, serving(url, folder) as server:

            async def ingest() -> list[Row]:
                async with _client(server.base, concurrency, server.token) as client:
                    target = to_astreinte(client, backend, concurrency, budget, report)
                    return await throughput(target, alerts)

            rows = asyncio.run(ingest())
            report.rows.extend(rows)
            if any(r.errors or "budget" in r.notes for r in rows):
                report.remarks.append(
                    f"astreinte/{backend} ingest, serve.log: {_log_excerpt(server.log)}"
                )
    with tempfile.TemporaryDirectory(prefix="astreinte-bench-") as name:
        folder = Path(name)
        receiver = Receiver(_incident_keys)
        (folder / "astreinte.toml").write_text(_config(receiver.url), encoding="utf-8")
        with (
            receiver.running(),
            database(backend, folder) as url,
            serving(url, folder, worker=True) as server,
        ):

            async def pages() -> list[Row]:
                async with _client(server.base, concurrency, server.token) as client:
                    target = to_astreinte(client, backend, concurrency, budget, report)
                    paced = await page_latency(target, receiver, PACED_ALERTS, rate=PACED_RATE)
                    saturated = await page_latency(target, receiver, alerts)
                    batched = await page_latency(target, receiver, batch100_alerts(alerts), 100)
                    return [paced, saturated, batched]

            rows = asyncio.run(pages())
            report.rows.extend(rows)
            report.remarks.append(
                f"astreinte/{backend} paging, the three rows together: {_worker_ticks(server.log)}"
            )
            if any(r.errors or "no webhook within" in r.notes for r in rows):
                report.remarks.append(
                    f"astreinte/{backend} paging, serve.log: {_log_excerpt(server.log)}"
                )


def bench_alertmanager(alerts: int, concurrency: int, budget: float, report: Report) -> None:
    why = ensure_alertmanager()
    if why is not None:
        report.remarks.append(f"Alertmanager skipped: {why}")
        return
    version = _am_version()
    try:
        with tempfile.TemporaryDirectory(prefix="astreinte-bench-am-") as name:
            receiver = Receiver(_fingerprint_keys)
            with receiver.running(), alertmanager(Path(name), receiver.url) as base:

                async def ingest() -> list[Row]:
                    async with _client(base, concurrency) as client:
                        target = to_alertmanager(client, concurrency, budget, report)
                        return await throughput(target, alerts)

                report.rows.extend(asyncio.run(ingest()))
        with tempfile.TemporaryDirectory(prefix="astreinte-bench-am-") as name:
            receiver = Receiver(_fingerprint_keys)
            with receiver.running(), alertmanager(Path(name), receiver.url) as base:

                async def pages() -> list[Row]:
                    async with _client(base, concurrency) as client:
                        target = to_alertmanager(client, concurrency, budget, report)
                        rows = [await page_latency(target, receiver, PACED_ALERTS, rate=PACED_RATE)]
                        rows.append(await page_latency(target, receiver, alerts))
                        rows.append(
                            await page_latency(target, receiver, batch100_alerts(alerts), 100)
                        )
                        return rows

                report.rows.extend(asyncio.run(pages()))
    except (RuntimeError, OSError) as exc:
        report.remarks.append(f"Alertmanager could not run: {exc}")
        return
    report.remarks.append(
        f"Alertmanager: {version}; group_by ['...'] so every alert is its own group (its "
        "'grouped' rows only share labels), group_wait 0s, group_interval 1s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--alerts", "-n", type=int, default=300, help="alerts per batch-1 run")
    parser.add_argument("--concurrency", "-c", type=int, default=8, help="requests in flight")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--no-alertmanager", action="store_true", help="measure astreinte only")
    parser.add_argument(
        "--phase-seconds",
        type=float,
        default=PHASE_SECONDS,
        help="no new request after this long in one phase (keeps a slow case bounded)",
    )
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown or not backends:
        parser.error(f"unknown backend(s) {sorted(unknown)}; use sqlite, postgres or both")
    if args.alerts < 1 or args.concurrency < 1 or args.phase_seconds <= 0:
        parser.error("--alerts, --concurrency and --phase-seconds must be positive")

    started = time.monotonic()
    report = Report()
    for backend in backends:
        bench_astreinte(backend, args.alerts, args.concurrency, args.phase_seconds, report)
    if not args.no_alertmanager:
        bench_alertmanager(args.alerts, args.concurrency, args.phase_seconds, report)

    out = sys.stdout.write
    out(
        f"N={args.alerts} alerts per batch-1 run (batch-100 runs: "
        f"{batch100_alerts(args.alerts)}), concurrency "
        f"{args.concurrency}, loopback. ingest rows: latency per request; POST→webhook rows: "
        "latency from POST to the first webhook for that alert, alerts/s end to end (pages "
        "received from the first POST to the last page).\n"
    )
    out(
        f"{'system':<12} {'backend':<8} {'measurement':<20} {'alerts':>6} {'reqs':>5} "
        f"{'err':>4} {'alerts/s':>9} {'p50 ms':>8} {'p99 ms':>8}  notes\n"
    )
    for r in report.rows:
        out(
            f"{r.system:<12} {r.backend:<8} {r.measurement:<20} {r.alerts:>6} {r.requests:>5} "
            f"{r.errors:>4} {r.alerts / r.seconds:>9.1f} {r.percentile(50):>8.1f} "
            f"{r.percentile(99):>8.1f}  {r.notes}\n"
        )
    for remark in report.remarks:
        out(f"- {remark}\n")
    out(f"total {time.monotonic() - started:.0f} s\n")


if __name__ == "__main__":
    main()
