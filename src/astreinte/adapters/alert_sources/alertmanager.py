"""Prometheus Alertmanager: the webhook notification (`version: "4"`) and the API v2 alert array.

The two are told apart by their shape, which cannot overlap: the webhook body is a JSON object
with an `alerts` list, `POST /api/v2/alerts` (what Prometheus itself sends) is a JSON array.

Webhook (formats README §1): each element of `alerts` is its own `Alert`; `fingerprint` is
Alertmanager's, `groupKey` becomes `group_key`, a firing alert's end (Go's zero time) is None.
API v2 (§2): the status comes from `endsAt` compared with `received_at` (an `endsAt` in the past
means resolved), and the fingerprint is computed as Alertmanager computes it, so an alert
posted by Prometheus directly and the same alert relayed by an Alertmanager dedup together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from astreinte.adapters.alert_sources._payload import (
    BadAlert,
    JsonObject,
    collect,
    first_line,
    kind,
    load,
    optional_text,
    parse_time,
    string_map,
    to_utc,
)
from astreinte.domain.alert import Alert, AlertStatus, Parsed, PayloadError

SOURCE = "alertmanager"
SEND = "Alertmanager's webhook JSON (an object with an 'alerts' list) or an API v2 array of alerts"

# Labels that name the affected service, most specific first (`job` is Prometheus' scrape job,
# which is often the service name).
SERVICE_LABELS = ("service", "app", "job")

_STATUSES = {"firing": AlertStatus.FIRING, "resolved": AlertStatus.RESOLVED}

# FNV-1a 64-bit, as prometheus/common `LabelSet.Fingerprint` (formats README §9).
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_SEPARATOR = 0xFF


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of a label set: FNV-1a 64 over the labels sorted by name,
    each name and value followed by byte 0xff, as 16 hex digits."""
    value = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in (*part.encode("utf-8"), _SEPARATOR):
                value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def parse(body: bytes, *, received_at: datetime) -> Parsed:
    """The alerts of a webhook notification or an API v2 array; an alert without labels or
    with an unreadable status or time is skipped and named in `problems`."""
    data = load(body, send=SEND)
    now = to_utc(received_at)
    if isinstance(data, list):
        return collect(data, lambda item: _postable(item, now=now))
    if isinstance(data, dict):
        return read_webhook(
            data,
            source=SOURCE,
            send=SEND,
            now=now,
            fingerprint_of=fingerprint,
            url_keys=("generatorURL",),
        )
    raise PayloadError(f"the body is {kind(data)}; send {SEND}")


def read_webhook(
    data: JsonObject,
    *,
    source: str,
    send: str,
    now: datetime,
    fingerprint_of: Callable[[Mapping[str, str]], str],
    url_keys: tuple[str, ...],
) -> Parsed:
    """The alerts of an Alertmanager-style envelope (Alertmanager's and Grafana's webhook).

    `fingerprint_of` computes the key when an alert carries no `fingerprint`; `url_keys` are the
    alert's link fields, the first non-empty one wins. A `truncatedAlerts` count above 0 is
    reported in `problems`: those alerts were dropped by the sender (`max_alerts`).
    """
    items = data.get("alerts")
    if not isinstance(items, list):
        what = "no 'alerts' list" if items is None else f"'alerts' as {kind(items)}"
        raise PayloadError(f"the JSON object has {what}; send {send}")
    group_key = data.get("groupKey")

    def read(item: JsonObject) -> Alert:
        return _webhook_alert(
            item,
            source=source,
            now=now,
            group_key=group_key if isinstance(group_key, str) and group_key else None,
            fingerprint_of=fingerprint_of,
            url_keys=url_keys,
        )

    parsed = collect(items, read)
    truncated = data.get("truncatedAlerts")
    if isinstance(truncated, int) and not isinstance(truncated, bool) and truncated > 0:
        note = (
            f"the sender left out {truncated} more alert(s) of this group (its max_alerts "
            "setting); raise max_alerts on the receiver to get them"
        )
        return Parsed(alerts=parsed.alerts, problems=(*parsed.problems, note))
    return parsed


def _webhook_alert(
    item: JsonObject,
    *,
    source: str,
    now: datetime,
    group_key: str | None,
    fingerprint_of: Callable[[Mapping[str, str]], str],
    url_keys: tuple[str, ...],
) -> Alert:
    labels = string_map(item, "labels")
    if not labels:
        raise BadAlert("labels is missing or empty (an alert needs at least 'alertname')")
    annotations = string_map(item, "annotations")
    said = optional_text(item, "status")
    if said is None:
        raise BadAlert("status is missing (use 'firing' or 'resolved')")
    if said not in _STATUSES:
        raise BadAlert(f"status '{said[:40]}' is not 'firing' or 'resolved'")
    status = _STATUSES[said]
    starts_at = parse_time(item.get("startsAt"), "startsAt")
    ends_at = None
    if status is AlertStatus.RESOLVED:
        ends_at = parse_time(item.get("endsAt"), "endsAt") or now
    url = next((u for key in url_keys if (u := optional_text(item, key))), None)
    return Alert(
        source=source,
        fingerprint=optional_text(item, "fingerprint") or fingerprint_of(labels),
        status=status,
        title=title_of(labels, annotations),
        description=annotations.get("description", ""),
        labels=labels,
        annotations=annotations,
        service=service_of(labels),
        severity=labels.get("severity") or None,
        starts_at=starts_at,
        ends_at=ends_at,
        url=url,
        group_key=group_key,
        raw=item,
    )


def _postable(item: JsonObject, *, now: datetime) -> Alert:
    # Alertmanager drops empty-valued labels before validating (api/v2 postAlertsHandler).
    labels = {name: value for name, value in string_map(item, "labels").items() if value}
    if not labels:
        raise BadAlert("labels is missing or empty (an alert needs at least 'alertname')")
    annotations = string_map(item, "annotations")
    starts_at = parse_time(item.get("startsAt"), "startsAt")
    ends_at = parse_time(item.get("endsAt"), "endsAt")
    if starts_at and ends_at and ends_at < starts_at:
        raise BadAlert("endsAt is before startsAt")
    # Alertmanager's defaults: no start → the end if given, else now; no end → firing until
    # resolve_timeout; an end in the past → resolved.
    resolved = ends_at is not None and ends_at <= now
    return Alert(
        source=SOURCE,
        fingerprint=fingerprint(labels),
        status=AlertStatus.RESOLVED if resolved else AlertStatus.FIRING,
        title=title_of(labels, annotations),
        description=annotations.get("description", ""),
        labels=labels,
        annotations=annotations,
        service=service_of(labels),
        severity=labels.get("severity") or None,
        starts_at=starts_at or ends_at or now,
        ends_at=ends_at if resolved else None,
        url=optional_text(item, "generatorURL"),
        raw=item,
    )


def title_of(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str:
    """The summary annotation, else the alert name, else the label set written out."""
    return (
        first_line(annotations.get("summary", ""))
        or labels.get("alertname", "").strip()
        or ", ".join(f"{name}={value}" for name, value in sorted(labels.items()))
    )


def service_of(labels: Mapping[str, str]) -> str | None:
    return next((labels[name] for name in SERVICE_LABELS if labels.get(name)), None)
