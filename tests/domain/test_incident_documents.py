"""Messages and post-mortems in the runbook's own shape: the seed examples adopted as templates,
rendered with an incident's values, and runbook text that cannot inject template code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2.sandbox import SandboxedEnvironment

from astreinte.domain.incident.documents import adopt, escape, meaning
from astreinte.domain.incident.model import Action, Incident, Postmortem, SlaTerms, Status, apply
from astreinte.domain.incident.timeline import GENESIS, Event, EventKind, seal
from astreinte.domain.runbook.model import Level, Runbook, Template
from astreinte.domain.runbook.parse import parse
from astreinte.services.documents import Facts, render_message, render_postmortem
from tests.conftest import SEEDS

T0 = datetime(2026, 3, 2, 9, 40, tzinfo=UTC)
NOW = T0 + timedelta(minutes=70)


@cache
def seed(prefix: str) -> Runbook:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    return runbook


def template(prefix: str, kind: str) -> Template:
    found = [t for t in seed(prefix).templates if t.kind == kind]
    assert len(found) == 1, (prefix, kind, [t.kind for t in seed(prefix).templates])
    return found[0]


def in_order(text: str, fragments: list[str]) -> bool:
    position = 0
    for fragment in fragments:
        position = text.find(fragment, position)
        if position < 0:
            return False
        position += len(fragment)
    return True


_HEADING = re.compile(r"^(#{1,6})\s+(?P<text>.*)$")
_LABEL = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*(?P<bold>[^*]{1,40}?):?\*\*:?|(?P<plain>[A-Za-zÀ-ÿ][\wÀ-ÿ' /-]{0,30}?)"
    r"\s*:)(?:\s+(?P<value>\S.*))?\s*$"
)
# What a heading or label stands for when the adopted template fills its body itself.
_FILLED = {"root_cause", "impact", "timeline", "follow_ups", "lessons", "resolution", "metrics"}
_INSTANTS = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{2}/\d{2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


def shape_of(example: str) -> list[str]:
    """The example's headings and labels, in order, as the adopted template must keep them."""
    shape = []
    in_filled_section = False
    for line in example.splitlines():
        heading = _HEADING.match(line)
        label = _LABEL.match(line)
        if heading:
            shape.append(line.split("[")[0].rstrip())
            in_filled_section = meaning(heading.group("text")) in _FILLED
        elif in_filled_section:
            continue
        elif label and label.group("bold"):
            shape.append("**" + label.group("bold"))
        elif label and meaning(label.group("plain")) is not None:
            shape.append(label.group("plain") + ":")
    return shape


def example_values(example: str) -> list[str]:
    """What the example says of its own incident: the values of the labels and the bodies of
    the sections the adopted template fills, and every time and date it quotes."""
    values: list[str] = []
    in_filled_section = False
    for line in example.splitlines():
        heading = _HEADING.match(line)
        if heading:
            in_filled_section = meaning(heading.group("text")) in _FILLED
            continue
        label = _LABEL.match(line)
        name = meaning(label.group("bold") or label.group("plain") or "") if label else None
        if label and name is not None and label.group("value"):
            values.append(label.group("value").strip())
        elif in_filled_section and line.strip(" -*0123456789.[]") and "[" not in line:
            values.append(line.strip(" -*").removeprefix("[ ] ").strip())
    values.extend(_INSTANTS.findall(example))
    return [v for v in dict.fromkeys(values) if len(v) >= 3]


ADOPTED = [
    pytest.param(
        "001",
        "post_mortem",
        {
            "date",
            "duration",
            "severity",
            "root_cause",
            "impact",
            "timeline",
            "follow_ups",
            "lessons",
        },
        id="001 post-mortem",
    ),
    pytest.param("004", "alert_message", {"impact", "root_cause", "status"}, id="004 alert"),
    pytest.param(
        "004",
        "incident_report",
        {"when", "severity", "impact", "root_cause", "resolution", "follow_ups"},
        id="004 report",
    ),
]


@pytest.mark.parametrize(("prefix", "kind", "covers"), ADOPTED)
def test_adopt_keeps_the_shape_and_drops_the_example_values(
    prefix: str, kind: str, covers: set[str]
) -> None:
    example = template(prefix, kind).text
    shape, values = shape_of(example), example_values(example)
    assert len(shape) >= 4
    assert len(values) >= 4  # the example does describe an incident of its own

    adopted = adopt(example)

    assert in_order(adopted.source, shape), adopted.source
    for value in values:
        assert value not in adopted.source, value
    assert covers <= adopted.covers


