"""POP909 as data: every song put on its own beat grid, its chord labels beside it, a stable split by song.

POP909 (Wang, Chen, Jiang, Zhang, Xu, Dai, Bin, Xia, "POP909: A Pop-song Dataset for Music Arrangement
Generation", ISMIR 2020; MIT licence) holds per song `NNN/NNN.mid` (tracks MELODY, BRIDGE, PIANO, timed to
the recording), `beat_midi.txt` (a row per beat: seconds, a 1.0 on every other beat, a 1.0 on downbeats)
and `chord_midi.txt` (start s, end s, label). The files' own tempo grid is not on the music's beats, so
quantizing them as they are puts most onsets between two steps. `import_pop909(path, out)` (behind
`mvae data corpus pop909 PATH -o DIR`) writes, per song:

    OUT/NNN/NNN.mid         the same tracks (names, programs, velocities, control changes such as the
                            piano's sustain pedal), re-timed so that beat k of beat_midi.txt is tick
                            k * 480 (a quarter note: 4 sixteenth steps; an eighth in songs of 6/8, below)
                            and every downbeat is a bar line: a tempo change on every beat whose length
                            changes, a time signature at every bar whose length differs from the one
                            before (n beats -> n/4, n/8 in 6/8 songs; a bar of twice the song's usual
                            length, a missed downbeat, is written as two). Played, it
                            sounds as the original does, delayed or advanced by `shift_s`: the file starts
                            on the bar line at or before the first note (a pickup starts inside a bar).
    OUT/NNN/chord_midi.txt  the song's chord labels unchanged, their times moved by the same shift, so
                            that they fall on the new file's beats (music/chords.py reads them per step).
    OUT/info.csv            one row per song: midi_filename, split, song, meter, bars, odd_bars (bars not
                            of the usual length), melody_notes, melody_on_grid (share of MELODY onsets
                            within ON_GRID_TOLERANCE of a 16th step), chords, shift_s; the split column is
                            what `mvae data build` follows (the Groove dataset's info.csv convention).

Measured on the 819 songs at hand: the share of a song's MELODY onsets within ON_GRID_TOLERANCE of a 16th step
is 0.003 for the median song on the files' own grid (mean 0.265) and 1.000 after the import (mean 0.955).

Why files rather than windows: `mvae data build` already turns MIDI files into windows for every bar
length, track rule and window size, and reads a chord file beside each MIDI file (so a user's own
`song.mid` + `song.chords.txt` works the same way); the importer only has to make POP909 look like music
that sits on its grid, once. The PIANO track is kept for an arrangement model.

Split (`split_of`): POP909's songs 010, 020, ..., 900 (number divisible by 10) are the test set no model of
ours sees: never imported, refused if a copy holds them. Of the others, the songs whose number ends in 5
(005, 015, ..., 905: 91 of the 819) are validation, the rest train: a rule of the song's number alone,
stable whatever else is added.

Meters: 792 of the 819 songs have 4 beats between downbeats (4/4), 27 have 6 beats grouped in threes by the
every-other-beat column. Read as quarter notes, 25 of those 27 melodies put almost no onset on a beat's 2nd
or 4th 16th (0-11%, against 25% in a 4/4 song): their beats are eighths, and they are written in 6/8, each
beat 2 steps (`beat_unit`); the other two stay 6/4. Songs whose melody swings in triplets (about 30 put
fewer than half their onsets near a 16th step: the info.csv column) are written as they are; `mvae data
build` quantizes them or, past half their onsets on triplet places, refuses them ("off-grid").
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write

TICKS_PER_QUARTER = 480  # the written files' resolution
STEPS_PER_QUARTER = 4  # 16th-note steps
EIGHTH_BEAT_MAX_ODD = 0.15  # a 6-beat song whose MELODY puts fewer onsets than this on a beat's 2nd or 4th
# 16th (reading the beat as a quarter) has eighth-note beats: 6/8 (measured: 25 of POP909's 27 6-beat songs
# 0.0-0.11, the other two 0.22 and 0.51; a 4/4 song such as 001: 0.25)
ON_GRID_TOLERANCE = 0.125  # of a 16th step: an onset this near a step counts as on the grid
EARLY = 0.01  # of a beat: an event this little before a beat counts as on it (labels are rounded to 1 us)
INFO = "info.csv"
TEST_EVERY = 10  # song numbers divisible by this are POP909's held-out test set here
VALIDATION_DIGIT = 5  # song numbers ending in this digit are the validation split


class Pop909Error(MvaeError):
    """A POP909 folder (or song) that cannot be imported; one line."""


def split_of(song: int) -> str:
    """'test' (never imported), 'validation' or 'train' for a POP909 song number (module docstring)."""
    if song % TEST_EVERY == 0:
        return "test"
    return "validation" if song % 10 == VALIDATION_DIGIT else "train"


@dataclass(frozen=True)
class Beats:
    """A song's beats: times in seconds (strictly increasing) and which are downbeats."""

    times: np.ndarray  # (n,) float seconds
    downbeat: np.ndarray  # (n,) bool

    @property
    def usual_bar(self) -> int:
        """The most common number of beats between two downbeats."""
        gaps = np.diff(np.flatnonzero(self.downbeat))
        return int(Counter(gaps.tolist()).most_common(1)[0][0])


