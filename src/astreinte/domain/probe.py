"""A probe: a check astreinte runs itself on a schedule, and how its results become a state.

    spec = ProbeSpec("redis", ProbeKind.REDIS, "redis://127.0.0.1:6379/0",
                     interval=timedelta(seconds=10), service="sylion")
    state, change = observe(spec, state, ProbeResult(ok=False, at=now, detail="connection refused"))

A probe goes DOWN after `fall` failures in a row and comes back UP after `rise` successes in a
row (hysteresis, as HAProxy's `fall`/`rise`): one lost packet opens nothing, and a target that
answers every other time does not open and close an incident each period. Its first result
decides its state at once (nothing to smooth yet). A probe whose coming back would be its
`flap_changes`-th change within `flap_minutes` is flapping: it stays DOWN (one incident, kept
open) until it has been up `rise` times in a row *and* the window has gone quiet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from astreinte.domain.incident.timeline import JsonValue
from astreinte.errors import InputError


class ProbeKind(StrEnum):
    HTTP = "http"
    TCP = "tcp"
    TLS = "tls"
    POSTGRES = "postgres"
    REDIS = "redis"
    QUEUE = "queue"
    DISK = "disk"
    LOAD = "load"
    COMMAND = "command"


class ProbeStatus(StrEnum):
    UNKNOWN = "unknown"  # never run
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """One configured probe. `options` are the kind's own settings (`expect_json`,
    `threshold`, `max_age`…), checked by the kind's adapter."""

    name: str
    kind: ProbeKind
    target: str
    interval: timedelta
    timeout: timedelta = timedelta(seconds=5)
    service: str | None = None
    procedure: str | None = None  # a procedure id; otherwise the matcher chooses from the symptom
    symptom: str | None = None  # what the alert says; otherwise the failure's own detail
    severity: str | None = None  # the alert's severity (critical, major, minor…)
    fall: int = 2  # failures in a row before DOWN
    rise: int = 2  # successes in a row before UP again
    flap_changes: int = 4
    flap_minutes: int = 10
    options: Mapping[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    at: datetime  # when the check started (aware, UTC)
    detail: str = ""  # what was seen: "HTTP 503", "redisConnected is false", "refused"…
    latency_ms: float | None = None
    value: float | None = None  # the number measured, when there is one (queue length, disk %)


@dataclass(frozen=True, slots=True)
class ProbeState:
    status: ProbeStatus = ProbeStatus.UNKNOWN
    failures: int = 0  # in a row
    successes: int = 0  # in a row
    since: datetime | None = None  # when the current status began
    changes: tuple[datetime, ...] = ()  # status changes within the flapping window
    flapping: bool = False
    last: ProbeResult | None = None


class Change(StrEnum):
    WENT_DOWN = "went_down"
    CAME_BACK = "came_back"


def observe(
    spec: ProbeSpec, state: ProbeState, result: ProbeResult
) -> tuple[ProbeState, Change | None]:
    """The probe's state after `result`, and the change it makes (None: no change)."""
    failures = 0 if result.ok else state.failures + 1
    successes = state.successes + 1 if result.ok else 0
    window = timedelta(minutes=spec.flap_minutes)
    recent = tuple(at for at in state.changes if result.at - at <= window)
    # Coming back would be one change more: refused when that one would make it flapping.
    flapping = len(recent) + 1 >= spec.flap_changes
    status = state.status
    if status is ProbeStatus.UNKNOWN:
        status = ProbeStatus.UP if result.ok else ProbeStatus.DOWN
    elif status is ProbeStatus.UP and failures >= spec.fall:
        status = ProbeStatus.DOWN
    elif status is ProbeStatus.DOWN and successes >= spec.rise and not flapping:
        status = ProbeStatus.UP
    change = None
    if status is not state.status:
        if status is ProbeStatus.DOWN:
            change = Change.WENT_DOWN
        elif state.status is ProbeStatus.DOWN:
            change = Change.CAME_BACK
        if state.status is not ProbeStatus.UNKNOWN:
            recent = (*recent, result.at)
    new = ProbeState(
        status=status,
        failures=failures,
        successes=successes,
        since=result.at if status is not state.status else state.since,
        changes=recent,
        flapping=len(recent) >= spec.flap_changes,
        last=result,
    )
    return new, change


def due_at(spec: ProbeSpec, last_run: datetime | None, *, now: datetime) -> datetime:
    """When the probe should run next: at once if it never ran, else one interval after."""
    return now if last_run is None else last_run + spec.interval


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, *, what: str) -> timedelta:
    """ "500ms", "10s", "1m", "2h" → a timedelta; anything else is an InputError naming `what`."""
    found = _DURATION.match(text)
    if found is None:
        raise InputError(f'{what} {text!r} is not a duration; write e.g. "500ms", "10s", "1m"')
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if seconds <= 0:
        raise InputError(f"{what} {text!r} must be longer than zero")
    return timedelta(seconds=seconds)
