"""Reading a MIDI file into plain numpy arrays, with every failure turned into a one-line reason.

Parsing is done by symusic (C++; Liao et al. 2024, https://github.com/Yikai-Liao/symusic), measured here
20-60x faster than pretty_midi/mido with the same notes on well-formed files. What symusic does not
check, we do: the header, the file size, and timing values no real piece has. Notes are paired from the
raw events by midi_notes.py, which keeps the re-articulations symusic drops and can pair as pretty_midi
does (compat mode).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


from musicvae_lite.music.errors import MidiReadError
from musicvae_lite.music.midi_notes import Track, read_note_tracks

__all__ = ["MidiData", "Track", "read_midi"]

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
        """The tempo at the start in quarters per minute, or None when the file sets none."""
        if not self.tempos or self.tempos[0][0] != 0:
            return None
        return 60_000_000.0 / self.tempos[0][1]


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
    import symusic  # deferred: keeps `import musicvae_lite` light

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
    data = _midi_payload(data, path)
    try:
        score = symusic.Score.from_midi(data)
    except Exception as e:  # symusic reports every parse failure as RuntimeError
        msg = str(e).replace("MiniMidi: ", "").replace(": iostream error", "").strip().rstrip("!.")
        if "EOF" in msg or "remaining bytes" in msg:
            raise MidiReadError(path, f"truncated MIDI ({msg})", kind="truncated") from None
        raise MidiReadError(path, f"corrupt MIDI ({msg})", kind="corrupt") from None
    return _from_score(score, path, data, pairing)


def _from_score(score, path: str, payload: bytes, pairing: str) -> MidiData:
    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise MidiReadError(path, f"unsupported time division ({tpq} ticks per quarter; SMPTE timing?)",
                            kind="corrupt")
    def by_tick(event):
        return event[0]

    # sorted stably: events on one tick keep the file's order (the last one is in force)
    tempos = sorted(((t.time, t.mspq) for t in score.tempos), key=by_tick)
    meters = sorted(((t.time, t.numerator, t.denominator) for t in score.time_signatures), key=by_tick)
    if any(mspq <= 0 for _, mspq in tempos):
        raise MidiReadError(path, "corrupt MIDI (a tempo of zero microseconds per quarter)", kind="corrupt")
    if any(n <= 0 or d <= 0 for _, n, d in meters):
        raise MidiReadError(path, "corrupt MIDI (a time signature of zero)", kind="corrupt")
    first, last = score.start(), score.end()  # every event's tick, in C++
    if first < 0 or last > MAX_QUARTERS * tpq:
        bad = first if first < 0 else last
        raise MidiReadError(
            path, f"absurd tick values (an event at tick {bad:,}, {bad / tpq:,.0f} quarters in); "
            "the file is likely corrupt", kind="absurd-ticks")
    return MidiData(path, tpq, tuple(tempos), tuple(meters), tuple(read_note_tracks(payload, pairing)), pairing)
