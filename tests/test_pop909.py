"""Tests for musicvae_lite.music.pop909 (POP909 put on its beat grid) and the chords it carries into
`mvae data build`: tiny synthetic songs in POP909's layout, written by the tests in a tmp folder."""

from __future__ import annotations

import csv
from pathlib import Path

import mido
import numpy as np
import pytest
from typer.testing import CliRunner

from musicvae_lite.music.chords import NO_CHORD, UNKNOWN, parse_chord, read_chord_file
from musicvae_lite.music.melody.dataset import build_dataset
from musicvae_lite.music.melody.extract import ExtractConfig
from musicvae_lite.music.midi_read import read_midi
from musicvae_lite.music.pop909 import INFO, Pop909Error, import_pop909, read_beats, split_of

symusic = pytest.importorskip("symusic")

FILE_QPM = 100.0  # the file's own tempo grid (0.6 s a quarter), which the music's beats are not on


def beat_times(n: int, first: float = 0.13, slow_from: int = 8) -> np.ndarray:
    """n beats from `first` s: 0.5 s each, then 0.62 s each from beat `slow_from` (a tempo change)."""
    lengths = np.where(np.arange(n - 1) < slow_from, 0.5, 0.62)
    return np.concatenate([[first], first + np.cumsum(lengths)])


def write_song(root: Path, number: str, *, beats: np.ndarray, downbeats, every_other=None,
               melody=(), bridge=(), piano=(), chords=()) -> Path:
    """A song folder in POP909's layout. melody/bridge/piano: (pitch, beat position, length in beats), placed
    in seconds on `beats` (fractional positions interpolate) and written in ticks of the file's own grid."""
    folder = root / number
    folder.mkdir(parents=True)

    def seconds(pos: float) -> float:
        return float(np.interp(pos, np.arange(len(beats)), beats))

    tick = 480 * FILE_QPM / 60.0  # ticks a second
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(FILE_QPM), time=0)]))
    for name, notes in (("MELODY", melody), ("BRIDGE", bridge), ("PIANO", piano)):
        events = [(0, 0, mido.MetaMessage("track_name", name=name))]
        for pitch, pos, length in notes:
            events.append((round(seconds(pos) * tick), 2, mido.Message("note_on", note=pitch, velocity=90)))
            events.append((round(seconds(pos + length) * tick), 1, mido.Message("note_off", note=pitch, velocity=0)))
        track, now = mido.MidiTrack(), 0
        for t, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
            track.append(msg.copy(time=t - now))
            now = t
        mid.tracks.append(track)
    mid.save(str(folder / f"{number}.mid"))
    down = set(downbeats)
    other = set(every_other if every_other is not None else range(0, len(beats), 2))
    (folder / "beat_midi.txt").write_text("".join(
        f"{t:.6f} {float(i in other)} {float(i in down)}\n" for i, t in enumerate(beats)))
    (folder / "chord_midi.txt").write_text("".join(
        f"{seconds(a):.6f}\t{seconds(b):.6f}\t{label}\n" for a, b, label in chords))
    return folder


def four_four_song(root: Path, number: str = "001", pitch: int = 60, contour: int = 5) -> Path:
    """24 beats, a pickup beat then 4/4 bars from beat 1; a melody of eighths and 16ths from the pickup;
    chords C, G, Am, F, one a bar, N on the pickup."""
    melody = [(pitch + (k * 3 % contour), 0.5 * k, 0.5) for k in range(2, 40)] + [(pitch + 7, 20.25, 0.25), (pitch, 20.75, 1)]
    chords = [(0, 1, "N"), (1, 5, "C:maj"), (5, 9, "G:maj"), (9, 13, "A:min7"), (13, 17, "F:maj/3"),
              (17, 21, "C:maj"), (21, 23, "G:7")]
    return write_song(root, number, beats=beat_times(24), downbeats=range(1, 24, 4), melody=melody,
                      bridge=[(pitch + 12, 4.0, 2.0), (pitch + 14, 6.0, 2.0)], piano=[(48, 1.0, 4.0), (52, 1.0, 4.0)],
                      chords=chords)


def steps_of(path: Path, name: str) -> np.ndarray:
    """Onsets of track `name` of a written file, in 16th steps (float)."""
    midi = read_midi(path)
    track = next(t for t in midi.tracks if t.name == name)
    return track.start / (midi.ticks_per_quarter / 4)


def test_split_rule_by_song_number():
    assert [split_of(n) for n in (10, 20, 900)] == ["test"] * 3
    assert [split_of(n) for n in (5, 15, 905)] == ["validation"] * 3
    assert [split_of(n) for n in (1, 11, 909, 19)] == ["train"] * 4


