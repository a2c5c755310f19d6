"""The files a generation verb writes for a set of outputs, checked before any is written, for every music
family: the kinds asked for (MIDI, WAV, PNG), a SoundFont that renders the WAV (FluidSynth reads the
stitched MIDI file, so MIDI is written too), the folder, and that no file to write is there already unless
overwriting is asked. A set is `<stem>_<i>.mid` per output (when asked), `<stem>.mid` playing them in turn,
`<stem>.wav` and `<stem>.png`; nothing is left half-written by a check that fails."""

from __future__ import annotations

from pathlib import Path

from musicvae_lite.errors import MvaeError, OverwriteError
from musicvae_lite.music.audio import check_soundfont

FORMATS = frozenset({"mid", "wav", "png"})


def prepare_set(out_dir: str | Path, stem: str, each: int, formats: frozenset[str] | None, *,
                soundfont: str | Path | None = None, overwrite: bool = False) -> tuple[Path, frozenset[str]]:
    """Check the set `stem` in `out_dir` (`each`: how many `<stem>_<i>.mid` files besides the stitched
    one; `formats`: None for all) and create the folder; returns it and the kinds of file to write."""
    formats = FORMATS if formats is None else frozenset(formats)
    if not formats or not formats <= FORMATS:
        raise MvaeError(f"formats must be a non-empty subset of {', '.join(sorted(FORMATS))}, got {sorted(formats)}")
    if soundfont is not None and "wav" in formats:
        check_soundfont(Path(soundfont))  # before anything is written
        formats |= {"mid"}  # FluidSynth renders the stitched MIDI file
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise MvaeError(f"{out} exists and is not a folder")
    targets = ([out / f"{stem}_{i + 1:02d}.mid" for i in range(each)] if "mid" in formats else []) + \
        [out / f"{stem}.{kind}" for kind in ("mid", "wav", "png") if kind in formats]
    clashes = [p for p in targets if p.exists()]
    if clashes and not overwrite:  # check everything first: never leave a half-written set
        raise OverwriteError(clashes[0], detail=f" ({len(clashes)} of the files to write do)",
                             hint=", or write to another folder")
    out.mkdir(parents=True, exist_ok=True)
    return out, formats
