"""Alembic environment. `storage.db.migrate()` hands over an open connection; the `alembic`
command line (for writing new revisions) uses `-x url=…` or `$ASTREINTE_DATABASE_URL`."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from astreinte.storage.db import make_engine
from astreinte.storage.tables import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "ASTREINTE_DATABASE_URL", "sqlite:///astreinte.db"
    )
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


_main()
