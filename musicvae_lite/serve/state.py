"""The shared state of a running app, read by routes through FastAPI dependencies: the model pool
(serve/models.py) and the result store (serve/store.py), on `app.state` beside the settings
(serve/settings.py, which the guard in edge.py reads). A route names what it needs (`pool: Pool`), so a
test can mount one router on a bare app with its own state and call it alone. The dependencies are
`async` only so that FastAPI calls them in the event loop rather than handing each to a worker thread:
they just read an attribute."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from musicvae_lite.serve.models import ModelPool
from musicvae_lite.serve.store import ResultStore


async def pool(request: Request) -> ModelPool:
    return request.app.state.pool


async def store(request: Request) -> ResultStore:
    return request.app.state.store


Pool = Annotated[ModelPool, Depends(pool)]
Store = Annotated[ResultStore, Depends(store)]
