"""Settings: environment over astreinte.toml over defaults, read when built, never at import."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.config import load_settings
from astreinte.errors import InputError


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ASTREINTE_DATABASE_URL", "ASTREINTE_RUNBOOKS", "ASTREINTE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_the_default_database_is_a_file_in_the_working_directory(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'astreinte.db'}"
    assert settings.runbooks == []


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "astreinte.toml").write_text(
        'database_url = "sqlite:///toml.db"\nrunbooks = ["docs/runbooks"]\n\n[probes]\nx = 1\n'
    )
    assert load_settings().database_url == "sqlite:///toml.db"
    assert load_settings().runbooks == [tmp_path / "docs" / "runbooks"]

    monkeypatch.setenv("ASTREINTE_DATABASE_URL", "postgresql+psycopg://db/astreinte")
    assert load_settings().database_url == "postgresql+psycopg://db/astreinte"


def test_astreinte_config_points_at_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "etc" / "team.toml"
    config.parent.mkdir()
    config.write_text('runbooks = ["../runbooks"]\n')
    monkeypatch.setenv("ASTREINTE_CONFIG", str(config))
    assert load_settings().runbooks == [tmp_path / "etc" / ".." / "runbooks"]


def test_a_broken_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "astreinte.toml").write_text("database_url = \n")
    with pytest.raises(
        InputError, match=r"^astreinte.toml: invalid TOML \(.*\); fix or remove it$"
    ):
        load_settings()


def test_a_bad_value_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "astreinte.toml").write_text("database_url = 42\n")
    with pytest.raises(InputError, match="setting 'database_url' is invalid"):
        load_settings()
