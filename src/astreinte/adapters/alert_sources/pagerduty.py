"""PagerDuty Events API v2 (formats README §8): one event per request, as many tools emit it.

`event_action` trigger / acknowledge / resolve → FIRING / ACKNOWLEDGED / RESOLVED, keyed by
`dedup_key`. A trigger without `dedup_key` (PagerDuty would invent one) is keyed by a hash of
its payload's source, component, group, class and summary, so a repeated trigger updates the
same alert. `payload.source`, `component`, `group` and `class` become labels; `component`
(else `group`) is the service; the scalar `custom_details` become annotations (a string
`custom_details` is the description). `routing_key` is PagerDuty's integration key, a
credential: it is left out of `raw`.
"""

from __future__ import annotations

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

SOURCE = "pagerduty"
SEND = "a PagerDuty Events API v2 event (an object with 'event_action' and 'payload')"

_ACTIONS = {
    "trigger": AlertStatus.FIRING,
    "acknowledge": AlertStatus.ACKNOWLEDGED,
    "resolve": AlertStatus.RESOLVED,
}
_LABEL_KEYS = ("source", "component", "group", "class")
DEDUP_KEY_MAX = 255  # PagerDuty's limit


def parse(body: bytes, *, received_at: datetime) -> Parsed:
    """The one alert of the event; raises PayloadError when it cannot be read."""
    data = load_object(body, send=SEND)
    try:
        return Parsed(alerts=(_event(data, now=to_utc(received_at)),))
    except BadAlert as exc:
        refuse(exc, send=SEND)


def _event(data: JsonObject, *, now: datetime) -> Alert:
    action = required_text(data, "event_action")
    if action not in _ACTIONS:
        raise BadAlert(f"event_action '{action[:40]}' is not trigger, acknowledge or resolve")
    status = _ACTIONS[action]
    payload = optional_object(data, "payload")
    dedup_key = optional_text(data, "dedup_key")
    if dedup_key is not None and len(dedup_key) > DEDUP_KEY_MAX:
        raise BadAlert(f"dedup_key has {len(dedup_key)} characters; the limit is {DEDUP_KEY_MAX}")
    labels = {k: v for k in _LABEL_KEYS if (v := optional_text(payload, k, where="payload."))}
    if status is AlertStatus.FIRING:
        summary = required_text(payload, "summary", where="payload.")
    elif dedup_key is None:
        raise BadAlert(f"dedup_key is missing (an '{action}' names the alert it {action}s)")
    else:
        summary = optional_text(payload, "summary", where="payload.") or dedup_key
    if dedup_key is None:
        dedup_key = label_fingerprint(SOURCE, {**labels, "summary": summary})
    details = payload.get("custom_details")
    annotations: dict[str, str] = {}
    if isinstance(details, dict):
        annotations = {
            k: str(v) for k, v in details.items() if isinstance(v, str | int | float) and v != ""
        }
    timestamp = parse_time(payload.get("timestamp"), "payload.timestamp")
    return Alert(
        source=SOURCE,
        fingerprint=dedup_key,
        status=status,
        title=first_line(summary) or dedup_key,
        description=details if isinstance(details, str) else "",
        labels=labels,
        annotations=annotations,
        service=labels.get("component") or labels.get("group"),
        severity=optional_text(payload, "severity", where="payload."),
        starts_at=(timestamp or now) if status is AlertStatus.FIRING else None,
        ends_at=(timestamp or now) if status is AlertStatus.RESOLVED else None,
        url=optional_text(data, "client_url") or _first_link(data),
        raw={k: v for k, v in data.items() if k != "routing_key"},
    )


def _first_link(data: JsonObject) -> str | None:
    links = data.get("links")
    if isinstance(links, list):
        for link in links:
            if isinstance(link, dict) and isinstance(href := link.get("href"), str) and href:
                return href
    return None
