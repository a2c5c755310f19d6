"""Reading a MIDI file into plain numpy arrays, with every failure turned into a one-line reason.

One pass over the raw events (midi_notes.scan_midi) gives the tempos, time signatures, track names and
notes, paired by a rule we choose (pretty_midi's in compat mode; keeping the re-articulations that
symusic drops in the default mode). Checked here: the header, the file size, and timing values no real
piece has. A file the scan finds irregular is refused when symusic (C++; Liao et al. 2024,
https://github.com/Yikai-Liao/symusic), the strict reader that parsed every file before, refuses it too,
so the set of files accepted is the one it always was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


from musicvae_lite.music.errors import MidiReadError
from musicvae_lite.music.midi_notes import RawMidi, Track, note_tracks, scan_midi

__all__ = ["MidiData", "Track", "describe_tracks", "midi_from_bytes", "read_midi"]

MAX_FILE_BYTES = 32 * 1024 * 1024  # the largest real-world MIDI files are a few MB
MAX_QUARTERS = 50_000  # ~7 hours at 120 qpm: a file whose events lie beyond this is corrupt


@dataclass(frozen=True)
class MidiData:
    """The parts of a MIDI file that melody extraction needs, in ticks."""

    path: str
    ticks_per_quarter: int
    tempos: tuple[tuple[int, int], ...]  # (tick, microseconds per quarter), sorted by tick
    time_signatures: tuple[tuple[int, int, int], ...]  # (tick, numerator, denominator), sorted by tick
    tracks: tuple[Track, ...]
    pairing: str = "fifo"  # how note-ons and note-offs became notes (midi_notes.PAIRINGS)

    @property
    def first_qpm(self) -> float | None:
        """The tempo at the start in quarters per minute, rounded to 0.01 (631,578 us a quarter is 95.0
        qpm, not 95.0001), or None when the file sets none."""
        if not self.tempos or self.tempos[0][0] != 0:
            return None
        return round(60_000_000.0 / self.tempos[0][1], 2)


def describe_tracks(midi: MidiData) -> tuple[str, ...]:
    """A label for each track of a file, numbered from 1 in file order, for `mvae windows`."""
    labels = []
    for i, t in enumerate(midi.tracks, start=1):
        name = " ".join(t.name.split())[:40]
        kind = "drums" if t.is_drum else f"program {t.program}"
        labels.append(f"{i} {name} ({kind})" if name else f"{i} ({kind})")
    return tuple(labels)


def _midi_payload(data: bytes, path: str) -> bytes:
    """The standard MIDI bytes of `data`: checked header, RIFF/RMID wrapper removed."""
    if not data:
        raise MidiReadError(path, "empty file", kind="empty")
    if data[:4] == b"RIFF" and data[8:12] == b"RMID":
        at = data.find(b"MThd")
        if at < 0:
            raise MidiReadError(path, "RIFF-MIDI file without a MIDI header", kind="not-midi")
        data = data[at:]
    if data[:4] != b"MThd":
        raise MidiReadError(path, "not a MIDI file (no MThd header)", kind="not-midi")
    if len(data) < 14:
        raise MidiReadError(path, "truncated MIDI header", kind="corrupt")
    return data


def read_midi(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES, pairing: str = "fifo") -> MidiData:
    """Parse `path`; raise `MidiReadError` with the reason when it is not a usable MIDI file.

    pairing: "fifo" (the default mode) or "pretty_midi" (compat mode); see midi_notes.py."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                raise MidiReadError(
                    path, f"file too large ({size / 2**20:.0f} MiB; the limit is "
                    f"{max_bytes / 2**20:.0f} MiB)", kind="too-large")
            data = f.read()
    except FileNotFoundError:
        raise MidiReadError(path, "no such file", kind="missing") from None
    except IsADirectoryError:
        raise MidiReadError(path, "is a folder, not a MIDI file", kind="not-midi") from None
    except OSError as e:
        raise MidiReadError(path, f"cannot read: {e.strerror or e}", kind="unreadable") from None
    return midi_from_bytes(data, path, pairing)


def midi_from_bytes(data: bytes, path: str = "<bytes>", pairing: str = "fifo") -> MidiData:
    """`read_midi` of bytes already read: one scan of the events (midi_notes.scan_midi)."""
    payload = _midi_payload(data, path)
    raw = scan_midi(payload)
    tracks = note_tracks(raw, pairing)
    if raw.problem is not None:
        _check_irregular(payload, path, raw.problem)
    return _checked(raw, path, tracks, pairing)


def _check_irregular(payload: bytes, path: str, problem: tuple[str, str]) -> None:
    """A file the scan found irregular (a track longer than the file, an unknown status byte, ...):
    refused when symusic, the strict reader this toolkit always relied on, refuses it too, so that what
    is accepted has not changed; read leniently otherwise. Only such files pay for a second parse."""
    import symusic  # deferred: irregular files only

    try:
        symusic.Score.from_midi(payload)
    except Exception:  # symusic reports every parse failure as RuntimeError or ValueError
        kind, reason = problem
        raise MidiReadError(path, f"not a readable MIDI file ({reason}); re-export it from the program "
                            "that made it, or leave it out", kind=kind) from None


def _checked(raw: RawMidi, path: str, tracks: list[Track], pairing: str) -> MidiData:
    """The scan's results as MidiData, after the checks for values no real piece has."""
    tpq = raw.division
    if tpq <= 0 or tpq & 0x8000:
        raise MidiReadError(path, f"unsupported time division (0x{tpq:04X}: SMPTE timing, not ticks per "
                            "quarter); re-export it with musical timing", kind="corrupt")

    def by_tick(event):
        return event[0]

    # sorted stably: events on one tick keep the file's order (the last one is in force)
    tempos = sorted(raw.tempos, key=by_tick)
    meters = sorted(raw.meters, key=by_tick)
    if any(mspq <= 0 for _, mspq in tempos):
        raise MidiReadError(path, "not a usable MIDI file (a tempo of zero microseconds per quarter)",
                            kind="corrupt")
    if any(n <= 0 or d <= 0 for _, n, d in meters):
        raise MidiReadError(path, "not a usable MIDI file (a time signature of zero)", kind="corrupt")
    last = max([raw.last_tick] + [int(t.end.max()) for t in tracks if len(t.end)])
    if last > MAX_QUARTERS * tpq:
        raise MidiReadError(
            path, f"absurd tick values (an event at tick {last:,}, {last / tpq:,.0f} quarters in); "
            "the file is likely corrupt", kind="absurd-ticks")
    return MidiData(path, tpq, tuple(tempos), tuple(meters), tuple(tracks), pairing)
