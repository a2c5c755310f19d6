"""A MIDI file read in one pass over its raw events: the header, tempos, time signatures, track names and
notes, with the notes paired by a rule we choose.

One scan of the track chunks gives everything extraction needs: Python for meta events, program changes
and short chunks (about 0.3 us an event), numpy for runs of two-data-byte channel messages in long ones
(`_vector_run`). Measured in CPU time on 1,698 music21 exports (Essen, Aird's, Bach, Palestrina): symusic's
parse 0.07 s plus the former second, Python pass 0.33 s, against this scan's 0.27 s; compat extraction
as a whole 0.81-0.87 s -> 0.69 s. Notes are paired by one of two rules:

* `fifo` (the default mode): each note-off ends the oldest open note of its key (channel and pitch), as
  symusic and most sequencers pair them. A note-on left open by that rule is a re-articulation, not
  noise (music21 writes ABC chords and double stops that way): it ends at the next note-off of its key,
  or else at the next note-on of its key, or else at the end of its track (dropped if that is where it
  starts). Paired notes of zero length are kept.
* `pretty_midi` (compat mode): pretty_midi 0.2's rule, which note-seq's `midi_to_note_sequence` inherits:
  one note-off ends every open note of its key that did not start on that very tick; note-offs with
  nothing open are ignored; notes still open at the end of the track, and notes that end on the tick
  they start, are dropped; the instrument is the channel's program when the note ends.

Notes are grouped into tracks per chunk, channel and program, as both libraries group them; within a
track they keep the order of their note-ons. Tempos (FF 51) and time signatures (FF 58) are collected
from every chunk, as symusic collects them. The scan is lenient where the file is irregular (a chunk
longer than the file, an unknown status byte, a data byte where a status is needed) and says so in
`RawMidi.problem`; midi_read.py decides what an irregular file means.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

PAIRINGS = ("fifo", "pretty_midi")
DRUM_CHANNEL = 9
FIELDS = 3  # a note event in the flat list: tick, status byte, position of its data bytes in the payload


@dataclass(frozen=True)
class Track:
    """One instrument part: notes as parallel int64 arrays of ticks and pitches."""

    program: int  # General MIDI program 0..127
    is_drum: bool  # channel 10 percussion
    start: np.ndarray  # (n,) note-on tick
    end: np.ndarray  # (n,) note-off tick (>= start)
    pitch: np.ndarray  # (n,) MIDI pitch 0..127
    name: str = ""  # the track's name in the file, if it has one
    velocity: np.ndarray | None = None  # (n,) note-on velocity 1..127 (None where a caller built the track)


@dataclass
class _Chunk:
    """One track chunk: where its note events lie in the file's flat list, its last track name and the
    tick where it ends."""

    first: int  # index of its first note event in RawMidi.flat (in events, not list items)
    last: int = 0  # one past its last note event
    name: str = ""
    end_tick: int = 0


@dataclass
class RawMidi:
    """What one scan of a MIDI payload found."""

    payload: bytes  # the MIDI bytes scanned (note events point into them)
    division: int  # the header's time division (ticks per quarter unless the top bit is set)
    n_declared: int  # track chunks the header announces
    flat: list[int] = field(default_factory=list)  # note events scanned in Python not yet in `blocks`
    blocks: list[np.ndarray] = field(default_factory=list)  # (k, FIELDS) note events, in file order
    count: int = 0  # note events in `blocks`
    chunks: list[_Chunk] = field(default_factory=list)
    tempos: list[tuple[int, int]] = field(default_factory=list)  # (tick, microseconds per quarter), file order
    meters: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, numerator, denominator)
    programs: list[tuple[int, int, int, int]] = field(default_factory=list)  # (next note event, chunk, channel, program)
    last_tick: int = 0  # the latest tick of any event but an end of track
    problem: tuple[str, str] | None = None  # the first irregularity: (kind "truncated"/"corrupt", reason)

    def flag(self, kind: str, reason: str) -> None:
        if self.problem is None:
            self.problem = (kind, reason)

    @property
    def n_events(self) -> int:
        """Note events so far."""
        return self.count + len(self.flat) // FIELDS

    def flush(self) -> None:
        """The note events scanned in Python into a block."""
        if self.flat:
            self.blocks.append(np.fromiter(self.flat, np.int64, len(self.flat)).reshape(-1, FIELDS))
            self.count += len(self.flat) // FIELDS
            self.flat.clear()  # cleared, not replaced: the scan holds its extend method


_SYSTEM_LENGTH = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0, 0xF8: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFE: 0}


def _vlq(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos


def _meta(raw: RawMidi, chunk: _Chunk, kind: int, data: bytes, pos: int, length: int, tick: int) -> None:
    """A meta event other than end of track: the ones extraction reads."""
    if kind == 0x51:  # tempo: 3 bytes of microseconds per quarter (read as 3 whatever the length says)
        raw.tempos.append((tick, int.from_bytes(data[pos:pos + 3], "big")))
    elif kind == 0x58:  # time signature: numerator, log2 of the denominator, ...
        numerator, power = data[pos], data[pos + 1]
        raw.meters.append((tick, numerator, 1 << power if power < 8 else 0))
    elif kind == 0x03:
        chunk.name = data[pos:pos + length].decode("latin-1")
    else:
        return
    raw.last_tick = max(raw.last_tick, tick)


VECTOR_AFTER = 48  # note events scanned in Python before the vectorized path is tried (again)
VECTOR_MIN_BYTES = 1500  # ... when at least this much of the chunk is left: below it, Python is faster
VECTOR_BYTES = 1 << 15  # bytes one vectorized step reads at most


def _scan_chunk(raw: RawMidi, data: bytes, pos: int, end: int) -> None:
    """One chunk's events into `raw`. A note event is recorded as its tick, status byte and the
    position of its two data bytes, which note_tracks decodes for all events at once. Runs of channel
    messages are parsed vectorized (_vector_run); the Python loop takes the rest (meta events, program
    changes, anything irregular), written for speed: one-byte delta times and running status take the
    shortest path."""
    chunk = _Chunk(raw.n_events)
    raw.chunks.append(chunk)
    tick = status = size = regular = 0
    after = VECTOR_AFTER
    note = False
    extend = raw.flat.extend
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
                        _meta(raw, chunk, kind, data, pos, length, tick)
                        pos += length
                    elif byte == 0xF0 or byte == 0xF7:
                        length, pos = _vlq(data, pos)
                        pos += length
                    elif byte in _SYSTEM_LENGTH:
                        pos += _SYSTEM_LENGTH[byte]
                    else:
                        raw.flag("corrupt", f"an unknown status byte 0x{byte:X} in track {len(raw.chunks)}")
                    continue
                status = byte
                note = byte < 0xA0
                size = 1 if 0xC0 <= byte < 0xE0 else 2
            if note:
                extend((tick, status, pos))
                pos += 2
                regular += 1
                if regular >= after and end - pos >= VECTOR_MIN_BYTES:  # a run of notes: vectorize from here
                    raw.flush()
                    pos, tick, status, got, ended = _vector_run(raw, np.frombuffer(data, np.uint8), pos, end, tick,
                                                                status)
                    if ended:
                        break
                    regular, after = 0, after if got >= 4 * VECTOR_AFTER else 4 * after  # back off when it finds little
                    note = 0x80 <= status < 0xA0
                    size = 1 if 0xC0 <= status < 0xE0 else 2
                continue
            if not status:
                raw.flag("corrupt", f"a data byte where a status byte is needed in track {len(raw.chunks)}")
                break
            _other(raw, data, pos, status, size, tick)
            pos += size
    except IndexError:
        pos = end + 1
    _end_chunk(raw, chunk, len(data), pos > end, tick)


def _end_chunk(raw: RawMidi, chunk: _Chunk, size: int, truncated: bool, tick: int) -> None:
    """Close a chunk's scan: its events into a block, a truncated last note event dropped, its range."""
    raw.flush()
    if truncated:
        raw.flag("truncated", f"truncated: track {len(raw.chunks)} ends inside an event")
        if raw.count > chunk.first:
            last = raw.blocks[-1]
            cut = last[:, 2] + 1 >= size  # a note event cut off by the end of the file
            if cut.any():
                raw.blocks[-1] = last[~cut]
                raw.count -= int(cut.sum())
    chunk.last = raw.count
    chunk.end_tick = tick
    if chunk.last > chunk.first:  # ticks never decrease within a chunk: its last note event is its latest
        raw.last_tick = max(raw.last_tick, int(raw.blocks[-1][-1, 0]) if len(raw.blocks[-1]) else 0)


