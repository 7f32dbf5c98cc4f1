"""TLS probe: the handshake succeeds and the certificate is not about to expire.

    [[probes]]
    name = "api-cert"
    kind = "tls"
    target = "tls://api.example.org:443"   # or "api.example.org:443", or an https:// URL
    min_days = 21

The expiry is read from the certificate itself (its DER bytes), so it is known even with
`verify = false`, where Python's `getpeercert()` returns nothing but the bytes.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime
from functools import lru_cache

from pydantic import Field

from astreinte.adapters.probes.kind import (
    Check,
    KindOptions,
    Seen,
    describe,
    host_port,
    problem,
    read_options,
)
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "no TLS handshake within {timeout}"


class Options(KindOptions):
    min_days: int = Field(14, ge=0, description="a number of days such as 14")
    verify: bool = Field(True, description="true or false (false reads any certificate)")
    ca_file: str | None = Field(None, description="the path of a PEM file of trusted CAs")


def prepare(spec: ProbeSpec) -> Check:
    options = read_options(Options, spec)
    host, port = host_port(
        spec, {"tls": 443, "https": 443, "": 443}, example="tls://api.example.org:443"
    )
    try:
        context = _context(options.verify, options.ca_file)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise problem(spec, f"ca_file {options.ca_file!r} cannot be read ({reason})") from None

    async def run(now: datetime) -> Seen:
        try:
            _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
        except OSError as exc:  # ssl.SSLError included
            return Seen(False, f"{host}:{port}: {describe(exc, host=host)}")
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        finally:
            # No close_notify exchange: a peer slow to answer it must not turn a read
            # certificate into a timeout.
            writer.transport.abort()
        try:
            expires = not_after(der or b"")
        except (ValueError, IndexError):
            return Seen(False, f"{host}:{port}: the certificate's expiry date cannot be read")
        return _judge(f"{host}:{port}", expires, now, options.min_days)

    return run


@lru_cache(maxsize=16)
def _context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    # Cached: building a context loads the CA store, milliseconds that every check would pay.
    context = ssl.create_default_context(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _judge(host: str, expires: datetime, now: datetime, min_days: int) -> Seen:
    days = (expires - now).total_seconds() / 86400
    on = f"{expires:%Y-%m-%d %H:%M} UTC"
    value = round(days, 2)
    if days < 0:
        return Seen(False, f"the certificate of {host} expired {int(-days)} days ago ({on})", value)
    if days < min_days:
        return Seen(
            False,
            f"the certificate of {host} expires in {int(days)} days ({on}), "
            f"sooner than min_days {min_days}",
            value,
        )
    return Seen(True, f"the certificate of {host} expires in {int(days)} days ({on})", value)


def not_after(der: bytes) -> datetime:
    """The `notAfter` of an X.509 certificate in DER (RFC 5280 §4.1); ValueError if unreadable.

    Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
    signature, issuer, validity SEQUENCE { notBefore, notAfter }, … }, … }"""
    (_, certificate), *_ = _items(der)
    (_, tbs), *_ = _items(certificate)
    fields = _items(tbs)
    if fields[0][0] == 0xA0:  # explicit version tag
        fields = fields[1:]
    _, validity = fields[3]
    tag, raw = _items(validity)[1]
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ: years 50–99 are 19xx (RFC 5280 §4.1.2.5.1)
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise ValueError(f"unexpected time tag {tag:#x}")
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


def _items(content: bytes) -> list[tuple[int, bytes]]:
    """The DER elements one after the other in `content`: (tag, value bytes)."""
    found: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(content):
        tag, length = content[pos], content[pos + 1]
        pos += 2
        if length & 0x80:  # long form: the next (length & 0x7F) bytes hold the length
            count = length & 0x7F
            length = int.from_bytes(content[pos : pos + count], "big")
            pos += count
        if pos + length > len(content):
            raise ValueError("truncated DER element")
        found.append((tag, content[pos : pos + length]))
        pos += length
    if not found:
        raise ValueError("no DER element")
    return found
