"""The worker loop. Each tick fires what is due (SLA alarms, escalation steps) and delivers
pending notifications; all its state is in the database, so stopping it (or killing it) loses
nothing and a restart picks up where it was. Several workers may run against PostgreSQL.

Between ticks the worker sleeps `interval` seconds, unless a notification is queued first: a
commit in this process (or, on PostgreSQL, in any process) wakes it at once, so a page leaves
within milliseconds of the alert without polling the database every few milliseconds. Pages
queued in this process are even handed over as their transaction commits, already leased to
this worker (`outbox.hand_over_to`): they are sent without a claiming transaction, and a
recorder thread writes the attempts, so sending never waits for the database's write lock.

Configured probes run in a thread of their own (`worker/probes.py`), claimed period by period
with the database's locking, so several workers share them without running one twice.

    worker = Worker(sessions, LogNotifier(), interval=5.0)
    worker.run(stop_event)
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import socket
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.probe import ProbeSpec
from astreinte.services import clocks, notifications
from astreinte.services.clocks import DueReport
from astreinte.services.notifications import (
    DEFAULT_RULES,
    Attempt,
    DeliveryReport,
    NotificationRules,
)
from astreinte.services.ports import Notifier, ProbeCheck
from astreinte.services.probes import DEFAULT_PROBE_RULES, ProbeRules
from astreinte.storage import outbox
from astreinte.storage.outbox import Queued
from astreinte.worker.probes import ProbeLoop

log = logging.getLogger("astreinte.worker")
BATCH = 50  # notifications.deliver's default limit


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _probe_loop(
    sessions: sessionmaker[Session],
    specs: Sequence[ProbeSpec],
    rules: ProbeRules,
    check: ProbeCheck | None,
    clock: Callable[[], datetime],
) -> ProbeLoop | None:
    if not specs:
        return None
    close = None
    if check is None:  # the probe kinds load (httpx, redis, psycopg) only when probes exist
        from astreinte.adapters import probes

        check, close = probes.check, probes.close
    worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    return ProbeLoop(
        sessions, specs, check=check, worker=worker, rules=rules, clock=clock, close=close
    )


@dataclass(frozen=True, slots=True)
class Tick:
    due: DueReport
    delivery: DeliveryReport


class Worker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        notifier: Notifier,
        *,
        interval: float,
        clock: Callable[[], datetime] = _utc_now,
        fallbacks: Mapping[str, Sequence[str]] | None = None,
        notifying: NotificationRules = DEFAULT_RULES,
        probes: Sequence[ProbeSpec] = (),
        probe_rules: ProbeRules = DEFAULT_PROBE_RULES,
        probe_check: ProbeCheck | None = None,
    ) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.interval = interval
        self.clock = clock
        self.fallbacks = dict(fallbacks or {})
        self.notifying = notifying  # routing and wording of the escalations it fires
        self._wake = threading.Event()
        self.ticks = 0  # ticks run by `run`, for health checks and tests
        self._handed: deque[Queued] = deque()
        self._attempts: queue.SimpleQueue[list[Attempt] | None] = queue.SimpleQueue()
        # Probes run in a thread of their own (`astreinte-probes`), on an asyncio loop.
        self.probing = _probe_loop(sessions, probes, probe_rules, probe_check, clock)

    def wake(self) -> None:
        """Tick now (a notification was queued, or the worker is asked to stop)."""
        self._wake.set()

    def tick(self) -> Tick:
        due = clocks.run_due(self.sessions, now=self.clock(), notifying=self.notifying)
        delivery = DeliveryReport(0, 0, 0)
        while True:  # a backlog is worked through in this tick, `limit` at a time
            batch = notifications.deliver(
                self.sessions, self.notifier, now=self.clock(), fallbacks=self.fallbacks
            )
            delivery = DeliveryReport(
                delivery.sent + batch.sent,
                delivery.retrying + batch.retrying,
                delivery.failed + batch.failed,
            )
            if batch.sent + batch.retrying + batch.failed < BATCH:
                break
        return Tick(due, delivery)

    def _take(self, handed: list[Queued]) -> None:
        self._handed.extend(handed)
        self.wake()

    def _send_handed(self) -> None:
        handed: list[Queued] = []
        while self._handed:
            handed.append(self._handed.popleft())
        if handed:
            self._attempts.put(notifications.send(self.notifier, handed, clock=self.clock))

    def _record(self) -> None:
        """The recorder thread: writes attempts as they come, several sends per transaction."""
        while True:
            batch = self._attempts.get()
            if batch is None:
                return
            with suppress(queue.Empty):
                while (more := self._attempts.get_nowait()) is not None:
                    batch.extend(more)
                self._attempts.put(None)  # the stop sentinel was taken with the batch
            try:
                done = notifications.record(self.sessions, batch, fallbacks=self.fallbacks)
            except Exception:
                # The rows stay leased: once the lease ends a worker sends them again.
                log.exception("recording %d delivery attempt(s) failed", len(batch))
                continue
            log.info(
                "delivered %d page(s) handed over at commit; retrying %d, failed %d",
                done.sent,
                done.retrying,
                done.failed,
            )

    def run(self, stop: threading.Event) -> None:
        """Tick every `interval` seconds until `stop` is set; an error is logged and the next
        tick tries again (a database restart must not kill the pager)."""
        recorder = threading.Thread(target=self._record, name="astreinte-recorder", daemon=True)
        recorder.start()
        forget_handed = outbox.hand_over_to(self._take, lease=notifications.LEASE)
        engine = self.sessions.kw.get("bind")
        listener = None
        if isinstance(engine, Engine) and engine.dialect.name == "postgresql":
            listener = threading.Thread(
                target=outbox.listen,
                args=(engine, self.wake, stop),
                name="astreinte-outbox-listener",
                daemon=True,
            )
            listener.start()
        prober = None
        if self.probing is not None:
            prober = threading.Thread(
                target=self.probing.run, args=(stop,), name="astreinte-probes", daemon=True
            )
            prober.start()
        try:
            self._loop(stop)
        finally:
            if self.probing is not None and prober is not None:
                self.probing.wake()
                prober.join(timeout=10)
            forget_handed()
            self._send_handed()  # taken before the hand-over stopped
            self._attempts.put(None)
            recorder.join(timeout=10)
            if listener is not None:
                listener.join(timeout=2)

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # what is queued from here on is seen by this tick or the next
            try:
                self._send_handed()
                result = self.tick()
                self.ticks += 1
                if result.due.incidents or result.delivery.sent or result.delivery.failed:
                    log.info(
                        "fired due work on %d incident(s); sent %d, retrying %d, failed %d",
                        result.due.incidents,
                        result.delivery.sent,
                        result.delivery.retrying,
                        result.delivery.failed,
                    )
            except Exception:
                log.exception("worker tick failed; retrying in %.0f s", self.interval)
            self._wake.wait(self.interval)
