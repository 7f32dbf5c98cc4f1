"""Signature verification and signing against ../shared/formats/signatures.json (read at run
time)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from astreinte.adapters.signatures import sign_generic, verify
from astreinte.errors import InputError
from tests.conftest import SHARED

VECTORS: dict[str, Any] = json.loads((SHARED / "formats" / "signatures.json").read_bytes())


@dataclass(frozen=True)
class Case:
    scheme: str
    body: bytes
    headers: dict[str, str]
    secret: str
    now: datetime | None = None

    def check(self) -> bool:
        return verify(self.scheme, self.body, self.headers, self.secret, now=self.now)


def _at(stamp: str) -> datetime:
    return datetime.fromtimestamp(int(stamp), tz=UTC)


def _case(name: str) -> Case:
    v = VECTORS[name]
    body = v["body"].encode("utf-8")
    headers = dict(v.get("headers", {}))
    if name == "standard_webhooks_v1":
        headers["webhook-signature"] = v["expected_webhook_signature"]
        return Case(
            "standard-webhooks", body, headers, v["secret"], _at(headers["webhook-timestamp"])
        )
    if name == "outbound_generic_webhook":
        return Case(
            "standard-webhooks", body, headers, v["secret"], _at(headers["webhook-timestamp"])
        )
    headers[v["header"]] = v["expected"]
    scheme = name.split("_")[0]
    stamp = headers.get("X-Grafana-Alerting-Signature-Timestamp")
    return Case(scheme, body, headers, v["secret"], _at(stamp) if stamp else None)


CASES = {
    "github_x_hub_signature_256": _case("github_x_hub_signature_256"),
    "standard_webhooks_v1": _case("standard_webhooks_v1"),
    "sentry_hook_signature": _case("sentry_hook_signature"),
    "grafana_hmac_body_only": _case("grafana_hmac_body_only"),
    "grafana_hmac_with_timestamp": _case("grafana_hmac_with_timestamp"),
    "outbound_generic_webhook": _case("outbound_generic_webhook"),
    "outbound_generic_webhook_github": replace(_case("outbound_generic_webhook"), scheme="github"),
}


def test_every_vector_is_covered() -> None:
    assert {k for k in VECTORS if not k.startswith("_")} <= set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector_verifies(name: str) -> None:
    assert CASES[name].check()


@pytest.mark.parametrize("name", sorted(CASES))
def test_header_names_are_case_insensitive(name: str) -> None:
    case = CASES[name]
    for rename in (str.lower, str.upper):
        assert replace(case, headers={rename(k): v for k, v in case.headers.items()}).check()


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_flipped_byte_fails(name: str) -> None:
    case = CASES[name]
    for index in (0, len(case.body) // 2, len(case.body) - 1):
        body = bytearray(case.body)
        body[index] ^= 0x01
        assert not replace(case, body=bytes(body)).check()


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_secret_fails(name: str) -> None:
    case = CASES[name]
    # Keep a whsec_ secret well-formed base64 so the wrong key, not the format, is what fails.
    wrong = "whsec_" + "QUJD" * 8 if case.secret.startswith("whsec_") else case.secret + "x"
    assert not replace(case, secret=wrong).check()


@pytest.mark.parametrize("name", sorted(CASES))
def test_missing_signature_fails(name: str) -> None:
    case = CASES[name]
    signature_headers = {
        "x-hub-signature-256",
        "webhook-signature",
        "sentry-hook-signature",
        "x-grafana-alerting-signature",
    }
    kept = {k: v for k, v in case.headers.items() if k.lower() not in signature_headers}
    assert not replace(case, headers=kept).check()


@pytest.mark.parametrize("name", ["standard_webhooks_v1", "outbound_generic_webhook"])
@pytest.mark.parametrize("shift", [timedelta(minutes=6), -timedelta(minutes=6)])
def test_standard_webhooks_stale_or_future_timestamp_fails(name: str, shift: timedelta) -> None:
    case = CASES[name]
    assert case.now is not None
    assert replace(case, now=case.now + shift / 2).check()
    assert not replace(case, now=case.now + shift).check()


def test_standard_webhooks_accepts_any_of_several_signatures() -> None:
    case = CASES["standard_webhooks_v1"]
    rotated = f"v1,{'A' * 43}= {case.headers['webhook-signature']}"
    assert replace(case, headers=case.headers | {"webhook-signature": rotated}).check()


def test_standard_webhooks_tampered_id_fails() -> None:
    case = CASES["standard_webhooks_v1"]
    assert not replace(case, headers=case.headers | {"webhook-id": "msg_other"}).check()


def test_grafana_accepts_the_fallback_header_name() -> None:
    case = CASES["grafana_hmac_body_only"]
    signature = case.headers["X-Grafana-Alerting-Signature"]
    assert replace(case, headers={"X-Grafana-Alert-Signature": signature}).check()


def test_grafana_configured_header_names() -> None:
    case = CASES["grafana_hmac_with_timestamp"]
    headers = {
        "X-Signature": case.headers["X-Grafana-Alerting-Signature"],
        "X-Stamp": case.headers["X-Grafana-Alerting-Signature-Timestamp"],
    }
    assert verify(
        "grafana",
        case.body,
        headers,
        case.secret,
        now=case.now,
        signature_header="X-Signature",
        timestamp_header="X-Stamp",
    )
    # Configured with a timestamp: a request without it is refused.
    assert not verify(
        "grafana",
        case.body,
        {"X-Signature": headers["X-Signature"]},
        case.secret,
        now=case.now,
        signature_header="X-Signature",
        timestamp_header="X-Stamp",
    )


def test_grafana_stale_timestamp_fails() -> None:
    case = CASES["grafana_hmac_with_timestamp"]
    assert case.now is not None
    assert not replace(case, now=case.now + timedelta(minutes=6)).check()


def test_grafana_timestamp_is_signed() -> None:
    case = CASES["grafana_hmac_with_timestamp"]
    stamp = str(int(case.headers["X-Grafana-Alerting-Signature-Timestamp"]) + 1)
    headers = case.headers | {"X-Grafana-Alerting-Signature-Timestamp": stamp}
    assert not replace(case, headers=headers).check()


def test_sign_generic_reproduces_the_vector() -> None:
    v = VECTORS["outbound_generic_webhook"]
    headers = sign_generic(
        v["body"].encode("utf-8"),
        v["secret"],
        event_id=v["headers"]["webhook-id"],
        timestamp=int(v["headers"]["webhook-timestamp"]),
    )
    assert headers == v["headers"]


def test_sign_generic_adds_the_user_agent() -> None:
    v = VECTORS["outbound_generic_webhook"]
    headers = sign_generic(
        b"{}", v["secret"], event_id="evt_1", timestamp=1, user_agent="astreinte/1"
    )
    assert headers["User-Agent"] == "astreinte/1"


def test_signed_delivery_verifies_both_ways() -> None:
    secret, body, now = VECTORS["outbound_generic_webhook"]["secret"], b'{"id":"evt_2"}', 1795342999
    headers = sign_generic(body, secret, event_id="evt_2", timestamp=now)
    for scheme in ("standard-webhooks", "github"):
        assert verify(scheme, body, headers, secret, now=datetime.fromtimestamp(now, tz=UTC))


def test_unknown_scheme() -> None:
    with pytest.raises(InputError, match="unknown signature scheme 'hmac'"):
        verify("hmac", b"", {}, "s")


def test_malformed_standard_secret() -> None:
    with pytest.raises(InputError, match="whsec_ followed by base64"):
        sign_generic(b"{}", "whsec_not base64!", event_id="e", timestamp=1)
