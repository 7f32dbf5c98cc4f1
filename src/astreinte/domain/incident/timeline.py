"""The timeline: append-only events, each sealed with the hash of the one before it.

Each incident has its own chain. An event's hash covers the previous hash, the incident, the
event's position and everything it says (time, kind, actor, text, data), so editing, deleting or
reordering any event — or dropping the last ones, since the incident keeps the hash of its last
event — breaks the chain where it happened, and `verify` names that place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

GENESIS: Final = "0" * 64

JsonScalar = str | int | float | bool | None
JsonValue = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]


class EventKind(StrEnum):
    OPENED = "opened"
    PROCEDURE = "procedure"  # the procedure was matched, chosen or changed
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    NOTE = "note"
    CHECKLIST = "checklist"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    ESCALATION = "escalation"
    CONTACT_MISSING = "contact_missing"  # a tier's contact is a placeholder: nobody was paged
    SEVERITY = "severity"
    POSTMORTEM = "postmortem"
    FOLLOW_UP = "follow_up"
    OVERRIDE = "override"  # a rule was bypassed, with the reason given
    # Guarded execution of the procedure's steps: each decision, the run and its output.
    STEP_REQUESTED = "step_requested"  # waits for a second person's approval
    STEP_APPROVED = "step_approved"
    STEP_APPROVAL_DENIED = "step_approval_denied"  # e.g. the requester tried to approve it
    STEP_REFUSED = "step_refused"  # by a rule: kill switch, rate limit, backup decision…
    STEP_CANCELLED = "step_cancelled"
    STEP_STARTED = "step_started"
    STEP_FINISHED = "step_finished"  # succeeded, failed or timed out, with an output excerpt


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    kind: EventKind
    actor: str
    text: str
    data: Mapping[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SealedEvent:
    """An event as stored: its place in the chain and the hashes that seal it."""

    incident_id: int
    seq: int  # 1-based position in the incident's chain
    event: Event
    prev_hash: str
    hash: str


def _instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()} in the timeline; pass an aware one")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def seal(incident_id: int, seq: int, event: Event, prev_hash: str) -> SealedEvent:
    """The event sealed after `prev_hash` (GENESIS for the first one)."""
    return SealedEvent(
        incident_id, seq, event, prev_hash, _digest(incident_id, seq, event, prev_hash)
    )


def _digest(incident_id: int, seq: int, event: Event, prev_hash: str) -> str:
    body = json.dumps(
        [
            prev_hash,
            incident_id,
            seq,
            _instant(event.at),
            str(event.kind),
            event.actor,
            event.text,
            event.data,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Break:
    """Where a chain stops being trustworthy, and why."""

    incident_id: int
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"incident {self.incident_id}, event {self.seq}: {self.reason}"


def verify(incident_id: int, events: Sequence[SealedEvent], head: str | None) -> list[Break]:
    """Check an incident's chain against its stored `head` (the last event's hash).

    Returns the breaks found, empty when the chain is intact. Every event is recomputed, so a
    changed text, time, actor or kind is found even when its stored hash was recomputed too
    (that breaks the next link or the head).
    """
    breaks: list[Break] = []
    expected_prev = GENESIS
    last_seq = 0
    for position, sealed in enumerate(events, start=1):
        # A gap is reported where it is; the events after it follow on from each other again
        # and are not reported a second time.
        if sealed.seq != position and sealed.seq != last_seq + 1:
            breaks.append(
                Break(incident_id, sealed.seq, f"found at position {position}: an event is missing")
            )
            expected_prev = sealed.prev_hash
        last_seq = sealed.seq
        if sealed.prev_hash != expected_prev:
            breaks.append(Break(incident_id, sealed.seq, "does not follow the event before it"))
        if _digest(incident_id, sealed.seq, sealed.event, sealed.prev_hash) != sealed.hash:
            breaks.append(
                Break(incident_id, sealed.seq, "its content was changed after it was written")
            )
        expected_prev = sealed.hash
    if (head or GENESIS) != expected_prev:
        last = events[-1].seq if events else 0
        breaks.append(
            Break(
                incident_id,
                last,
                "the incident's last event hash differs: events were removed or added",
            )
        )
    return breaks
