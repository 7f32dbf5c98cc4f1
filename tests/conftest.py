"""Shared test fixtures: where the external corpora live.

The corpora (seed runbooks, their inventory, public runbooks, alert formats, logs) stay outside the
repository in a `shared/` folder beside it and are read from there, never copied in.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from astreinte.storage.db import make_engine, make_session_factory, migrate

ROOT = Path(__file__).resolve().parents[1]


def _find_shared() -> Path:
    """ASTREINTE_SHARED, else the nearest `shared/` beside the checkout or one of its parents
    (a CI clone may sit deeper than the working copy), else the workplace's /work/shared."""
    if os.environ.get("ASTREINTE_SHARED"):
        return Path(os.environ["ASTREINTE_SHARED"]).resolve()
    for folder in ROOT.parents:
        if (folder / "shared" / "seeds").is_dir():
            return (folder / "shared").resolve()
    return Path("/work/shared")


SHARED = _find_shared()
SEEDS = SHARED / "seeds"
SPEC = SHARED / "spec"
PUBLIC_RUNBOOKS = SHARED / "data" / "runbooks"


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(
            f"the shared corpora are missing at {SHARED}; set ASTREINTE_SHARED to their folder"
        )
    return SHARED


# --- databases: every storage and service test runs on SQLite and on the real PostgreSQL --------

PG_URL = os.environ.get(
    "ASTREINTE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[URL]:
    """A fresh database on the PostgreSQL server, dropped at the end of the session.

    Its name is random so that parallel runs on one server do not collide. When the server is
    unreachable the tests skip, unless ASTREINTE_REQUIRE_SERVICES=1 (CI), where they fail.
    """
    server = make_url(PG_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        reason = (
            f"PostgreSQL is not reachable at {server.render_as_string(hide_password=True)} "
            f"({str(exc.orig).strip().splitlines()[0]}); start it (.ci/run does) "
            "or set ASTREINTE_TEST_PG_URL"
        )
        if os.environ.get("ASTREINTE_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"astreinte_test_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: URL) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: a SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'astreinte.db'}"
    url: URL = request.getfixturevalue("postgres_server")
    _empty_postgres(url)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on a migrated database."""
    engine = make_engine(database_url)
    migrate(engine)
    yield make_session_factory(engine)
    engine.dispose()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Without the corpora, half the tests would silently collect nothing: stop with the reason."""
    del session
    if not (SEEDS.is_dir() and SPEC.is_dir() and PUBLIC_RUNBOOKS.is_dir()):
        pytest.exit(
            f"the shared corpora are missing at {SHARED}; set ASTREINTE_SHARED to the folder "
            "holding seeds/, spec/ and data/runbooks/",
            returncode=1,
        )
