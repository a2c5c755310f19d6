"""A MIDI file's notes, paired from its raw note-on and note-off events by a rule we choose.

symusic reads everything else (midi_read.py), but it pairs notes one way only: each note-off ends the
oldest open note of its key (channel and pitch), and a note-on that no note-off is left to end is
dropped. music21 writes exactly that for ABC chords and double stops (two note-ons of one pitch, then
one note-off), so a re-articulated pitch vanished from our windows, while magenta's pipeline (pretty_midi)
keeps it. Here the track chunks are scanned again (about a microsecond an event in Python: compat
extraction of Essen and Bach runs at about half its former speed, still 18x note-seq's; see the README's
benchmarks) and the notes paired by one of two rules:

* `fifo` (the default mode): each note-off ends the oldest open note of its key, as symusic and most
  sequencers pair them. A note-on left open by that rule is a re-articulation, not noise: it ends at
  the next note-off of its key, or else at the next note-on of its key, or else at the end of its track
  (dropped if that is where it starts). Paired notes of zero length are kept, as symusic keeps them.
* `pretty_midi` (compat mode): pretty_midi 0.2's rule, which note-seq's `midi_to_note_sequence` inherits:
  one note-off ends every open note of its key that did not start on that very tick; note-offs with
  nothing open are ignored; notes still open at the end of the track, and notes that end on the tick
  they start, are dropped; the instrument is the channel's program when the note ends.

Notes are grouped into tracks per chunk, channel and program, as both libraries group them; within a
track they keep the order of their note-ons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

PAIRINGS = ("fifo", "pretty_midi")
DRUM_CHANNEL = 9


@dataclass(frozen=True)
class Track:
    """One instrument part: notes as parallel int64 arrays of ticks and pitches."""

    program: int  # General MIDI program 0..127
    is_drum: bool  # channel 10 percussion
    start: np.ndarray  # (n,) note-on tick
    end: np.ndarray  # (n,) note-off tick (>= start)
    pitch: np.ndarray  # (n,) MIDI pitch 0..127 (int8 as symusic gives it)
    name: str = ""  # the track's name in the file, if it has one
    velocity: np.ndarray | None = None  # (n,) note-on velocity 1..127 (None where a caller built the track)


@dataclass
class _Chunk:
    """One track chunk's note events in file order, flat: tick, channel, pitch, velocity, program for
    each (velocity 0 for a note-off); and the last track name it sets."""

    flat: list[int] = field(default_factory=list)
    name: str = ""
    end_tick: int = 0


def _vlq(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos


_SYSTEM_LENGTH = {0xF1: 1, 0xF2: 2, 0xF3: 1}  # system common messages (invalid in files, read anyway)


def _scan_chunk(data: bytes, pos: int, end: int) -> _Chunk:
    """One chunk's note events. The loop is written for speed (about 1 us an event): one-byte delta
    times and note events under running status take the shortest path."""
    chunk = _Chunk()
    extend = chunk.flat.extend
    programs = [0] * 16
    tick = status = 0
    try:
        while pos < end:
            byte = data[pos]
            pos += 1
            if byte < 0x80:
                tick += byte
            else:
                delta = byte & 0x7F
                while byte >= 0x80:
                    byte = data[pos]
                    pos += 1
                    delta = (delta << 7) | (byte & 0x7F)
                tick += delta
            byte = data[pos]
            if byte >= 0x80:
                pos += 1
                if byte >= 0xF0:
                    if byte == 0xFF:
                        kind = data[pos]
                        length, pos = _vlq(data, pos + 1)
                        if kind == 0x2F:  # end of track
                            break
                        if kind == 0x03:
                            chunk.name = data[pos:pos + length].decode("latin-1")
                        pos += length
                    elif byte == 0xF0 or byte == 0xF7:
                        length, pos = _vlq(data, pos)
                        pos += length
                    else:
                        pos += _SYSTEM_LENGTH.get(byte, 0)
                    continue
                status = byte
            high = status & 0xF0
            if high == 0x90:
                channel = status & 0x0F
                extend((tick, channel, data[pos] & 0x7F, data[pos + 1] & 0x7F, programs[channel]))
                pos += 2
            elif high == 0x80:
                channel = status & 0x0F
                extend((tick, channel, data[pos] & 0x7F, 0, programs[channel]))
                pos += 2
            elif high == 0xC0:
                programs[status & 0x0F] = data[pos] & 0x7F
                pos += 1
            elif high == 0xD0:
                pos += 1
            elif high:
                pos += 2
            else:  # a data byte with no running status before it: nothing more can be read here
                break
    except IndexError:  # a truncated chunk: keep what was read (symusic accepted the file)
        pass
    chunk.end_tick = tick
    return chunk


def _chunks(payload: bytes) -> list[_Chunk]:
    """Every MTrk chunk of a checked MIDI payload (starting with its MThd header)."""
    pos = 8 + int.from_bytes(payload[4:8], "big")
    chunks = []
    while pos + 8 <= len(payload):
        kind = payload[pos:pos + 4]
        length = int.from_bytes(payload[pos + 4:pos + 8], "big")
        pos += 8
        end = min(pos + length, len(payload))
        if kind == b"MTrk":
            chunks.append(_scan_chunk(payload, pos, end))
        pos = end
    return chunks


# A note while pairing: (on index, start, end, pitch, velocity, program, channel)
_Note = tuple[int, int, int, int, int, int, int]


def _by_key(events: list) -> dict[tuple[int, int], list[int]]:
    """Event indices per key (channel, pitch), in file order."""
    keys: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, event in enumerate(events):
        keys[(event[1], event[2])].append(i)
    return keys


def _events(chunk: _Chunk) -> list[tuple[int, int, int, int, int]]:
    return list(zip(*[iter(chunk.flat)] * 5))


def _pair_fifo(chunk: _Chunk) -> list[_Note]:
    events = _events(chunk)
    notes: list[_Note] = []
    for (channel, pitch), indices in _by_key(events).items():
        opened: list[int] = []  # positions in `indices` of open note-ons, oldest first
        for k, i in enumerate(indices):
            if events[i][3]:
                opened.append(k)
            elif opened:
                on = indices[opened.pop(0)]
                notes.append((on, events[on][0], events[i][0], pitch, events[on][3], events[on][4], channel))
        for k in opened:  # a re-articulation: ends at its key's next note-off, else next note-on, else the track's end
            on = indices[k]
            start = events[on][0]
            later = [events[i] for i in indices[k + 1:] if events[i][0] > start]
            offs = [e[0] for e in later if not e[3]]
            end = offs[0] if offs else (later[0][0] if later else chunk.end_tick)
            if end > start:
                notes.append((on, start, end, pitch, events[on][3], events[on][4], channel))
    return notes


def _pair_pretty_midi(chunk: _Chunk) -> list[_Note]:
    events = _events(chunk)
    notes: list[_Note] = []
    for (channel, pitch), indices in _by_key(events).items():
        opened: list[int] = []
        for i in indices:
            tick, _, _, velocity, program = events[i]
            if velocity:
                opened.append(i)
            elif opened:
                closed = [on for on in opened if events[on][0] != tick]
                notes += [(on, events[on][0], tick, pitch, events[on][3], program, channel) for on in closed]
                opened = [on for on in opened if events[on][0] == tick] if closed else []
    return notes


def _pair_alternating(chunk: _Chunk, pairing: str) -> np.ndarray | None:
    """The common case, vectorized: every key's events alternate note-on, note-off, starting with a
    note-on and ending with a note-off. Then both rules pair each note-on with the note-off after it
    (pretty_midi then drops the notes that end where they start, and takes the program at the
    note-off). None when the chunk is not like that."""
    ev = np.array(chunk.flat, np.int64).reshape(-1, 5)  # tick, channel, pitch, velocity, program
    n = len(ev)
    if n % 2:
        return None
    keys = ev[:, 1] * 128 + ev[:, 2]  # channel and pitch
    order = np.lexsort((np.arange(n), keys))  # by key, then file order
    is_on = ev[order, 3] > 0
    key = keys[order]
    if not (is_on[0::2].all() and not is_on[1::2].any() and (key[0::2] == key[1::2]).all()):
        return None
    on, off = order[0::2], order[1::2]
    notes = np.stack([on, ev[on, 0], ev[off, 0], ev[on, 2], ev[on, 3],
                      ev[off if pairing == "pretty_midi" else on, 4], ev[on, 1]], axis=1)
    if pairing == "pretty_midi":
        notes = notes[notes[:, 2] != notes[:, 1]]
    return notes


def read_note_tracks(payload: bytes, pairing: str = "fifo") -> list[Track]:
    """The notes of a checked MIDI payload as tracks, one per chunk, channel and program (see the
    module's docstring for `pairing`)."""
    if pairing not in PAIRINGS:
        raise ValueError(f"pairing must be one of {PAIRINGS}, not {pairing!r}")
    pair = _pair_fifo if pairing == "fifo" else _pair_pretty_midi
    tracks = []
    for chunk in _chunks(payload):
        if not chunk.flat:
            continue
        notes = _pair_alternating(chunk, pairing)
        if notes is None:
            notes = np.array(pair(chunk), np.int64).reshape(-1, 7)
        notes = notes[np.argsort(notes[:, 0], kind="stable")]  # by note-on, in file order
        group = notes[:, 6] * 128 + notes[:, 5]  # channel, program
        groups, first = np.unique(group, return_index=True)
        for g in groups[np.lexsort((first, groups // 128))]:  # by channel, then first note-on
            rows = notes[group == g]
            channel, program = divmod(int(g), 128)
            tracks.append(Track(program, channel == DRUM_CHANNEL, rows[:, 1], rows[:, 2], rows[:, 3], chunk.name,
                                rows[:, 4]))
    return tracks
