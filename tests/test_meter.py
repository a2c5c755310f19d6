"""The meter a grid carries (music/meter.py) and the features that ask it instead of a 16-step constant."""

import numpy as np
import pytest

from musicvae_lite.core.bundled import EXAMPLES
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.attributes import hits_per_bar
from musicvae_lite.music.melody.attributes import attribute
from musicvae_lite.music.melody.encoding import NOTE_OFF, PITCH_OFFSET
from musicvae_lite.music.melody.structure import bars_of, exact_repeats
from musicvae_lite.music.meter import DEFAULT_METER, Meter, meter_for


@pytest.mark.parametrize("sig, bar, beat, compound", [
    ((4, 4), 16, 4, False), ((3, 4), 12, 4, False), ((6, 8), 12, 6, True), ((9, 8), 18, 6, True),
    ((12, 8), 24, 6, True), ((3, 8), 6, 2, False), ((3, 2), 24, 8, False), ((2, 2), 16, 8, False),
    ((5, 4), 20, 4, False), ((7, 8), 14, 2, False)])
def test_meter_steps(sig, bar, beat, compound):
    m = Meter(*sig)
    assert (m.steps_per_bar, m.steps_per_beat, m.compound) == (bar, beat, compound)
    assert m.label == f"{sig[0]}/{sig[1]}"
    assert m.bar_steps(2 * bar) == [0, bar, 2 * bar]
    assert all(s % bar and s % beat == 0 for s in m.beat_steps(2 * bar))


def test_meter_refuses_what_the_grid_cannot_hold():
    with pytest.raises(ValueError, match="5/32"):
        Meter(5, 32)
    with pytest.raises(ValueError, match="time signature"):
        Meter(3, 5)


@pytest.mark.parametrize("steps, label", [(16, "4/4"), (12, "3/4"), (24, "12/8"), (18, "9/8"), (6, "6/16"),
                                          (14, "7/8"), (10, "5/8")])
def test_meter_for_a_bar_length(steps, label):
    m = meter_for(steps)
    assert m.label == label and m.steps_per_bar == steps


def _window(onsets, steps, pitch=60):
    ev = np.zeros(steps, np.uint8)
    for s in onsets:
        ev[s] = pitch - PITCH_OFFSET
        if s + 1 < steps:
            ev[s + 1] = NOTE_OFF
    return ev


def test_melody_features_ask_the_meter():
    waltz = _window([0, 4, 8, 12, 16, 20], 24)  # two 3/4 bars, a note on every beat
    three = Meter(3, 4)
    assert attribute("note_density", waltz, three) == pytest.approx(3.0)
    assert attribute("note_density", waltz) == pytest.approx(6 / 1.5)  # read as 4/4: 1.5 bars
    jig = _window([0, 6, 12, 18], 24)  # two 6/8 bars, a note on every dotted-quarter beat
    six8 = Meter(6, 8)
    assert attribute("syncopation", jig, six8) == pytest.approx(0.0)
    assert attribute("syncopation", jig) == pytest.approx(0.5)  # steps 6 and 18 are off a quarter beat


def test_structure_cuts_bars_of_the_meter():
    waltz = np.tile(_window([0, 4, 8], 12), 4)  # four identical 3/4 bars
    assert bars_of(waltz, Meter(3, 4))[0].shape == (1, 4, 12)
    assert exact_repeats(waltz, Meter(3, 4)) == pytest.approx(1.0)
    with pytest.raises(MvaeError, match="whole bars .4/4: 16 steps"):
        bars_of(np.zeros(40, np.uint8), DEFAULT_METER)


def test_drum_hits_per_bar_asks_the_meter():
    hits = np.zeros((24, 9), bool)
    hits[::4, 0] = True  # a kick on every quarter of two 3/4 bars
    assert hits_per_bar(hits, Meter(3, 4)) == pytest.approx(3.0)
    with pytest.raises(MvaeError, match="4/4 bars of 16"):
        hits_per_bar(hits)


# -- the grid travels: a model's config says its meter, and the outputs ask it -----------------------------

def _tiny_melody(steps_per_bar: int):
    import torch

    from musicvae_lite.core.config import override
    from musicvae_lite.families import Loaded, get
    from musicvae_lite.music.melody.generate import MelodyModel
    from musicvae_lite.music.melody.model import build_melody_vae
    from musicvae_lite.music.melody.presets import PRESETS

    torch.manual_seed(0)
    cfg = override(PRESETS["mel_2bar_tiny"], [f"grid.steps_per_bar={steps_per_bar}"]).model
    return Loaded(get("melody"), MelodyModel(build_melody_vae(cfg).eval(), cfg, 0, "tiny"), "tiny")


