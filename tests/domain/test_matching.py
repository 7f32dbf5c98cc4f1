"""The matcher on runbooks of our own: analysis, signatures, ranking, scoping and reasons."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from astreinte.domain.matching import MatchIndex, SeverityGuide, entries_for, examples_for
from astreinte.domain.matching.analysis import term_groups, terms
from astreinte.domain.matching.entries import IndexEntry
from astreinte.domain.matching.signatures import detect
from astreinte.domain.runbook.model import Level, ProcedureKind
from astreinte.domain.runbook.parse import parse
from tests.conftest import ROOT, SEEDS

EXAMPLES = ROOT / "examples" / "runbooks"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("redisConnected: false", {"redisconnected", "redis", "connected", "@cache"}),
        ("POST /persist-on-login échoue", {"/persist-on-login", "persist", "login", "@auth"}),
        ("connect ECONNREFUSED 127.0.0.1:5432", {"econnrefused", "port:5432", "@database"}),
        ("pg_isready -h db", {"pg_isready", "@database"}),
        ("keys bull:*", {"bull:*", "bull", "@queue"}),
        ("HTTP 502 Bad Gateway", {"502", "@gateway"}),
        ("Symptomes: base de donnees lente", {"@database", "@slow"}),
        ("la base de données est lente", {"@database", "@slow"}),
        ("disque plein sur le VPS", {"@disk"}),
        ("file d'attente bloquée", {"@queue"}),
        # camelCase parts are stemmed like words, so an alert name meets the runbook's prose.
        ("KubePersistentVolumeFillingUp", {"volum", "persist", "fill", "@disk"}),
        # An acronym before a word still splits; a plural acronym stays one word.
        ("CPUThrottlingHigh", {"cpu", "throttl", "high", "@load"}),
    ],
)
def test_terms_keep_identifiers_their_parts_and_concepts(text: str, expected: set[str]) -> None:
    assert expected <= set(terms(text))


def test_a_plural_acronym_is_not_split() -> None:
    assert "cpus" in terms("8 CPUs")
    assert "cpu" not in terms("8 CPUs")


def test_a_word_spellings_are_grouped_and_kept_whole() -> None:
    # "redis" is a name: the French stemmer's "red" must not be its only trace.
    assert ("redis", "red", "redi") in term_groups("redis")
    group = next(g for g in term_groups("déploiements") if "deploiements" in g)
    assert any(t.startswith("~") for t in group)  # the Latin-root prefix is one more spelling


def test_stop_words_and_ip_parts_are_not_terms() -> None:
    found = set(terms("le serveur de la 10.0.0.12 est dans les choux"))
    assert not {"le", "de", "la", "les", "dans", "10", "12"} & found


@pytest.mark.parametrize(
    ("line", "component"),
    [
        ("Error: connect ECONNREFUSED 127.0.0.1:6379", "Redis"),
        ("connect ECONNREFUSED 10.1.2.3:5432", "PostgreSQL"),
        ("write ENOSPC: no space left on device", "disk"),
        ("FATAL: sorry, too many clients already", "database connection pool"),
        ('FATAL: password authentication failed for user "app"', "database credentials"),
        ("<--- JS stacktrace ---> FATAL ERROR: JavaScript heap out of memory", "memory"),
        ("TypeError: Cannot read properties of undefined (reading 'id')", "a code bug"),
        ("upstream prematurely closed connection; 502 Bad Gateway", "the backend behind the proxy"),
        ("HTTP 429 Too Many Requests", "rate limiting"),
        ("Back-off restarting failed container: CrashLoopBackOff", "a Kubernetes pod"),
        ("x509: certificate has expired or is not yet valid", "TLS certificate"),
        ("request to https://api.x failed, reason: ETIMEDOUT", "an upstream API or dependency"),
        ("Error connecting to database: connection refused", "the database"),
        ("ReplyError: OOM command not allowed when used memory > 'maxmemory'", "Redis"),
        ("every API call takes more than 5 seconds", "slow responses"),
        ("le temps de réponse dépasse 3200 ms", "slow responses"),
    ],
)
def test_error_signatures_name_the_component_at_fault(line: str, component: str) -> None:
    assert any(component in hit.component for hit in detect(line))


@pytest.mark.parametrize(
    ("line", "cause", "explained"),
    [
        ("HTTP 503 Service Unavailable: Database connection failed", "database", "bad gateway"),
        ("ReplyError: OOM command not allowed when used memory > 'maxmemory'", "Redis", "out of"),
        ("pool timed out while waiting for an open connection", "pool", "ETIMEDOUT"),
    ],
)
def test_a_specific_signature_explains_the_generic_one(
    line: str, cause: str, explained: str
) -> None:
    # The proxy's 503 is how a database failure shows; the reasons name the database only.
    hits = detect(line)
    assert any(cause in hit.component for hit in hits)
    assert not any(hit.name.startswith(explained) for hit in hits)


def test_plain_words_are_no_signature() -> None:
    assert detect("the dashboard looks odd today") == []


@cache
def example_index() -> MatchIndex:
    entries = []
    for path in sorted(EXAMPLES.glob("*.md")):
        runbook, _ = parse(path.read_bytes(), source=path.name)
        entries.extend(entries_for(path.stem, runbook))
    return MatchIndex.build(entries)


@pytest.mark.parametrize(
    ("query", "expected_key"),
    [
        ("Error: connect ECONNREFUSED 127.0.0.1:6379", "incident-redis-unreachable-p1"),
        ("redis ne répond plus", "incident-redis-unreachable-p1"),
        ("les e-mails de confirmation arrivent en retard", "incident-queue-backlog-growing-p2"),
        ("the job queue keeps growing", "incident-queue-backlog-growing-p2"),
        ("FATAL: sorry, too many clients already", "incident-2-base-de-donnees-saturee-sev2"),
        ("database connections exhausted", "incident-2-base-de-donnees-saturee-sev2"),
        (
            "customers cannot pay, the payment provider times out",
            "incident-1-paiements-refuses-en-masse-sev1",
        ),
        ("how do I change the redis password", "operation-rotate-the-redis-password"),
    ],
)
def test_examples_catalogue_ranks_the_right_procedure_first(query: str, expected_key: str) -> None:
    results = example_index().search(query, top=3)
    assert results, query
    assert results[0].procedure_key == expected_key, [(r.procedure_key, r.score) for r in results]


def test_results_carry_reasons_severity_and_are_sorted() -> None:
    results = example_index().search("Error: connect ECONNREFUSED 127.0.0.1:6379", top=3)
    best = results[0]
    assert best.severity == "P1"
    assert best.level is Level.CRITICAL
    assert any("6379" in reason and "Redis" in reason for reason in best.reasons)
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_nothing_in_common_gives_no_result() -> None:
    assert example_index().search("zzzz qqqq", top=5) == []
    assert example_index().search("", top=5) == []


def test_scoping_by_runbook_and_service() -> None:
    index = example_index()
    scoped = index.search("redis", top=10, runbook="boutique-api.fr")
    assert scoped
    assert {r.runbook_id for r in scoped} == {"boutique-api.fr"}
    by_service = index.search("redis", top=10, service="boutique")
    assert {r.runbook_id for r in by_service} == {"boutique-api.fr"}
    # An unknown service label does not hide the answer.
    assert index.search("redis", top=1, service="nowhere")


@pytest.mark.parametrize(
    ("seed", "query", "title_word"),
    [
        ("003", "the database is down", "Database"),
        ("004", "the database is down", "Base de Données"),
        ("004", "la base de données ne répond plus", "Base de Données"),
        ("002", "le site est lent", "lent"),
        ("003", "le site est lent", "Slow"),
        ("004", "le site est lent", "Lent"),
        ("002", "redis is down", "Redis"),
        ("002", "plus de place sur le disque du VPS", "disk"),
        ("002", "the database is down", "PostgreSQL"),
        ("002", "la base de données est en panne", "PostgreSQL"),
    ],
)
def test_a_catalogue_of_one_runbook_finds_its_procedure(
    seed: str, query: str, title_word: str
) -> None:
    path = next(SEEDS.glob(f"{seed}_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    index = MatchIndex.build(entries_for(seed, runbook))
    assert title_word in index.search(query, top=1)[0].title


def _entry(key: str, title: str, symptoms: str) -> IndexEntry:
    return IndexEntry(
        runbook_id="rb",
        source="rb.md",
        procedure_key=key,
        title=title,
        kind=ProcedureKind.INCIDENT,
        severity=None,
        level=None,
        services=frozenset(),
        fields=(("title", title), ("symptoms", symptoms)),
    )


def test_a_word_the_catalogue_never_uses_counts_through_its_concept() -> None:
    # The runbook says PostgreSQL, never "database"; "down" is in another title.
    index = MatchIndex.build(
        [
            _entry("api", "API down", "the API answers nothing, site down"),
            _entry("pg", "PostgreSQL inaccessible", "pg_isready fails"),
            _entry("disk", "Disk full", "no space left"),
        ]
    )
    assert index.search("the database is down", top=1)[0].procedure_key == "pg"


def test_french_query_finds_english_procedure_and_back() -> None:
    index = example_index()
    assert index.search("la file de jobs n'avance plus", top=1)[0].source.endswith(".en.md")
    assert index.search("payment failures at checkout", top=1)[0].source.endswith(".fr.md")


def test_index_is_deterministic(tmp_path: Path) -> None:
    del tmp_path
    first = [(r.procedure_id, r.score) for r in example_index().search("redis down", top=5)]
    again = MatchIndex.build(example_index().entries).search("redis down", top=5)
    assert first == [(r.procedure_id, r.score) for r in again]


def _guide_001() -> tuple[MatchIndex, SeverityGuide]:
    path = next(SEEDS.glob("001_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    return MatchIndex.build(entries_for("postry", runbook)), SeverityGuide(
        examples_for("postry", runbook)
    )


@pytest.mark.parametrize(
    ("text", "label", "level"),
    [
        ("l'application est complètement down, 502 et 503 partout", "P0", Level.CRITICAL),
        ("plus personne ne peut s'authentifier, 100% des users bloqués", "P0", Level.CRITICAL),
        ("we get alerting spam, more than 100 alerts per minute", "P1", Level.MAJOR),
        ("une typo dans un bouton, CSS un peu cassé", "P2", Level.MINOR),
    ],
)
def test_free_text_gets_the_level_of_the_classification_example_it_resembles(
    text: str, label: str, level: Level
) -> None:
    _, guide = _guide_001()
    suggestion = guide.suggest(text, None)
    assert suggestion is not None
    assert (suggestion.label, suggestion.level, suggestion.source) == (
        label,
        level,
        "classification",
    )
    assert "resembles" in suggestion.reason


def test_a_matched_procedure_gives_its_own_severity() -> None:
    index, guide = _guide_001()
    best = index.search("le rate limiting bloque des utilisateurs légitimes", top=1)[0]
    suggestion = guide.suggest("le rate limiting bloque des utilisateurs légitimes", best)
    assert suggestion is not None
    assert (suggestion.label, suggestion.level, suggestion.source) == (
        "P1",
        Level.MAJOR,
        "procedure",
    )


def test_no_resemblance_no_suggestion() -> None:
    _, guide = _guide_001()
    assert guide.suggest("zzz qqq", None) is None
    assert SeverityGuide([]).suggest("anything at all", None) is None


def test_analysis_is_safe_from_several_threads() -> None:
    # The API builds and searches indexes from a thread pool: stemming the same words from
    # several threads at once must give what it gives in one (a shared Snowball stemmer did not).
    import re
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from astreinte.domain.matching.analysis import stems

    text = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in SEEDS.glob("*.txt"))
    words = sorted(set(re.findall(r"[a-zà-ÿ]{5,}", text.lower())))[:3000]
    stem = stems.__wrapped__  # uncached, so that every call really stems
    expected = {w: stem(w) for w in words}

    def run(offset: int) -> bool:
        order = words[offset:] + words[:offset]
        return all(stem(w) == expected[w] for w in order)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a loaded server does
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(run, range(0, 800, 100)))
    finally:
        sys.setswitchinterval(interval)
    assert all(results)
