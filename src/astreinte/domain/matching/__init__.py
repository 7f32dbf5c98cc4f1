"""Matching: from a symptom, an alert or a log line to the procedures handling it, with reasons."""

from astreinte.domain.matching.entries import IndexEntry, entries_for
from astreinte.domain.matching.index import Match, MatchIndex

__all__ = ["IndexEntry", "Match", "MatchIndex", "entries_for"]
