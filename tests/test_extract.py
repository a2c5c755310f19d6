"""Each melody-extraction rule on tiny hand-made MIDI files, in both modes."""

from __future__ import annotations

import numpy as np
import pytest

from midifiles import scale, write_midi
from musicvae_lite.music.melody.encoding import NOTE_OFF, events_to_notes, pitch_to_class
from musicvae_lite.music.errors import NoMelodyError
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

DEFAULT = ExtractConfig()
COMPAT = ExtractConfig(compat=True)
BOTH = pytest.mark.parametrize("cfg", [DEFAULT, COMPAT], ids=["default", "compat"])


def expected(notes, steps=32, offs=()):
    """A window from (pitch, start) note-ons and note-off steps."""
    ev = np.zeros(steps, np.uint8)
    for pitch, start in notes:
        ev[start] = pitch_to_class(pitch)
    for step in offs:
        ev[step] = NOTE_OFF
    return ev


def windows(path, cfg):
    return extract_file(path, cfg).events


@BOTH
def test_scale_gives_one_window_with_cut_notes_and_no_final_off(tmp_path, cfg):
    ev = windows(write_midi(tmp_path / "a.mid", [scale()]), cfg)
    assert ev.shape == (1, 32) and ev.dtype == np.uint8
    np.testing.assert_array_equal(ev[0], expected([(60 + i, 4 * i) for i in range(8)]))


@BOTH
def test_drum_tracks_are_ignored(tmp_path, cfg):
    drums = [(36, s, s + 1, 9, 0) for s in range(0, 32, 2)]
    with_drums = windows(write_midi(tmp_path / "a.mid", [scale(), drums]), cfg)
    alone = windows(write_midi(tmp_path / "b.mid", [scale()]), cfg)
    np.testing.assert_array_equal(with_drums, alone)
    with pytest.raises(NoMelodyError, match="only has drums") as e:
        extract_file(write_midi(tmp_path / "c.mid", [drums]), cfg)
    assert e.value.kind == "only-drums"


def test_compat_reads_programs_0_31_only(tmp_path):
    violin = [(p, s, e, 0, 40) for p, s, e in scale()]
    with pytest.raises(NoMelodyError, match="programs 0-31\\)") as e:
        extract_file(write_midi(tmp_path / "v.mid", [violin]), COMPAT)
    assert e.value.kind == "no-melodic-program"
    wide = ExtractConfig(compat=True, max_program=127)
    assert len(windows(tmp_path / "v.mid", wide)) == 1


@pytest.mark.parametrize("program, melodic", [(0, True), (40, True), (53, True), (73, True), (110, True),
                                              (33, False), (89, False), (118, False)])
def test_the_default_mode_reads_every_melodic_instrument(tmp_path, program, melodic):
    """Violin (40), voices (53: music21's Palestrina), flute (73), fiddle (110) are melodies; a bass (33),
    a pad (89) and a synth drum (118) are not."""
    path = write_midi(tmp_path / "p.mid", [[(p, s, e, 0, program) for p, s, e in scale()]])
    if melodic:
        assert len(windows(path, DEFAULT)) == 1
    else:
        with pytest.raises(NoMelodyError, match="programs 0-31, 40-87, 104-111\\); it has programs"):
            windows(path, DEFAULT)


@BOTH
def test_pitches_outside_the_piano_are_dropped(tmp_path, cfg):
    notes = scale() + [(115, 0, 8), (12, 4, 8)]  # above and below 21..108, on onsets of the scale
    ev = windows(write_midi(tmp_path / "a.mid", [notes]), cfg)
    np.testing.assert_array_equal(ev[0], expected([(60 + i, 4 * i) for i in range(8)]))
    with pytest.raises(NoMelodyError, match="piano range") as e:
        extract_file(write_midi(tmp_path / "b.mid", [[(110, 0, 32)]]), cfg)
    assert e.value.kind == "out-of-range"


@BOTH
def test_highest_pitch_wins_on_equal_onsets(tmp_path, cfg):
    notes = [(60, 0, 16), (67, 0, 16), (64, 0, 16), (62, 16, 32), (55, 16, 32)]
    ev = windows(write_midi(tmp_path / "a.mid", [notes]), cfg)
    np.testing.assert_array_equal(ev[0], expected([(67, 0), (62, 16)]))


@BOTH
def test_a_new_onset_cuts_the_sounding_note(tmp_path, cfg):
    notes = [(60, 0, 8), (62, 4, 12), (64, 12, 32)]  # 60 still sounds when 62 starts
    ev = windows(write_midi(tmp_path / "a.mid", [notes]), cfg)
    np.testing.assert_array_equal(ev[0], expected([(60, 0), (62, 4), (64, 12)]))
    assert [n.start for n in events_to_notes(ev[0])] == [0, 4, 12]