def test_samples_are_written_in_the_models_meter(tmp_path):
    import symusic

    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    loaded = _tiny_melody(12)
    out = families.run(loaded, "sample", Request((), tmp_path, options={"n": 3, "seed": 0}))
    assert [i["steps"] for i in out.items] == [24, 24, 24]
    assert [i["start_step"] for i in out.items] == [0, 24, 48]  # each on a 3/4 bar line
    score = symusic.Score.from_midi((tmp_path / "sample.mid").read_bytes())
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(3, 4)]
    assert (tmp_path / "sample.png").exists()


def _tune(path, sig: tuple[int, int], bar: int, bars: int = 8, every: int = 2):
    from tests.midifiles import write_midi

    notes = [(60 + (s // every) % 7, s, s + every) for s in range(0, bars * bar, every)]
    return write_midi(path, [notes], ts=sig)


@pytest.mark.parametrize("sig, source_bar, window_bar", [
    ((3, 4), 12, 12), ((6, 8), 12, 12), ((3, 8), 6, 12), ((9, 8), 18, 18), ((12, 8), 24, 24), ((3, 2), 24, 24)])
def test_melodies_are_read_in_their_own_meter(tmp_path, sig, source_bar, window_bar):
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    path = _tune(tmp_path / "tune.mid", sig, source_bar)
    found = extract_file(path, ExtractConfig(steps_per_bar=window_bar))
    assert found.events.shape[1] == 2 * window_bar
    pair = window_bar // source_bar  # 3/8 bars are read in pairs: windows start on every other source bar
    assert list(found.start_bar) == list(range(0, pair * len(found), pair))  # on the bar lines, numbered as the source
    assert len(found) == 8 * source_bar // window_bar - 1
    with pytest.raises(MvaeError, match=f"only {sig[0]}/{sig[1]}"):  # not misread as 16-step bars
        extract_file(path, ExtractConfig())


def test_bars_the_readers_do_not_cut_are_one_line(tmp_path):
    from musicvae_lite.music.melody.extract import ExtractConfig

    with pytest.raises(MvaeError, match="not 13"):
        ExtractConfig(steps_per_bar=13)
    with pytest.raises(MvaeError, match="--compat reads magenta's bars of 16"):
        ExtractConfig(steps_per_bar=12, compat=True)


def test_a_3_4_model_reads_and_writes_a_waltz(tmp_path):
    import symusic

    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    loaded = _tiny_melody(12)
    path = _tune(tmp_path / "waltz.mid", (3, 4), 12, every=4)
    out = families.run(loaded, "reconstruct", Request((str(path),), tmp_path / "out"))
    assert [i["steps"] for i in out.items] == [24, 24] and [i["start_step"] for i in out.items] == [0, 24]
    score = symusic.Score(str(tmp_path / "out" / "reconstruction.mid"))
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(3, 4)]
    with pytest.raises(MvaeError, match="only 4/4"):  # a 4/4 tune is not cut into 3/4 bars
        families.run(loaded, "reconstruct", Request((str(EXAMPLES / "melody" / "morning.mid"),), tmp_path / "o2"))


def test_datasets_record_their_bar(tmp_path):
    from musicvae_lite.families import get

    get("melody").build_data(_request([str(EXAMPLES / "melody")], tmp_path / "d"))
    with np.load(tmp_path / "d" / "train.npz") as data:
        assert int(data["steps_per_bar"]) == 16
    (tmp_path / "waltzes").mkdir()
    for i, sig in enumerate([(3, 4), (6, 8), (3, 4)]):
        _tune(tmp_path / "waltzes" / f"w{i}.mid", sig, 12, every=2 + i)
    get("melody").build_data(_request([str(tmp_path / "waltzes")], tmp_path / "w", steps_per_bar=12))
    with np.load(tmp_path / "w" / "train.npz") as data:
        assert int(data["steps_per_bar"]) == 12 and data["events"].shape[1] == 24


def _request(inputs, out, **options):
    from musicvae_lite.core.family import Request

    return Request(tuple(inputs), out, options={"eval_fraction": 0.0, "workers": 1, **options})


@pytest.mark.parametrize("command, model", [("reconstruct", "drums"), ("groove", None), ("drumify", None)])
def test_drum_models_refuse_other_meters_naming_the_meter_and_why(tmp_path, command, model):
    from typer.testing import CliRunner

    from musicvae_lite.cli import app
    from tests.midifiles import write_midi

    if command == "drumify":
        path = _tune(tmp_path / "waltz.mid", (3, 4), 12)
    else:
        beat = [(36 if s % 12 == 0 else 42, s, s + 1, 9, 0, 100) for s in range(0, 96, 2)]
        path = write_midi(tmp_path / "waltz.mid", [beat], ts=(3, 4))
    args = [command, str(path), "-o", str(tmp_path / "out")] + (["--model", model] if model else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and "only 3/4" in line and "4/4 and 2/2 only" in line and "Groove MIDI" in line
    assert not (tmp_path / "out").exists()
