"""The web app: one page (static/index.html: the Mixer and the Blender) and the JSON API it uses, on
FastAPI (https://fastapi.tiangolo.com) served by uvicorn. FastAPI because it validates form fields and
uploads from type hints, runs blocking model calls in a thread pool, writes the OpenAPI description
that /docs shows, and ships a test client; it is what Python model demos are most often served with.

    GET  /api/health        {"status": "ok", "models": [...]}
    GET  /api/models        the models offered, their family and verbs; the synthesizers' settings
    GET  /api/kits/drums    the drum kit's voices, for the page to play drums as the server's WAV does
    GET  /api/examples      ?family=melody|drums: the examples that ship; /api/examples/FAMILY/NAME.mid
    POST /api/interpolate   files a, b; n, temperature, model, seed, window_a, window_b
    POST /api/sample        n, temperature, model, seed
    POST /api/grid          files a, b, c, d (corners: top-left, top-right, bottom-left, bottom-right); n, ...
    GET  /api/files/ID/NAME a file a request wrote (MIDI, WAV)

Every generation answer holds `steps` (one event list per melody), `items` (the same with notes and
where each sits in the stitched MIDI and WAV: `Output.items` of the family contract) and links to the
files. Models are driven through the family registry (families.py), never through the command line.

Safe by default: uploads are capped (`MAX_UPLOAD`, 413 beyond), written under fixed names into a
private temporary folder, and a bad one gets the CLI's one-line reason as a 4xx JSON error; requests
name models and result files only by name, never a path; a browser page from another origin, or a
request for another host name (DNS rebinding), is refused while the server listens on loopback.
"""

from __future__ import annotations

import re
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from musicvae_lite.errors import MvaeError
from musicvae_lite.serve.models import ModelPool, UnknownModel
from musicvae_lite.serve.store import Result, ResultStore

STATIC = Path(__file__).resolve().parent / "static"
MAX_UPLOAD = 2 * 1024 * 1024  # bytes per uploaded file; a MIDI melody is a few KB
MAX_REQUEST = 4 * MAX_UPLOAD + 64 * 1024  # a whole request (four corner files and the form fields)
MAX_STEPS = 16  # interpolation steps and samples per request
MAX_GRID = 11  # Beat Blender's 11 x 11
MAX_TEMPERATURE = 2.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MEDIA = {".mid": "audio/midi", ".wav": "audio/wav", ".png": "image/png"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9 ._()+-]")

# form fields several requests take (module level: FastAPI resolves the route's annotations here)
Temperature = Annotated[float, Form(ge=0.0, le=MAX_TEMPERATURE, description="0 decodes greedily")]
Model = Annotated[str | None, Form(description="a name from /api/models (default: the default model)")]
Seed = Annotated[int | None, Form(ge=0, le=2**31 - 1, description="the same seed gives the same output")]
Window = Annotated[int, Form(ge=0, le=10_000, description="which window of the file (`mvae windows`)")]


