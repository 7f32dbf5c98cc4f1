"""Our own ingest format (formats README §6), one alert object or an array of them.

Required: `source` (the sender), `status` (`firing` | `resolved`), `title` (one line, ≤ 1024
characters). Optional: `version` ("1"), `dedup_key` (≤ 255 characters; default: a hash of
`source` and the labels), `severity` (`critical` | `error` | `warning` | `info`, default
`warning`), `description`, `labels`, `annotations`, `started_at` / `ended_at` (RFC 3339),
`links` (`[{href, text}]`, the first is the alert's link), `details` (kept in `raw`).

The sender's `source` goes to the label `source` (unless the labels set one): `Alert.source`
is "generic". `labels.service` is the service. A firing alert starts at `started_at`, else on
arrival; a resolved one ends at `ended_at`, else on arrival.
"""

from __future__ import annotations

from datetime import datetime

from astreinte.adapters.alert_sources._payload import (
    BadAlert,
    JsonObject,
    as_object,
    collect,
    kind,
    load,
    optional_text,
    parse_time,
    refuse,
    required_text,
    string_map,
    to_utc,
)
from astreinte.domain.alert import Alert, AlertStatus, Parsed, PayloadError, label_fingerprint

SOURCE = "generic"
SEND = (
    "an alert object with 'source', 'status' and 'title' (or an array of them), "
    "as in formats/inbound/generic_alert.json"
)
VERSIONS = frozenset({"1"})
SEVERITIES = ("critical", "error", "warning", "info")
DEFAULT_SEVERITY = "warning"
TITLE_MAX = 1024
DEDUP_KEY_MAX = 255
_STATUSES = {"firing": AlertStatus.FIRING, "resolved": AlertStatus.RESOLVED}


def parse(body: bytes, *, received_at: datetime) -> Parsed:
    """One alert object (a bad one raises PayloadError) or an array (a bad element is skipped
    and named in `problems`)."""
    data = load(body, send=SEND)
    now = to_utc(received_at)
    if isinstance(data, list):
        return collect(data, lambda item: _alert(item, now=now))
    try:
        return Parsed(alerts=(_alert(as_object(data, "the body"), now=now),))
    except BadAlert as exc:
        if not isinstance(data, dict):
            raise PayloadError(f"the body is {kind(data)}; send {SEND}") from None
        refuse(exc, send=SEND)


def _alert(item: JsonObject, *, now: datetime) -> Alert:
    version = optional_text(item, "version")
    if version is not None and version not in VERSIONS:
        raise BadAlert(f"version '{version[:20]}' is not supported (use \"1\")")
    sender = required_text(item, "source")
    said = required_text(item, "status")
    if said not in _STATUSES:
        raise BadAlert(f"status '{said[:40]}' is not 'firing' or 'resolved'")
    status = _STATUSES[said]
    title = required_text(item, "title").strip()
    if "\n" in title or "\r" in title:
        raise BadAlert("title is more than one line (put the rest in 'description')")
    if len(title) > TITLE_MAX:
        raise BadAlert(f"title has {len(title)} characters; the limit is {TITLE_MAX}")
    severity = optional_text(item, "severity") or DEFAULT_SEVERITY
    if severity not in SEVERITIES:
        raise BadAlert(f"severity '{severity[:40]}' is not one of {', '.join(SEVERITIES)}")
    labels = string_map(item, "labels")
    dedup_key = optional_text(item, "dedup_key")
    if dedup_key is not None and len(dedup_key) > DEDUP_KEY_MAX:
        raise BadAlert(f"dedup_key has {len(dedup_key)} characters; the limit is {DEDUP_KEY_MAX}")
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        raise BadAlert(f"description is {kind(description)}, not a string")
    started = parse_time(item.get("started_at"), "started_at")
    ended = parse_time(item.get("ended_at"), "ended_at")
    return Alert(
        source=SOURCE,
        fingerprint=dedup_key or label_fingerprint(sender, labels),
        status=status,
        title=title,
        description=description or "",
        labels={"source": sender, **labels},
        annotations=string_map(item, "annotations"),
        service=labels.get("service") or None,
        severity=severity,
        starts_at=started or (now if status is AlertStatus.FIRING else None),
        ends_at=(ended or now) if status is AlertStatus.RESOLVED else None,
        url=_first_link(item),
        raw=item,
    )


def _first_link(item: JsonObject) -> str | None:
    links = item.get("links")
    if links is None:
        return None
    if not isinstance(links, list):
        raise BadAlert(f"links is {kind(links)}, not a list of {{href, text}}")
    for link in links:
        if isinstance(link, dict) and isinstance(href := link.get("href"), str) and href:
            return href
    return None