def test_adopt_keeps_the_labels_after_a_list_of_004_report() -> None:
    adopted = adopt(template("004", "incident_report").text)
    assert in_order(adopted.source, ["**Prevention**", "**Cost**"]), adopted.source


def test_a_plan_in_the_example_is_left_for_the_team_to_fill() -> None:
    # The 004 alert ends with when its own root-cause analysis was planned: not ours to copy.
    example = template("004", "alert_message").text
    label = shape_of(example)[-1]
    assert meaning(label) == "fill"
    text = render_message(facts("en"), example=example, now=NOW)
    assert f"{label} _to fill in_" in text.splitlines()


# --- rendered through the service -------------------------------------------------------------


def incident() -> Incident:
    opened = Incident(
        7,
        "Checkout down",
        Status.TRIGGERED,
        T0,
        "alice",
        service="api",
        severity="P1",
        level=Level.CRITICAL,
    )
    acknowledged = apply(opened, Action.ACKNOWLEDGE, at=T0 + timedelta(minutes=4))
    return apply(acknowledged, Action.RESOLVE, at=T0 + timedelta(minutes=65))


def facts(language: str = "fr", postmortem: Postmortem | None = None) -> Facts:
    opened = seal(7, 1, Event(T0, EventKind.OPENED, "alice", "Paiements refusés"), GENESIS)
    return Facts(
        incident(),
        language,
        postmortem
        or Postmortem(impact="12 clients n'ont pas pu payer", root_cause="Certificat TLS expiré"),
        timeline=[opened],
        follow_ups=[("Renouveler les certificats automatiquement", "bob", False)],
    )


def test_the_001_post_mortem_is_filled_from_the_incident() -> None:
    text = render_postmortem(facts(), example=template("001", "post_mortem").text, now=NOW)

    assert text.startswith("## Post-Mortem: Checkout down\n")
    assert "**Date:** 2026-03-02\n" in text
    assert "**Durée:** 65 min (09:40 - 10:45 UTC)\n" in text
    assert "**Severité:** P1 (critique)\n" in text
    assert in_order(
        text,
        [
            "### Cause Root\n\nCertificat TLS expiré",
            "### Impact\n\n12 clients n'ont pas pu payer",
            "### Timeline\n\n- 09:40: Paiements refusés (alice)",
            "### Actions Correctives\n\n1. [ ] Renouveler les certificats automatiquement (bob)",
            "### Lessons Learned\n\n_à compléter_",
        ],
    )
    for value in example_values(template("001", "post_mortem").text):
        assert value not in text, value
    # What the example lacks is added after it, what it has is not repeated.
    assert in_order(text, ["### Lessons Learned", "## Résolution", "## Commandes exécutées"])
    assert "## Chronologie" not in text
    assert "## Actions de suivi" not in text


def test_the_004_alert_is_filled_from_the_incident() -> None:
    text = render_message(facts("en"), example=template("004", "alert_message").text, now=NOW)
    assert text.splitlines() == [
        "[INCIDENT ALERT - 10:50 UTC]",
        "🚨 Checkout down (09:40-10:45 UTC)",
        "Impact: 12 clients n'ont pas pu payer",
        "Cause: Certificat TLS expiré",
        "Status: resolved",
        f"{shape_of(template('004', 'alert_message').text)[-1]} _to fill in_",
    ]


def test_what_nobody_wrote_yet_is_marked_to_fill() -> None:
    text = render_message(
        facts("en", Postmortem()), example=template("004", "alert_message").text, now=NOW
    )
    assert "Impact: _to fill in_" in text
    assert "Cause: _to fill in_" in text


def test_the_004_report_is_filled_from_the_incident() -> None:
    text = render_postmortem(facts("en"), example=template("004", "incident_report").text, now=NOW)
    assert text.startswith("## Incident Report: 7\n")
    assert "**When**: 2026-03-02 09:40 UTC – 10:45 UTC\n" in text
    assert "**Severity**: P1 (critical)\n" in text
    assert "**Fix**: _to fill in_\n" in text
    assert "1. [ ] Renouveler les certificats automatiquement (bob)" in text
    assert "2025-11-05" not in text


def test_without_a_runbook_template_our_own_layout_is_used() -> None:
    text = render_postmortem(facts("en"), example=None, now=NOW)
    assert text.startswith("# Post-mortem: Checkout down\n")
    assert in_order(
        text,
        [
            "## Impact\n\n12 clients",
            "## Root cause\n\nCertificat TLS expiré",
            "## Timeline\n\n- 09:40: Paiements refusés (alice)",
            "## Follow-up actions",
            "## Lessons learned\n\n_to fill in_",
        ],
    )
    message = render_message(facts("en"), example=None, now=NOW)
    assert message.splitlines()[0] == "[INCIDENT RESOLVED — 10:50 UTC]"
    assert "Severity: P1 (critical)" in message


