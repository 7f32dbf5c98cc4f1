"""`astreinte report` and `GET /metrics/summary`: incident metrics, and each runbook's own
success targets with the figure astreinte measures for them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.incident.metrics import Summary, TargetResult, compare, summarise
from astreinte.services import snapshots
from astreinte.storage import incidents as store
from astreinte.storage import repo


@dataclass(frozen=True, slots=True)
class RunbookTargets:
    runbook_id: str
    title: str
    targets: tuple[TargetResult, ...]


@dataclass(frozen=True, slots=True)
class Report:
    summary: Summary
    runbooks: tuple[RunbookTargets, ...]


def report(sessions: sessionmaker[Session]) -> Report:
    with sessions.begin() as session:
        incidents = store.all_incidents(session)
        runbooks = []
        for summary in repo.list_runbooks(session):
            shell = snapshots.runbook_shell(session, summary.id)  # parsed once per version
            if shell is None or not shell.metrics:
                continue
            followed = [
                i for i in incidents if i.procedure and i.procedure.runbook_id == summary.id
            ]
            runbooks.append(
                RunbookTargets(summary.id, summary.title, tuple(compare(shell.metrics, followed)))
            )
    return Report(summarise(incidents), tuple(runbooks))