def test_songs_land_on_their_beat_grid_with_names_chords_and_split(tmp_path):
    src = tmp_path / "POP909"
    four_four_song(src, "001")
    four_four_song(src, "015", pitch=64)
    four_four_song(src, "020")  # the test set: never imported
    report = import_pop909(src, tmp_path / "out", progress=False)
    out = tmp_path / "out"
    assert sorted(r["song"] for r in report.rows) == ["001", "015"] and report.refused[0][0] == "020"
    assert not (out / "020").exists()
    rows = {r["song"]: r for r in csv.DictReader(open(out / INFO))}
    assert rows["001"]["split"] == "train" and rows["015"]["split"] == "validation"
    assert rows["001"]["midi_filename"] == "001/001.mid" and float(rows["001"]["melody_on_grid"]) == 1.0
    song = out / "001" / "001.mid"
    midi = read_midi(song)
    assert [t.name for t in midi.tracks] == ["MELODY", "BRIDGE", "PIANO"]
    steps = steps_of(song, "MELODY")
    assert np.allclose(steps, np.round(steps))  # every onset on a 16th step, through the tempo change
    # the pickup beat starts a bar with three silent beats: beat k of the song is step 4 * (k + 3)
    assert steps[0] == 4 * (1 + 3) and steps[-1] == 4 * (20.75 + 3)
    assert midi.time_signatures[0][1:] == (4, 4) and len(midi.tempos) == 2  # 0.5 s, then 0.62 s beats
    # played, the new file sounds as the old one does, shifted: its notes' seconds differ by one constant
    old = symusic.Score(str(src / "001" / "001.mid"), ttype="second").tracks[0].notes.numpy()["time"]
    new = symusic.Score(str(song), ttype="second").tracks[0].notes.numpy()["time"]
    assert np.allclose(new - old, float(rows["001"]["shift_s"]), atol=2e-3)
    spans = read_chord_file(out / "001" / "chord_midi.txt")
    assert [s.label for s in spans][:3] == ["N", "C:maj", "G:maj"]
    assert np.isclose(spans[1].start, 2.0, atol=1e-3)  # C starts on the first downbeat: bar 1, 4 beats of 0.5 s in


def test_existing_files_are_kept_and_bad_songs_refused_in_one_line(tmp_path):
    src = tmp_path / "POP909"
    four_four_song(src, "001")
    bad = four_four_song(src, "002")
    (bad / "beat_midi.txt").write_text("0.5 1 1\n0.4 0 0\n")
    out = tmp_path / "out"
    first = import_pop909(src, out, progress=False)
    assert first.written == 1 and first.refused[0][0] == "002" and "increase" in first.refused[0][1]
    mark = (out / "001" / "001.mid").stat().st_mtime_ns
    again = import_pop909(src, out, progress=False)
    assert again.existing == 1 and (out / "001" / "001.mid").stat().st_mtime_ns == mark
    with pytest.raises(Pop909Error):
        import_pop909(tmp_path / "nowhere", out, progress=False)
    with pytest.raises(Pop909Error):
        read_beats(bad / "beat_midi.txt")


def test_eighth_note_beats_make_6_8_and_a_missed_downbeat_two_bars(tmp_path):
    src = tmp_path / "POP909"
    beats = beat_times(36, slow_from=99)
    melody = [(60 + k % 3, float(k), 1.0) for k in range(36)]  # one note a beat: eighths in 6/8
    downbeats = [0, 6, 12, 24, 30]  # the downbeat at 18 is missing: a 12-beat gap is two bars
    write_song(src, "003", beats=beats, downbeats=downbeats, every_other=range(0, 36, 3), melody=melody,
               chords=[(0, 36, "D:min")])
    report = import_pop909(src, tmp_path / "out", progress=False)
    assert report.rows[0]["meter"] == "6/8" and report.rows[0]["odd_bars"] == 0
    midi = read_midi(tmp_path / "out" / "003" / "003.mid")
    assert [ts[1:] for ts in midi.time_signatures] == [(6, 8)]
    assert np.allclose(steps_of(tmp_path / "out" / "003" / "003.mid", "MELODY")[:4], [0, 2, 4, 6])  # a beat: 2 steps


def test_build_stores_chords_per_step_and_follows_the_split(tmp_path):
    src = tmp_path / "POP909"
    four_four_song(src, "001")
    four_four_song(src, "015", pitch=64, contour=7)  # a different tune: not grouped with 001 as a near-copy
    import_pop909(src, tmp_path / "out", progress=False)
    cfg = ExtractConfig(bars=2, track_names=("MELODY",))
    summary = build_dataset([str(tmp_path / "out")], tmp_path / "data", cfg, workers=1)
    assert summary.tunes == {"train": 1, "eval": 1}
    with np.load(tmp_path / "data" / "eval.npz") as held_out:
        assert set(held_out["files"][held_out["file_index"]]) == {str(tmp_path / "out" / "015" / "015.mid")}
    with np.load(tmp_path / "data" / "train.npz") as data:
        chords, start_bar = data["window_chords"], data["start_bar"]
        assert chords.shape == data["events"].shape and chords.dtype == np.uint8
        assert (data["window_track"] == 0).all()  # MELODY only
    song = {0: "N", 1: "C", 2: "G", 3: "Am", 4: "F", 5: "C", 6: "G7"}  # bar 0 is the pickup's bar
    for row, bar in zip(chords, start_bar):
        for k in range(2):
            want = parse_chord(song.get(bar + k, "N"))
            body = row[16 * k + 4: 16 * (k + 1)] if bar + k == 0 else row[16 * k: 16 * (k + 1)]
            assert (body == want).all() or (bar + k == 6 and (body[:8] == want).all())
    assert (chords[start_bar == 0][:, :12] == NO_CHORD).all()  # before the song's first chord: no chord