def read_beats(path: str | Path) -> Beats:
    """beat_midi.txt: rows of 'seconds every-other downbeat'; a Pop909Error naming the problem otherwise."""
    path = Path(path)
    try:
        rows = np.loadtxt(path, ndmin=2)
    except (OSError, ValueError) as e:
        raise Pop909Error(f"{path}: not a beat file ({' '.join(str(e).split())[:80]})") from None
    if rows.shape[1] < 3 or len(rows) < 2:
        raise Pop909Error(f"{path}: expected rows of 3 numbers (seconds, every other beat, downbeat), "
                          f"got {rows.shape[0]} rows of {rows.shape[1]}")
    times, down = rows[:, 0], rows[:, 2] > 0.5
    if not np.all(np.diff(times) > 0):
        raise Pop909Error(f"{path}: beat times must increase")
    if down.sum() < 2:
        raise Pop909Error(f"{path}: fewer than two downbeats, no bar to read")
    return Beats(times, down)


@dataclass(frozen=True)
class Grid:
    """Beats extended to cover a song, the beat its file starts on, and its bars."""

    times: np.ndarray  # (n,) seconds of every beat, extrapolated before and after the annotated ones
    first: int  # index in `times` of the beat at tick 0 (a bar line)
    bars: list[tuple[int, int]]  # (first beat index in `times`, beats) of every bar from `first` on
    unit: int = 4  # the note value of a beat: 4 a quarter (4 steps), 8 an eighth (2 steps)

    @property
    def ticks_per_beat(self) -> int:
        return TICKS_PER_QUARTER * 4 // self.unit

    def ticks(self, seconds: np.ndarray) -> np.ndarray:
        """Rounded ticks of the new file of times in seconds of the original."""
        pos = np.interp(seconds, self.times, np.arange(len(self.times), dtype=float))
        return np.round((pos - self.first) * self.ticks_per_beat).astype(np.int64)

    @property
    def shift(self) -> float:
        """Seconds to add to the original's times to get the new file's."""
        return -float(self.times[self.first])


def _extend(times: np.ndarray, before: int, until: float) -> np.ndarray:
    """`times` with `before` beats added in front (at the first beat's length) and beats added after (at
    the last one's) until one lies past `until`."""
    head = times[0] - (times[1] - times[0]) * np.arange(before, 0, -1)
    step = times[-1] - times[-2]
    after = max(0, int(np.ceil((until - times[-1]) / step)) + 1)
    tail = times[-1] + step * np.arange(1, after + 1)
    return np.concatenate([head, times, tail])


def beat_unit(beats: Beats, melody_onsets: np.ndarray) -> int:
    """8 when a song of 6-beat bars has eighth-note beats (its melody's onsets, read with quarter-note beats,
    almost never fall on a beat's 2nd or 4th 16th: EIGHTH_BEAT_MAX_ODD), else 4."""
    if beats.usual_bar != 6 or not len(melody_onsets):
        return 4
    pos = np.interp(melody_onsets, beats.times, np.arange(len(beats.times), dtype=float))
    odd = np.round(pos * STEPS_PER_QUARTER).astype(np.int64) % 2 == 1
    return 8 if odd.mean() < EIGHTH_BEAT_MAX_ODD else 4


