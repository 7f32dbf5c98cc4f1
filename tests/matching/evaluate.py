"""Measure the matcher on an evaluation set: top-1/top-3 accuracy, by language and kind, misses.

The set is a JSON Lines file, one query a line::

    {"query": "...", "lang": "fr" | "en", "kind": "alert" | "complaint" | "log" | "symptom",
     "expected": [{"source": "<runbook file name>", "procedure": "<procedure id>"}, ...]}

`expected` lists every procedure that is a right answer. The catalogue searched is the five seeds
and the public runbook corpus together (read from ../shared, see tests.conftest), each runbook
identified by its file name. A query is a top-k hit when one of its first k results is expected.

`queries.jsonl` is the tuning set; `holdout.jsonl` was written apart and is not tuned on: it
measures generalisation. Run `python -m tests.matching.evaluate [FILE ...]` (default:
queries.jsonl).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from astreinte.domain.runbook.model import Runbook
from astreinte.domain.runbook.parse import parse
from tests.conftest import PUBLIC_RUNBOOKS, SEEDS

if TYPE_CHECKING:
    from astreinte.domain.matching import MatchIndex

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.jsonl"
HOLDOUT = HERE / "holdout.jsonl"
LANGS = ("fr", "en")
KINDS = ("alert", "complaint", "log", "symptom")
TOP = 3


@dataclass(frozen=True, slots=True)
class Expected:
    source: str
    procedure: str


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    lang: str
    kind: str
    expected: tuple[Expected, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Got:
    source: str
    procedure: str
    score: float
    title: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    query: Query
    got: tuple[Got, ...]

    @property
    def rank(self) -> int | None:
        """1-based rank of the first right answer among the results, None if there is none."""
        wanted = set(self.query.expected)
        for position, item in enumerate(self.got, start=1):
            if Expected(item.source, item.procedure) in wanted:
                return position
        return None

    @property
    def top1(self) -> bool:
        return self.rank == 1

    @property
    def top3(self) -> bool:
        rank = self.rank
        return rank is not None and rank <= TOP


@dataclass(frozen=True, slots=True)
class Tally:
    total: int
    top1: int
    top3: int

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0

    def line(self, label: str) -> str:
        return (
            f"{label:<14} n={self.total:<4} top-1 {self.top1_rate:6.1%} ({self.top1})"
            f"   top-3 {self.top3_rate:6.1%} ({self.top3})"
        )


def tally(outcomes: Sequence[Outcome]) -> Tally:
    return Tally(
        total=len(outcomes),
        top1=sum(outcome.top1 for outcome in outcomes),
        top3=sum(outcome.top3 for outcome in outcomes),
    )


@dataclass(frozen=True, slots=True)
class Report:
    path: Path
    outcomes: tuple[Outcome, ...]
    build_seconds: float
    query_seconds: tuple[float, ...]

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def top1(self) -> int:
        return sum(outcome.top1 for outcome in self.outcomes)

    @property
    def top3(self) -> int:
        return sum(outcome.top3 for outcome in self.outcomes)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0

    @property
    def misses(self) -> tuple[Outcome, ...]:
        """Every query whose first result is not a right answer (top-3 hits included)."""
        return tuple(outcome for outcome in self.outcomes if not outcome.top1)

    def by(self, key: Callable[[Query], str], labels: Sequence[str]) -> dict[str, Tally]:
        return {
            label: tally([outcome for outcome in self.outcomes if key(outcome.query) == label])
            for label in labels
        }

    def summary(self) -> str:
        lines = [f"{self.path.name}: {self.total} queries", tally(self.outcomes).line("overall")]
        lines += [t.line(f"lang={label}") for label, t in self.by(lambda q: q.lang, LANGS).items()]
        lines += [t.line(f"kind={label}") for label, t in self.by(lambda q: q.kind, KINDS).items()]
        if self.query_seconds:
            ordered = sorted(self.query_seconds)
            p50 = ordered[len(ordered) // 2] * 1000
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
            lines.append(
                f"index build {self.build_seconds * 1000:.0f} ms; "
                f"query p50 {p50:.2f} ms, p99 {p99:.2f} ms"
            )
        return "\n".join(lines)

    def render_misses(self) -> str:
        if not self.misses:
            return "no misses"
        blocks = [f"{len(self.misses)} misses at top-1 ({self.total - self.top3} also at top-3):"]
        for outcome in self.misses:
            query = outcome.query
            where = "in top-3" if outcome.top3 else "NOT in top-3"
            expected = ", ".join(f"{e.source}#{e.procedure}" for e in query.expected)
            block = [
                f"- [{query.lang}/{query.kind}] line {query.line} ({where}): {query.text}",
                f"    expected: {expected}",
            ]
            for position, item in enumerate(outcome.got, start=1):
                block.append(
                    f"    {position}. {item.score:8.3f}  {item.source}#{item.procedure}"
                    f"  | {item.title}"
                )
                if item.reasons:
                    block.append(f"         reasons: {'; '.join(item.reasons[:4])}")
            if not outcome.got:
                block.append("    (no result)")
            blocks.append("\n".join(block))
        return "\n".join(blocks)

    def render(self) -> str:
        return f"{self.summary()}\n\n{self.render_misses()}\n"


def load_queries(path: Path) -> list[Query]:
    """Read and check an evaluation file; a malformed line raises ValueError naming it."""
    queries: list[Query] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not JSON ({error})") from error
        if not isinstance(item, dict) or set(item) != {"query", "lang", "kind", "expected"}:
            raise ValueError(f"{where}: want exactly the keys query, lang, kind, expected")
        text, lang, kind, expected = item["query"], item["lang"], item["kind"], item["expected"]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: empty query")
        if lang not in LANGS:
            raise ValueError(f"{where}: lang {lang!r} not in {LANGS}")
        if kind not in KINDS:
            raise ValueError(f"{where}: kind {kind!r} not in {KINDS}")
        if not isinstance(expected, list) or not expected:
            raise ValueError(f"{where}: expected must be a non-empty list")
        answers: list[Expected] = []
        for answer in expected:
            if (
                not isinstance(answer, dict)
                or set(answer) != {"source", "procedure"}
                or not all(isinstance(value, str) and value for value in answer.values())
            ):
                raise ValueError(f"{where}: each expected item is {{source, procedure}}")
            answers.append(Expected(answer["source"], answer["procedure"]))
        if len(set(answers)) != len(answers):
            raise ValueError(f"{where}: an expected answer is listed twice")
        queries.append(Query(text, lang, kind, tuple(answers), number))
    return queries


def corpus_files() -> list[Path]:
    """The five seeds and the public runbooks (SOURCES.md is the corpus's bibliography)."""
    seeds = sorted(SEEDS.glob("*.txt"))
    public = sorted(p for p in PUBLIC_RUNBOOKS.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    return seeds + public


@cache
def corpus() -> tuple[tuple[str, Runbook], ...]:
    """Every runbook parsed, keyed by its file name (unique across the corpus)."""
    parsed: list[tuple[str, Runbook]] = []
    for path in corpus_files():
        runbook, _ = parse(path.read_bytes(), source=path.name)
        parsed.append((path.name, runbook))
    names = [name for name, _ in parsed]
    if len(set(names)) != len(names):
        raise RuntimeError("two corpus files share a name; runbook ids would collide")
    return tuple(parsed)


def procedure_keys() -> set[Expected]:
    """Every (file name, procedure id) of the parsed corpus."""
    return {
        Expected(name, procedure.id)
        for name, runbook in corpus()
        for procedure in runbook.procedures
    }


@cache
def build_index() -> tuple[MatchIndex, float]:
    """The matcher index over the whole corpus, and how long it took to build."""
    from astreinte.domain.matching import MatchIndex, entries_for

    started = time.perf_counter()
    entries = [entry for name, runbook in corpus() for entry in entries_for(name, runbook)]
    index = MatchIndex.build(entries)
    return index, time.perf_counter() - started


def evaluate(path: Path) -> Report:
    index, build_seconds = build_index()
    outcomes: list[Outcome] = []
    timings: list[float] = []
    for query in load_queries(path):
        started = time.perf_counter()
        results = index.search(query.text, top=TOP)
        timings.append(time.perf_counter() - started)
        got = tuple(
            Got(
                source=match.source,
                procedure=match.procedure_key,
                score=float(match.score),
                title=match.title,
                reasons=tuple(match.reasons),
            )
            for match in results[:TOP]
        )
        outcomes.append(Outcome(query, got))
    return Report(path, tuple(outcomes), build_seconds, tuple(timings))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg in {"-h", "--help"} for arg in args):
        sys.stdout.write(__doc__ or "")
        return 0
    paths = [Path(arg) for arg in args] or [QUERIES]
    for number, path in enumerate(paths):
        if number:
            sys.stdout.write("\n")
        sys.stdout.write(evaluate(path).render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
