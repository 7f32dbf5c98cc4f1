"""The transaction every incident change runs in, and what its failures mean to a user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from astreinte.errors import Busy, Conflict
from astreinte.storage.db import writing


@contextmanager
def incident_transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction (see `storage.db.writing`); a lost race becomes a Conflict asking
    to retry, and a database too busy to wait for as well."""
    try:
        with writing(sessions) as session:
            yield session
    except StaleDataError:
        raise Conflict(
            "the incident was changed by someone else at the same moment; reload it and try again"
        ) from None
    except OperationalError as exc:
        text = str(exc).lower()
        if "deadlock" in text:
            raise Busy(
                "two changes waited on each other and this one was stopped; retry it"
            ) from None
        if "database is locked" in text or "lock timeout" in text:
            raise Busy("the database is busy with another change; retry in a moment") from None
        raise
