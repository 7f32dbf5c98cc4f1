"""An alert as astreinte keeps it, whatever tool sent it.

Each inbound format (Alertmanager, Grafana, PagerDuty, Sentry, Uptime Kuma, Datadog, ours) is
parsed into `Alert` values by its adapter; dedup, grouping, silences and the incident it joins
work on these values only.

`fingerprint` identifies the alert across deliveries: the same fingerprint while the alert is
open updates it (and counts a repeat) instead of opening anything new. Adapters take the
sender's own key when it has one (Alertmanager's `fingerprint`, PagerDuty's `dedup_key`,
Sentry's issue id, Uptime Kuma's monitor id…) and otherwise a hash of the identifying labels.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from astreinte.domain.incident.timeline import JsonValue
from astreinte.errors import InputError


class AlertStatus(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"  # the sender says someone took it (PagerDuty "acknowledge")
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Alert:
    source: str  # alertmanager, grafana, pagerduty, sentry, uptime-kuma, datadog, generic
    fingerprint: str
    status: AlertStatus
    title: str  # one line: the alert name or its summary
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    service: str | None = None
    severity: str | None = None  # as the sender says it: "critical", "P1", "error"…
    starts_at: datetime | None = None  # aware, UTC
    ends_at: datetime | None = None  # None while firing (Alertmanager's zero time included)
    url: str | None = None  # back to the source: generator URL, issue, dashboard…
    group_key: str | None = None  # the sender's own grouping (Alertmanager's groupKey)
    raw: Mapping[str, JsonValue] = field(default_factory=dict)  # the alert's part of the payload
    # A catalogue procedure id the sender names (a probe's `procedure`): the incident follows
    # it and the matcher is not asked. Not stored with the alert: it only decides the opening.
    procedure: str | None = None

    @property
    def text(self) -> str:
        """What the matcher reads: title, description and the labels that say what is wrong."""
        parts = [self.title, self.description]
        parts += [f"{k}={v}" for k, v in self.labels.items() if k not in _NOISE]
        return "\n".join(p for p in parts if p)


# Labels that identify where an alert comes from, not what is wrong.
_NOISE = frozenset({"instance", "job", "prometheus", "pod", "container", "endpoint", "uid"})


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a payload gave: its alerts, and one sentence per alert it had to skip (a batch with
    one bad alert still delivers the good ones)."""

    alerts: tuple[Alert, ...]
    problems: tuple[str, ...] = ()


class PayloadError(InputError):
    """The payload as a whole cannot be read (not JSON, wrong shape, too big): nothing of it is
    kept; the message names what is wrong."""


def is_flapping(changes: Sequence[datetime], *, now: datetime, count: int, minutes: int) -> bool:
    """N state changes (firing ⇄ resolved) within the last M minutes make an alert flapping."""
    recent = [at for at in changes if (now - at).total_seconds() <= minutes * 60]
    return len(recent) >= count


def label_fingerprint(source: str, labels: Mapping[str, str]) -> str:
    """A stable key from a label set, for senders that give none (16 hex characters)."""
    body = json.dumps([source, sorted(labels.items())], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
