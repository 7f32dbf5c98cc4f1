"""Incident metrics: MTTA, MTTM, MTTR, SLA compliance, counts, and the runbook's own targets.

Times are measured from the start of the incident's current clock cycle (its opening, or its
last reopening) to its acknowledgement, mitigation and resolution. SLA compliance counts the
incidents whose clock stopped: an incident still open has not met or missed anything yet.

A runbook states targets in its own words ("MTTR (Mean Time To Recover) | <15 min",
"P1 Resolution Time | <30 min", "Uptime Target | 99.9%"); `compare` reads them, computes the
figure it can from the incidents that followed that runbook, and fills the "Current" column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import fmean

from astreinte.domain.incident.model import Incident, Status
from astreinte.domain.incident.sla import outcome
from astreinte.domain.matching.analysis import fold
from astreinte.domain.runbook.model import Metric


@dataclass(frozen=True, slots=True)
class Compliance:
    met: int
    missed: int

    @property
    def rate(self) -> float | None:
        total = self.met + self.missed
        return None if total == 0 else self.met / total


@dataclass(frozen=True, slots=True)
class Group:
    """Figures for a set of incidents (all, one level, one service)."""

    count: int
    open: int
    mtta_minutes: float | None
    mttm_minutes: float | None
    mttr_minutes: float | None
    respond: Compliance
    resolve: Compliance


def _mean_minutes(values: Iterable[timedelta]) -> float | None:
    minutes = [v.total_seconds() / 60 for v in values]
    return round(fmean(minutes), 2) if minutes else None


def group(incidents: Sequence[Incident]) -> Group:
    def spans(pick: Callable[[Incident], datetime | None]) -> list[timedelta]:
        return [at - i.clock_start for i in incidents if (at := pick(i)) is not None]

    outcomes = [outcome(i) for i in incidents]
    return Group(
        count=len(incidents),
        open=sum(1 for i in incidents if i.is_open),
        mtta_minutes=_mean_minutes(spans(lambda i: i.acknowledged_at)),
        mttm_minutes=_mean_minutes(spans(lambda i: i.mitigated_at)),
        mttr_minutes=_mean_minutes(spans(lambda i: i.resolved_at)),
        respond=Compliance(
            sum(1 for o in outcomes if o.responded_in_time is True),
            sum(1 for o in outcomes if o.responded_in_time is False),
        ),
        resolve=Compliance(
            sum(1 for o in outcomes if o.resolved_in_time is True),
            sum(1 for o in outcomes if o.resolved_in_time is False),
        ),
    )


@dataclass(frozen=True, slots=True)
class Summary:
    overall: Group
    by_level: dict[str, Group]
    by_service: dict[str, Group]
    by_procedure: dict[str, int]
    by_status: dict[str, int]


def summarise(incidents: Sequence[Incident]) -> Summary:
    def split(key: Callable[[Incident], str | None]) -> dict[str, Group]:
        buckets: dict[str, list[Incident]] = {}
        for incident in incidents:
            buckets.setdefault(key(incident) or "unknown", []).append(incident)
        return {name: group(members) for name, members in sorted(buckets.items())}

    procedures: dict[str, int] = {}
    for incident in incidents:
        name = incident.procedure.id if incident.procedure else "none"
        procedures[name] = procedures.get(name, 0) + 1
    return Summary(
        overall=group(incidents),
        by_level=split(lambda i: i.level.value if i.level else None),
        by_service=split(lambda i: i.service),
        by_procedure=dict(sorted(procedures.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_status={s.value: sum(1 for i in incidents if i.status is s) for s in Status},
    )


# --- the runbook's targets ------------------------------------------------------------------

_TARGET = re.compile(
    r"(?P<op><=|>=|<|>|≤|≥)?\s*(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>%|ms|millisecondes?|"
    r"milliseconds?|h|hours?|heures?|min|minutes?|s|sec|seconds?|secondes?|j|d|days?|jours?)?",
    re.IGNORECASE,
)
_UNIT_MINUTES = {"h": 60, "j": 1440, "d": 1440, "s": 1 / 60, "m": 1}


@dataclass(frozen=True, slots=True)
class Target:
    op: str  # "<", "<=", ">", ">=", "="
    value: float  # minutes, or a percentage when `percent`
    percent: bool


def parse_target(text: str) -> Target | None:
    """ "<30 min" → Target("<", 30, False); "99.9%" → Target("=", 99.9, True)... None if unread."""
    match = _TARGET.search(text)
    if not match:
        return None
    op = {"≤": "<=", "≥": ">="}.get(match.group("op") or "", match.group("op") or "")
    value = float(match.group("num").replace(",", "."))
    unit = (match.group("unit") or "").lower()
    if unit == "%":
        return Target(op or ">=", value, True)
    if unit == "ms" or unit.startswith("milli"):
        return Target(op or "<=", value / 60_000, False)
    factor = _UNIT_MINUTES.get(unit[:1], 1) if unit else 1
    if unit.startswith("m"):
        factor = 1
    return Target(op or "<=", value * factor, False)


@dataclass(frozen=True, slots=True)
class TargetResult:
    name: str
    target: str
    current: str | None  # our figure, formatted; None when astreinte cannot measure it yet
    met: bool | None
    basis: str  # what the figure is computed from


def _meets(target: Target, value: float) -> bool:
    return {
        "<": value < target.value,
        "<=": value <= target.value,
        ">": value > target.value,
        ">=": value >= target.value,
    }.get(target.op, value == target.value)


def format_minutes(minutes: float) -> str:
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    if minutes < 120:
        return f"{minutes:.1f} min".replace(".0 min", " min")
    if minutes < 2880:
        return f"{minutes / 60:.1f} h".replace(".0 h", " h")
    return f"{minutes / 1440:.1f} d".replace(".0 d", " d")


_LABEL = re.compile(r"\b(p\d|sev\s?\d)\b")


def compare(metrics: Iterable[Metric], incidents: Sequence[Incident]) -> list[TargetResult]:
    """Each of a runbook's success metrics with the current figure astreinte measures for it."""
    results = []
    for metric in metrics:
        name = fold(metric.name)
        target = parse_target(metric.target)
        label = _LABEL.search(name)
        chosen = [
            i
            for i in incidents
            if not label
            or (i.severity or "").casefold().replace(" ", "") == label.group(1).replace(" ", "")
        ]
        scope = f"{len(chosen)} incident(s)" + (f" {label.group(1).upper()}" if label else "")
        value: float | None = None
        basis = scope
        if target is not None and not target.percent and target.value < 1:
            # "API Response Time < 200ms" is a latency, not a time to acknowledge.
            basis = "not measured by astreinte yet (latency comes with probes)"
        elif (
            "mtta" in name
            or "acknowledg" in name
            or "prise en charge" in name
            or "response" in name
        ):
            value = group(chosen).mtta_minutes
            basis = f"mean time to acknowledge over {scope}"
        elif "mttm" in name or "mitigat" in name:
            value = group(chosen).mttm_minutes
            basis = f"mean time to mitigate over {scope}"
        elif "mttr" in name or "resolution" in name or "recover" in name or "resolve" in name:
            value = group(chosen).mttr_minutes
            basis = f"mean time to resolve over {scope}"
        elif "mttf" in name or "between failures" in name or "to failure" in name:
            value = _mean_gap(chosen)
            basis = f"mean time between incident openings over {scope}"
        else:
            basis = "not measured by astreinte yet (uptime comes with probes)"
        if value is None or target is None or target.percent:
            current = None
            met = None
            if value is None and basis.startswith("mean"):
                basis += ": no incident reached that point yet"
        else:
            current = format_minutes(value)
            met = _meets(target, value)
        results.append(TargetResult(metric.name, metric.target, current, met, basis))
    return results


def _mean_gap(incidents: Sequence[Incident]) -> float | None:
    starts = sorted(i.opened_at for i in incidents)
    gaps = [(b - a).total_seconds() / 60 for a, b in pairwise(starts)]
    return round(fmean(gaps), 2) if gaps else None
