"""Webhook signatures: verifying what senders sign, signing what we send (formats README §3, §4,
§O3). Always over the raw body bytes as received or sent, never over re-serialized JSON; every
comparison is constant-time (`hmac.compare_digest`). Header names are matched case-insensitively.

Schemes `verify` knows (HMAC-SHA256 everywhere):

- `grafana`: `X-Grafana-Alerting-Signature` (the docs' name) or `X-Grafana-Alert-Signature`
  (the name Grafana's code falls back to when the setting is left empty), or the name passed as
  `signature_header`: lowercase hex of HMAC(secret, body), no prefix. When the timestamp header
  is present (`X-Grafana-Alerting-Signature-Timestamp`, the docs' example, or the name passed as
  `timestamp_header`, then required), the signed content is `<timestamp>:<body>` and the
  timestamp must be within `tolerance` of `now`.
- `sentry`: `Sentry-Hook-Signature`, hex of HMAC(client secret, body). `Sentry-Hook-Timestamp`
  is not signed, so it is not checked.
- `github`: `X-Hub-Signature-256`, `sha256=` + hex of HMAC(key, body). No replay protection.
- `standard-webhooks`: `webhook-id`, `webhook-timestamp` (unix seconds, within `tolerance` of
  `now`, either way) and `webhook-signature` (space-separated `v1,<base64>` entries, any one
  matching passes) over `<id>.<timestamp>.<body>`. Prefer it to `github` for our generic
  endpoint: a replayed request fails once its timestamp is stale.

Keys: a `whsec_<base64>` secret (ours, Standard Webhooks) is base64-decoded; for `github` any
other secret is used as UTF-8 (GitHub's own secrets), as for `grafana` and `sentry`.
`sign_generic` produces the headers of our outbound webhook (§O3): `Content-Type`, `webhook-id`,
`webhook-timestamp`, `webhook-signature` and `X-Hub-Signature-256` (plus `User-Agent` if given),
both signatures with the same key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

from astreinte.errors import InputError

TOLERANCE: Final = timedelta(minutes=5)  # Standard Webhooks and §O3: reject older than ~5 min

GRAFANA_SIGNATURE_HEADERS: Final = ("X-Grafana-Alerting-Signature", "X-Grafana-Alert-Signature")
GRAFANA_TIMESTAMP_HEADER: Final = "X-Grafana-Alerting-Signature-Timestamp"
SENTRY_HEADER: Final = "Sentry-Hook-Signature"
GITHUB_HEADER: Final = "X-Hub-Signature-256"
WEBHOOK_ID: Final = "webhook-id"
WEBHOOK_TIMESTAMP: Final = "webhook-timestamp"
WEBHOOK_SIGNATURE: Final = "webhook-signature"

SCHEMES: Final = ("grafana", "sentry", "github", "standard-webhooks")
_WHSEC = "whsec_"


def verify(
    scheme: str,
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    now: datetime | None = None,
    tolerance: timedelta = TOLERANCE,
    signature_header: str | None = None,
    timestamp_header: str | None = None,
) -> bool:
    """Whether `headers` carry a valid `scheme` signature of `body` under `secret`.

    False when the signature header is missing, malformed or wrong, or its timestamp is
    outside `tolerance` of `now` (default: the current time; a naive `now` is UTC).
    `signature_header` and `timestamp_header` override the header names of `grafana`, where
    they are configurable.
    Raises InputError for an unknown scheme or a `whsec_` secret that is not base64.
    """
    found = {name.lower(): value for name, value in headers.items()}
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # a naive `now` is taken as UTC, not local time
    if scheme == "grafana":
        return _verify_grafana(
            body,
            found,
            secret,
            now=moment,
            tolerance=tolerance,
            names=signature_header,
            timestamp_name=timestamp_header,
        )
    if scheme == "sentry":
        given = found.get(SENTRY_HEADER.lower())
        return given is not None and _same(_hex(secret.encode("utf-8"), body), given.lower())
    if scheme == "github":
        given = found.get(GITHUB_HEADER.lower())
        return given is not None and _same(_github(_key(secret), body), given.lower())
    if scheme == "standard-webhooks":
        return _verify_standard(body, found, secret, now=moment, tolerance=tolerance)
    raise InputError(f"unknown signature scheme '{scheme}' (use one of: {', '.join(SCHEMES)})")


def sign_generic(
    body: bytes,
    secret: str,
    *,
    event_id: str,
    timestamp: int,
    user_agent: str | None = None,
) -> dict[str, str]:
    """The headers of one delivery of our outbound webhook (§O3). Keep `event_id` and `body`
    unchanged across retries; `timestamp` is the unix time of this attempt. Raises InputError
    when `secret` is not `whsec_<base64>`."""
    key = _standard_key(secret)
    headers = {"Content-Type": "application/json"}
    if user_agent:
        headers["User-Agent"] = user_agent
    headers |= {
        WEBHOOK_ID: event_id,
        WEBHOOK_TIMESTAMP: str(timestamp),
        WEBHOOK_SIGNATURE: _standard(key, event_id, str(timestamp), body),
        GITHUB_HEADER: _github(key, body),
    }
    return headers


def _verify_grafana(
    body: bytes,
    found: Mapping[str, str],
    secret: str,
    *,
    now: datetime,
    tolerance: timedelta,
    names: str | None,
    timestamp_name: str | None,
) -> bool:
    candidates = (names,) if names else GRAFANA_SIGNATURE_HEADERS
    given = next((found[n.lower()] for n in candidates if n.lower() in found), None)
    if given is None:
        return False
    stamp = found.get((timestamp_name or GRAFANA_TIMESTAMP_HEADER).lower())
    if stamp is None and timestamp_name:
        return False  # configured with a timestamp: a request without one is not the sender's
    content = body
    if stamp is not None:
        if not _fresh(stamp, now=now, tolerance=tolerance):
            return False
        content = stamp.encode("ascii", "replace") + b":" + body
    return _same(_hex(secret.encode("utf-8"), content), given.strip().lower())


def _verify_standard(
    body: bytes, found: Mapping[str, str], secret: str, *, now: datetime, tolerance: timedelta
) -> bool:
    key = _standard_key(secret)
    event_id = found.get(WEBHOOK_ID)
    stamp = found.get(WEBHOOK_TIMESTAMP)
    given = found.get(WEBHOOK_SIGNATURE)
    if not event_id or stamp is None or not given:
        return False
    if not _fresh(stamp, now=now, tolerance=tolerance):
        return False
    expected = _standard(key, event_id, stamp.strip(), body)
    # Several signatures during key rotation; compare each (and all of them: no early exit
    # that would tell which position matched).
    matches = [_same(expected, candidate) for candidate in given.split()]
    return any(matches)


def _fresh(stamp: str, *, now: datetime, tolerance: timedelta) -> bool:
    text = stamp.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return False
    return abs(now.timestamp() - int(text)) <= tolerance.total_seconds()


def _hex(key: bytes, content: bytes) -> str:
    return hmac.new(key, content, hashlib.sha256).hexdigest()


def _github(key: bytes, body: bytes) -> str:
    return "sha256=" + _hex(key, body)


def _standard(key: bytes, event_id: str, timestamp: str, body: bytes) -> str:
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _key(secret: str) -> bytes:
    return _standard_key(secret) if secret.startswith(_WHSEC) else secret.encode("utf-8")


def _standard_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: base64 after an optional `whsec_`."""
    try:
        return base64.b64decode(secret.removeprefix(_WHSEC), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(
            "the webhook secret is not a Standard Webhooks secret (whsec_ followed by base64)"
        ) from None


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.strip().encode("utf-8"))
