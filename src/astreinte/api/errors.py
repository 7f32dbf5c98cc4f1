"""Errors as HTTP answers, in one table: AstreinteError → status, with a `Problem` body."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from astreinte.errors import (
    ApprovalRequired,
    AstreinteError,
    Busy,
    Conflict,
    Forbidden,
    InputError,
    NotFound,
    Refused,
)

STATUS: dict[type[AstreinteError], int] = {
    InputError: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    Busy: 503,
}
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    500: "Internal error",
    503: "Unavailable",
}


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"status": status, "title": TITLES.get(status, "Error"), "detail": detail},
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(AstreinteError)
    async def _astreinte(request: Request, exc: AstreinteError) -> JSONResponse:
        del request
        if isinstance(exc, ApprovalRequired):
            # The contract: detail "approval required", the preview, the execution to approve.
            body = {
                "status": 409,
                "title": TITLES[409],
                "detail": "approval required",
                "message": str(exc),
                "execution": exc.execution,
                "preview": dict(exc.preview),
            }
            return JSONResponse(body, status_code=409)
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        headers = {"Retry-After": "1"} if status == 503 else None
        answer = problem(status, str(exc), headers)
        if isinstance(exc, Refused) and exc.execution is not None:
            body = {"status": status, "title": TITLES[status], "detail": str(exc)}
            answer = JSONResponse({**body, "execution": exc.execution}, status_code=status)
        return answer

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        del request
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # FastAPI's answer to a body that is not UTF-8: say what to send instead.
            return problem(422, "the body is not UTF-8 JSON; send a JSON object encoded in UTF-8")
        return problem(exc.status_code, str(exc.detail), dict(exc.headers or {}) or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        del request
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        if first.get("type") == "json_invalid":
            at = next((p for p in first.get("loc", ()) if isinstance(p, int)), None)
            where = f" (at character {at})" if at is not None else ""
            return problem(422, f"the body is not valid JSON{where}; send a JSON object")
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return problem(422, f"'{where}': {first.get('msg', 'invalid')}; fix the request")

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        del request
        reason = next(iter(str(exc.orig or exc).strip().splitlines()), "")
        if exc.connection_invalidated or isinstance(exc, OperationalError):
            return problem(
                503,
                f"the database is unreachable or unusable ({reason}); check "
                "ASTREINTE_DATABASE_URL and the database server, then retry",
            )
        return problem(500, f"the database refused the change ({reason}); report it")
