"""The worker's probe thread (`astreinte-probes`): an asyncio loop that claims the due probes,
checks them concurrently and records their results in batches.

It sleeps until the next probe is due (at most `CAP` seconds, so that probes a stopped worker
left behind are seen at their next period), claims what is due, and starts one task per probe,
at most `rules.concurrency` checking at once. Finished checks are recorded together, in a
thread, while the loop goes on claiming: a slow target delays nothing but its own result. A
probe still being checked is not claimed again by this worker.

    loop = ProbeLoop(sessions, specs, check=probes.check, rules=rules, worker="host:1234")
    threading.Thread(target=loop.run, args=(stop,), name="astreinte-probes").start()
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.probe import ProbeResult, ProbeSpec
from astreinte.services import probes
from astreinte.services.ports import ProbeCheck
from astreinte.services.probes import DEFAULT_PROBE_RULES, ProbeRules

log = logging.getLogger("astreinte.worker.probes")
CAP = 1.0  # seconds between looks at the schedule, at most
AHEAD = timedelta(milliseconds=100)  # how early a probe may be claimed, and claims' spacing
PRUNE_EVERY = timedelta(minutes=1)  # each pass deletes up to 100 batches of 1,000 results
STOP_WAIT = 5.0  # seconds a stopping worker waits for the checks under way


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ProbeLoop:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        specs: Sequence[ProbeSpec],
        *,
        check: ProbeCheck,
        worker: str,
        rules: ProbeRules = DEFAULT_PROBE_RULES,
        clock: Callable[[], datetime] = _utc_now,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.specs = list(specs)
        self.check = check
        self.worker = worker
        self.rules = rules
        self.clock = clock
        self.close = close  # the probe kinds' cleanup (pooled HTTP clients), at the end
        self.checked = 0  # results recorded, for health checks and tests
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def wake(self) -> None:
        """Look at the schedule now (the worker is stopping, or probes changed)."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    def run(self, stop: threading.Event) -> None:
        """Run until `stop` is set; errors are logged and the loop goes on."""
        asyncio.run(self._main(stop))

    def once(self) -> list[probes.Observed]:
        """One pass (`astreinte worker --once`, e.g. from cron): the probes due now are
        claimed, checked and recorded, as the loop would."""

        async def main() -> list[probes.Observed]:
            try:
                now = self.clock()
                await asyncio.to_thread(probes.sync, self.sessions, specs=self.specs, now=now)
                claimed, _ = await asyncio.to_thread(
                    probes.claim_due, self.sessions, specs=self.specs, worker=self.worker, now=now
                )
                observed = await probes.run(
                    self.sessions, claimed, check=self.check, clock=self.clock, rules=self.rules
                )
                self.checked += len(observed)
                return observed
            finally:
                if self.close is not None:
                    await self.close()

        return asyncio.run(main())

    async def _main(self, stop: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = wake = asyncio.Event()
        semaphore = asyncio.Semaphore(self.rules.concurrency)
        under_way: dict[str, asyncio.Task[None]] = {}
        done: list[tuple[ProbeSpec, ProbeResult]] = []
        recording: asyncio.Task[None] | None = None
        pruning: asyncio.Task[None] | None = None
        synced = False
        pruned_at: datetime | None = None
        expected: datetime | None = None  # when the last claim said the next probe is due

        async def flush() -> None:
            while done:  # what finished while the last batch was written goes next
                batch = done[:]
                del done[: len(batch)]
                try:
                    await asyncio.to_thread(
                        probes.record, self.sessions, batch, rules=self.rules, now=self.clock()
                    )
                    self.checked += len(batch)
                except Exception:
                    # Lost from the history; the next period checks these probes again.
                    log.exception("recording %d probe result(s) failed", len(batch))

        async def prune(now: datetime) -> None:
            try:
                await asyncio.to_thread(
                    probes.prune,
                    self.sessions,
                    now=now,
                    days=self.rules.retention_days,
                    batches=100,
                )
            except Exception:
                log.exception("deleting old probe results failed; trying again later")

        async def one(spec: ProbeSpec, claimed_at: datetime) -> None:
            nonlocal recording
            try:
                result = await probes.check_one(
                    spec, check=self.check, clock=self.clock, semaphore=semaphore
                )
                done.append((spec, result))
                if recording is None or recording.done():
                    recording = asyncio.create_task(flush())
            finally:
                under_way.pop(spec.name, None)
                if self.clock() - claimed_at >= spec.interval:
                    wake.set()  # it missed its next period while being checked: claim it now

        try:
            while not stop.is_set():
                wake.clear()
                delay = CAP
                try:
                    now = self.clock()
                    if not synced:
                        await asyncio.to_thread(
                            probes.sync, self.sessions, specs=self.specs, now=now
                        )
                        synced = True
                    free = [s for s in self.specs if s.name not in under_way]
                    claimed, next_due = await asyncio.to_thread(
                        probes.claim_due,
                        self.sessions,
                        specs=free,
                        worker=self.worker,
                        now=now,
                        ahead=AHEAD,
                        # Woken for a probe the last claim saw coming: no need to look first.
                        look_first=expected is None or expected > now + AHEAD,
                    )
                    for spec in claimed:
                        under_way[spec.name] = asyncio.create_task(one(spec, now))
                    expected = next_due
                    if next_due is not None:
                        delay = (next_due - self.clock()).total_seconds()
                    if pruned_at is None or now - pruned_at >= PRUNE_EVERY:
                        pruned_at = now
                        if pruning is None or pruning.done():  # beside the claims, not before
                            pruning = asyncio.create_task(prune(now))
                except Exception:
                    log.exception("probe scheduling failed; retrying in %.0f s", CAP)
                if not stop.is_set():
                    # Claims come at most every AHEAD seconds: probes falling due meanwhile are
                    # claimed together, up to AHEAD early, instead of one transaction each.
                    delay = min(CAP, max(delay, AHEAD.total_seconds()))
                    with suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), delay)
        finally:
            if under_way:
                await asyncio.wait(list(under_way.values()), timeout=STOP_WAIT)
                for task in list(under_way.values()):
                    task.cancel()
            if recording is not None:
                await recording
            if pruning is not None:
                await pruning
            await flush()
            if self.close is not None:
                await self.close()
