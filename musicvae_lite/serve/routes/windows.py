"""What one uploaded file gives a model: its windows (the passages of the model's length that the
generation verbs take by index, `window_a` ... `window_d`), as the family's `windows` verb lists them
for `mvae windows`, so that the page can show them and let the musician pick one. Each window comes with
its index, its first bar (from 1), its track when the file has several, its notes (or drum hits) and
their count, so the page can draw a small preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from starlette.concurrency import run_in_threadpool

from musicvae_lite.errors import MvaeError
from musicvae_lite.serve.routes.generate import Model
from musicvae_lite.serve.state import Pool, Store
from musicvae_lite.serve.uploads import Saved

router = APIRouter()
MAX_LISTED = 1000  # windows in one answer (a long piece has more; `total` says how many)


@router.post("/api/windows", summary="The windows a MIDI file gives the model: index, bar, track, notes")
async def windows(pool: Pool, store: Store, file: Annotated[UploadFile, File(description="a MIDI file")],
                  model: Model = None):
    from musicvae_lite.core.family import Request

    result = store.new()  # a private folder for the upload, dropped once it is read
    saved = Saved(result)
    try:
        path = await saved.add(file, "file")

        def work():
            loaded = pool.get(model).loaded
            request = Request((path,), options={"bars": loaded.model.config.bars})
            loaded.family.check("windows", request.options)
            return loaded, loaded.family.windows(request)

        loaded, output = await run_in_threadpool(work)
    except MvaeError as e:
        raise MvaeError(saved.shown(str(e))) from None
    finally:
        store.discard(result)
    if not output.items:
        raise MvaeError(saved.shown(f"{path}: no window of {loaded.model.config.bars} bars for this model"))
    return {"model": model or pool.default(), "family": loaded.family.name, "bars": loaded.model.config.bars,
            "total": len(output.items), "windows": output.items[:MAX_LISTED],
            "lines": [saved.shown(line) for line in output.lines]}
