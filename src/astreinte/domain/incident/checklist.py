"""Checklists an incident carries, taken from its runbook: what to do during the incident, what
to do after it, and the procedure's own validation steps.

A runbook checklist is kept when its title says it is about an incident ("Pendant l'incident",
"Checklist post-incident", "POST-INCIDENT CHECKLIST — Immédiat"); deployment and maintenance
checklists belong to operations and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from astreinte.domain.matching.analysis import fold
from astreinte.domain.runbook.model import Checklist, Procedure, SectionKind
from astreinte.errors import InputError, NotFound

MAX_VALIDATION_ITEMS: Final = 25


class Phase(StrEnum):
    DURING = "during"
    AFTER = "after"
    VALIDATION = "validation"


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    done: bool = False
    by: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IncidentChecklist:
    title: str
    phase: Phase
    items: tuple[Item, ...]

    @property
    def complete(self) -> bool:
        return all(item.done for item in self.items)


_OPERATIONS = re.compile(
    r"\b(?:deploiement|deployment|deploy|maintenance|pre-?requis|prerequisites?)\b"
)
_AFTER = re.compile(
    r"\b(?:apres|after|post|post-incident|postmortem|post-mortem|verification|immediat|"
    r"court-terme|moyen-terme|long-terme|follow-up|suivi|cloture|closing)\b"
)


def phase_of(title: str) -> Phase | None:
    """The phase a runbook checklist belongs to, None when it is not an incident checklist."""
    folded = fold(title)
    if _OPERATIONS.search(folded):
        return None
    return Phase.AFTER if _AFTER.search(folded) else Phase.DURING


_ESTIMATES = ("temps estime", "estimated time")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|\[[ xX]?\])\s*(?:\[[ xX]?\]\s*)?")


def validation_items(text: str) -> tuple[str, ...]:
    """The steps of a validation section: its non-empty lines without their bullets; headings
    of sub-lists ("Vérifier les logs:") stay, since they are steps too; time estimates go."""
    items = []
    for line in text.splitlines():
        item = _BULLET.sub("", line).strip()
        if (
            not item
            or item.startswith("⏱")
            or fold(item).startswith(("temps estime", "estimated time"))
        ):
            continue
        items.append(item)
    return tuple(dict.fromkeys(items))[:MAX_VALIDATION_ITEMS]


def checklists_for(
    checklists: Iterable[Checklist], procedure: Procedure | None
) -> list[IncidentChecklist]:
    """The checklists a new incident carries: the runbook's incident checklists, in document
    order, then each validation section of its procedure that lists steps."""
    found: list[IncidentChecklist] = []
    for checklist in checklists:
        phase = phase_of(checklist.title)
        if phase is not None and checklist.items:
            found.append(
                IncidentChecklist(checklist.title, phase, tuple(Item(t) for t in checklist.items))
            )
    if procedure is not None:
        for section in procedure.sections:
            if section.kind is not SectionKind.VALIDATION:
                continue
            items = validation_items(section.text)
            if items:
                title = f"{procedure.title} — {section.title}"
                found.append(
                    IncidentChecklist(title, Phase.VALIDATION, tuple(Item(t) for t in items))
                )
    return found


def locate(checklists: list[IncidentChecklist], title: str, item: str) -> tuple[int, int]:
    """(checklist index, item index) of `item` in the checklist titled `title`.

    Titles and items are matched without case or accents, exactly first, then as a unique
    prefix; an item may also be given by its 1-based number. Raises NotFound or InputError
    naming what was asked and what exists.
    """
    wanted_title = fold(title).strip()
    candidates = [i for i, c in enumerate(checklists) if fold(c.title).strip() == wanted_title]
    if not candidates:
        candidates = [i for i, c in enumerate(checklists) if fold(c.title).startswith(wanted_title)]
    if len(candidates) != 1:
        names = "; ".join(f"'{c.title}'" for c in checklists) or "none"
        if candidates:
            raise InputError(
                f"checklist '{title}' matches several checklists of this incident; "
                f"give more of its title (it has: {names})"
            )
        raise NotFound(
            f"checklist '{title}' matches no checklist of this incident (it has: {names})"
        )
    index = candidates[0]
    items = checklists[index].items
    wanted = fold(item).strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(items):
        return index, int(wanted) - 1
    exact = [i for i, it in enumerate(items) if fold(it.text).strip() == wanted]
    prefix = [i for i, it in enumerate(items) if fold(it.text).startswith(wanted)] if wanted else []
    chosen = exact or prefix
    if len(chosen) != 1:
        if len(chosen) > 1:
            raise InputError(
                f"item '{item}' matches {len(chosen)} items of '{checklists[index].title}'; "
                "give more of its text or its number"
            )
        raise NotFound(
            f"no item '{item}' in checklist '{checklists[index].title}'; give its text or its "
            f"number (1 to {len(items)})"
        )
    return index, chosen[0]


def tick(
    checklists: list[IncidentChecklist],
    *,
    title: str,
    item: str,
    done: bool,
    by: str,
    at: datetime,
) -> tuple[list[IncidentChecklist], IncidentChecklist, Item]:
    """The checklists with one item set done or not done, who did it and when; also returns the
    checklist and the item as they are now."""
    c, i = locate(checklists, title, item)
    checklist = checklists[c]
    changed = Item(checklist.items[i].text, done, by if done else None, at if done else None)
    items = list(checklist.items)
    items[i] = changed
    updated = replace(checklist, items=tuple(items))
    result = list(checklists)
    result[c] = updated
    return result, updated, changed
