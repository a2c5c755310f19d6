"""Compat mode gives exactly the windows of the note-seq reference (benchmarks/magenta_reference.py):
on varied synthetic files (tempo and meter changes, chords, overlaps, drums, odd resolutions, notes
off the grid), on raw event patterns readers disagree on (re-triggered pitches without a note-off,
several note-offs on one tick, note-on and note-off on one tick; benchmarks/fuzz_midi.py) and on real
folk tunes from music21's corpus."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from musicvae_lite.music.errors import MusicDataError
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from fuzz_midi import overlap_file, random_file  # noqa: E402
from magenta_reference import reference_pipeline_file  # noqa: E402


def ours(path, bars=2) -> frozenset:
    try:
        return frozenset(map(tuple, extract_file(path, ExtractConfig(bars=bars, compat=True)).events.tolist()))
    except MusicDataError:
        return frozenset()


def off_grid_file(path: Path) -> Path:
    """Notes at 32nd-note and triplet positions: the rounding at exactly half a step must agree."""
    import mido

    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    tr = mido.MidiTrack()
    mid.tracks.append(tr)
    tr.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(101)))
    now = 0
    for i, (start, end) in enumerate([(0, 12), (12, 44), (44, 76), (76, 132), (132, 140), (140, 300), (300, 396), (396, 520), (532, 800)]):
        tr.append(mido.Message("note_on", note=60 + i, velocity=80, time=start - now))
        tr.append(mido.Message("note_off", note=60 + i, velocity=0, time=end - start))
        now = end
    mid.save(str(path))
    return path


@pytest.mark.parametrize("make, seed, min_with_windows", [(random_file, 7, 20), (overlap_file, 11, 30)],
                         ids=["random files", "overlapping events"])
def test_parity_on_fuzz_files(tmp_path, make, seed, min_with_windows):
    rng = np.random.default_rng(seed)
    differing, with_windows = [], 0
    for i in range(60):
        path = make(tmp_path / f"f{i}.mid", rng)
        ref = reference_pipeline_file(path).windows
        with_windows += bool(ref)
        if ours(path) != ref:
            differing.append(path.name)
    assert not differing
    assert with_windows >= min_with_windows  # the comparison is not vacuous


def test_parity_off_the_grid(tmp_path):
    path = off_grid_file(tmp_path / "grid.mid")
    ref = reference_pipeline_file(path).windows
    assert ref and ours(path) == ref


@pytest.mark.parametrize("bars", [2, 16])
def test_parity_on_real_folk_tunes(tmp_path, bars):
    pytest.importorskip("music21")
    from musicvae_lite.music.corpus import export_corpus

    report = export_corpus("essen", tmp_path / "essen", limit=40, workers=1, progress=False)
    files = sorted(report.written)
    assert len(files) >= 30
    same = [ours(f, bars) == reference_pipeline_file(f, bars).windows for f in files]
    assert all(same), [f.name for f, ok in zip(files, same) if not ok]
    if bars == 2:
        assert sum(bool(ours(f)) for f in files) >= 5


def test_drum_compat_gives_magentas_drum_windows_on_fuzz_files(tmp_path):
    """Drums: hits on and off the grid, gaps of about a bar, unknown pitches, time changes (fuzz_midi.drum_file)
    against magenta's DrumsConverter rebuilt on note-seq (magenta_reference.reference_drum_file)."""
    from fuzz_midi import drum_file
    from magenta_reference import reference_drum_file

    from musicvae_lite.music.drums.encoding import hits_to_classes
    from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file

    rng = np.random.default_rng(5)
    differing, with_windows = [], 0
    for i in range(40):
        path = drum_file(tmp_path / f"d{i}.mid", rng)
        ref = reference_drum_file(path).windows
        try:
            found = extract_drum_file(path, DrumConfig(compat=True)).hits
            ours = frozenset(map(tuple, hits_to_classes(found).tolist()))
        except MusicDataError:
            ours = frozenset()
        with_windows += bool(ref)
        if ours != ref:
            differing.append(path.name)
    assert not differing
    assert with_windows >= 30  # the comparison is not vacuous
