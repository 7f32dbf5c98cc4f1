"""Engine and sessions from a URL, the UTC datetime column type, and migrations.

engine = make_engine("sqlite:///astreinte.db")
migrate(engine)
sessions = make_session_factory(engine)
with sessions.begin() as session: ...
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    URL,
    Connection,
    DateTime,
    Engine,
    Insert,
    Table,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.types import TypeDecorator

from astreinte.errors import InputError

MIGRATIONS = Path(__file__).parent / "migrations"

# Any constant works; it only has to be the same for every astreinte process sharing a database.
_MIGRATION_LOCK = 0x61737472


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware, in UTC.

    SQLite keeps no offset, so values are written as naive UTC and tagged back on the way out.
    A naive datetime is refused: its time zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_url(url: str | URL) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise InputError(
            f"database URL '{url}' is not a valid SQLAlchemy URL; "
            "set ASTREINTE_DATABASE_URL to e.g. sqlite:///astreinte.db"
        ) from None


def make_engine(url: str | URL) -> Engine:
    """An engine for `url`; SQLite gets foreign keys on, WAL for files, one shared in-memory DB."""
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {}
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if in_memory:
        # Each new connection to ":memory:" would be a new, empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif parsed.get_backend_name() == "sqlite":
        # The API serves requests from a thread pool; writers wait for each other this long.
        kwargs = {"connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}}
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError:
        raise InputError(
            f"database URL '{shown}': unknown database or driver '{parsed.drivername}'; "
            "use sqlite:///FILE or postgresql+psycopg://USER@HOST/DB"
        ) from None
    except ModuleNotFoundError as exc:
        raise InputError(
            f"database URL '{shown}' needs the Python driver '{exc.name}'; install it "
            "or use sqlite:///FILE or postgresql+psycopg://USER@HOST/DB"
        ) from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, wal=not in_memory)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        del record
        # pysqlite opens transactions itself, late and deferred; astreinte issues BEGIN itself
        # (see `_begin`) so that a writer can take the write lock before it reads.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # SQLite ignores ON DELETE CASCADE unless each connection turns foreign keys on.
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            # Readers (API, web) no longer block on the worker's writes.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A read-modify-write under a deferred BEGIN fails with "database is locked" when another
        # writer commits in between; BEGIN IMMEDIATE makes writers queue (up to the busy
        # timeout) and then read the latest state, so two responders never act on stale data.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "astreinte_write"
SQLITE_BUSY_SECONDS = 30


def for_update(session: Session) -> None:
    """Declare, before its first statement, that this transaction will write: on SQLite it then
    starts with BEGIN IMMEDIATE and holds the write lock; other databases lock rows instead
    (`SELECT … FOR UPDATE` in the repositories)."""
    session.connection(execution_options={WRITE_OPTION: True})


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


@contextmanager
def writing(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction: begun, declared a writer (`for_update`), committed on success.

    On SQLite the writers of this process also queue on a lock of their own first: SQLite's
    busy handler retries on a timer, so under contention a writer that backed off keeps losing
    to newer ones (seconds of wait at 8 concurrent writers); a lock serves them in turn.
    """
    engine = sessions.kw.get("bind")
    lock: AbstractContextManager[object] = nullcontext()
    if isinstance(engine, Engine) and engine.dialect.name == "sqlite":
        with _LOCKS_GUARD:
            lock = _WRITE_LOCKS.setdefault(engine, threading.Lock())
    with lock, sessions.begin() as session:
        for_update(session)
        yield session


def insert_ignoring_duplicates(session: Session, table: Table, keys: Sequence[str]) -> Insert:
    """`INSERT … ON CONFLICT (keys) DO NOTHING` in the session's dialect (SQLite and PostgreSQL
    spell it the same; SQLAlchemy has one construct per dialect)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Values are read after commit (reports, rendering); expiring them would reload each one.
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped in the package; no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(target: str | URL | Engine) -> None:
    """Bring the database at `target` to the latest schema (`alembic upgrade head`)."""
    engine = target if isinstance(target, Engine) else make_engine(target)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several processes may start at once; one migrates, the others wait then see head.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if engine is not target:
            engine.dispose()
