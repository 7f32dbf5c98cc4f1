"""The inbound parsers against the sender examples in ../shared/formats/inbound (read at run
time; expected values come from the example JSON itself)."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from astreinte.adapters.alert_sources import MAX_BODY, SOURCES, parse
from astreinte.adapters.alert_sources import alertmanager as am
from astreinte.domain.alert import Alert, AlertStatus, Parsed, PayloadError, label_fingerprint
from tests.conftest import SHARED

INBOUND = SHARED / "formats" / "inbound"
RECEIVED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

# Every example, the source that reads it and how many alerts it holds.
EXAMPLES = {
    "alertmanager_webhook_v4.json": ("alertmanager", 2),
    "alertmanager_webhook_v4_resolved.json": ("alertmanager", 1),
    "alertmanager_api_v2_postable_alerts.json": ("alertmanager", 2),
    "grafana_webhook.json": ("grafana", 1),
    "pagerduty_events_v2.json": ("pagerduty", 1),
    "sentry_event_alert_webhook.json": ("sentry", 1),
    "sentry_issue_webhook.json": ("sentry", 1),
    "uptime_kuma_webhook.json": ("uptime-kuma", 1),
    "datadog_webhook_default.json": ("datadog", 1),
    "generic_alert.json": ("generic", 1),
}


def example(name: str) -> Any:
    return json.loads((INBOUND / name).read_bytes())


def read(source: str, data: Any, *, received_at: datetime = RECEIVED) -> Parsed:
    return parse(source, json.dumps(data).encode(), received_at=received_at)


def only(parsed: Parsed) -> Alert:
    assert parsed.problems == ()
    assert len(parsed.alerts) == 1
    return parsed.alerts[0]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_every_example_is_listed() -> None:
    assert sorted(p.name for p in INBOUND.glob("*.json")) == sorted(EXAMPLES)


def test_sources_are_the_documented_names() -> None:
    assert set(SOURCES) == {
        "alertmanager",
        "grafana",
        "pagerduty",
        "sentry",
        "uptime-kuma",
        "datadog",
        "generic",
    }


@pytest.mark.parametrize(("name", "source", "count"), [(n, s, c) for n, (s, c) in EXAMPLES.items()])
def test_example_parses(name: str, source: str, count: int) -> None:
    parsed = parse(source, (INBOUND / name).read_bytes(), received_at=RECEIVED)
    assert parsed.problems == ()
    assert len(parsed.alerts) == count
    assert {a.source for a in parsed.alerts} == {source}
    for alert in parsed.alerts:
        assert alert.title
        assert "\n" not in alert.title
        assert alert.fingerprint
        assert alert.starts_at is None or alert.starts_at.tzinfo is not None


@pytest.mark.parametrize(("name", "source", "count"), [(n, s, c) for n, (s, c) in EXAMPLES.items()])
def test_unknown_fields_are_accepted(name: str, source: str, count: int) -> None:
    data = example(name)
    for item in data if isinstance(data, list) else [data]:
        item["x_added_in_a_later_version"] = {"nested": [1, 2]}
    assert len(read(source, data).alerts) == count


# --- Alertmanager ----------------------------------------------------------------------------


def test_alertmanager_firing() -> None:
    data = example("alertmanager_webhook_v4.json")
    parsed = read("alertmanager", data)
    assert parsed.problems == ()
    for alert, item in zip(parsed.alerts, data["alerts"], strict=True):
        assert alert.fingerprint == item["fingerprint"]
        assert alert.status is AlertStatus.FIRING
        assert alert.title == item["annotations"]["summary"]
        assert alert.description == item["annotations"]["description"]
        assert alert.labels == item["labels"]
        assert alert.annotations == item["annotations"]
        assert alert.service == item["labels"]["service"]
        assert alert.severity == item["labels"]["severity"]
        assert alert.starts_at == when(item["startsAt"])
        assert alert.ends_at is None  # Go's zero time
        assert alert.url == item["generatorURL"]
        assert "&" in item["generatorURL"]  # Go's \u0026 decoded
        assert alert.group_key == data["groupKey"]
        assert alert.raw == item


def test_alertmanager_resolved() -> None:
    data = example("alertmanager_webhook_v4_resolved.json")
    (alert,) = read("alertmanager", data).alerts
    (item,) = data["alerts"]
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == when(item["endsAt"])
    assert alert.fingerprint == item["fingerprint"]


def test_alertmanager_title_falls_back_to_alertname() -> None:
    data = example("alertmanager_webhook_v4.json")
    del data["alerts"][0]["annotations"]["summary"]
    assert read("alertmanager", data).alerts[0].title == data["alerts"][0]["labels"]["alertname"]


@pytest.mark.parametrize(
    "name", ["alertmanager_webhook_v4.json", "alertmanager_webhook_v4_resolved.json"]
)
def test_alertmanager_fingerprint_is_reproduced(name: str) -> None:
    for item in example(name)["alerts"]:
        assert am.fingerprint(item["labels"]) == item["fingerprint"]


def test_alertmanager_without_fingerprint_uses_the_label_hash() -> None:
    data = example("alertmanager_webhook_v4.json")
    expected = data["alerts"][0].pop("fingerprint")
    assert read("alertmanager", data).alerts[0].fingerprint == expected


def test_alertmanager_truncated_alerts_are_reported() -> None:
    data = example("alertmanager_webhook_v4.json")
    data["truncatedAlerts"] = 3
    parsed = read("alertmanager", data)
    assert len(parsed.alerts) == 2
    assert len(parsed.problems) == 1
    assert "3 more alert" in parsed.problems[0]


def test_alertmanager_api_v2_before_any_end_is_firing() -> None:
    data = example("alertmanager_api_v2_postable_alerts.json")
    early = min(when(i["endsAt"]) for i in data if "endsAt" in i) - timedelta(minutes=1)
    parsed = read("alertmanager", data, received_at=early)
    assert parsed.problems == ()
    for alert, item in zip(parsed.alerts, data, strict=True):
        assert alert.status is AlertStatus.FIRING
        assert alert.ends_at is None
        assert alert.fingerprint == am.fingerprint(item["labels"])
        assert alert.title == item["annotations"]["summary"]
        assert alert.severity == item["labels"]["severity"]
        assert alert.starts_at == when(item["startsAt"])
        assert alert.url == item["generatorURL"]
        assert alert.group_key is None
        assert alert.raw == item
    first = data[0]["labels"]
    assert parsed.alerts[0].service == first.get("service", first["job"])


def test_alertmanager_api_v2_past_end_is_resolved() -> None:
    data = example("alertmanager_api_v2_postable_alerts.json")
    ended = [(i, when(item["endsAt"])) for i, item in enumerate(data) if "endsAt" in item]
    parsed = read("alertmanager", data, received_at=max(e for _, e in ended) + timedelta(hours=1))
    for index, end in ended:
        assert parsed.alerts[index].status is AlertStatus.RESOLVED
        assert parsed.alerts[index].ends_at == end


def test_alertmanager_api_v2_and_webhook_share_fingerprints() -> None:
    item = example("alertmanager_webhook_v4.json")["alerts"][0]
    posted = [{"labels": item["labels"], "startsAt": item["startsAt"]}]
    assert read("alertmanager", posted).alerts[0].fingerprint == item["fingerprint"]


def test_alertmanager_api_v2_drops_empty_labels_and_needs_some() -> None:
    posted = [{"labels": {"alertname": "A", "zone": ""}}, {"labels": {"zone": ""}}]
    parsed = read("alertmanager", posted)
    assert [a.labels for a in parsed.alerts] == [{"alertname": "A"}]
    assert parsed.alerts[0].starts_at == RECEIVED
    assert len(parsed.problems) == 1
    assert parsed.problems[0].startswith("alert 1: labels")


# --- one bad alert in a batch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "name", "spoil", "words"),
    [
        ("alertmanager", "alertmanager_webhook_v4.json", {"status": "pending"}, "status"),
        ("alertmanager", "alertmanager_webhook_v4.json", {"labels": None}, "labels"),
        ("alertmanager", "alertmanager_webhook_v4.json", {"startsAt": "yesterday"}, "startsAt"),
        ("alertmanager", "alertmanager_webhook_v4.json", {"labels": {"a": ["x"]}}, "labels.a"),
        ("grafana", "grafana_webhook.json", {"endsAt": "soon", "status": "resolved"}, "endsAt"),
    ],
)
def test_one_bad_alert_is_skipped_and_named(
    source: str, name: str, spoil: dict[str, Any], words: str
) -> None:
    data = example(name)
    good = copy.deepcopy(data["alerts"][0])
    bad = data["alerts"][0] | spoil
    data["alerts"] = [good, bad, good]
    parsed = read(source, data)
    assert len(parsed.alerts) == 2
    assert len(parsed.problems) == 1
    assert parsed.problems[0].startswith(f"alert 1: {words}")
    assert parsed.problems[0].endswith("it was skipped")


def test_an_alert_that_is_not_an_object_is_skipped() -> None:
    data = example("alertmanager_api_v2_postable_alerts.json")
    parsed = read("alertmanager", [42, *data])
    assert len(parsed.alerts) == len(data)
    assert parsed.problems == ("alert 0 is a number, not an object; it was skipped",)


# --- Grafana ---------------------------------------------------------------------------------


def test_grafana() -> None:
    data = example("grafana_webhook.json")
    (alert,) = read("grafana", data).alerts
    (item,) = data["alerts"]
    assert alert.fingerprint == item["fingerprint"]
    assert alert.status is AlertStatus.FIRING
    assert alert.title == item["annotations"]["summary"]
    assert alert.labels == item["labels"]
    assert alert.severity == item["labels"].get("severity")
    assert alert.starts_at == when(item["startsAt"])
    assert alert.ends_at is None
    assert alert.url == item["generatorURL"]
    assert alert.group_key == data["groupKey"]
    assert alert.raw["values"] == item["values"]


def test_grafana_resolved() -> None:
    data = example("grafana_webhook.json")
    data["alerts"][0] |= {"status": "resolved", "endsAt": "2026-11-22T10:35:10Z"}
    (alert,) = read("grafana", data).alerts
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == when("2026-11-22T10:35:10Z")


# --- PagerDuty -------------------------------------------------------------------------------


def test_pagerduty_trigger() -> None:
    data = example("pagerduty_events_v2.json")
    alert = only(read("pagerduty", data))
    payload = data["payload"]
    assert alert.fingerprint == data["dedup_key"]
    assert alert.status is AlertStatus.FIRING
    assert alert.title == payload["summary"]
    assert alert.severity == payload["severity"]
    assert alert.service == payload["component"]
    assert alert.labels == {k: payload[k] for k in ("source", "component", "group", "class")}
    assert alert.annotations["runbook"] == payload["custom_details"]["runbook"]
    assert alert.starts_at == datetime.strptime(payload["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert alert.url == data["client_url"]
    assert "routing_key" not in alert.raw
    assert alert.raw["payload"] == payload


@pytest.mark.parametrize(
    ("action", "status"),
    [("acknowledge", AlertStatus.ACKNOWLEDGED), ("resolve", AlertStatus.RESOLVED)],
)
def test_pagerduty_follow_up(action: str, status: AlertStatus) -> None:
    data = example("pagerduty_events_v2.json")
    follow_up = {"routing_key": data["routing_key"], "dedup_key": data["dedup_key"]}
    alert = only(read("pagerduty", follow_up | {"event_action": action}))
    assert alert.fingerprint == data["dedup_key"]
    assert alert.status is status
    assert (alert.ends_at == RECEIVED) is (status is AlertStatus.RESOLVED)


def test_pagerduty_trigger_without_dedup_key_is_stable() -> None:
    data = example("pagerduty_events_v2.json")
    del data["dedup_key"]
    first, again = only(read("pagerduty", data)), only(read("pagerduty", data))
    assert first.fingerprint == again.fingerprint


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"event_action": "escalate"}, "event_action 'escalate'"),
        ({"event_action": "resolve", "dedup_key": None}, "dedup_key is missing"),
        ({"payload": {"source": "x"}}, "payload.summary is missing"),
    ],
)
def test_pagerduty_bad_event(change: dict[str, Any], words: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(words)):
        read("pagerduty", example("pagerduty_events_v2.json") | change)


# --- Sentry ----------------------------------------------------------------------------------


def test_sentry_event_alert() -> None:
    data = example("sentry_event_alert_webhook.json")
    alert = only(read("sentry", data))
    event = data["data"]["event"]
    settings = {s["name"]: s["value"] for s in data["data"]["issue_alert"]["settings"]}
    assert alert.fingerprint == event["issue_id"]
    assert alert.status is AlertStatus.FIRING
    assert alert.title == event["title"]
    assert alert.description == event["culprit"]
    assert alert.severity == settings.get("severity", event["level"])
    assert alert.labels == dict(event["tags"]) | settings
    assert alert.starts_at == when(event["datetime"])
    assert alert.url == event["web_url"]
    assert alert.raw == data


def test_sentry_issue_resolves_the_event_alert() -> None:
    data = example("sentry_issue_webhook.json")
    alert = only(read("sentry", data))
    issue = data["data"]["issue"]
    event = example("sentry_event_alert_webhook.json")["data"]["event"]
    assert data["action"] == "resolved"
    assert alert.fingerprint == issue["id"] == event["issue_id"]
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == RECEIVED
    assert alert.title == issue["title"]
    assert alert.service == issue["project"]["slug"]
    assert alert.severity == issue["level"]
    assert alert.starts_at == when(issue["firstSeen"])
    assert alert.url == issue["web_url"]


@pytest.mark.parametrize(
    ("action", "issue_change", "status"),
    [
        ("unresolved", {"status": "unresolved"}, AlertStatus.FIRING),
        ("created", {"status": "unresolved"}, AlertStatus.FIRING),
        ("assigned", {"status": "unresolved", "assignedTo": {"id": "1"}}, AlertStatus.ACKNOWLEDGED),
        ("assigned", {"status": "unresolved", "assignedTo": None}, AlertStatus.FIRING),
        ("archived", {"status": "ignored"}, AlertStatus.RESOLVED),
        ("something-new", {"status": "resolved"}, AlertStatus.RESOLVED),
    ],
)
def test_sentry_issue_actions(
    action: str, issue_change: dict[str, Any], status: AlertStatus
) -> None:
    data = example("sentry_issue_webhook.json")
    data["action"] = action
    data["data"]["issue"] |= issue_change
    assert only(read("sentry", data)).status is status


def test_sentry_metric_alert() -> None:
    body: dict[str, Any] = {
        "action": "critical",
        "data": {
            "metric_alert": {"id": "77", "date_started": "2026-11-22T10:00:00Z"},
            "description_title": "Checkout p95 latency above 2s",
            "description_text": "p95 is 2.4s",
            "web_url": "https://sentry.io/organizations/example-org/alerts/rules/details/77/",
        },
    }
    alert = only(read("sentry", body))
    assert (alert.fingerprint, alert.status, alert.severity) == (
        "metric_alert:77",
        AlertStatus.FIRING,
        "critical",
    )
    assert alert.title == body["data"]["description_title"]
    resolved = only(read("sentry", body | {"action": "resolved"}))
    assert (resolved.status, resolved.ends_at) == (AlertStatus.RESOLVED, RECEIVED)


def test_sentry_installation_makes_no_alert() -> None:
    parsed = read("sentry", {"action": "created", "data": {"installation": {"uuid": "x"}}})
    assert parsed.alerts == ()
    assert len(parsed.problems) == 1
    assert "no alert" in parsed.problems[0]


# --- Uptime Kuma -----------------------------------------------------------------------------


def test_uptime_kuma_down() -> None:
    data = example("uptime_kuma_webhook.json")
    alert = only(read("uptime-kuma", data))
    monitor, heartbeat = data["monitor"], data["heartbeat"]
    assert heartbeat["status"] == 0
    assert alert.fingerprint == str(monitor["id"])
    assert alert.status is AlertStatus.FIRING
    assert alert.title == data["msg"]
    assert alert.description == heartbeat["msg"]
    assert alert.service == monitor["name"]
    assert alert.labels["monitor"] == monitor["name"]
    for tag in monitor["tags"]:
        assert alert.labels[tag["name"]] == tag["value"]
    naive = datetime.fromisoformat(heartbeat["time"])
    assert naive.tzinfo is None
    assert alert.starts_at == naive.replace(tzinfo=UTC)  # UTC, not heartbeat.timezone
    assert alert.ends_at is None
    assert alert.url == monitor["url"]


def test_uptime_kuma_up_resolves() -> None:
    data = example("uptime_kuma_webhook.json")
    down_at = data["heartbeat"]["time"]
    data["heartbeat"] |= {"status": 1, "time": "2026-11-22 10:20:07.001", "lastDownTime": down_at}
    alert = only(read("uptime-kuma", data))
    assert alert.fingerprint == str(data["monitor"]["id"])
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == datetime(2026, 11, 22, 10, 20, 7, 1000, tzinfo=UTC)
    assert alert.starts_at == datetime.fromisoformat(down_at).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        {"heartbeat": None, "monitor": None, "msg": "Uptime Kuma Testing"},
        {"msg": "[Checkout API] certificate expires in 7 days"},
    ],
)
def test_uptime_kuma_without_heartbeat(body: dict[str, Any]) -> None:
    parsed = read("uptime-kuma", body)
    assert parsed.alerts == ()
    assert len(parsed.problems) == 1
    assert "no heartbeat" in parsed.problems[0]


@pytest.mark.parametrize("status", [2, 3])
def test_uptime_kuma_pending_and_maintenance_make_no_alert(status: int) -> None:
    data = example("uptime_kuma_webhook.json")
    data["heartbeat"]["status"] = status
    parsed = read("uptime-kuma", data)
    assert parsed.alerts == ()
    assert f"status {status}" in parsed.problems[0]


def test_uptime_kuma_unknown_status() -> None:
    data = example("uptime_kuma_webhook.json")
    data["heartbeat"]["status"] = "down"
    with pytest.raises(PayloadError, match=re.escape("heartbeat.status")):
        read("uptime-kuma", data)


# --- Datadog ---------------------------------------------------------------------------------


def test_datadog_triggered() -> None:
    data = example("datadog_webhook_default.json")
    alert = only(read("datadog", data))
    assert data["title"].startswith("[Triggered")
    assert alert.status is AlertStatus.FIRING
    assert alert.title == data["title"].split("] ", 1)[1]
    assert alert.starts_at == datetime.fromtimestamp(int(data["date"]) / 1000, tz=UTC)
    assert alert.labels["host"] == "web-3"  # the "on {host:web-3}" scope
    assert f"/monitors/{alert.labels['monitor_id']}" in data["body"]
    assert alert.url is not None
    assert alert.url in data["body"]
    assert "%%%" not in alert.description
    assert alert.raw == data


def test_datadog_recovery_matches_its_trigger() -> None:
    data = example("datadog_webhook_default.json")
    recovered = data | {
        "title": data["title"].replace("[Triggered", "[Recovered"),
        "id": "7436183725616349999",
        "date": str(int(data["date"]) + 600_000),
    }
    fired, ended = only(read("datadog", data)), only(read("datadog", recovered))
    assert ended.status is AlertStatus.RESOLVED
    assert ended.fingerprint == fired.fingerprint
    assert ended.ends_at == datetime.fromtimestamp(int(recovered["date"]) / 1000, tz=UTC)


def test_datadog_priority_is_the_severity() -> None:
    data = example("datadog_webhook_default.json")
    data["title"] = "[P1] " + data["title"]
    assert only(read("datadog", data)).severity == "P1"


# --- generic ---------------------------------------------------------------------------------


def test_generic() -> None:
    data = example("generic_alert.json")
    alert = only(read("generic", data))
    assert alert.source == "generic"
    assert alert.fingerprint == data["dedup_key"]
    assert alert.status is AlertStatus.FIRING
    assert alert.title == data["title"]
    assert alert.description == data["description"]
    assert alert.severity == data["severity"]
    assert alert.service == data["labels"]["service"]
    assert alert.labels == {"source": data["source"], **data["labels"]}
    assert alert.annotations == data["annotations"]
    assert alert.starts_at == when(data["started_at"])
    assert alert.ends_at is None
    assert alert.url == data["links"][0]["href"]
    assert alert.raw["details"] == data["details"]


def test_generic_defaults() -> None:
    data = example("generic_alert.json")
    for key in ("dedup_key", "severity", "started_at", "links"):
        del data[key]
    alert = only(read("generic", data))
    assert alert.fingerprint == label_fingerprint(data["source"], data["labels"])
    assert alert.severity == "warning"
    assert alert.starts_at == RECEIVED
    assert alert.url is None


def test_generic_resolved() -> None:
    data = example("generic_alert.json") | {
        "status": "resolved",
        "ended_at": "2026-11-22T03:00:00Z",
    }
    alert = only(read("generic", data))
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == when("2026-11-22T03:00:00Z")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"severity": "P6"}, "severity 'P6' is not one of critical, error, warning, info"),
        ({"status": "open"}, "status 'open'"),
        ({"title": None}, "title is missing"),
        ({"source": None}, "source is missing"),
        ({"title": "x" * 1025}, "title has 1025 characters; the limit is 1024"),
        ({"title": "two\nlines"}, "more than one line"),
        ({"dedup_key": "k" * 256}, "dedup_key has 256 characters"),
        ({"started_at": "22/11/2026"}, "started_at '22/11/2026' is not an RFC 3339 time"),
        ({"version": "2"}, "version '2'"),
    ],
)
def test_generic_bad_alert(change: dict[str, Any], words: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(words)) as caught:
        read("generic", example("generic_alert.json") | change)
    assert "; send " in str(caught.value)


def test_generic_batch_keeps_the_good_ones() -> None:
    data = example("generic_alert.json")
    parsed = read("generic", [data, data | {"severity": "P6"}, data | {"dedup_key": "other"}])
    assert [a.fingerprint for a in parsed.alerts] == [data["dedup_key"], "other"]
    assert len(parsed.problems) == 1
    assert parsed.problems[0].startswith("alert 1: severity 'P6'")


# --- bodies that cannot be read --------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"alertname=HighErrorRate", "the body is not JSON"),
        (b"{'status': 'firing'}", "the body is not JSON"),
        (b"", "the body is empty"),
        (b'"firing"', "the body is a string"),
        (b"[NaN]", "the body is not JSON"),
    ],
)
def test_unreadable_body(source: str, body: bytes, words: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(words)) as caught:
        parse(source, body, received_at=RECEIVED)
    assert "; send " in str(caught.value)


@pytest.mark.parametrize(
    ("source", "body", "words"),
    [
        ("alertmanager", {"status": "firing"}, "no 'alerts' list"),
        ("alertmanager", {"alerts": {"0": {}}}, "'alerts' as an object"),
        ("grafana", [], "the body is a list"),
        ("pagerduty", [], "the body is a list"),
        ("sentry", {"action": "triggered"}, "'data' is missing"),
        ("uptime-kuma", [], "the body is a list"),
        ("datadog", {"body": "x"}, "title is missing"),
    ],
)
def test_wrong_shape(source: str, body: Any, words: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(words)) as caught:
        read(source, body)
    assert "; send " in str(caught.value)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_oversized_body(source: str) -> None:
    body = b"[" + b" " * 3_000_000 + b"]"
    with pytest.raises(PayloadError, match=re.escape("the body is 2.9 MiB; the limit is 1 MiB")):
        parse(source, body, received_at=RECEIVED)


def test_body_at_the_limit_is_read() -> None:
    body = b"[" + b" " * (MAX_BODY - 2) + b"]"
    assert parse("alertmanager", body, received_at=RECEIVED) == Parsed(alerts=())


def test_unknown_source() -> None:
    with pytest.raises(PayloadError, match=r"unknown alert source 'nagios'.*alertmanager"):
        parse("nagios", b"{}", received_at=RECEIVED)
