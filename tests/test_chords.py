"""Tests for musicvae_lite.music.chords: the chord vocabulary, POP909's chord files, the --chords syntax."""

from __future__ import annotations

import numpy as np
import pytest

from musicvae_lite.errors import OverwriteError
from musicvae_lite.music.chords import (
    NO_CHORD,
    NUM_CHORDS,
    QUALITIES,
    ChordError,
    ChordSpan,
    chord_class,
    chord_file_for,
    chord_label,
    chord_name,
    chord_quality,
    chord_root,
    chord_tone_table,
    chords_on_steps,
    describe_steps,
    fit_steps,
    parse_chord,
    parse_progression,
    pitch_classes,
    read_chord_file,
    seconds_to_ticks,
    write_chord_file,
)

# every label kind POP909's chord_midi.txt files use, and the quality it folds to (module docstring)
POP909_KINDS = {
    "maj": "maj", "min": "min", "sus2": "sus2", "min7": "min", "sus4": "sus4", "maj/3": "maj", "maj/5": "maj",
    "min/b3": "min", "maj7": "maj", "min/5": "min", "sus4(b7)": "sus4", "min7/b7": "min", "maj7/7": "maj",
    "7": "7", "maj6": "maj", "dim": "dim", "7/b7": "7", "maj7/3": "maj", "maj7/5": "maj", "hdim7": "dim",
    "7/5": "7", "aug": "aug", "min7/5": "min", "min6": "min", "7/3": "7", "dim7": "dim", "minmaj7": "min",
}


def test_vocabulary_is_85_classes_with_distinct_names_that_parse_back():
    assert NUM_CHORDS == 85 and len(QUALITIES) == 7
    names = [chord_name(c) for c in range(NUM_CHORDS)]
    assert len(set(names)) == NUM_CHORDS
    assert [parse_chord(n) for n in names] == list(range(NUM_CHORDS))
    assert [parse_chord(chord_label(c)) for c in range(NUM_CHORDS)] == list(range(NUM_CHORDS))


@pytest.mark.parametrize("kind, quality", sorted(POP909_KINDS.items()))
def test_every_pop909_label_kind_folds(kind, quality):
    cls = parse_chord(f"Eb:{kind}")
    assert chord_root(cls) == 3 and chord_quality(cls) == quality


@pytest.mark.parametrize("name, root, quality", [
    ("C", 0, "maj"), ("Am", 9, "min"), ("G7", 7, "7"), ("F#dim", 6, "dim"), ("Bb/D", 10, "maj"),
    ("Ebaug", 3, "aug"), ("Dsus2", 2, "sus2"), ("Esus", 4, "sus4"), ("Cmaj7", 0, "maj"), ("Dm7b5", 2, "dim"),
    ("C#m7", 1, "min"), ("Cb", 11, "maj"), ("a:min", 9, "min"), ("G9", 7, "7"), ("B-", 11, "min"),
])
def test_lead_sheet_names(name, root, quality):
    cls = parse_chord(name)
    assert (chord_root(cls), chord_quality(cls)) == (root, quality)


def test_no_chord_and_pitch_classes():
    assert parse_chord("N") == parse_chord("NC") == NO_CHORD
    assert not pitch_classes(NO_CHORD).any()
    assert np.flatnonzero(pitch_classes(parse_chord("Am"))).tolist() == [0, 4, 9]
    assert np.flatnonzero(pitch_classes(parse_chord("G7"))).tolist() == [2, 5, 7, 11]
    table = chord_tone_table()
    assert table.shape == (NUM_CHORDS, 12) and table[1:].sum(axis=1).min() == 3


@pytest.mark.parametrize("bad", ["H", "Cxyz", "C#b#", "", "7"])
def test_unknown_chord_names_it(bad):
    with pytest.raises(ChordError) as err:
        parse_chord(bad)
    assert repr(bad) in str(err.value) and "\n" not in str(err.value)


def test_progression_one_chord_a_bar():
    steps = parse_progression("C G Am F")
    assert steps.dtype == np.uint8 and len(steps) == 64
    assert describe_steps(steps) == ["C", "G", "Am", "F"]
    assert (steps[:16] == chord_class(0, "maj")).all() and (steps[48:] == chord_class(5, "maj")).all()


def test_progression_bars_and_beats():
    assert describe_steps(parse_progression("C G | Am F")) == ["C G", "Am F"]
    split = parse_progression("C G | Am")
    assert (split[:8] == parse_chord("C")).all() and (split[8:16] == parse_chord("G")).all()
    assert describe_steps(parse_progression("C:2 G:2 Am:4")) == ["C G", "Am"]
    mixed = parse_progression("C G:1 | F")
    assert (mixed[:12] == parse_chord("C")).all() and (mixed[12:16] == parse_chord("G")).all()
    assert len(parse_progression("C D", steps_per_bar=12)) == 24  # bars of 3/4


@pytest.mark.parametrize("bad, token", [("C H Am", "'H'"), ("C:0 G", "'C:0'"), ("C:5 G | F", "bar 1"),
                                        ("C | | G", "bar 2"), ("C:0.3", "'C:0.3'"), ("  ", "no chords")])
def test_bad_progressions_are_one_line_naming_the_token(bad, token):
    with pytest.raises(ChordError) as err:
        parse_progression(bad)
    assert token in str(err.value) and "\n" not in str(err.value)


def test_fit_steps_repeats_or_cuts_with_a_notice():
    chords = parse_progression("C G")
    same, note = fit_steps(chords, 32)
    assert note is None and (same == chords).all()
    longer, note = fit_steps(chords, 80)
    assert "repeated" in note and len(longer) == 80 and (longer[64:80] == chords[:16]).all()
    shorter, note = fit_steps(chords, 20)
    assert "cut" in note and (shorter == chords[:20]).all()


