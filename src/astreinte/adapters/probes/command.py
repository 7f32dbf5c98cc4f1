"""Command probe: run a program and check its exit code and output, as a runbook's diagnostic
step says (`redis-cli ping  # Attendu : PONG`, `pg_isready  # Expected: accepting connections`).

    [[probes]]
    name = "pg-ready"
    kind = "command"
    target = "pg_isready -h 127.0.0.1 -p 5432"
    contains = "accepting connections"

The target is split like a shell would (`shlex.split`) but no shell runs it: no pipes, no
expansion, nothing a config typo could turn into another command. The program gets no input,
runs in its own process group, and the whole group is killed at the timeout (a script's
children too). Output beyond 64 KiB is read and dropped, so a chatty program cannot fill memory
or block on a full pipe.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
from contextlib import suppress
from datetime import datetime

from pydantic import Field

from astreinte.adapters.probes.kind import Check, KindOptions, Seen, problem, read_options
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "the command was still running after {timeout}; it was killed"
MAX_OUTPUT = 64 * 1024
EXCERPT = 200  # characters of output quoted in a detail


class Options(KindOptions):
    contains: str | None = Field(None, description='a text the output must contain, e.g. "PONG"')
    exit_code: int = Field(0, ge=0, le=255, description="the expected exit status, such as 0")


def prepare(spec: ProbeSpec) -> Check:
    options = read_options(Options, spec)
    try:
        argv = shlex.split(spec.target)
    except ValueError as exc:  # "No closing quotation"
        raise problem(
            spec, f"target cannot be split into words ({exc}); check its quotes"
        ) from None
    if not argv:
        raise problem(spec, "target is empty; write the command, e.g. 'redis-cli ping'")

    async def run(now: datetime) -> Seen:
        del now
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        except FileNotFoundError:
            return Seen(False, f"the program {argv[0]!r} was not found")
        except PermissionError:
            return Seen(False, f"the program {argv[0]!r} cannot be executed (permission denied)")
        try:
            output = await _read(process)
            code = await process.wait()
        finally:
            if process.returncode is None:  # cancelled: the probe's timeout
                _kill(process)
                with suppress(ProcessLookupError):
                    await process.wait()
        return _judge(argv[0], code, output, options)

    return run


async def _read(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None  # PIPE was asked for
    kept = bytearray()
    while chunk := await process.stdout.read(65536):
        if len(kept) < MAX_OUTPUT:
            kept += chunk[: MAX_OUTPUT - len(kept)]
    return kept.decode("utf-8", errors="replace")


def _kill(process: asyncio.subprocess.Process) -> None:
    # The group, not just the child: `sh -c "sleep 60"` would otherwise leave sleep running and
    # holding the pipe open.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _judge(program: str, code: int, output: str, options: Options) -> Seen:
    excerpt = _excerpt(output)
    if code != options.exit_code:
        said = f"{program} exited with {code}, expected {options.exit_code}"
        return Seen(False, f"{said}: {excerpt}" if excerpt else said, float(code))
    if options.contains is not None and options.contains not in output:
        said = f"the output of {program} does not contain {options.contains!r}"
        shown = f"{said}: {excerpt}" if excerpt else f"{said} (it printed nothing)"
        return Seen(False, shown, float(code))
    return Seen(
        True, f"{program}: {excerpt}" if excerpt else f"{program} exited with {code}", float(code)
    )


def _excerpt(output: str) -> str:
    text = " ".join(output.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
