"""`audit verify`: recompute every incident's timeline chain and report where it breaks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.incident.timeline import Break, verify
from astreinte.storage import incidents as store


@dataclass(frozen=True, slots=True)
class AuditReport:
    incidents: int
    events: int
    breaks: tuple[Break, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_timelines(
    sessions: sessionmaker[Session], *, incident_id: int | None = None
) -> AuditReport:
    """Check every incident's chain (or one), reading in a single transaction so that the
    picture is consistent while others keep writing."""
    breaks: list[Break] = []
    events = 0
    with sessions.begin() as session:
        heads = store.heads(session)
        if incident_id is not None:
            heads = [(i, h) for i, h in heads if i == incident_id]
        for number, head in heads:
            chain = store.timeline(session, number)
            events += len(chain)
            breaks.extend(verify(number, chain, head))
        # Events whose incident row is gone cannot be checked against a head: report them.
        for orphan in store.orphan_incident_ids(session):
            breaks.append(Break(orphan, 0, "events exist for an incident that is not stored"))
    return AuditReport(len(heads), events, tuple(breaks))
