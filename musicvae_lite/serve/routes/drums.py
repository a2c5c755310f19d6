"""The page's drum panels (issue 24): Groove and Drumify, over the bundled GrooVAEs the pool keeps as tools
(serve/models.py), each run through `families.run` as `mvae groove` and `mvae drumify` run them (the family's
`convert` verb on a whole file).

    POST /api/groove   file a (a beat); feel (optional: a drum performance whose timing and dynamics the beat
                       is played with, groove/transfer.py); temperature, seed. The answer's items are the beat
                       as the model reads it (its hits on the grid at one velocity: "stiff") and the beat
                       played, each with its MIDI file; `midi` / `wav` are the played beat's, `stiff` the
                       stiff one's, so the page can switch between them (A/B).
    POST /api/drumify  file a (a melody, or any MIDI file: the onsets of its notes are the rhythm), or `taps`
                       (onsets in 16th-note steps from the start of a 2-bar loop, as the page's keyboard taps
                       them, at `qpm`); temperature, seed. The answer's item is the beat.

A beat without drums, a feel without drums or in another meter, a file without notes, and taps outside the
loop are one line each (the library's, in the page's words: serve/messages.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from musicvae_lite.errors import MvaeError
from musicvae_lite.serve.models import ModelPool
from musicvae_lite.serve.routes.generate import Seed, Temperature
from musicvae_lite.serve.state import Pool, Store
from musicvae_lite.serve.store import Result, ResultStore
from musicvae_lite.serve.uploads import Saved

router = APIRouter()
TAP_BARS = 2  # the loop a rhythm is tapped over, in bars of 4/4
TAP_STEPS = 16 * TAP_BARS
MAX_TAPS = 4 * TAP_STEPS  # taps in one request (more than the loop has steps: a drummer's flams, kept apart)
FORMATS = frozenset({"mid", "wav"})


@router.post("/api/groove", summary="A beat played like a drummer (GrooVAE humanize), or with a reference's feel")
async def groove(pool: Pool, store: Store,
                 a: Annotated[UploadFile, File(description="MIDI file with drums: the beat, played whole")],
                 feel: Annotated[UploadFile | None, File(description="MIDI file with drums: a performance whose "
                                                         "timing and dynamics the beat takes")] = None,
                 temperature: Temperature = 0.0, seed: Seed = None):
    options = {"as_view": "humanize", "temperature": temperature, "seed": seed}
    return await convert(pool, store, "groove", [("beat", a), ("reference", feel)], options, stiff=True)


@router.post("/api/drumify", summary="A beat from a melody's rhythm, or from taps (GrooVAE drumify)")
async def drumify(pool: Pool, store: Store,
                  a: Annotated[UploadFile | None, File(description="MIDI file: the onsets of its notes are the "
                                                       "rhythm (give this or taps)")] = None,
                  taps: Annotated[str | None, Form(max_length=4000, description="onsets in 16th-note steps from "
                                                   "the start of a 2-bar loop, comma-separated: 0,4,6.2,...")] = None,
                  qpm: Annotated[float, Form(ge=30, le=300, description="the tempo the taps were played at")] = 120.0,
                  temperature: Temperature = 0.0, seed: Seed = None):
    if (a is None) == (taps is None):
        raise MvaeError("give a melody file or taps, one of the two")
    rhythm = None if taps is None else tap_midi(parse_taps(taps), qpm)
    options = {"as_view": "drumify", "temperature": temperature, "seed": seed}
    return await convert(pool, store, "drumify", [("melody", a)], options, rhythm=rhythm)


def parse_taps(text: str) -> list[float]:
    """'0, 4, 6.2' -> [0.0, 4.0, 6.2]: onsets in steps within the loop, or a one-line error."""
    try:
        onsets = [float(t) for t in re.split(r"[,\s]+", text.strip()) if t]
    except ValueError:
        raise MvaeError(f"taps: give onsets in 16th-note steps, comma-separated, like 0,4,8 (got {text[:40]!r})") \
            from None
    if not onsets:
        raise MvaeError("taps: no tap; tap a rhythm first (any key, over the 2-bar loop)")
    if len(onsets) > MAX_TAPS or not all(-0.5 <= t < TAP_STEPS for t in onsets):
        raise MvaeError(f"taps: at most {MAX_TAPS} onsets, each from 0 to {TAP_STEPS} steps (the {TAP_BARS}-bar loop)")
    return onsets


def tap_midi(onsets: list[float], qpm: float) -> bytes:
    """Taps as a MIDI file drumify reads: each on the 16th-note grid (the nearest step; a tap at the loop's end
    is its first step; of two taps on one step the nearer is kept), its distance from the step kept as the
    hit's timing, on the closed hi-hat."""
    import numpy as np

    from musicvae_lite.music.drums.encoding import NUM_DRUMS
    from musicvae_lite.music.drums.render import DEFAULT_VELOCITY, drum_midi_bytes

    hits = np.zeros((TAP_STEPS, NUM_DRUMS), bool)
    offsets = np.zeros((TAP_STEPS, NUM_DRUMS))
    for onset in onsets:
        step = int(np.floor(onset + 0.5))
        at = step % TAP_STEPS
        if not hits[at, 2] or abs(onset - step) < abs(offsets[at, 2]):
            hits[at, 2] = True  # class 2: the closed hi-hat
            offsets[at, 2] = onset - step
    velocity = np.full(hits.shape, DEFAULT_VELOCITY / 127)
    return drum_midi_bytes([(hits, velocity, np.clip(offsets, -0.5, 0.499))], qpm=qpm)