def create_app(models: dict[str, str | Path] | None = None, *, bundled: bool = True,
               allowed_hosts: tuple[str, ...] | None = LOOPBACK, store_root: str | Path | None = None,
               preload: bool = True, replicas: int | None = None) -> FastAPI:
    """The app. `models`: extra models to offer (name -> run folder or checkpoint) beside the bundled
    ones (`bundled=False` offers only those); `allowed_hosts`: the host names requests and browser
    origins may use (None: any, for a server bound to a public address on purpose); `preload`: load
    the default model when the server starts rather than on the first request; `replicas`: copies of
    each model that decode at once (default one per core, up to 4; serve/models.py)."""
    pool = ModelPool(models, bundled=bundled, replicas=replicas)
    store = ResultStore(store_root)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            if preload:  # the first click should not wait for a model to load
                await run_in_threadpool(pool.get, None)
            yield
        finally:
            store.close()

    app = FastAPI(title="musicvae_lite", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Interpolate, sample and blend melodies with MusicVAE-style models, offline. "
                              "Errors are JSON objects with one line under `error`.")
    app.state.pool, app.state.store = pool, store

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if allowed_hosts is not None:
            host = _hostname(request.headers.get("host", ""))
            if host not in allowed_hosts:
                return _error(400, f"this server answers requests for {', '.join(allowed_hosts)} only, not {host!r}")
            origin = request.headers.get("origin")
            if origin and origin != "null" and _hostname(urlsplit(origin).netloc) not in allowed_hosts:
                return _error(403, f"requests from pages of {origin} are not allowed")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_REQUEST):
            return _error(413, f"the request is over {MAX_REQUEST // 1024} KiB; each file may be at most "
                               f"{MAX_UPLOAD // (1024 * 1024)} MiB")
        return await call_next(request)

    @app.exception_handler(MvaeError)
    async def user_error(request: Request, e: MvaeError):
        return _error(404 if isinstance(e, UnknownModel) and request.method == "GET" else 422, str(e))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, e: HTTPException):
        return _error(e.status_code, str(e.detail))

    @app.exception_handler(404)
    async def not_found(request: Request, e):
        return _error(404, f"nothing at {request.url.path}")

    @app.exception_handler(RequestValidationError)
    async def bad_field(request: Request, e: RequestValidationError):
        first = e.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return _error(422, f"{where}: {first.get('msg', 'invalid')}")

    # -- the page --------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return FileResponse(STATIC / "docs.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # -- reading -----------------------------------------------------------------------------------

    @app.get("/api/health", summary="Whether the server is up, and the models it offers")
    def health():
        return {"status": "ok", "models": pool.names()}

    @app.get("/api/models", summary="The models offered (family, verbs) and the synthesizers' settings")
    def list_models():
        from musicvae_lite.music.audio import synth_settings
        from musicvae_lite.music.drums.render import kit_settings

        return {"models": pool.describe(), "default": pool.default(), "synth": synth_settings(),
                "drum_kit": {**kit_settings(), "url": "/api/kits/drums"}}

    @app.get("/api/kits/drums", summary="The drum kit's nine voices, little-endian float64, one after another")
    def drum_kit():
        from fastapi.responses import Response

        from musicvae_lite.music.drums.render import kit_bytes

        return Response(kit_bytes(), media_type="application/octet-stream")

    @app.get("/api/examples", summary="The examples that ship in the package, for a family (melody, drums)")
    def list_examples(family: str = "melody"):
        from musicvae_lite.core.bundled import examples

        return {"family": family, "examples": [{"name": name, "url": f"/api/examples/{family}/{name}.mid"}
                                               for name in examples(_family_name(family))]}

    @app.get("/api/examples/{family}/{name}.mid", summary="One example as a MIDI file")
    def example(family: str, name: str):
        from musicvae_lite.core.bundled import examples

        path = examples(_family_name(family)).get(name)
        if path is None:
            raise HTTPException(404, f"no {family} example called {name!r}")
        return FileResponse(path, media_type=MEDIA[".mid"], filename=path.name)

    @app.get("/api/files/{result_id}/{name}", summary="A file a generation request wrote")
    def result_file(result_id: str, name: str):
        path = store.file(result_id, name)
        if path is None:
            raise HTTPException(404, f"no file {name!r} in result {result_id!r} (results are kept while the "
                                     f"server runs, the latest {store.keep})")
        return FileResponse(path, media_type=MEDIA.get(path.suffix, "application/octet-stream"), filename=name)

    # -- generating --------------------------------------------------------------------------------

    async def generate(verb: str, model: str | None, uploads: list[tuple[str, UploadFile, int]],
                       options: dict, formats: frozenset[str]) -> dict:
        started = time.perf_counter()
        result = store.new()
        try:
            names: dict[str, str] = {}
            inputs, windows = [], []
            for field, upload, window in uploads:
                path, shown = await _save_upload(upload, field, result)
                names[str(path)] = shown
                inputs.append(str(path))
                windows.append(window)
            if windows:
                options = {**options, "windows": tuple(windows)}

            def work():
                from musicvae_lite import families
                from musicvae_lite.core.family import Request as VerbRequest

                with pool.borrow(model) as loaded:
                    out = families.run(loaded, verb, VerbRequest(tuple(inputs), result.folder, False, options, formats))
                return model or pool.default(), out

            name, output = await run_in_threadpool(work)
        except MvaeError as e:
            store.discard(result)
            raise MvaeError(_shown(str(e), names, result)) from None
        except BaseException:
            store.discard(result)
            raise
        store.publish(result, output.paths)
        files = {n: f"/api/files/{result.id}/{n}" for n in result.files}
        return {"id": result.id, "model": name, "verb": verb, "steps": [it.get("events") for it in output.items],
                "items": output.items, "midi": files.get(_stitched(output.paths, ".mid")),
                "wav": files.get(_stitched(output.paths, ".wav")), "files": files, "lines": output.lines,
                "ms": round(1000 * (time.perf_counter() - started), 1)}

    @app.post("/api/interpolate", summary="n melodies from a to b through the model's latent space")
    async def interpolate(a: Annotated[UploadFile, File(description="MIDI file, one end")],
                          b: Annotated[UploadFile, File(description="MIDI file, the other end")],
                          n: Annotated[int, Form(ge=2, le=MAX_STEPS)] = 7, temperature: Temperature = 0.0,
                          model: Model = None, seed: Seed = None, window_a: Window = 0, window_b: Window = 0):
        return await generate("interpolate", model, [("a", a, window_a), ("b", b, window_b)],
                              {"n": n, "temperature": temperature, "seed": seed}, frozenset({"mid", "wav"}))

    @app.post("/api/sample", summary="n new melodies from random codes")
    async def sample(n: Annotated[int, Form(ge=1, le=MAX_STEPS)] = 4,
                     temperature: Annotated[float, Form(ge=0.0, le=MAX_TEMPERATURE)] = 0.5,
                     model: Model = None, seed: Seed = None):
        return await generate("sample", model, [], {"n": n, "temperature": temperature, "seed": seed},
                              frozenset({"mid", "wav"}))

    @app.post("/api/grid", summary="The n x n bilinear grid between four corner melodies (row by row)")
    async def grid(a: Annotated[UploadFile, File(description="MIDI file, top-left corner")],
                   b: Annotated[UploadFile, File(description="MIDI file, top-right corner")],
                   c: Annotated[UploadFile, File(description="MIDI file, bottom-left corner")],
                   d: Annotated[UploadFile, File(description="MIDI file, bottom-right corner")],
                   n: Annotated[int, Form(ge=2, le=MAX_GRID)] = 5, temperature: Temperature = 0.0,
                   model: Model = None, seed: Seed = None, window_a: Window = 0, window_b: Window = 0,
                   window_c: Window = 0, window_d: Window = 0):
        # MIDI only: the page plays each cell itself, and a WAV of 121 cells would be 50 MB
        return await generate("grid", model, [("a", a, window_a), ("b", b, window_b), ("c", c, window_c),
                                              ("d", d, window_d)],
                              {"n": n, "temperature": temperature, "seed": seed}, frozenset({"mid"}))

    return app


