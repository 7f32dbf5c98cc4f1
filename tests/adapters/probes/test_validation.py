"""What `validate` says about a probe's options and target: one sentence naming the probe, the
option and what to write; and `check` reporting the same sentence instead of raising."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from astreinte.adapters.probes import OPTION_NAMES, validate
from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.probe import ProbeKind
from astreinte.errors import InputError
from tests.adapters.probes.peers import probe, probe_with, run

K = ProbeKind


@pytest.mark.parametrize(
    ("kind", "target", "options", "message"),
    [
        (K.HTTP, "https://api/health", {"expect_stauts": 200},
         "probe 'test-http' (http): unknown option 'expect_stauts' (this kind accepts: contains, "
         "expect_json, expect_status, follow_redirects, headers, max_latency, method, verify)"),
        (K.HTTP, "https://api/health", {"expect_status": "200"},
         "probe 'test-http' (http): option 'expect_status' cannot be '200'; write a status such "
         "as 200, or a list such as [200, 204]"),
        (K.HTTP, "https://api/health", {"expect_status": [200, 999]},
         "probe 'test-http' (http): option 'expect_status': must hold HTTP statuses between "
         "100 and 599"),
        (K.HTTP, "https://api/health", {"max_latency": "2 secondes"},
         "probe 'test-http' (http): option 'max_latency': '2 secondes' is not a duration; "
         'write e.g. "500ms", "10s", "1m"'),
        (K.HTTP, "https://api/health", {"verify": "no"},
         "probe 'test-http' (http): option 'verify' should be a valid boolean, not 'no' "
         "(write true or false (false accepts any TLS certificate))"),
        (K.HTTP, "api.example.org/health", {},
         "probe 'test-http' (http): target 'api.example.org/health' is not an http(s) URL; "
         "write e.g. 'https://host/health'"),
        (K.TCP, "db.internal", {},
         "probe 'test-tcp' (tcp): target 'db.internal' is not host:port; "
         "write e.g. 'tcp://db.internal:5432'"),
        (K.TCP, "db.internal:99999", {},
         "probe 'test-tcp' (tcp): target 'db.internal:99999' is not host:port; "
         "write e.g. 'tcp://db.internal:5432'"),
        (K.TLS, "api.example.org", {"min_days": "14"},
         "probe 'test-tls' (tls): option 'min_days' should be a valid integer, not '14' "
         "(write a number of days such as 14)"),
        (K.TLS, "api.example.org", {"ca_file": "/nowhere/ca.pem"},
         "probe 'test-tls' (tls): ca_file '/nowhere/ca.pem' cannot be read "
         "(No such file or directory)"),
        (K.POSTGRES, "db.internal:5432", {},
         "probe 'test-postgres' (postgres): target is not a PostgreSQL URL; "
         "write e.g. 'postgresql://user@db.internal:5432/app'"),
        (K.POSTGRES, "postgresql://db/app", {"threshold": 80},
         "probe 'test-postgres' (postgres): threshold needs a query returning the number to "
         "compare"),
        (K.POSTGRES, "postgresql://db/app", {"query": "SELECT 1", "op": "=>"},
         "probe 'test-postgres' (postgres): option 'op' should be '>', '>=', '<', '<=', '==' "
         "or '!=', not '=>'"),
        (K.REDIS, "127.0.0.1:6379", {},
         "probe 'test-redis' (redis): target is not a Redis URL; write e.g. "
         "'redis://127.0.0.1:6379/0' (or rediss://)"),
        (K.REDIS, "redis://cache:6379/0", {"max_memory_percent": 120},
         "probe 'test-redis' (redis): option 'max_memory_percent' should be less than or equal "
         "to 100, not 120 (write a percentage such as 90)"),
        (K.QUEUE, "redis://cache:6379/0", {"queue": "emails"},
         "probe 'test-queue' (queue): option 'system' is missing; write \"bullmq\", \"celery\" "
         "or \"rq\""),
        (K.QUEUE, "redis://cache:6379/0", {"system": "sidekiq"},
         "probe 'test-queue' (queue): option 'system' should be 'bullmq', 'celery' or 'rq', "
         "not 'sidekiq'"),
        (K.QUEUE, "redis://cache:6379/0", {"system": "bullmq"},
         "probe 'test-queue' (queue): a BullMQ queue needs its name: write queue = \"<name>\""),
        (K.QUEUE, "redis://cache:6379/0", {"system": "celery", "max_age": "5m"},
         "probe 'test-queue' (queue): max_age cannot be checked for Celery (its messages carry "
         "no enqueue time); use max_length"),
        (K.DISK, "var/lib/postgresql", {},
         "probe 'test-disk' (disk): target 'var/lib/postgresql' is not an absolute path; "
         "write e.g. '/var/lib/postgresql'"),
        (K.LOAD, "db.internal", {},
         "probe 'test-load' (load): target 'db.internal' cannot be measured: the load probe "
         'reads the machine astreinte runs on; write target = "local"'),
        (K.COMMAND, "redis-cli -h 'cache ping", {},
         "probe 'test-command' (command): target cannot be split into words (No closing "
         "quotation); check its quotes"),
        (K.COMMAND, "   ", {},
         "probe 'test-command' (command): target is empty; write the command, "
         "e.g. 'redis-cli ping'"),
    ],
)  # fmt: skip
def test_a_bad_probe_is_refused_with_one_clear_sentence(
    kind: ProbeKind, target: str, options: dict[str, JsonValue], message: str
) -> None:
    spec = probe_with(kind, target, options)

    with pytest.raises(InputError) as raised:
        validate(spec)

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("kind", "target", "options"),
    [
        (K.HTTP, "https://api.example.org/health",
         {"expect_json": {"redisConnected": True, "db.status": "ok"}, "max_latency": "2s",
          "expect_status": [200, 204], "headers": {"Authorization": "Bearer x"}}),
        (K.TCP, "tcp://[::1]:5432", {}),
        (K.TLS, "https://api.example.org", {"min_days": 21, "verify": False}),
        (K.POSTGRES, "postgres://monitor@db/app",
         {"query": "SELECT count(*) FROM pg_stat_activity", "threshold": 80, "op": ">="}),
        (K.REDIS, "rediss://:pw@cache.example.org:6380/0", {"max_memory_percent": 85}),
        (K.QUEUE, "redis://cache/0", {"system": "rq", "max_length": 100, "max_age": "10m"}),
        (K.DISK, "file:///var/lib/postgresql", {"max_percent": 85.5}),
        (K.LOAD, "local", {"max_per_cpu": 1.5}),
        (K.COMMAND, "pg_isready -h 127.0.0.1", {"contains": "accepting connections"}),
    ],
)  # fmt: skip
def test_a_well_written_probe_is_accepted(
    kind: ProbeKind, target: str, options: dict[str, JsonValue]
) -> None:
    validate(probe_with(kind, target, options))


def test_every_kind_lists_the_options_it_accepts() -> None:
    assert set(OPTION_NAMES) == set(ProbeKind)
    assert OPTION_NAMES[K.TCP] == frozenset()
    assert {"expect_json", "max_latency", "contains", "expect_status"} <= OPTION_NAMES[K.HTTP]
    assert OPTION_NAMES[K.QUEUE] == {"system", "queue", "prefix", "max_length", "max_age"}
    assert OPTION_NAMES[K.POSTGRES] == {"query", "threshold", "op"}


def test_check_reports_a_bad_option_instead_of_raising() -> None:
    at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)

    result = run(probe(K.DISK, "/", max_percentt=90), clock=lambda: at)

    assert not result.ok
    assert result.at == at
    assert result.detail.startswith("probe 'test-disk' (disk): unknown option 'max_percentt'")
