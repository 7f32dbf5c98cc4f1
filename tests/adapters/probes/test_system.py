"""Probes of the machine astreinte runs on: disk usage, load average, and commands such as a
runbook's `redis-cli ping` or `pg_isready`."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from astreinte.domain.probe import ProbeKind
from tests.adapters.probes.peers import (
    closed_port,
    probe,
    redis_client,
    run,
    timed,
    unavailable,
)


def test_disk_usage_is_the_percentage_df_shows(tmp_path: Path) -> None:
    stats = os.statvfs(tmp_path)
    used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    df_percent = used / (used + stats.f_bavail * stats.f_frsize) * 100

    result = run(probe(ProbeKind.DISK, f"file://{tmp_path}"))

    assert result.ok, result.detail  # the test machine's disk is below 90 %
    assert result.value is not None
    assert result.value == pytest.approx(df_percent, abs=0.5)
    assert result.detail.startswith(f"{tmp_path} is {result.value:g}% full (")


def test_a_disk_fuller_than_max_percent_is_down(tmp_path: Path) -> None:
    result = run(probe(ProbeKind.DISK, str(tmp_path), max_percent=0.001))

    assert not result.ok
    assert result.detail.endswith("GiB free), above max_percent 0.001")


def test_a_path_that_does_not_exist_is_down(tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted"

    result = run(probe(ProbeKind.DISK, str(missing)))

    assert result.detail == f"{missing} does not exist"


def test_load_is_the_one_minute_average_per_cpu() -> None:
    cpus = os.cpu_count() or 1
    before = os.getloadavg()[0] / cpus
    result = run(probe(ProbeKind.LOAD, "local", max_per_cpu=1000.0))
    after = os.getloadavg()[0] / cpus

    assert result.ok, result.detail
    assert result.value is not None
    assert min(before, after) - 0.01 <= result.value <= max(before, after) + 0.01
    assert f"on {cpus} CPUs" in result.detail


def test_load_above_max_per_cpu_is_down() -> None:
    result = run(probe(ProbeKind.LOAD, "local", max_per_cpu=0.001))

    assert result.value is not None
    if result.value > 0.001:  # an idle machine may show 0.00: then nothing is above
        assert not result.ok
        assert result.detail.endswith("per CPU), above max_per_cpu 0.001")
    else:
        assert result.ok


def python(code: str) -> str:
    return f"{sys.executable} -c {code!r}"


def test_a_command_whose_output_holds_the_expected_text_is_up() -> None:
    result = run(probe(ProbeKind.COMMAND, python("print('PONG')"), contains="PONG"))

    assert result.ok, result.detail
    assert result.detail.endswith(": PONG")


def test_a_command_missing_the_expected_text_quotes_its_output() -> None:
    result = run(
        probe(ProbeKind.COMMAND, python("print('LOADING Redis is loading')"), contains="PONG")
    )

    assert not result.ok
    assert result.detail.endswith("does not contain 'PONG': LOADING Redis is loading")


def test_a_wrong_exit_code_is_down_unless_it_is_the_expected_one() -> None:
    failing = run(probe(ProbeKind.COMMAND, python("import sys; print('boom'); sys.exit(3)")))
    expected = run(probe(ProbeKind.COMMAND, python("import sys; sys.exit(3)"), exit_code=3))

    assert not failing.ok
    assert failing.detail.endswith("exited with 3, expected 0: boom")
    assert failing.value == 3
    assert expected.ok, expected.detail


def test_no_shell_runs_the_target() -> None:
    # With a shell, $HOME would expand and the pipe would run grep.
    result = run(probe(ProbeKind.COMMAND, "echo $HOME | grep nothing", contains="$HOME |"))

    assert result.ok, result.detail
    assert result.detail == "echo: $HOME | grep nothing"


def test_a_missing_program_is_named() -> None:
    result = run(probe(ProbeKind.COMMAND, "no-such-program-astreinte --version"))

    assert result.detail == "the program 'no-such-program-astreinte' was not found"


def test_a_command_past_its_timeout_is_killed_with_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {pidfile}; wait"

    result, elapsed = timed(probe(ProbeKind.COMMAND, f"sh -c '{script}'", timeout=0.5))

    assert result.detail == "the command was still running after 500ms; it was killed"
    assert elapsed < 1.5
    child = int(pidfile.read_text())
    for _ in range(50):  # the kill is sent; the child may take a moment to be reaped
        if not _alive(child):
            break
        time.sleep(0.02)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that is gone (PID 1 may be slow to reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_a_chatty_command_is_read_to_its_end_but_quoted_briefly() -> None:
    result = run(
        probe(ProbeKind.COMMAND, python("print('x' * 2_000_000); print('END')"), contains="NOPE")
    )

    assert not result.ok
    assert len(result.detail) < 300


@pytest.mark.redis
def test_a_runbooks_redis_cli_ping() -> None:
    if shutil.which("redis-cli") is None:
        unavailable("redis-cli is not installed (apt-get install redis-tools)")
    redis_client().close()  # the machine's Redis is up, or the test skips (fails in CI)

    up = run(probe(ProbeKind.COMMAND, "redis-cli -h 127.0.0.1 -p 6379 ping", contains="PONG"))
    port = closed_port()
    down = run(probe(ProbeKind.COMMAND, f"redis-cli -h 127.0.0.1 -p {port} ping", contains="PONG"))

    assert up.ok, up.detail
    assert up.detail == "redis-cli: PONG"
    assert not down.ok
    assert "Connection refused" in down.detail


@pytest.mark.postgres
def test_a_runbooks_pg_isready() -> None:
    if shutil.which("pg_isready") is None:
        unavailable("pg_isready is not installed (apt-get install postgresql-client)")
    spec = probe(
        ProbeKind.COMMAND,
        "pg_isready -h 127.0.0.1 -p 5432",
        contains="accepting connections",
    )
    port = closed_port()

    up = run(spec)
    down = run(probe(ProbeKind.COMMAND, f"pg_isready -h 127.0.0.1 -p {port}"))

    assert up.ok, up.detail
    assert up.detail == "pg_isready: 127.0.0.1:5432 - accepting connections"
    assert down.detail == f"pg_isready exited with 2, expected 0: 127.0.0.1:{port} - no response"
