"""split_block against the seed oracle (read at run time from ../shared/spec), and on its own."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from astreinte.domain.runbook.codeblock import split_block
from astreinte.domain.runbook.model import CodeLine, LineKind, Risk
from tests.conftest import SPEC

Entry = dict[str, Any]
Key = tuple[str, int]  # (seed file name, first line)

# Project rule where the oracle offers an `alt_risk`: firewall edits and deploy changes (push to
# the deploy branch, platform rollback/promote) are `change`; everything else keeps `risk`.
ALT_RISK_CATEGORIES = frozenset({"firewall", "vcs-publish", "rollback"})
SECRET_CATEGORIES = frozenset({"secret-exposure", "secret-rotation"})
# Oracle lines filed under another category that do handle a secret, so `sensitive` is right:
# (file prefix, line) → why.
SENSITIVE_TOO: dict[tuple[str, int], str] = {
    ("002", 439): "literal password in the connection URL",
    ("002", 443): "literal password in the connection URL",
    ("003", 159): "sets a *_SECRET variable",
    ("003", 478): "sets a *_SECRET variable",
    ("004", 125): "literal password in DATABASE_URL",
}


@cache
def oracle() -> tuple[Entry, ...]:
    entries: list[Entry] = json.loads((SPEC / "seed_commands.json").read_text(encoding="utf-8"))
    return tuple(entries)


@cache
def seed_lines() -> dict[Key, CodeLine]:
    """Every logical line split_block finds in the fences of the repaired seeds."""
    found: dict[Key, CodeLine] = {}
    for path in sorted((SPEC / "seeds_repaired").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for token in MarkdownIt("commonmark").parse(text):
            if token.type != "fence" or token.map is None:
                continue
            # token.content already has the indentation of a fence nested in a list item removed.
            lines = split_block(
                token.content, lang=token.info.strip() or None, first_line=token.map[0] + 2
            )
            found.update({(path.name, line.line_no): line for line in lines})
    return found


def expected_risk(entry: Entry) -> Risk:
    if "alt_risk" in entry and entry.get("category") in ALT_RISK_CATEGORIES:
        return Risk(entry["alt_risk"])
    return Risk(entry["risk"])


def is_secret(entry: Entry) -> bool:
    return entry.get("category") in SECRET_CATEGORIES


def runs(entry: Entry) -> bool:
    return entry["kind"] in ("command", "sql")


def key(entry: Entry) -> Key:
    return entry["file"], entry["line_no"]


def test_the_oracle_is_the_one_this_suite_expects() -> None:
    assert len(oracle()) == 518
    assert sum(runs(e) for e in oracle()) == 210


def test_split_finds_exactly_the_oracle_lines() -> None:
    assert set(seed_lines()) == {key(e) for e in oracle()}


def test_every_line_has_the_oracle_span_text_and_kind() -> None:
    wrong = [
        (key(e), e["kind"], line.kind.value)
        for e in oracle()
        if (line := seed_lines()[key(e)]).line_end != e["line_end"]
        or line.kind.value != e["kind"]
        or line.text != e["line"]
    ]
    assert wrong == []


def test_every_command_and_sql_line_has_the_project_risk() -> None:
    wrong = []
    for entry in filter(runs, oracle()):
        assessment = seed_lines()[key(entry)].assessment
        assert assessment is not None, key(entry)
        if assessment.risk is not expected_risk(entry):
            wrong.append((key(entry), expected_risk(entry), assessment.risk, assessment.reasons))
    assert wrong == []


def test_secret_exposure_and_rotation_are_sensitive_and_never_read() -> None:
    secret = [e for e in oracle() if is_secret(e)]
    assert len(secret) == 9
    for entry in secret:
        assessment = seed_lines()[key(entry)].assessment
        assert assessment is not None
        assert assessment.sensitive, key(entry)
        assert assessment.risk is not Risk.READ, key(entry)


def test_sensitive_only_where_a_secret_is_handled() -> None:
    flagged = {
        (e["file"][:3], e["line_no"])
        for e in filter(runs, oracle())
        if not is_secret(e) and (a := seed_lines()[key(e)].assessment) and a.sensitive
    }
    assert flagged == set(SENSITIVE_TOO)


def test_no_destructive_oracle_entry_ever_comes_out_read() -> None:
    for entry in oracle():
        if entry["risk"] == "destructive":
            assessment = seed_lines()[key(entry)].assessment
            assert assessment is not None
            assert assessment.risk is not Risk.READ, key(entry)


def test_only_commands_and_sql_carry_an_assessment() -> None:
    for line in seed_lines().values():
        assert (line.assessment is not None) == (line.kind in (LineKind.COMMAND, LineKind.SQL))


def test_every_assessment_gives_a_reason() -> None:
    for line in seed_lines().values():
        if line.assessment is not None:
            assert line.assessment.reasons, line.text


# ---------------------------------------------------------------------------------------------
# Behaviour on blocks written for these tests


def kinds(code: str, lang: str | None = "bash") -> list[tuple[str, str]]:
    return [(line.kind.value, line.text) for line in split_block(code, lang=lang, first_line=1)]


def test_line_numbers_follow_the_document() -> None:
    lines = split_block("ls\n\n# note\npwd\n", lang="bash", first_line=40)
    assert [(line.line_no, line.line_end) for line in lines] == [(40, 40), (42, 42), (43, 43)]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('psql $DB -c "\n  DELETE FROM jobs\n  WHERE done;\n"', [("command", 1, 4)]),
        ("curl -X POST http://x/y \\\n  -H 'A: b' \\\n  -d '{}'", [("command", 1, 3)]),
        ("cat <<EOF > /etc/motd\nhello\nEOF\nls", [("command", 1, 3), ("command", 4, 4)]),
        ("echo 'never closed\nls -la", [("command", 1, 1), ("command", 2, 2)]),
        (
            "psql $DB\nSELECT a,\n  b\nFROM t;\n\\q",
            [("command", 1, 1), ("sql", 2, 4), ("sql", 5, 5)],
        ),
    ],
)
def test_multi_line_units(code: str, expected: list[tuple[str, int, int]]) -> None:
    lines = split_block(code, lang="bash", first_line=1)
    assert [(line.kind.value, line.line_no, line.line_end) for line in lines] == expected


def test_sql_after_an_interactive_client_is_sql_and_its_risk_is_assessed() -> None:
    lines = split_block("mysql -u app shop\n# purge\ndelete from carts;\n", lang="sh", first_line=1)
    assert [line.kind for line in lines] == [LineKind.COMMAND, LineKind.COMMENT, LineKind.SQL]
    assert lines[2].assessment is not None
    assert lines[2].assessment.risk is Risk.DESTRUCTIVE


def test_a_sql_block_splits_on_semicolons_and_keeps_comments_apart() -> None:
    code = "-- check\nSELECT 1;\nUPDATE t\nSET a = 1\nWHERE id = 2;\n"
    lines = split_block(code, lang="sql", first_line=10)
    assert [(line.kind.value, line.line_no, line.line_end) for line in lines] == [
        ("comment", 10, 10),
        ("sql", 11, 11),
        ("sql", 12, 14),
    ]
    assert [line.assessment.risk for line in lines[1:] if line.assessment] == [
        Risk.READ,
        Risk.DESTRUCTIVE,
    ]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("https://status.example.com/", "url"),
        ("Settings > Environment Variables", "ui"),
        ('Project → Settings → "Danger zone"', "ui"),
        ("4. Cliquer sur Sauvegarder", "ui"),
        ("WORKERS=8 (au lieu de 4)", "ui"),
        ("# Console → Compute → Instances", "ui"),
        ("# Fichier → voir plus bas", "comment"),
        ("# redémarrer ensuite", "comment"),
        ("// only for staging", "comment"),
        ("-- attention", "comment"),
        ("export default function handler(req, res) {", "code"),
        ("import os", "code"),
        ("time_total:  %{time_total}\\n", "text"),
        ("Le service doit répondre en moins de deux secondes", "text"),
        ("systemctl reload caddy  # apply", "command"),
        ("EXPLAIN SELECT * FROM orders;", "sql"),
        ("\\d+ orders", "sql"),
    ],
)
def test_line_kinds_in_a_shell_block(line: str, kind: str) -> None:
    assert kinds(line) == [(kind, line)]


def test_application_code_spanning_lines_stays_code() -> None:
    code = "const client = new Pool({\n  max: 20,\n  idleTimeoutMillis: 5000,\n});\nnpm run build"
    assert [kind for kind, _ in kinds(code)] == ["code", "code", "code", "code", "command"]


def test_console_transcript_prompts_are_commands_and_output_is_text() -> None:
    code = "$ systemctl is-active nginx\nactive\n$ rm -rf /tmp/x\n# whoami\n"
    lines = split_block(code, lang="console", first_line=1)
    assert [line.kind for line in lines] == [
        LineKind.COMMAND,
        LineKind.TEXT,
        LineKind.COMMAND,
        LineKind.COMMENT,
    ]
    assert lines[0].text == "$ systemctl is-active nginx"
    assert [line.assessment.risk for line in lines if line.assessment] == [
        Risk.READ,
        Risk.DESTRUCTIVE,
    ]


@pytest.mark.parametrize(
    ("code", "lang", "expected"),
    [
        ("Incident: API down\nImpact: all users\nNext update: 15 min", None, "text"),
        ("systemctl status api\njournalctl -u api -n 50", None, "command"),
        ("SELECT count(*) FROM jobs;", None, "sql"),
        ("## Heading inside a template\n- item", "markdown", "text"),
        ('fn main() {\n    println!("hi");\n}', "rust", "code"),
        ("# a comment\nprint('x')", "python", "comment"),
        ("key: value\nother: 2", "yaml", "text"),
    ],
)
def test_block_language_and_sniffing(code: str, lang: str | None, expected: str) -> None:
    assert kinds(code, lang)[0][0] == expected


def test_trailing_comment_does_not_change_the_risk() -> None:
    (line,) = split_block("ls /srv  # rm -rf everything", lang="bash", first_line=1)
    assert line.assessment is not None
    assert line.assessment.risk is Risk.READ


# ---------------------------------------------------------------------------------------------
# Properties

LANGS = st.sampled_from(
    [None, "bash", "sh", "console", "sql", "markdown", "javascript", "rust", "python", "yaml", "x"]
)
BLOCK_LINES = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                'psql $DB -c "',
                '"',
                "SELECT 1",
                "FROM t;",
                "\\",
                "ls \\",
                "cat <<EOF",
                "EOF",
                "$ ls",
                "# x → Dashboard",
                "const a = {",
                "});",
                "'",
                "",
                "   ",
                "railway run psql $DATABASE_URL",
            ]
        ),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(lines=BLOCK_LINES, lang=LANGS, first_line=st.integers(min_value=1, max_value=10_000))
def test_split_never_raises_and_keeps_lines_in_order(
    lines: list[str], lang: str | None, first_line: int
) -> None:
    code = "\n".join(lines)
    result = split_block(code, lang=lang, first_line=first_line)
    last = first_line + max(len(code.split("\n")) - 1, 0)
    previous_end = first_line - 1
    for line in result:
        assert previous_end < line.line_no <= line.line_end <= last
        assert line.text.strip()
        assert (line.assessment is not None) == (line.kind in (LineKind.COMMAND, LineKind.SQL))
        previous_end = line.line_end
