"""PostgreSQL probes against the machine's real server (ASTREINTE_TEST_PG_URL)."""

from __future__ import annotations

import psycopg
import pytest

from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.probe import ProbeKind, ProbeResult
from tests.adapters.probes.peers import (
    closed_port,
    probe,
    probe_with,
    run,
    silent_server,
    timed,
    unavailable,
)
from tests.conftest import PG_URL

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server() -> str:
    """The server's URL, as a user would write it (the SQLAlchemy spelling works too)."""
    url = PG_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        unavailable(
            f"PostgreSQL is not reachable at {url} ({str(exc).strip().splitlines()[0]}); "
            "start it (.ci/run does) or set ASTREINTE_TEST_PG_URL"
        )
    return url


def pg(target: str, **options: JsonValue) -> ProbeResult:
    return run(probe_with(ProbeKind.POSTGRES, target, options))


def test_a_running_server_answers_select_1(server: str) -> None:
    result = pg(server)

    assert result.ok, result.detail
    assert result.detail == "PostgreSQL answered SELECT 1"


def test_the_sqlalchemy_spelling_of_the_url_is_accepted(server: str) -> None:
    assert pg(server.replace("postgresql://", "postgresql+psycopg://", 1)).ok


def test_a_stopped_server_is_refused() -> None:
    port = closed_port()

    result = pg(f"postgresql://postgres@127.0.0.1:{port}/postgres")

    assert not result.ok
    assert result.detail == (
        f'connection to server at "127.0.0.1", port {port} failed: Connection refused'
    )


def test_a_number_above_its_threshold_is_down_and_carries_the_value(server: str) -> None:
    result = pg(server, query="SELECT 42", threshold=40)

    assert not result.ok
    assert result.detail == "the query returned 42, > threshold 40"
    assert result.value == 42


def test_a_number_within_its_threshold_is_up(server: str) -> None:
    result = pg(server, query="SELECT count(*) FROM pg_stat_activity", threshold=10_000)

    assert result.ok, result.detail
    assert result.value is not None
    assert result.value >= 1  # this very connection
    assert result.detail.endswith("(fails when > threshold 10000)")


@pytest.mark.parametrize(
    ("op", "ok"),
    [(">", True), (">=", False), ("<", True), ("<=", False), ("==", False), ("!=", True)],
)
def test_the_operator_says_which_side_fails(server: str, op: str, ok: bool) -> None:
    # 0.75 as a NUMERIC: a Decimal read as a number.
    result = pg(server, query="SELECT 0.75::numeric", threshold=0.75, op=op)

    assert result.ok is ok, result.detail
    assert result.value == 0.75


def test_a_query_returning_text_is_not_a_number(server: str) -> None:
    result = pg(server, query="SELECT 'beaucoup'")

    assert not result.ok
    assert result.detail == "the query returned 'beaucoup', not a number"


def test_a_query_returning_no_row_says_so(server: str) -> None:
    result = pg(server, query="SELECT 1 WHERE false", threshold=1)

    assert result.detail == "the query returned no row; it must return one number"


def test_a_query_cannot_change_anything(server: str) -> None:
    result = pg(server, query="CREATE TABLE astreinte_probe_must_not_exist (id int)")

    assert not result.ok
    assert result.detail == (
        "the query failed: cannot execute CREATE TABLE in a read-only transaction"
    )


def test_a_wrong_query_shows_the_servers_words(server: str) -> None:
    result = pg(server, query="SELECT count(*) FROM no_such_table")

    assert result.detail == 'the query failed: relation "no_such_table" does not exist'


def test_a_server_that_never_answers_is_cut_at_the_timeout() -> None:
    with silent_server() as port:
        result, elapsed = timed(
            probe(ProbeKind.POSTGRES, f"postgresql://postgres@127.0.0.1:{port}/x", timeout=0.5)
        )

    assert result.detail == "PostgreSQL did not answer within 500ms"
    assert elapsed < 1.5
