"""The FastAPI application: `create_app(settings)` wires the database, the clock, the rules and
the routes; `astreinte serve` runs it with uvicorn.

    app = create_app(load_settings())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from astreinte import __version__
from astreinte.adapters.runners.local import LocalRunner
from astreinte.api import errors
from astreinte.api.routes import alerts, executions, incidents, maintenance, system
from astreinte.api.routes import probes as probe_routes
from astreinte.domain.probe import ProbeSpec
from astreinte.services.alerts import DEFAULT_ALERT_RULES, AlertRules
from astreinte.services.execution import Executor
from astreinte.services.incidents import DEFAULT_RULES, IncidentRules
from astreinte.wiring import SignatureCheck

API_PREFIX = "/api/v1"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    sessions: sessionmaker[Session],
    *,
    rules: IncidentRules = DEFAULT_RULES,
    clock: Callable[[], datetime] = _utc_now,
    alert_rules: AlertRules = DEFAULT_ALERT_RULES,
    signatures: Mapping[str, SignatureCheck] | None = None,
    probes: Sequence[ProbeSpec] | None = None,
    executor: Executor | None = None,
) -> FastAPI:
    """The API over `sessions` (already migrated). `clock` is injectable so that tests drive
    SLA and escalation time instead of waiting for it. `probes` are the configured ones; without
    them the probes the database knows are listed. `executor` runs the steps (default: on this
    machine, with the default rules; `astreinte serve` passes the configured one)."""
    app = FastAPI(
        title="astreinte",
        version=__version__,
        description="Incident response from the runbooks a team already has.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        redoc_url=None,
    )
    app.state.sessions = sessions
    app.state.rules = rules
    app.state.clock = clock
    app.state.alert_rules = alert_rules
    app.state.signatures = dict(signatures or {})
    app.state.probes = None if probes is None else list(probes)
    app.state.executor = executor or Executor(LocalRunner())
    errors.install(app)
    app.include_router(incidents.router, prefix=API_PREFIX)
    app.include_router(executions.router, prefix=API_PREFIX)
    app.include_router(alerts.router, prefix=API_PREFIX)
    app.include_router(maintenance.router, prefix=API_PREFIX)
    app.include_router(probe_routes.router, prefix=API_PREFIX)
    app.include_router(system.router, prefix=API_PREFIX)
    # The contract also names /openapi.json at the root; both serve the same document.
    app.add_api_route("/openapi.json", lambda: app.openapi(), include_in_schema=False)
    app.add_api_route("/healthz", system.healthz, include_in_schema=False)
    return app
