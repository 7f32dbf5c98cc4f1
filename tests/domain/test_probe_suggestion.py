"""Probes suggested from a runbook's read-only commands that state their expected result, on a
runbook written for this test (the seeds are tested through the CLI, where they live)."""

from __future__ import annotations

import pytest

from astreinte.domain.probe import ProbeKind
from astreinte.domain.probe_suggestion import Suggestion, suggest
from astreinte.domain.runbook.parse import parse

RUNBOOK = """\
# Checkout service runbook

## Incident: Cache unavailable

### Symptoms
- Checkout pages time out

### Diagnosis

```bash
# Is the cache answering?
redis-cli -h cache.internal -p 6380 -n 2 ping
# Expected: PONG

pg_isready -h db.internal -p 5433 -U checkout -d shop   # Expected: accepting connections

curl -s https://checkout.example.org/health
# Expected: {"status": "ok", "cacheConnected": true}

curl -sI https://checkout.example.org/
# Expected: HTTP 200

systemctl is-active nginx
# Résultat attendu : active

docker exec -u app shop-cache redis-cli ping
# Attendu : PONG

redis-cli info memory
# Attendre que le cache soit prêt
```

### Mitigation

```bash
systemctl restart nginx
# Expected: active
```
"""


@pytest.fixture(scope="module")
def found() -> dict[str, Suggestion]:
    runbook, _ = parse(RUNBOOK, source="checkout.md")
    return {s.name: s for s in suggest(runbook, ["checkout/cache"])}


@pytest.mark.parametrize(
    ("name", "kind", "target", "options"),
    [
        ("incident-cache-unavailable-ping", ProbeKind.REDIS, "redis://cache.internal:6380/2", {}),
        (
            "incident-cache-unavailable-ready",
            ProbeKind.POSTGRES,
            "postgresql://checkout@db.internal:5433/shop",
            {},
        ),
        (
            "incident-cache-unavailable-health",
            ProbeKind.HTTP,
            "https://checkout.example.org/health",
            {"expect_json": {"status": "ok", "cacheConnected": True}},
        ),
        (
            "incident-cache-unavailable-http",
            ProbeKind.HTTP,
            "https://checkout.example.org/",
            {"method": "HEAD", "expect_status": 200},
        ),
        (
            "incident-cache-unavailable-command",
            ProbeKind.COMMAND,
            "systemctl is-active nginx",
            {"contains": "active"},
        ),
        ("shop-cache-ping", ProbeKind.REDIS, "redis://127.0.0.1:6379/0", {}),
    ],
)
def test_each_stated_expectation_becomes_the_probe_of_its_kind(
    found: dict[str, Suggestion],
    name: str,
    kind: ProbeKind,
    target: str,
    options: dict[str, object],
) -> None:
    suggestion = found[name]

    assert (suggestion.kind, suggestion.target, suggestion.options) == (kind, target, options)
    assert suggestion.procedure_id == "checkout/cache"
    assert suggestion.symptom.startswith("Incident: Cache unavailable: ")


def test_only_read_commands_with_an_expectation_are_suggested(
    found: dict[str, Suggestion],
) -> None:
    commands = [s.command for s in found.values()]

    assert len(found) == 6
    assert "systemctl restart nginx" not in commands  # a change, even with "Expected:"
    assert "redis-cli info memory" not in commands  # "# Attendre…" is no expectation


def test_a_container_command_says_where_to_point_the_target(
    found: dict[str, Suggestion],
) -> None:
    (note,) = found["shop-cache-ping"].notes

    assert "inside the container 'shop-cache'" in note
    assert found["shop-cache-ping"].line == 26
