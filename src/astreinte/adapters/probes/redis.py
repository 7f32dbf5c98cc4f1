"""Redis probe: PING, and how much of its memory Redis uses.

    [[probes]]
    name = "redis"
    kind = "redis"
    target = "redis://127.0.0.1:6379/0"    # rediss:// for TLS, unix:///run/redis.sock
    max_memory_percent = 90

The percentage is of `maxmemory` when it is set, else of the machine's memory (Redis then grows
until the machine swaps or the OOM killer steps in). Each check opens its own connection: a
Redis that refuses new clients (maxclients reached) must show as down, which a kept connection
would hide. The queue probe reads Redis the same way (`connect`, `failure`).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from pydantic import Field
from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from astreinte.adapters.probes.kind import (
    Check,
    KindOptions,
    Seen,
    describe,
    problem,
    read_options,
    seconds,
)
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "Redis did not answer within {timeout}"
SCHEMES = ("redis", "rediss", "unix")


class Options(KindOptions):
    max_memory_percent: float | None = Field(
        None, gt=0, le=100, description="a percentage such as 90"
    )


def prepare(spec: ProbeSpec) -> Check:
    options = read_options(Options, spec)
    place = where(spec)

    async def run(now: datetime) -> Seen:
        del now
        client = connect(spec)
        try:
            await client.ping()
            memory = None
            try:
                memory = await client.info("memory")
            except redis_errors.ResponseError as exc:
                if options.max_memory_percent is not None:  # managed Redis may rename INFO
                    return Seen(False, f"{place}: INFO memory was refused ({exc})")
        except redis_errors.RedisError as exc:
            return Seen(False, f"{place}: {failure(exc, spec)}")
        finally:
            await client.aclose()
        if memory is None:
            return Seen(True, f"{place} answered PONG")
        return _judge(place, memory, options.max_memory_percent)

    return run


def _judge(place: str, memory: dict[str, object], limit: float | None) -> Seen:
    used = _number(memory.get("used_memory"))
    maxmemory = _number(memory.get("maxmemory"))
    system = _number(memory.get("total_system_memory"))
    if maxmemory:
        whole, of = maxmemory, f"maxmemory {_size(maxmemory)}"
    elif system:
        whole, of = system, f"the machine's {_size(system)} (maxmemory is not set)"
    else:
        return Seen(True, f"{place} answered PONG; it uses {_size(used)}")
    percent = round(used / whole * 100, 2)
    said = f"{place} uses {_size(used)}, {percent:.1f}% of {of}"
    if limit is not None and percent > limit:
        return Seen(False, f"{said}, above max_memory_percent {limit:g}", percent)
    return Seen(True, said, percent)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _size(size: float) -> str:
    mib = size / (1 << 20)
    return f"{mib:.1f} MiB" if mib < 1024 else f"{mib / 1024:.1f} GiB"


def where(spec: ProbeSpec) -> str:
    """How the target reads in a detail ("127.0.0.1:6379"), never with its password; an
    InputError for a target that is not a Redis URL."""
    url = urlsplit(spec.target.strip())
    if url.scheme not in SCHEMES or (url.scheme != "unix" and not url.hostname):
        raise problem(
            spec, "target is not a Redis URL; write e.g. 'redis://127.0.0.1:6379/0' (or rediss://)"
        )
    if url.scheme == "unix":
        return url.path
    try:
        return f"{url.hostname}:{url.port or 6379}"
    except ValueError:
        raise problem(spec, f"the port of target {spec.target!r} is not a number") from None


def connect(spec: ProbeSpec) -> Redis:
    """A client with one connection, bounded by the probe's timeout and without retries: a
    retry would hide the very failure the probe is there to see."""
    timeout = spec.timeout.total_seconds()
    client: Redis = Redis.from_url(
        spec.target.strip(),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        single_connection_client=True,
        decode_responses=True,
    )
    return client


def failure(exc: redis_errors.RedisError, spec: ProbeSpec) -> str:
    if isinstance(exc, redis_errors.TimeoutError):
        return TIMED_OUT.format(timeout=seconds(spec.timeout))
    if isinstance(exc, redis_errors.AuthenticationError):
        return f"Redis refused the credentials ({exc})"
    if isinstance(exc, redis_errors.ResponseError):
        return f"Redis answered an error: {exc}"
    return describe(exc, host=urlsplit(spec.target.strip()).hostname)
