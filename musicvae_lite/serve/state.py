"""The shared state of a running app, read by routes through FastAPI dependencies: the model pool
(serve/models.py), the result store (serve/store.py) and the settings (serve/settings.py), all on
`app.state`. A route names what it needs (`pool: Pool`), so a test can mount one router on a bare app
with its own state and call it alone."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from musicvae_lite.serve.models import ModelPool
from musicvae_lite.serve.settings import Settings
from musicvae_lite.serve.store import ResultStore


def pool(request: Request) -> ModelPool:
    return request.app.state.pool


def store(request: Request) -> ResultStore:
    return request.app.state.store


def settings(request: Request) -> Settings:
    return request.app.state.settings


Pool = Annotated[ModelPool, Depends(pool)]
Store = Annotated[ResultStore, Depends(store)]
AppSettings = Annotated[Settings, Depends(settings)]
