"""Redis probes against the machine's Redis and against a redis-server of our own that the
tests stop, as a crashed Redis would."""

from __future__ import annotations

import pytest

from astreinte.domain.probe import ProbeKind
from tests.adapters.probes.peers import (
    REDIS_URL,
    closed_port,
    own_redis,
    probe,
    redis_client,
    run,
    silent_server,
    timed,
)

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module", autouse=True)
def machine_redis() -> None:
    redis_client().close()


def test_a_running_redis_is_up_with_its_memory_use() -> None:
    result = run(probe(ProbeKind.REDIS, REDIS_URL))

    assert result.ok, result.detail
    assert " uses " in result.detail
    assert result.value is not None
    assert 0 <= result.value <= 100


def test_a_stopped_redis_is_down_and_back_up_when_restarted() -> None:
    with own_redis() as server:
        spec = probe(ProbeKind.REDIS, f"redis://127.0.0.1:{server.port}/0")
        before = run(spec)
        server.stop()
        after = run(spec)

    assert before.ok, before.detail
    assert not after.ok
    assert after.detail == f"127.0.0.1:{server.port}: connection refused"


def test_memory_is_measured_against_maxmemory_when_it_is_set() -> None:
    with own_redis("--maxmemory", "2mb") as server:
        target = f"redis://127.0.0.1:{server.port}/0"
        tight = run(probe(ProbeKind.REDIS, target, max_memory_percent=5))
        loose = run(probe(ProbeKind.REDIS, target, max_memory_percent=99.5))

    # An empty Redis uses about 1 MB: some 40 % of 2 MiB.
    assert not tight.ok
    assert "of maxmemory 2.0 MiB, above max_memory_percent 5" in tight.detail
    assert tight.value is not None
    assert 5 < tight.value < 99.5
    assert loose.ok, loose.detail
    assert "of maxmemory 2.0 MiB" in loose.detail


def test_a_password_protected_redis_says_the_credentials_are_refused() -> None:
    with own_redis("--requirepass", "right-password") as server:
        wrong = run(probe(ProbeKind.REDIS, f"redis://:wrong@127.0.0.1:{server.port}/0"))
        right = run(probe(ProbeKind.REDIS, f"redis://:right-password@127.0.0.1:{server.port}/0"))

    assert not wrong.ok
    assert wrong.detail.startswith(f"127.0.0.1:{server.port}: Redis refused the credentials")
    assert "wrong" not in wrong.detail.replace("WRONGPASS", "")  # the password is not echoed
    assert right.ok, right.detail


def test_a_closed_port_is_refused() -> None:
    port = closed_port()

    result = run(probe(ProbeKind.REDIS, f"redis://127.0.0.1:{port}/0"))

    assert result.detail == f"127.0.0.1:{port}: connection refused"


def test_a_redis_that_never_answers_is_cut_at_the_timeout() -> None:
    with silent_server() as port:
        result, elapsed = timed(probe(ProbeKind.REDIS, f"redis://127.0.0.1:{port}/0", timeout=0.5))

    assert not result.ok
    assert "Redis did not answer within 500ms" in result.detail
    assert elapsed < 1.5
