"""Drum windows from MIDI (music/drums/extract.py): hits in the 9 classes, velocities and grid offsets,
windows on a one-bar hop with drums in every bar, and one-line reasons for files without usable drums."""

from __future__ import annotations

import re

import mido
import numpy as np
import pytest

from midifiles import scale, write_midi
from musicvae_lite.music.drums.encoding import NUM_DRUMS, hits_to_classes
from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.errors import NoDrumsError

KICK, SNARE, HAT = 36, 38, 42


def beat(bars: int, start_bar: int = 0) -> list[tuple]:
    """Kick on 1 and 3, snare on 2 and 4, closed hi-hat on every eighth, on channel 10."""
    notes = []
    for bar in range(start_bar, start_bar + bars):
        o = 16 * bar
        notes += [(KICK, o, o + 1, 9, 0), (KICK, o + 8, o + 9, 9, 0), (SNARE, o + 4, o + 5, 9, 0),
                  (SNARE, o + 12, o + 13, 9, 0)]
        notes += [(HAT, o + s, o + s + 1, 9, 0) for s in range(0, 16, 2)]
    return notes


def test_a_four_bar_beat_gives_three_two_bar_windows_of_its_hits(tmp_path):
    path = write_midi(tmp_path / "beat.mid", [scale(bars=4), beat(4)])
    w = extract_drum_file(path)
    assert len(w) == 3 and w.hits.shape == (3, 32, NUM_DRUMS) and w.start_bar.tolist() == [0, 1, 2]
    first = w.hits[0]
    assert first[0, 0] and first[8, 0] and first[4, 1] and first[12, 1] and first[0:16:2, 2].all()
    assert first.sum() == 2 * (2 + 2 + 8)
    assert hits_to_classes(first)[0] == 0b101  # kick + closed hi-hat
    assert np.allclose(w.velocity[w.hits], 90 / 127) and not w.offset.any()


def test_velocity_and_timing_offsets_are_kept(tmp_path):
    """A kick 30 ticks late (a quarter of a 120-tick step), a snare 60 ticks early (rounds half up to its
    own step, -0.5 would round to the next), and two hats in one step: the louder one wins."""
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    track = mido.MidiTrack()
    events = [(30, "note_on", KICK, 100), (150, "note_off", KICK, 0),
              (480 * 1 - 50, "note_on", SNARE, 64), (480 * 1 + 20, "note_off", SNARE, 0),
              (480 * 2, "note_on", HAT, 40), (480 * 2 + 10, "note_on", HAT + 2, 120),
              (480 * 2 + 60, "note_off", HAT, 0), (480 * 2 + 70, "note_off", HAT + 2, 0),
              (480 * 7, "note_on", KICK, 90), (480 * 7 + 60, "note_off", KICK, 0)]
    now = 0
    for tick, kind, pitch, vel in sorted(events):
        track.append(mido.Message(kind, channel=9, note=pitch, velocity=vel, time=tick - now))
        now = tick
    mid.tracks.append(track)
    mid.save(tmp_path / "groove.mid")
    w = extract_drum_file(tmp_path / "groove.mid")
    assert len(w) == 1
    assert w.hits[0, 0, 0] and w.offset[0, 0, 0] == pytest.approx(0.25) and w.velocity[0, 0, 0] == pytest.approx(100 / 127)
    assert w.hits[0, 4, 1] and w.offset[0, 4, 1] == pytest.approx(-50 / 120)
    assert w.hits[0, 8, 2] and w.hits[0, 8].sum() == 1  # pitch 44 is a closed hi-hat too
    assert w.velocity[0, 8, 2] == pytest.approx(120 / 127) and w.offset[0, 8, 2] == pytest.approx(10 / 120)


def test_windows_need_drums_in_every_bar(tmp_path):
    path = write_midi(tmp_path / "gap.mid", [beat(2) + beat(2, start_bar=3)])  # bar 3 is silent
    w = extract_drum_file(path)
    assert w.start_bar.tolist() == [0, 3]


def test_a_beat_hop_starts_a_window_on_every_beat_of_busy_bars(tmp_path):
    path = write_midi(tmp_path / "gap.mid", [beat(3) + beat(2, start_bar=4)])  # bar 3 is silent
    bar = extract_drum_file(path)
    beats = extract_drum_file(path, DrumConfig(hop=4))
    steps = [int(b) * 16 + int(p) for b, p in zip(beats.start_bar, beats.phase)]
    assert steps == [0, 4, 8, 12, 16, 64]  # a window may not touch the silent bar
    on_bar = beats.phase == 0
    assert np.array_equal(beats.hits[on_bar], bar.hits) and bar.phase.tolist() == [0, 0, 0]
    assert np.array_equal(beats.hits[1, :12], bar.hits[0, 4:16])  # a beat later
    for bad in (3, 17, -4):  # a hop that does not divide the bar would leave held-out windows off the bar
        with pytest.raises(MvaeError, match="--hop must divide the bar of 16 steps"):
            DrumConfig(hop=bad)


@pytest.mark.parametrize("tracks, ts, fragment", [
    ([scale(bars=4)], (4, 4), "no drum track (MIDI channel 10)"),
    ([[(100, 0, 1, 9, 0)] * 1], (4, 4), "no drum of the 9 classes"),
    ([beat(4)], (3, 4), "no stretch in 4/4 or 2/2 (only 3/4)"),
    ([beat(1)], (4, 4), "no 2 bars in a row with drums"),
])
def test_files_without_usable_drums_say_why(tmp_path, tracks, ts, fragment):
    path = write_midi(tmp_path / "x.mid", tracks, ts=ts)
    with pytest.raises(NoDrumsError, match=re.escape(fragment)):
        extract_drum_file(path, DrumConfig())
