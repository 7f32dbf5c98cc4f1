"""Import runbook files into the catalogue, and read the catalogue back.

Each file is one transaction: a file that cannot be read or stored is reported, and the others
still go in.

    report = import_paths(sessions, [Path("docs/runbooks")], now=datetime.now(UTC))
    for file in report.files: print(file.path, file.status, file.error)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.runbook.model import Diagnostic
from astreinte.domain.runbook.parse import parse
from astreinte.errors import NotFound
from astreinte.storage import repo
from astreinte.storage.repo import RunbookSummary, StoredProcedure, StoredRunbook

RUNBOOK_SUFFIXES = (".md", ".markdown", ".txt")
MAX_BYTES = 5 * 1024 * 1024


class ImportStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # same content as stored: nothing written
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FileImport:
    """What happened to one file; `error` is one sentence naming the file and what to do."""

    path: Path
    status: ImportStatus
    runbook_id: str | None = None
    title: str | None = None
    procedures: int = 0
    diagnostics: tuple[Diagnostic, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    files: tuple[FileImport, ...]

    @property
    def failed(self) -> tuple[FileImport, ...]:
        return tuple(f for f in self.files if f.status is ImportStatus.FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed


def import_paths(
    session_factory: sessionmaker[Session],
    paths: Iterable[Path],
    *,
    now: datetime,
    force: bool = False,
) -> ImportReport:
    """Import files and folders (recursively: `.md`, `.markdown`, `.txt`, in name order).

    A file named explicitly is imported whatever its extension. Re-importing a path updates its
    runbook and keeps its id; identical content is left alone unless `force` (e.g. after an
    upgrade of the parser).
    """
    files: list[FileImport] = []
    for target, problem in _expand(paths):
        if problem is not None:
            files.append(FileImport(path=target, status=ImportStatus.FAILED, error=problem))
        else:
            files.append(_import_file(session_factory, target, now=now, force=force))
    return ImportReport(files=tuple(files))


def _expand(paths: Iterable[Path]) -> list[tuple[Path, str | None]]:
    """The files to import, each once, or the path with the reason it gives nothing."""
    found: dict[Path, str | None] = {}
    for path in paths:
        if path.is_dir():
            inside = _runbook_files(path)
            if not inside:
                found.setdefault(
                    path,
                    f"{path}: no {', '.join(RUNBOOK_SUFFIXES)} file in this folder; "
                    "point to a folder of Markdown runbooks",
                )
            for file in inside:
                found.setdefault(file, None)
        elif path.exists():
            found.setdefault(path, None)
        else:
            found.setdefault(path, f"{path}: no such file or folder; check the path")
    return list(found.items())


def _runbook_files(folder: Path) -> list[Path]:
    files: list[Path] = []
    # os.walk does not follow symbolic links to folders, so a link loop cannot hang the import.
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # .git, .venv, editors' folders
        files.extend(
            Path(root) / name
            for name in names
            if name.lower().endswith(RUNBOOK_SUFFIXES) and not name.startswith(".")
        )
    return sorted(files)


def _import_file(
    session_factory: sessionmaker[Session], path: Path, *, now: datetime, force: bool
) -> FileImport:
    def failed(error: str) -> FileImport:
        return FileImport(path=path, status=ImportStatus.FAILED, error=error)

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return failed(
                f"{path}: {size / 1024 / 1024:.1f} MB is more than the 5 MB a runbook may weigh; "
                "split it or leave it out"
            )
        data = path.read_bytes()
    except IsADirectoryError:
        return failed(f"{path}: is a folder, not a file; pass the folder itself to import it")
    except PermissionError:
        return failed(f"{path}: permission denied; make the file readable and import it again")
    except OSError as exc:
        return failed(f"{path}: cannot be read ({exc.strerror or exc}); check the file")

    if b"\x00" in data:
        # Markdown never holds NUL bytes, and PostgreSQL refuses them in text columns.
        return failed(
            f"{path}: looks like a binary file (it contains NUL bytes); pass a text runbook"
        )
    key = str(path.resolve())
    sha = hashlib.sha256(data).hexdigest()
    try:
        with session_factory.begin() as session:
            stored = repo.find_by_path(session, key)
            if stored is not None and stored.content_sha256 == sha and not force:
                return FileImport(
                    path=path,
                    status=ImportStatus.UNCHANGED,
                    runbook_id=stored.id,
                    title=stored.title,
                    procedures=stored.procedures,
                    diagnostics=tuple(repo.load_diagnostics(session, stored.id)),
                )
            # The parser must never raise; should it anyway, that one file fails, not the batch.
            try:
                runbook, diagnostics = parse(data, source=path.name)
            except Exception as exc:
                return failed(
                    f"{path}: the parser failed ({type(exc).__name__}: {exc}); "
                    "please report it with this file attached"
                )
            runbook_id = repo.save_runbook(
                session, runbook, path=key, content_sha=sha, diagnostics=diagnostics, now=now
            )
    except SQLAlchemyError as exc:
        return failed(
            f"{path}: could not be stored ({type(exc).__name__}: {_first_line(exc)}); "
            "check the database (ASTREINTE_DATABASE_URL) and import it again"
        )
    return FileImport(
        path=path,
        status=ImportStatus.CREATED if stored is None else ImportStatus.UPDATED,
        runbook_id=runbook_id,
        title=runbook.title,
        procedures=len(runbook.procedures),
        diagnostics=tuple(diagnostics),
    )


def _first_line(exc: SQLAlchemyError) -> str:
    # The driver's own message (psycopg adds hints on further lines) without SQLAlchemy's SQL dump.
    return next(iter(str(getattr(exc, "orig", None) or exc).strip().splitlines()), "")


def list_runbooks(session: Session) -> list[RunbookSummary]:
    """Every runbook in the catalogue, by id."""
    return repo.list_runbooks(session)


def show_runbook(session: Session, *, runbook_id: str) -> StoredRunbook:
    """The whole runbook; raises `NotFound` for an unknown id."""
    stored = repo.load_runbook(session, runbook_id)
    if stored is None:
        raise NotFound(f"no runbook '{runbook_id}'; run 'astreinte runbooks list' to see the ids")
    return stored


def show_procedure(session: Session, *, procedure_id: str) -> StoredProcedure:
    """One procedure by its catalogue id (`<runbook id>/<procedure id>`)."""
    stored = repo.get_procedure(session, procedure_id)
    if stored is None:
        raise NotFound(
            f"no procedure '{procedure_id}'; run 'astreinte runbooks show RUNBOOK' to see its ids"
        )
    return stored
