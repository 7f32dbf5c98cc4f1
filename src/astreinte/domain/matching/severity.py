"""Severity suggestion: the matched procedure's own severity, or, for a text no procedure
answers, the level whose classification examples it resembles.

Runbooks often file examples under each level ("P0 - CRITIQUE … Exemples: Application
complètement down (502/503)"). A text that resembles one of them gets that level, with the
example quoted as the reason.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from astreinte.domain.matching.analysis import terms
from astreinte.domain.matching.index import Match
from astreinte.domain.runbook.model import Level, Runbook

MIN_COVERAGE = 0.35  # share of the query's (rarity-weighted) terms an example must hold


@dataclass(frozen=True, slots=True)
class SeverityExample:
    runbook_id: str
    label: str
    level: Level
    text: str


@dataclass(frozen=True, slots=True)
class SeveritySuggestion:
    label: str | None
    level: Level
    source: str  # "procedure" or "classification"
    runbook_id: str
    reason: str


def examples_for(runbook_id: str, runbook: Runbook) -> list[SeverityExample]:
    return [
        SeverityExample(runbook_id, level.label, level.level, example)
        for level in runbook.severity_levels
        for example in level.examples
    ]


class SeverityGuide:
    """The classification examples of a catalogue, searchable by resemblance."""

    def __init__(self, examples: list[SeverityExample]) -> None:
        self.examples = examples
        self._terms = [frozenset(terms(example.text)) for example in examples]
        df = Counter(term for bag in self._terms for term in bag)
        total = len(examples)
        self._idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in df.items()}

    def suggest(self, query: str, best: Match | None) -> SeveritySuggestion | None:
        """The best procedure's severity when it has one, else the closest example's level."""
        if best is not None and best.level is not None:
            return SeveritySuggestion(
                label=best.severity,
                level=best.level,
                source="procedure",
                runbook_id=best.runbook_id,
                reason=f"severity of the matched procedure '{best.title}'",
            )
        asked = {t for t in terms(query) if t in self._idf}
        if not asked:
            return None
        mass = sum(self._idf[t] for t in asked)
        scored = [
            (sum(self._idf[t] for t in asked & bag) / mass, number)
            for number, bag in enumerate(self._terms)
        ]
        coverage, number = max(scored, key=lambda item: (item[0], -item[1]))
        if coverage < MIN_COVERAGE:
            return None
        example = self.examples[number]
        return SeveritySuggestion(
            label=example.label,
            level=example.level,
            source="classification",
            runbook_id=example.runbook_id,
            reason=f"resembles '{example.text}', filed under {example.label} ({example.level})",
        )
