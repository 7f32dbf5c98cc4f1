"""`astreinte serve` killed with SIGKILL in the middle of a burst of writes, then restarted on the
same database: every change the API answered 2xx for is still there, the server takes new
incidents again, and `astreinte audit verify` finds every timeline's hash chain intact.

Calls cut off by the kill may or may not have happened; only answered ones are checked. The
whole test stays within BUDGET_SECONDS per backend: each step's timeout is what is left of it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SEEDS

THREADS = 8
KILL_AFTER = 120  # 2xx answers before the SIGKILL
BUDGET_SECONDS = 30.0
POLL_SECONDS = 0.05
API = "/api/v1"

# Complaints a responder would type; the seeds hold procedures for most of them.
TITLES = (
    "database connection pool exhausted",
    "Backend Railway down, API returns 502",
    "queue backlog explose",
    "API complètement down, le VPS ne répond plus",
    "bug critique bloquant pour les utilisateurs",
    "disk full on the worker host",
    "TLS certificate expired on the frontend",
    "chute du taux de resolution IA",
)


class Budget:
    """What is left of the test's time, so that a hung step cannot outlast the whole test."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            pytest.fail(f"the crash test ran out of its {BUDGET_SECONDS:.0f} s budget")
        return left


@dataclass(frozen=True, slots=True)
class Site:
    """Where the server runs: its folder (cwd and logs) and its environment."""

    folder: Path
    env: dict[str, str]

    def run(self, budget: Budget, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "astreinte", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=budget.left(),
            check=False,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])