# --- escaping runbook text ----------------------------------------------------------------------

ENV = SandboxedEnvironment(keep_trailing_newline=True)


@pytest.mark.parametrize(
    "text",
    [
        "Vérifier {{ config.SECRET_KEY }} puis relancer",
        "{% for x in range(10) %}boom{% endfor %}",
        "{# hidden #} visible",
        "{{ ''.__class__.__mro__ }}",
        "a }} b %} c #} d",
        "{{{{ nested }}}}",
        "{%- raw -%}{{ x }}{%- endraw -%}",
        "curl -d '{\"a\": 1}' http://x",
        "plain text, no braces\n",
        ('{"labels": {}}'),
    ],
)
def test_escaped_runbook_text_renders_literally(text: str) -> None:
    assert ENV.from_string(escape(text)).render() == text


@given(st.text(alphabet=st.sampled_from(list("{}%#-+' ab\n")), max_size=40))
def test_escaped_text_always_renders_literally(text: str) -> None:
    assert ENV.from_string(escape(text)).render() == text


def test_template_code_in_a_runbook_example_is_shown_not_run() -> None:
    example = "[INCIDENT ALERT - 10:23 UTC]\nRemarque: {{ 7 * 7 }} {% if true %}oui{% endif %}\n"
    text = render_message(facts("en"), example=example, now=NOW)
    assert "Remarque: {{ 7 * 7 }} {% if true %}oui{% endif %}" in text
    assert "49" not in text


def test_a_json_payload_in_a_runbook_example_is_shown_as_written() -> None:
    example = 'Webhook payload: {"text": "incident", "labels": {}}\n'
    text = render_message(facts("en"), example=example, now=NOW)
    assert '{"text": "incident", "labels": {}}' in text


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Cause Root", "root_cause"),
        ("Root Cause", "root_cause"),
        ("Cause racine", "root_cause"),
        ("Ce qui s'est passé", "root_cause"),
        ("Root cause analysis", "fill"),  # when it will be analysed: the team's to write
        ("RCA", "fill"),
        ("Timeline", "timeline"),
        ("Chronologie", "timeline"),
        ("Actions Correctives", "follow_ups"),
        ("Action items", "follow_ups"),
        ("Prevention", "follow_ups"),
        ("Next steps", "follow_ups"),
        ("Lessons Learned", "lessons"),
        ("Leçons apprises", "lessons"),
        ("Fix", "resolution"),
        ("Résolution", "resolution"),
        ("Métriques", "metrics"),
        ("Impact", "impact"),
        ("Users affectés", "impact"),
        ("Date/Time", "when"),
        ("When", "when"),
        ("Date", "date"),
        ("Durée", "duration"),
        ("Severité", "severity"),
        ("Sévérité", "severity"),
        ("Priorité", "severity"),
        ("Status", "status"),
        ("Statut", "status"),
        ("Services", "service"),
        ("Titre Incident", "title"),
        ("ID", "id"),
        ("Détection", "detected"),
        ("Runbook", "procedure"),
        # Decoration and numbering around the words do not matter.
        ("**Impact:**", "impact"),
        ("## Timeline", "timeline"),
        ("1. Timeline", "timeline"),
        ("2) Impact", "impact"),
        ("Cost", None),
        ("Dev time", None),
        ("4.2 Actions Correctives", "follow_ups"),
    ],
)
def test_meaning(label: str, name: str | None) -> None:
    assert meaning(label) == name


def test_our_message_states_the_sla_deadlines_still_running() -> None:
    opened = Incident(
        3,
        "API down",
        Status.TRIGGERED,
        T0,
        "alice",
        severity="P1",
        level=Level.CRITICAL,
        sla=SlaTerms(5, 30, "procedure"),
    )
    text = render_message(facts_of(opened, "en"), example=None, now=T0)
    assert "SLA: respond by 09:45 UTC · resolve by 10:10 UTC" in text
    acknowledged = apply(opened, Action.ACKNOWLEDGE, at=T0 + timedelta(minutes=2))
    text = render_message(facts_of(acknowledged, "fr"), example=None, now=T0)
    assert "SLA: résolution avant 10:10 UTC" in text  # the respond clock has stopped
    resolved = apply(acknowledged, Action.RESOLVE, at=T0 + timedelta(minutes=20))
    assert "SLA" not in render_message(facts_of(resolved, "en"), example=None, now=T0)


def facts_of(incident: Incident, language: str) -> Facts:
    return Facts(incident, language, Postmortem())