def _vector_run(raw: RawMidi, array: np.ndarray, start: int, end: int, tick: int, status: int):
    """The channel messages of two data bytes (notes, aftertouch, controllers, pitch bends) from
    `start` on, parsed at once, up to the first other event. Such an event is a delta time (bytes over
    127, then one under), an optional status byte, then two data bytes under 128: so every event holds
    exactly three bytes under 128, and the k-th event is the k-th triple of them. An event that does not
    fit (a meta event, a program change, a data byte over 127, the end of what is read) stops the run;
    an end-of-track event ends the chunk. Returns (position, tick, running status, events read, ended)."""
    seg = array[start:min(end, start + VECTOR_BYTES)]
    low = np.flatnonzero(seg < 0x80)
    n = len(low) // 3
    if n == 0:
        return start, tick, status, 0, False
    t0, t1, t2 = low[:3 * n].reshape(n, 3).T  # delta's last byte, first data byte, second data byte
    begin = np.empty(n, np.int64)
    begin[0] = 0
    begin[1:] = t2[:-1] + 1
    gap = t1 - t0 - 1  # 1: a status byte; 0: running status
    explicit = np.flatnonzero(gap == 1)
    last = np.full(n, -1, np.int64)
    last[explicit] = explicit
    np.maximum.accumulate(last, out=last)
    st = np.where(last >= 0, seg[t0[np.maximum(last, 0)] + 1], status).astype(np.int64)
    fits = (gap <= 1) & (t2 == t1 + 1) & (t0 - begin <= 3) & (((st >= 0x80) & (st < 0xC0)) | ((st >= 0xE0) & (st < 0xF0)))
    bad = np.flatnonzero(~fits)
    k = int(bad[0]) if len(bad) else n
    m = min(k + 1, n)
    delta = np.zeros(m, np.int64)
    for j in range(4):  # the delta's bytes, last first
        at = t0[:m] - j
        delta += np.where(at >= begin[:m], (seg[np.maximum(at, 0)] & 0x7F).astype(np.int64) << (7 * j), 0)
    ticks = tick + np.cumsum(delta)
    ended = (k < n and gap[k] == 1 and seg[t0[k] + 1] == 0xFF and seg[t1[k]] == 0x2F and seg[t2[k]] == 0
             and t2[k] == t1[k] + 1)
    if ended:
        tick = int(ticks[k])
    if k == 0:
        return start, tick, status, 0, ended
    notes = st[:k] < 0xA0
    raw.blocks.append(np.stack([ticks[:k][notes], st[:k][notes], start + t1[:k][notes]], axis=1))
    raw.count += int(notes.sum())
    if not notes.all():
        raw.last_tick = max(raw.last_tick, int(ticks[:k][~notes][-1]))
    return start + int(t2[k - 1]) + 1, int(ticks[k - 1]) if not ended else tick, int(st[k - 1]), k, ended


