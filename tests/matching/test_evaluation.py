"""The matcher's accuracy on the evaluation sets, and the sets' own consistency with the corpus.

queries.jsonl is the tuning set; holdout.jsonl was written apart and is never tuned on, so it
measures generalisation. The issue's bar on queries.jsonl is top-1 >= 90% and top-3 >= 98%; the
floors below are that bar. The holdout's floors sit just under what it reaches (86.7% and 96.7%
on 30 queries, where one query is 3.3 points): a change that loses generalisation fails.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.matching.evaluate import (
    HOLDOUT,
    KINDS,
    LANGS,
    QUERIES,
    evaluate,
    load_queries,
    procedure_keys,
)

SETS = [QUERIES, HOLDOUT]


@pytest.mark.parametrize(
    ("path", "top1", "top3"),
    [(QUERIES, 0.90, 0.98), (HOLDOUT, 0.85, 0.95)],
    ids=["queries", "holdout"],
)
def test_accuracy(path: Path, top1: float, top3: float) -> None:
    report = evaluate(path)
    got1, got3 = report.top1_rate, report.top3_rate  # plain floats: no Report repr in the failure
    bar = f"bar: top-1 >= {top1:.0%}, top-3 >= {top3:.0%}\n{report.render()}"
    assert got1 >= top1, bar
    assert got3 >= top3, bar


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.name)
def test_expected_procedures_exist(path: Path) -> None:
    """Every expected answer names a procedure of the parsed corpus, so the set cannot rot."""
    known = procedure_keys()
    unknown = [
        f"line {query.line}: {answer.source}#{answer.procedure} ({query.text})"
        for query in load_queries(path)
        for answer in query.expected
        if answer not in known
    ]
    assert not unknown, "expected procedures missing from the corpus:\n" + "\n".join(unknown)


@pytest.mark.parametrize(
    ("path", "minimum"), [(QUERIES, 100), (HOLDOUT, 30)], ids=["queries", "holdout"]
)
def test_sets_are_varied(path: Path, minimum: int) -> None:
    queries = load_queries(path)
    assert len(queries) >= minimum
    langs = Counter(query.lang for query in queries)
    kinds = Counter(query.kind for query in queries)
    for lang in LANGS:
        assert langs[lang] >= 0.4 * len(queries), langs
    for kind in KINDS:
        assert kinds[kind] >= 0.1 * len(queries), kinds
    texts = [query.text.casefold() for query in queries]
    assert len(set(texts)) == len(texts), "a query is repeated"


def test_holdout_is_apart() -> None:
    tuning = {query.text.casefold() for query in load_queries(QUERIES)}
    shared = [query.text for query in load_queries(HOLDOUT) if query.text.casefold() in tuning]
    assert not shared, shared
