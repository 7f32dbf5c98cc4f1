"""PostgreSQL probe: connect and `SELECT 1`, or run a query returning one number and compare it
with a threshold (connections used, a quota counter, replication lag…).

    [[probes]]
    name = "pg-connections"
    kind = "postgres"
    target = "postgresql://monitor@db.internal:5432/app"
    query = "SELECT count(*) FROM pg_stat_activity"
    threshold = 80
    op = ">"          # fails when the value is > 80 (the default)

The query runs in a READ ONLY transaction: a probe observes, and a typo in the config (an
UPDATE instead of a SELECT) must be refused by the server rather than change data.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Literal, Self

import psycopg
from pydantic import Field, model_validator

from astreinte.adapters.probes.kind import (
    Check,
    KindOptions,
    Seen,
    describe,
    problem,
    read_options,
)
from astreinte.domain.probe import ProbeSpec

TIMED_OUT = "PostgreSQL did not answer within {timeout}"
Op = Literal[">", ">=", "<", "<=", "==", "!="]
_FAILS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class Options(KindOptions):
    query: str | None = Field(None, description='a SELECT returning one number, e.g. "SELECT 1"')
    threshold: float | None = Field(None, description="a number such as 80")
    op: Op = Field(">", description='one of ">", ">=", "<", "<=", "==", "!="')

    @model_validator(mode="after")
    def _threshold_needs_query(self) -> Self:
        if self.threshold is not None and self.query is None:
            raise ValueError("threshold needs a query returning the number to compare")
        return self


def prepare(spec: ProbeSpec) -> Check:
    options = read_options(Options, spec)
    # The SQLAlchemy spelling of the same URL is accepted: users copy ASTREINTE_DATABASE_URL.
    target = spec.target.strip().replace("postgresql+psycopg://", "postgresql://", 1)
    if not target.startswith(("postgresql://", "postgres://")):
        raise problem(
            spec,
            "target is not a PostgreSQL URL; write e.g. 'postgresql://user@db.internal:5432/app'",
        )
    # libpq's own bound, so that a half-open server is abandoned even if the event loop is busy.
    connect_timeout = max(2, math.ceil(spec.timeout.total_seconds()))

    async def run(now: datetime) -> Seen:
        del now
        try:
            conn = await psycopg.AsyncConnection.connect(target, connect_timeout=connect_timeout)
        except psycopg.Error as exc:
            return Seen(False, _failure(exc))
        try:
            await conn.set_read_only(True)
            async with conn.cursor() as cursor:
                await cursor.execute(options.query or "SELECT 1")
                row = await cursor.fetchone()
        except psycopg.Error as exc:
            return Seen(False, f"the query failed: {_failure(exc)}")
        finally:
            await conn.close()
        if options.query is None:
            return Seen(True, "PostgreSQL answered SELECT 1")
        return _judge(options, row)

    return run


def _judge(options: Options, row: tuple[object, ...] | None) -> Seen:
    if not row:
        return Seen(False, "the query returned no row; it must return one number")
    found = row[0]
    if isinstance(found, bool) or not isinstance(found, int | float | Decimal):
        return Seen(False, f"the query returned {found!r}, not a number")
    value = float(found)
    shown = f"{value:g}"
    if options.threshold is None:
        return Seen(True, f"the query returned {shown}", value)
    limit = f"{options.op} threshold {options.threshold:g}"
    if _FAILS[options.op](value, options.threshold):
        return Seen(False, f"the query returned {shown}, {limit}", value)
    return Seen(True, f"the query returned {shown} (fails when {limit})", value)


def _failure(exc: psycopg.Error) -> str:
    """libpq's message, first line: 'connection to server at "10.0.0.5", port 5432 failed:
    Connection refused' already names the place; its diagnostic adds the server's words."""
    text = str(exc).strip()
    if isinstance(exc, psycopg.errors.ConnectionTimeout):
        return "no connection within the timeout"
    text = text.removeprefix("connection failed: ")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    refused = [line for line in lines if "Connection refused" in line]
    return (refused or lines or [describe(exc)])[0][:300]
