"""Sentry integration-platform webhooks (formats README §4), told apart by what `data` holds
(the `Sentry-Hook-Resource` header says the same; the body is enough):

- `data.event` (`event_alert`, an issue alert rule fired): FIRING, keyed by the event's
  `issue_id`; the event's tags and the rule action's `settings` (`[{name, value}]`, settings
  winning) become labels, so a rule can carry `severity` or `service`; else the severity is
  the event's `level`.
- `data.issue` (`issue`): keyed by the issue `id`, so it updates the alert an event alert
  opened. `resolved`, `archived` and `ignored` resolve it, `assigned` (to someone)
  acknowledges it, `created` and `unresolved` fire it; another action follows the issue's
  `status`. The service is the project slug.
- `data.metric_alert` (`metric_alert`): `critical`/`warning` fire, `resolved` resolves;
  keyed by `metric_alert:<id>` (Sentry incident ids are not issue ids).

Other resources (`installation`, `comment`, `error`, …) carry no alert: zero alerts and one
sentence in `problems`. Sentry's bodies are one alert each; `raw` is the whole body.
"""

from __future__ import annotations

from datetime import datetime

from astreinte.adapters.alert_sources._payload import (
    BadAlert,
    JsonObject,
    first_line,
    kind,
    load,
    optional_object,
    optional_text,
    parse_time,
    refuse,
    required_text,
    to_utc,
)
from astreinte.domain.alert import Alert, AlertStatus, Parsed, PayloadError
from astreinte.domain.incident.timeline import JsonValue

SOURCE = "sentry"
SEND = "a Sentry integration webhook (an object with 'action' and 'data')"

_ISSUE_ACTIONS = {
    "created": AlertStatus.FIRING,
    "unresolved": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
    # Archived (older name: ignored): the team chose not to act, so the page stops too.
    "archived": AlertStatus.RESOLVED,
    "ignored": AlertStatus.RESOLVED,
}
_ISSUE_STATUSES = {"resolved": AlertStatus.RESOLVED, "ignored": AlertStatus.RESOLVED}
_METRIC_ACTIONS = {
    "critical": AlertStatus.FIRING,
    "warning": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
}


def parse(body: bytes, *, received_at: datetime) -> Parsed:
    """The one alert of an event alert, issue or metric alert webhook; zero alerts and a
    problem for a resource that carries none."""
    data = load(body, send=SEND)
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        what = f"the body is {kind(data)}" if not isinstance(data, dict) else "'data' is missing"
        raise PayloadError(f"{what}; send {SEND}")
    now = to_utc(received_at)
    inner = optional_object(data, "data")
    try:
        if "event" in inner:
            return Parsed(alerts=(_event_alert(data, inner),))
        if "issue" in inner:
            return Parsed(alerts=(_issue(data, inner, now=now),))
        if "metric_alert" in inner:
            return Parsed(alerts=(_metric_alert(data, inner, now=now),))
    except BadAlert as exc:
        refuse(exc, send=SEND)
    keys = ", ".join(sorted(inner)) or "nothing"
    return Parsed(
        alerts=(),
        problems=(
            f"this Sentry webhook carries no alert (its data holds {keys[:80]}); only issue "
            "alerts, issues and metric alerts make alerts",
        ),
    )


def _event_alert(data: JsonObject, inner: JsonObject) -> Alert:
    event = optional_object(inner, "event")
    issue_id = required_text(event, "issue_id", where="data.event.")
    labels = _pairs(event.get("tags"))
    rule = optional_object(inner, "issue_alert")
    labels |= _settings(rule.get("settings"))
    title = optional_text(event, "title", where="data.event.") or f"Sentry issue {issue_id}"
    return Alert(
        source=SOURCE,
        fingerprint=issue_id,
        status=AlertStatus.FIRING,
        title=first_line(title),
        description=optional_text(event, "culprit", where="data.event.") or "",
        labels=labels,
        annotations=_rule_annotation(inner),
        service=labels.get("service"),
        severity=labels.get("severity") or optional_text(event, "level", where="data.event."),
        starts_at=parse_time(event.get("datetime"), "data.event.datetime")
        or parse_time(event.get("timestamp"), "data.event.timestamp"),
        url=optional_text(event, "web_url") or optional_text(event, "issue_url"),
        raw=data,
    )