def song_grid(beats: Beats, first_event: float, last_event: float, unit: int = 4) -> Grid:
    """The grid of a song whose events lie in [first_event, last_event] seconds (module docstring), its
    beats `unit` notes (4: quarters, 8: eighths)."""
    usual = beats.usual_bar
    down = np.flatnonzero(beats.downbeat)
    t = beats.times
    pos = (first_event - t[0]) / (t[1] - t[0]) if first_event < t[0] else \
        float(np.interp(first_event, t, np.arange(len(t))))
    first_beat = np.floor(pos + EARLY)  # the beat the first event falls in
    lead = max(0, int(np.ceil((down[0] - first_beat) / usual)))  # whole bars before the first downbeat
    start = down[0] - lead * usual  # may be negative: beats extrapolated in front
    before = max(0, -start)
    times = _extend(t, before, last_event)
    start += before
    marks = [start + k * usual for k in range(lead)] + [d + before for d in down]
    while marks[-1] + usual < len(times) - 1:
        marks.append(marks[-1] + usual)
    bars = []
    for a, b in zip(marks, marks[1:]):
        n = b - a
        if n == 2 * usual:  # a downbeat the annotation missed
            bars += [(a, usual), (a + usual, usual)]
        else:
            bars.append((a, n))
    return Grid(times, start, bars, unit)


@dataclass
class SongResult:
    """What importing one song gave: its info.csv row, or why not."""

    song: str
    row: dict | None = None
    reason: str | None = None  # one line, when refused
    written: bool = False  # False: the files were there already


def _retimed_score(score, grid: Grid):
    """A new symusic Score of `score` (read in seconds) with every event moved onto `grid`'s ticks."""
    import symusic

    out = symusic.Score(TICKS_PER_QUARTER)
    last, per_beat = None, grid.ticks_per_beat
    for k in range(grid.first, len(grid.times) - 1):
        mspq = int(round((grid.times[k + 1] - grid.times[k]) * 1e6 * TICKS_PER_QUARTER / per_beat))
        if mspq != last:
            out.tempos.append(symusic.Tempo((k - grid.first) * per_beat, mspq=mspq))
            last = mspq
    meter = None
    for a, n in grid.bars:
        if n != meter:
            out.time_signatures.append(symusic.TimeSignature((a - grid.first) * per_beat, n, grid.unit))
            meter = n
    for track in score.tracks:
        new = symusic.Track(track.name, track.program, track.is_drum)
        if len(track.notes):
            n = track.notes.numpy()
            start, end = grid.ticks(n["time"]), grid.ticks(n["time"] + n["duration"])
            new.notes = symusic.Note.from_numpy(start.astype(np.int32), np.maximum(end - start, 1).astype(np.int32),
                                                n["pitch"], n["velocity"])
        if len(track.controls):
            c = track.controls.numpy()
            new.controls = symusic.ControlChange.from_numpy(grid.ticks(c["time"]).astype(np.int32),
                                                            c["number"], c["value"])
        out.tracks.append(new)
    return out


def _on_grid(score, name: str) -> tuple[int, float]:
    """(onsets, share within ON_GRID_TOLERANCE of a 16th step) of the track called `name` of a re-timed score."""
    starts = [t.notes.numpy()["time"] for t in score.tracks if t.name.strip().upper() == name and len(t.notes)]
    if not starts:
        return 0, float("nan")
    steps = np.concatenate(starts) / (TICKS_PER_QUARTER / STEPS_PER_QUARTER)
    return len(steps), float((np.abs(steps - np.round(steps)) <= ON_GRID_TOLERANCE).mean())


def import_song(folder: Path, out_dir: Path, *, force: bool = False) -> SongResult:
    """Import one song folder `NNN/` into `out_dir/NNN/` (module docstring); refusals are one line."""
    import symusic

    from musicvae_lite.music.chords import ChordError, ChordSpan, read_chord_file, write_chord_file

    song = folder.name
    if not song.isdigit():
        return SongResult(song, reason="not a song folder (POP909 numbers its songs 001..909)")
    split = split_of(int(song))
    if split == "test":
        return SongResult(song, reason="test set: songs 010, 020, ..., 900 are never imported")
    midi_path, target = folder / f"{song}.mid", out_dir / song / f"{song}.mid"
    try:
        beats = read_beats(folder / "beat_midi.txt")
        spans = read_chord_file(folder / "chord_midi.txt") if (folder / "chord_midi.txt").exists() else None
        score = symusic.Score(str(midi_path), ttype="second")
    except (Pop909Error, ChordError) as e:
        return SongResult(song, reason=str(e))
    except Exception as e:  # symusic raises plain RuntimeErrors on a bad or missing file
        return SongResult(song, reason=f"{midi_path}: cannot read ({' '.join(str(e).split())[:80]})")
    starts = [t.notes.numpy()["time"] for t in score.tracks if len(t.notes)]
    if not starts:
        return SongResult(song, reason=f"{midi_path}: no notes")
    first = min(float(s.min()) for s in starts)
    last = max(float(t.end()) for t in score.tracks if len(t.notes))
    if spans:
        first, last = min(first, spans[0].start), max(last, spans[-1].end)
    melody = [t.notes.numpy()["time"] for t in score.tracks if t.name.strip().upper() == "MELODY" and len(t.notes)]
    grid = song_grid(beats, first, last, beat_unit(beats, np.concatenate(melody) if melody else np.zeros(0)))
    new = _retimed_score(score, grid)
    notes, share = _on_grid(new, "MELODY")
    row = dict(midi_filename=f"{song}/{song}.mid", split=split, song=song, meter=f"{beats.usual_bar}/{grid.unit}",
               bars=len(grid.bars), odd_bars=int(sum(n != beats.usual_bar for _, n in grid.bars)),
               melody_notes=notes, melody_on_grid=round(share, 4), chords=len(spans or []),
               shift_s=round(grid.shift, 6))
    if target.exists() and not force:
        return SongResult(song, row, written=False)
    data = new.dumps_midi()
    atomic_write(target, lambda f: f.write(data))
    if spans is not None:
        moved = [ChordSpan(max(s.start + grid.shift, 0.0), s.end + grid.shift, s.label) for s in spans
                 if s.end + grid.shift > 0]
        write_chord_file(target.parent / "chord_midi.txt", moved, overwrite=True)
    return SongResult(song, row, written=True)


