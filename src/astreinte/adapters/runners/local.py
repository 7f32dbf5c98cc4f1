"""Running steps on this machine: `/bin/sh -c COMMAND`, as a reader pasting the runbook would.

Runbook steps are shell snippets (pipes, `&&`, redirections), so a shell runs them; what makes
that safe is upstream: every substituted value is quoted and secrets are only in the
environment (see `domain/execution/values.py`). Here:

- the process gets no input, only the environment it is given (a few login variables plus the
  step's own), never astreinte's, which holds its database URL and tokens;
- it runs in its own process group, and at the timeout the whole group is stopped (TERM, then
  KILL after a grace period): `sh -c "sleep 60 | cat"` leaves nothing behind;
- stdout and stderr share one pipe, so the output interleaves as it came; past `output_limit`
  bytes it is read and dropped, so a chatty command cannot fill memory or block;
- a program the machine lacks, or a missing working directory, fails before anything runs,
  with a sentence naming it.

    runner = LocalRunner()
    result = runner.run("df -h", environment={}, workdir=None, timeout=30, output_limit=65536)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from typing import Final

from astreinte.domain.execution.state import RunResult
from astreinte.domain.execution.step import programs

# What a step may rely on from the login; everything else it needs is given per step.
LOGIN_VARIABLES: Final = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR")
DEFAULT_PATH: Final = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Commands /bin/sh runs itself: they need no program on the PATH.
BUILTINS: Final = frozenset(
    {
        "cd", "echo", "printf", "export", "set", "unset", "read", "test", "[", "true", "false",
        "exit", "return", "source", ".", "eval", "exec", "wait", "kill", "type", "command",
        "alias", "unalias", "ulimit", "umask", "trap", "shift", "times", "getopts", "hash",
        "pwd", "local", "break", "continue", ":", "readonly", "jobs", "fg", "bg",
    }
)  # fmt: skip
_NOT_FOUND: Final = re.compile(
    r"(?m)^\S*sh: (?:\d+: )?(?:line \d+: )?(?P<name>[^:\s]+): (?:command )?not found"
)
_CHUNK: Final = 65536


class LocalRunner:
    """Runs steps on this machine (the target "local")."""

    def __init__(
        self,
        base_environment: Mapping[str, str] | None = None,
        *,
        shell: str = "/bin/sh",
        grace_seconds: float = 2.0,
        name: str = "local",
    ) -> None:
        if base_environment is None:
            base_environment = {k: os.environ[k] for k in LOGIN_VARIABLES if k in os.environ}
        self._base = {"PATH": DEFAULT_PATH, **base_environment}
        self._shell = shell
        self._grace = grace_seconds
        self._name = name

    @property
    def target(self) -> str:
        return self._name

    def run(
        self,
        command: str,
        *,
        environment: Mapping[str, str],
        workdir: str | None,
        timeout: float,
        output_limit: int,
    ) -> RunResult:
        env = {**self._base, **environment}
        problem = self._missing(command, env, workdir)
        if problem:
            return RunResult(None, "", error=problem)
        started = time.monotonic()
        try:
            process = subprocess.Popen(
                [self._shell, "-c", command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=workdir,
                start_new_session=True,
            )
        except OSError as exc:
            return RunResult(
                None, "", error=f"{self._shell} could not start on {self._name}: {exc}"
            )
        reader = _Reader(process, output_limit)
        reader.start()
        timed_out = False
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._stop(process)
        # The shell is gone, but what it left in the background may still hold the pipe.
        reader.join(max(0.0, started + timeout - time.monotonic()))
        if reader.is_alive():
            timed_out = True
            self._stop(process)
            reader.join(self._grace + 1)
        if process.returncode is None:
            process.wait()
        output, truncated = reader.result()
        error = None
        if timed_out:
            error = (
                f"the command was still running after {timeout:g} s on {self._name}; it was "
                "stopped, with everything it had started"
            )
        elif process.returncode == 127:
            error = _not_found(output, self._name)
        return RunResult(
            exit_code=None if timed_out else process.returncode,
            output=output,
            timed_out=timed_out,
            truncated=truncated,
            error=error,
            seconds=time.monotonic() - started,
        )

    def _missing(self, command: str, env: Mapping[str, str], workdir: str | None) -> str | None:
        if workdir is not None and not os.path.isdir(workdir):
            return (
                f"the working directory {workdir} (the step's `cd`) does not exist on "
                f"{self._name}; create it, or run the step where it exists"
            )
        for name in programs(command):
            if name in BUILTINS:
                continue
            if "/" in name:
                path = os.path.join(workdir or os.getcwd(), name)
                if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                    return (
                        f"the program {name} does not exist or is not executable on "
                        f"{self._name}; check the path, or run the step where it exists"
                    )
            elif shutil.which(name, path=env.get("PATH", DEFAULT_PATH)) is None:
                return (
                    f"the program {name} is not installed on {self._name} (not found in PATH); "
                    "install it, or run the step on a host that has it"
                )
        return None

    def _stop(self, process: subprocess.Popen[bytes]) -> None:
        """TERM the process group, then KILL what is left after the grace period."""
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        while time.monotonic() < deadline and _group_alive(process.pid):
            if process.returncode is None:
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.05)
            else:
                time.sleep(0.05)
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _group_alive(group: int) -> bool:
    """Whether a process of the group still runs. Killed processes whose parent is gone stay
    zombies until init reaps them, and `killpg(group, 0)` counts those: on Linux, /proc tells
    them apart, so the grace period ends as soon as nothing runs."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    if not os.path.isdir("/proc/self"):
        return True
    with os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            # After the command name: state, ppid, pgrp.
            if len(fields) > 2 and int(fields[2]) == group and fields[0] != b"Z":
                return True
    return False


def _not_found(output: str, target: str) -> str | None:
    match = _NOT_FOUND.search(output)
    if match is None:
        return None
    return (
        f"the program {match.group('name')} is not installed on {target} (the shell could not "
        "find it); install it, or run the step on a host that has it"
    )


class _Reader(threading.Thread):
    """Drains the process's output pipe, keeping the first `limit` bytes."""

    def __init__(self, process: subprocess.Popen[bytes], limit: int) -> None:
        super().__init__(name="astreinte-step-output", daemon=True)
        assert process.stdout is not None  # PIPE was asked for
        self._pipe = process.stdout
        self._limit = limit
        self._kept = bytearray()
        self._dropped = False

    def run(self) -> None:
        fd = self._pipe.fileno()
        with suppress(OSError):
            while chunk := os.read(fd, _CHUNK):
                room = self._limit - len(self._kept)
                if room > 0:
                    self._kept += chunk[:room]
                if len(chunk) > room:
                    self._dropped = True
        with suppress(OSError):
            self._pipe.close()

    def result(self) -> tuple[str, bool]:
        # Cut at the limit, a multi-byte character may be split: decode with replacement.
        text = bytes(self._kept).decode("utf-8", errors="replace").replace("\x00", "")
        return text, self._dropped
