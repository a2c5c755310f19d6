"""The chord a melody model reads beside each step (MelodyModelConfig.chord_controls): a conditional VAE's
condition, after MusicVAE's `_chords` configs (a chord per step into the decoder; Roberts et al. 2018) and
EC2-VAE (Yang et al., ISMIR 2019: a 2-bar melody VAE whose encoder and decoder both read the chords).

`CHORD_SIZE` features a step: the chord's 12 pitch classes (music/chords.py `pitch_classes`), its root
one-hot (12), and a flag for an explicit "no chord" (`N`), each `CHORD_GAIN` where on. A step whose chord nobody gave (`UNKNOWN`, a folk
tune's steps, or a window whose chords training dropped) is all zeros, so that one model serves with chords
and without: trained with chord dropout, zeros mean "decide the harmony yourself".

Chords follow the melody's transposition (`transpose_classes_t`): a window shifted up 3 semitones for
training has its chords shifted up 3 too. Torch-free but for `chord_features_t` and `transpose_classes_t`,
which take tensors and import nothing at module level.
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.music.chords import NO_CHORD, NUM_CHORDS, QUALITIES, UNKNOWN, chord_root, pitch_classes

CHORD_SIZE = 25  # 12 chord tones + 12 root one-hot + 1 "no chord"
# The features' value where on. Adam moves every weight by about its learning rate a step, whatever the size of
# its input, so an input k times larger learns k times faster: a model grown from one that read no chords (its
# chord weights starting at zero) fine-tuned at a rate that keeps what it knew learns the chords in thousands of
# steps, not tens of thousands (a run with 1: at step 500 the chords still cost 0.16 of teacher-forced accuracy).
CHORD_GAIN = 4.0
_Q = len(QUALITIES)


def chord_feature_table() -> np.ndarray:
    """(256, CHORD_SIZE) float32: the features of every uint8 chord class (rows 85..255, UNKNOWN among them,
    are zeros)."""
    table = np.zeros((256, CHORD_SIZE), np.float32)
    for cls in range(1, NUM_CHORDS):
        table[cls, :12] = pitch_classes(cls)
        table[cls, 12 + chord_root(cls)] = 1.0
    table[NO_CHORD, 24] = 1.0
    return table * CHORD_GAIN


def chord_features(classes: np.ndarray) -> np.ndarray:
    """(..., CHORD_SIZE) float32 features of chord classes (...,) (0..84, or UNKNOWN)."""
    return chord_feature_table()[np.asarray(classes, np.int64)]


def transpose_classes_t(classes, shift):
    """Chord classes (B, T) int64 tensor with every window's chord roots moved by its `shift` (B,) int64
    semitones; N and UNKNOWN stay."""
    import torch

    chord = (classes >= 1) & (classes < NUM_CHORDS)
    moved = 1 + _Q * (torch.div(classes - 1, _Q, rounding_mode="floor") + shift[:, None]).remainder(12) \
        + (classes - 1).remainder(_Q)
    return torch.where(chord, moved, classes)


_TABLE = None


def chord_features_t(classes):
    """`chord_features` on a tensor: classes (..., T) int64 -> (..., T, CHORD_SIZE) float32."""
    import torch

    global _TABLE
    if _TABLE is None:
        _TABLE = torch.from_numpy(chord_feature_table())
    return _TABLE.to(classes.device)[classes.long()]


def unknown_chords(n: int, steps: int) -> np.ndarray:
    """(n, steps) uint8 of UNKNOWN: windows whose chords are not given."""
    return np.full((n, steps), UNKNOWN, np.uint8)
