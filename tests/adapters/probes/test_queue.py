"""Queue backlog probes on real Redis keys laid out as BullMQ, RQ and Celery write them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.probe import ProbeKind, ProbeResult
from tests.adapters.probes.peers import (
    REDIS_URL,
    closed_port,
    probe,
    probe_with,
    redis_client,
    run,
)

pytestmark = pytest.mark.redis

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[redis.Redis]:
    client = redis_client()
    yield client
    client.close()


@pytest.fixture
def name(store: redis.Redis) -> Iterator[str]:
    """A queue name no one else uses; every key holding it is deleted afterwards."""
    queue = f"astreinte-test-{secrets.token_hex(4)}"
    yield queue
    for key in store.scan_iter(match=f"*{queue}*"):
        store.delete(key)


def backlog(name: str, **options: JsonValue) -> ProbeResult:
    return run(
        probe_with(ProbeKind.QUEUE, REDIS_URL, {"queue": name, **options}), clock=lambda: NOW
    )


def add_bullmq_jobs(
    store: redis.Redis, name: str, ages: list[timedelta], prefix: str = "bull"
) -> None:
    """What BullMQ's addStandardJob does: the job hash, then LPUSH of its id on the wait list
    (oldest first, so the oldest ends at the right)."""
    for number, age in enumerate(ages, start=1):
        stamp = int((NOW - age).timestamp() * 1000)
        store.hset(f"{prefix}:{name}:{number}", mapping={"name": "send", "timestamp": stamp})
        store.lpush(f"{prefix}:{name}:wait", str(number))


def test_a_bullmq_backlog_older_than_max_age_is_down(store: redis.Redis, name: str) -> None:
    add_bullmq_jobs(store, name, [timedelta(minutes=7, seconds=30), timedelta(seconds=5)])

    result = backlog(name, system="bullmq", max_age="5m")

    assert not result.ok
    assert result.detail == (
        f"the oldest job in bull:{name}:wait has waited 7m 30s, longer than max_age 5m (2 waiting)"
    )
    assert result.value == 2


def test_a_bullmq_backlog_longer_than_max_length_is_down(store: redis.Redis, name: str) -> None:
    add_bullmq_jobs(store, name, [timedelta(seconds=3)] * 3)

    result = backlog(name, system="bullmq", max_length=2)

    assert result.detail == f"bull:{name}:wait holds 3 jobs, more than max_length 2"
    assert result.value == 3


def test_a_bullmq_backlog_within_its_limits_is_up(store: redis.Redis, name: str) -> None:
    add_bullmq_jobs(store, name, [timedelta(seconds=40), timedelta(seconds=2)], prefix="app")

    result = backlog(name, system="bullmq", prefix="app", max_length=10, max_age="1m")

    assert result.ok, result.detail
    assert result.detail == f"app:{name}:wait holds 2 jobs; the oldest has waited 40s"


def test_an_empty_queue_is_up_with_zero(name: str) -> None:
    result = backlog(name, system="bullmq", max_length=0)

    assert result.ok
    assert result.detail == f"bull:{name}:wait is empty"
    assert result.value == 0


def test_an_rq_queue_reads_the_oldest_jobs_enqueued_at(store: redis.Redis, name: str) -> None:
    # RQ RPUSHes job ids and keeps enqueued_at in the job's hash, ISO 8601 in UTC.
    for job, age in (("a1", timedelta(minutes=12)), ("b2", timedelta(minutes=1))):
        enqueued = (NOW - age).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        store.hset(f"rq:job:{name}-{job}", mapping={"enqueued_at": enqueued, "origin": name})
        store.rpush(f"rq:queue:{name}", f"{name}-{job}")

    result = backlog(name, system="rq", max_age="10m")

    assert not result.ok
    assert result.detail == (
        f"the oldest job in rq:queue:{name} has waited 12m, longer than max_age 10m (2 waiting)"
    )


def test_a_celery_queue_is_the_list_named_after_it(store: redis.Redis, name: str) -> None:
    for number in range(5):
        store.lpush(name, f'{{"body": "…", "headers": {{"id": "{number}"}}}}')

    result = backlog(name, system="celery", max_length=4)

    assert result.detail == f"{name} holds 5 jobs, more than max_length 4"


def test_a_redis_that_is_down_is_said_so(name: str) -> None:
    port = closed_port()

    result = run(probe(ProbeKind.QUEUE, f"redis://127.0.0.1:{port}/0", system="bullmq", queue=name))

    assert not result.ok
    assert result.detail == f"127.0.0.1:{port}: connection refused"
