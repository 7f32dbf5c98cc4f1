"""Property-based tests: whatever bytes or Markdown arrive, reading them never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astreinte.domain.runbook.parse import parse
from tests.conftest import SEEDS

_BLOCKS = st.sampled_from(
    [
        "# Titre\n",
        "## Incident 1 : base down (P1)\n",
        "### Symptômes\n",
        "### Diagnostic\n",
        "**Mitigation** :\n",
        "- [ ] vérifier\n",
        "1. **Si timeout:** relancer\n",
        "```bash\nsudo systemctl restart nginx\n```\n",
        "```\nunterminated fence\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "> **Version:** 1.0\n",
        "---\ntitle: x\n---\n",
        "## P1: INCIDENTS CRITIQUES\n**SLA: Réponse <5 min | Résolution <30 min**\n",
        "### 🔴 RB-P1-001: Panne\n",
        "#### Escalade\n",
        "<details>\n",
        "    indented code\n",
        "🚨\u20e3\ufe0f ✅ ❌ ⏱️\n",
        "√© Ã© ğŸ\n",
        "\ufffd\n",
        "\x00\x01\x02\n",
        "\r\n",
        "[lien](./nowhere.md)\n",
        "* * *\n",
        "Setext title\n=====\n",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.one_of(_BLOCKS, st.text(max_size=80)), max_size=40))
def test_random_markdown_never_crashes(pieces: list[str]) -> None:
    runbook, diagnostics = parse("".join(pieces), source="random.md")
    assert isinstance(runbook.title, str)
    assert runbook.title
    for procedure in runbook.procedures:
        assert procedure.line_start <= procedure.line_end or procedure.line_end == 0
        for line in procedure.commands:
            assert line.assessment is not None
    assert all(isinstance(d.message, str) for d in diagnostics)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_random_bytes_never_crash(data: bytes) -> None:
    runbook, _ = parse(data, source="garbage.bin")
    assert runbook.source == "garbage.bin"


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
@settings(max_examples=25, deadline=None)
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_seeds_give_a_partial_result(seed: Path, cut: float) -> None:
    data = seed.read_bytes()
    runbook, _ = parse(data[: int(len(data) * cut)], source=seed.name)
    full, _ = parse(data, source=seed.name)
    assert len(runbook.procedures) <= len(full.procedures) + 1
