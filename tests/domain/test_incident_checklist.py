"""Incident checklists: which runbook checklists an incident carries, and ticking their items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from astreinte.domain.incident.checklist import (
    MAX_VALIDATION_ITEMS,
    IncidentChecklist,
    Item,
    Phase,
    checklists_for,
    locate,
    phase_of,
    tick,
    validation_items,
)
from astreinte.domain.runbook.model import Runbook
from astreinte.domain.runbook.parse import parse
from astreinte.errors import InputError, NotFound
from tests.conftest import SEEDS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@cache
def seed(prefix: str) -> Runbook:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    return runbook


def seed_title(prefix: str, fragment: str) -> str:
    titles = [c.title for c in seed(prefix).checklists if fragment in c.title]
    assert len(titles) == 1, (fragment, [c.title for c in seed(prefix).checklists])
    return titles[0]


@pytest.mark.parametrize(
    ("prefix", "fragment", "phase"),
    [
        ("000", "Verification post-incident", Phase.AFTER),
        ("001", "Pendant l'incident", Phase.DURING),
        ("001", "Après l'incident", Phase.AFTER),
        ("002", "Checklist post-incident", Phase.AFTER),
        ("003", "Checklist Incident", Phase.DURING),
        ("003", "Checklist Déploiement", None),
        ("003", "Checklist Maintenance", None),
        ("003", "Pré-requis", None),
        ("004", "POST-INCIDENT CHECKLIST — Immédiat", Phase.AFTER),
        ("004", "Court-terme", Phase.AFTER),
        ("004", "Moyen-terme", Phase.AFTER),
    ],
)
def test_phase_of_the_seed_checklists(prefix: str, fragment: str, phase: Phase | None) -> None:
    assert phase_of(seed_title(prefix, fragment)) is phase


@pytest.mark.parametrize(
    ("title", "phase"),
    [
        ("During the incident", Phase.DURING),
        ("Triage", Phase.DURING),
        ("After the incident", Phase.AFTER),
        ("Follow-up", Phase.AFTER),
        ("CLÔTURE", Phase.AFTER),
        ("Immédiat (< 30 min)", Phase.AFTER),
        ("Moyen-terme", Phase.AFTER),
        ("Deployment checklist", None),
        ("Prerequisites", None),
        # Operations win: a deployment verification is not an incident checklist.
        ("Vérification après déploiement", None),
    ],
)
def test_phase_of_titles(title: str, phase: Phase | None) -> None:
    assert phase_of(title) is phase


def test_seed_001_p0_incident_carries_its_checklists_and_its_validation_steps() -> None:
    runbook = seed("001")
    p0 = next(p for p in runbook.procedures if p.severity == "P0")
    found = checklists_for(runbook.checklists, p0)

    assert [(c.phase, c.title) for c in found] == [
        (Phase.DURING, seed_title("001", "Pendant l'incident")),
        (Phase.AFTER, seed_title("001", "Après l'incident")),
        (Phase.VALIDATION, f"{p0.title} — Étape 3: Validation Post-Mitigation (< 5 min)"),
    ]
    during = found[0]
    assert [i.text for i in during.items] == list(runbook.checklists[0].items)
    assert not any(i.done or i.by or i.at for c in found for i in c.items)

    validation = [i.text for i in found[2].items]
    assert {"Landing page charge?", "Login fonctionne?", "Dashboard accessible?"} <= set(validation)
    # Bullets are gone; a sub-list's heading stays, since it is a step too.
    assert "Smoke Tests Manuels:" in validation
    assert not any(text.startswith(("-", "*")) for text in validation)


def test_a_validation_section_holding_only_a_time_estimate_gives_no_checklist() -> None:
    # 001's "Scénario 1 … Validation" is "- " and "⏱️ Temps estimé: 30-60 minutes".
    runbook = seed("001")
    scenario = next(p for p in runbook.procedures if p.title.startswith("Scénario 1"))
    phases = [c.phase for c in checklists_for(runbook.checklists, scenario)]
    assert phases == [Phase.DURING, Phase.AFTER]


def test_operations_checklists_of_003_are_left_out() -> None:
    found = checklists_for(seed("003").checklists, None)
    assert [(c.title, c.phase) for c in found] == [("Checklist Incident", Phase.DURING)]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("- [ ] a\n* b\n+ c\n1. d\n2) e\n[x] f\n• g", ("a", "b", "c", "d", "e", "f", "g")),
        ("- [x] done already\n\n   \n- second", ("done already", "second")),
        ("⏱️ Temps estimé: 10 min\nEstimated time: 5 min\n- check /health", ("check /health",)),
        ("- same\n- same\n- other", ("same", "other")),
        ("", ()),
    ],
)
def test_validation_items(text: str, items: tuple[str, ...]) -> None:
    assert validation_items(text) == items


def test_validation_items_are_capped() -> None:
    text = "\n".join(f"- step {n}" for n in range(40))
    found = validation_items(text)
    assert len(found) == MAX_VALIDATION_ITEMS
    assert found[0] == "step 0"


# --- locate and tick -------------------------------------------------------------------------

CHECKLISTS = [
    IncidentChecklist(
        "Pendant l'incident",
        Phase.DURING,
        (
            Item("Classification effectuée"),
            Item("Stakeholders alertés"),
            Item("Logs archivés"),
            Item("Logs archivés pour analyse"),
        ),
    ),
    IncidentChecklist(
        "Après l'incident",
        Phase.AFTER,
        (Item("Post-mortem rédigé"), Item("Actions correctives identifiées"), Item("Tickets")),
    ),
    IncidentChecklist(
        "POST-INCIDENT — Immédiat", Phase.AFTER, (Item("Notification résolue"), Item("Logs"))
    ),
    IncidentChecklist("POST-INCIDENT — Court-terme", Phase.AFTER, (Item("RCA complétée"),)),
]


@pytest.mark.parametrize(
    ("title", "item", "expected"),
    [
        ("Pendant l'incident", "Stakeholders alertés", (0, 1)),
        # Case and accents do not matter, nor the kind of apostrophe.
        ("PENDANT L'INCIDENT", "stakeholders alertes", (0, 1)),
        ("pendant l’incident", "STAKEHOLDERS ALERTÉS", (0, 1)),
        ("  Après l'incident ", "  post-mortem rédigé  ", (1, 0)),
        # A unique prefix is enough, for the title and for the item.
        ("apres", "actions", (1, 1)),
        ("pend", "class", (0, 0)),
        # The exact text wins over a longer item it is the prefix of.
        ("Pendant", "logs archivés", (0, 2)),
        ("Pendant", "logs archivés pour", (0, 3)),
        ("Pendant", "logs archivés p", (0, 3)),
        # The 1-based number.
        ("Après l'incident", "3", (1, 2)),
        ("Pendant", "1", (0, 0)),
        ("post-incident — court", "1", (3, 0)),
    ],
)
def test_locate(title: str, item: str, expected: tuple[int, int]) -> None:
    assert locate(CHECKLISTS, title, item) == expected


@pytest.mark.parametrize(
    ("title", "item", "error", "says"),
    [
        (
            "Pendant",
            "logs",
            InputError,
            [
                "'logs' matches 2 items of 'Pendant l'incident'",
                "give more of its text or its number",
            ],
        ),
        (
            "Pendant",
            "Rollback",
            NotFound,
            ["no item 'Rollback' in checklist 'Pendant l'incident'", "(1 to 4)"],
        ),
        ("Pendant", "9", NotFound, ["no item '9'", "(1 to 4)"]),
        ("Pendant", "0", NotFound, ["no item '0'", "(1 to 4)"]),
        (
            "Clôture",
            "1",
            NotFound,
            [
                "checklist 'Clôture' matches no checklist of this incident",
                "'Pendant l'incident'; 'Après l'incident'; 'POST-INCIDENT — Immédiat'; "
                "'POST-INCIDENT — Court-terme'",
            ],
        ),
        (
            "post-incident",
            "1",
            InputError,
            ["checklist 'post-incident' matches several checklist", "'POST-INCIDENT — Immédiat'"],
        ),
    ],
)
def test_locate_names_what_is_wrong_and_what_exists(
    title: str, item: str, error: type[Exception], says: list[str]
) -> None:
    with pytest.raises(error) as caught:
        locate(CHECKLISTS, title, item)
    for fragment in says:
        assert fragment in str(caught.value)


def test_locate_in_an_incident_without_checklists() -> None:
    with pytest.raises(NotFound, match=r"it has: none"):
        locate([], "Pendant", "1")


def test_tick_records_who_and_when_and_leaves_the_rest() -> None:
    when = T0 + timedelta(minutes=12)
    result, checklist, item = tick(
        CHECKLISTS, title="apres", item="post-mortem", done=True, by="alice", at=when
    )
    assert item == Item("Post-mortem rédigé", True, "alice", when)
    assert checklist.items[0] == item
    assert checklist.items[1:] == CHECKLISTS[1].items[1:]
    assert result[1] == checklist
    assert result[0] is CHECKLISTS[0]
    assert result[2:] == CHECKLISTS[2:]
    # The list given is left as it was.
    assert CHECKLISTS[1].items[0] == Item("Post-mortem rédigé")


def test_unticking_forgets_who_and_when() -> None:
    ticked, _, _ = tick(CHECKLISTS, title="Pendant", item="2", done=True, by="alice", at=T0)
    result, _, item = tick(
        ticked, title="Pendant", item="2", done=False, by="bob", at=T0 + timedelta(minutes=1)
    )
    assert item == Item("Stakeholders alertés", False, None, None)
    assert result[0] == CHECKLISTS[0]


def test_a_checklist_is_complete_once_every_item_is_done() -> None:
    checklists = list(CHECKLISTS)
    assert not checklists[1].complete
    for number in ("1", "2"):
        checklists, checklist, _ = tick(
            checklists, title="Après", item=number, done=True, by="alice", at=T0
        )
        assert not checklist.complete
    checklists, checklist, _ = tick(
        checklists, title="Après", item="Tickets", done=True, by="bob", at=T0
    )
    assert checklist.complete
    assert not checklists[0].complete


@pytest.mark.parametrize(("item", "error"), [("logs", InputError), ("nothing like it", NotFound)])
def test_tick_refuses_what_locate_refuses(item: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        tick(CHECKLISTS, title="Pendant", item=item, done=True, by="alice", at=T0)
