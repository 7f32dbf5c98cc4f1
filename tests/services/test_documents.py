"""Notification messages in French and English: the full form (e-mail, Slack, webhook) and the
SMS form, each with the incident's link, procedure, severity and SLA deadlines; configured
templates in their place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from astreinte.domain.incident.model import Incident, Postmortem, ProcedureRef, SlaTerms, Status
from astreinte.domain.notification import SMS_LIMIT
from astreinte.domain.runbook.model import Level
from astreinte.errors import InputError
from astreinte.services.documents import Facts, check_template, render_notice, render_short
from tests.domain.test_incident_documents import template

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
LINK = "https://astreinte.example.org/incidents/12"


def incident(title: str = "Paiements refusés", procedure: str = "Base de données down") -> Incident:
    return Incident(
        12,
        title,
        Status.TRIGGERED,
        T0,
        "alertmanager",
        service="payments",
        severity="P1",
        level=Level.CRITICAL,
        procedure=ProcedureRef("004/rb-p1-003", procedure, "004_akig.md", "004"),
        sla=SlaTerms(5, 30, "procedure"),
    )


def facts(language: str, link: str | None = LINK, **kwargs: str) -> Facts:
    return Facts(incident(**kwargs), language, Postmortem(), link=link)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "Severity: P1 (critical)",
                "Procedure: Base de données down (004_akig.md)",
                "SLA: respond by 03:05 UTC · resolve by 03:30 UTC",
                f"Link: {LINK}",
            ],
        ),
        (
            "fr",
            [
                "Sévérité: P1 (critique)",
                "Procédure: Base de données down (004_akig.md)",
                "SLA: prise en charge avant 03:05 UTC · résolution avant 03:30 UTC",
                f"Lien: {LINK}",
            ],
        ),
    ],
)
def test_the_full_message_states_link_procedure_severity_and_deadlines(
    language: str, expected: list[str]
) -> None:
    lines = render_notice(facts(language), example=None, now=T0).splitlines()
    for line in expected:
        assert line in lines


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "#12 P1 critical: API down (payments). SLA: respond 03:05, resolve 03:30 UTC. "
            f"Procedure: Restart the API {LINK}",
        ),
        (
            "fr",
            "#12 P1 critique: API down (payments). SLA: réponse 03:05, résolution 03:30 UTC. "
            f"Procédure: Restart the API {LINK}",
        ),
    ],
)
def test_the_sms_says_it_all_in_160_characters(language: str, expected: str) -> None:
    text = render_short(facts(language, title="API down", procedure="Restart the API"), now=T0)
    assert text == expected
    assert len(text) <= SMS_LIMIT


def test_a_long_sms_is_shortened_but_keeps_its_link_whole() -> None:
    long = facts(
        "fr",
        title="Le service de paiement renvoie des erreurs 502 pour tous les clients depuis 3 h",
        procedure="Redémarrer le pool de connexions PostgreSQL et vérifier la réplication",
    )
    text = render_short(long, now=T0)
    assert len(text) <= SMS_LIMIT
    assert text.endswith(LINK)
    assert text.startswith("#12 P1 critique: Le service de")
    assert "SLA: réponse 03:05, résolution 03:30 UTC." in text
    assert "..." in text
    assert "…" not in text  # GSM 7-bit: one "…" would make the SMS UCS-2


def test_without_a_public_url_no_link_is_made_up() -> None:
    text = render_notice(facts("en", link=None), example=None, now=T0)
    assert "Link" not in text
    assert "http" not in text
    assert "http" not in render_short(facts("en", link=None), now=T0)


def test_a_runbook_message_gets_what_it_lacks_added_after_it() -> None:
    example = template("004", "alert_message").text
    text = render_notice(facts("en"), example=example, now=T0)
    assert text.startswith("[INCIDENT ALERT - 03:00 UTC]\n")  # the runbook's own shape first
    assert text.rstrip().splitlines()[-4:] == [
        "Severity: P1 (critical)",
        "Procedure: Base de données down (004_akig.md)",
        "SLA: respond by 03:05 UTC · resolve by 03:30 UTC",
        f"Link: {LINK}",
    ]


def test_configured_templates_replace_ours() -> None:
    full = "{{ incident.title }} → {{ incident.link }}\n"
    short = "INC{{ incident.id }} {{ incident.severity }} {{ incident.link }}"
    assert render_notice(facts("en"), example="ignored", now=T0, source=full) == (
        f"Paiements refusés → {LINK}\n"
    )
    assert render_short(facts("fr"), now=T0, source=short) == f"INC12 P1 {LINK}"


def test_a_configured_template_that_fails_at_night_falls_back_to_ours() -> None:
    text = render_notice(facts("en"), example=None, now=T0, source="{{ incident.nope }}")
    assert f"Link: {LINK}" in text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ incident.titel }}", "'dict object' has no attribute 'titel'"),
        ("{% if %}", "Expected an expression"),
    ],
)
def test_a_configured_template_is_checked_at_start(source: str, message: str) -> None:
    with pytest.raises(InputError, match=rf"template 'messages.fr.short'.*{message}"):
        check_template(source, name="messages.fr.short", language="fr")
