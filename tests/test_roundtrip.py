"""Events -> notes -> MIDI -> events is exact for valid windows, in both modes."""

from __future__ import annotations

import io

import numpy as np
import pretty_midi
import pytest

from musicvae_lite.music.melody.encoding import NOTE_OFF, NUM_CLASSES, check_events, events_to_notes, pitch_to_class
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file
from musicvae_lite.music.melody.render import melody_midi_bytes, write_melody_midi


def random_window(rng: np.random.Generator, steps: int = 32) -> np.ndarray:
    """A window extraction can produce from a melody starting on its first bar line: a note-on at
    step 0, rests shorter than a bar, and a last note sounding into the last bar."""
    ev = np.zeros(steps, np.uint8)
    t = 0
    while True:
        dur = int(rng.integers(1, 9))
        ev[t] = pitch_to_class(int(rng.integers(21, 109)))
        end = t + dur
        if end >= steps - 1:
            return ev  # the last note sounds to the end: no note-off (magenta strips it)
        rest = int(rng.integers(0, 6)) if rng.random() < 0.4 else 0
        if rest:
            ev[end] = NOTE_OFF
        nxt = end + rest
        if nxt >= steps:  # the melody ends with a rest
            if end <= steps - 16:
                ev[end] = 0  # a last bar of pure rest is no part of a melody: hold the note instead
            return ev
        t = nxt


@pytest.mark.parametrize("cfg", [ExtractConfig(), ExtractConfig(compat=True)], ids=["default", "compat"])
@pytest.mark.parametrize("qpm", [120.0, 93.0])
def test_events_to_midi_to_events_is_exact(tmp_path, cfg, qpm):
    rng = np.random.default_rng(0)
    for i in range(40):
        window = random_window(rng)
        path = write_melody_midi(tmp_path / f"w{i}.mid", window, qpm=qpm)
        got = extract_file(path, cfg).events
        np.testing.assert_array_equal(got[0], window, err_msg=f"window {i}: {window.tolist()}")


def test_sixteen_bar_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(5):
        window = random_window(rng, steps=256)
        got = extract_file(write_melody_midi(tmp_path / f"w{i}.mid", window), ExtractConfig(bars=16)).events
        np.testing.assert_array_equal(got[0], window)


def test_written_midi_reads_back_with_pretty_midi_at_the_tempo_and_velocity():
    window = np.zeros(32, np.uint8)
    window[0], window[8], window[12] = pitch_to_class(60), NOTE_OFF, pitch_to_class(64)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(melody_midi_bytes(window, qpm=100.0)))
    assert pm.get_tempo_changes()[1].tolist() == pytest.approx([100.0])
    notes = pm.instruments[0].notes
    step = 60 / 100 / 4
    assert [(n.pitch, n.velocity) for n in notes] == [(60, 80), (64, 80)]
    assert notes[0].end == pytest.approx(8 * step) and notes[1].end == pytest.approx(32 * step)


def test_default_tempo_is_120(tmp_path):
    pm = pretty_midi.PrettyMIDI(io.BytesIO(melody_midi_bytes(np.array([pitch_to_class(60)] + [0] * 15))))
    assert pm.get_tempo_changes()[1].tolist() == pytest.approx([120.0])


def test_events_to_notes_rules():
    ev = np.array([pitch_to_class(60), 0, NOTE_OFF, NOTE_OFF, 0, pitch_to_class(62), pitch_to_class(64), 0])
    assert [tuple(n) for n in events_to_notes(ev)] == [(60, 0, 2), (62, 5, 6), (64, 6, 8)]


@pytest.mark.parametrize("bad", [np.array([NUM_CLASSES]), np.array([-1]), np.zeros((2, 2, 2), int),
                                 np.array([0.5]), np.array([], int)])
def test_check_events_rejects_bad_arrays(bad):
    with pytest.raises(ValueError):
        check_events(bad)


def test_no_overwrite_without_permission(tmp_path):
    window = np.array([pitch_to_class(60)] + [0] * 31)
    path = write_melody_midi(tmp_path / "a.mid", window)
    before = path.read_bytes()
    with pytest.raises(Exception, match="already exists"):
        write_melody_midi(path, np.array([pitch_to_class(70)] + [0] * 31))
    assert path.read_bytes() == before
    write_melody_midi(path, np.array([pitch_to_class(70)] + [0] * 31), overwrite=True)
    assert path.read_bytes() != before