def test_track_option_and_files_without_chords(tmp_path):
    src = tmp_path / "POP909"
    four_four_song(src, "001")
    import_pop909(src, tmp_path / "out", progress=False)
    bridge = build_dataset([str(tmp_path / "out")], tmp_path / "bridge",
                           ExtractConfig(bars=2, track_names=("bridge",)), workers=1, eval_fraction=0.0)
    assert bridge.windows["train"] >= 1
    with np.load(tmp_path / "bridge" / "train.npz") as data:
        assert (data["window_track"] == 1).all()
    from musicvae_lite.music.sources import DatasetError

    with pytest.raises(DatasetError, match="no track named VOCALS"):
        build_dataset([str(tmp_path / "out")], tmp_path / "none", ExtractConfig(track_names=("VOCALS",)), workers=1)
    # a plain folder (no chord file, no info.csv): the dataset is as before, without window_chords
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.mid").write_bytes((tmp_path / "out" / "001" / "001.mid").read_bytes())
    build_dataset([str(plain)], tmp_path / "plain_data", ExtractConfig(bars=2), workers=1, eval_fraction=0.0)
    with np.load(tmp_path / "plain_data" / "train.npz") as data:
        assert "window_chords" not in data.files and len(data["events"])
    # beside a chorded file, a file without chords has UNKNOWN steps
    mixed = build_dataset([str(plain), str(tmp_path / "out")], tmp_path / "mixed", ExtractConfig(bars=2),
                          workers=1, eval_fraction=0.0, clean=False)
    assert mixed.tunes["train"] == 2
    with np.load(tmp_path / "mixed" / "train.npz") as data:
        plain_rows = data["window_chords"][data["files"][data["file_index"]] == str(plain / "a.mid")]
        assert len(plain_rows) and (plain_rows == UNKNOWN).all()


def test_bad_chord_file_skips_the_file_with_its_reason(tmp_path):
    src = tmp_path / "POP909"
    four_four_song(src, "001")
    four_four_song(src, "002")
    import_pop909(src, tmp_path / "out", progress=False)
    (tmp_path / "out" / "002" / "chord_midi.txt").write_text("0 1 C:maj\n1 2 Q:maj\n")
    build_dataset([str(tmp_path / "out")], tmp_path / "data", ExtractConfig(bars=2, track_names=("MELODY",)),
                  workers=1, eval_fraction=0.0)
    skipped = (tmp_path / "data" / "skipped.tsv").read_text()
    assert "bad-chord-file" in skipped and "line 2" in skipped and "002.mid" in skipped


def test_cli_imports_pop909_and_refuses_in_one_line(tmp_path):
    from musicvae_lite.cli import app

    src = tmp_path / "POP909"
    four_four_song(src, "001")
    runner = CliRunner()
    got = runner.invoke(app, ["data", "corpus", "pop909", str(src), "-o", str(tmp_path / "out"), "-q"])
    assert got.exit_code == 0, got.output
    assert "1 songs" in got.output and "train 1" in got.output and (tmp_path / "out" / "001" / "001.mid").exists()
    missing = runner.invoke(app, ["data", "corpus", "pop909", "-o", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "needs the folder" in missing.output and "Traceback" not in missing.output
    nowhere = runner.invoke(app, ["data", "corpus", "pop909", str(tmp_path / "nope"), "-o", str(tmp_path / "x")])
    assert nowhere.exit_code != 0 and "not a folder" in nowhere.output
    built = runner.invoke(app, ["data", "build", str(tmp_path / "out"), "-o", str(tmp_path / "d"), "--track", "MELODY",
                                "--workers", "1", "-q", "--eval-fraction", "0"])
    assert built.exit_code == 0, built.output
    with np.load(tmp_path / "d" / "train.npz") as data:
        assert "window_chords" in data.files


def test_files_an_info_csv_calls_test_never_enter_a_melody_dataset(tmp_path):
    src = tmp_path / "POP909"
    four_four_song(src, "001")
    four_four_song(src, "002", pitch=64, contour=7)
    out = tmp_path / "out"
    import_pop909(src, out, progress=False)
    info = (out / INFO).read_text().splitlines()
    (out / INFO).write_text("\n".join([info[0], info[1], info[2].replace(",train,", ",test,")]) + "\n")
    summary = build_dataset([str(out)], tmp_path / "data", ExtractConfig(bars=2, track_names=("MELODY",)), workers=1)
    assert summary.files_used == 1
    with np.load(tmp_path / "data" / "train.npz") as data:
        assert [Path(f).name for f in data["files"]] == ["001.mid"]
