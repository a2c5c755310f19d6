"""The bundled default model: present, self-describing, and the README's main job runs with it offline."""

from __future__ import annotations

import numpy as np
import pretty_midi
import pytest
import soundfile
from typer.testing import CliRunner

from musicvae_lite.families import load_model
from musicvae_lite.cli import app
from musicvae_lite.music.melody import generate as g
from musicvae_lite.core.bundled import FOLDER
from musicvae_lite.families import list_bundled

EXAMPLES = FOLDER.parent.parent / "data" / "examples"
runner = CliRunner()


@pytest.mark.parametrize("name, phrases", [
    ("default", ("Palestrina", "Aird", "oneills1850", "meter_controls", "--steps-per-bar 0", "non-commercial")),
    ("essen", ("Essen", "non-commercial")),
    ("chords", ("POP909", "MIT", "chord_controls", "chord_to_output", "--chord-weight", "non-commercial"))])
def test_bundled_models_ship_with_a_model_card_and_fit_the_size_budget(name, phrases):
    found = {name: (path, card) for name, path, card in list_bundled()}
    path, card = found[name]
    assert path.stat().st_size <= 20 * 2**20
    text = card.read_text()
    for phrase in (*phrases, "mel_2bar_cpu", "teacher-forced", "free-running", "mvae train"):
        assert phrase in text, phrase
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0 and name in result.output


def test_the_main_job_interpolates_the_two_examples(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["interpolate", str(EXAMPLES / "morning.mid"), str(EXAMPLES / "evening.mid"),
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    for i in range(1, 8):
        assert pretty_midi.PrettyMIDI(str(out / f"interpolation_{i:02d}.mid")).instruments[0].notes
    audio, rate = soundfile.read(out / "interpolation.wav")
    assert len(audio) > 7 * 4 * rate * 0.9 and np.abs(audio).max() > 0.1  # 7 x 2 bars at 120 qpm, not silent
    assert (out / "interpolation.png").stat().st_size > 10_000


def test_the_default_model_reconstructs_the_examples_well():
    model = load_model()
    a = g.melody_from_file(model, EXAMPLES / "morning.mid")
    again = g.reconstruct(model, a)[0]
    assert (again == a).mean() >= 0.8


def test_the_16_bar_model_ships_and_blends_the_16_bar_examples(tmp_path):
    found = {name: (path, card) for name, path, card in list_bundled()}
    path, card = found["melody_16bar"]
    assert path.stat().st_size <= 30 * 2**20
    text = card.read_text()
    for phrase in ("hier_mel_16bar_codes", "--warm-start default", "meter_controls", "teacher-forced", "non-commercial",
                   "oneills1850", "--unseen-by"):
        assert phrase in text, phrase
    model = load_model("melody_16bar")
    assert model.config.bars == 16
    a = g.melody_from_file(model, EXAMPLES / "sunrise.mid")
    assert a.shape == (256,) and (g.reconstruct(model, a)[0] == a).mean() >= 0.8
    out = tmp_path / "out"
    result = runner.invoke(app, ["interpolate", str(EXAMPLES / "sunrise.mid"), str(EXAMPLES / "harbour.mid"),
                                 "--model", "melody_16bar", "-n", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pretty_midi.PrettyMIDI(str(out / "interpolation_02.mid")).instruments[0].notes) >= 16
    result = runner.invoke(app, ["interpolate", str(EXAMPLES / "morning.mid"), str(EXAMPLES / "harbour.mid"),
                                 "--model", "melody_16bar", "-o", str(tmp_path / "short")])
    assert result.exit_code == 2 and "its melody lasts 8 bars" in result.output


def test_the_bundled_melody_models_read_and_write_every_meter(tmp_path):
    import symusic

    waltz = EXAMPLES.parent.parent / "musicvae_lite" / "examples" / "melody" / "waltz.mid"
    jig = waltz.with_name("jig.mid")
    model = load_model()
    tune, meter = g.melody_from_file(model, jig, with_meter=True)
    assert tune.shape == (24,) and meter.label == "6/8"
    assert (g.reconstruct(model, tune, meter=meter)[0] == tune).mean() >= 0.8
    long = load_model("melody_16bar")
    tune, meter = g.melody_from_file(long, waltz, with_meter=True)
    assert tune.shape == (192,) and meter.label == "3/4"  # 16 bars of 12 sixteenths
    assert (g.reconstruct(long, tune, meter=meter)[0] == tune).mean() >= 0.8
    result = runner.invoke(app, ["sample", "--model", "melody_16bar", "--meter", "6/8", "-n", "2", "-o",
                                 str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    score = symusic.Score(str(tmp_path / "s" / "sample_01.mid"))
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(6, 8)]
    assert max(n.time + n.duration for n in score.tracks[0].notes) <= 16 * 3 * score.ticks_per_quarter  # 16 bars of 6/8


def test_the_default_carries_its_attribute_vectors(tmp_path):
    from musicvae_lite.music.melody.attributes import note_density

    waltz = EXAMPLES.parent.parent / "musicvae_lite" / "examples" / "melody" / "waltz.mid"
    result = runner.invoke(app, ["attribute", "apply", str(waltz), "note_density", "--amount", "1.5", "-o",
                                 str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    model = load_model()
    before, after = (g.melody_from_file(model, tmp_path / "a" / f"attribute_0{i}.mid") for i in (1, 2))
    assert note_density(after) > note_density(before) + 1  # notes per bar, denser as asked
    result = runner.invoke(app, ["attribute", "apply", str(waltz), "loudness", "-o", str(tmp_path / "b")])
    assert result.exit_code == 2 and "carries (note_density, mean_pitch" in result.output


def test_the_chord_model_writes_over_the_chords_it_is_given():
    """Samples of the bundled `chords` model over a progression put chord tones on the beats far more often than
    the default's samples do (which cannot read the chords), and rhythm-kept reharmonizations keep the input's
    rhythm while moving its pitches towards the new chords."""
    from musicvae_lite.music.chords import parse_progression
    from musicvae_lite.music.melody.chord_verbs import DEFAULT_CHORD_WEIGHT
    from musicvae_lite.music.melody.encoding import NUM_SPECIAL
    from musicvae_lite.music.melody.reharmonize import chord_tone_hits, reharmonize

    chords, default = load_model("chords"), load_model("default")
    progression = parse_progression("C G | Am F")
    share = lambda events: (lambda h, n: h / n)(*chord_tone_hits(events, np.broadcast_to(progression, events.shape)))  # noqa: E731
    ours = g.sample(chords, 32, seed=0, chords=progression, chord_weight=DEFAULT_CHORD_WEIGHT)
    theirs = g.sample(default, 32, seed=0)
    assert share(ours) >= 0.75 and share(ours) >= share(theirs) + 0.2, (share(ours), share(theirs))
    tune = g.sample(default, 8, seed=3)
    new = parse_progression("Eb Bb | Cm Ab")
    again = reharmonize(chords, tune, new, chord_weight=DEFAULT_CHORD_WEIGHT)
    assert np.array_equal(again >= NUM_SPECIAL, tune >= NUM_SPECIAL)
    under = lambda events: (lambda h, n: h / n)(*chord_tone_hits(events, np.broadcast_to(new, events.shape)))  # noqa: E731
    assert under(again) >= under(tune) + 0.2, (under(again), under(tune))
