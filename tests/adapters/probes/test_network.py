"""TCP and TLS probes against real local listeners; TLS with certificates made by `openssl` at
test time."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from astreinte.adapters.probes import check
from astreinte.adapters.probes.tls import not_after
from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.probe import ProbeKind, ProbeResult
from tests.adapters.probes.peers import (
    closed_port,
    probe,
    probe_with,
    run,
    silent_server,
    timed,
)


def test_an_open_port_is_up() -> None:
    with silent_server() as port:
        result = run(probe(ProbeKind.TCP, f"tcp://127.0.0.1:{port}"))

    assert result.ok
    assert result.detail == f"127.0.0.1:{port} accepts connections"


def test_a_closed_port_is_refused_on_every_address_of_the_name() -> None:
    port = closed_port()

    plain = run(probe(ProbeKind.TCP, f"127.0.0.1:{port}"))
    # localhost has two addresses (::1 and 127.0.0.1): both refusals read as one.
    named = run(probe(ProbeKind.TCP, f"localhost:{port}"))

    assert plain.detail == f"127.0.0.1:{port}: connection refused"
    assert named.detail == f"localhost:{port}: connection refused"


def test_an_unknown_host_does_not_resolve() -> None:
    result = run(probe(ProbeKind.TCP, "tcp://no-such-host.invalid:5432"))

    assert not result.ok
    assert result.detail.startswith(
        "no-such-host.invalid:5432: the name no-such-host.invalid does not resolve"
    )


# --- TLS -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cert:
    cert: Path
    key: Path


def make_cert(folder: Path, *, days: int, names: str = "DNS:localhost,IP:127.0.0.1") -> Cert:
    """A self-signed certificate for `names`, valid from now for `days`."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail(
            "the openssl command is needed to make test certificates (apt-get install openssl)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", str(days),
         "-subj", "/CN=astreinte-test", "-addext", f"subjectAltName={names}"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Cert(cert, key)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Cert:
    return make_cert(tmp_path_factory.mktemp("tls") / "month", days=30)


def tls_check(
    cert: Cert,
    *,
    clock: Callable[[], datetime] | None = None,
    target: str = "127.0.0.1:{port}",
    **options: JsonValue,
) -> ProbeResult:
    """Check a real TLS server (asyncio, same loop) that presents `cert`."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert.cert, cert.key)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(1)  # until the probe goes away
        except OSError:
            pass
        finally:
            writer.close()

    async def scenario() -> ProbeResult:
        server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_context)
        async with server:
            port = server.sockets[0].getsockname()[1]
            spec = probe_with(ProbeKind.TLS, target.format(port=port), options)
            if clock is None:
                return await check(spec)
            return await check(spec, clock=clock)

    return asyncio.run(scenario())


def test_a_certificate_far_from_expiry_is_up_with_its_days_left(month: Cert) -> None:
    result = tls_check(month, verify=False)

    assert result.ok, result.detail
    assert result.detail.startswith("the certificate of 127.0.0.1:")
    assert "expires in 29 days" in result.detail
    assert result.value is not None
    assert 29.9 < result.value <= 30


def test_a_certificate_expiring_sooner_than_min_days_is_down(month: Cert) -> None:
    in_20_days = datetime.now(UTC) + timedelta(days=20)

    result = tls_check(month, verify=False, clock=lambda: in_20_days)

    assert not result.ok
    assert "expires in 9 days" in result.detail
    assert result.detail.endswith("sooner than min_days 14")


def test_min_days_is_the_users_choice(month: Cert) -> None:
    assert not tls_check(month, verify=False, min_days=45).ok
    assert tls_check(month, verify=False, min_days=7).ok


def test_an_expired_certificate_says_since_when(month: Cert) -> None:
    in_40_days = datetime.now(UTC) + timedelta(days=40)

    result = tls_check(month, verify=False, clock=lambda: in_40_days)

    assert not result.ok
    assert "expired 10 days ago" in result.detail


def test_a_self_signed_certificate_is_not_trusted_by_default(month: Cert) -> None:
    result = tls_check(month)

    assert not result.ok
    assert "the TLS certificate is not trusted: self-signed certificate" in result.detail


def test_a_certificate_signed_by_the_given_ca_file_is_trusted(month: Cert) -> None:
    result = tls_check(month, ca_file=str(month.cert), target="localhost:{port}")

    assert result.ok, result.detail


def test_a_name_the_certificate_does_not_cover_is_not_trusted(tmp_path: Path) -> None:
    other = make_cert(tmp_path, days=30, names="DNS:other.example.org")

    result = tls_check(other, ca_file=str(other.cert), target="127.0.0.1:{port}")

    assert not result.ok
    assert "the TLS certificate is not trusted: IP address mismatch" in result.detail


def test_a_plain_tcp_server_fails_the_handshake_within_the_timeout() -> None:
    with silent_server() as port:
        result, elapsed = timed(
            probe(ProbeKind.TLS, f"tls://127.0.0.1:{port}", timeout=0.5, verify=False)
        )

    assert result.detail == "no TLS handshake within 500ms"
    assert elapsed < 1.5


@pytest.mark.parametrize("days", [30, 12000])  # UTCTime until 2049, GeneralizedTime after
def test_the_expiry_read_from_the_certificate_is_the_one_openssl_shows(
    tmp_path: Path, days: int
) -> None:
    cert = make_cert(tmp_path, days=days)
    shown = subprocess.run(
        ["openssl", "x509", "-noout", "-enddate", "-in", str(cert.cert)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    expected = datetime.fromtimestamp(
        ssl.cert_time_to_seconds(shown.removeprefix("notAfter=")), tz=UTC
    )

    der = ssl.PEM_cert_to_DER_cert(cert.cert.read_text())

    assert not_after(der) == expected
