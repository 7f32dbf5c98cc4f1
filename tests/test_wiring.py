"""Settings into the objects the services and the API take."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.config import AlertSettings, Settings, SignatureSetting, load_settings
from astreinte.domain.incident.model import Action
from astreinte.domain.notification import Address
from astreinte.domain.routing import Contact
from astreinte.errors import InputError
from astreinte.wiring import alert_rules, delivery, incident_rules, signature_checks


def settings(**alerts: object) -> Settings:
    return Settings(database_url="sqlite://", alerts=AlertSettings.model_validate(alerts))


def test_a_signing_secret_comes_from_the_environment() -> None:
    configured = settings(signatures={"sentry": {"scheme": "sentry", "secret_env": "SENTRY_S"}})
    checks = signature_checks(configured, {"SENTRY_S": "s3cret"})
    assert checks["sentry"].secret == "s3cret"
    assert checks["sentry"].scheme == "sentry"


def test_a_missing_secret_is_reported_at_start_naming_the_variable() -> None:
    configured = settings(signatures={"grafana": {"scheme": "grafana", "secret_env": "GRAFANA_S"}})
    with pytest.raises(InputError, match="GRAFANA_S is not set"):
        signature_checks(configured, {})


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="use one of"):
        SignatureSetting(scheme="md5", secret_env="X")


def test_all_resolved_can_resolve() -> None:
    assert alert_rules(settings(when_all_resolved="resolve")).when_all_resolved is Action.RESOLVE
    assert alert_rules(settings()).when_all_resolved is Action.MITIGATE


# --- notifications: contacts, routing, templates, the public URL ------------------------------

TEAM_TOML = """
public_url = "https://astreinte.example.org/"

[channels.slack]
url = "slack://T000/B000/XXXX"
[channels.mail]
url = "mailtos://user:pass@smtp.example.org?to={recipient}"
[channels.sms]
url = "twilio://AC123:token@+33100000000/{recipient}"

[contacts.alice]
name = "Alice Martin"
channels = [{ channel = "slack", to = "@alice" }, { channel = "mail", to = "alice@example.org" }]
aliases = ["Alice", "DBA d'astreinte"]

[[routing]]
service = "payments"
level = ["critical"]
kind = ["page", "escalation"]
channels = ["sms", "slack"]
continue = true

[[routing]]
level = "minor"
channels = ["mail"]

[[escalation.tiers]]
contacts = ["alice", "ops@example.org"]

[messages.fr]
short = "#{{ incident.id }} {{ incident.title }} {{ incident.link }}"
"""


@pytest.fixture
def team_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("ASTREINTE_DATABASE_URL", "ASTREINTE_PUBLIC_URL", "ASTREINTE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "astreinte.toml"
    path.write_text(TEAM_TOML, encoding="utf-8")
    monkeypatch.setenv("ASTREINTE_CONFIG", str(path))
    return path


def test_the_readme_example_configures_contacts_routing_and_the_link(team_config: Path) -> None:
    del team_config
    notifying = incident_rules(load_settings()).notifying
    assert notifying.public_url == "https://astreinte.example.org"
    routing = notifying.routing
    assert routing.contact("dba d'astreinte") == Contact(
        "alice",
        "Alice Martin",
        (Address("slack", "@alice"), Address("mail", "alice@example.org")),
        ("Alice", "DBA d'astreinte"),
    )
    first, second = routing.rules
    assert (first.services, first.levels, first.kinds, first.proceed) == (
        ("payments",),
        ("critical",),
        ("page", "escalation"),
        True,
    )
    assert (second.levels, second.channels, second.proceed) == (("minor",), ("mail",), False)
    assert notifying.template("fr", "short") is not None
    assert notifying.template("en", "short") is None


def test_the_public_url_comes_from_the_environment(
    team_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del team_config
    monkeypatch.setenv("ASTREINTE_PUBLIC_URL", "https://oncall.example.com")
    assert incident_rules(load_settings()).notifying.public_url == "https://oncall.example.com"


def test_sms_gateways_get_the_short_form(team_config: Path) -> None:
    del team_config
    channels = delivery(load_settings()).notifier.channels  # type: ignore[attr-defined]
    assert [name for name, channel in channels.items() if channel.short] == ["sms"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('{ channel = "mail", to = "alice@example.org" }', '{ channel = "email", to = "a@x" }'),
            r"^contacts\.alice\.channels\[2\] names the channel 'email', which is not configured "
            r"\(configured: slack, mail, sms\); add \[channels\.email\] or fix the name$",
        ),
        (
            ('channels = ["sms", "slack"]', 'channels = ["sms", "pagerduty"]'),
            r"^\[\[routing\]\] rule 1 names the channel 'pagerduty', which is not configured",
        ),
        (
            ('level = "minor"', 'level = "urgent"'),
            r"^setting 'routing\.1\.level' is invalid \(.*unknown level \['urgent'\]; use "
            r"critical, major, minor\)",
        ),
        (
            ('kind = ["page", "escalation"]', 'kind = ["pages"]'),
            r"^setting 'routing\.0\.kind' is invalid \(.*unknown kind \['pages'\]",
        ),
        (
            ('level = ["critical"]', 'levels = ["critical"]'),  # a typo must not match all
            r"^setting 'routing\.0\.levels' is invalid \(Extra inputs are not permitted\)",
        ),
        (
            ("{{ incident.link }}", "{{ incident.url }}"),
            r"^template 'messages\.fr\.short' cannot be rendered: .*'url'",
        ),
        (
            ('public_url = "https://astreinte.example.org/"', 'public_url = "astreinte.local"'),
            r"^setting 'public_url' is invalid \(.*https://astreinte\.example\.org\)",
        ),
    ],
)
def test_a_configuration_mistake_is_one_sentence_at_start_naming_the_setting(
    team_config: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in TEAM_TOML
    team_config.write_text(TEAM_TOML.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError, match=message) as raised:
        incident_rules(load_settings())
    assert "\n" not in str(raised.value)