def test_chord_file_round_trip_and_errors(tmp_path):
    path = tmp_path / "song.chords.txt"
    write_chord_file(path, [(0.0, 1.5, "C:maj"), ChordSpan(1.5, 3.0, "A:min7/b7"), (3.0, 4.0, "N")])
    spans = read_chord_file(path)
    assert [(s.start, s.end, s.label) for s in spans] == [(0.0, 1.5, "C:maj"), (1.5, 3.0, "A:min7/b7"), (3.0, 4.0, "N")]
    assert [s.cls for s in spans] == [parse_chord("C"), parse_chord("Am"), NO_CHORD]
    with pytest.raises(OverwriteError):
        write_chord_file(path, spans)
    with pytest.raises(ChordError):
        write_chord_file(tmp_path / "bad.txt", [(0.0, 1.0, "Q:maj")])
    assert not (tmp_path / "bad.txt").exists()
    for text, needle in [("0 1 C:maj\n1 2\n", "line 2"), ("0 1 C:maj\n2 1 G:maj\n", "line 2"),
                         ("0 1 Z:maj\n", "line 1"), ("a b C\n", "line 1")]:
        bad = tmp_path / "bad.chords.txt"
        bad.write_text(text)
        with pytest.raises(ChordError) as err:
            read_chord_file(bad)
        assert needle in str(err.value) and "\n" not in str(err.value)


def test_chord_file_for_beside_a_midi_file(tmp_path):
    a, b = tmp_path / "a.mid", tmp_path / "b.mid"
    a.write_bytes(b"")
    assert chord_file_for(a) is None
    (tmp_path / "chord_midi.txt").write_text("0 1 C:maj\n")
    assert chord_file_for(a) == tmp_path / "chord_midi.txt"  # POP909's layout: the folder's one MIDI file
    b.write_bytes(b"")
    assert chord_file_for(a) is None  # two MIDI files: whose would it be?
    (tmp_path / "a.chords.txt").write_text("0 1 C:maj\n")
    assert chord_file_for(a) == tmp_path / "a.chords.txt"


def test_seconds_to_ticks_follows_the_tempo_map():
    tempos = ((0, 500_000), (960, 1_000_000))  # 120 qpm for two quarters (1 s), then 60 qpm
    ticks = seconds_to_ticks(np.array([0.0, 0.5, 1.0, 2.0, 3.0]), tempos, 480)
    assert np.allclose(ticks, [0, 480, 960, 1440, 1920])
    assert np.allclose(seconds_to_ticks(np.array([1.0]), (), 480), [960])  # no tempo: MIDI's 120 qpm


def test_chords_on_steps_covers_spans_rounded_to_steps():
    tempos = ((0, 600_000),)  # 100 qpm: a 16th is 0.15 s
    spans = [ChordSpan(0.6, 1.2, "G:maj"), ChordSpan(1.2, 2.4, "E:min"), ChordSpan(2.41, 9.0, "C:maj")]
    steps = chords_on_steps(spans, tempos, 480, 24)
    assert (steps[:4] == NO_CHORD).all()
    assert (steps[4:8] == parse_chord("G")).all() and (steps[8:16] == parse_chord("Em")).all()
    assert (steps[16:] == parse_chord("C")).all()


def _song_with_piano(path, progression=((48, 52, 55), (43, 47, 50), (45, 48, 52), (41, 45, 48))):
    """A melody track and a piano track holding one triad a bar (default C, G, Am, F), at 120 qpm."""
    from tests.midifiles import write_midi

    melody = [(72 + (k % 3) * 2, 2 * k, 2 * k + 2) for k in range(8 * len(progression))]
    piano = [(p, 16 * bar, 16 * bar + 16) for bar, chord in enumerate(progression) for p in chord]
    return write_midi(path, [melody, piano])


def test_heard_chords_follow_the_piano_and_write_a_chord_file(tmp_path):
    from musicvae_lite.music.melody.hear_chords import hear_chords

    heard = hear_chords(_song_with_piano(tmp_path / "song.mid"))
    assert heard.lines() == ["bar 1: C", "bar 2: G", "bar 3: Am", "bar 4: F"]
    spans = heard.spans()
    assert [s.label for s in spans] == ["C:maj", "G:maj", "A:min", "F:maj"]
    assert np.allclose([s.start for s in spans], [0, 2, 4, 6])  # 4/4 at 120 qpm: 2 s a bar
    minor = hear_chords(_song_with_piano(tmp_path / "minor.mid", ((45, 48, 52), (40, 44, 47, 50))))
    assert minor.lines() == ["bar 1: Am", "bar 2: E7"]


def test_chords_cli_prints_bars_and_refuses_a_lone_melody(tmp_path):
    from typer.testing import CliRunner

    from musicvae_lite.cli import app
    from tests.midifiles import write_midi

    runner = CliRunner()
    song = _song_with_piano(tmp_path / "song.mid")
    got = runner.invoke(app, ["chords", str(song), "-o", str(tmp_path / "song.chords.txt")])
    assert got.exit_code == 0, got.output
    assert "bar 3: Am" in got.output and [s.label for s in read_chord_file(tmp_path / "song.chords.txt")][0] == "C:maj"
    again = runner.invoke(app, ["chords", str(song), "-o", str(tmp_path / "song.chords.txt")])
    assert again.exit_code != 0 and "already exists" in again.output
    lone = write_midi(tmp_path / "lone.mid", [[(60, 0, 4), (62, 4, 8)]])
    refused = runner.invoke(app, ["chords", str(lone)])
    assert refused.exit_code != 0 and "nothing to hear chords from" in refused.output
    assert "Traceback" not in refused.output and len(refused.output.strip().splitlines()) == 1
