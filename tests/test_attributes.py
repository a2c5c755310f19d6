"""Melody attributes on hand-made windows with known values, NaN on empty windows, batch = per window."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.attributes import ATTRIBUTES, attribute, pitch_class_histogram
from musicvae_lite.music.melody.encoding import NOTE_OFF, pitch_to_class
from tests.melodies import random_windows


def window(notes: list[tuple[int, int]], steps: int = 32) -> np.ndarray:
    """Events (steps,) with a note-on of each (step, pitch)."""
    ev = np.zeros(steps, np.uint8)
    for step, pitch in notes:
        ev[step] = pitch_to_class(pitch)
    return ev


SCALE = window(list(zip(range(0, 32, 4), [60, 62, 64, 65, 67, 69, 71, 72])))  # 8 quarters C D E F G A B C
OFFBEAT = window([(2, 60), (6, 64), (10, 60), (14, 67), (19, 65), (23, 64)])  # every onset off the beat
EMPTY = np.zeros(32, np.uint8)


def test_attributes_of_a_c_major_scale_in_quarter_notes():
    assert attribute("note_count", SCALE) == 8
    assert attribute("note_density", SCALE) == 4.0  # 8 notes over 2 bars
    assert attribute("mean_pitch", SCALE) == pytest.approx(530 / 8)
    assert attribute("mean_interval", SCALE) == pytest.approx(12 / 7)  # 2 2 1 2 2 2 1
    assert attribute("pitch_range", SCALE) == 12
    assert attribute("syncopation", SCALE) == 0.0


def test_offbeat_rhythm_is_fully_syncopated_and_a_mix_is_partly():
    assert attribute("syncopation", OFFBEAT) == 1.0
    mixed = window([(0, 60), (1, 62), (4, 64), (6, 65)])  # on, off, on, off
    assert attribute("syncopation", mixed) == 0.5


def test_note_offs_and_rests_do_not_count_as_notes():
    ev = window([(0, 60), (8, 67)])
    ev[4] = NOTE_OFF
    assert attribute("note_count", ev) == 2
    assert attribute("mean_interval", ev) == 7.0  # the rest between the notes is skipped
    assert attribute("mean_pitch", ev) == 63.5


def test_empty_window_gives_nan_where_undefined_and_zero_counts():
    for name in ("mean_pitch", "mean_interval", "pitch_range", "syncopation"):
        assert math.isnan(attribute(name, EMPTY)), name
    assert attribute("note_count", EMPTY) == 0 and attribute("note_density", EMPTY) == 0
    assert np.isnan(pitch_class_histogram(EMPTY)).all()


def test_one_note_has_no_interval_and_zero_range():
    one = window([(5, 70)])
    assert math.isnan(attribute("mean_interval", one))
    assert attribute("pitch_range", one) == 0 and attribute("syncopation", one) == 1.0


@pytest.mark.parametrize("name", list(ATTRIBUTES))
def test_batch_equals_per_window(name):
    batch = np.concatenate([random_windows(20, seed=3), SCALE[None], OFFBEAT[None], EMPTY[None],
                            window([(5, 70)])[None]])
    together = ATTRIBUTES[name](batch)
    assert isinstance(together, np.ndarray) and together.shape == (len(batch),)
    one_by_one = np.array([ATTRIBUTES[name](w) for w in batch])
    assert all(isinstance(ATTRIBUTES[name](w), float) for w in batch[:2])
    np.testing.assert_array_equal(together, one_by_one)


def test_attributes_agree_with_decoded_notes():
    from musicvae_lite.music.melody.encoding import events_to_notes

    for w in random_windows(30, seed=7):
        pitches = [n.pitch for n in events_to_notes(w)]
        assert attribute("note_count", w) == len(pitches)
        assert attribute("mean_pitch", w) == pytest.approx(np.mean(pitches))
        assert attribute("mean_interval", w) == pytest.approx(np.mean(np.abs(np.diff(pitches))))
        assert attribute("pitch_range", w) == max(pitches) - min(pitches)


def test_pitch_class_histogram_is_normalized_and_octave_free():
    hist = pitch_class_histogram(SCALE)
    assert hist.shape == (12,) and hist.sum() == pytest.approx(1.0)
    expected = np.zeros(12)
    expected[[0, 2, 4, 5, 7, 9, 11]] = [2, 1, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(hist, expected / 8)
    batch = pitch_class_histogram(np.stack([SCALE, OFFBEAT, EMPTY]))
    assert batch.shape == (3, 12)
    np.testing.assert_array_equal(batch[0], hist)
    np.testing.assert_array_equal(batch[1], pitch_class_histogram(OFFBEAT))


def test_bad_input_raises_the_clean_error():
    with pytest.raises(MvaeError, match="0..89"):
        attribute("note_count", np.array([0, 95]))
    with pytest.raises(MvaeError, match="unknown melody attribute"):
        attribute("loudness", SCALE)
