"""Notes paired from raw MIDI events (music/midi_notes.py): the two rules on the cases where readers
disagree, and what they mean for the windows."""

from __future__ import annotations

import mido
import numpy as np
import pytest

from musicvae_lite.music.melody.encoding import NOTE_OFF, pitch_to_class
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file
from musicvae_lite.music.midi_read import read_midi

TPQ = 480
STEP = TPQ // 4


def raw_file(path, events, tpq=TPQ):
    """A type-0 file from (tick, kind, pitch, velocity) in the given order; kind 'on' or 'off'."""
    mid = mido.MidiFile(type=0, ticks_per_beat=tpq)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
    now = 0
    for tick, kind, pitch, velocity in events:
        track.append(mido.Message("note_on" if kind == "on" else "note_off", note=pitch, velocity=velocity,
                                  time=tick - now))
        now = tick
    mid.save(str(path))
    return path


def notes(path, pairing):
    return sorted((int(s), int(e), int(p)) for t in read_midi(path, pairing=pairing).tracks
                  for s, e, p in zip(t.start, t.end, t.pitch))


RETRIGGER = [(0, "on", 60, 90), (4 * STEP, "on", 60, 90), (8 * STEP, "off", 60, 0)]


@pytest.mark.parametrize("pairing", ["fifo", "pretty_midi"])
def test_a_retriggered_pitch_without_its_own_note_off_is_kept(tmp_path, pairing):
    path = raw_file(tmp_path / "r.mid", RETRIGGER)
    assert notes(path, pairing) == [(0, 8 * STEP, 60), (4 * STEP, 8 * STEP, 60)]


def test_one_note_off_per_note_on_pairs_oldest_first_or_ends_all(tmp_path):
    path = raw_file(tmp_path / "two.mid", [(0, "on", 60, 90), (4 * STEP, "on", 60, 90), (8 * STEP, "off", 60, 0),
                                           (12 * STEP, "off", 60, 0)])
    assert notes(path, "fifo") == [(0, 8 * STEP, 60), (4 * STEP, 12 * STEP, 60)]
    assert notes(path, "pretty_midi") == [(0, 8 * STEP, 60), (4 * STEP, 8 * STEP, 60)]  # the 2nd off finds nothing


@pytest.mark.parametrize("order", ["off first", "on first"])
def test_a_note_off_on_the_tick_of_a_new_note_on_ends_only_the_old_note(tmp_path, order):
    off, on = (4 * STEP, "off", 60, 0), (4 * STEP, "on", 60, 80)
    events = [(0, "on", 60, 90), *((off, on) if order == "off first" else (on, off)), (8 * STEP, "off", 60, 0)]
    path = raw_file(tmp_path / "t.mid", events)
    for pairing in ("fifo", "pretty_midi"):
        assert notes(path, pairing) == [(0, 4 * STEP, 60), (4 * STEP, 8 * STEP, 60)], pairing


def test_zero_length_and_never_closed_notes(tmp_path):
    path = raw_file(tmp_path / "z.mid", [(0, "on", 62, 90), (0, "off", 62, 0), (STEP, "on", 64, 90),
                                         (2 * STEP, "off", 64, 0), (2 * STEP, "on", 36, 90), (6 * STEP, "on", 67, 1)])
    assert notes(path, "pretty_midi") == [(STEP, 2 * STEP, 64)]  # pretty_midi drops both
    # fifo keeps what symusic keeps, and a note-on never closed sounds to its track's end
    assert notes(path, "fifo") == [(0, 0, 62), (STEP, 2 * STEP, 64), (2 * STEP, 6 * STEP, 36)]


def test_velocity_names_and_channels_make_tracks(tmp_path):
    mid = mido.MidiFile(type=1, ticks_per_beat=TPQ)
    a = mido.MidiTrack([mido.MetaMessage("track_name", name="fiddle"),
                        mido.Message("note_on", channel=1, note=70, velocity=33, time=0),
                        mido.Message("note_on", channel=0, note=60, velocity=99, time=0),
                        mido.Message("note_off", channel=0, note=60, time=TPQ),
                        mido.Message("note_off", channel=1, note=70, time=0),
                        mido.Message("program_change", channel=0, program=40, time=0),
                        mido.Message("note_on", channel=0, note=62, velocity=50, time=0),
                        mido.Message("note_off", channel=0, note=62, time=TPQ)])
    mid.tracks.append(a)
    mid.save(str(tmp_path / "m.mid"))
    tracks = read_midi(tmp_path / "m.mid").tracks
    assert [(t.program, t.name, t.pitch.tolist(), t.velocity.tolist()) for t in tracks] == [
        (0, "fiddle", [60], [99]), (40, "fiddle", [62], [50]), (0, "fiddle", [70], [33])]


