"""A notification to deliver: what the outbox stores and what a channel sends."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from astreinte.domain.incident.model import Incident
from astreinte.domain.incident.timeline import JsonValue

# What SMS gateways bill as one message (GSM 7-bit); the short form stays within it.
SMS_LIMIT: Final = 160


class Delivery(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    UNDELIVERABLE = "undeliverable"  # no usable address: a placeholder contact


@dataclass(frozen=True, slots=True)
class Address:
    """One way to reach someone: a configured channel, and the address on it ("" when the
    channel always goes to the same place, like a Slack webhook)."""

    channel: str
    to: str = ""


@dataclass(frozen=True, slots=True)
class Notification:
    dedup_key: str  # the same key is never queued twice
    kind: str  # page, escalation, sla_warning, sla_breach
    channel: str  # a configured channel, or the contact's kind (email, sms…) when none is routed
    recipient: str
    subject: str
    body: str  # the full form: e-mail, Slack, webhook
    incident_id: int | None = None
    status: Delivery = Delivery.PENDING
    error: str | None = None
    short_body: str = ""  # the SMS form, at most SMS_LIMIT characters
    reason: str = ""  # why this channel: the routing rule, the contact, the route
    # The contact's next channels, tried in order once this one gives up.
    next_addresses: tuple[Address, ...] = ()
    # The incident as machine receivers (our webhook) want it: see `incident_details`.
    details: Mapping[str, JsonValue] = field(default_factory=dict)


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


def incident_link(public_url: str | None, incident_id: int) -> str | None:
    """The incident's page, `{public_url}/incidents/{id}`; None without a public URL (a link to
    localhost would lead the person paged nowhere)."""
    if not public_url:
        return None
    return f"{public_url.rstrip('/')}/incidents/{incident_id}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def incident_details(
    incident: Incident, *, link: str | None, language: str
) -> dict[str, JsonValue]:
    """The incident's fields for a machine receiver, named as in the generic webhook of the
    formats README (§O3): `url`, `sla.ack_due_at`, `sla.resolve_due_at`…"""
    procedure = incident.procedure
    return {
        "title": incident.title,
        "status": incident.status.value,
        "severity": incident.severity,
        "level": incident.level.value if incident.level else None,
        "service": incident.service,
        "opened_at": _iso(incident.clock_start),
        "acknowledged_at": _iso(incident.acknowledged_at),
        "resolved_at": _iso(incident.resolved_at),
        "url": link,
        "language": language,
        "procedure": (
            {
                "id": procedure.id,
                "title": procedure.title,
                "source": procedure.source,
                "runbook": procedure.runbook_id,
            }
            if procedure
            else None
        ),
        "sla": {
            "ack_due_at": _iso(incident.respond_by),
            "resolve_due_at": _iso(incident.resolve_by),
        },
    }