def _issue(data: JsonObject, inner: JsonObject, *, now: datetime) -> Alert:
    issue = optional_object(inner, "issue")
    issue_id = required_text(issue, "id", where="data.issue.")
    action = optional_text(data, "action") or ""
    if action == "assigned":
        taken = issue.get("assignedTo") is not None
        status = AlertStatus.ACKNOWLEDGED if taken else _issue_status(issue)
    else:
        status = _ISSUE_ACTIONS.get(action) or _issue_status(issue)
    project = optional_object(issue, "project")
    slug = optional_text(project, "slug", where="data.issue.project.")
    labels = {"project": slug} if slug else {}
    if level := optional_text(issue, "level", where="data.issue."):
        labels["level"] = level
    title = optional_text(issue, "title", where="data.issue.") or f"Sentry issue {issue_id}"
    return Alert(
        source=SOURCE,
        fingerprint=issue_id,
        status=status,
        title=first_line(title),
        description=optional_text(issue, "culprit", where="data.issue.") or "",
        labels=labels,
        service=slug,
        severity=level,
        starts_at=parse_time(issue.get("firstSeen"), "data.issue.firstSeen"),
        ends_at=now if status is AlertStatus.RESOLVED else None,
        url=optional_text(issue, "web_url") or optional_text(issue, "url"),
        raw=data,
    )


def _issue_status(issue: JsonObject) -> AlertStatus:
    said = optional_text(issue, "status", where="data.issue.") or ""
    return _ISSUE_STATUSES.get(said, AlertStatus.FIRING)


def _metric_alert(data: JsonObject, inner: JsonObject, *, now: datetime) -> Alert:
    incident = optional_object(inner, "metric_alert")
    incident_id = required_text(incident, "id", where="data.metric_alert.")
    action = required_text(data, "action")
    if action not in _METRIC_ACTIONS:
        raise BadAlert(f"action '{action[:40]}' is not critical, warning or resolved")
    status = _METRIC_ACTIONS[action]
    rule = optional_object(incident, "alert_rule")
    title = (
        optional_text(inner, "description_title", where="data.")
        or optional_text(rule, "name", where="data.metric_alert.alert_rule.")
        or f"Sentry metric alert {incident_id}"
    )
    ended = parse_time(incident.get("date_closed"), "data.metric_alert.date_closed")
    return Alert(
        source=SOURCE,
        fingerprint=f"metric_alert:{incident_id}",
        status=status,
        title=first_line(title),
        description=optional_text(inner, "description_text", where="data.") or "",
        severity=None if status is AlertStatus.RESOLVED else action,
        starts_at=parse_time(incident.get("date_started"), "data.metric_alert.date_started"),
        ends_at=(ended or now) if status is AlertStatus.RESOLVED else None,
        url=optional_text(inner, "web_url"),
        raw=data,
    )


def _pairs(value: JsonValue) -> dict[str, str]:
    """Sentry tags, `[[key, value], …]`, as a map; malformed pairs are left out."""
    result: dict[str, str] = {}
    if isinstance(value, list):
        for pair in value:
            if isinstance(pair, list) and len(pair) == 2:
                key, item = pair
                if isinstance(key, str) and isinstance(item, str | int | float):
                    result[key] = str(item)
    return result


def _settings(value: JsonValue) -> dict[str, str]:
    """The rule action's settings, `[{name, value}, …]`, as a map."""
    result: dict[str, str] = {}
    if isinstance(value, list):
        for setting in value:
            if isinstance(setting, dict):
                name, item = setting.get("name"), setting.get("value")
                if isinstance(name, str) and isinstance(item, str | int | float) and item != "":
                    result[name] = str(item)
    return result


def _rule_annotation(inner: JsonObject) -> dict[str, str]:
    rule = optional_text(inner, "triggered_rule", where="data.")
    return {"triggered_rule": rule} if rule else {}