def _other(raw: RawMidi, data: bytes, pos: int, status: int, size: int, tick: int) -> None:
    """A channel message other than a note: a program change is kept (it applies to the channel's later
    notes in this chunk), the rest only checked."""
    if max(data[pos:pos + size]) > 0x7F:
        raw.flag("corrupt", f"a data byte over 127 in track {len(raw.chunks)}")
    if status & 0xF0 == 0xC0:
        raw.programs.append((raw.n_events, len(raw.chunks) - 1, status & 0x0F, data[pos] & 0x7F))
    raw.last_tick = max(raw.last_tick, tick)


def scan_midi(payload: bytes) -> RawMidi:
    """Every MTrk chunk of a checked MIDI payload (starting with its MThd header), in one pass."""
    header = 8 + int.from_bytes(payload[4:8], "big")
    raw = RawMidi(payload, int.from_bytes(payload[12:14], "big"), int.from_bytes(payload[10:12], "big"))
    pos = header
    while pos + 8 <= len(payload):
        kind = payload[pos:pos + 4]
        length = int.from_bytes(payload[pos + 4:pos + 8], "big")
        pos += 8
        end = pos + length
        if end > len(payload):
            raw.flag("truncated", "truncated: a track runs past the end of the file")
            end = len(payload)
        if kind == b"MTrk":
            _scan_chunk(raw, payload, pos, end)
        pos = end
    if len(raw.chunks) != raw.n_declared:
        raw.flag("truncated" if len(raw.chunks) < raw.n_declared else "corrupt",
                 f"{len(raw.chunks)} of the {raw.n_declared} tracks its header announces")
    return raw


