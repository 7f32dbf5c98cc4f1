"""Matching: from a symptom, an alert or a log line to the procedures handling it, with reasons."""

from astreinte.domain.matching.entries import IndexEntry, entries_for
from astreinte.domain.matching.index import Match, MatchIndex
from astreinte.domain.matching.severity import (
    SeverityExample,
    SeverityGuide,
    SeveritySuggestion,
    examples_for,
)

__all__ = [
    "IndexEntry",
    "Match",
    "MatchIndex",
    "SeverityExample",
    "SeverityGuide",
    "SeveritySuggestion",
    "entries_for",
    "examples_for",
]
