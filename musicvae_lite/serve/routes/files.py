"""The files a generation request wrote (MIDI, WAV), by the request's random id and the file's name:
both are looked up in the result store (serve/store.py), never joined into a path."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from musicvae_lite.serve.settings import MEDIA
from musicvae_lite.serve.state import Store

router = APIRouter()


@router.get("/api/files/{result_id}/{name}", summary="A file a generation request wrote")
def result_file(result_id: str, name: str, store: Store):
    path = store.file(result_id, name)
    if path is None:
        raise HTTPException(404, f"no file {name!r} in result {result_id!r} (results are kept while the "
                                 f"server runs, the latest {store.keep})")
    return FileResponse(path, media_type=MEDIA.get(path.suffix, "application/octet-stream"), filename=name)