@dataclass
class Pop909Report:
    """What `import_pop909` did."""

    out_dir: str
    written: int = 0
    existing: int = 0
    rows: list[dict] = field(default_factory=list)  # info.csv's rows, by song
    refused: list[tuple[str, str]] = field(default_factory=list)  # (song, reason)

    def lines(self) -> list[str]:
        """A human summary, a line each."""
        splits = Counter(r["split"] for r in self.rows)
        shares = [r["melody_on_grid"] for r in self.rows if r["melody_notes"]]
        meters = Counter(r["meter"] for r in self.rows)
        out = [f"{self.out_dir}: {len(self.rows)} songs ({self.written} written, {self.existing} already there): "
               + ", ".join(f"{k} {v}" for k, v in sorted(splits.items())),
               "meters: " + ", ".join(f"{m} {n}" for m, n in meters.most_common()),
               f"MELODY onsets on the 16th grid (within {ON_GRID_TOLERANCE:g} of a step), per song: median "
               f"{np.median(shares):.3f}, lowest {min(shares):.3f}" if shares else "no MELODY notes"]
        if self.refused:
            kinds = Counter(reason.split(":")[0] if reason.startswith("test set") else "other"
                            for _, reason in self.refused)
            out.append(f"refused {len(self.refused)} songs ({', '.join(f'{k} {v}' for k, v in kinds.items())}); "
                       f"e.g. {self.refused[0][0]}: {self.refused[0][1]}")
        out.append(f"wrote {self.out_dir}/{INFO} (the split: songs ending in {VALIDATION_DIGIT} are validation)")
        return out


def import_pop909(path: str | Path, out_dir: str | Path, *, force: bool = False, limit: int | None = None,
                  progress: bool = True) -> Pop909Report:
    """Import every song folder of a POP909 copy at `path` into `out_dir` (module docstring). Files already
    there are kept unless `force`; `limit` imports only the first songs (by number)."""
    from tqdm import tqdm

    src, out = Path(path), Path(out_dir)
    if not src.is_dir():
        raise Pop909Error(f"{src} is not a folder (expected POP909's folder of song folders 001, 002, ...)")
    songs = sorted(p for p in src.iterdir() if p.is_dir() and p.name.isdigit())
    if not songs:
        raise Pop909Error(f"{src} holds no song folders (001, 002, ...): is it POP909's POP909/ folder?")
    if out.exists() and not out.is_dir():
        raise Pop909Error(f"{out} exists and is not a folder")
    if out.resolve() == src.resolve():
        raise Pop909Error("the output folder must not be the POP909 folder itself")
    songs = songs[:limit] if limit is not None else songs
    report = Pop909Report(str(out))
    for folder in tqdm(songs, desc="pop909", unit="song", disable=not progress):
        got = import_song(folder, out, force=force)
        if got.row is None:
            report.refused.append((got.song, got.reason))
            continue
        report.rows.append(got.row)
        report.written += got.written
        report.existing += not got.written
    if not report.rows:
        raise Pop909Error(f"no song of {src} could be imported (e.g. {report.refused[0][0]}: {report.refused[0][1]})")
    _write_info(out / INFO, report.rows)
    return report


def _write_info(path: Path, rows: list[dict]) -> None:
    """info.csv, atomically (it is the importer's own file: rewritten on every run)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    atomic_write(path, lambda f: f.write(data))
