"""What every request meets before and after its route: the guard (foreign host names and browser
origins refused while the server listens on loopback, against DNS rebinding and cross-site posts;
oversized requests refused before they are read) and the error handlers, which turn every failure into
one JSON line `{"error": ...}` in the page's language (serve/messages.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from musicvae_lite.errors import MvaeError
from musicvae_lite.serve.messages import for_page
from musicvae_lite.serve.models import UnknownModel
from musicvae_lite.serve.settings import MAX_REQUEST, MAX_UPLOAD


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def guard(request: Request, call_next):
    allowed = request.app.state.settings.allowed_hosts
    if allowed is not None:
        host = hostname(request.headers.get("host", ""))
        if host not in allowed:
            return error(400, f"this server answers requests for {', '.join(allowed)} only, not {host!r}")
        origin = request.headers.get("origin")
        if origin and origin != "null" and hostname(urlsplit(origin).netloc) not in allowed:
            return error(403, f"requests from pages of {origin} are not allowed")
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_REQUEST):
        return error(413, f"the request is over {MAX_REQUEST // 1024} KiB; each file may be at most "
                          f"{MAX_UPLOAD // (1024 * 1024)} MiB")
    return await call_next(request)


async def user_error(request: Request, e: MvaeError) -> JSONResponse:
    return error(404 if isinstance(e, UnknownModel) and request.method == "GET" else 422, for_page(str(e)))


async def http_error(request: Request, e: HTTPException) -> JSONResponse:
    return error(e.status_code, str(e.detail))


async def not_found(request: Request, e) -> JSONResponse:
    return error(404, f"nothing at {request.url.path}")


async def bad_field(request: Request, e: RequestValidationError) -> JSONResponse:
    first = e.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
    return error(422, f"{where}: {first.get('msg', 'invalid')}")


def install(app: FastAPI) -> None:
    """The guard and the error handlers, on `app`."""
    app.middleware("http")(guard)
    app.add_exception_handler(MvaeError, user_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(404, not_found)
    app.add_exception_handler(RequestValidationError, bad_field)


def hostname(netloc: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:80' -> '::1'."""
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc
