"""Ranking models compared on the matcher's evaluation sets: accuracy, query latency, build time.

Issue 3 asks for a ranking model over the procedure's fields, "BM25F with a maintained library
(bm25s, or tantivy) or your own small implementation if it beats them on the evaluation". This
script runs every candidate over the same catalogue (the five seeds and the public corpus, parsed
as `tests/matching/evaluate.py` does) and the same queries (`tests/matching/queries.jsonl`, the
tuning set, and `holdout.jsonl`, written apart), and prints for each: top-1 and top-3 accuracy (a
hit is a result whose (source, procedure id) is in the query's expected list), per-query latency
(p50/p99 in ms, in-process, query analysis included, after one warm-up pass) and index build time
(the best of three builds, the analyser's caches emptied before each).

The models:

- `ours`: `MatchIndex` (BM25F with field weights, IDF counted over title and symptoms, title
  coverage, error signatures);
- `bm25s/our-terms`: bm25s (Lucene BM25, its defaults k1=1.5 b=0.75) over each procedure's
  fields concatenated, tokenised by our analyser (`analysis.terms`: the same terms, stems,
  concepts and cross-language prefixes), so the comparison isolates the ranking model;
- `bm25s/our-terms/k1b`: the same with our k1=1.2 and b=0.9, to tell the parameters from the
  model;
- `bm25s/en-stem`, `bm25s/fr-stem`: bm25s out of the box over the concatenated text: its own
  tokenizer, English and French stop words, PyStemmer's English or French stemmer;
- `rank_bm25/our-terms`: rank_bm25's BM25Okapi over the concatenated fields, our terms;
- `tantivy/our-terms`: tantivy, one indexed field per field of ours (whitespace tokenizer over our
  terms), every query term asked in every field with our field weights as boosts: tantivy sums a
  BM25 per field, the usual library stand-in for BM25F;
- `tantivy/en-stem`: tantivy out of the box: its `en_stem` tokenizer (no stop words), the query's
  words (its punctuation dropped, which the query language would read as syntax) parsed leniently
  over every field with our field weights as boosts.

Signatures (ECONNREFUSED with a port → cache/database…) are part of our model only. The libraries
are optional (the project's "bench" extra); a missing one is reported in its row, not raised.

Run from the checkout: `python bench/match_models.py`.
"""

from __future__ import annotations

import importlib
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final

from astreinte.domain.matching import analysis
from astreinte.domain.matching.analysis import terms
from astreinte.domain.matching.entries import FIELD_WEIGHTS
from astreinte.domain.matching.index import K1, B

if TYPE_CHECKING:
    from tests.matching.evaluate import Query

    from astreinte.domain.matching import IndexEntry

ROOT: Final = Path(__file__).resolve().parents[1]
TOP: Final = 3
BUILDS: Final = 3
PASSES: Final = 5  # timed passes over each set after the warm-up pass
MISSING: Final = "{name} not installed: pip install '.[bench]'"

Key = tuple[str, str]  # (runbook file name, procedure id)
Search = Callable[[str], list[Key]]


class Unavailable(Exception):
    """A model's library is not installed."""


