"""Where a notification goes, decided when it is queued: routing rules by service, level and
kind, contacts with their own channels, and the contact-kind routes as the last resort.

    routing = Routing(
        rules=(Rule(channels=("pager",), services=("pay*",), levels=("critical",)),),
        contacts=(Contact("alice", "Alice Martin", (Address("slack", "@alice"),
                                                   Address("mail", "alice@example.org"))),),
        routes={"email": "mail"},
    )
    route(routing, contact="Alice", kind="page", level="critical", service="payments")
    # → [Route("pager", "Alice Martin", "routing rule 1 (service pay*, level critical)")]

Rules are tried in order and the first that matches decides, unless it says `proceed`
(Alertmanager's `continue: true`): then the next matching ones add their channels too. A rule
sends to every channel it names; a configured contact is reached there at the address it lists
for that channel. Without a matching rule a configured contact is paged on its first channel,
its next ones being its fallback chain; anyone else is reached as written, through the channel
`routes` gives their kind of address (e-mail, sms…).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from astreinte.domain.matching.analysis import fold
from astreinte.domain.notification import Address, channel_of

LEVELS = ("critical", "major", "minor")
KINDS = ("page", "escalation", "sla_warning", "sla_breach")


@dataclass(frozen=True, slots=True)
class Contact:
    """Someone configured once, with the channels to reach them in order of preference, and
    the names runbooks give them ("Alice", "DBA d'astreinte")."""

    key: str
    name: str
    addresses: tuple[Address, ...]
    aliases: tuple[str, ...] = ()

    def address_on(self, channel: str) -> Address | None:
        return next((a for a in self.addresses if a.channel == channel), None)


@dataclass(frozen=True, slots=True)
class Rule:
    """Notifications of these services (globs), levels and kinds go to `channels`; an empty
    condition matches anything."""

    channels: tuple[str, ...]
    services: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    proceed: bool = False

    def matches(self, *, kind: str, level: str | None, service: str | None) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        if self.levels and level not in self.levels:
            return False
        if not self.services:
            return True
        if not service:
            return False
        folded = service.casefold()
        return any(fnmatch.fnmatchcase(folded, p.casefold()) for p in self.services)

    def describe(self) -> str:
        parts = [
            f"{name} {', '.join(values)}"
            for name, values in (
                ("service", self.services),
                ("level", self.levels),
                ("kind", self.kinds),
            )
            if values
        ]
        return ", ".join(parts) or "any notification"


@dataclass(frozen=True, slots=True)
class Routing:
    rules: tuple[Rule, ...] = ()
    contacts: tuple[Contact, ...] = ()
    routes: Mapping[str, str] = field(default_factory=dict)  # contact kind → channel

    def contact(self, *names: str | None) -> Contact | None:
        """The configured contact one of `names` designates (its key, name or an alias, case
        and accents aside), tried in order; None when none does."""
        for name in names:
            if not name:
                continue
            wanted = _folded(name)
            for contact in self.contacts:
                if wanted in {_folded(n) for n in (contact.key, contact.name, *contact.aliases)}:
                    return contact
        return None


@dataclass(frozen=True, slots=True)
class Route:
    channel: str
    recipient: str
    reason: str  # shown with the notification: why this channel
    next_addresses: tuple[Address, ...] = ()  # the contact's fallback chain


def _folded(text: str) -> str:
    return " ".join(fold(text).split())


def matching_rules(
    rules: Iterable[Rule], *, kind: str, level: str | None, service: str | None
) -> list[tuple[int, Rule]]:
    """The rules that decide, numbered from 1: the first match, and the ones after it while
    each matched rule says `proceed`."""
    chosen = []
    for number, rule in enumerate(rules, start=1):
        if rule.matches(kind=kind, level=level, service=service):
            chosen.append((number, rule))
            if not rule.proceed:
                break
    return chosen


def route(
    routing: Routing,
    *,
    contact: str,
    role: str | None = None,
    kind: str,
    level: str | None,
    service: str | None,
) -> list[Route]:
    """The channels one contact of an escalation tier (as the runbook or the configuration
    writes it, with its role) is notified on, each with the reason; never empty."""
    known = routing.contact(contact, role)
    routes: list[Route] = []
    for number, rule in matching_rules(routing.rules, kind=kind, level=level, service=service):
        for channel in rule.channels:
            if any(r.channel == channel for r in routes):
                continue
            recipient = contact
            if known is not None:
                address = known.address_on(channel)
                recipient = address.to if address and address.to else known.name
            routes.append(Route(channel, recipient, f"routing rule {number} ({rule.describe()})"))
    if routes:
        return routes
    if known is not None and known.addresses:
        first, *rest = known.addresses
        count = len(known.addresses)
        reason = f"contact {known.key}" + (f": first of its {count} channels" if rest else "")
        return [Route(first.channel, first.to or known.name, reason, tuple(rest))]
    kind_of = channel_of(contact)
    routed = routing.routes.get(kind_of)
    if routed is not None:
        return [Route(routed, contact, f"{kind_of} address (routes.{kind_of})")]
    return [Route(kind_of, contact, f"{kind_of} address; no rule or route names a channel")]
