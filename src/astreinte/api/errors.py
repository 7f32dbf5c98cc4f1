"""Errors as HTTP answers, in one table: AstreinteError → status, with a `Problem` body."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from astreinte.errors import AstreinteError, Conflict, InputError, NotFound

STATUS: dict[type[AstreinteError], int] = {InputError: 422, NotFound: 404, Conflict: 409}
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    500: "Internal error",
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
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        return problem(status, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        del request
        return problem(exc.status_code, str(exc.detail), dict(exc.headers or {}) or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        del request
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return problem(422, f"'{where}': {first.get('msg', 'invalid')}; fix the request")