# A note while pairing, one row: on index (in the file's event list), start, end, pitch, velocity,
# program, channel
_COLUMNS = 7


def _pair_fifo(events: list, end_tick: int) -> list:
    """`events`: one chunk's (tick, channel, pitch, velocity, program, index) rows in file order."""
    notes = []
    for (channel, pitch), rows in _by_key(events).items():
        opened: list[int] = []  # positions in `rows` of open note-ons, oldest first
        for k, e in enumerate(rows):
            if e[3]:
                opened.append(k)
            elif opened:
                on = rows[opened.pop(0)]
                notes.append((on[5], on[0], e[0], pitch, on[3], on[4], channel))
        for k in opened:  # a re-articulation: ends at its key's next note-off, else next note-on, else the track's end
            on = rows[k]
            later = [e for e in rows[k + 1:] if e[0] > on[0]]
            offs = [e[0] for e in later if not e[3]]
            end = offs[0] if offs else (later[0][0] if later else end_tick)
            if end > on[0]:
                notes.append((on[5], on[0], end, pitch, on[3], on[4], channel))
    return notes


def _pair_pretty_midi(events: list, end_tick: int) -> list:
    notes = []
    for (channel, pitch), rows in _by_key(events).items():
        opened: list = []
        for e in rows:
            tick, velocity, program = e[0], e[3], e[4]
            if velocity:
                opened.append(e)
            elif opened:
                closed = [on for on in opened if on[0] != tick]
                notes += [(on[5], on[0], tick, pitch, on[3], program, channel) for on in closed]
                opened = [on for on in opened if on[0] == tick] if closed else []
    return notes


def _by_key(events: list) -> dict[tuple[int, int], list]:
    """Events per key (channel, pitch), in file order."""
    keys: dict[tuple[int, int], list] = defaultdict(list)
    for e in events:
        keys[(e[1], e[2])].append(e)
    return keys


def _pair_alternating(ev: np.ndarray, keys: np.ndarray, pairing: str) -> np.ndarray | None:
    """The common case, vectorized: every key's events alternate note-on, note-off, starting with a
    note-on and ending with a note-off. Then both rules pair each note-on with the note-off after it
    (pretty_midi then drops the notes that end where they start, and takes the program at the
    note-off). `ev`: (n, 6) tick, channel, pitch, velocity, program, index; `keys` one per row.
    None when the events are not like that."""
    n = len(ev)
    if n % 2:
        return None
    order = np.argsort(keys, kind="stable")  # by key, then file order
    is_on = ev[order, 3] > 0
    key = keys[order]
    if not (is_on[0::2].all() and not is_on[1::2].any() and (key[0::2] == key[1::2]).all()):
        return None
    on, off = order[0::2], order[1::2]
    notes = np.stack([ev[on, 5], ev[on, 0], ev[off, 0], ev[on, 2], ev[on, 3],
                      ev[off if pairing == "pretty_midi" else on, 4], ev[on, 1]], axis=1)
    if pairing == "pretty_midi":
        notes = notes[notes[:, 2] != notes[:, 1]]
    return notes


