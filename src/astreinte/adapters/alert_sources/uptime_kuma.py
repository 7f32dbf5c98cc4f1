"""Uptime Kuma webhook notification, `application/json` body type (formats README §5):
`{heartbeat, monitor, msg}`.

Keyed by the monitor id (`monitor.id`, else `heartbeat.monitorID`): a DOWN beat (status 0)
fires it, an UP beat (1) resolves it. PENDING (2) and MAINTENANCE (3) only notify on a
monitor's first beat and say nothing about an outage: zero alerts and one sentence in
`problems`, as for notifications without a heartbeat (the UI's "Test" button, certificate
expiry). `heartbeat.time` is UTC without a zone. The title is Uptime Kuma's own one-line
`msg`; the monitor's tags become labels (with `monitor` and `monitor_type`); the service is
the `service` tag, else the monitor name. The `form-data` and `custom` body types are not read.
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
    to_utc,
)
from astreinte.domain.alert import Alert, AlertStatus, Parsed

SOURCE = "uptime-kuma"
SEND = "Uptime Kuma's webhook JSON ({heartbeat, monitor, msg}; body type application/json)"

DOWN, UP, PENDING, MAINTENANCE = 0, 1, 2, 3  # uptime-kuma src/util.ts
_QUIET = {PENDING: "pending", MAINTENANCE: "maintenance"}


def parse(body: bytes, *, received_at: datetime) -> Parsed:
    """The one alert of a DOWN or UP notification; zero alerts and a problem for the others."""
    data = load_object(body, send=SEND)
    msg = first_line(optional_text(data, "msg") or "")
    if data.get("heartbeat") is None:
        return Parsed(
            alerts=(),
            problems=(
                f"this Uptime Kuma notification has no heartbeat (a test or a certificate "
                f"notice: '{msg[:120]}'); no alert was made",
            ),
        )
    try:
        heartbeat = optional_object(data, "heartbeat")
        status = heartbeat.get("status")
        if isinstance(status, int) and not isinstance(status, bool) and status in _QUIET:
            return Parsed(
                alerts=(),
                problems=(
                    f"this Uptime Kuma heartbeat is {_QUIET[status]} (status {status}); "
                    "only DOWN (0) and UP (1) make alerts",
                ),
            )
        return Parsed(alerts=(_alert(data, heartbeat, msg, now=to_utc(received_at)),))
    except BadAlert as exc:
        refuse(exc, send=SEND)


def _alert(data: JsonObject, heartbeat: JsonObject, msg: str, *, now: datetime) -> Alert:
    status = heartbeat.get("status")
    if status not in (DOWN, UP) or isinstance(status, bool):
        raise BadAlert(f"heartbeat.status is {status!r}, not 0 (down), 1 (up), 2 or 3")
    monitor = optional_object(data, "monitor")
    key = optional_text(monitor, "id", where="monitor.") or optional_text(
        heartbeat, "monitorID", where="heartbeat."
    )
    if key is None:
        raise BadAlert("monitor.id and heartbeat.monitorID are both missing")
    name = optional_text(monitor, "name", where="monitor.") or f"monitor {key}"
    labels = _tags(monitor)
    labels.setdefault("monitor", name)
    if monitor_type := optional_text(monitor, "type", where="monitor."):
        labels.setdefault("monitor_type", monitor_type)
    beat_time = parse_time(heartbeat.get("time"), "heartbeat.time") or now
    probe = optional_text(heartbeat, "msg", where="heartbeat.") or ""
    url = optional_text(monitor, "url", where="monitor.")
    down = status == DOWN
    return Alert(
        source=SOURCE,
        fingerprint=key,
        status=AlertStatus.FIRING if down else AlertStatus.RESOLVED,
        title=msg or f"{name} is {'down' if down else 'up'}",
        description="" if probe == "N/A" else probe,
        labels=labels,
        service=labels.get("service") or name,
        starts_at=beat_time
        if down
        else parse_time(heartbeat.get("lastDownTime"), "heartbeat.lastDownTime"),
        ends_at=None if down else beat_time,
        url=url if url and url.startswith(("http://", "https://")) else None,
        raw=data,
    )


def _tags(monitor: JsonObject) -> dict[str, str]:
    """The monitor's tags `[{name, value}, …]` as labels (a tag without a value maps to "")."""
    labels: dict[str, str] = {}
    tags = monitor.get("tags")
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict) and isinstance(name := tag.get("name"), str) and name:
                value = tag.get("value")
                labels[name] = str(value) if isinstance(value, str | int | float) else ""
    return labels