@BOTH
def test_a_bar_of_silence_ends_a_melody(tmp_path, cfg):
    # gap of exactly 16 steps (one bar) between note end and next onset: two 1-bar melodies, no window
    with pytest.raises(NoMelodyError, match="at least 2 bars") as e:
        extract_file(write_midi(tmp_path / "a.mid", [[(60, 0, 16), (62, 32, 48)]]), cfg)
    assert e.value.kind == "too-short"
    # 15 steps of silence keep one melody: note-off at 16, next onset at 31, padded to 48 steps
    ev = windows(write_midi(tmp_path / "b.mid", [[(60, 0, 16), (62, 31, 33)]]), cfg)
    full = np.zeros(48, np.uint8)
    full[0], full[16], full[31], full[33] = pitch_to_class(60), NOTE_OFF, pitch_to_class(62), NOTE_OFF
    np.testing.assert_array_equal(ev, np.stack([full[:32], full[16:48]]))


@BOTH
def test_melodies_start_on_a_bar_line_and_are_padded_with_a_final_note_off(tmp_path, cfg):
    notes = [(60, 20, 24), (62, 24, 36)]  # starts in bar 1, last note ends mid bar 2
    w = extract_file(write_midi(tmp_path / "a.mid", [notes]), cfg)
    np.testing.assert_array_equal(w.events[0], expected([(60, 4), (62, 8)], offs=[20]))
    assert w.start_bar.tolist() == [1]


def test_two_four_is_read_in_pairs_of_bars_by_default_and_rejected_in_compat(tmp_path):
    path = write_midi(tmp_path / "a.mid", [scale(bars=2)], ts=(2, 4))
    w = extract_file(path, DEFAULT)
    np.testing.assert_array_equal(w.events[0], expected([(60 + i, 4 * i) for i in range(8)]))
    assert w.start_bar.tolist() == [0]  # bars of 2/4: the window covers bars 0-3
    with pytest.raises(NoMelodyError, match="only 2/4") as e:
        extract_file(path, COMPAT)
    assert e.value.kind == "unsupported-meter"


def test_four_two_bars_are_two_units(tmp_path):
    w = extract_file(write_midi(tmp_path / "a.mid", [scale(bars=3)], ts=(4, 2)), DEFAULT)
    assert len(w) == 2 and w.start_bar.tolist() == [0, 0]  # both windows start in the first 4/2 bar


@BOTH
def test_three_four_is_rejected_with_the_meter_named(tmp_path, cfg):
    with pytest.raises(NoMelodyError, match=r"only 3/4"):
        extract_file(write_midi(tmp_path / "a.mid", [scale(bars=3)], ts=(3, 4)), cfg)


def test_a_tempo_change_splits_sections_only_in_compat_mode(tmp_path):
    path = write_midi(tmp_path / "a.mid", [scale(bars=4)], meta=[("tempo", 32, 90)])
    assert extract_file(path, DEFAULT).start_bar.tolist() == [0, 1, 2]
    assert sorted(extract_file(path, COMPAT).start_bar.tolist()) == [0, 2]


def test_meter_change_starts_a_new_section_with_its_own_bars(tmp_path):
    # one bar of 3/4 (12 steps), then 4/4 from step 12: the melody there starts on bar 1
    notes = [(60, 0, 12)] + [(p, s + 12, e + 12) for p, s, e in scale(bars=2)]
    w = extract_file(write_midi(tmp_path / "a.mid", [notes], ts=(3, 4), meta=[("ts", 12, 4, 4)]), DEFAULT)
    assert w.start_bar.tolist() == [1]
    np.testing.assert_array_equal(w.events[0], expected([(60 + i, 4 * i) for i in range(8)]))


def test_identical_windows_are_kept_once(tmp_path):
    riff = [(p, s + 32 * k, e + 32 * k) for k in range(3) for p, s, e in scale(bars=2)]
    w = extract_file(write_midi(tmp_path / "a.mid", [riff]), DEFAULT)
    assert len(w) == 2  # the riff itself, and the window straddling two repeats


def test_sixteen_bar_windows(tmp_path):
    w = extract_file(write_midi(tmp_path / "a.mid", [scale(bars=17, length=8, pitch=40)]), ExtractConfig(bars=16))
    assert w.events.shape == (2, 256)


def test_windows_without_a_note_on_are_dropped_by_default_only(tmp_path):
    path = write_midi(tmp_path / "a.mid", [[(60, 0, 64), (62, 64, 68)]])  # 4 bars held, then a note
    default = extract_file(path, DEFAULT).events
    compat = extract_file(path, COMPAT).events
    assert all((w >= 2).any() for w in default)
    assert any(not (w >= 2).any() for w in compat)
