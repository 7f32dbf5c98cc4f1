"""Load probe: the 1-minute load average per CPU of the machine astreinte runs on.

    [[probes]]
    name = "vps-load"
    kind = "load"
    target = "local"
    max_per_cpu = 1.0

Above 1.0 per CPU, runnable processes wait for a processor: the "load above the CPU count" a
runbook warns about. The CPU count is the machine's (`os.cpu_count`), not this process's
affinity, because the load average counts every process of the machine.
"""

from __future__ import annotations

import os
from datetime import datetime

from pydantic import Field

from astreinte.adapters.probes.kind import Check, KindOptions, Seen, problem, read_options
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "the load average was not read within {timeout}"
LOCAL = ("", "local", "localhost")


class Options(KindOptions):
    max_per_cpu: float = Field(1.0, gt=0, description="a load per CPU such as 1.0")


def prepare(spec: ProbeSpec) -> Check:
    options = read_options(Options, spec)
    if spec.target.strip() not in LOCAL:
        raise problem(
            spec,
            f"target {spec.target!r} cannot be measured: the load probe reads the machine "
            'astreinte runs on; write target = "local"',
        )

    async def run(now: datetime) -> Seen:
        del now
        try:  # reads /proc/loadavg: no blocking worth a thread
            one, _, _ = os.getloadavg()
        except OSError:
            return Seen(False, "the load average cannot be read on this system")
        cpus = os.cpu_count() or 1
        per_cpu = round(one / cpus, 3)
        said = f"load {one:.2f} on {cpus} CPUs ({per_cpu:g} per CPU)"
        if per_cpu > options.max_per_cpu:
            return Seen(False, f"{said}, above max_per_cpu {options.max_per_cpu:g}", per_cpu)
        return Seen(True, said, per_cpu)

    return run
