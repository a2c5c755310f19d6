"""A melody model that reads the chords (issue 23, item 3): each step's chord as features beside its event,
chords that follow the melody's training transposition, chord dropout, a model grown from one that read
none, and the generation API's `chords=`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from melodies import random_windows
from musicvae_lite.core.config import override
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.chord_controls import (
    CHORD_GAIN,
    CHORD_SIZE,
    chord_features,
    chord_features_t,
    transpose_classes_t,
    unknown_chords,
)
from musicvae_lite.music.chords import NO_CHORD, UNKNOWN, chord_name, parse_chord, parse_progression
from musicvae_lite.music.meter import CONTROL_SIZE


def test_a_chord_reads_as_its_tones_its_root_and_no_chord_apart_from_not_given():
    c, am, g7 = (parse_chord(n) for n in ("C", "Am", "G7"))
    f = chord_features(np.array([c, am, g7, NO_CHORD, UNKNOWN]))
    assert f.shape == (5, CHORD_SIZE)
    assert np.flatnonzero(f[0, :12]).tolist() == [0, 4, 7] and np.flatnonzero(f[0, 12:24]).tolist() == [0]
    assert np.flatnonzero(f[1, :12]).tolist() == [0, 4, 9] and np.flatnonzero(f[1, 12:24]).tolist() == [9]
    assert np.flatnonzero(f[2, :12]).tolist() == [2, 5, 7, 11]
    assert f[3].tolist() == [0.0] * 24 + [CHORD_GAIN]  # N: said to be no chord
    assert not f[4].any()  # not given: nothing at all


def test_chords_move_with_the_melody_and_wrap_around_the_octave():
    chords = np.array([[parse_chord("C"), parse_chord("Bbm"), NO_CHORD, UNKNOWN]])
    t = transpose_classes_t(torch.from_numpy(np.repeat(chords, 2, 0).astype(np.int64)), torch.tensor([3, -5]))
    up, down = t.tolist()
    assert [chord_name(int(c)) for c in up] == ["Eb", "C#m", "N", "?"]
    assert [chord_name(int(c)) for c in down] == ["G", "Fm", "N", "?"]
    assert torch.equal(chord_features_t(t), torch.from_numpy(chord_features(t.numpy())))


def _tiny(**changes):
    from musicvae_lite.music.melody.generate import MelodyModel
    from musicvae_lite.music.melody.model import build_melody_vae
    from musicvae_lite.music.melody.presets import PRESETS

    torch.manual_seed(0)
    cfg = override(PRESETS["mel_2bar_tiny"], ["meter_controls=true"]).model
    cfg = dataclasses.replace(cfg, **changes)
    return MelodyModel(build_melody_vae(cfg).eval(), cfg, 0, "tiny")


def _chord_heavy():
    """A tiny chord model whose decoder weighs its chord inputs heavily, so that what the chords do shows."""
    model = _tiny(chord_controls=True)
    with torch.no_grad():
        for p in model.vae.decoder.parameters():
            if p.dim() == 2 and p.shape[1] > CONTROL_SIZE + CHORD_SIZE:  # an LSTM's input weights
                p[:, -CHORD_SIZE:] = torch.randn(p.shape[0], CHORD_SIZE) * 3
    return model


def _pop_and_folk(n=40):
    """Windows with chords (every step the chord whose root is the window's first note) and windows without."""
    from musicvae_lite.music.melody.data import MelodyData
    from musicvae_lite.music.melody.encoding import NUM_SPECIAL

    events = random_windows(n, seed=3)
    chords = np.zeros(events.shape, np.uint8)
    for i, w in enumerate(events):
        notes = w[w >= NUM_SPECIAL]
        root = (int(notes[0]) - NUM_SPECIAL + 21) % 12 if len(notes) else 0
        chords[i] = 1 + 7 * root  # the major chord on that root
    pop = MelodyData(events, events[:8], "pop", train_meter=np.full(n, "4/4"), eval_meter=np.full(8, "4/4"),
                     train_chords=chords, eval_chords=chords[:8])
    folk = MelodyData(random_windows(n, seed=4), random_windows(8, seed=5), "folk",
                      train_meter=np.full(n, "4/4"), eval_meter=np.full(8, "4/4"))
    return pop, folk


def test_a_training_batch_carries_the_chords_transposed_with_the_melody():
    from musicvae_lite.music.melody.data import _merge
    from musicvae_lite.music.melody.encoding import NUM_SPECIAL
    from musicvae_lite.music.melody.task import MelodyTask

    pop, folk = _pop_and_folk()
    both = _merge([pop, folk], "mix")
    assert (both.train_chords[len(pop.train):] == UNKNOWN).all()  # the folk windows: chords not given
    cfg = _tiny(chord_controls=True, transpose=5).config
    task = MelodyTask(cfg, both)
    batch = task.train_batch(torch.arange(len(pop.train)), torch.Generator().manual_seed(0), torch.device("cpu"))
    controls = batch["controls"]
    assert controls.shape == (len(pop.train), 32, CONTROL_SIZE + CHORD_SIZE)
    moved = 0
    for w, c, original in zip(batch["events"].numpy(), controls.numpy(), pop.train):
        first = int(w[w >= NUM_SPECIAL][0])
        root = np.flatnonzero(c[0, CONTROL_SIZE + 12:CONTROL_SIZE + 24])
        assert root.tolist() == [(first - NUM_SPECIAL + 21) % 12]  # still the first note's pitch class
        moved += int(not np.array_equal(w, original))
    assert moved > 0  # the batch was transposed, and the chords followed
    folk_batch = task.train_batch(torch.arange(len(pop.train), 2 * len(pop.train)), torch.Generator(),
                                  torch.device("cpu"))
    assert not folk_batch["controls"][..., CONTROL_SIZE:].any()


def test_chord_dropout_hides_the_chords_of_that_share_of_windows():
    from musicvae_lite.music.melody.task import MelodyTask

    pop, _ = _pop_and_folk()
    for dropout, hidden in ((0.0, 0), (1.0, len(pop.train))):
        task = MelodyTask(_tiny(chord_controls=True, chord_dropout=dropout).config, pop)
        batch = task.train_batch(torch.arange(len(pop.train)), torch.Generator().manual_seed(0), torch.device("cpu"))
        chords = batch["controls"][..., CONTROL_SIZE:]
        assert int((~chords.flatten(1).any(dim=1)).sum()) == hidden
    with pytest.raises(ValueError, match="chord_dropout"):
        _tiny(chord_controls=True, chord_dropout=1.5)


def test_a_model_grown_to_read_chords_starts_as_the_one_it_grew_from():
    from musicvae_lite.core.trainer import grown_inputs
    from musicvae_lite.music.melody import generate as g

    old, new = _tiny(), _tiny(chord_controls=True)
    new.vae.load_state_dict(grown_inputs(new.vae.state_dict(), old.vae.state_dict()))
    x = random_windows(3, seed=1)
    chords = parse_progression("C G")
    assert np.allclose(g.encode(old, x), g.encode(new, x, chords=chords), atol=1e-6)
    z = g.encode(old, x)
    assert np.array_equal(g.decode(old, z), g.decode(new, z, chords=chords))


def test_the_generation_api_decodes_over_the_chords_given():
    from musicvae_lite.music.melody import generate as g

    model = _chord_heavy()
    z = model.drawn_codes(4, seed=0)
    over_c, over_f = (g.decode(model, z, chords=parse_progression(p)) for p in ("C C", "F#m F#m"))
    assert over_c.shape == over_f.shape == (4, 32) and not np.array_equal(over_c, over_f)
    per_window = np.stack([parse_progression("C G")] * 4)
    assert g.sample(model, 4, seed=1, chords=per_window).shape == (4, 32)
    assert np.array_equal(g.decode(model, z), g.decode(model, z, chords=unknown_chords(4, 32)))
    with pytest.raises(MvaeError, match=r"chords must be \(32,\)"):
        g.decode(model, z, chords=parse_progression("C"))
    with pytest.raises(MvaeError, match="does not read chords"):
        g.sample(_tiny(), 2, chords=parse_progression("C G"))


def test_evaluation_reads_the_windows_chords_when_the_model_does():
    from musicvae_lite.music.melody.evaluate import evaluate_melodies

    model = _chord_heavy()
    pop, _ = _pop_and_folk()
    meters = np.full(len(pop.eval), "4/4")
    over, without = (evaluate_melodies(model.vae, pop.eval, meters=meters, reads_chords=True, chords=c)
                     for c in (pop.eval_chords, None))
    assert over.recon_nats != without.recon_nats  # the chords were read
    with pytest.raises(ValueError, match="controls a step"):  # a chord model cannot be scored as if it read none
        evaluate_melodies(model.vae, pop.eval, meters=meters)


def test_the_chord_weight_blends_decoding_with_and_without_the_chords():
    from musicvae_lite.music.melody import generate as g

    model = _chord_heavy()
    z, chords = model.drawn_codes(6, seed=0), parse_progression("F#m D")
    plain, over = g.decode(model, z), g.decode(model, z, chords=chords)
    assert np.array_equal(g.decode(model, z, chords=chords, chord_weight=0.0), plain)  # u + 0 (c - u) = u
    assert np.array_equal(g.decode(model, z, chords=chords, chord_weight=1.0), over)
    strong = g.decode(model, z, chords=chords, chord_weight=4.0)
    assert strong.shape == (6, 32) and not np.array_equal(strong, over)
    sampled = g.sample(model, 6, seed=2, temperature=1.0, chords=chords, chord_weight=2.0)
    assert np.array_equal(sampled, g.sample(model, 6, seed=2, temperature=1.0, chords=chords, chord_weight=2.0))
    with pytest.raises(MvaeError, match="chord weight"):
        g.decode(model, z, chords=chords, chord_weight=-1)


def test_key_from_chords_reads_the_encoder_side_in_another_key_where_chords_are_given():
    from musicvae_lite.music.melody.data import _merge
    from musicvae_lite.music.melody.encoding import NUM_SPECIAL
    from musicvae_lite.music.melody.task import MelodyTask

    pop, folk = _pop_and_folk()
    both = _merge([pop, folk], "mix")
    task = MelodyTask(_tiny(chord_controls=True, key_from_chords=True, transpose=5).config, both)
    n = len(pop.train)
    batch = task.train_batch(torch.arange(2 * n), torch.Generator().manual_seed(0), torch.device("cpu"))
    events, inputs = batch["events"].numpy(), batch["inputs"].numpy()
    assert np.array_equal(inputs[n:], events[n:])  # no chords given: the encoder reads what the decoder writes
    apart = 0
    for w, x, c in zip(events[:n], inputs[:n], batch["encoder_controls"].numpy()[:n]):
        notes = w >= NUM_SPECIAL
        assert np.array_equal(notes, x >= NUM_SPECIAL) and len(set((x[notes] - w[notes]).tolist())) == 1
        root = np.flatnonzero(c[0, CONTROL_SIZE + 12:CONTROL_SIZE + 24])
        assert root.tolist() == [(int(x[notes][0]) - NUM_SPECIAL + 21) % 12]  # its chords moved with it
        apart += int(not np.array_equal(w, x))
    assert apart > n // 2
    terms = task.loss(task.build_model(), batch, 1, train=True)
    assert torch.isfinite(terms["loss"])
    with pytest.raises(ValueError, match="key_from_chords and chord_to_output need chord_controls"):
        _tiny(key_from_chords=True)


def test_chord_to_output_starts_at_nothing_and_reaches_the_logits_directly():
    model = _tiny(chord_controls=True, chord_to_output=True)
    dec = model.vae.decoder
    x = torch.from_numpy(random_windows(3, seed=1).astype(np.int64))
    chords = np.broadcast_to(parse_progression("C G"), (3, 32))
    controls = model.controls(None, 32, 3, chords)
    z = torch.randn(3, model.z_size)
    assert not dec.control_output.weight.any()  # zero at first: a grown model starts as it was
    with torch.no_grad():
        before = dec(z, x, controls=controls)
        dec.control_output.weight[:] = 1.0
        after = dec(z, x, controls=controls)
    shift = (after - before)[0, 0]  # step 0 is under C: each class moved by the sum of C's features
    assert torch.allclose(shift, torch.full_like(shift, float(controls[0, 0, -CHORD_SIZE:].sum())))
    with pytest.raises(ValueError, match="chord_to_output need chord_controls"):
        _tiny(chord_to_output=True)


def test_a_model_grown_with_a_new_layer_keeps_the_old_weights_and_starts_the_layer_fresh():
    from musicvae_lite.core.trainer import grown_inputs

    old, new = _tiny(), _tiny(chord_controls=True, chord_to_output=True)
    grown = grown_inputs(new.vae.state_dict(), old.vae.state_dict())
    new.vae.load_state_dict(grown)  # strict: every tensor is there
    assert torch.equal(grown["decoder.control_output.weight"], new.vae.decoder.control_output.weight)
    assert torch.equal(grown["decoder.output.weight"], old.vae.state_dict()["decoder.output.weight"])
    other = {**old.vae.state_dict(), "decoder.stranger.weight": torch.zeros(1)}
    assert "decoder.control_output.weight" not in grown_inputs(new.vae.state_dict(), other)  # not a grown model
