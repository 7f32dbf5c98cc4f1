"""Disk probe: how full the filesystem holding a path is, as `df` shows it.

    [[probes]]
    name = "pg-disk"
    kind = "disk"
    target = "/var/lib/postgresql"     # or "file:///var/lib/postgresql"
    max_percent = 90

The percentage is `df`'s: used / (used + available to users). The blocks reserved for root
count as neither, so the number matches the `df -h` a runbook asks the responder to run.
The reading runs in a thread: `statvfs` on a hung network mount blocks, and the event loop
must keep running the other probes (the probe's timeout then reports it).
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime
from pathlib import Path

from pydantic import Field

from astreinte.adapters.probes.kind import Check, KindOptions, Seen, problem, read_options
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "the disk usage was not read within {timeout} (a hung mount?)"


class Options(KindOptions):
    max_percent: float = Field(90, gt=0, le=100, description="a percentage such as 90")


def prepare(spec: ProbeSpec) -> Check:
    options = read_options(Options, spec)
    path = Path(spec.target.strip().removeprefix("file://"))
    if not path.is_absolute():
        raise problem(
            spec,
            f"target {spec.target!r} is not an absolute path; write e.g. '/var/lib/postgresql'",
        )

    async def run(now: datetime) -> Seen:
        del now
        try:
            usage = await asyncio.to_thread(shutil.disk_usage, path)
        except FileNotFoundError:
            return Seen(False, f"{path} does not exist")
        except OSError as exc:
            return Seen(False, f"the disk usage of {path} cannot be read ({exc.strerror})")
        # shutil's `free` is what users may still write (statvfs f_bavail): df's "Avail".
        available = usage.used + usage.free
        percent = round(usage.used / available * 100, 1) if available else 100.0
        said = f"{path} is {percent:g}% full ({_gib(usage.free)} free)"
        if percent > options.max_percent:
            return Seen(False, f"{said}, above max_percent {options.max_percent:g}", percent)
        return Seen(True, said, percent)

    return run


def _gib(size: int) -> str:
    return f"{size / (1 << 30):.1f} GiB"
