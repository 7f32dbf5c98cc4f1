"""Several workers share the probes on PostgreSQL: 200 TCP probes at a local listening socket,
one `astreinte worker --config` process and one in-process probe loop. No probe runs twice in
a period, both take part, and once the process is killed (SIGKILL, mid-claim as likely as not)
the other runs every probe within one period."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import URL, select
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.probes import check, close
from astreinte.config import load_settings
from astreinte.storage.db import make_engine, make_session_factory, migrate
from astreinte.storage.tables import ProbeResultRow, ProbeStateRow
from astreinte.wiring import probe_specs
from astreinte.worker.probes import ProbeLoop
from tests.conftest import _empty_postgres

PROBES = 200
INTERVAL = 1.0


@contextmanager
def listening() -> Iterator[int]:
    """A TCP port that accepts every connection (and closes it)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(1024)
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


def config_text(port: int) -> str:
    blocks = [
        f'[[probes]]\nname = "tcp-{n:03}"\nkind = "tcp"\ntarget = "127.0.0.1:{port}"\n'
        f'interval = "{INTERVAL:g}s"\ntimeout = "800ms"\n'
        for n in range(PROBES)
    ]
    return "\n".join(blocks)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


@pytest.mark.postgres
def test_two_workers_share_200_probes_and_one_takes_over_when_the_other_is_killed(
    postgres_server: URL, tmp_path: Path
) -> None:
    _empty_postgres(postgres_server)
    database_url = postgres_server.render_as_string(hide_password=False)
    engine = make_engine(postgres_server)
    migrate(engine)
    sessions: sessionmaker[Session] = make_session_factory(engine)
    with listening() as port:
        config = tmp_path / "astreinte.toml"
        config.write_text(config_text(port))
        specs = probe_specs(load_settings(config=config))
        assert len(specs) == PROBES

        env = {k: v for k, v in os.environ.items() if not k.startswith("ASTREINTE_")}
        env["ASTREINTE_DATABASE_URL"] = database_url
        log = (tmp_path / "worker.log").open("w")
        other = subprocess.Popen(
            [sys.executable, "-m", "astreinte", "worker", "--config", str(config)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        ours = ProbeLoop(sessions, specs, check=check, close=close, worker="in-process")
        stop = threading.Event()
        thread = threading.Thread(target=ours.run, args=(stop,), daemon=True)
        try:

            def claimers() -> set[str]:
                with sessions() as session:
                    found = session.scalars(select(ProbeStateRow.claimed_by).distinct())
                    return {c for c in found if c}

            def process_claimed() -> bool:
                return any(f":{other.pid}:" in c for c in claimers())

            assert wait_for(process_claimed, 30), (tmp_path / "worker.log").read_text()
            thread.start()
            time.sleep(4 * INTERVAL)
            shared = claimers()
            other.send_signal(signal.SIGKILL)
            other.wait(timeout=10)
            killed = datetime.now(UTC)
            time.sleep(3 * INTERVAL)
        finally:
            if other.poll() is None:
                other.kill()
                other.wait()
            stop.set()
            ours.wake()
            thread.join(timeout=15)
            log.close()
    assert not thread.is_alive()
    assert "in-process" in shared
    assert len(shared) == 2, shared  # both workers claimed probes

    with sessions() as session:
        rows = session.execute(select(ProbeResultRow.name, ProbeResultRow.at)).all()
    engine.dispose()
    runs: dict[str, list[datetime]] = defaultdict(list)
    for name, at in rows:
        runs[name].append(at)
    assert set(runs) == {s.name for s in specs}
    for name, times in runs.items():
        times.sort()
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        # One run per period: runs of a probe are an interval apart (claims may come 50 ms
        # early, a busy loop may start a check late), never two in one period.
        assert min(gaps, default=INTERVAL) > INTERVAL / 2, (name, gaps)
    took_over = killed + timedelta(seconds=INTERVAL + 0.6)
    late = [n for n, times in runs.items() if not any(killed < t <= took_over for t in times)]
    assert late == [], f"{len(late)} probe(s) not run within a period of the kill"