@contextmanager
def serving(site: Site, budget: Budget, name: str) -> Iterator[tuple[int, str]]:
    """`astreinte serve --no-worker --runbooks SEEDS` (what a supervisor restarts unchanged),
    yielding its pid and base URL once /api/v1/healthz answers 200. The process is killed and
    reaped on the way out, whatever happened."""
    port = _free_port()
    log = site.folder / f"{name}.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "astreinte",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-worker",
                "--runbooks",
                str(SEEDS),
            ],
            cwd=site.folder,
            env=site.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=base, timeout=2.0) as client:
                while True:
                    if process.poll() is not None:
                        pytest.fail(
                            f"{name}: astreinte serve exited with {process.returncode} before "
                            f"answering:\n{_tail(log)}"
                        )
                    try:
                        if client.get(f"{API}/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if budget.left() < POLL_SECONDS:
                        pytest.fail(f"{name}: /healthz never answered 200:\n{_tail(log)}")
                    time.sleep(POLL_SECONDS)
            yield process.pid, base
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@dataclass(frozen=True, slots=True)
class Answered:
    """A call the API answered 2xx: what it did, and the timeline (seq → hash) it returned."""

    op: str  # create, note, acknowledge, resolve
    incident: int
    note: str  # the note's text, for op == "note"
    events: dict[int, str]


@dataclass
class Burst:
    """THREADS clients, each opening incidents and taking each one through notes, acknowledge
    and resolve, until the server is killed."""

    base: str
    token: str
    deadline: float
    answered: list[Answered] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # non-2xx, or cut before the kill
    cut: int = 0  # calls that died with the server
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)
    killed: threading.Event = field(default_factory=threading.Event)

    def run(self, worker: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        # No short timeout: SQLite writers under contention can wait seconds (the kill ends
        # every call anyway), and a slow answer is not what this test is about.
        timeout = httpx.Timeout(BUDGET_SECONDS, connect=5.0)
        with httpx.Client(base_url=self.base + API, headers=headers, timeout=timeout) as client:
            round_ = 0
            while not self.killed.is_set() and time.monotonic() < self.deadline:
                round_ += 1
                title = f"{TITLES[(worker + round_) % len(TITLES)]} ({worker}.{round_})"
                opened = self._call(client, "create", 0, "/incidents", {"title": title})
                if opened is None:
                    return
                incident = int(opened["id"])
                steps: list[tuple[str, str, dict[str, str] | None]] = [
                    ("note", "notes", {"text": f"checked {worker}.{round_} {uuid.uuid4().hex}"}),
                    ("acknowledge", "acknowledge", None),
                    ("note", "notes", {"text": f"cause {worker}.{round_} {uuid.uuid4().hex}"}),
                    ("resolve", "resolve", None),
                ]
                for op, step, body in steps:
                    if self.killed.is_set():
                        return
                    path = f"/incidents/{incident}/{step}"
                    if self._call(client, op, incident, path, body) is None:
                        return

    def _call(
        self, client: httpx.Client, op: str, incident: int, path: str, body: dict[str, str] | None
    ) -> dict[str, Any] | None:
        """The answer's JSON when 2xx (recorded), else None (the worker stops)."""
        try:
            response = client.post(path, json=body)
        except httpx.TransportError as exc:
            with self.lock:
                if self.killed.is_set():
                    self.cut += 1
                else:
                    self.refused.append(f"{op} {path}: {exc!r}")
            return None
        if not response.is_success:
            with self.lock:
                self.refused.append(f"{op} {path}: {response.status_code} {response.text[:300]}")
            return None
        data: dict[str, Any] = response.json()
        answered = Answered(
            op=op,
            incident=int(data["id"]) if op == "create" else incident,
            note=body["text"] if op == "note" and body else "",
            events={int(e["seq"]): str(e["hash"]) for e in data["timeline"]},
        )
        with self.lock:
            self.answered.append(answered)
            if len(self.answered) >= KILL_AFTER:
                self.enough.set()
        return data


def _check(incident: int, calls: list[Answered], body: dict[str, Any]) -> list[str]:
    """What of the answered calls on `incident` the restarted server no longer shows."""
    problems = []
    persisted = {int(e["seq"]): str(e["hash"]) for e in body["timeline"]}
    for call in calls:
        lost = sorted(seq for seq, h in call.events.items() if persisted.get(seq) != h)
        if lost:
            problems.append(f"#{incident}: events {lost} answered to '{call.op}' are lost/altered")
    ops = {call.op for call in calls}
    status = body["status"]
    if "resolve" in ops and status not in {"resolved", "closed"}:
        problems.append(f"#{incident}: resolve was answered 200 but the status is {status}")
    elif "acknowledge" in ops and status == "triggered":
        problems.append(f"#{incident}: acknowledge was answered 200 but it is triggered again")
    notes = {e["text"] for e in body["timeline"] if e["kind"] == "note"}
    for call in calls:
        if call.op == "note" and call.note not in notes:
            problems.append(f"#{incident}: note {call.note!r} was answered 201 but is gone")
    return problems


def test_answered_writes_survive_a_kill_9(database_url: str, tmp_path: Path) -> None:
    budget = Budget(BUDGET_SECONDS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTREINTE_")}
    env["ASTREINTE_DATABASE_URL"] = database_url
    site = Site(tmp_path, env)
    created = site.run(budget, "token", "create", "--role", "admin", "--name", "crash-test")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()

    with serving(site, budget, "first") as (pid, base):
        burst = Burst(base, token, deadline=time.monotonic() + min(10.0, budget.left()))
        threads = [
            threading.Thread(target=burst.run, args=(n,), name=f"burst-{n}") for n in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        try:
            reached = burst.enough.wait(timeout=min(10.0, budget.left()))
        finally:
            # Flag first: a call that fails from here on failed because of the kill.
            burst.killed.set()
            os.kill(pid, signal.SIGKILL)
            at_kill = len(burst.answered)
            for thread in threads:
                thread.join(timeout=budget.left())
        assert not any(t.is_alive() for t in threads), "a burst thread outlived the server"
    assert not burst.refused, "\n".join(burst.refused[:10])
    assert reached, f"only {at_kill} answers before the deadline (wanted {KILL_AFTER})"
    assert burst.cut > 0, "no call was in flight at the kill: the crash tested nothing"

    by_incident: dict[int, list[Answered]] = {}
    for call in burst.answered:
        by_incident.setdefault(call.incident, []).append(call)
    problems: list[str] = []
    with (
        serving(site, budget, "restarted") as (_, base),
        httpx.Client(
            base_url=base + API, headers={"Authorization": f"Bearer {token}"}, timeout=5.0
        ) as client,
    ):
        for incident, calls in sorted(by_incident.items()):
            response = client.get(f"/incidents/{incident}")
            if response.status_code != 200:
                problems.append(f"#{incident}: GET answered {response.status_code} after restart")
                continue
            problems += _check(incident, calls, response.json())
        after = client.post("/incidents", json={"title": "database down after a restart"})
        assert after.status_code == 201, f"no new incident after the restart: {after.text}"
        acked = client.post(f"/incidents/{after.json()['id']}/acknowledge")
        assert acked.status_code == 200, f"no acknowledge after the restart: {acked.text}"
    assert not problems, "\n".join(problems)

    audit = site.run(budget, "audit", "verify", "--json")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert report["intact"] is True
    assert report["incidents"] >= len(by_incident) + 1
    # Shown with --log-cli-level=INFO: what this run saw.
    logging.getLogger(__name__).info(
        "%d answers at the kill, %d in all, %d cut off; %d incidents checked; audit: %d events",
        at_kill,
        len(burst.answered),
        burst.cut,
        len(by_incident),
        report["events"],
    )