def _library(name: str) -> ModuleType:
    """The optional library `name` (imported by name: the bench extra may be absent, and then
    neither this module nor mypy must fail)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise Unavailable(MISSING.format(name=name.split(".")[0])) from error


def _concatenated(entry: IndexEntry) -> str:
    return "\n".join(text for _, text in entry.fields if text)


def _key(entry: IndexEntry) -> Key:
    return (entry.source, entry.procedure_key)


def _best(entries: Sequence[IndexEntry], scores: Any) -> list[Key]:
    """The TOP entries of highest positive score, ties in catalogue order."""
    import numpy as np

    values = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-values, kind="stable")[:TOP]
    return [_key(entries[int(i)]) for i in order if values[int(i)] > 0]


# -- the models -------------------------------------------------------------------------------


def build_ours(entries: list[IndexEntry]) -> Search:
    from astreinte.domain.matching import MatchIndex

    index = MatchIndex.build(entries)

    def search(query: str) -> list[Key]:
        return [(m.source, m.procedure_key) for m in index.search(query, top=TOP)]

    return search


def _bm25s_over(
    entries: list[IndexEntry],
    corpus: list[list[str]],
    analyse: Callable[[str], list[str]],
    **parameters: float,
) -> Search:
    bm25s = _library("bm25s")
    retriever = bm25s.BM25(**parameters)
    retriever.index(corpus, show_progress=False)
    k = min(TOP, len(entries))

    def search(query: str) -> list[Key]:
        tokens = analyse(query)
        if not tokens:
            return []
        documents, scores = retriever.retrieve([tokens], k=k, show_progress=False)
        return [
            _key(entries[int(d)])
            for d, s in zip(documents[0], scores[0], strict=True)
            if float(s) > 0
        ]

    return search


def _bm25s_our_terms(**parameters: float) -> Callable[[list[IndexEntry]], Search]:
    def build(entries: list[IndexEntry]) -> Search:
        _library("bm25s")
        corpus = [terms(_concatenated(e)) for e in entries]
        return _bm25s_over(entries, corpus, terms, **parameters)

    return build


def _bm25s_stemmed(language: str) -> Callable[[list[IndexEntry]], Search]:
    def build(entries: list[IndexEntry]) -> Search:
        bm25s = _library("bm25s")
        stemmer = _library("Stemmer").Stemmer(language)
        words = _library("bm25s.stopwords")
        stopwords = sorted({*words.STOPWORDS_EN, *words.STOPWORDS_FRENCH})

        def analyse_all(texts: list[str]) -> list[list[str]]:
            tokens: list[list[str]] = bm25s.tokenize(
                texts, stopwords=stopwords, stemmer=stemmer, return_ids=False, show_progress=False
            )
            return tokens

        corpus = analyse_all([_concatenated(e) for e in entries])
        return _bm25s_over(entries, corpus, lambda query: analyse_all([query])[0])

    return build


def build_rank_bm25(entries: list[IndexEntry]) -> Search:
    okapi = _library("rank_bm25").BM25Okapi([terms(_concatenated(e)) for e in entries])

    def search(query: str) -> list[Key]:
        tokens = terms(query)
        return _best(entries, okapi.get_scores(tokens)) if tokens else []

    return search


def _tantivy_index(
    entries: list[IndexEntry], tokenizer: str, text: Callable[[str], str]
) -> tuple[Any, Any, Any]:
    tantivy = _library("tantivy")
    builder = tantivy.SchemaBuilder()
    for field in FIELD_WEIGHTS:
        builder.add_text_field(field, tokenizer_name=tokenizer)
    builder.add_unsigned_field("number", stored=True, fast=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for number, entry in enumerate(entries):
        document = tantivy.Document()
        for field, body in entry.fields:
            document.add_text(field, text(body))
        document.add_unsigned("number", number)
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return tantivy, schema, index


def _tantivy_search(
    entries: list[IndexEntry], index: Any, make_query: Callable[[str], Any]
) -> Search:
    searcher = index.searcher()

    def search(query: str) -> list[Key]:
        compiled = make_query(query)
        if compiled is None:
            return []
        hits = searcher.search(compiled, TOP).hits
        numbers = searcher.fast_field_values("number", [address for _, address in hits])
        return [
            _key(entries[int(n)])
            for (score, _), n in zip(hits, numbers, strict=True)
            if float(score) > 0
        ]

    return search


def build_tantivy_our_terms(entries: list[IndexEntry]) -> Search:
    tantivy, schema, index = _tantivy_index(
        entries, "whitespace", lambda body: " ".join(terms(body))
    )
    should = tantivy.Occur.Should

    def make_query(query: str) -> Any:
        asked = Counter(terms(query))
        if not asked:
            return None
        clauses = [
            (
                should,
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(schema, field, term), weight * count
                ),
            )
            for term, count in sorted(asked.items())
            for field, weight in FIELD_WEIGHTS.items()
        ]
        return tantivy.Query.boolean_query(clauses)

    return _tantivy_search(entries, index, make_query)


_SYNTAX: Final = re.compile(r"[^\w]+")


def build_tantivy_en_stem(entries: list[IndexEntry]) -> Search:
    _, _, index = _tantivy_index(entries, "en_stem", lambda body: body)
    fields = list(FIELD_WEIGHTS)

    def make_query(query: str) -> Any:
        # The query language's syntax ("Error: connect" names a field, "-" negates) is not
        # what an alert means: ask its words only.
        words = _SYNTAX.sub(" ", query).strip()
        if not words:
            return None
        compiled, _errors = index.parse_query_lenient(
            words, default_field_names=fields, field_boosts=dict(FIELD_WEIGHTS)
        )
        return compiled

    return _tantivy_search(entries, index, make_query)


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    build: Callable[[list[IndexEntry]], Search]


MODELS: Final = (
    Model("ours (BM25F)", build_ours),
    Model("bm25s/our-terms", _bm25s_our_terms()),
    Model("bm25s/our-terms/k1b", _bm25s_our_terms(k1=K1, b=B)),
    Model("bm25s/en-stem", _bm25s_stemmed("english")),
    Model("bm25s/fr-stem", _bm25s_stemmed("french")),
    Model("rank_bm25/our-terms", build_rank_bm25),
    Model("tantivy/our-terms", build_tantivy_our_terms),
    Model("tantivy/en-stem", build_tantivy_en_stem),
)

# -- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    model: str
    set: str
    total: int
    top1: int
    top3: int
    p50_ms: float
    p99_ms: float
    build_ms: float
    hits: tuple[bool, ...]  # top-1 hit of each query, in file order


def _clear_caches() -> None:
    """Empty the analyser's memo caches so that each build analyses the catalogue afresh."""
    for value in vars(analysis).values():
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def measure(
    model: Model, entries: list[IndexEntry], sets: Sequence[tuple[str, list[Query]]]
) -> list[Row] | str:
    builds: list[float] = []
    search: Search | None = None
    for _ in range(BUILDS):
        _clear_caches()
        started = time.perf_counter()
        try:
            search = model.build(entries)
        except Unavailable as missing:
            return str(missing)
        builds.append(time.perf_counter() - started)
    assert search is not None
    rows: list[Row] = []
    for label, queries in sets:
        ranked = [search(query.text) for query in queries]  # also the warm-up pass
        timings: list[float] = []
        for _ in range(PASSES):
            for query in queries:
                started = time.perf_counter()
                search(query.text)
                timings.append(time.perf_counter() - started)
        top1 = top3 = 0
        hits: list[bool] = []
        for query, got in zip(queries, ranked, strict=True):
            wanted = {(e.source, e.procedure) for e in query.expected}
            hits.append(bool(got[:1]) and got[0] in wanted)
            top1 += hits[-1]
            top3 += any(key in wanted for key in got[:TOP])
        timings.sort()
        rows.append(
            Row(
                model=model.name,
                set=label,
                total=len(queries),
                top1=top1,
                top3=top3,
                p50_ms=_percentile(timings, 0.5) * 1000,
                p99_ms=_percentile(timings, 0.99) * 1000,
                build_ms=min(builds) * 1000,
                hits=tuple(hits),
            )
        )
    return rows


