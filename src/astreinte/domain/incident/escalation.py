"""Escalation: who is paged, and when, while nobody acknowledges.

A policy is a list of tiers, each with its contacts and how long it has to acknowledge before the
next tier is paged; after the last tier the policy starts over, for `rounds` rounds in all. Tier 1
is paged when the incident opens (step 0). With the 004 runbook's tiers (Tier 1 < 5 min, Tier 2
< 15 min, Tier 3 < 1 h), an unacknowledged incident pages tier 2 at +5 min and tier 3 at +20 min.

Steps are numbered from 0 in the order they fire; the incident stores the last step fired, so
after a restart the next due step is known and a step never fires twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from astreinte.domain.incident.model import Status
from astreinte.domain.runbook.model import EscalationContact


@dataclass(frozen=True, slots=True)
class Target:
    role: str
    contact: str
    placeholder: bool = False  # "À définir", "+33 X XX XX XX XX": nobody can be reached there
    condition: str | None = None  # "24/7 (P0 only)", "si data breach"

    @property
    def name(self) -> str:
        return f"{self.role} ({self.contact})" if self.contact else self.role


@dataclass(frozen=True, slots=True)
class Tier:
    number: int
    wait_minutes: int
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    tiers: tuple[Tier, ...]
    rounds: int = 1
    source: str = "configuration"

    @property
    def steps(self) -> int:
        return len(self.tiers) * max(self.rounds, 1)


@dataclass(frozen=True, slots=True)
class Page:
    step: int
    round: int  # 1-based
    tier: Tier
    due: datetime


def policy_from_runbook(
    contacts: Iterable[EscalationContact], *, default_wait: int, rounds: int
) -> Policy | None:
    """The runbook's escalation tiers as a policy; a tier without a stated time waits
    `default_wait` minutes. None when the runbook names no contact."""
    by_tier: dict[int, list[EscalationContact]] = {}
    for contact in contacts:
        by_tier.setdefault(contact.tier, []).append(contact)
    if not by_tier:
        return None
    tiers = []
    for number in sorted(by_tier):
        members = by_tier[number]
        stated = [c.response_minutes for c in members if c.response_minutes]
        tiers.append(
            Tier(
                number=number,
                wait_minutes=max(stated) if stated else default_wait,
                targets=tuple(
                    Target(c.role, c.contact, c.placeholder, c.condition) for c in members
                ),
            )
        )
    return Policy(tuple(tiers), rounds=rounds, source="runbook")


def for_severity(policy: Policy, severity: str | None) -> Policy:
    """The policy without the contacts that do not apply to `severity` ("P0 only"), and without
    the tiers left empty, so that escalation goes straight to someone who is on duty for it."""
    tiers = []
    for tier in policy.tiers:
        targets = tuple(t for t in tier.targets if applies(t, severity))
        if targets:
            tiers.append(Tier(tier.number, tier.wait_minutes, targets))
    return Policy(tuple(tiers), policy.rounds, policy.source)


def step_due(policy: Policy, *, start: datetime, step: int) -> datetime:
    """When step `step` falls due for an incident whose clocks started at `start`."""
    waits = [policy.tiers[k % len(policy.tiers)].wait_minutes for k in range(step)]
    return start + timedelta(minutes=sum(waits))


def due_pages(
    policy: Policy, *, start: datetime, last_step: int, status: Status, now: datetime
) -> list[Page]:
    """Steps after `last_step` due at `now`; none once the incident is acknowledged (or beyond).
    Steps missed while no worker ran all fire: each tier that should have heard hears."""
    if status is not Status.TRIGGERED or not policy.tiers:
        return []
    pages = []
    for step in range(last_step + 1, policy.steps):
        due = step_due(policy, start=start, step=step)
        if due > now:
            break
        tier = policy.tiers[step % len(policy.tiers)]
        pages.append(Page(step, step // len(policy.tiers) + 1, tier, due))
    return pages


def next_page_at(
    policy: Policy, *, start: datetime, last_step: int, status: Status
) -> datetime | None:
    if status is not Status.TRIGGERED or last_step + 1 >= policy.steps:
        return None
    return step_due(policy, start=start, step=last_step + 1)


_ONLY = re.compile(
    r"\b((?:[A-Z]+\d\s*[/,&]\s*|[A-Z]+\d\s+(?:and|et|or|ou)\s+)*[A-Z]+\d)\s+"
    r"(?:only|uniquement|seulement)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(r"[A-Z]+\d", re.IGNORECASE)


def applies(target: Target, severity: str | None) -> bool:
    """Whether a target is paged for an incident of `severity`: "24/7 (P0 only)" keeps the
    contact for P0 incidents. Other conditions ("si data breach") are shown, not judged."""
    if not target.condition:
        return True
    only = {
        label.casefold()
        for group in _ONLY.findall(target.condition)
        for label in _LABEL.findall(group)
    }
    if not only or severity is None:
        return True
    return severity.casefold() in only
