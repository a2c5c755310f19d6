"""The page (static/index.html: the Mixer, the Blender, the Sampler and the set panels) and the API's docs page (static/docs.html,
which reads /openapi.json); the page's scripts and styles are mounted from static/ by `create_app`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from musicvae_lite.serve.settings import STATIC

router = APIRouter(include_in_schema=False)


@router.get("/")
def page():
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/docs")
def docs():
    return FileResponse(STATIC / "docs.html", media_type="text/html")
