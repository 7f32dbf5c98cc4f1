"""HTTP probe: one request, then its status, latency, body keyword and JSON fields.

    [[probes]]
    name = "api-health"
    kind = "http"
    target = "https://api.example.org/health"
    expect_json = { redisConnected = true, "db.status" = "ok" }
    max_latency = "2s"

Requests go through `httpx.AsyncClient`s shared by the probes of an event loop, so a thousand
probes every ten seconds reuse their keep-alive connections instead of paying a TCP and TLS
handshake each; `close_clients()` closes the running loop's ones. A caller may pass its own
client instead (its settings then win over `verify`).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from datetime import datetime
from functools import lru_cache

import httpx
from pydantic import Field, JsonValue, field_validator

from astreinte import __version__
from astreinte.adapters.probes.kind import (
    Check,
    Duration,
    KindOptions,
    Seen,
    describe,
    problem,
    read_options,
    seconds,
)
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "no HTTP answer within {timeout}"
MAX_BODY = 1 << 20  # a health answer is small; a runaway body is not read past this
# Longer than the usual 10 s interval, so that the next check finds the connection still open.
# A server that closed it meanwhile costs one reconnect: httpcore checks an idle connection
# before reusing it.
KEEPALIVE_SECONDS = 60.0


class Options(KindOptions):
    method: str = Field("GET", pattern=r"^[A-Z]+$", description='"GET", "HEAD", "POST"…')
    expect_status: int | list[int] | None = Field(
        None, description="a status such as 200, or a list such as [200, 204]"
    )
    contains: str | None = Field(None, description='a text the body must contain, e.g. "ok"')
    expect_json: dict[str, JsonValue] | None = Field(
        None,
        description='a table of dotted paths, e.g. { redisConnected = true, "db.status" = "ok" }',
    )
    max_latency: Duration | None = Field(None, description='a duration such as "2s"')
    headers: dict[str, str] = Field(default_factory=dict, description='{ Authorization = "…" }')
    verify: bool = Field(True, description="true or false (false accepts any TLS certificate)")
    follow_redirects: bool = Field(False, description="true or false")

    @field_validator("expect_status")
    @classmethod
    def _statuses(cls, value: int | list[int] | None) -> int | list[int] | None:
        wanted = [value] if isinstance(value, int) else value or []
        if (not wanted and value is not None) or any(not 100 <= code <= 599 for code in wanted):
            raise ValueError("must hold HTTP statuses between 100 and 599")
        return value


# httpcore's pool looks at every connection for every waiting request (O(requests ×
# connections) per request): one pool holding 200 busy connections costs ~5 ms of CPU per
# request, 16 pools holding ~12 each well under 2 ms. A target always lands in the same pool,
# so its keep-alive connection is found again at the next check.
SHARDS = 16
_CLIENTS: dict[asyncio.AbstractEventLoop, dict[tuple[bool, int], httpx.AsyncClient]] = {}


def shared_client(target: str, *, verify: bool) -> httpx.AsyncClient:
    """The running loop's client for probes of `target` (by `verify` setting and shard)."""
    loop = asyncio.get_running_loop()
    for old in [old for old in _CLIENTS if old.is_closed()]:
        del _CLIENTS[old]  # a closed loop's connections are gone with it
    clients = _CLIENTS.setdefault(loop, {})
    key = (verify, hash(target) % SHARDS)
    if key not in clients:
        clients[key] = httpx.AsyncClient(
            verify=_tls_context(verify),
            # The worker bounds how many probes run at once; a pool limit here would only make
            # probes of one host wait for each other and time out.
            limits=httpx.Limits(
                max_connections=None,
                max_keepalive_connections=1000,
                keepalive_expiry=KEEPALIVE_SECONDS,
            ),
            headers={"User-Agent": f"astreinte/{__version__} (probe)"},
        )
    return clients[key]


@lru_cache(maxsize=2)
def _tls_context(verify: bool) -> ssl.SSLContext:
    # One context for all the pools: building one loads the CA store (milliseconds, ~1 MB).
    return httpx.create_ssl_context(verify=verify)


