"""MusicVAE's drum encoding (music/drums/encoding.py): the pitch map, the 512 classes and the roll input,
checked against note-seq's MultiDrumOneHotEncoding where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

from musicvae_lite.music.drums.encoding import (DRUM_PITCHES, NUM_CLASSES, NUM_DRUMS, PITCH_TO_DRUM, classes_to_hits,
                                                 drum_of_pitch, hits_to_classes, hits_to_notes, roll_input)


def test_every_pitch_belongs_to_at_most_one_class():
    pitches = [p for group in DRUM_PITCHES for p in group]
    assert len(pitches) == len(set(pitches))
    assert drum_of_pitch(36) == 0 and drum_of_pitch(38) == 1 and drum_of_pitch(51) == 8 and drum_of_pitch(100) == -1
    assert (PITCH_TO_DRUM >= 0).sum() == len(pitches)


def test_classes_and_hits_round_trip_over_all_512_combinations():
    classes = np.arange(NUM_CLASSES)
    hits = classes_to_hits(classes)
    assert hits.shape == (NUM_CLASSES, NUM_DRUMS)
    assert np.array_equal(hits_to_classes(hits), classes)
    assert hits_to_classes(np.zeros((4, NUM_DRUMS), bool)).tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError):
        classes_to_hits(np.array([512]))


def test_roll_input_flags_silent_steps():
    hits = np.zeros((3, NUM_DRUMS), bool)
    hits[1, 0] = hits[2, [1, 8]] = True
    roll = roll_input(hits)
    assert roll.shape == (3, NUM_DRUMS + 1) and roll[:, -1].tolist() == [1.0, 0.0, 0.0]


def test_notes_use_each_class_s_first_pitch():
    hits = np.zeros((4, NUM_DRUMS), bool)
    hits[0, 0] = hits[2, 2] = True
    assert [(n.pitch, n.start, n.end) for n in hits_to_notes(hits)] == [(36, 0, 1), (42, 2, 3)]


def test_the_same_classes_as_note_seq():
    drums = pytest.importorskip("note_seq.drums_encoder_decoder")
    reference = drums.MultiDrumOneHotEncoding()
    rng = np.random.default_rng(0)
    for _ in range(200):
        pitches = frozenset(rng.integers(20, 90, size=rng.integers(0, 5)).tolist())
        hits = np.zeros(NUM_DRUMS, bool)
        for p in pitches:
            if drum_of_pitch(p) >= 0:
                hits[drum_of_pitch(p)] = True
        assert int(hits_to_classes(hits)) == reference.encode_event(pitches)
        decoded = reference.decode_event(int(hits_to_classes(hits)))
        assert decoded == frozenset(n.pitch for n in hits_to_notes(hits[None]))
