"""What each extracted window carries from its source (track, program, tempo, velocity -> Playback), which
track's windows come first, and the wording of the windows report."""

from __future__ import annotations

import mido
import numpy as np
import pytest

from midifiles import scale, write_midi
from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file
from musicvae_lite.music.errors import NoMelodyError
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file, track_order, window_table
from musicvae_lite.music.midi_read import read_midi
from musicvae_lite.music.playback import Playback


def line(bars=4, low=72, program=0, velocity=90):
    """A monophonic line of 8th notes (bars 4/4 bars) starting at pitch `low`."""
    return [(low + (i % 5), 2 * i, 2 * i + 2, 0, program, velocity) for i in range(8 * bars)]


def chords(bars=4, program=0):
    """Block chords on every beat: three notes struck together, lower than the line."""
    return [(p, 4 * b, 4 * b + 4, 1, program, 60) for b in range(4 * bars) for p in (48, 52, 55)]


def name_tracks(path, names):
    """Give the file's instrument tracks (after the conductor track) these names."""
    mid = mido.MidiFile(str(path))
    for track, name in zip(mid.tracks[1:], names):
        track.insert(0, mido.MetaMessage("track_name", name=name))
    mid.save(str(path))
    return path


@pytest.mark.parametrize("compat", [False, True])
def test_each_window_plays_back_as_its_source(tmp_path, compat):
    path = write_midi(tmp_path / "flute.mid", [line(program=73, velocity=93)], qpm=96)
    found = extract_file(path, ExtractConfig(compat=compat, max_program=127 if compat else None))
    assert len(found) > 1
    for i in range(len(found)):
        assert found.playback(i) == Playback(96.0, 73, 93)


def test_tempo_is_the_one_where_the_window_starts_and_is_rounded(tmp_path):
    # 631,579 us a quarter is 94.99998 qpm: shown and played as 95.0; the tempo changes to 60 at bar 3
    path = write_midi(tmp_path / "t.mid", [line(bars=4)], qpm=None)
    mid = mido.MidiFile(str(path))
    mid.tracks[0].insert(0, mido.MetaMessage("set_tempo", tempo=631_579, time=0))
    mid.tracks[0].append(mido.MetaMessage("set_tempo", tempo=1_000_000, time=2 * 4 * 480))
    mid.save(str(path))
    found = extract_file(path)
    assert read_midi(path).first_qpm == 95.0
    by_bar = {int(b): found.playback(i).qpm for i, b in enumerate(found.start_bar)}
    assert by_bar[0] == 95.0 and by_bar[1] == 95.0 and by_bar[2] == 60.0
    assert any(x.endswith(" 95  4/4") for x in window_table(path, found, 2))  # tempo, then the meter


def test_mean_velocity_is_that_of_the_window_s_notes(tmp_path):
    notes = [(60 + i, 2 * i, 2 * i + 2, 0, 0, 40 if i < 16 else 100) for i in range(32)]  # soft 2 bars, loud 2
    found = extract_file(write_midi(tmp_path / "v.mid", [notes]))
    by_bar = {int(b): found.playback(i).velocity for i, b in enumerate(found.start_bar)}
    assert by_bar[0] == 40 and by_bar[2] == 100 and by_bar[1] == 70


def test_the_lead_comes_first_even_after_a_chords_track(tmp_path):
    path = write_midi(tmp_path / "pop.mid", [chords(), line(low=74, program=80)])
    found = extract_file(path)
    assert found.track_name(0) == "" and int(found.track[0]) == 1  # tracks with notes: chords, lead
    assert found.playback(0).program == 80
    first_other = np.flatnonzero(found.track != 1)
    assert len(first_other) and (found.track[first_other[0]:] == 0).all()  # all the lead's windows first
    table = window_table(path, found, 2)
    assert table[1].startswith("tracks: 2 (program 80); 1 (program 0)")


def test_a_track_named_like_a_melody_wins_over_a_more_melodic_one(tmp_path):
    path = write_midi(tmp_path / "named.mid", [line(low=76), chords()])
    name_tracks(path, ["Flute", "Lead Vocal"])
    found = extract_file(path)
    assert found.track_name(0) == "Lead Vocal"
    tracks = [t for t in read_midi(path).tracks]
    assert [tracks[i].name for i in track_order(tracks)] == ["Lead Vocal", "Flute"]


def test_a_sparse_solo_line_does_not_beat_the_melody(tmp_path):
    # a 4-note monophonic track (under a tenth of the busiest's notes) and a melody with a few double stops
    melody = line(bars=8) + [(60, 8, 10, 0, 0, 90)]
    sparse = [(84, 16 * i, 16 * i + 4, 0, 0, 90) for i in range(4)]
    tracks = read_midi(write_midi(tmp_path / "s.mid", [sparse, melody, chords(bars=8)])).tracks
    assert track_order(list(tracks))[0] == 1


def test_report_wording_in_the_singular(tmp_path):
    found = extract_file(write_midi(tmp_path / "one.mid", [line(bars=2)]))
    assert len(found) == 1
    assert window_table(tmp_path / "one.mid", found, 2)[0].startswith("1 window of 2 bars in ")
    with pytest.raises(NoMelodyError) as e:
        extract_file(write_midi(tmp_path / "short.mid", [line(bars=1)]))
    assert "its melody lasts 1 bar" in str(e.value) and "1 bars" not in str(e.value)


@pytest.mark.parametrize("compat", [False, True])
def test_drum_windows_carry_tempo_velocity_and_track(tmp_path, compat):
    hits = [(36 if s % 4 == 0 else 42, s, s + 1, 9, 0, 100 if s % 4 == 0 else 50) for s in range(64)]
    path = write_midi(tmp_path / "d.mid", [[(72, 0, 2)], hits], qpm=84)
    name_tracks(path, ["Keys", "Kit"])
    found = extract_drum_file(path, DrumConfig(compat=compat))
    assert found.track_name(0) == "Kit" and int(found.track[0]) == 1
    expected = 100 if compat else round((4 * 100 + 12 * 50) / 16 * 1.0)  # compat: hits only, default 100
    assert found.playback(0) == Playback(84.0, 0, expected)
