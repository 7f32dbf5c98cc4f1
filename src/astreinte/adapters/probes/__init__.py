"""Probe kinds: the checks astreinte runs itself, one module per kind.

    result = await check(spec)            # never raises; ok=False says what was seen
    validate(spec)                        # InputError naming the probe, the option, what to write

`check` bounds every kind by `spec.timeout` and turns any failure (refused, timed out, name
not found, a wrong answer, even a bad option) into `ProbeResult(ok=False, detail=…)`: the
worker records it and the hysteresis of `domain.probe.observe` decides what it means.
`OPTION_NAMES` lists what each kind accepts, for the config loader to report unknown keys
with their line. HTTP probes share pooled clients per event loop; `close()` closes the running
loop's ones when the worker stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Final

import httpx

from astreinte.adapters.probes import command, disk, http, load, postgres, queue, redis, tcp, tls
from astreinte.adapters.probes.kind import Check, KindOptions, seconds
from astreinte.domain.probe import ProbeKind, ProbeResult, ProbeSpec
from astreinte.errors import InputError

log = logging.getLogger("astreinte.probes")

_PREPARE: Final[Mapping[ProbeKind, Callable[[ProbeSpec], Check]]] = {
    ProbeKind.HTTP: http.prepare,
    ProbeKind.TCP: tcp.prepare,
    ProbeKind.TLS: tls.prepare,
    ProbeKind.POSTGRES: postgres.prepare,
    ProbeKind.REDIS: redis.prepare,
    ProbeKind.QUEUE: queue.prepare,
    ProbeKind.DISK: disk.prepare,
    ProbeKind.LOAD: load.prepare,
    ProbeKind.COMMAND: command.prepare,
}
_OPTIONS: Final[Mapping[ProbeKind, type[KindOptions]]] = {
    ProbeKind.HTTP: http.Options,
    ProbeKind.TCP: tcp.Options,
    ProbeKind.TLS: tls.Options,
    ProbeKind.POSTGRES: postgres.Options,
    ProbeKind.REDIS: redis.Options,
    ProbeKind.QUEUE: queue.Options,
    ProbeKind.DISK: disk.Options,
    ProbeKind.LOAD: load.Options,
    ProbeKind.COMMAND: command.Options,
}
_TIMED_OUT: Final[Mapping[ProbeKind, str]] = {
    ProbeKind.HTTP: http.TIMED_OUT,
    ProbeKind.TCP: tcp.TIMED_OUT,
    ProbeKind.TLS: tls.TIMED_OUT,
    ProbeKind.POSTGRES: postgres.TIMED_OUT,
    ProbeKind.REDIS: redis.TIMED_OUT,
    ProbeKind.QUEUE: queue.TIMED_OUT,
    ProbeKind.DISK: disk.TIMED_OUT,
    ProbeKind.LOAD: load.TIMED_OUT,
    ProbeKind.COMMAND: command.TIMED_OUT,
}

OPTION_NAMES: Final[Mapping[ProbeKind, frozenset[str]]] = MappingProxyType(
    {kind: frozenset(model.model_fields) for kind, model in _OPTIONS.items()}
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def validate(spec: ProbeSpec) -> None:
    """Raises InputError (one sentence naming the probe, the option and what to write) for an
    unknown or ill-typed option, or a target this kind cannot use."""
    _prepare(spec, client=None)


async def check(
    spec: ProbeSpec,
    *,
    clock: Callable[[], datetime] = utc_now,
    http_client: httpx.AsyncClient | None = None,
) -> ProbeResult:
    """Run the probe once, within `spec.timeout`. Never raises (but lets cancellation through):
    every failure is a result with ok=False and a detail saying what was seen."""
    at = clock()
    started = time.perf_counter()
    try:
        run = _prepare(spec, client=http_client)
        async with asyncio.timeout(spec.timeout.total_seconds()):
            seen = await run(at)
    except InputError as exc:
        return ProbeResult(ok=False, at=at, detail=str(exc))
    except TimeoutError:
        detail = _TIMED_OUT[spec.kind].format(timeout=seconds(spec.timeout))
        return ProbeResult(ok=False, at=at, detail=detail, latency_ms=_since(started))
    except Exception as exc:  # a driver's surprise must not stop the worker's other probes
        log.exception("probe %r (%s) failed unexpectedly", spec.name, spec.kind)
        detail = f"the check failed unexpectedly: {type(exc).__name__}: {exc}"[:300]
        return ProbeResult(ok=False, at=at, detail=detail, latency_ms=_since(started))
    return ProbeResult(
        ok=seen.ok, at=at, detail=seen.detail, latency_ms=_since(started), value=seen.value
    )


async def close() -> None:
    """Close the HTTP client the running event loop's probes share."""
    await http.close_clients()


def _prepare(spec: ProbeSpec, *, client: httpx.AsyncClient | None) -> Check:
    if spec.kind is ProbeKind.HTTP:
        return http.prepare(spec, client=client)
    return _PREPARE[spec.kind](spec)


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


__all__ = ["OPTION_NAMES", "check", "close", "utc_now", "validate"]
