"""Make it mine on the page (issue 25): /api/personalize trains `mvae personalize` (MidiMe: a small VAE over
a base model's codes, music/melody/personalize.py) on one uploaded file, offers the model it made under a new
name (`mine-1`, `mine-2`, ...: the model pool's `add`; its checkpoint and card live in the result store's
folder, gone when the server stops) and answers with samples of it, as /api/sample would, plus what
/api/models says of the new model so that the page can add it to its menu. A server makes at most
`MAX_MINE` of them; a file that gives too few windows, or a base that is not a melody model, is one line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from musicvae_lite.errors import MvaeError
from musicvae_lite.serve.routes.generate import Model, Seed, Temperature, generate
from musicvae_lite.serve.settings import MAX_STEPS
from musicvae_lite.serve.state import Pool, Store
from musicvae_lite.serve.uploads import Saved

router = APIRouter()
MAX_MINE = 8  # personalized models one server run makes
PREFIX = "mine-"


@router.post("/api/personalize", summary="A model made yours from one MIDI file (MidiMe), and samples of it")
async def personalize(pool: Pool, store: Store,
                      a: Annotated[UploadFile, File(description="MIDI file: every window of it is learned")],
                      n: Annotated[int, Form(ge=1, le=MAX_STEPS, description="samples of the new model")] = 8,
                      temperature: Temperature = 0.5, model: Model = None, seed: Seed = None):
    from musicvae_lite.music.melody.personalize import personalize as make

    if pool.made(PREFIX) >= MAX_MINE:
        raise MvaeError(f"this server has made {MAX_MINE} models already; restart it to make more")
    base = pool.get(model)
    upload = store.new()  # the uploaded file, dropped once learned
    saved = Saved(upload)
    name = f"{PREFIX}{pool.made(PREFIX) + 1}"
    try:
        path = await saved.add(a, "a")
        folder = store.root / "models"
        folder.mkdir(exist_ok=True)
        made = await run_in_threadpool(lambda: make([path], folder / name, model=base.spec))
    except MvaeError as e:
        line, shown = saved.shown(str(e)), next(iter(saved.names.values()), "")
        raise MvaeError(line if not shown or line.startswith(shown) else f"{shown}: {line}") from None
    finally:
        store.discard(upload)
    described = pool.add(name, made.path)
    answer = await generate(pool, store, "sample", name, [], {"n": n, "temperature": temperature, "seed": seed},
                            frozenset({"mid", "wav"}))
    summary = made.summary().replace(f"{made.path.name}: ", f"{name}: ")
    return {**answer, "lines": [summary, *answer["lines"]], "made": described}
