"""The codecs, the one set writer, the shared sequence verbs, GrooVAE's own verbs and the one loader
(issue 21): both directions of each codec agree, a replaced set leaves none of the old one behind,
`supports()` says exactly what a model's verbs serve, and the command-line papercuts of the issue."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from musicvae_lite import families
from musicvae_lite.cli import app
from musicvae_lite.core.bundled import EXAMPLES
from musicvae_lite.core.family import VERBS, FamilyError, Request
from musicvae_lite.errors import MvaeError

MELODY_A, MELODY_B = EXAMPLES / "melody" / "morning.mid", EXAMPLES / "melody" / "evening.mid"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.fixture(scope="module")
def melody():
    return families.load("default")


@pytest.fixture(scope="module")
def drums():
    return families.load("drums")


# -- codecs: what is written reads back as the same windows ---------------------------------------


@pytest.mark.parametrize("spec, example", [("default", "melody/morning.mid"), ("drums", "drums/funk.mid")])
def test_a_codec_reads_back_what_it_writes(spec, example, tmp_path):
    loaded = families.load(spec)
    codec = loaded.family.codec
    window, playback = codec.read(loaded.model, EXAMPLES / example, 0)
    (tmp_path / "w.mid").write_bytes(codec.midi_bytes([window], playback))
    again, _ = codec.read(loaded.model, tmp_path / "w.mid", 0)
    np.testing.assert_array_equal(again, window)


def test_the_set_writer_serves_every_family_with_items(melody, drums, tmp_path):
    groove = families.load("groove")
    out = families.run(groove, "convert", Request((str(EXAMPLES / "drums" / "funk.mid"),), tmp_path / "g",
                                                  formats=frozenset({"mid"})))
    assert [p.name for p in out.paths] == ["funk_humanize.mid"]
    assert out.items and out.items[0]["kind"] == "drums" and out.items[0]["notes"]  # groove had no items before
    for loaded, kind in ((melody, "melody"), (drums, "drums")):
        out = families.run(loaded, "sample", Request((), tmp_path / kind, options={"n": 2, "seed": 1},
                                                     formats=frozenset({"mid"})))
        assert [i["kind"] for i in out.items] == [kind, kind]
        assert out.items[1]["start_step"] == out.items[0]["steps"]  # 2-bar windows back to back, on bar lines


# -- the set writer never leaves an old set's files behind ----------------------------------------


def test_replacing_a_set_removes_its_stale_numbered_files(tmp_path):
    from musicvae_lite.music.melody.outputs import write_melody_set
    from musicvae_lite.errors import OverwriteError

    tunes = np.full((8, 32), 2, np.uint8)
    tunes[:, 0] = 60
    write_melody_set(tmp_path, "sample", tunes, formats=frozenset({"mid"}))
    for keep in ("sample_notes.txt", "samples_05.mid", "sample_final.mid", "other_05.mid"):
        (tmp_path / keep).write_text("mine")
    with pytest.raises(OverwriteError):
        write_melody_set(tmp_path, "sample", tunes[:3], formats=frozenset({"mid"}))
    write_melody_set(tmp_path, "sample", tunes[:3], formats=frozenset({"mid"}), overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "other_05.mid", "sample.mid", "sample_01.mid", "sample_02.mid", "sample_03.mid", "sample_final.mid",
        "sample_notes.txt", "samples_05.mid"]


def test_stale_files_alone_are_not_replaced_without_force(tmp_path):
    (tmp_path / "sample_07.mid").write_bytes(b"an old set's")
    r = run("sample", "-n", "2", "-o", tmp_path, "--seed", "1")
    assert r.exit_code == 2 and "sample_07.mid already exists" in one_line(r)
    assert (tmp_path / "sample_07.mid").read_bytes() == b"an old set's" and not (tmp_path / "sample.mid").exists()
    r = run("sample", "-n", "2", "-o", tmp_path, "--seed", "1", "--force")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("sample_*.mid")) == ["sample_01.mid", "sample_02.mid"]


# -- GrooVAE's verbs: supports() tells the truth -----------------------------------------------------


@pytest.mark.parametrize("spec", ["drums", "groove", "drumify", "default"])
def test_supports_is_what_run_serves(spec, tmp_path):
    loaded = families.load(spec)
    verbs = loaded.family.verbs_for(loaded.model)
    for verb in VERBS:
        if verbs.supports(verb):
            verbs.check(verb, {})  # no refusal for what it claims
        else:
            with pytest.raises(FamilyError) as refused:
                families.run(loaded, verb, Request((), tmp_path / verb))
            assert "\n" not in str(refused.value)
    if spec in ("groove", "drumify"):
        assert not verbs.supports("grid") and verbs.supports("convert") and verbs.supports("reconstruct")
        assert "--model drums" in str(verbs.unsupported("grid"))
        assert verbs.supports("sample") == (not loaded.model.config.control)
    if spec == "drums":
        assert verbs.supports("grid") and not verbs.supports("convert")
        assert "--model groove" in str(verbs.unsupported("convert"))


# -- one loader ------------------------------------------------------------------------------------


def test_one_way_to_load_a_model():
    import musicvae_lite as mvl
    from musicvae_lite.image import generate as image_generate
    from musicvae_lite.music.melody import generate, model

    assert mvl.load_model is families.load_model and mvl.load is families.load
    for module, name in ((generate, "load_model"), (model, "load_melody_model"), (image_generate, "load_image_model")):
        assert not hasattr(module, name), name
    with pytest.raises(MvaeError, match="drums is a drums model; this needs a melody model"):
        families.load_model("drums")


# -- command-line papercuts ------------------------------------------------------------------------


@pytest.mark.parametrize("command, default", [("groove", "the bundled `groove` model"),
                                              ("drumify", "the bundled `drumify` model"),
                                              ("interpolate", "the bundled `default` melody model")])
def test_model_help_names_each_commands_default(command, default):
    r = run(command, "--help")
    assert r.exit_code == 0 and f"(default: {default})" in " ".join(r.output.split())


def test_codes_of_another_model_name_the_model_that_takes_them(tmp_path):
    np.save(tmp_path / "z.npy", np.zeros((1, 256), np.float32))
    r = run("decode", tmp_path / "z.npy", "-o", tmp_path / "d")
    assert r.exit_code == 2 and "got shape (1, 256); codes of 256 numbers are for --model melody_16bar" in one_line(r)
    np.save(tmp_path / "odd.npy", np.zeros((1, 7), np.float32))
    r = run("decode", tmp_path / "odd.npy", "-o", tmp_path / "d")
    assert r.exit_code == 2 and one_line(r).endswith("got shape (1, 7)")


def test_window_takes_one_value_per_input(tmp_path):
    r = run("interpolate", MELODY_A, MELODY_B, "--window", "0", "--window", "99", "-o", tmp_path)
    assert r.exit_code == 2 and f"{MELODY_B}: --window 99 does not exist" in one_line(r)  # the second file's
    r = run("interpolate", MELODY_A, MELODY_B, "--window", "99", "-o", tmp_path)
    assert r.exit_code == 2 and f"{MELODY_A}: --window 99 does not exist" in one_line(r)  # one value: for all
    r = run("interpolate", MELODY_A, MELODY_B, "--window", "0", "--window", "1", "--window", "2", "-o", tmp_path)
    assert r.exit_code == 2 and "one --window for all the files or one per file: got 3 for 2" in one_line(r)
    r = run("interpolate", MELODY_A, MELODY_B, "--window", "1", "--window", "0", "-n", "3", "-o", tmp_path)
    assert r.exit_code == 0, r.output
    assert Request(("a", "b"), options={"window": [1, 0]}).file_windows((2,), "two") == [("a", 1), ("b", 0)]
    assert Request(("a", "b"), options={"windows": [3, 4]}).file_windows((2,), "two") == [("a", 3), ("b", 4)]


@pytest.mark.parametrize("spec", ["drums", "groove"])
def test_drum_eval_takes_midi_files_and_folders(spec):
    r = run("eval", spec, EXAMPLES / "drums", "--json")
    assert r.exit_code == 0, r.output
    r = run("eval", spec, EXAMPLES / "drums" / "funk.mid")
    assert r.exit_code == 0 and "MIDI drum windows" in r.output, r.output
    r = run("eval", spec, EXAMPLES / "melody" / "morning.mid")
    assert r.exit_code == 2 and "no drum track" in one_line(r)


def test_training_on_midi_files_says_to_build_a_dataset(tmp_path):
    r = run("train", "mel_2bar_small", "--data", EXAMPLES / "melody", "-o", tmp_path / "run")
    assert r.exit_code == 2 and "`mvae data build" in one_line(r) and "--data DATASET" in r.output
    r = run("train", "drums_2bar_tiny", "--data", EXAMPLES / "drums", "-o", tmp_path / "run2")
    assert r.exit_code == 2 and "`mvae data build --family drums" in one_line(r)


def test_a_melody_dataset_given_to_a_drum_model_says_so(tmp_path):
    r = run("data", "build", EXAMPLES / "melody", "-o", tmp_path / "mel", "--eval-fraction", "0.5", "--quiet")
    assert r.exit_code == 0, r.output
    for args in (("eval", "drums", tmp_path / "mel"),
                 ("train", "drums_2bar_tiny", "--data", tmp_path / "mel", "-o", tmp_path / "run")):
        r = run(*args)
        line = one_line(r)
        assert r.exit_code == 2 and "is not a drum dataset" in line and "--family drums" in line
        assert "archive" not in line


def test_a_bad_attribute_vector_says_how_to_make_one(tmp_path):
    (tmp_path / "v.npz").write_bytes(b"not numpy")
    for vector, says in ((tmp_path / "none.npz", "no such file"), (tmp_path / "v.npz", "not an attribute vector")):
        r = run("attribute", "apply", MELODY_A, vector, "-o", tmp_path / "o")
        line = one_line(r)
        assert r.exit_code == 2 and says in line and "`mvae attribute compute`" in line and "Errno" not in line


def test_a_melody_codec_gives_its_windows_notes(melody):
    from musicvae_lite.music.melody.encoding import events_to_notes

    window, _ = melody.family.codec.read(melody.model, MELODY_A, 0)
    assert melody.family.codec.notes(window) == list(events_to_notes(window)) != []
