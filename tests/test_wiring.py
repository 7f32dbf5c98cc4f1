"""Settings into the objects the services and the API take."""

from __future__ import annotations

import pytest

from astreinte.config import AlertSettings, Settings, SignatureSetting
from astreinte.domain.incident.model import Action
from astreinte.errors import InputError
from astreinte.wiring import alert_rules, signature_checks


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
