"""The migrations create exactly the tables of `storage/tables.py`, from any working directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from astreinte.storage.db import make_engine, migrate
from astreinte.storage.tables import Base


def test_upgrade_head_matches_the_tables(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini here: the migrations ship in the package
    migrate(database_url)
    migrate(database_url)  # a second run finds the database at head and does nothing

    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert set(inspect(conn).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    engine.dispose()


def test_an_in_memory_sqlite_database_is_one_database() -> None:
    engine = make_engine("sqlite://")
    migrate(engine)  # on the engine: a new engine would open a new, empty, in-memory database
    with engine.connect() as conn:
        assert "runbooks" in inspect(conn).get_table_names()
    engine.dispose()
