"""TCP probe: a connection to host:port is accepted (PostgreSQL, Redis, SMTP, any listener).

[[probes]]
name = "db-port"
kind = "tcp"
target = "tcp://db.internal:5432"   # or "db.internal:5432"
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import datetime

from astreinte.adapters.probes.kind import (
    Check,
    KindOptions,
    Seen,
    describe,
    host_port,
    read_options,
)
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "no connection within {timeout}"


class Options(KindOptions):
    pass


def prepare(spec: ProbeSpec) -> Check:
    read_options(Options, spec)
    host, port = host_port(spec, {"tcp": None, "": None}, example="tcp://db.internal:5432")

    async def run(now: datetime) -> Seen:
        del now
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            return Seen(False, f"{host}:{port}: {describe(exc, host=host)}")
        writer.close()
        with suppress(OSError):  # the peer may reset at once; the connection was accepted
            await writer.wait_closed()
        return Seen(True, f"{host}:{port} accepts connections")

    return run
