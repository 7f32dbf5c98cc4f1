"""Import the whole public runbook corpus 20 times and print runbooks/s and peak memory.

Each round imports every file of ../shared/data/runbooks (and the five seeds) into a fresh SQLite
database through the same service `astreinte import` uses: read, decode, repair, parse, classify
every command, store. Run with `make bench` or `python bench/import_corpus.py [ROUNDS]`.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from astreinte.domain.runbook.parse import parse
from astreinte.services.catalogue import import_paths
from astreinte.storage.db import make_engine, make_session_factory, migrate

SHARED = Path(os.environ.get("ASTREINTE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
if not (SHARED / "seeds").is_dir():
    SHARED = Path("/work/shared")


def corpus() -> list[Path]:
    public = sorted(p for p in (SHARED / "data" / "runbooks").rglob("*") if p.is_file())
    return [p for p in public if p.name != "SOURCES.md"] + sorted((SHARED / "seeds").glob("*"))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    files = corpus()
    size = sum(p.stat().st_size for p in files)
    out = sys.stdout.write

    # Parse only (the domain). Round 1 is cold; later rounds hit the caches a long-running
    # process keeps (heading labels, command risks), so both figures are printed.
    parse_rounds: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        for path in files:
            parse(path.read_bytes(), source=path.name)
        parse_rounds.append(time.perf_counter() - started)
    parse_seconds = sum(parse_rounds)
    # tracemalloc slows Python down several times: the peak of Python allocations is measured
    # on one extra round, apart from the timing.
    tracemalloc.start()
    for path in files:
        parse(path.read_bytes(), source=path.name)
    _, parse_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # The full import (parse + store) into a fresh SQLite file each round.
    import_rounds: list[float] = []
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        for number in range(rounds):
            url = f"sqlite:///{folder}/bench-{number}.db"
            engine = make_engine(url)
            migrate(engine)
            started = time.perf_counter()
            report = import_paths(make_session_factory(engine), files, now=datetime.now(UTC))
            import_rounds.append(time.perf_counter() - started)
            failed += len(report.failed)
            engine.dispose()
    import_seconds = sum(import_rounds)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    count = len(files) * rounds
    per_round = len(files)
    out(f"corpus: {len(files)} files, {size / 1024:.0f} KiB, {rounds} rounds\n")
    out(
        f"parse only:   {count / parse_seconds:7.1f} runbooks/s over {rounds} rounds "
        f"({parse_seconds:.2f} s; cold first round {per_round / parse_rounds[0]:.1f}/s), "
        f"peak traced Python memory {parse_peak / 2**20:.1f} MiB\n"
    )
    out(
        f"import+store: {count / import_seconds:7.1f} runbooks/s over {rounds} rounds "
        f"({import_seconds:.2f} s; first round {per_round / import_rounds[0]:.1f}/s), "
        f"{failed} failed, peak RSS {rss_kib / 1024:.1f} MiB\n"
    )


if __name__ == "__main__":
    main()
