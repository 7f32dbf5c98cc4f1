"""Queue probe: the backlog of a job queue kept in Redis, and how long its oldest job waited.

    [[probes]]
    name = "emails-backlog"
    kind = "queue"
    target = "redis://127.0.0.1:6379/0"
    system = "bullmq"          # or "celery", "rq"
    queue = "emails"
    max_length = 1000
    max_age = "5m"

Where each system keeps its waiting jobs:
- BullMQ: the list `<prefix>:<queue>:wait` of job ids (prefix "bull"). Jobs are LPUSHed and
  workers take them from the right (LMOVE … RIGHT LEFT), so the oldest is at index -1; its hash
  `<prefix>:<queue>:<id>` holds `timestamp`, the creation time in milliseconds.
- RQ: the list `rq:queue:<queue>` of job ids (queue "default"), RPUSHed and taken with LPOP, so
  the oldest is at index 0; its hash `rq:job:<id>` holds `enqueued_at` (ISO 8601, UTC).
- Celery (Redis broker): the list named after the queue (default "celery"). Its messages carry
  no enqueue time, so `max_age` is refused for Celery.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, Self

from pydantic import Field, model_validator
from redis import exceptions as redis_errors
from redis.asyncio import Redis

from astreinte.adapters.probes.kind import (
    Check,
    Duration,
    KindOptions,
    Seen,
    read_options,
    seconds,
)
from astreinte.adapters.probes.redis import connect, failure, where
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "Redis did not answer within {timeout}"
DEFAULT_QUEUE = {"celery": "celery", "rq": "default"}


class Options(KindOptions):
    system: Literal["bullmq", "celery", "rq"] = Field(description='"bullmq", "celery" or "rq"')
    queue: str | None = Field(None, min_length=1, description='the queue\'s name, e.g. "emails"')
    prefix: str = Field("bull", min_length=1, description='BullMQ\'s key prefix, "bull" unless set')
    max_length: int | None = Field(None, ge=0, description="a number of jobs such as 1000")
    max_age: Duration | None = Field(None, description='a duration such as "5m"')

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.system == "bullmq" and self.queue is None:
            raise ValueError('a BullMQ queue needs its name: write queue = "<name>"')
        if self.system == "celery" and self.max_age is not None:
            raise ValueError(
                "max_age cannot be checked for Celery (its messages carry no enqueue time); "
                "use max_length"
            )
        return self


def prepare(spec: ProbeSpec) -> Check:
    options = read_options(Options, spec)
    place = where(spec)
    name = options.queue or DEFAULT_QUEUE[options.system]
    key = {
        "bullmq": f"{options.prefix}:{name}:wait",
        "rq": f"rq:queue:{name}",
        "celery": name,
    }[options.system]

    async def run(now: datetime) -> Seen:
        client = connect(spec)
        try:
            length = int(await client.llen(key))
            age = await _oldest_age(client, options, name, now) if length else None
        except redis_errors.RedisError as exc:
            return Seen(False, f"{place}: {failure(exc, spec)}")
        finally:
            await client.aclose()
        return _judge(key, length, age, options)

    return run


async def _oldest_age(
    client: Redis, options: Options, name: str, now: datetime
) -> timedelta | None:
    """How long the oldest waiting job has waited; None when unknown (Celery, or the job's hash
    is gone: a worker took it between the two reads)."""
    if options.system == "bullmq":
        job = _text(await client.lindex(f"{options.prefix}:{name}:wait", -1))
        stamp = await client.hget(f"{options.prefix}:{name}:{job}", "timestamp") if job else None
        if stamp is None or not str(stamp).isdigit():
            return None
        return now - datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
    if options.system == "rq":
        job = _text(await client.lindex(f"rq:queue:{name}", 0))
        stamp = await client.hget(f"rq:job:{job}", "enqueued_at") if job else None
        try:
            enqueued = datetime.fromisoformat(str(stamp)) if stamp else None
        except ValueError:
            return None
        if enqueued is None:
            return None
        return now - (enqueued if enqueued.tzinfo else enqueued.replace(tzinfo=UTC))
    return None


def _judge(key: str, length: int, age: timedelta | None, options: Options) -> Seen:
    value = float(length)
    if options.max_length is not None and length > options.max_length:
        return Seen(
            False, f"{key} holds {_jobs(length)}, more than max_length {options.max_length}", value
        )
    waited = f"; the oldest has waited {seconds(max(age, timedelta()))}" if age else ""
    if age is not None and options.max_age is not None and age > options.max_age:
        return Seen(
            False,
            f"the oldest job in {key} has waited {seconds(age)}, longer than max_age "
            f"{seconds(options.max_age)} ({length} waiting)",
            value,
        )
    if not length:
        return Seen(True, f"{key} is empty", value)
    return Seen(True, f"{key} holds {_jobs(length)}{waited}", value)


def _jobs(count: int) -> str:
    return "1 job" if count == 1 else f"{count} jobs"


def _text(value: str | bytes | None) -> str | None:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
