"""Maintenance windows: named, planned silences (`db-upgrade-2026-12`), once or weekly. They live
with the silences, so alert ingestion silences during them like during any silence: the alerts
are kept, marked with the window, and open nothing.

A name is unique among the windows that have not ended; an ended window keeps its record (and
its name can be planned again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.maintenance import Recurrence, check_name
from astreinte.domain.silence import Matcher, Silence, SilenceKind, SilenceState
from astreinte.errors import Conflict, InputError, NotFound
from astreinte.storage import alerts as store
from astreinte.storage.db import writing

# Far enough for any plan; it also keeps the date arithmetic of recurrences off datetime.max.
LONGEST = timedelta(days=366 * 10)


@dataclass(frozen=True, slots=True)
class Window:
    silence: Silence  # of kind maintenance, named
    silenced_alerts: int  # alerts it silenced, kept in the alert list

    @property
    def name(self) -> str:
        return self.silence.name or ""


def add_window(
    sessions: sessionmaker[Session],
    *,
    name: str,
    matchers: Sequence[Matcher],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    now: datetime,
    recurrence: Recurrence | None = None,
) -> Window:
    """Plan a window; InputError for a bad plan, Conflict when the name is taken."""
    name = check_name(name)
    if not matchers:
        raise InputError(
            f"maintenance window '{name}' needs at least one matcher, e.g. service=\"db\""
        )
    if ends_at <= starts_at:
        raise InputError(
            f"maintenance window '{name}' ends ({ends_at.isoformat()}) before it starts "
            f"({starts_at.isoformat()}); give an end after the start"
        )
    if ends_at <= now:
        raise InputError(
            f"maintenance window '{name}' ends in the past ({ends_at.isoformat()}); "
            "give an end after now"
        )
    if ends_at - min(starts_at, now) > LONGEST:
        raise InputError(
            f"maintenance window '{name}' would last more than 10 years; give a nearer end"
        )
    if not comment.strip():
        raise InputError(f"maintenance window '{name}' needs a reason: what the work is")
    planned = Silence(
        id=0,
        matchers=tuple(matchers),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=comment.strip(),
        kind=SilenceKind.MAINTENANCE,
        name=name,
        recurrence=recurrence,
    )
    if recurrence is not None and not planned.occurrences(now, limit=1):
        raise InputError(
            f"maintenance window '{name}': {recurrence.describe()} never falls between "
            f"{starts_at.isoformat()} and {ends_at.isoformat()}; widen the window or change "
            "the days"
        )
    with writing(sessions) as session:
        store.lock_window_name(session, name)
        taken = store.window(session, name, now=now)
        if taken is not None and taken.state(now) is not SilenceState.ENDED:
            raise Conflict(
                f"a maintenance window named '{name}' is already planned until "
                f"{taken.ends:%Y-%m-%d %H:%M} UTC; choose another name or end that one first"
            )
        silence = store.insert_silence(
            session,
            matchers=planned.matchers,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=created_by,
            comment=planned.comment,
            now=now,
            kind=SilenceKind.MAINTENANCE,
            name=name,
            recurrence=recurrence,
        )
    return Window(silence, 0)


def list_windows(
    sessions: sessionmaker[Session], *, now: datetime, include_ended: bool = False
) -> list[Window]:
    """Windows not ended (active, then upcoming, by their next run); with `include_ended`,
    the ended ones after them, the latest first."""
    with sessions.begin() as session:
        found = store.windows(session, now=now, include_ended=include_ended)
        counts = store.silenced_counts(session, [w.id for w in found])
    running = [w for w in found if w.state(now) is not SilenceState.ENDED]
    ended = [w for w in found if w.state(now) is SilenceState.ENDED]
    running.sort(key=lambda w: (_next_start(w, now), w.id))
    ended.sort(key=lambda w: (w.ends, w.id), reverse=True)
    return [Window(w, counts.get(w.id, 0)) for w in (*running, *ended)]


def get_window(sessions: sessionmaker[Session], *, name: str, now: datetime) -> Window:
    """The window called `name` that has not ended, else the latest one that has."""
    name = check_name(name)
    with sessions.begin() as session:
        found = store.window(session, name, now=now)
        if found is None:
            raise _not_found(name)
        return Window(found, store.silenced_counts(session, [found.id]).get(found.id, 0))


def end_window(sessions: sessionmaker[Session], *, name: str, now: datetime) -> Window:
    """End the window called `name` now (an upcoming one is cancelled); its record and the
    alerts it silenced stay. A window already ended is returned as it is."""
    name = check_name(name)
    with writing(sessions) as session:
        found = store.window(session, name, now=now, lock=True)
        if found is None:
            raise _not_found(name)
        if found.state(now) is not SilenceState.ENDED:
            found = store.expire_silence(session, found.id, now=now) or found
        return Window(found, store.silenced_counts(session, [found.id]).get(found.id, 0))


def _next_start(window: Silence, now: datetime) -> datetime:
    upcoming = window.occurrences(now, limit=1)
    return upcoming[0].starts_at if upcoming else window.ends


def _not_found(name: str) -> NotFound:
    return NotFound(
        f"no maintenance window named '{name}'; 'astreinte maintenance list --all' "
        "(or GET /api/v1/maintenance?all=true) lists them"
    )
