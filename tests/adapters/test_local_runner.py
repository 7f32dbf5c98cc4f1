"""The local runner with real processes: interleaved output, its cap, the timeout that stops the
whole process group, missing programs and directories named, a clean environment, and values
that reach a real `printf` as one literal argument whatever their quoting context."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astreinte.adapters.runners.local import LocalRunner
from astreinte.domain.execution.step import placeholders_of
from astreinte.domain.execution.values import Value, fill

LIMIT = 64 * 1024


def test_stdout_and_stderr_interleave_as_they_come_with_the_exit_code() -> None:
    result = LocalRunner().run(
        "echo one; echo two >&2; echo three; exit 3",
        environment={},
        workdir=None,
        timeout=10,
        output_limit=LIMIT,
    )
    assert result.output == "one\ntwo\nthree\n"
    assert result.exit_code == 3
    assert result.error is None
    assert not result.timed_out


def test_pipes_run_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "b.log").write_text("x")
    (tmp_path / "a.log").write_text("y")
    result = LocalRunner().run(
        "ls *.log | sort | head -1",
        environment={},
        workdir=str(tmp_path),
        timeout=10,
        output_limit=LIMIT,
    )
    assert result.output == "a.log\n"


def test_the_timeout_stops_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    runner = LocalRunner(grace_seconds=0.3)
    began = time.monotonic()

    # A background child that would write the marker after 2 s, and a foreground sleep.
    result = runner.run(
        f"(sleep 2; touch {marker}) & sleep 30",
        environment={},
        workdir=None,
        timeout=0.5,
        output_limit=LIMIT,
    )

    assert time.monotonic() - began < 5
    assert result.timed_out
    assert result.exit_code is None
    assert result.error is not None
    assert "still running after 0.5 s" in result.error
    time.sleep(2.5)
    assert not marker.exists(), "a process of the group survived the timeout"


def test_a_background_process_holding_the_output_is_stopped_at_the_timeout() -> None:
    began = time.monotonic()
    result = LocalRunner(grace_seconds=0.3).run(
        "echo started; sleep 30 &", environment={}, workdir=None, timeout=0.5, output_limit=LIMIT
    )
    assert time.monotonic() - began < 5
    assert result.output == "started\n"
    assert result.timed_out


def test_output_beyond_the_cap_is_dropped_without_blocking() -> None:
    began = time.monotonic()
    result = LocalRunner().run(
        "yes astreinte | head -c 5000000; echo end >&2",
        environment={},
        workdir=None,
        timeout=20,
        output_limit=1000,
    )
    assert time.monotonic() - began < 15
    assert result.exit_code == 0
    assert result.truncated
    assert len(result.output) == 1000
    assert result.output.startswith("astreinte\nastreinte\n")


def test_a_missing_program_is_named_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = LocalRunner().run(
        f"touch {marker} && astreinte-absent-tool --version",
        environment={},
        workdir=None,
        timeout=10,
        output_limit=LIMIT,
    )
    assert result.exit_code is None
    assert result.error is not None
    assert "the program astreinte-absent-tool is not installed on local" in result.error
    assert not marker.exists()


def test_a_program_the_shell_cannot_find_is_named_too() -> None:
    result = LocalRunner().run(
        "tool=astreinte-absent-tool; $tool --version",
        environment={},
        workdir=None,
        timeout=10,
        output_limit=LIMIT,
    )
    assert result.exit_code == 127
    assert result.error is not None
    assert "astreinte-absent-tool is not installed" in result.error


def test_a_missing_working_directory_is_named() -> None:
    result = LocalRunner().run(
        "ls", environment={}, workdir="/srv/astreinte-absent", timeout=10, output_limit=LIMIT
    )
    assert result.error is not None
    assert "the working directory /srv/astreinte-absent" in result.error


def test_the_process_sees_the_given_environment_not_astreintes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASTREINTE_DATABASE_URL", "postgresql://astreinte:db-pass@db/x")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_from_the_server")
    result = LocalRunner().run(
        'printf "%s|%s|%s|%s\\n" "$JWT_SECRET" "$ASTREINTE_DATABASE_URL" "$STRIPE_SECRET_KEY" '
        '"${PATH:+path}"',
        environment={"JWT_SECRET": "given"},
        workdir=None,
        timeout=10,
        output_limit=LIMIT,
    )
    assert result.output == "given|||path\n"


# Values of every kind, including what a shell would execute if it were ever parsed.
VALUES = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
        max_size=40,
    ),
    st.sampled_from(["x; rm -rf /", "$(reboot)", "`id`", "a'b\"c\\d", "$HOME", "*", "-n", "!x"]),
)
TEMPLATES = [
    "printf '%s\\n' TENANT_UUID",
    'printf "%s\\n" "TENANT_UUID"',
    "printf '%s\\n' 'TENANT_UUID'",
    "printf '%s\\n' <tenant>",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=VALUES, template=st.sampled_from(TEMPLATES))
def test_any_value_reaches_printf_as_one_literal_argument(
    value: str, template: str, tmp_path: Path
) -> None:
    command = template
    filled = fill(
        command, {"tenant_uuid": Value(value), "tenant": Value(value)}, placeholders_of(command)
    )

    result = LocalRunner().run(
        filled.command, environment={}, workdir=str(tmp_path), timeout=10, output_limit=LIMIT
    )

    assert result.exit_code == 0, (filled.command, result.output)
    assert result.output == value + "\n"
    assert os.listdir(tmp_path) == []
