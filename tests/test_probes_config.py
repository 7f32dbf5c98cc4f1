"""The [[probes]] tables of astreinte.toml: read into specs, and every mistake one sentence with
the file, the line and what to write; `--config` (load_settings(config=…)) picks the file."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from astreinte.config import load_settings
from astreinte.domain.probe import ProbeKind
from astreinte.errors import InputError
from astreinte.wiring import probe_rules, probe_specs

GOOD = """\
database_url = "sqlite:///x.db"
probe_concurrency = 20

[[probes]]
name = "redis"
kind = "redis"
target = "redis://127.0.0.1:6379/0"
interval = "10s"
service = "sylion"

[[probes]]
name = "health"
kind = "http"
target = "http://127.0.0.1:8000/health"
interval = "500ms"
expect_json = { redisConnected = true }
fall = 3
rise = 1
symptom = "/health says redisConnected: false"

[[probes]]
name = "jobs"
kind = "queue"
target = "redis://127.0.0.1:6379/0"
interval = "1m"
timeout = "3s"
system = "bullmq"
queue = "whatsapp"
max_length = 1000
"""
_S = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ASTREINTE_DATABASE_URL", "ASTREINTE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def specs_of(text: str, tmp_path: Path) -> list[object]:
    config = tmp_path / "astreinte.toml"
    config.write_text(text, encoding="utf-8")
    return list(probe_specs(load_settings()))


def error_of(text: str, tmp_path: Path) -> str:
    with pytest.raises(InputError) as caught:
        specs_of(text, tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_probes_are_read_with_their_kind_options(tmp_path: Path) -> None:
    config = tmp_path / "team.toml"
    config.write_text(GOOD)
    settings = load_settings(config=config)

    redis, health, jobs = probe_specs(settings)

    assert (redis.name, redis.kind, redis.interval) == ("redis", ProbeKind.REDIS, 10 * _S)
    assert (redis.timeout, redis.service, redis.fall) == (5 * _S, "sylion", 2)
    assert health.interval == timedelta(milliseconds=500)
    assert health.timeout == timedelta(milliseconds=500)  # never longer than the interval
    assert health.options == {"expect_json": {"redisConnected": True}}
    assert (health.fall, health.rise) == (3, 1)
    assert health.symptom == "/health says redisConnected: false"
    assert jobs.options == {"system": "bullmq", "queue": "whatsapp", "max_length": 1000}
    assert jobs.timeout == 3 * _S
    assert probe_rules(settings).concurrency == 20
    assert probe_rules(settings).retention_days == 30


def test_no_file_or_no_probes_is_no_probes(tmp_path: Path) -> None:
    assert probe_specs(load_settings()) == []
    assert specs_of('database_url = "sqlite:///x.db"\n', tmp_path) == []


def test_an_unknown_key_is_reported_with_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("fall = 3", "expct_json = { ok = true }")

    message = error_of(text, tmp_path)

    line = 1 + text.splitlines().index("expct_json = { ok = true }")
    assert message.startswith(f"astreinte.toml:{line}: probe 'health' has an unknown key")
    assert "did you mean 'expect_json'?" in message
    assert "contains" in message  # what an http probe takes


def test_an_option_of_another_kind_is_an_unknown_key(tmp_path: Path) -> None:
    text = GOOD.replace('service = "sylion"', "max_length = 10")

    message = error_of(text, tmp_path)

    assert message.startswith("astreinte.toml:9: probe 'redis' has an unknown key 'max_length'")


def test_a_duplicate_name_names_both_lines(tmp_path: Path) -> None:
    text = GOOD.replace('name = "jobs"', 'name = "redis"')

    message = error_of(text, tmp_path)

    assert message == (
        "astreinte.toml:21: probe name 'redis' is used twice (first at line 4); "
        "give each probe its own name"
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ('interval = "10s"', 'interval = "10 sec"', r"^astreinte.toml:8: probe 'redis' interval"),
        ('interval = "10s"', "interval = 10", r"^astreinte.toml:8: .* is not a duration"),
        (
            'timeout = "3s"',
            'timeout = "2m"',
            r"^astreinte.toml:\d+: probe 'jobs' timeout is longer",
        ),
        ('kind = "redis"', 'kind = "memcached"', r"^astreinte.toml:6: .* kind 'memcached'; use"),
        ('name = "redis"', 'name = "my redis"', r"^astreinte.toml:5: a probe's name is"),
        ("fall = 3", "fall = 0", r"^astreinte.toml:\d+: probe 'health' fall must be"),
        (
            "max_length = 1000",
            'max_length = "lots"',
            r"^astreinte.toml:29: probe 'jobs' \(queue\): option 'max_length'",
        ),
    ],
)
def test_a_bad_value_is_one_sentence_naming_the_probe(
    tmp_path: Path, before: str, after: str, expected: str
) -> None:
    assert before in GOOD
    message = error_of(GOOD.replace(before, after, 1), tmp_path)

    assert re.search(expected, message), message


def test_a_single_probes_table_asks_for_double_brackets(tmp_path: Path) -> None:
    message = error_of('[probes]\nname = "x"\n', tmp_path)

    assert "[[probes]] tables" in message


def test_config_option_names_a_file_that_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such configuration file; check --config$"):
        load_settings(config=tmp_path / "missing.toml")


def test_astreinte_config_is_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "etc.toml"
    config.write_text(GOOD)
    monkeypatch.setenv("ASTREINTE_CONFIG", str(config))

    assert [s.name for s in probe_specs(load_settings())] == ["redis", "health", "jobs"]