async def convert(pool: ModelPool, store: ResultStore, tool: str, uploads: list[tuple[str, UploadFile | None]],
                  options: dict, *, stiff: bool = False, rhythm: bytes | None = None) -> dict:
    """Run the bundled `tool` (a GrooVAE) on the first upload (or on `rhythm`, a MIDI file made here) whole,
    the second upload, when given, being the feel; the answer the page reads (serve/routes/generate.py's
    shape). `stiff`: the beat as the model reads it comes first, with its own MIDI and WAV."""
    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    started = time.perf_counter()
    result = store.new()
    saved = Saved(result)
    with saved.discarded_on_error(store):
        paths = [await saved.add(upload, field) if upload is not None else None for field, upload in uploads]
        if rhythm is not None:
            paths[0] = str(result.inputs / "taps.mid")
            Path(paths[0]).write_bytes(rhythm)
            saved.names[paths[0]] = "your taps"
        if len(paths) > 1 and paths[1] is not None:
            options = {**options, "feel": paths[1]}

        def work():
            with pool.borrow(tool, tool=True) as loaded:
                output = families.run(loaded, "convert", Request((paths[0],), result.folder, False, options, FORMATS))
                return (stiff_beat(loaded.model, paths[0], result) if stiff else ([], [])), output

        (before, before_paths), output = await run_in_threadpool(work)
    store.publish(result, [*before_paths, *output.paths])
    files = {n: f"/api/files/{result.id}/{n}" for n in result.files}
    link = {p.suffix[1:]: files.get(p.name) for p in output.paths}
    items = [*before, *({**it, "title": "played" if stiff else "beat"} for it in output.items)]
    each = [files[p.name] for p in [*before_paths, *output.paths] if p.suffix == ".mid"]
    answer = {"id": result.id, "model": tool, "verb": "convert", "steps": [it.get("events") for it in items],
              "items": items, "midi": link.get("mid"), "wav": link.get("wav"), "files": files, "each": each,
              "lines": [saved.shown(line) for line in output.lines], "ms": round(1000 * (time.perf_counter() - started), 1)}
    if stiff:
        answer["stiff"] = {p.suffix[1:]: files.get(p.name) for p in before_paths}
    return answer


def stiff_beat(model: object, path: str, result: Result) -> tuple[list[dict], list[Path]]:
    """The beat of `path` as a humanize GrooVAE reads it (its hits on the grid, one velocity: the drum VAE's
    codec writes them so), as the page's item and as `<stem>_stiff.mid` / `.wav` in the result's folder."""
    from musicvae_lite.music.drums.codec import DRUMS
    from musicvae_lite.music.drums.encoding import hits_to_classes
    from musicvae_lite.music.drums.groove.codec import GROOVE
    from musicvae_lite.music.drums.groove.generate import join
    from musicvae_lite.music.output_set import set_items, write_set

    perf, playback = GROOVE.read_whole(model, path)
    beat = [hits_to_classes(join(perf)[0])]
    written = write_set(DRUMS, result.folder, f"{Path(path).stem}_stiff", beat, playback=playback, each=False,
                        formats=FORMATS)
    return set_items(DRUMS, beat, titles=["stiff"], playback=playback), written