async def _save_upload(upload: UploadFile, field: str, result: Result) -> tuple[Path, str]:
    """Write an upload as inputs/<field>.mid (never under the uploader's name); returns the path and the
    name to show in messages."""
    shown = _display_name(upload.filename, field)
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"{shown}: the file is over {MAX_UPLOAD // (1024 * 1024)} MiB; MIDI melodies "
                                 f"are a few KB")
    path = result.inputs / f"{field}.mid"
    path.write_bytes(data)
    return path, shown


def _family_name(family: str) -> str:
    """A registered family's name, else 404 (the name picks a folder of examples)."""
    from musicvae_lite import families

    if family not in families.FAMILIES:
        raise HTTPException(404, f"no family called {family!r}; there are: {', '.join(families.FAMILIES)}")
    return family


def _stitched(paths: list[Path], suffix: str) -> str | None:
    """The file of all the outputs in turn: the shortest name of its kind (the others are named after
    it: interpolation.mid, interpolation_01.mid, ...)."""
    names = [p.name for p in paths if p.suffix == suffix]
    return min(names, key=len) if names else None


def _display_name(filename: str | None, field: str) -> str:
    """The upload's own file name, reduced to safe characters, for messages only."""
    base = _SAFE_NAME.sub("_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")[:80]
    return base or f"file {field}"


def _shown(message: str, names: dict[str, str], result: Result) -> str:
    """An error message with the server's paths replaced by what the user knows them as."""
    for path, shown in names.items():
        message = message.replace(path, shown)
    return message.replace(str(result.folder), "the output folder")


def _hostname(netloc: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:80' -> '::1'."""
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _version() -> str:
    from musicvae_lite import __version__

    return __version__
