"""The files a generation verb writes for a set of outputs, and the same set as the web page's items: one
writer and one items builder for every music family, asking the family's codec (music/codec.py) for MIDI
bytes, audio and pictures.

A set is `<stem>_<i>.mid` per output (when asked), `<stem>.mid` playing them in turn, `<stem>.wav` (the
built-in synthesizer, or FluidSynth with a SoundFont: it reads the stitched MIDI file, so MIDI is written
too) and `<stem>.png`; `formats` picks which kinds. Everything is checked before anything is written, so
a check that fails leaves nothing half-written, and nothing already there is replaced unless overwriting
is asked. Replacing a set also removes the numbered files of the old set that the new one does not have
(`sample_04..08.mid` when 3 replace 8), and only those: files named `<stem>_<digits>.mid`; without
overwriting, they count as files already there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from musicvae_lite.errors import MvaeError, OverwriteError
from musicvae_lite.music.audio import DEFAULT_SAMPLE_RATE, check_soundfont
from musicvae_lite.music.playback import Playback

FORMATS = frozenset({"mid", "wav", "png"})
GAP_STEPS = 0  # no rest between outputs in the stitched files: each starts on the next bar line (grid.starts_in_turn)


def numbered(stem: str, i: int) -> str:
    """The file name of output `i` (0-based) of the set `stem`: `<stem>_01.mid`."""
    return f"{stem}_{i + 1:02d}.mid"


def _stale(out: Path, stem: str, each: int) -> list[Path]:
    """`<stem>_<digits>.mid` files in `out` beyond the `each` the new set writes."""
    if not out.is_dir():
        return []
    pattern = re.compile(rf"{re.escape(stem)}_(\d+)\.mid")
    return sorted(p for p in out.iterdir()
                  if (m := pattern.fullmatch(p.name)) and not 1 <= int(m.group(1)) <= each)


def prepare_set(out_dir: str | Path, stem: str, each: int, formats: frozenset[str] | None, *,
                soundfont: str | Path | None = None, overwrite: bool = False) -> tuple[Path, frozenset[str]]:
    """Check the set `stem` in `out_dir` (`each`: how many `<stem>_<i>.mid` files besides the stitched
    one; `formats`: None for all), create the folder and, when overwriting, remove the old set's numbered
    MIDI files the new one will not replace; returns the folder and the kinds of file to write."""
    formats = FORMATS if formats is None else frozenset(formats)
    if not formats or not formats <= FORMATS:
        raise MvaeError(f"formats must be a non-empty subset of {', '.join(sorted(FORMATS))}, got {sorted(formats)}")
    if soundfont is not None and "wav" in formats:
        check_soundfont(Path(soundfont))  # before anything is written
        formats |= {"mid"}  # FluidSynth renders the stitched MIDI file
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise MvaeError(f"{out} exists and is not a folder")
    numbered_files = [out / numbered(stem, i) for i in range(each)] if "mid" in formats else []
    stale = _stale(out, stem, each) if "mid" in formats else []
    targets = numbered_files + [out / f"{stem}.{kind}" for kind in ("mid", "wav", "png") if kind in formats]
    clashes = [p for p in targets + stale if p.exists()]
    if clashes and not overwrite:  # check everything first: never leave a half-written set
        raise OverwriteError(clashes[0], detail=f" ({len(clashes)} of the files of this set do)",
                             hint=", or write to another folder")
    out.mkdir(parents=True, exist_ok=True)
    for p in stale:
        p.unlink()
    return out, formats


def write_set(codec, out_dir: str | Path, stem: str, windows: Sequence[Any], *, playback: Playback = Playback(),
              titles: Sequence[str] | None = None, grid: tuple[int, int] | None = None,
              soundfont: str | Path | None = None, overwrite: bool = False, each: bool = True,
              formats: frozenset[str] | None = None, gap_steps: int = GAP_STEPS,
              pictured: tuple[Sequence[Any], Sequence[str]] | None = None) -> list[Path]:
    """Write `windows` (a list, in play order) through `codec` as the set `stem` in `out_dir`, played with
    `playback`; `each`: also one MIDI file per window; `grid`: the picture's rows x cols; `pictured`:
    other (windows, titles) to draw instead of these. Returns every path written."""
    from musicvae_lite.files import atomic_write
    from musicvae_lite.music.audio import render_with_soundfont, write_wav

    windows = list(windows)
    out, formats = prepare_set(out_dir, stem, len(windows) if each else 0, formats, soundfont=soundfont,
                               overwrite=overwrite)
    written = []
    if "mid" in formats:
        files = [(out / numbered(stem, i), codec.midi_bytes([w], playback)) for i, w in enumerate(windows)] \
            if each else []
        files.append((out / f"{stem}.mid", codec.midi_bytes(windows, playback, gap_steps)))
        written += [atomic_write(path, lambda f, d=data: f.write(d), overwrite=True) for path, data in files]
    if "wav" in formats and soundfont is not None:
        written.append(render_with_soundfont(out / f"{stem}.mid", out / f"{stem}.wav", soundfont, overwrite=True))
    elif "wav" in formats:
        written.append(write_wav(out / f"{stem}.wav", codec.audio(windows, playback, gap_steps),
                                 DEFAULT_SAMPLE_RATE, overwrite=True))
    if "png" in formats:
        shown, shown_titles = pictured if pictured is not None else (windows, titles)
        written.append(codec.picture(list(shown), out / f"{stem}.png", titles=shown_titles, grid=grid,
                                     playback=playback))
    return written


def set_items(codec, windows: Sequence[Any], *, titles: Sequence[str] | None = None,
              playback: Playback = Playback(), gap_steps: int = GAP_STEPS) -> list[dict]:
    """The set `write_set` writes, as JSON-able dicts in play order (grid.items_in_turn): `kind`, events,
    notes ([pitch, start, end] in steps), where each window sits in the stitched MIDI and WAV, and the
    meter it is written in (`meter`: its label, "6/8"; `bar_steps`: its bar in steps), and what the codec
    adds per window (`Codec.item_extra`: a performance's `velocities` and `offsets`, one per note)."""
    from musicvae_lite.music.grid import items_in_turn

    items = items_in_turn(codec.kind, [codec.events(w) for w in windows], codec.item_notes, titles=titles,
                          qpm=playback.qpm, gap_steps=gap_steps, bar_steps=playback.meter.steps_per_bar)
    return [{**item, "meter": playback.meter.label, **codec.item_extra(w)} for item, w in zip(items, windows)]
