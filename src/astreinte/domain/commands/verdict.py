"""Verdicts: one finding about one part of a command, and how they add up to an `Assessment`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from astreinte.domain.commands.shell import Simple
from astreinte.domain.runbook.model import Assessment, Risk

READ: Final = Risk.READ
CHANGE: Final = Risk.CHANGE
DESTRUCTIVE: Final = Risk.DESTRUCTIVE

_RANK: Final = {Risk.READ: 0, Risk.CHANGE: 1, Risk.DESTRUCTIVE: 2}
MAX_DEPTH: Final = 8


@dataclass(frozen=True, slots=True)
class Verdict:
    """One finding about one part of a command. `note` keeps the reason even when not the worst."""

    risk: Risk
    reason: str
    sensitive: bool = False
    note: bool = False


TOO_DEEP: Final = Verdict(CHANGE, "commands nested too deeply to analyse, treated as a change")


@dataclass(frozen=True, slots=True)
class Context:
    """Where a command sits: how deeply it is nested, and whether a wrapper aimed it at prod."""

    depth: int = 0
    production: bool = False  # set by `railway run --environment production` and the like

    def deeper(self) -> Context:
        return replace(self, depth=self.depth + 1)


Args = tuple[str, ...]
Judge = Callable[[Simple, Args, Context], list[Verdict]]


def summarise(verdicts: Sequence[Verdict]) -> Assessment:
    """The worst risk found, whether anything is sensitive, and the reasons worth showing."""
    if not verdicts:
        return Assessment(READ, False, ("nothing to run (empty or only comments)",))
    top = max((v.risk for v in verdicts), key=_RANK.__getitem__)
    reasons = [v.reason for v in verdicts if v.risk is top or v.sensitive or v.note]
    return Assessment(top, any(v.sensitive for v in verdicts), tuple(dict.fromkeys(reasons)))
