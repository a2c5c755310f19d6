"""Sanity checks of the magenta reference (benchmarks/magenta_reference.py) on tiny MIDI files."""

import sys
from pathlib import Path

import pretty_midi
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from magenta_reference import reference_pipeline_file, reference_windows  # noqa: E402

C_MAJOR = [60, 62, 64, 65, 67, 69, 71, 72]  # one quarter note each: 2 bars of 4/4


def write_midi(path, pitches, *, time_signature=None, is_drum=False, program=0, beat=0.5):
    """One instrument playing `pitches` as slightly detached quarter notes at 120 qpm."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    if time_signature is not None:
        midi.time_signature_changes.append(pretty_midi.TimeSignature(*time_signature, 0.0))
    instrument = pretty_midi.Instrument(program=program, is_drum=is_drum)
    for i, pitch in enumerate(pitches):
        instrument.notes.append(pretty_midi.Note(100, pitch, i * beat, i * beat + 0.9 * beat))
    midi.instruments.append(instrument)
    midi.write(str(path))
    return path


def quarters(pitches):
    """The expected encoded window: each pitch (class pitch - 19) held for 4 steps."""
    return tuple(e for p in pitches for e in (p - 21 + 2, 0, 0, 0))


def test_two_bar_scale_gives_one_known_window(tmp_path):
    path = write_midi(tmp_path / "scale.mid", C_MAJOR)
    assert reference_windows(path) == [quarters(C_MAJOR)]
    assert reference_pipeline_file(path) == ({quarters(C_MAJOR)}, None)


def test_windows_hop_one_bar(tmp_path):
    pitches = C_MAJOR + [74, 76, 77, 79]  # 3 bars -> windows at bars 0-1 and 1-2
    windows = reference_windows(write_midi(tmp_path / "scale3.mid", pitches))
    assert windows == sorted([quarters(pitches[:8]), quarters(pitches[4:])])
    assert all(len(w) == 32 and all(0 <= e < 90 for e in w) for w in windows)


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"time_signature": (3, 4)}, "3/4 gives 12 steps per bar"),
        ({"is_drum": True}, "only drum notes"),
        ({"program": 40}, "no notes with program"),  # violin: outside valid_programs 0..31
    ],
)
def test_files_magenta_skips_give_no_windows(tmp_path, kwargs, reason):
    path = write_midi(tmp_path / "skipped.mid", C_MAJOR * 2, **kwargs)
    assert reference_windows(path) == []
    result = reference_pipeline_file(path)
    assert result.windows == frozenset()
    assert reason in result.reason


def test_unreadable_file_gives_a_reason(tmp_path):
    path = tmp_path / "broken.mid"
    path.write_bytes(b"MThd not really a MIDI file")
    result = reference_pipeline_file(path)
    assert result.windows == frozenset()
    assert result.reason.startswith("MIDIConversionError")
