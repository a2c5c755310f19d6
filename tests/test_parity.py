"""Compat mode gives exactly the windows of the note-seq reference (benchmarks/magenta_reference.py):
on varied synthetic files (tempo and meter changes, chords, overlaps, drums, odd resolutions, notes
off the grid) and on real folk tunes from music21's corpus."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from midifiles import write_midi
from musicvae_lite.music.errors import MusicDataError
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from magenta_reference import reference_pipeline_file  # noqa: E402


def ours(path, bars=2) -> frozenset:
    try:
        return frozenset(map(tuple, extract_file(path, ExtractConfig(bars=bars, compat=True)).events.tolist()))
    except MusicDataError:
        return frozenset()


def random_file(path: Path, rng: np.random.Generator) -> Path:
    """A messy but valid MIDI file: several tracks (one maybe drums or off-program), chords, overlaps,
    gaps, tempo and meter changes, and a resolution where notes fall off the 16th grid."""
    tracks = []
    for _ in range(int(rng.integers(1, 4))):
        channel, program = (9, 0) if rng.random() < 0.15 else (int(rng.integers(0, 9)), int(rng.choice([0, 5, 24, 40])))
        notes, t = [], int(rng.integers(0, 24))
        for _ in range(int(rng.integers(5, 60))):
            dur = int(rng.integers(1, 12))
            notes.append((int(rng.integers(15, 115)), t, t + dur, channel, program))
            if rng.random() < 0.2:  # a chord tone or an overlapping note
                notes.append((int(rng.integers(30, 100)), t + int(rng.integers(0, 3)), t + dur + 2, channel, program))
            t += dur + (int(rng.integers(0, 24)) if rng.random() < 0.15 else 0)
        tracks.append(notes)
    meta = []
    if rng.random() < 0.4:
        meta.append(("tempo", int(rng.integers(8, 80)), float(rng.choice([90, 100, 140]))))
    if rng.random() < 0.3:
        meta.append(("ts", int(rng.integers(1, 6)) * 16, int(rng.choice([2, 3, 4])), 4))
    ts = (4, 4) if rng.random() < 0.8 else (2, 2)
    tpq = int(rng.choice([96, 220, 480, 384]))
    return write_midi(path, tracks, meta=meta, ts=ts, tpq=tpq, qpm=float(rng.choice([120, 97, 133.5])))


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


def test_parity_on_random_files(tmp_path):
    rng = np.random.default_rng(7)
    differing, with_windows = [], 0
    for i in range(60):
        path = random_file(tmp_path / f"r{i}.mid", rng)
        ref = reference_pipeline_file(path).windows
        with_windows += bool(ref)
        if ours(path) != ref:
            differing.append(path.name)
    assert not differing
    assert with_windows >= 20  # the comparison is not vacuous


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
