"""Datadog webhook, default payload (formats README §7): `{body, last_updated, event_type,
title, date, org{id, name}, id}`, every value a string.

The title's bracket prefix is the only status signal: `[Recovered…]` resolves, `[Triggered…]`,
`[Warn…]`, `[No Data…]`, `[Re-…]` and `[Renotify…]` fire; a `[P1]`…`[P5]` prefix is the
severity. `on {host:web-3,env:prod}` in the prefix is the monitor's scope: its tags become
labels (`service` is the service). `id` is the event's, different on every notification, so the
alert is keyed by a hash of the monitor id (read from the monitor link in `body`), the title
without prefix and the scope: a recovery then matches its trigger. The description is `body`
without Datadog's `%%%` markers; the link is the first link in `body`. Custom payloads
(`$ALERT_ID`, `$ALERT_CYCLE_KEY`…) have no fixed field names: send them in the generic format.
"""

from __future__ import annotations

import re
from datetime import datetime

from astreinte.adapters.alert_sources._payload import (
    BadAlert,
    JsonObject,
    first_line,
    load_object,
    optional_object,
    optional_text,
    parse_time,
    refuse,
    required_text,
    to_utc,
)
from astreinte.domain.alert import Alert, AlertStatus, Parsed, label_fingerprint

SOURCE = "datadog"
SEND = "Datadog's default webhook payload (an object with 'title', 'body' and 'date')"

_PREFIX = re.compile(r"\s*\[([^\]]*)\]")
_PRIORITY = re.compile(r"P[1-5]")
_SCOPE = re.compile(r"\bon \{([^}]*)\}")
_MONITOR = re.compile(r"/monitors/(\d+)")
_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")


def parse(body: bytes, *, received_at: datetime) -> Parsed:
    """The one alert of a monitor notification; raises PayloadError without a title."""
    data = load_object(body, send=SEND)
    try:
        return Parsed(alerts=(_alert(data, now=to_utc(received_at)),))
    except BadAlert as exc:
        refuse(exc, send=SEND)


def _alert(data: JsonObject, *, now: datetime) -> Alert:
    title = first_line(required_text(data, "title"))
    status = AlertStatus.FIRING
    severity: str | None = None
    labels: dict[str, str] = {}
    # Strip "[P1] [Triggered on {host:web-3}]"-style prefixes, reading them as we go.
    while match := _PREFIX.match(title):
        word = match.group(1).strip()
        if _PRIORITY.fullmatch(word):
            severity = word
        else:
            if word.lower().startswith("recovered"):
                status = AlertStatus.RESOLVED
            if scope := _SCOPE.search(word):
                labels |= _scope_labels(scope.group(1))
        title = title[match.end() :].strip()
    text = optional_text(data, "body") or ""
    description = text.strip().removeprefix("%%%").removesuffix("%%%").strip()
    monitor = _MONITOR.search(text)
    if monitor:
        labels["monitor_id"] = monitor.group(1)
    if event_type := optional_text(data, "event_type"):
        labels["event_type"] = event_type
    if org := optional_text(optional_object(data, "org"), "name", where="org."):
        labels["org"] = org
    identity = {
        "monitor": monitor.group(1) if monitor else "",
        "title": title,
        "scope": ",".join(f"{k}:{v}" for k, v in sorted(labels.items()) if k not in _OWN),
    }
    date = parse_time(data.get("date"), "date") or now
    link = _LINK.search(text)
    return Alert(
        source=SOURCE,
        fingerprint=label_fingerprint(SOURCE, identity),
        status=status,
        title=title or required_text(data, "title"),
        description=description,
        labels=labels,
        service=labels.get("service"),
        severity=severity,
        starts_at=date if status is AlertStatus.FIRING else None,
        ends_at=date if status is AlertStatus.RESOLVED else None,
        url=link.group(1) if link else None,
        raw=data,
    )


_OWN = frozenset({"monitor_id", "event_type", "org"})  # labels we add, not the scope's


def _scope_labels(scope: str) -> dict[str, str]:
    """`host:web-3,env:prod` as {host: web-3, env: prod}; a bare tag maps to ""."""
    labels: dict[str, str] = {}
    for tag in scope.split(","):
        name, _, value = tag.strip().partition(":")
        if name:
            labels[name] = value
    return labels
