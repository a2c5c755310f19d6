"""Outputs keep the music (issue 21, item 7): a file's tempo map read on the step grid (music/tempo.py),
the writers' tempo, tempo map, General MIDI program and velocity, stitched files with every item on a bar
line that read back as the same windows, and whole-file drums that follow a 120 -> 80 qpm tempo map."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import symusic
from midifiles import write_midi

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.audio import DEFAULT_SAMPLE_RATE, num_samples, synthesize_notes
from musicvae_lite.music.drums.encoding import NUM_DRUMS
from musicvae_lite.music.drums.render import drum_midi_bytes, synthesize_drums
from musicvae_lite.music.grid import STEPS_PER_BAR, Note, items_in_turn, starts_in_turn
from musicvae_lite.music.melody.encoding import events_to_notes
from musicvae_lite.music.melody.extract import extract_file
from musicvae_lite.music.melody.render import melody_midi_bytes, synthesize
from musicvae_lite.music.midi_read import read_midi
from musicvae_lite.music.midi_write import notes_midi_bytes
from musicvae_lite.music.playback import Playback
from musicvae_lite.music.tempo import as_tempo_map, describe, round_qpm, steps_to_seconds, tempo_map_of
from test_roundtrip import random_window

SLOWING = [("tempo", 64, 80.0)]  # 120 qpm for four bars, then 80


def seconds_score(data: bytes) -> symusic.Score:
    return symusic.Score.from_midi(data, ttype="second")


# ---- the tempo map on the step grid -----------------------------------------------------------------------

def test_tempos_round_to_a_hundredth():
    assert round_qpm(95.0001) == 95.0 and f"{round_qpm(60_000_000 / 631_578):g}" == "95"
    assert round_qpm(133.3333) == 133.33 and round_qpm(96) == 96.0
    assert describe(None, 95.00006) == "95 qpm" and describe([(0, 120.0), (64, 80.0)]) == "120 -> 80 qpm"


def test_a_files_tempo_map_on_the_step_grid(tmp_path):
    slows = read_midi(write_midi(tmp_path / "slows.mid", [[(60, 0, 4)]], meta=SLOWING))
    assert tempo_map_of(slows) == ((0, 120.0), (64, 80.0))
    assert tempo_map_of(read_midi(write_midi(tmp_path / "none.mid", [[(60, 0, 4)]], qpm=None))) == ((0, 120.0),)
    odd = SimpleNamespace(ticks_per_quarter=480, tempos=((0, 631_579), (1248, 857_143)))  # 95 qpm; step 10.4
    assert tempo_map_of(odd) == ((0, 95.0), (10, 70.0))  # 94.99999 qpm reads as 95; the change on its nearest step
    # stretches played in turn: the second starts with the tempo in force at its first tick, steps counted on
    assert tempo_map_of(slows, [(0, 32), (64 * 120, 32)]) == ((0, 120.0), (32, 80.0))


def test_steps_to_seconds_follows_the_map():
    tempo = [(0, 120.0), (64, 80.0)]  # a step is 0.125 s, then 0.1875 s
    got = steps_to_seconds([0, 32, 64, 65.5, 96], tempo)
    assert got.tolist() == pytest.approx([0.0, 4.0, 8.0, 8.0 + 1.5 * 0.1875, 8.0 + 32 * 0.1875])
    assert steps_to_seconds(16, qpm=60.0) == pytest.approx(4.0)
    for bad in ([(0, 0.0)], [(3, 100.0), (1, 90.0)], [(0.5, 100.0)], [("x",)]):
        with pytest.raises(MvaeError):
            as_tempo_map(bad)


# ---- the writers play it as the source did ----------------------------------------------------------------

def test_midi_keeps_the_tempo_map_program_and_velocity():
    notes = [Note(72, s, s + 4) for s in range(0, 128, 8)]
    score = seconds_score(notes_midi_bytes(notes, program=73, velocity=64, tempo_map=[(0, 120.0), (64, 80.0)]))
    assert [round(t.qpm, 3) for t in score.tempos] == [120.0, 80.0] and score.tempos[1].time == pytest.approx(8.0)
    (track,) = score.tracks
    assert track.program == 73 and {n.velocity for n in track.notes} == {64}
    assert [n.time for n in track.notes] == pytest.approx(steps_to_seconds([n.start for n in notes],
                                                                           [(0, 120.0), (64, 80.0)]).tolist())
    assert symusic.Score.from_midi(notes_midi_bytes(notes, qpm=95.0001)).tempos[0].mspq == round(60e6 / 95)
    for bad in ({"program": 128}, {"velocity": 0}, {"qpm": 0.0}):
        with pytest.raises(MvaeError):
            notes_midi_bytes(notes, **bad)


def test_a_playback_fills_the_melody_writers():
    """A 96 qpm flute in 3/4 stays a 96 qpm flute in 3/4, through the melody codec the set writer asks."""
    from musicvae_lite.music.melody.codec import MELODY
    from musicvae_lite.music.meter import Meter

    window = random_window(np.random.default_rng(3))
    flute = Playback(meter=Meter(3, 4)).with_overrides(qpm=96.0, program=73)
    score = symusic.Score.from_midi(MELODY.midi_bytes([window], flute))
    assert (score.time_signatures[0].numerator, score.time_signatures[0].denominator) == (3, 4)
    assert score.tempos[0].qpm == pytest.approx(96.0, abs=1e-3) and score.tracks[0].program == 73
    assert {n.velocity for n in score.tracks[0].notes} == {flute.velocity}
    audio = synthesize(window, qpm=96.0)
    assert len(audio) == num_samples(32, 96.0) == round(32 * 60 / 96 / 4 * DEFAULT_SAMPLE_RATE) + round(
        0.1 * DEFAULT_SAMPLE_RATE)


def test_audio_follows_the_tempo_map():
    tempo = [(0, 120.0), (16, 60.0)]
    sr = DEFAULT_SAMPLE_RATE
    audio = synthesize_notes([Note(69, 24, 32)], 32, tempo_map=tempo)  # one note in the slow bar
    assert len(audio) == num_samples(32, tempo_map=tempo) == round(6.0 * sr) + round(0.1 * sr)  # 2 s + 4 s
    assert int(np.argmax(np.abs(audio) > 1e-3)) == pytest.approx(4.0 * sr, abs=0.01 * sr)  # 2 s + 8 steps of 0.25
    hits = np.zeros((32, NUM_DRUMS), bool)
    hits[24, 0] = True
    drums = synthesize_drums([hits], tempo_map=tempo)
    assert int(np.argmax(np.abs(drums) > 0.01)) == pytest.approx(4.0 * sr, abs=0.01 * sr)


# ---- stitched files: every item on a bar line, read back as the same windows ------------------------------

def test_stitched_items_start_on_bar_lines_in_the_midi_and_the_page():
    rng = np.random.default_rng(5)
    melodies = [random_window(rng, 32), random_window(rng, 20), random_window(rng, 32)]
    starts, total = starts_in_turn([len(m) for m in melodies])
    assert starts == [0, 32, 64] and total == 96  # the 20-step one padded to its bar line
    notes = symusic.Score.from_midi(melody_midi_bytes(melodies, qpm=90.0)).tracks[0].notes
    onsets = {n.time // 120 for n in notes}
    for m, start in zip(melodies, starts):
        assert start % STEPS_PER_BAR == 0 and start in onsets  # each item's first note is on its bar line
        mine = sorted((n.time // 120 - start, n.pitch) for n in notes if start <= n.time // 120 < start + len(m))
        assert mine == sorted((n.start, n.pitch) for n in events_to_notes(m))
    items = items_in_turn("melody", melodies, lambda m: [], qpm=90.0)
    assert [it["start_step"] for it in items] == starts
    assert [it["start_s"] for it in items] == pytest.approx([s * 60 / 90 / 4 for s in starts])
    assert starts_in_turn([32, 32], gap_steps=8)[0] == [0, 48]  # a rest asked for also ends on a bar line


def test_a_stitched_interpolation_reads_back_as_its_windows(tmp_path):
    rng = np.random.default_rng(7)
    melodies = np.stack([random_window(rng) for _ in range(5)])
    path = tmp_path / "interpolation.mid"
    path.write_bytes(melody_midi_bytes(melodies))
    back = extract_file(path)
    at_bar = {int(b): w for b, w in zip(back.start_bar, back.events)}
    for i, m in enumerate(melodies):
        np.testing.assert_array_equal(at_bar[2 * i], m)


def test_stitched_drums_read_back_whole_on_the_same_grid(tmp_path):
    from musicvae_lite.music.drums.groove.generate import read_whole

    rng = np.random.default_rng(2)
    windows = rng.random((4, 32, NUM_DRUMS)) < 0.15
    windows[:, ::STEPS_PER_BAR, 0] = True  # a kick on every downbeat
    path = tmp_path / "sample.mid"
    path.write_bytes(drum_midi_bytes(list(windows), qpm=100.0))
    whole = read_whole(SimpleNamespace(view="humanize", steps=32), path)
    np.testing.assert_array_equal(whole.perf[0], windows)  # `mvae groove sample.mid` sees the same windows
    assert whole.tempo_map == ((0, 100.0),)


# ---- whole-file drums follow the source's tempo map -------------------------------------------------------

def tiny_groove(view: str):
    import torch

    from musicvae_lite.music.drums.groove.generate import GrooveModel
    from musicvae_lite.music.drums.groove.model import build_groove_vae
    from musicvae_lite.music.drums.groove.presets import PRESETS

    torch.manual_seed(0)
    control = view == "drumify"
    tiny = PRESETS["groove_2bar_tiny"].model
    cfg = tiny.from_settings({**tiny.settings(), "view": view, "control": control, "masked": control})
    return GrooveModel(build_groove_vae(cfg).eval(), cfg, 0, f"tiny-{view}")


@pytest.mark.parametrize("view", ["drumify", "humanize"])
def test_whole_file_drums_follow_a_slowing_tempo(tmp_path, view):
    """drumify (and groove) of a file that slows from 120 to 80 qpm after four bars: the drums' tempo events
    are the input's, and each drum onset sounds, in seconds, within a step of the input's onset there."""
    from musicvae_lite.music.drums.groove import generate as g

    onsets = list(range(0, 128, 4))  # a quarter-note pulse over 8 bars
    notes = [(60 + s % 12, s, s + 2) for s in onsets] if view == "drumify" else [(36, s, s + 1, 9, 0) for s in onsets]
    path = write_midi(tmp_path / f"{view}.mid", [notes], meta=SLOWING)
    whole = g.read_whole(tiny_groove(view), path)
    assert whole.tempo_map == ((0, 120.0), (64, 80.0)) and whole.qpm == 120.0
    model = tiny_groove(view)
    made = g.convert(model, whole.perf, temperature=1.0, seed=0)
    written = seconds_score(drum_midi_bytes([g.join(made)], tempo_map=whole.tempo_map))
    given = seconds_score(path.read_bytes())
    assert [(round(t.time, 6), round(t.qpm, 3)) for t in written.tempos] == [
        (round(t.time, 6), round(t.qpm, 3)) for t in given.tempos]
    input_s = {s: t for s, t in zip(onsets, sorted(n.time for n in given.tracks[0].notes))}
    ticks = symusic.Score.from_midi(drum_midi_bytes([g.join(made)], tempo_map=whole.tempo_map)).tracks[0].notes
    drum_s = [(round(n.time / 120), t.time) for n, t in zip(ticks, written.tracks[0].notes)]
    matched = [(step, t) for step, t in drum_s if step in input_s]
    assert len(matched) >= (len(onsets) if view == "humanize" else 4)
    assert any(step >= 80 for step, _ in matched)  # onsets after the tempo change are checked too
    for step, t in matched:
        one_step = 60 / (120.0 if step < 64 else 80.0) / 4
        assert abs(t - input_s[step]) < one_step, (step, t, input_s[step])
    # at a fixed 120 qpm (what was written before) the drums of the last bar are seconds off the melody
    fixed = seconds_score(drum_midi_bytes([g.join(made)], qpm=120.0)).tracks[0].notes
    assert max(abs(t.time - input_s[s]) for (s, _), t in zip(drum_s, fixed) if s in input_s) > 2.0