async def close_clients() -> None:
    """Close the running loop's shared clients (at the worker's stop, at a test's end)."""
    for client in _CLIENTS.pop(asyncio.get_running_loop(), {}).values():
        await client.aclose()


def prepare(spec: ProbeSpec, *, client: httpx.AsyncClient | None = None) -> Check:
    options = read_options(Options, spec)
    try:
        url = httpx.URL(spec.target)
    except httpx.InvalidURL:
        url = httpx.URL("invalid:")
    if url.scheme not in ("http", "https") or not url.host:
        raise problem(
            spec, f"target {spec.target!r} is not an http(s) URL; write e.g. 'https://host/health'"
        )
    timeout = spec.timeout.total_seconds()
    place = f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"

    async def run(now: datetime) -> Seen:
        del now
        http = client or shared_client(spec.target, verify=options.verify)
        started = time.perf_counter()
        try:
            async with http.stream(
                options.method,
                url,
                headers=options.headers,
                timeout=timeout,
                follow_redirects=options.follow_redirects,
            ) as response:
                body = await _read(response)
        except httpx.TimeoutException:
            return Seen(False, TIMED_OUT.format(timeout=seconds(spec.timeout)))
        except httpx.HTTPError as exc:
            return Seen(False, f"{place}: {describe(exc, host=url.host)}")
        latency = (time.perf_counter() - started) * 1000
        return _judge(options, response, body, latency)

    return run


async def _read(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY:
            break  # the connection is dropped rather than reused: fine for a runaway answer
    return b"".join(chunks)[:MAX_BODY]


def _judge(options: Options, response: httpx.Response, body: bytes, latency: float) -> Seen:
    status = response.status_code
    wanted = options.expect_status
    if wanted is None:
        status_ok, expected = 200 <= status < 400, "2xx or 3xx"
    else:
        codes = [wanted] if isinstance(wanted, int) else wanted
        status_ok, expected = status in codes, " or ".join(str(code) for code in codes)
    if not status_ok:
        return Seen(False, f"HTTP {status}, expected {expected}", latency)
    if options.contains is not None:
        text = body.decode(response.encoding or "utf-8", errors="replace")
        if options.contains not in text:
            return Seen(
                False, f"HTTP {status} but the body does not contain {options.contains!r}", latency
            )
    if options.expect_json:
        try:
            document: JsonValue = json.loads(body)
        except ValueError:
            start = body[:40].decode("utf-8", errors="replace")
            return Seen(False, f"HTTP {status} but the body is not JSON: {start!r}", latency)
        wrong = [_mismatch(document, path, want) for path, want in options.expect_json.items()]
        if any(wrong):
            return Seen(False, "; ".join(text for text in wrong if text), latency)
    if options.max_latency is not None and latency > options.max_latency.total_seconds() * 1000:
        return Seen(
            False,
            f"HTTP {status} in {latency:.0f} ms, slower than max_latency "
            f"{seconds(options.max_latency)}",
            latency,
        )
    return Seen(True, f"HTTP {status} in {latency:.0f} ms", latency)


def _mismatch(document: JsonValue, path: str, want: JsonValue) -> str:
    """ "" when `path` holds `want`, else what it holds: "redisConnected is false, expected
    true". A dotted path walks objects; a number in it indexes a list ("checks.0.status")."""
    found: object = document
    for part in path.split("."):
        if isinstance(found, dict) and part in found:
            found = found[part]
        elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            return f"{path} is missing from the JSON body, expected {_json(want)}"
    if _same(found, want):
        return ""
    return f"{path} is {_json(found)}, expected {_json(want)}"


def _same(found: object, want: JsonValue) -> bool:
    # In Python True == 1: a health field that says 1 is not the `true` the user asked for.
    if isinstance(found, bool) or isinstance(want, bool):
        return type(found) is type(want) and found == want
    return found == want


def _json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"
