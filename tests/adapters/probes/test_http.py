"""HTTP probes against a real local server: status, JSON fields, body keyword, latency, refused
and hung targets, and connection reuse."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from astreinte.adapters.probes import check, close
from astreinte.domain.probe import ProbeKind
from tests.adapters.probes.peers import (
    Answer,
    Site,
    closed_port,
    http_site,
    probe,
    run,
    silent_server,
    timed,
)

HEALTHY = {"status": "ok", "redisConnected": True, "db": {"status": "ok", "lag": 0}}


@pytest.fixture
def site() -> Iterator[Site]:
    with http_site() as site:
        yield site


def test_a_healthy_endpoint_is_up_with_its_latency(site: Site) -> None:
    site.answers["/health"] = Answer.json(HEALTHY)

    result = run(probe(ProbeKind.HTTP, f"{site.url}/health"))

    assert result.ok, result.detail
    assert result.detail.startswith("HTTP 200 in ")
    assert result.value is not None
    assert 0 < result.value < 3000
    assert result.latency_ms is not None


def test_a_json_field_that_says_false_is_named_with_what_was_expected(site: Site) -> None:
    site.answers["/health"] = Answer.json({**HEALTHY, "redisConnected": False})
    spec = probe(
        ProbeKind.HTTP,
        f"{site.url}/health",
        expect_json={"redisConnected": True, "db.status": "ok"},
    )

    result = run(spec)

    assert not result.ok
    assert result.detail == "redisConnected is false, expected true"


def test_every_failing_json_field_is_listed_and_nested_paths_are_followed(site: Site) -> None:
    site.answers["/health"] = Answer.json(
        {"redisConnected": 1, "db": {"status": "down"}, "checks": [{"name": "s3", "ok": True}]}
    )
    spec = probe(
        ProbeKind.HTTP,
        f"{site.url}/health",
        expect_json={
            "redisConnected": True,
            "db.status": "ok",
            "db.lag": 0,
            "checks.0.ok": True,
        },
    )

    result = run(spec)

    assert not result.ok
    assert result.detail == (
        "redisConnected is 1, expected true; "
        'db.status is "down", expected "ok"; '
        "db.lag is missing from the JSON body, expected 0"
    )


def test_json_fields_that_hold_pass(site: Site) -> None:
    site.answers["/health"] = Answer.json(HEALTHY)
    spec = probe(
        ProbeKind.HTTP,
        f"{site.url}/health",
        expect_json={"redisConnected": True, "db.status": "ok", "db.lag": 0},
    )

    assert run(spec).ok


def test_a_body_that_is_not_json_is_said_so(site: Site) -> None:
    site.answers["/health"] = Answer(200, b"<html>Bad gateway</html>", "text/html")
    spec = probe(ProbeKind.HTTP, f"{site.url}/health", expect_json={"status": "ok"})

    result = run(spec)

    assert not result.ok
    assert result.detail == "HTTP 200 but the body is not JSON: '<html>Bad gateway</html>'"


def test_a_server_error_is_down_and_a_redirect_is_up_by_default(site: Site) -> None:
    site.answers["/down"] = Answer(503, b"Service Unavailable")
    site.answers["/moved"] = Answer(302, b"", location="/down")

    down = run(probe(ProbeKind.HTTP, f"{site.url}/down"))
    moved = run(probe(ProbeKind.HTTP, f"{site.url}/moved"))

    assert not down.ok
    assert down.detail == "HTTP 503, expected 2xx or 3xx"
    assert moved.ok, moved.detail
    assert moved.detail.startswith("HTTP 302 in ")


def test_following_redirects_judges_the_final_answer(site: Site) -> None:
    site.answers["/moved"] = Answer(302, b"", location="/down")
    site.answers["/down"] = Answer(503, b"")

    result = run(probe(ProbeKind.HTTP, f"{site.url}/moved", follow_redirects=True))

    assert result.detail == "HTTP 503, expected 2xx or 3xx"


def test_expected_statuses_replace_the_default(site: Site) -> None:
    site.answers["/gone"] = Answer(410, b"")
    site.answers["/ok"] = Answer(200, b"")

    assert run(probe(ProbeKind.HTTP, f"{site.url}/gone", expect_status=[404, 410])).ok
    result = run(probe(ProbeKind.HTTP, f"{site.url}/ok", expect_status=204))
    assert result.detail == "HTTP 200, expected 204"


def test_a_missing_keyword_in_the_body_is_down(site: Site) -> None:
    site.answers["/"] = Answer(200, "Maintenance programmée".encode())

    result = run(probe(ProbeKind.HTTP, f"{site.url}/", contains="Bienvenue"))
    found = run(probe(ProbeKind.HTTP, f"{site.url}/", contains="programmée"))

    assert result.detail == "HTTP 200 but the body does not contain 'Bienvenue'"
    assert found.ok


def test_a_slow_answer_fails_max_latency(site: Site) -> None:
    site.answers["/slow"] = Answer(200, b"ok", delay=0.3)

    result = run(probe(ProbeKind.HTTP, f"{site.url}/slow", max_latency="100ms"))

    assert not result.ok
    assert "slower than max_latency 100ms" in result.detail
    assert result.value is not None
    assert result.value >= 300


def test_the_method_and_headers_are_sent(site: Site) -> None:
    site.answers["/ping"] = Answer(200, b"")

    result = run(
        probe(ProbeKind.HTTP, f"{site.url}/ping", method="HEAD", headers={"X-Token": "s3cret"})
    )

    assert result.ok, result.detail
    method, path, headers = site.seen[-1]
    assert (method, path, headers["X-Token"]) == ("HEAD", "/ping", "s3cret")
    assert headers["User-Agent"].startswith("astreinte/")


def test_a_refused_connection_names_the_place() -> None:
    port = closed_port()

    result = run(probe(ProbeKind.HTTP, f"http://127.0.0.1:{port}/health"))

    assert not result.ok
    assert result.detail == f"127.0.0.1:{port}: connection refused"


def test_an_unknown_host_says_the_name_does_not_resolve() -> None:
    result = run(probe(ProbeKind.HTTP, "http://no-such-host.invalid/health"))

    assert not result.ok
    assert "the name no-such-host.invalid does not resolve" in result.detail


def test_a_server_that_never_answers_is_cut_at_the_timeout() -> None:
    with silent_server() as port:
        result, elapsed = timed(probe(ProbeKind.HTTP, f"http://127.0.0.1:{port}/", timeout=0.5))

    assert not result.ok
    assert result.detail == "no HTTP answer within 500ms"
    assert elapsed < 1.5


def test_checks_on_one_loop_reuse_the_connection(site: Site) -> None:
    site.answers["/health"] = Answer.json(HEALTHY)
    spec = probe(ProbeKind.HTTP, f"{site.url}/health")

    async def three_checks() -> list[bool]:
        try:
            return [(await check(spec)).ok for _ in range(3)]
        finally:
            await close()

    assert asyncio.run(three_checks()) == [True, True, True]
    assert len(site.seen) == 3
    assert len(site.peers) == 1  # one TCP connection for the three requests


def test_a_client_passed_by_the_caller_is_used(site: Site) -> None:
    site.answers["/health"] = Answer.json(HEALTHY)

    async def with_own_client() -> bool:
        async with httpx.AsyncClient(headers={"X-Caller": "worker-2"}) as client:
            spec = probe(ProbeKind.HTTP, f"{site.url}/health")
            return (await check(spec, http_client=client)).ok

    assert asyncio.run(with_own_client())
    assert site.seen[-1][2]["X-Caller"] == "worker-2"
