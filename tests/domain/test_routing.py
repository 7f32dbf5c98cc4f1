"""Routing decisions: rules by service, level and kind (first match wins, `proceed` goes on),
contacts found by the names runbooks give them, their channels as a fallback chain, and the
contact-kind routes when nothing else decides."""

from __future__ import annotations

import pytest

from astreinte.domain.notification import Address
from astreinte.domain.routing import Contact, Route, Routing, Rule, route

ALICE = Contact(
    "alice",
    "Alice Martin",
    (
        Address("slack", "@alice"),
        Address("mail", "alice@example.org"),
        Address("sms", "+33600000000"),
    ),
    aliases=("Alice", "DBA d'astreinte"),
)
RULES = (
    Rule(("pager", "slack-payments"), services=("pay*",), levels=("critical",)),
    Rule(("ops-chat",), levels=("minor",), proceed=True),
    Rule(("ops-mail",), kinds=("sla_breach",)),
    Rule(("audit",), services=("billing",)),
)
ROUTING = Routing(RULES, (ALICE,), {"email": "mail", "sms": "sms"})


def channels(
    contact: str, *, kind: str = "page", level: str | None, service: str | None
) -> list[tuple[str, str]]:
    found = route(ROUTING, contact=contact, kind=kind, level=level, service=service)
    return [(r.channel, r.recipient) for r in found]


@pytest.mark.parametrize(
    ("contact", "kind", "level", "service", "expected"),
    [
        # the first rule: a glob on the service and a level; every channel it names
        ("ops@example.org", "page", "critical", "payments", [
            ("pager", "ops@example.org"), ("slack-payments", "ops@example.org")]),
        ("ops@example.org", "escalation", "critical", "PayRoll", [
            ("pager", "ops@example.org"), ("slack-payments", "ops@example.org")]),
        # the same level on another service: not the first rule; nothing else matches → routes
        ("ops@example.org", "page", "critical", "checkout", [("mail", "ops@example.org")]),
        # a rule with a service does not match an incident without one
        ("ops@example.org", "page", "critical", None, [("mail", "ops@example.org")]),
        # `proceed` (continue = true) lets the next matching rules add their channels
        ("ops@example.org", "sla_breach", "minor", "web", [
            ("ops-chat", "ops@example.org"), ("ops-mail", "ops@example.org")]),
        ("ops@example.org", "page", "minor", "billing", [
            ("ops-chat", "ops@example.org"), ("audit", "ops@example.org")]),
        # without `proceed`, the first match stops: the billing rule is not reached
        ("ops@example.org", "sla_breach", "major", "billing", [("ops-mail", "ops@example.org")]),
        # a configured contact is reached on a rule's channel at its own address there…
        ("alice", "page", "minor", "web", [("ops-chat", "Alice Martin")]),
        # …and without a rule, on its own first channel
        ("Alice", "page", "major", "web", [("slack", "@alice")]),
        # a phone number nobody configured: its kind's route
        ("+33 6 12 34 56 78", "page", "major", "web", [("sms", "+33 6 12 34 56 78")]),
        # no rule, no route for its kind: the kind stays, the notifier says what to add
        ("https://hooks.example.org/x", "page", "major", "web", [
            ("webhook", "https://hooks.example.org/x")]),
    ],
)  # fmt: skip
def test_routing_decisions(
    contact: str, kind: str, level: str | None, service: str | None, expected: list[tuple[str, str]]
) -> None:
    assert channels(contact, kind=kind, level=level, service=service) == expected


def test_a_contact_is_paged_on_its_first_channel_and_its_next_ones_are_the_fallback_chain() -> None:
    (only,) = route(ROUTING, contact="alice", kind="page", level="major", service="web")
    assert only == Route(
        "slack",
        "@alice",
        "contact alice: first of its 3 channels",
        (Address("mail", "alice@example.org"), Address("sms", "+33600000000")),
    )


@pytest.mark.parametrize(
    ("contact", "role"),
    [
        ("alice", None),  # the key
        ("ALICE MARTIN", None),  # the name, whatever the case
        ("dba d’astreinte", None),  # an alias, with a typographic apostrophe
        ("DBA  d'Astreinte", None),  # …and doubled spaces
        ("À définir", "DBA d'astreinte"),  # a runbook placeholder whose role is an alias
    ],
)
def test_runbooks_name_a_configured_contact_by_key_name_or_alias(
    contact: str, role: str | None
) -> None:
    assert ROUTING.contact(contact, role) == ALICE


@pytest.mark.parametrize("contact", ["Alicia", "alice@example.org", "DBA", ""])
def test_other_names_are_not_a_configured_contact(contact: str) -> None:
    assert ROUTING.contact(contact, "tier 1") is None


def test_every_route_says_why() -> None:
    def reasons(**kwargs: str | None) -> list[str]:
        return [r.reason for r in route(ROUTING, contact="ops@example.org", kind="page", **kwargs)]

    assert (
        reasons(level="critical", service="payments")
        == ["routing rule 1 (service pay*, level critical)"] * 2
    )
    assert reasons(level="major", service="web") == ["email address (routes.email)"]
