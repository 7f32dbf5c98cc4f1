"""A notification to deliver: what the outbox stores and what a channel sends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Delivery(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    UNDELIVERABLE = "undeliverable"  # no usable address: a placeholder contact


@dataclass(frozen=True, slots=True)
class Notification:
    dedup_key: str  # the same key is never queued twice
    kind: str  # page, escalation, sla_warning, sla_breach
    channel: str  # email, slack, sms, webhook, person… (guessed from the contact)
    recipient: str
    subject: str
    body: str
    incident_id: int | None = None
    status: Delivery = Delivery.PENDING
    error: str | None = None


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"^\+?[\d\sXx().-]{6,}$")


def channel_of(contact: str) -> str:
    """The kind of address a runbook contact is: "devops@x.io" → email, "Slack #ops" → slack,
    "+33 6 …" → sms, "https://…" → webhook; a bare name → person (someone to call by hand)."""
    text = contact.strip()
    lowered = text.casefold()
    if lowered.startswith("slack") or text.startswith("#"):
        return "slack"
    if _EMAIL.search(text):
        return "email"
    if lowered.startswith(("http://", "https://")):
        return "webhook"
    if _PHONE.match(text):
        return "sms"
    return "person"
