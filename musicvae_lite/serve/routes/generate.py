"""The generation verbs the page uses: interpolate (the Mixer), grid (the Blender), sample (the Sampler),
vary (the Variations panel: one melody in, a set out; the pattern a Continue route follows). Each saves
its uploads, then runs the verb through `families.run`, the one dispatch path the command line uses too,
on a model replica borrowed from the pool, in a worker thread; the files it wrote become downloadable
from the result store, and the answer holds `steps` (one event list per window), `items` (the family's
`Output.items`: notes, meter and where each sits in the stitched MIDI and WAV) and links to the files
(`each`: item i's own MIDI file, where the verb writes one per item). A request that fails leaves nothing
behind. Uploads come as `a`, `b`, ... with `window_a`, ...: a verb of one file gets its window as the
command line's `window`, a verb of several `windows`, one each; the Blender's grid takes `humanize` (a drum
model's cells played by the bundled groove model: each hit's velocity and offset in the items). Sample takes
a `meter` ("6/8"), checked before any model is borrowed; a model that does not read the meter refuses any
but its own with the verb's one line."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from musicvae_lite.errors import MvaeError
from musicvae_lite.serve.models import ModelPool
from musicvae_lite.serve.settings import MAX_GRID, MAX_STEPS, MAX_TEMPERATURE
from musicvae_lite.serve.state import Pool, Store
from musicvae_lite.serve.store import ResultStore
from musicvae_lite.serve.uploads import Saved

router = APIRouter()

# form fields several requests take (module level: FastAPI resolves the route's annotations here)
Temperature = Annotated[float, Form(ge=0.0, le=MAX_TEMPERATURE, description="0 decodes greedily")]
Model = Annotated[str | None, Form(description="a name from /api/models (default: the default model)")]
Seed = Annotated[int | None, Form(ge=0, le=2**31 - 1, description="the same seed gives the same output")]
Window = Annotated[int, Form(ge=0, le=10_000, description="which window of the file (as /api/windows lists them)")]
MeterField = Annotated[str | None, Form(max_length=16, description='a time signature, like "6/8" (default 4/4)')]
ChordsField = Annotated[str | None, Form(max_length=400, description='a chord progression, like "C G Am F" or '
                                      '"C G | Am F" (music/chords.py), for a model that reads chords')]
MAX_BAR_STEPS = 32  # the longest bar a sample may ask for, in 16th-note steps (4/2; the page offers up to 3/2)


def checked_meter(label: str | None) -> str | None:
    """The time signature a request asks for, as its label, or a one-line error (the CLI's `--meter` line,
    which the page's words turn into `meter: ...`) for one that is not like "6/8" or whose bar is over
    `MAX_BAR_STEPS`."""
    from musicvae_lite.music.meter import parse_meter

    if label is None:
        return None
    try:
        meter = parse_meter(label)
    except ValueError as e:
        raise MvaeError(f"--meter: {e}") from None
    if meter.steps_per_bar > MAX_BAR_STEPS:
        raise MvaeError(f"--meter: a bar of {meter.label} is {meter.steps_per_bar} 16th notes; the page writes "
                        f"bars of at most {MAX_BAR_STEPS}")
    return meter.label


def given_chords(text: str | None) -> dict:
    """The `chords` option of a request that gives a progression (interpolate and sample take one, "C G Am F", for
    a model that reads chords): checked before any model is borrowed (a bad chord name is the one line of
    music/chords.py, a 4xx), none for an empty field; a progression only, never read as a file's path
    (melody/chord_verbs.py `Progression`). The answer's items then carry the chords (`chords`: [step, name] at
    each change; `chord_notes`: the chord track the WAV plays, [pitch, start, end])."""
    from musicvae_lite.music.chords import parse_progression
    from musicvae_lite.music.melody.chord_verbs import Progression

    if text is None or not text.strip():
        return {}
    parse_progression(text)
    return {"chords": Progression(text.strip())}


async def generate(pool: ModelPool, store: ResultStore, verb: str, model: str | None,
                   uploads: list[tuple[str, UploadFile, int]], options: dict, formats: frozenset[str]) -> dict:
    """Run `verb` on the uploads (field, file, window) with `options`; the answer the page reads."""
    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    started = time.perf_counter()
    result = store.new()
    saved = Saved(result)
    with saved.discarded_on_error(store):
        for field, upload, _ in uploads:
            await saved.add(upload, field)
        if uploads:  # one window per file; a verb of one file takes it as the command line's --window
            chosen = tuple(window for _, _, window in uploads)
            options = {**options, **({"window": chosen[0]} if len(chosen) == 1 else {"windows": chosen})}

        def work():
            with pool.borrow(model) as loaded:
                return families.run(loaded, verb, Request(tuple(saved.paths), result.folder, False, options, formats))

        output = await run_in_threadpool(work)
    store.publish(result, output.paths)
    files = {n: f"/api/files/{result.id}/{n}" for n in result.files}
    each = [files[n] for n in sorted(files) if re.fullmatch(r".+_\d+\.mid", n)]  # item i's own MIDI file
    return {"id": result.id, "model": model or pool.default(), "verb": verb,
            "steps": [it.get("events") for it in output.items], "items": output.items,
            "midi": files.get(stitched(output.paths, ".mid")), "wav": files.get(stitched(output.paths, ".wav")),
            "files": files, "each": each, "lines": output.lines, "ms": round(1000 * (time.perf_counter() - started), 1)}


@router.post("/api/interpolate", summary="n melodies from a to b through the model's latent space")
async def interpolate(pool: Pool, store: Store,
                      a: Annotated[UploadFile, File(description="MIDI file, one end")],
                      b: Annotated[UploadFile, File(description="MIDI file, the other end")],
                      n: Annotated[int, Form(ge=2, le=MAX_STEPS)] = 7, temperature: Temperature = 0.0,
                      model: Model = None, seed: Seed = None, window_a: Window = 0, window_b: Window = 0,
                      chords: ChordsField = None):
    return await generate(pool, store, "interpolate", model, [("a", a, window_a), ("b", b, window_b)],
                          {"n": n, "temperature": temperature, "seed": seed, **given_chords(chords)},
                          frozenset({"mid", "wav"}))


@router.post("/api/sample", summary="n new melodies from random codes, in a meter")
async def sample(pool: Pool, store: Store, n: Annotated[int, Form(ge=1, le=MAX_STEPS)] = 4,
                 temperature: Annotated[float, Form(ge=0.0, le=MAX_TEMPERATURE)] = 0.5,
                 model: Model = None, seed: Seed = None, meter: MeterField = None, chords: ChordsField = None):
    options = {"n": n, "temperature": temperature, "seed": seed, "meter": checked_meter(meter), **given_chords(chords)}
    return await generate(pool, store, "sample", model, [], options, frozenset({"mid", "wav"}))


@router.post("/api/vary", summary="n variations of one melody, near its code (amount: how far, 0..1)")
async def vary(pool: Pool, store: Store, a: Annotated[UploadFile, File(description="MIDI file, the melody to vary")],
               n: Annotated[int, Form(ge=1, le=MAX_STEPS)] = 8,
               amount: Annotated[float, Form(ge=0.0, le=1.0, description="0: the reconstruction, 1: random")] = 0.3,
               temperature: Temperature = 0.0, model: Model = None, seed: Seed = None, window_a: Window = 0):
    options = {"n": n, "amount": amount, "temperature": temperature, "seed": seed}
    return await generate(pool, store, "vary", model, [("a", a, window_a)], options, frozenset({"mid", "wav"}))


@router.post("/api/continue", summary="n continuations of one melody: the bars after it, in its meter and key")
async def continue_(pool: Pool, store: Store,
                    a: Annotated[UploadFile, File(description="MIDI file: its melody (or its window window_a) is the primer")],
                    bars: Annotated[int | None, Form(ge=1, le=16, description="bars after the primer (default: the "
                                                     "rest of the model's window)")] = None,
                    n: Annotated[int, Form(ge=1, le=MAX_STEPS)] = 4,
                    temperature: Temperature = 0.5, model: Model = None, seed: Seed = None, window_a: Window = 0):
    options = {"bars": bars, "n": n, "temperature": temperature, "seed": seed}
    return await generate(pool, store, "continue", model, [("a", a, window_a)], options, frozenset({"mid", "wav"}))


@router.post("/api/grid", summary="The n x n bilinear grid between four corner melodies (row by row)")
async def grid(pool: Pool, store: Store,
               a: Annotated[UploadFile, File(description="MIDI file, top-left corner")],
               b: Annotated[UploadFile, File(description="MIDI file, top-right corner")],
               c: Annotated[UploadFile, File(description="MIDI file, bottom-left corner")],
               d: Annotated[UploadFile, File(description="MIDI file, bottom-right corner")],
               n: Annotated[int, Form(ge=2, le=MAX_GRID)] = 5, temperature: Temperature = 0.0,
               model: Model = None, seed: Seed = None, window_a: Window = 0, window_b: Window = 0,
               window_c: Window = 0, window_d: Window = 0,
               humanize: Annotated[bool, Form(description="drums: each cell played by the bundled groove model "
                                                          "(velocities and timing)")] = False):
    # MIDI only: the page plays each cell itself, and a WAV of 121 cells would be 50 MB
    corners = [("a", a, window_a), ("b", b, window_b), ("c", c, window_c), ("d", d, window_d)]
    options = {"n": n, "temperature": temperature, "seed": seed, **({"humanize": True} if humanize else {})}
    return await generate(pool, store, "grid", model, corners, options, frozenset({"mid"}))


def stitched(paths: list[Path], suffix: str) -> str | None:
    """The file of all the outputs in turn: the shortest name of its kind (the others are named after
    it: interpolation.mid, interpolation_01.mid, ...)."""
    names = [p.name for p in paths if p.suffix == suffix]
    return min(names, key=len) if names else None
