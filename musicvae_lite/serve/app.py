"""The web app: one page (static/index.html: the Mixer, the Blender, the Sampler and the set panels of
static/panels.js, Variations first) and the JSON API it uses, on
FastAPI (https://fastapi.tiangolo.com) served by uvicorn. FastAPI because it validates form fields and
uploads from type hints, runs blocking model calls in a thread pool, writes the OpenAPI description
that /docs shows, and ships a test client; it is what Python model demos are most often served with.

    GET  /api/health        {"status": "ok", "models": [...]}
    GET  /api/models        the models offered, their family and verbs; the synthesizers' settings
    GET  /api/kits/drums    the drum kit's voices, for the page to play drums as the server's WAV does
    GET  /api/examples      ?family=melody|drums: the examples that ship; /api/examples/FAMILY/NAME.mid
    POST /api/windows       file; model: the windows the file gives (index, bar, track, notes)
    POST /api/interpolate   files a, b; n, temperature, model, seed, window_a, window_b
    POST /api/sample        n, temperature, model, seed, meter ("6/8"; default 4/4)
    POST /api/vary          file a; n, amount (0..1), temperature, model, seed, window_a: the input, then n variations
    POST /api/grid          files a, b, c, d (corners: top-left, top-right, bottom-left, bottom-right); n, ...;
                            humanize (drums: each cell played by the bundled groove model)
    POST /api/groove        file a (a beat), feel (optional): the beat stiff and played (GrooVAE humanize)
    POST /api/drumify       file a (a melody) or taps, qpm: a beat from its rhythm (GrooVAE drumify)
    GET  /api/files/ID/NAME a file a request wrote (MIDI, WAV)

Where things are: routes/ holds one `APIRouter` per concern (pages, catalog, generate, windows, files,
personalize, drums);
edge.py the guard and the error handlers; messages.py the error lines in the page's language; state.py
the dependencies through which routes read the shared state on `app.state` (the model pool of
models.py, the result store of store.py, the settings of settings.py); uploads.py how uploads are kept.
Generation runs through `families.run`, the command line's dispatch path.

Safe by default: uploads are capped (`MAX_UPLOAD`, 413 beyond), written under fixed names into a
private temporary folder, and a bad one gets the CLI's one-line reason as a 4xx JSON error; requests
name models and result files only by name, never a path; a browser page from another origin, or a
request for another host name (DNS rebinding), is refused while the server listens on loopback.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from musicvae_lite.serve import edge
from musicvae_lite.serve.models import ModelPool
from musicvae_lite.serve.routes import ROUTERS
from musicvae_lite.serve.settings import LOOPBACK, MAX_REQUEST, MAX_UPLOAD, STATIC, Settings
from musicvae_lite.serve.store import ResultStore

__all__ = ["create_app", "MAX_REQUEST", "MAX_UPLOAD", "LOOPBACK"]


def create_app(models: dict[str, str | Path] | None = None, *, bundled: bool = True,
               allowed_hosts: tuple[str, ...] | None = LOOPBACK, store_root: str | Path | None = None,
               preload: bool = True, replicas: int | None = None) -> FastAPI:
    """The app. `models`: extra models to offer (name -> run folder or checkpoint) beside the bundled
    ones (`bundled=False` offers only those); `allowed_hosts`: the host names requests and browser
    origins may use (None: any, for a server bound to a public address on purpose); `preload`: load
    the default model when the server starts rather than on the first request; `replicas`: copies of
    each model that decode at once (default one per core, up to 4; serve/models.py)."""
    app = FastAPI(title="musicvae_lite", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Interpolate, sample and blend melodies with MusicVAE-style models, offline. "
                              "Errors are JSON objects with one line under `error`.")
    app.state.settings = Settings(allowed_hosts=allowed_hosts, preload=preload)
    app.state.pool = ModelPool(models, bundled=bundled, replicas=replicas)
    app.state.store = ResultStore(store_root)
    edge.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Load the default model before the first request (the first click should not wait for it); delete
    the results when the server stops."""
    try:
        if app.state.settings.preload:
            await run_in_threadpool(app.state.pool.get, None)
        yield
    finally:
        app.state.store.close()


def _version() -> str:
    from musicvae_lite import __version__

    return __version__
