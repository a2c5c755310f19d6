"""Drum outputs (music/drums/render.py, plots.py): MIDI on channel 10 that extraction reads back to the
same hits, velocities and offsets; a drum synthesizer whose voices sit where they should in time and
spectrum; the drum-grid picture."""

from __future__ import annotations

import numpy as np
import pytest

from musicvae_lite.errors import MvaeError, OverwriteError
from musicvae_lite.music.audio import DEFAULT_SAMPLE_RATE
from musicvae_lite.music.drums.encoding import NUM_DRUMS
from musicvae_lite.music.drums.extract import extract_drum_file
from musicvae_lite.music.drums.plots import plot_drum_grid
from musicvae_lite.music.drums.render import drum_midi_bytes, synthesize_drums, voices


def groove(seed: int = 0, steps: int = 32):
    rng = np.random.default_rng(seed)
    hits = rng.random((steps, NUM_DRUMS)) < 0.15
    hits[::16, 0] = True  # a kick on every bar's first step: no empty bar
    vel = np.where(hits, rng.integers(20, 128, hits.shape) / 127.0, 0.0)
    off = np.where(hits, rng.uniform(-0.45, 0.45, hits.shape), 0.0)
    return hits, vel, off


def test_midi_reads_back_as_the_same_groove(tmp_path):
    hits, vel, off = groove()
    path = tmp_path / "g.mid"
    path.write_bytes(drum_midi_bytes([(hits, vel, off)]))
    back = extract_drum_file(path)
    assert len(back) == 1
    assert np.array_equal(back.hits[0], hits)
    assert np.allclose(back.velocity[0], vel, atol=0.5 / 127 + 1e-6)
    assert np.allclose(back.offset[0], off, atol=1 / 120 + 1e-6)  # one tick of 120 per step


def test_windows_in_turn_and_plain_hits(tmp_path):
    a, _, _ = groove(1)
    b, _, _ = groove(2)
    path = tmp_path / "ab.mid"
    path.write_bytes(drum_midi_bytes([a, b], gap_steps=16))  # a bar of rest between them
    back = extract_drum_file(path)
    assert np.array_equal(back.hits[0], a) and np.array_equal(back.hits[-1], b)
    assert np.allclose(back.velocity[0][a], 100 / 127, atol=1e-6)  # no velocities: the default


def test_synthesizer_places_each_hit_and_voice():
    sr = DEFAULT_SAMPLE_RATE
    hits = np.zeros((32, NUM_DRUMS), bool)
    hits[8, 0] = True  # one kick at step 8: 1 s at 120 qpm
    audio = synthesize_drums([hits])
    assert audio.dtype == np.float32 and np.abs(audio).max() == pytest.approx(0.9, abs=1e-6)
    onset = int(np.argmax(np.abs(audio) > 0.01))
    assert abs(onset - sr) < 0.005 * sr
    assert len(audio) == round(32 * 0.125 * sr) + round(1.5 * sr)
    assert not np.abs(synthesize_drums([np.zeros((32, NUM_DRUMS), bool)])).any()

    def centroid(x):
        spectrum = np.abs(np.fft.rfft(x))
        return float((np.fft.rfftfreq(len(x), 1 / sr) * spectrum).sum() / spectrum.sum())

    kit = voices(sr)
    assert centroid(kit[0]) < centroid(kit[1]) < centroid(kit[2])  # kick < snare < hi-hat
    assert len(kit[7]) > len(kit[2])  # the crash rings longer than a closed hat
    soft, loud = (np.where(hits, v, 0.0) for v in (0.2, 1.0))
    two = synthesize_drums([(hits, soft, None), (hits, loud, None)])
    half = len(two) // 2
    assert np.abs(two[:half]).max() < 0.3 * np.abs(two[half:]).max()  # velocity shapes the level
    assert np.array_equal(synthesize_drums([hits]), synthesize_drums([hits]))  # repeatable


def test_bad_windows_are_one_line_errors():
    with pytest.raises(MvaeError, match=r"\(steps, 9\)"):
        synthesize_drums([np.zeros((32, 8), bool)])
    with pytest.raises(MvaeError, match="no drum window"):
        drum_midi_bytes([])
    with pytest.raises(MvaeError, match="finite"):
        synthesize_drums([(np.ones((16, 9), bool), np.full((16, 9), np.nan), None)])


def test_grid_picture(tmp_path):
    windows = [groove(i) for i in range(4)]
    path = plot_drum_grid(windows, tmp_path / "g.png", titles=["a", "b", "c", "d"], ncols=2)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    two_by_two, one = imread(path), imread(plot_drum_grid(windows[:1], tmp_path / "one.png"))
    assert two_by_two.shape[0] > 1.5 * one.shape[0] and two_by_two.shape[1] > 1.5 * one.shape[1]
    with pytest.raises(OverwriteError):
        plot_drum_grid(windows, path)
    with pytest.raises(MvaeError, match="titles"):
        plot_drum_grid(windows, tmp_path / "x.png", titles=["a"])


def test_drum_features():
    from musicvae_lite.music.drums.attributes import drum_density, hits_per_bar, syncopation
    from musicvae_lite.music.drums.encoding import hits_to_classes

    hits = np.zeros((32, NUM_DRUMS), bool)
    hits[::4, 0] = True  # kick on every beat: 8 hits
    hits[1::8, 2] = True  # hat on the second 16th of each half bar: 4 off-grid hits
    assert hits_per_bar(hits) == 6.0
    assert drum_density(hits)[0] == 0.25 and drum_density(hits)[2] == 4 / 32
    assert syncopation(hits) == pytest.approx(4 / 12)
    both = np.stack([hits_to_classes(hits), np.zeros(32, np.int64)])
    assert hits_per_bar(both).tolist() == [6.0, 0.0] and np.isnan(syncopation(both)[1])
