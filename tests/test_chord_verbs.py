"""The melody verbs with chords (issue 23, item 4): `--chords` on sample, interpolate, reconstruct and decode,
`mvae reharmonize`, and the chord track their outputs carry (MIDI, WAV, piano roll, the page's items)."""

from __future__ import annotations

import numpy as np
import pytest
from midifiles import scale, write_midi
from typer.testing import CliRunner

from musicvae_lite.cli import app
from musicvae_lite.music.chord_track import (
    CHORD_PROGRAM,
    CHORD_TRACK_NAME,
    chord_changes,
    chord_notes,
    chord_spans,
    chords_in_turn,
    voicing,
)
from musicvae_lite.music.chords import NO_CHORD, UNKNOWN, parse_chord, parse_progression
from musicvae_lite.music.melody.encoding import NUM_SPECIAL
from musicvae_lite.music.melody.reharmonize import chord_tone_hits, chords_from_melody, onset_f1, whole

runner = CliRunner()


def _save(folder, model, name):
    from musicvae_lite.core.checkpoint import save_checkpoint
    from musicvae_lite.music.melody.model import model_config_to_dict

    return str(save_checkpoint(folder / f"{name}.pt", model=model.vae.state_dict(), step=0, config={
        "task": {"family": "melody", "model": model_config_to_dict(model.config)}}))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Checkpoints of a tiny untrained melody model that reads chords and of one that does not."""
    from test_chord_model import _tiny

    folder = tmp_path_factory.mktemp("chordmodels")
    return {"chords": _save(folder, _tiny(chord_controls=True), "chords"), "plain": _save(folder, _tiny(), "plain")}


def _tracks(path):
    import symusic

    return [(t.name, t.program, sorted((n.pitch, n.time // 120, (n.time + n.duration) // 120) for n in t.notes))
            for t in symusic.Score(str(path)).tracks]


def _channels(path):
    import mido

    return [{m.channel for m in t if hasattr(m, "channel")} for t in mido.MidiFile(str(path)).tracks]


# -- the chord track -------------------------------------------------------------------------------


def test_a_chord_is_voiced_in_root_position_from_the_octave_below_middle_c():
    assert voicing(parse_chord("C")) == [48, 52, 55]
    assert voicing(parse_chord("Am")) == [57, 60, 64]
    assert voicing(parse_chord("G7")) == [55, 59, 62, 65]
    assert voicing(parse_chord("B")) == [59, 63, 66]
    assert voicing(NO_CHORD) == [] and voicing(UNKNOWN) == []


def test_chord_spans_are_held_to_each_change_struck_again_at_bar_lines_and_skip_no_chord():
    chords = parse_progression("C | N G")  # C for a whole bar of 16, then N for 8, G for 8
    assert chord_spans(chords) == [(0, 16, parse_chord("C")), (24, 32, parse_chord("G"))]
    long = parse_progression("C C")  # one chord over two bars: struck at each bar
    assert [s[:2] for s in chord_spans(long)] == [(0, 16), (16, 32)]
    notes = chords_in_turn([chords, chords], [32, 32])
    assert {(n.pitch, n.start) for n in notes} >= {(48, 0), (55, 24), (48, 32), (55, 56)}
    assert chord_changes(chords) == [(0, "C"), (16, "N"), (24, "G")]


def test_measures_of_onsets_and_chord_tones():
    c = 60 - 19  # class of C4
    a = np.array([c, 0, 0, 0, c + 2, 0, 0, 0, c + 4, 1, 1, 1, c + 1, 0, 0, 0])
    b = np.array([c, 0, 0, 0, 0, 0, 0, 0, c + 7, 1, 1, 1, c + 1, 0, c, 0])
    assert onset_f1(a, a) == 1.0 and onset_f1(a, b) == pytest.approx(2 * 3 / 8)
    chords = np.full(16, parse_chord("C"), np.uint8)
    assert chord_tone_hits(a, chords) == (2, 4)  # C and E are tones of C; D and C# are not
    chords[12:] = NO_CHORD
    assert chord_tone_hits(a, chords) == (2, 3)  # a step under no chord does not count
    assert whole(np.stack([a[:8], a[:8]]), np.array([0, 12]), 20).tolist()[8:13] == [1, 0, 0, 0, c]


def test_chords_guessed_from_a_melody_alone_follow_its_arpeggios():
    c4 = 60 - 19
    events = np.zeros(32, np.uint8)
    events[0:8:2] = [c4, c4 + 4, c4 + 7, c4 + 12]  # C E G C: C major
    events[8:16:2] = [c4 + 9, c4 + 12, c4 + 16, c4 + 9]  # A C E A: A minor
    events[16:24:2] = [c4 + 7, c4 + 11, c4 + 14, c4 + 7]  # G B D G: G major
    got = chords_from_melody(events)  # one chord per half bar; the last G is held to the end
    assert [chord for _, chord in chord_changes(got)] == ["C", "Am", "G"] and got[31] == parse_chord("G")
    assert chords_from_melody(np.stack([events, events])).shape == (2, 32)


# -- the verbs ----------------------------------------------------------------------------------------


def test_sample_over_chords_writes_a_chord_track_and_says_when_the_chords_were_repeated(models, tmp_path):
    r = runner.invoke(app, ["sample", "--model", models["chords"], "--chords", "C G7", "-n", "2", "--seed", "1",
                            "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "over the chords: C | G7" in r.output and "repeated" not in r.output and "cut" not in r.output
    tracks = _tracks(tmp_path / "sample_01.mid")
    assert [t[:2] for t in tracks] == [("melody", 0), (CHORD_TRACK_NAME, CHORD_PROGRAM)]
    assert tracks[1][2] == sorted([(p, 0, 16) for p in voicing(parse_chord("C"))]
                                  + [(p, 16, 32) for p in voicing(parse_chord("G7"))])
    assert _channels(tmp_path / "sample_01.mid") == [{0}, {1}]  # the chords on a channel of their own
    stitched = _tracks(tmp_path / "sample.mid")[1][2]
    assert (48, 32, 48) in stitched  # the second sample's chords follow it
    assert (tmp_path / "sample.wav").stat().st_size > 0 and (tmp_path / "sample.png").exists()
    r = runner.invoke(app, ["sample", "--model", models["chords"], "--chords", "Am", "-n", "1", "-o",
                            str(tmp_path / "short")])
    assert r.exit_code == 0 and "the chords last 16 steps; repeated to fill 32" in r.output


@pytest.mark.parametrize("qpm, tempo_map", [(112.0, None), (90.0, ((0, 90.0), (16, 140.0)))])
def test_the_chords_audio_is_the_synthesizers_own_rendering(qpm, tempo_map):
    from musicvae_lite.music.audio import synthesize_notes
    from musicvae_lite.music.chord_track import synthesize_chords

    notes = chords_in_turn([parse_progression("C G7 | Am")] * 3, [32, 32, 32])
    want = synthesize_notes(notes, 96, qpm=qpm, tempo_map=tempo_map, program=CHORD_PROGRAM)
    assert np.array_equal(synthesize_chords(notes, 96, qpm=qpm, tempo_map=tempo_map), want)


def test_the_wav_plays_the_chords_under_the_melody(models, tmp_path):
    import soundfile

    from musicvae_lite.music.melody.render import synthesize, synthesize_with_chords

    melody = np.zeros(32, np.uint8)
    melody[0], melody[16] = 60 - 19, 1  # one C4 for a bar, then silence
    chords = parse_progression("C G")
    mixed = synthesize_with_chords([melody], [chords])
    alone = synthesize([melody])
    assert mixed.shape == alone.shape
    half = len(alone) // 2
    assert np.abs(alone[half + 2000:]).max() == 0 and np.abs(mixed[half + 2000:]).max() > 0.05  # the G chord
    r = runner.invoke(app, ["sample", "--model", models["chords"], "--chords", "C G", "-n", "1", "-o", str(tmp_path)])
    assert r.exit_code == 0
    audio, _ = soundfile.read(tmp_path / "sample.wav")
    assert np.abs(audio).max() > 0


def test_outputs_without_chords_are_unchanged(models, tmp_path):
    r = runner.invoke(app, ["sample", "--model", models["chords"], "-n", "1", "--seed", "1", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert [t[0] for t in _tracks(tmp_path / "sample_01.mid")] == ["melody"]
    assert "over the chords" not in r.output


def test_interpolate_keeps_the_harmony_while_the_melody_morphs(models, tmp_path):
    a = write_midi(tmp_path / "a.mid", [scale(0, 2, 60)])
    b = write_midi(tmp_path / "b.mid", [scale(0, 2, 67)])
    r = runner.invoke(app, ["interpolate", str(a), str(b), "--model", models["chords"], "--chords", "F C", "-n", "3",
                            "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    chord_tracks = [_tracks(tmp_path / "out" / f"interpolation_0{i}.mid")[1] for i in (1, 2, 3)]
    assert all(t == chord_tracks[0] for t in chord_tracks) and chord_tracks[0][0] == CHORD_TRACK_NAME
    assert {p for p, _, _ in chord_tracks[0][2]} == set(voicing(parse_chord("F")) + voicing(parse_chord("C")))


def test_reconstruct_and_decode_take_chords(models, tmp_path):
    a = write_midi(tmp_path / "a.mid", [scale(0, 2, 60)])
    r = runner.invoke(app, ["reconstruct", str(a), "--model", models["chords"], "--chords", "C:2 G:2 | C",
                            "-o", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    assert "over the chords: C G | C" in r.output and "reconstructed exactly" in r.output
    from musicvae_lite import families

    z = families.load(models["chords"]).model.z_size
    np.save(tmp_path / "codes.npy", np.zeros((2, z), np.float32))
    r = runner.invoke(app, ["decode", str(tmp_path / "codes.npy"), "--model", models["chords"], "--chords", "Dm G7",
                            "-o", str(tmp_path / "d")])
    assert r.exit_code == 0, r.output
    assert _tracks(tmp_path / "d" / "decoded_02.mid")[1][0] == CHORD_TRACK_NAME


@pytest.mark.parametrize("args, says", [
    (["sample", "--chords", "C Hm7"], "unknown chord 'Hm7'"),
    (["sample", "--chords", "C | | G"], "bar 2"),
])
def test_a_bad_progression_is_one_line_naming_it(models, tmp_path, args, says):
    r = runner.invoke(app, [*args, "--model", models["chords"], "-o", str(tmp_path)])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "separated by spaces" in lines[0]
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_model_that_does_not_read_chords_says_to_use_one_that_does(models, tmp_path):
    a = write_midi(tmp_path / "a.mid", [scale(0, 2, 60)])
    for args in (["sample"], ["reharmonize", str(a)]):
        r = runner.invoke(app, [*args, "--model", models["plain"], "--chords", "C G", "-o", str(tmp_path / "o")])
        assert r.exit_code == 2 and "does not read chords" in r.output and "--model chords" in r.output
        assert len(r.output.strip().splitlines()) == 1


def test_the_python_api_reharmonizes_by_decoding_the_code_over_the_new_chords(models):
    from musicvae_lite import families
    from musicvae_lite.music.melody.reharmonize import reharmonize
    from musicvae_lite.music.sequence_generate import decode, encode

    model = families.load(models["chords"]).model
    events = np.zeros((2, 32), np.uint8)
    events[:, ::4] = np.arange(41, 49)  # quarter notes up from C4
    own, new = parse_progression("C G"), parse_progression("Am F")
    got = reharmonize(model, events, new, own_chords=own, keep_rhythm=False)
    want = decode(model, encode(model, events, chords=own), chords=new)
    assert got.shape == (2, 32) and np.array_equal(got, want)
    import musicvae_lite as mvl

    assert mvl.reharmonize is reharmonize  # the Python API's name
    assert not np.array_equal(got, decode(model, encode(model, events, chords=own), chords=parse_progression("E B")))
    kept = reharmonize(model, events, new, own_chords=own, chord_weight=3.0)  # the rhythm kept: pitches anew
    assert np.array_equal(kept >= NUM_SPECIAL, events >= NUM_SPECIAL)
    assert np.array_equal(kept[events < NUM_SPECIAL], events[events < NUM_SPECIAL])
    free = decode(model, encode(model, events, chords=own), chords=new, chord_weight=3.0)
    assert not np.array_equal(free >= NUM_SPECIAL, events >= NUM_SPECIAL)  # what the mask prevented


def test_reharmonize_reads_a_long_melody_window_by_window(models, tmp_path):
    a = write_midi(tmp_path / "long.mid", [scale(0, 6, 60)])
    r = runner.invoke(app, ["reharmonize", str(a), "--model", models["chords"], "--chords", "C G Am F",
                            "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "3 windows of 2 bars from window 0 (6 bars)" in r.output
    assert "the chords last 64 steps; repeated to fill 96" in r.output and "onset F1 against the input" in r.output
    names, _, notes = _tracks(tmp_path / "out" / "reharmonized_02.mid")[1]
    assert names == CHORD_TRACK_NAME and max(end for _, _, end in notes) == 96
    assert {p for p, s, _ in notes if s == 64} == set(voicing(parse_chord("C")))  # bar 5: the progression again
    assert "own chords: guessed from the melody" in r.output  # no chord file, no other track
    inp = _tracks(tmp_path / "out" / "reharmonized_01.mid")
    assert inp[1][0] == CHORD_TRACK_NAME and {p % 12 for p, _, _ in inp[1][2]} & {0, 4, 7}  # a scale from C


def test_reharmonize_reads_the_inputs_own_chords_from_its_chord_file(models, tmp_path):
    from musicvae_lite.music.chords import write_chord_file

    a = write_midi(tmp_path / "song.mid", [scale(0, 2, 60)])
    write_chord_file(tmp_path / "song.chords.txt", [(0.0, 2.0, "C:maj"), (2.0, 4.0, "G:7")])
    r = runner.invoke(app, ["reharmonize", str(a), "--model", models["chords"], "--chords", "F", "-o",
                            str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "own chords: its chord file song.chords.txt" in r.output
    assert {p for p, _, _ in _tracks(tmp_path / "out" / "reharmonized_01.mid")[1][2]} == \
        set(voicing(parse_chord("C")) + voicing(parse_chord("G7")))


def test_reharmonize_hears_the_inputs_chords_in_its_other_tracks(models, tmp_path):
    piano = [(p, 0, 32) for p in (48, 52, 55)]  # a C chord held under the melody
    a = write_midi(tmp_path / "song.mid", [scale(0, 2, 72), piano])
    r = runner.invoke(app, ["reharmonize", str(a), "--model", models["chords"], "--chords", "F", "-o",
                            str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "own chords: heard in" in r.output


def test_reharmonize_of_a_file_without_a_melody_is_one_line(models, tmp_path):
    drums = write_midi(tmp_path / "drums.mid", [[(36, 0, 1, 9, 0), (38, 4, 5, 9, 0)]])
    r = runner.invoke(app, ["reharmonize", str(drums), "--model", models["chords"], "--chords", "C",
                            "-o", str(tmp_path / "out")])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "no 2-bar melody" in r.output
    r = runner.invoke(app, ["reharmonize", str(drums), "--model", models["chords"], "-o", str(tmp_path / "out")])
    assert r.exit_code == 2 and "--chords" in r.output


def test_a_chord_file_as_chords_is_read_at_the_outputs_tempo(models, tmp_path):
    from musicvae_lite.music.chords import write_chord_file
    from musicvae_lite.music.melody.chord_verbs import read_chords

    path = write_chord_file(tmp_path / "prog.txt", [(0.0, 2.0, "A:min"), (2.0, 4.0, "E:7")])
    at_120 = read_chords(str(path))
    assert len(at_120) == 32 and at_120[0] == parse_chord("Am") and at_120[16] == parse_chord("E7")
    at_60 = read_chords(str(path), qpm=60.0)
    assert len(at_60) == 16 and at_60[8] == parse_chord("E7")  # 2 s is half a bar at 60 qpm
    r = runner.invoke(app, ["sample", "--model", models["chords"], "--chords", str(path), "-n", "1", "-o",
                            str(tmp_path / "o")])
    assert r.exit_code == 0 and "over the chords: Am | E7" in r.output


def test_the_roll_and_the_pages_items_carry_the_chord_names(tmp_path):
    from matplotlib.figure import Figure

    from musicvae_lite.music.melody.codec import CHORDED_MELODY, MELODY
    from musicvae_lite.music.melody.plots import _draw_panel
    from musicvae_lite.music.meter import DEFAULT_METER
    from musicvae_lite.music.output_set import set_items

    melody = np.zeros(32, np.uint8)
    melody[0] = 41
    chords = parse_progression("C:2 Am:2 | G7")
    ax = Figure().subplots()
    _draw_panel(ax, melody, 40, 70, None, [48, 60], DEFAULT_METER, chords)
    assert [t.get_text() for t in ax.texts] == ["C", "Am", "G7"]
    items = set_items(CHORDED_MELODY, [(melody, chords), (melody, chords)])
    assert items[1]["chords"] == [[0, "C"], [8, "Am"], [16, "G7"]]
    assert sorted(items[0]["chord_notes"]) == sorted(list(n) for n in chord_notes(chords))
    assert items[1]["start_step"] == 32 and "chords" not in set_items(MELODY, [melody])[0]


# -- the page's API ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(models, tmp_path_factory):
    from fastapi.testclient import TestClient

    from musicvae_lite.serve.app import create_app

    app = create_app({"chordy": models["chords"], "plain": models["plain"]}, bundled=False, preload=False,
                     store_root=tmp_path_factory.mktemp("store"))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def test_the_api_samples_and_interpolates_over_a_progression(client, tmp_path):
    r = client.post("/api/sample", data={"n": "2", "seed": "3", "model": "chordy", "chords": "Am F"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [it["chords"] for it in items] == [[[0, "Am"], [16, "F"]]] * 2
    assert sorted(items[1]["chord_notes"]) == sorted(list(n) for n in chord_notes(parse_progression("Am F")))
    assert "over the chords: Am | F" in r.json()["lines"]
    a = write_midi(tmp_path / "a.mid", [scale(0, 2, 60)])
    files = {"a": ("a.mid", a.read_bytes()), "b": ("b.mid", a.read_bytes())}
    r = client.post("/api/interpolate", files=files, data={"n": "3", "model": "chordy", "chords": "C | G"})
    assert r.status_code == 200 and all(it["chords"] == [[0, "C"], [16, "G"]] for it in r.json()["items"])
    plain = client.post("/api/sample", data={"n": "1", "model": "chordy", "chords": " "}).json()["items"][0]
    assert "chords" not in plain  # an empty field: no chords, the outputs as before


def test_the_api_refuses_a_bad_progression_in_one_line_and_never_reads_a_file(client, tmp_path, monkeypatch):
    from musicvae_lite.music.chords import write_chord_file

    r = client.post("/api/sample", data={"n": "1", "model": "chordy", "chords": "C Xm"})
    assert r.status_code == 422 and "unknown chord 'Xm'" in r.json()["error"] and "\n" not in r.json()["error"]
    r = client.post("/api/sample", data={"n": "1", "model": "plain", "chords": "C G"})
    assert r.status_code == 422 and "does not read chords" in r.json()["error"]
    write_chord_file(tmp_path / "C", [(0.0, 1.0, "G:maj")])  # a file on the server whose name is a chord
    monkeypatch.chdir(tmp_path)
    r = client.post("/api/sample", data={"n": "1", "model": "chordy", "chords": "C"})
    assert r.json()["items"][0]["chords"] == [[0, "C"]]  # the progression, not the file


def test_the_chord_weight_reaches_the_decoder_from_the_command_line(models, tmp_path, monkeypatch):
    from musicvae_lite.music import sequence_generate

    seen = []
    real = sequence_generate.decode

    def spy(*args, **kwargs):
        seen.append(kwargs.get("chord_weight"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sequence_generate, "decode", spy)
    for verb, extra in (("sample", ["-n", "1"]), ("reharmonize", [str(write_midi(tmp_path / "s.mid", [scale(0, 2, 60)]))])):
        r = runner.invoke(app, [verb, *extra, "--model", models["chords"], "--chords", "C G", "--chord-weight", "2.5",
                                "-o", str(tmp_path / verb)])
        assert r.exit_code == 0, r.output
    assert seen == [2.5, 2.5]
    r = runner.invoke(app, ["sample", "--model", models["plain"], "--chord-weight", "2", "-o", str(tmp_path / "p")])
    assert r.exit_code != 0 and "--chord-weight" in r.output
