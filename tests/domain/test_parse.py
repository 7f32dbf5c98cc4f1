"""The five seed runbooks read exactly as the inventory (shared/spec/seed_inventory.md §4.3) says.

The expected figures below are the inventory's oracle facts (counts, labels, minutes); the runbook
text itself is read from ../shared at run time, never copied here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from astreinte.domain.runbook.model import (
    BackupVerdict,
    CodeLine,
    Level,
    ProcedureKind,
    Risk,
    Runbook,
    SectionKind,
)
from astreinte.domain.runbook.parse import parse
from astreinte.domain.runbook.repair import mojibake_score
from tests.conftest import PUBLIC_RUNBOOKS, SEEDS, SPEC


@cache
def seed(prefix: str) -> Runbook:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    runbook, _ = parse(path.read_bytes(), source=path.name)
    return runbook


def strings(value: object) -> Iterator[str]:
    """Every string held anywhere in a parsed value."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from strings(getattr(value, item.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize(
    ("prefix", "incidents", "operations"),
    [("000", 5, 0), ("001", 5, 0), ("002", 7, 1), ("003", 6, 6), ("004", 8, 0)],
)
def test_procedure_counts(prefix: str, incidents: int, operations: int) -> None:
    kinds = [p.kind for p in seed(prefix).procedures]
    assert kinds.count(ProcedureKind.INCIDENT) == incidents
    assert kinds.count(ProcedureKind.OPERATION) == operations


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_no_mojibake_in_any_stored_string(prefix: str) -> None:
    runbook = seed(prefix)
    for text in strings(runbook):
        assert mojibake_score(text) == 0, text
        for telltale in ("Ã©", "â€", "ğŸ", "ï¸", "√©", "\uf8ff", "‚Ä", "Ô£", "‚Üí"):
            assert telltale not in text


@pytest.mark.parametrize(
    ("prefix", "method", "repaired"),
    [
        ("000", "none", False),
        ("001", "cp1254", True),
        ("002", "mac_roman", True),
        ("003", "mac_roman", True),
        ("004", "mac_roman", True),
    ],
)
def test_encoding_repair_is_recorded(prefix: str, method: str, repaired: bool) -> None:
    encoding = seed(prefix).encoding
    assert encoding.repaired is repaired
    assert method in encoding.method


@pytest.mark.parametrize(
    ("prefix", "severities", "levels"),
    [
        ("000", [None] * 5, [None] * 5),
        (
            "001",
            ["P0", "P1", "P1", "P1", "P2"],
            [Level.CRITICAL, Level.MAJOR, Level.MAJOR, Level.MAJOR, Level.MINOR],
        ),
        (
            "003",
            ["P0", "P0", "P1", "P0", "P1", "P2"] + [None] * 6,
            [Level.CRITICAL, Level.CRITICAL, Level.MAJOR, Level.CRITICAL, Level.MAJOR, Level.MINOR]
            + [None] * 6,
        ),
        (
            "004",
            ["P1"] * 3 + ["P2"] * 3 + ["P3"] * 2,
            [Level.CRITICAL] * 3 + [Level.MAJOR] * 3 + [Level.MINOR] * 2,
        ),
    ],
)
def test_severity_and_level_follow_each_documents_own_scale(
    prefix: str, severities: list[str | None], levels: list[Level | None]
) -> None:
    procedures = seed(prefix).procedures
    assert [p.severity for p in procedures] == severities
    assert [p.level for p in procedures] == levels


def test_inherited_severity_is_marked_as_such() -> None:
    sources = [p.severity_source for p in seed("001").procedures]
    assert sources[1:4] == ["parent"] * 3
    assert {p.severity_source for p in seed("004").procedures} <= {"parent", "id"}


def test_colour_markers_give_a_level_without_a_label() -> None:
    procedures = seed("002").procedures
    assert [p.marker for p in procedures[:6]] == ["🔴", "🟠", "🟠", "🔴", "🟠", "🟠"]
    assert [p.level for p in procedures[:6]] == [
        Level.CRITICAL,
        Level.MAJOR,
        Level.MAJOR,
        Level.CRITICAL,
        Level.MAJOR,
        Level.MAJOR,
    ]
    assert all(p.severity is None for p in procedures)
    assert procedures[6].level is None
    assert procedures[7].kind is ProcedureKind.OPERATION


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("001", [(None, 60), (None, 240), (None, 240), (None, 240), (None, 1440)]),
        ("004", [(5, 30)] * 3 + [(15, 240)] * 3 + [(60, 1440)] * 2),
        ("000", [(None, None)] * 5),
    ],
)
def test_sla_minutes_come_from_the_documents_classification(
    prefix: str, expected: list[tuple[int | None, int | None]]
) -> None:
    got = [(p.response_minutes, p.resolution_minutes) for p in seed(prefix).procedures]
    assert got == expected


