"""Health, Prometheus metrics and the metrics summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from astreinte.api.deps import Sessions, Viewer
from astreinte.api.schemas import Problem
from astreinte.domain.incident.metrics import Group, Summary
from astreinte.services import reports

router = APIRouter(tags=["system"])


@router.get("/healthz", responses={503: {"model": Problem, "description": "No database."}})
def healthz(sessions: Sessions) -> dict[str, str]:
    """Liveness and database reachability; no token needed."""
    with sessions.begin() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}


def _group(group: Group) -> dict[str, Any]:
    return {
        "count": group.count,
        "open": group.open,
        "mtta_minutes": group.mtta_minutes,
        "mttm_minutes": group.mttm_minutes,
        "mttr_minutes": group.mttr_minutes,
        "respond_sla": {
            "met": group.respond.met,
            "missed": group.respond.missed,
            "rate": group.respond.rate,
        },
        "resolve_sla": {
            "met": group.resolve.met,
            "missed": group.resolve.missed,
            "rate": group.resolve.rate,
        },
    }


def summary_json(report: reports.Report) -> dict[str, Any]:
    summary = report.summary
    return {
        "overall": _group(summary.overall),
        "by_level": {k: _group(v) for k, v in summary.by_level.items()},
        "by_service": {k: _group(v) for k, v in summary.by_service.items()},
        "by_procedure": summary.by_procedure,
        "by_status": summary.by_status,
        "runbook_targets": [
            {
                "runbook_id": r.runbook_id,
                "title": r.title,
                "targets": [
                    {
                        "name": t.name,
                        "target": t.target,
                        "current": t.current,
                        "met": t.met,
                        "basis": t.basis,
                    }
                    for t in r.targets
                ],
            }
            for r in report.runbooks
        ],
    }


@router.get("/metrics/summary", responses={401: {"model": Problem}, 403: {"model": Problem}})
def metrics_summary(principal: Viewer, sessions: Sessions) -> dict[str, Any]:
    """MTTA, MTTM, MTTR and SLA compliance overall, per level and per service, incidents per
    procedure, and each runbook's own success targets with the current figure."""
    del principal
    return summary_json(reports.report(sessions))


class _Incidents(Collector):
    """Reads the figures from the database at each scrape: every API process answers the
    same, and nothing is lost on restart."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Any:
        summary: Summary = reports.report(self.sessions).summary
        by_status = GaugeMetricFamily(
            "astreinte_incidents", "Incidents by status.", labels=["status"]
        )
        for status, count in summary.by_status.items():
            by_status.add_metric([status], count)
        yield by_status
        means: tuple[tuple[str, Callable[[Group], float | None], str], ...] = (
            ("mtta", lambda g: g.mtta_minutes, "acknowledge"),
            ("mttm", lambda g: g.mttm_minutes, "mitigate"),
            ("mttr", lambda g: g.mttr_minutes, "resolve"),
        )
        for name, pick, what in means:
            family = GaugeMetricFamily(
                f"astreinte_{name}_seconds", f"Mean time to {what}, by level.", labels=["level"]
            )
            for level, group in summary.by_level.items():
                value = pick(group)
                if value is not None:
                    family.add_metric([level], value * 60)
            yield family
        sla = GaugeMetricFamily(
            "astreinte_sla_missed", "Incidents that missed a clock.", labels=["clock", "level"]
        )
        for level, group in summary.by_level.items():
            sla.add_metric(["respond", level], group.respond.missed)
            sla.add_metric(["resolve", level], group.resolve.missed)
        yield sla


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}},
        401: {"model": Problem},
        403: {"model": Problem},
    },
)
def prometheus(principal: Viewer, sessions: Sessions) -> Response:
    """Prometheus text exposition of the incident figures (scrape with a viewer token)."""
    del principal
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Incidents(sessions))
    return Response(generate_latest(registry), media_type="text/plain; version=0.0.4")