def test_the_default_mode_keeps_the_re_articulation(tmp_path):
    """The minimal case of the any-style issue: music21's double stop. Before, the onset at step 4 was lost."""
    path = raw_file(tmp_path / "r.mid", [*RETRIGGER, (16 * STEP, "on", 62, 90), (32 * STEP, "off", 62, 0)])
    for cfg in (ExtractConfig(), ExtractConfig(compat=True)):
        (window,) = extract_file(path, cfg).events
        want = np.zeros(32, np.uint8)
        want[[0, 4]] = pitch_to_class(60)
        want[8] = NOTE_OFF
        want[16] = pitch_to_class(62)
        np.testing.assert_array_equal(window, want)


def test_compat_extraction_refuses_notes_paired_the_other_way(tmp_path):
    from musicvae_lite.music.melody.extract import extract_midi

    path = raw_file(tmp_path / "r.mid", RETRIGGER)
    with pytest.raises(ValueError, match="pairing='pretty_midi'"):
        extract_midi(read_midi(path), ExtractConfig(compat=True))


def _long_track_file(path, seed, rare=160):
    """A long type-1 file mixing everything a track can hold between its notes: running status, long
    delta times, controllers, pitch bends, aftertouch, program changes, meta and sysex events."""
    rng = np.random.default_rng(seed)
    mid = mido.MidiFile(type=1, ticks_per_beat=TPQ)
    for _ in range(2):
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name="long"))
        for _ in range(3000):
            kind = rng.integers(0, rare)  # kinds 0-6 are not notes: one event in rare/7
            time = int(rng.choice([0, 1, 60, 200, 3000, 20000], p=[0.3, 0.2, 0.2, 0.2, 0.08, 0.02]))
            channel = int(rng.integers(0, 3))
            if kind == 0:
                track.append(mido.MetaMessage("set_tempo", tempo=int(rng.integers(300000, 900000)), time=time))
            elif kind == 1:
                track.append(mido.Message("program_change", channel=channel, program=int(rng.integers(0, 128)), time=time))
            elif kind == 2:
                track.append(mido.Message("control_change", channel=channel, control=7, value=100, time=time))
            elif kind == 3:
                track.append(mido.Message("pitchwheel", channel=channel, pitch=int(rng.integers(-8192, 8191)), time=time))
            elif kind == 4:
                track.append(mido.Message("aftertouch", channel=channel, value=50, time=time))
            elif kind == 5:
                track.append(mido.Message("sysex", data=[1, 2, 3], time=time))
            elif kind == 6:
                track.append(mido.MetaMessage("time_signature", numerator=3, denominator=4, time=time))
            else:
                on = kind % 2 == 0
                track.append(mido.Message("note_on", channel=channel, note=int(rng.integers(40, 80)),
                                          velocity=int(rng.integers(1, 127)) if on else 0, time=time))
        mid.tracks.append(track)
    mid.save(str(path))
    return path


@pytest.mark.parametrize("seed,rare", [(0, 160), (1, 160), (2, 4000), (3, 4000)])
def test_the_vectorized_scan_reads_what_the_python_scan_reads(tmp_path, seed, rare, monkeypatch):
    from musicvae_lite.music import midi_notes

    path = _long_track_file(tmp_path / "long.mid", seed, rare)
    fast = read_midi(path, pairing="fifo")
    monkeypatch.setattr(midi_notes, "VECTOR_MIN_BYTES", 10**12)  # never vectorized
    slow = read_midi(path, pairing="fifo")
    assert fast.tempos == slow.tempos and fast.time_signatures == slow.time_signatures
    assert len(fast.tracks) == len(slow.tracks) > 2
    for a, b in zip(fast.tracks, slow.tracks):
        assert (a.program, a.is_drum, a.name) == (b.program, b.is_drum, b.name)
        for field in ("start", "end", "pitch", "velocity"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field