def test_severity_scales() -> None:
    scale_001 = {s.label: (s.level, s.resolution_minutes) for s in seed("001").severity_levels}
    assert scale_001 == {
        "P0": (Level.CRITICAL, 60),
        "P1": (Level.MAJOR, 240),
        "P2": (Level.MINOR, 1440),
    }
    scale_004 = [
        (s.label, s.level, s.response_minutes, s.resolution_minutes)
        for s in seed("004").severity_levels
    ]
    assert scale_004 == [
        ("P1", Level.CRITICAL, 5, 30),
        ("P2", Level.MAJOR, 15, 240),
        ("P3", Level.MINOR, 60, 1440),
    ]
    assert seed("000").severity_levels == ()
    assert seed("002").severity_levels == ()


@pytest.mark.parametrize(
    ("prefix", "counts"),
    [("000", [5]), ("001", [7, 5]), ("002", [6]), ("003", [12, 12, 7, 4]), ("004", [4, 5, 5])],
)
def test_checklists(prefix: str, counts: list[int]) -> None:
    assert sorted(len(c.items) for c in seed(prefix).checklists) == sorted(counts)


def test_checklist_titles_name_their_phase() -> None:
    titles = [c.title for c in seed("001").checklists]
    assert any("Pendant" in t for t in titles)
    assert any("Après" in t for t in titles)
    assert any("Pré-requis" in c.title and len(c.items) == 4 for c in seed("003").checklists)


def test_escalation_tiers() -> None:
    tiers_004 = {(c.tier, c.response_minutes) for c in seed("004").escalation}
    assert tiers_004 == {(1, 5), (2, 15), (3, 60)}
    assert len(seed("004").escalation) == 6
    legal = next(c for c in seed("004").escalation if c.role == "Legal")
    assert legal.condition == "si data breach"
    assert not legal.placeholder
    sms = next(c for c in seed("004").escalation if "SMS" in c.role)
    assert sms.placeholder
    assert [c.tier for c in seed("003").escalation] == [1, 2, 3]
    assert all(c.response_minutes is None for c in seed("003").escalation)
    assert len(seed("001").escalation) == 4
    placeholders = [c.role for c in seed("002").escalation if c.placeholder]
    assert placeholders == ["On-call DevOps", "Tech Lead"]


def test_backup_verdicts_of_002() -> None:
    verdicts = [p.backup.verdict if p.backup else None for p in seed("002").procedures[:6]]
    assert verdicts == [
        BackupVerdict.NO,
        BackupVerdict.NO,
        BackupVerdict.NO,
        BackupVerdict.YES_IF,
        BackupVerdict.MAYBE,
        BackupVerdict.NO,
    ]
    yes = seed("002").procedures[3].backup
    assert yes is not None
    assert len(yes.conditions) == 3


def test_estimated_times() -> None:
    spans = [
        (e.min_minutes, e.max_minutes) for p in seed("001").procedures for e in p.estimated_times
    ]
    assert spans == [(2, 3), (5, 7), (3, 5), (30, 60), (60, 120), (15, 30)]
    p3 = seed("004").procedures[6]
    assert [(e.min_minutes, e.max_minutes) for e in p3.estimated_times] == [
        (240, 240),
        (1440, 1440),
    ]


@pytest.mark.parametrize(
    ("prefix", "index", "kinds"),
    [
        ("000", 0, {SectionKind.SYMPTOMS, SectionKind.MITIGATION, SectionKind.PREVENTION}),
        (
            "001",
            0,
            {
                SectionKind.DIAGNOSIS,
                SectionKind.MITIGATION,
                SectionKind.VALIDATION,
                SectionKind.PREVENTION,
            },
        ),
        (
            "001",
            1,
            {
                SectionKind.SYMPTOMS,
                SectionKind.DIAGNOSIS,
                SectionKind.MITIGATION,
                SectionKind.VALIDATION,
            },
        ),
        (
            "002",
            3,
            {
                SectionKind.SYMPTOMS,
                SectionKind.DIAGNOSIS,
                SectionKind.MITIGATION,
                SectionKind.BACKUP,
            },
        ),
        (
            "003",
            0,
            {
                SectionKind.SYMPTOMS,
                SectionKind.DIAGNOSIS,
                SectionKind.MITIGATION,
                SectionKind.ROLLBACK,
                SectionKind.COMMUNICATION,
            },
        ),
        (
            "004",
            0,
            {
                SectionKind.SYMPTOMS,
                SectionKind.ESCALATION,
                SectionKind.MITIGATION,
                SectionKind.RESOLUTION,
                SectionKind.COMMUNICATION,
            },
        ),
        (
            "004",
            3,
            {
                SectionKind.SYMPTOMS,
                SectionKind.DIAGNOSIS,
                SectionKind.MITIGATION,
                SectionKind.RESOLUTION,
            },
        ),
    ],
)
def test_typed_sections(prefix: str, index: int, kinds: set[SectionKind]) -> None:
    assert {s.kind for s in seed(prefix).procedures[index].sections} == kinds


def test_branches_are_kept() -> None:
    solution = next(s for s in seed("001").procedures[2].sections if s.title == "Solution")
    assert [b for b in solution.branches if b.startswith("Si ")] == [
        "Si connection pool full",
        "Si timeout",
        "Si data corruption",
    ]