def _paired(raw: RawMidi, ev: np.ndarray, chunk_of: np.ndarray, pairing: str) -> np.ndarray:
    """Every note of the file, (n, 7) rows as _COLUMNS says: the whole file vectorized when every key
    alternates, else chunk by chunk, in Python where a chunk does not."""
    keys = (chunk_of * 16 + ev[:, 1]) * 128 + ev[:, 2]
    notes = _pair_alternating(ev, keys, pairing)
    if notes is not None:
        return notes
    pair = _pair_fifo if pairing == "fifo" else _pair_pretty_midi
    parts = []
    for chunk in raw.chunks:
        rows = ev[chunk.first:chunk.last]
        got = _pair_alternating(rows, keys[chunk.first:chunk.last], pairing) if len(rows) else None
        if got is None:
            got = np.array(pair(rows.tolist(), chunk.end_tick), np.int64).reshape(-1, _COLUMNS)
        parts.append(got)
    return np.concatenate(parts) if parts else np.empty((0, _COLUMNS), np.int64)


def _decoded(raw: RawMidi) -> np.ndarray:
    """The scan's note events as (n, 6) rows: tick, channel, pitch, velocity (0: a note-off), the
    channel's program then, and the event's index."""
    flat = np.concatenate(raw.blocks) if len(raw.blocks) != 1 else raw.blocks[0]
    status, at = flat[:, 1], flat[:, 2]
    data = np.frombuffer(raw.payload, np.uint8)
    pitch, second = data[at].astype(np.int64), data[at + 1].astype(np.int64)
    if (pitch > 0x7F).any() or (second > 0x7F).any():  # a status byte where data should be
        raw.flag("corrupt", "a note event with a data byte over 127")
        pitch &= 0x7F
        second &= 0x7F
    channel = status & 0x0F
    velocity = np.where(status >= 0x90, second, 0)
    program = np.zeros(len(flat), np.int64)
    for first, chunk, ch, value in raw.programs:  # in file order: a later change overrides
        stop = raw.chunks[chunk].last
        if first < stop:
            program[first:stop][channel[first:stop] == ch] = value
    return np.stack([flat[:, 0], channel, pitch, velocity, program, np.arange(len(flat))], axis=1)


def note_tracks(raw: RawMidi, pairing: str = "fifo") -> list[Track]:
    """The notes of a scanned file as tracks, one per chunk, channel and program, in chunk order, then
    channel, then first note-on (see the module's docstring for `pairing`)."""
    if pairing not in PAIRINGS:
        raise ValueError(f"pairing must be one of {PAIRINGS}, not {pairing!r}")
    if not raw.count:
        return []
    ev = _decoded(raw)
    counts = [c.last - c.first for c in raw.chunks]
    chunk_of = np.repeat(np.arange(len(raw.chunks)), counts)
    notes = _paired(raw, ev, chunk_of, pairing)
    notes = notes[np.argsort(notes[:, 0], kind="stable")]  # by note-on, in file order
    chunk = chunk_of[notes[:, 0]]
    group = (chunk * 16 + notes[:, 6]) * 128 + notes[:, 5]  # chunk, channel, program
    if len(group) and (group[1:] >= group[:-1]).all():  # the usual file: each track's notes in one run, in track order
        bounds = np.flatnonzero(group[1:] != group[:-1]) + 1
        ordered, by_group = group[np.concatenate([[0], bounds])], np.arange(len(group))
        bounds = np.concatenate([[0], bounds])
        sizes = np.diff(np.append(bounds, len(group)))
    else:
        groups, first = np.unique(group, return_index=True)
        ordered = groups[np.lexsort((first, groups // 128))]  # by chunk and channel, then first note-on
        by_group = np.argsort(group, kind="stable")
        bounds = np.searchsorted(group[by_group], ordered)
        sizes = np.searchsorted(group[by_group], ordered, side="right") - bounds
    tracks = []
    for g, a, size in zip(ordered.tolist(), bounds.tolist(), sizes.tolist()):
        rows = notes[by_group[a:a + size]]
        c, rest = divmod(g, 16 * 128)
        channel, program = divmod(rest, 128)
        tracks.append(Track(program, channel == DRUM_CHANNEL, rows[:, 1], rows[:, 2], rows[:, 3],
                            raw.chunks[c].name, rows[:, 4]))
    return tracks


def read_note_tracks(payload: bytes, pairing: str = "fifo") -> list[Track]:
    """The notes of a checked MIDI payload as tracks (scan_midi, then note_tracks)."""
    return note_tracks(scan_midi(payload), pairing)