def _paired(reference: tuple[bool, ...] | None, hits: tuple[bool, ...]) -> str:
    """Queries this model gets right at top-1 and the first model misses, and the reverse."""
    if reference is None:
        return "-"
    better = sum(h and not r for r, h in zip(reference, hits, strict=True))
    worse = sum(r and not h for r, h in zip(reference, hits, strict=True))
    return f"+{better} -{worse}"


def render(entries: int, results: Sequence[tuple[str, list[Row] | str]]) -> str:
    header = (
        f"{'model':<21} {'set':<15} {'n':>4}  {'top-1':>12}  {'top-3':>12}"
        f"  {'p50 ms':>7}  {'p99 ms':>7}  {'build ms':>8}  {'top-1 vs first':>14}"
    )
    first = results[0][1] if results else []
    reference = {row.set: row.hits for row in first} if not isinstance(first, str) else {}
    lines = [
        f"catalogue: {entries} procedures (seeds + public corpus); top {TOP}; latency over "
        f"{PASSES} passes after a warm-up; build: best of {BUILDS}; top-1 vs first: queries this "
        "model gets right and the first misses (+), and the reverse (-)",
        header,
        "-" * len(header),
    ]
    for name, outcome in results:
        if isinstance(outcome, str):
            lines.append(f"{name:<21} {outcome}")
            continue
        for row in outcome:
            lines.append(
                f"{row.model:<21} {row.set:<15} {row.total:>4}"
                f"  {row.top1 / row.total:6.1%} ({row.top1:>3})"
                f"  {row.top3 / row.total:6.1%} ({row.top3:>3})"
                f"  {row.p50_ms:7.2f}  {row.p99_ms:7.2f}  {row.build_ms:8.1f}"
                f"  {_paired(reference.get(row.set), row.hits):>14}"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg in {"-h", "--help"} for arg in args):
        sys.stdout.write(__doc__ or "")
        return 0
    if str(ROOT) not in sys.path:  # the evaluation set's loader lives in tests/
        sys.path.insert(0, str(ROOT))
    from tests.matching.evaluate import HOLDOUT, QUERIES, corpus, load_queries

    from astreinte.domain.matching import entries_for

    entries = [entry for name, runbook in corpus() for entry in entries_for(name, runbook)]
    sets = [(path.name, load_queries(path)) for path in (QUERIES, HOLDOUT)]
    results = [(model.name, measure(model, entries, sets)) for model in MODELS]
    sys.stdout.write(render(len(entries), results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