def test_headings_inside_fences_and_non_procedures_are_not_procedures() -> None:
    titles = {
        p.title for prefix in ("000", "001", "002", "003", "004") for p in seed(prefix).procedures
    }
    for not_a_procedure in (
        "Post-Mortem: [Titre Incident]",
        "Cause Root",
        "Incident Report",
        "6) Verification post-incident",
        "Checklist post-incident",
    ):
        assert not_a_procedure not in titles
    assert not any("Classification" in t or "CHECKLIST" in t for t in titles)


def test_templates_and_metrics_and_fallbacks() -> None:
    assert {t.kind for t in seed("001").templates} == {"post_mortem"}
    assert {t.kind for t in seed("004").templates} == {"alert_message", "incident_report"}
    assert len(seed("004").metrics) == 6
    assert all(m.current is None for m in seed("004").metrics)
    assert [f.primary for f in seed("004").fallbacks][:1] == ["SMS (Twilio)"]


def test_metadata_dates_are_normalised() -> None:
    meta = seed("003").metadata
    assert meta["next_review_iso"] == "2026-05-16"
    assert meta["version"] == "2.0.0"
    assert seed("001").metadata["created_iso"] == "2026-01-31"
    assert seed("004").metadata.get("updated_placeholder") == "true"


def _oracle() -> list[dict[str, object]]:
    entries: list[dict[str, object]] = json.loads(
        (SPEC / "seed_commands.json").read_text(encoding="utf-8")
    )
    return entries


def _expected_risk(entry: dict[str, object]) -> str:
    """The oracle's label, with the issue's rule where `alt_risk` differs: firewall and deploy
    changes (git push, platform rollback and promote) are `change`."""
    if (
        entry.get("category") in {"firewall", "vcs-publish", "rollback"}
        and entry.get("alt_risk") == "change"
    ):
        return "change"
    return str(entry["risk"])


def test_every_seed_command_is_read_on_its_line_with_the_oracles_risk() -> None:
    entries = [e for e in _oracle() if e["kind"] in {"command", "sql"}]
    assert len(entries) == 210
    by_file: dict[str, dict[int, CodeLine]] = {}
    for entry in entries:
        name = str(entry["file"])
        if name not in by_file:
            runbook = seed(name[:3])
            blocks = [b for p in runbook.procedures for s in p.sections for b in s.code_blocks]
            by_file[name] = {
                line.line_no: line
                for block in [*blocks, *runbook.command_blocks]
                for line in block.lines
            }
        line = by_file[name].get(int(str(entry["line_no"])))
        assert line is not None, entry
        assert line.kind.value == entry["kind"], entry
        assert line.assessment is not None, entry
        assert line.assessment.risk.value == _expected_risk(entry), entry
        if entry.get("category") in {"secret-exposure", "secret-rotation"}:
            assert line.assessment.sensitive, entry
            assert line.assessment.risk is not Risk.READ, entry


def test_commands_belong_to_the_procedure_holding_them() -> None:
    for entry in _oracle():
        if entry["kind"] not in {"command", "sql"} or entry["procedure"] is None:
            continue
        runbook = seed(str(entry["file"])[:3])
        line_no = int(str(entry["line_no"]))
        holder = [
            p for p in runbook.procedures if any(line.line_no == line_no for line in p.commands)
        ]
        assert len(holder) == 1, entry
        assert holder[0].line_start <= line_no <= holder[0].line_end


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PUBLIC_RUNBOOKS.rglob("*") if p.is_file() and p.name != "SOURCES.md"),
    ids=lambda p: p.name,
)
def test_public_runbooks_parse(path: Path) -> None:
    runbook, diagnostics = parse(path.read_bytes(), source=path.name)
    assert runbook.title
    assert runbook.encoding.repaired is False
    stubs = {"KubeAPIDown.md", "severity_levels.md"}  # a redirect stub and a severity scale page
    if path.name in stubs:
        assert runbook.procedures == ()
        assert diagnostics
    else:
        assert runbook.procedures, [d.message for d in diagnostics]


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("playbooks.md", 40), ("runbook.md", 50), ("ceph-common-issues.md", 10), ("debug.md", 10)],
)
def test_catalogue_pages_yield_one_procedure_per_alert_or_problem(name: str, minimum: int) -> None:
    path = next(PUBLIC_RUNBOOKS.rglob(name))
    runbook, _ = parse(path.read_bytes(), source=name)
    assert len(runbook.procedures) >= minimum
    assert len({p.id for p in runbook.procedures}) == len(runbook.procedures)


@pytest.mark.parametrize(
    "name",
    [
        "KubePodCrashLooping.md",
        "TargetDown.md",
        "etcdHighFsyncDurations.md",
        "VirtAPIDown.md",
        "CephXattrSetLatency.md",
    ],
)
def test_single_alert_pages_are_one_procedure_named_after_the_alert(name: str) -> None:
    path = next(PUBLIC_RUNBOOKS.rglob(name))
    runbook, _ = parse(path.read_bytes(), source=name)
    assert [p.title for p in runbook.procedures] == [name.removesuffix(".md")]
    kinds = {s.kind for s in runbook.procedures[0].sections}
    assert {SectionKind.SYMPTOMS, SectionKind.DIAGNOSIS} <= kinds
