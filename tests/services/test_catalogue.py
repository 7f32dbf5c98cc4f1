"""Importing runbook files: one transaction per file, clear failures, the rest still imported."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.runbook.model import Diagnostic, Runbook
from astreinte.domain.runbook.parse import parse as real_parse
from astreinte.errors import NotFound
from astreinte.services import catalogue
from astreinte.services.catalogue import ImportStatus, import_paths
from tests.conftest import PUBLIC_RUNBOOKS, SEEDS

NOW = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)

DISK_FULL = """# Disque plein sur le serveur de fichiers

## Incident : partition /var saturée

### Symptômes
Les téléversements échouent avec « No space left on device ».

### Diagnostic
```bash
df -h /var
du -sh /var/log/* | sort -h | tail
```
"""

CERT_EXPIRED = """# Expired TLS certificate

## Symptoms
Browsers warn that the site is not secure.

## Fix
Renew the certificate and reload the proxy.
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _by_name(report: catalogue.ImportReport) -> dict[str, catalogue.FileImport]:
    return {f.path.name: f for f in report.files}


def test_a_folder_is_searched_recursively_for_runbook_files(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _write(tmp_path / "ops" / "disk-full.md", DISK_FULL)
    _write(tmp_path / "cert.markdown", CERT_EXPIRED)
    _write(tmp_path / "notes" / "b.txt", "# Notes\n")
    _write(tmp_path / "data.json", "{}")
    _write(tmp_path / ".git" / "hidden.md", "# not a runbook\n")

    report = import_paths(sessions, [tmp_path], now=NOW)

    assert report.ok
    assert [f.path.relative_to(tmp_path).as_posix() for f in report.files] == [
        "cert.markdown",
        "notes/b.txt",
        "ops/disk-full.md",
    ]
    assert {f.status for f in report.files} == {ImportStatus.CREATED}
    with sessions() as session:
        listed = catalogue.list_runbooks(session)
    assert [(s.id, s.source) for s in listed] == [
        ("b", "b.txt"),
        ("cert", "cert.markdown"),
        ("disk-full", "disk-full.md"),
    ]


def test_a_file_named_explicitly_is_imported_whatever_its_extension(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    page = _write(tmp_path / "restart.html.md.erb", CERT_EXPIRED)
    report = import_paths(sessions, [page, page, tmp_path / "restart.html.md.erb"], now=NOW)
    assert [(f.runbook_id, f.status) for f in report.files] == [("restart", ImportStatus.CREATED)]


def test_reimporting_skips_unchanged_files_and_updates_changed_ones(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    runbook = _write(tmp_path / "disk-full.md", DISK_FULL)
    first = import_paths(sessions, [runbook], now=NOW).files[0]

    again = import_paths(sessions, [runbook], now=NOW + timedelta(hours=1)).files[0]
    assert (again.status, again.runbook_id) == (ImportStatus.UNCHANGED, first.runbook_id)

    runbook.write_text(DISK_FULL.replace("/var", "/srv"), encoding="utf-8")
    changed = import_paths(sessions, [runbook], now=NOW + timedelta(hours=2)).files[0]
    assert (changed.status, changed.runbook_id) == (ImportStatus.UPDATED, first.runbook_id)

    forced = import_paths(sessions, [runbook], now=NOW, force=True).files[0]
    assert forced.status is ImportStatus.UPDATED
    with sessions() as session:
        stored = catalogue.show_runbook(session, runbook_id="disk-full")
        assert len(catalogue.list_runbooks(session)) == 1
    assert stored.imported_at == NOW + timedelta(hours=0)
    assert stored.runbook.source == "disk-full.md"


def test_bad_files_are_reported_and_the_others_still_imported(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    good = _write(tmp_path / "good.md", CERT_EXPIRED)
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    huge = tmp_path / "huge.md"
    with huge.open("wb") as f:
        f.truncate(5 * 1024 * 1024 + 1)
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    report = import_paths(sessions, [tmp_path / "missing.md", empty, huge, binary, good], now=NOW)

    errors = {f.path.name: f.error for f in report.failed}
    assert errors == {
        "missing.md": f"{tmp_path / 'missing.md'}: no such file or folder; check the path",
        "empty": f"{empty}: no .md, .markdown, .txt file in this folder; "
        "point to a folder of Markdown runbooks",
        "huge.md": f"{huge}: 5.0 MB is more than the 5 MB a runbook may weigh; "
        "split it or leave it out",
        "image.md": f"{binary}: looks like a binary file (it contains NUL bytes); "
        "pass a text runbook",
    }
    assert _by_name(report)["good.md"].status is ImportStatus.CREATED
    assert not report.ok


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_reported(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    locked = _write(tmp_path / "locked.md", CERT_EXPIRED)
    locked.chmod(0)
    report = import_paths(sessions, [locked], now=NOW)
    assert report.files[0].error == (
        f"{locked}: permission denied; make the file readable and import it again"
    )


def test_a_parser_crash_fails_that_file_only(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crashing_parse(data: bytes | str, *, source: str) -> tuple[Runbook, list[Diagnostic]]:
        if source == "crash.md":
            raise RecursionError("maximum recursion depth exceeded")
        return real_parse(data, source=source)

    monkeypatch.setattr(catalogue, "parse", crashing_parse)
    _write(tmp_path / "crash.md", DISK_FULL)
    _write(tmp_path / "fine.md", CERT_EXPIRED)

    report = import_paths(sessions, [tmp_path], now=NOW)

    files = _by_name(report)
    assert files["crash.md"].error == (
        f"{tmp_path / 'crash.md'}: the parser failed "
        "(RecursionError: maximum recursion depth exceeded); "
        "please report it with this file attached"
    )
    assert files["fine.md"].status is ImportStatus.CREATED


def test_show_runbook_names_the_missing_id_and_what_to_do(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(NotFound) as raised:
        catalogue.show_runbook(session, runbook_id="nope")
    assert str(raised.value) == "no runbook 'nope'; run 'astreinte runbooks list' to see the ids"


def test_the_seeds_and_the_public_corpus_import_without_failure(
    sessions: sessionmaker[Session],
) -> None:
    # SOURCES.md is the corpus's bibliography; the .erb page is not found by extension, so it is
    # named explicitly.
    public = sorted(p for p in PUBLIC_RUNBOOKS.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    assert len(public) == 35

    report = import_paths(sessions, [SEEDS, *public], now=NOW)

    assert [f.error for f in report.failed] == []
    assert len(report.files) == 40
    with sessions() as session:
        assert len(catalogue.list_runbooks(session)) == 40
        for file in report.files:
            assert file.runbook_id is not None
            stored = catalogue.show_runbook(session, runbook_id=file.runbook_id)
            # What the parser makes of a real document is exactly what the database gives back.
            parsed, diagnostics = real_parse(file.path.read_bytes(), source=file.path.name)
            assert stored.runbook == parsed, file.path
            assert stored.diagnostics == tuple(diagnostics)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(content=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)))
def test_any_bytes_give_a_runbook_or_a_clear_error(
    sessions: sessionmaker[Session], content: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.md"
        path.write_bytes(content)
        file = import_paths(sessions, [path], now=NOW).files[0]
    if file.status is ImportStatus.FAILED:
        assert file.error is not None
        assert file.error.startswith(f"{path}: ")
    else:
        assert file.runbook_id is not None


def test_a_procedure_is_found_by_its_catalogue_id(sessions: sessionmaker[Session]) -> None:
    seed = next(SEEDS.glob("004_*.txt"))
    report = import_paths(sessions, [seed], now=NOW)
    runbook_id = report.files[0].runbook_id
    with sessions() as session:
        stored = catalogue.show_procedure(session, procedure_id=f"{runbook_id}/rb-p1-003")
        assert stored.procedure.title == "RB-P1-003: Base de Données Indisponible"
        with pytest.raises(NotFound, match="no procedure"):
            catalogue.show_procedure(session, procedure_id=f"{runbook_id}/nope")
