"""One melody model for every meter (issue 22): per-window meters, reading a tune in its own meter, the
meter's controls beside each step, a model grown from one that read none, training on windows of several
lengths, and every verb in the meter of its inputs (or of --meter)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from melodies import random_windows
from musicvae_lite.core.config import override
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.meter import (
    CONTROL_SIZE,
    bar_as_read,
    meter_for,
    metric_controls,
    parse_meter,
)
from tests.test_meter import _tune


@pytest.mark.parametrize("sig, bar, label", [
    ((2, 4), 16, "4/4"), ((4, 8), 16, "4/4"), ((4, 2), 16, "2/2"), ((4, 1), 16, "2/2"), ((3, 8), 12, "6/8"),
    ((6, 8), 12, "6/8"), ((3, 4), 12, "3/4"), ((6, 2), 24, "3/2"), ((3, 1), 24, "3/2"), ((12, 8), 24, "12/8")])
def test_a_bar_is_labelled_as_it_is_read(sig, bar, label):
    assert bar_as_read(*sig, bar).label == label and bar_as_read(*sig, bar).steps_per_bar == bar


def test_three_four_and_six_eight_differ_where_their_beats_fall():
    waltz, jig = (metric_controls(parse_meter(m), 24) for m in ("3/4", "6/8"))
    assert waltz.shape == jig.shape == (24, CONTROL_SIZE)
    levels = lambda c: c[:, :4].argmax(axis=1).tolist()  # noqa: E731
    assert [s for s, lv in enumerate(levels(waltz)) if lv <= 1] == [0, 4, 8, 12, 16, 20]  # bar and beats
    assert [s for s, lv in enumerate(levels(jig)) if lv <= 1] == [0, 6, 12, 18]
    assert (jig[:, 6] == 1).all() and (waltz[:, 6] == 0).all()  # compound
    with pytest.raises(ValueError, match="like 3/4"):
        parse_meter("waltz")


def _tiny(meter_controls=True, **changes):
    from musicvae_lite.music.melody.generate import MelodyModel
    from musicvae_lite.music.melody.model import build_melody_vae
    from musicvae_lite.music.melody.presets import PRESETS

    torch.manual_seed(0)
    cfg = override(PRESETS["mel_2bar_tiny"], [f"meter_controls={str(meter_controls).lower()}"]).model
    cfg = dataclasses.replace(cfg, **changes)
    return MelodyModel(build_melody_vae(cfg).eval(), cfg, 0, "tiny")


def test_a_model_grown_to_read_the_meter_starts_as_the_one_it_grew_from():
    from musicvae_lite.core.trainer import grown_inputs

    old, new = _tiny(False), _tiny(True)
    new.vae.load_state_dict(grown_inputs(new.vae.state_dict(), old.vae.state_dict()))
    x = torch.from_numpy(random_windows(4, seed=1).astype(np.int64))
    controls = torch.from_numpy(metric_controls(parse_meter("4/4"), 32)).expand(4, -1, -1)
    with torch.no_grad():
        a, b = old.vae.encoder(x).mu, new.vae.encoder(x, controls).mu
        assert torch.allclose(a, b, atol=1e-6)
        assert torch.allclose(old.vae.decoder(a, x), new.vae.decoder(a, x, controls=controls), atol=1e-5)


def test_the_generation_api_writes_in_the_meter_asked():
    from musicvae_lite.music.melody import generate as g

    model = _tiny()
    assert g.sample(model, 3, seed=0).shape == (3, 32)  # 4/4 unless asked
    jigs = g.sample(model, 3, seed=0, meter=parse_meter("6/8"))
    assert jigs.shape == (3, 24)
    assert g.sample(model, 2, seed=0, meter=parse_meter("12/8")).shape == (2, 48)
    codes = g.encode(model, jigs, meter=parse_meter("6/8"))
    assert codes.shape == (3, model.z_size)
    assert not np.allclose(codes, g.encode(model, jigs, meter=parse_meter("3/4")))  # the meter is read
    with pytest.raises(MvaeError, match="not 2 bars of 4/4"):
        g.encode(model, jigs, meter=parse_meter("4/4"))
    with pytest.raises(MvaeError, match="reads 4/4 only, not 6/8"):
        g.sample(_tiny(False), 1, meter=parse_meter("6/8"))


def _loaded(model):
    from musicvae_lite.families import Loaded, get

    return Loaded(get("melody"), model, "tiny")


def test_verbs_keep_the_inputs_meter_and_refuse_two_meters(tmp_path):
    import symusic

    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    loaded = _loaded(_tiny())
    jig_a, jig_b = (_tune(tmp_path / f"jig{i}.mid", (6, 8), 12, every=2 + i) for i in range(2))
    waltz = _tune(tmp_path / "waltz.mid", (3, 4), 12, every=4)
    out = families.run(loaded, "interpolate", Request((str(jig_a), str(jig_b)), tmp_path / "i", options={"n": 3}))
    assert [i["steps"] for i in out.items] == [24, 24, 24]
    score = symusic.Score(str(tmp_path / "i" / "interpolation.mid"))
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(6, 8)]
    with pytest.raises(MvaeError, match=r"share a meter.*jig0.mid is in 6/8, waltz.mid is in 3/4"):
        families.run(loaded, "interpolate", Request((str(jig_a), str(waltz)), tmp_path / "j"))
    out = families.run(loaded, "sample", Request((), tmp_path / "s", options={"n": 2, "meter": "9/8", "seed": 1}))
    assert [i["steps"] for i in out.items] == [36, 36]
    score = symusic.Score(str(tmp_path / "s" / "sample.mid"))
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(9, 8)]
    with pytest.raises(MvaeError, match="--meter: a meter is written like"):
        families.run(loaded, "sample", Request((), tmp_path / "t", options={"meter": "fast"}))


def test_training_on_windows_of_several_lengths_draws_batches_of_one(tmp_path):
    from musicvae_lite.music.melody.data import MelodyData
    from musicvae_lite.music.melody.task import MelodyTask

    model = _tiny()
    duple = MelodyData(random_windows(40, seed=1), random_windows(8, seed=2), "a",
                       train_meter=np.full(40, "4/4"), eval_meter=np.full(8, "4/4"))
    triple = MelodyData(random_windows(20, seed=3, steps=24), random_windows(6, seed=4, steps=24), "b",
                        train_meter=np.array(["3/4", "6/8"] * 10), eval_meter=np.array(["6/8"] * 6))
    task = MelodyTask(model.config, [duple, triple])
    assert task.train_size() == 60
    gen = torch.Generator().manual_seed(0)
    lengths = {task.train_batch(torch.randperm(60, generator=gen)[:8], gen, torch.device("cpu"))["events"].shape[1]
               for _ in range(30)}
    assert lengths == {32, 24}
    batch = task.train_batch(torch.tensor([45, 1, 2]), gen, torch.device("cpu"))  # index 45: the 24-step group
    assert batch["events"].shape == (3, 24) and batch["controls"].shape == (3, 24, CONTROL_SIZE)
    terms = task.loss(model.vae.train(), batch, 0, train=True)
    assert torch.isfinite(terms["loss"])
    sizes = [(b["events"].shape[1], n) for b, n in task.eval_batches(4, 100, torch.device("cpu"))]
    assert sum(n for s, n in sizes if s == 32) == 8 and sum(n for s, n in sizes if s == 24) == 6
    with pytest.raises(MvaeError, match="meter_controls"):
        MelodyTask(_tiny(False).config, [duple, triple])


def test_every_meter_builds_one_dataset_per_bar_length_and_counts_meters(tmp_path):
    from musicvae_lite.core.family import Request
    from musicvae_lite.families import get
    from musicvae_lite.music.melody.data import load_melody_groups

    src = tmp_path / "tunes"
    src.mkdir()
    for i, (sig, bar) in enumerate([((3, 4), 12), ((6, 8), 12), ((4, 4), 16), ((2, 4), 8), ((9, 8), 18),
                                    ((7, 8), 14)] * 2):
        _tune(src / f"t{i}.mid", sig, bar, bars=6, every=2 + i % 2)
    out = get("melody").build_data(Request((str(src),), tmp_path / "d", options={"steps_per_bar": 0,
                                                                                "eval_fraction": 0.3}))
    text = "\n".join(out.lines)
    assert "bar12: train windows per meter:" in text and "3/4" in text and "6/8" in text
    assert "files no bar length reads: 2" in text  # the 7/8 tunes
    groups = load_melody_groups(tmp_path / "d", 2)
    assert sorted(g.steps for g in groups) == [24, 32, 36]
    for g in groups:
        assert len(g.train_meter) == len(g.train)


def test_onset_positions_tell_a_jig_from_a_waltz():
    from musicvae_lite.music.melody.attributes import histogram_overlap, onset_position_histogram
    from musicvae_lite.music.melody.encoding import pitch_to_class

    def window(onsets):
        w = np.zeros(24, np.uint8)
        w[onsets] = pitch_to_class(60)
        return w

    jig = onset_position_histogram(np.stack([window([0, 3, 6, 9, 12, 15, 18, 21])]), 12)
    waltz = onset_position_histogram(np.stack([window([0, 4, 8, 12, 16, 20])]), 12)
    assert jig.sum() == pytest.approx(1) and histogram_overlap(jig, jig) == pytest.approx(1)
    assert histogram_overlap(jig, waltz) == pytest.approx(0.25 + 0.0 + 0.0)  # only the bar lines agree


def test_meter_for_a_length_a_model_reads():
    assert meter_for(12).label == "3/4" and meter_for(24).label == "12/8"


def test_meter_balance_gives_a_rare_bar_length_more_batches():
    from musicvae_lite.music.melody.data import MelodyData
    from musicvae_lite.music.melody.task import MelodyTask

    common = MelodyData(random_windows(90, seed=1), random_windows(2, seed=2), "a",
                        train_meter=np.full(90, "4/4"), eval_meter=np.full(2, "4/4"))
    rare = MelodyData(random_windows(10, seed=3, steps=24), random_windows(2, seed=4, steps=24), "b",
                      train_meter=np.full(10, "3/4"), eval_meter=np.full(2, "3/4"))

    def rare_share(balance: float) -> float:
        cfg = dataclasses.replace(_tiny().config, meter_balance=balance)
        task, gen = MelodyTask(cfg, [common, rare]), torch.Generator().manual_seed(0)
        lengths = [task.train_batch(torch.randperm(100, generator=gen)[:4], gen, torch.device("cpu"))["events"]
                   .shape[1] for _ in range(400)]
        return lengths.count(24) / len(lengths)

    assert 0.05 < rare_share(1.0) < 0.16  # as the data has them: 10 of 100
    assert 0.40 < rare_share(0.0) < 0.60  # each bar length alike


def test_drum_beats_in_other_meters_make_datasets_though_the_models_refuse_them(tmp_path):
    from musicvae_lite.core.family import Request
    from musicvae_lite.families import get
    from tests.midifiles import write_midi

    src = tmp_path / "beats"
    src.mkdir()
    for i in range(3):  # kick on each bar line, hi-hat on the eighths: three bars of 3/4, eight times over
        notes = [(36, s, s + 1, 9, 0) for s in range(0, 12 * 8, 12)] + [(42, s, s + 1, 9, 0)
                                                                         for s in range(i % 2, 12 * 8, 2)]
        write_midi(src / f"waltz{i}.mid", [notes], ts=(3, 4))
    out = get("drums").build_data(Request((str(src),), tmp_path / "d", options={"steps_per_bar": 12}))
    assert any("gave drum windows" in line for line in out.lines)
    with np.load(tmp_path / "d" / "train.npz") as data:
        assert int(data["steps_per_bar"]) == 12 and data["classes"].shape[1] == 24
    with pytest.raises(MvaeError, match="unsupported-meter 3"):  # the 4/4 reading (the drum models') finds none
        get("drums").build_data(Request((str(src),), tmp_path / "e"))


def test_eval_scores_each_bar_length_in_its_meters(tmp_path):
    from musicvae_lite.core.family import Request
    from musicvae_lite.families import get

    src = tmp_path / "tunes"
    src.mkdir()
    for i, (sig, bar) in enumerate([((3, 4), 12), ((6, 8), 12), ((4, 4), 16)] * 8):
        _tune(src / f"t{i}.mid", sig, bar, bars=6, every=2 + i % 3)
    get("melody").build_data(Request((str(src),), tmp_path / "d", options={"steps_per_bar": 0, "eval_fraction": 0.5,
                                                                           "keep_duplicates": True}))
    result = get("melody").evaluate(_tiny(), tmp_path / "d", device="cpu", progress=False, options={})
    assert set(result.figures["bar_lengths"]) == {"12", "16"}
    twelve = result.figures["bar_lengths"]["12"]
    meters = {k for k in twelve["subsets"] if k.startswith("meter:")}
    assert meters == {"meter:3/4", "meter:6/8"} and "baseline_bigram" in twelve["subsets"]["meter:6/8"]
    assert 0 <= result.figures["not_duple"]["teacher_forced_accuracy"] <= 1
    assert any(line.startswith("bars of 12 steps") for line in result.lines)


def test_the_python_api_takes_a_meter_by_its_label_and_reads_a_files_meter(tmp_path):
    from musicvae_lite.music.melody import generate as g

    model = _tiny()
    assert g.sample(model, 2, seed=0, meter="6/8").shape == (2, 24)
    with pytest.raises(MvaeError, match="like 3/4 or 6/8"):
        g.sample(model, 1, meter="six-eight")
    jig, meter = g.melody_from_file(model, _tune(tmp_path / "jig.mid", (6, 8), 12), with_meter=True)
    assert jig.shape == (24,) and meter.label == "6/8"
    assert np.array_equal(g.reconstruct(model, jig, meter=meter), g.reconstruct(model, jig, meter="6/8"))


def test_a_tune_of_triplets_is_one_line_and_a_batch_counts_it(tmp_path):
    from musicvae_lite.core.family import Request
    from musicvae_lite.families import get
    from musicvae_lite.music.errors import NoMelodyError
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file
    from tests.midifiles import write_midi

    third = 4 / 3  # an eighth-note triplet, in sixteenths
    triplets = write_midi(tmp_path / "tri.mid", [[(60 + i % 5, i * third, (i + 1) * third) for i in range(48)]])
    with pytest.raises(NoMelodyError, match=r"6\d% of its notes fall between the 16th-note steps") as e:
        extract_file(triplets, ExtractConfig(steps_per_bar=0))
    assert e.value.kind == "off-grid" and "\n" not in str(e.value)
    plain = _tune(tmp_path / "plain.mid", (4, 4), 16)
    assert len(extract_file(plain, ExtractConfig(steps_per_bar=0)))  # a tune on the grid is read as before
    out = get("melody").build_data(Request((str(tmp_path),), tmp_path / "d", options={"eval_fraction": 0.0}))
    assert any("off-grid 1" in line for line in out.lines)


def test_sample_refuses_a_meter_no_training_bar_has(tmp_path):
    from musicvae_lite import families
    from musicvae_lite.core.family import Request
    from musicvae_lite.music.melody.extract import BAR_GROUPS

    assert families.get("melody").meter_bars == tuple(BAR_GROUPS)  # the family says what extraction reads
    with pytest.raises(MvaeError, match="not 7/8"):
        families.run(_loaded(_tiny()), "sample", Request((), tmp_path / "s", options={"meter": "7/8"}))


def test_eval_of_midi_files_reads_each_in_its_meter(tmp_path):
    from musicvae_lite.families import get

    for i, (sig, bar) in enumerate([((3, 4), 12), ((6, 8), 12), ((4, 4), 16)]):
        _tune(tmp_path / f"t{i}.mid", sig, bar, bars=6, every=2 + i)
    result = get("melody").evaluate(_tiny(), tmp_path, device="cpu", progress=False, options={})
    assert set(result.figures["bar_lengths"]) == {"12", "16"}
    assert {"meter:3/4", "meter:6/8"} <= set(result.figures["bar_lengths"]["12"]["subsets"])


def test_a_model_exported_with_its_attribute_vectors_applies_them_by_name(tmp_path):
    from musicvae_lite.core.trainer import Trainer
    from musicvae_lite.music.melody import generate as g
    from musicvae_lite.music.melody.data import MelodyData
    from musicvae_lite.music.melody.presets import PRESETS
    from musicvae_lite.music.melody.task import MelodyTask
    from tests.melodies import write_dataset

    tiny = PRESETS["mel_2bar_tiny"]
    data = write_dataset(tmp_path / "d", 120, 8)
    windows = random_windows(128, seed=0)
    train = dataclasses.replace(tiny.train, steps=2, batch_size=8, eval_every=0, checkpoint_every=2)
    Trainer(MelodyTask(tiny.model, MelodyData(windows[:120], windows[120:], "synthetic")), train, tmp_path / "run",
            progress=False).fit()
    out = g.export_with_attributes(tmp_path / "run", data, tmp_path / "m.pt", names=("note_density", "mean_pitch"))
    from musicvae_lite.families import load_model

    model = load_model(out)
    assert model.config.attribute_names == ("note_density", "mean_pitch")
    vector = g.carried_attribute(model, "note_density")
    assert vector.shape == (model.z_size,) and np.linalg.norm(vector) > 0
    assert g.carried_attribute(model, "syncopation") is None


def test_priors_are_refitted_for_the_meters_the_export_data_has(tmp_path):
    """A model with priors for two meters exported over data of one meter (the chord model: the default's priors,
    refitted on 4/4 pop) gets one prior, fitted to that data's codes."""
    from musicvae_lite.core.checkpoint import save_checkpoint
    from musicvae_lite.families import load_model
    from musicvae_lite.music.melody import generate as g
    from musicvae_lite.music.melody.model import build_melody_vae, model_config_to_dict

    model = _tiny(meter_priors=("4/4", "3/4"))
    save_checkpoint(tmp_path / "run.pt", model=build_melody_vae(model.config).state_dict(), step=3, config={
        "task": {"family": "melody", "model": model_config_to_dict(model.config)}})
    data = tmp_path / "data"
    data.mkdir()
    windows = random_windows(40, seed=4)
    np.savez(data / "train.npz", events=windows, window_meter=np.full(40, "4/4"))
    out, used = g.export_with_meter_priors(tmp_path / "run.pt", data, tmp_path / "out.pt", min_windows=10)
    assert used == {"4/4": 40}
    exported = load_model(out)
    assert exported.config.meter_priors == ("4/4",) and tuple(exported.vae.meter_prior_mean.shape)[0] == 1
    codes = g.encode(exported, windows)
    assert np.allclose(exported.vae.meter_prior_mean[0].float().numpy(), codes.mean(axis=0), atol=1e-2)
