"""Inbound alert sources: one pure parser per sender format, from the raw body to `Alert` values.

Every parser is `parse(body, *, received_at) -> Parsed`: `body` is the request's raw bytes
(verify its signature with `adapters.signatures` first), `received_at` the arrival time, used
where the sender gives no time. A body that cannot be read as a whole raises `PayloadError`
(one sentence: what is wrong, what to send); in a batch, a bad alert is skipped and named in
`Parsed.problems` while the others are returned. Unknown fields are accepted everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Protocol

from astreinte.adapters.alert_sources import (
    alertmanager,
    datadog,
    generic,
    grafana,
    pagerduty,
    sentry,
    uptime_kuma,
)
from astreinte.adapters.alert_sources._payload import MAX_BODY
from astreinte.domain.alert import Parsed, PayloadError


class Parser(Protocol):
    def __call__(self, body: bytes, *, received_at: datetime) -> Parsed: ...


SOURCES: Final[dict[str, Parser]] = {
    alertmanager.SOURCE: alertmanager.parse,
    grafana.SOURCE: grafana.parse,
    pagerduty.SOURCE: pagerduty.parse,
    sentry.SOURCE: sentry.parse,
    uptime_kuma.SOURCE: uptime_kuma.parse,
    datadog.SOURCE: datadog.parse,
    generic.SOURCE: generic.parse,
}


def parse(source: str, body: bytes, *, received_at: datetime) -> Parsed:
    """The alerts of `body` read as `source`'s format; raises PayloadError for an unknown
    source or an unreadable body."""
    parser = SOURCES.get(source)
    if parser is None:
        raise PayloadError(
            f"unknown alert source '{source[:40]}' (use one of: {', '.join(SOURCES)})"
        )
    return parser(body, received_at=received_at)


__all__ = ["MAX_BODY", "SOURCES", "Parser", "parse"]
