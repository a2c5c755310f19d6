"""Drum windows from any MIDI file: the hits of its drum tracks (channel 10) in magenta's 9 classes on the
16th-note grid, with each hit's velocity and its timing offset from the grid (GrooVAE's view), in windows
of `bars` bars on a one-bar hop.

Rules (facts from note-seq 0.0.5's `drums_lib.DrumTrack` and magenta's `DrumsConverter`/`GrooveConverter`
in music_vae/data.py; the code is ours): every drum track of the file is read together; pitches no class
gathers are dropped; only stretches of 16-step bars (4/4, 2/2) are used; an onset goes to the nearest step
(halves round up, as the melodies' quantization does) and keeps its offset in [-0.5, 0.5) of a step; two
hits of one class in one step are one hit with the louder velocity (and that hit's offset); a window needs
a hit in each of its bars (magenta ends a drum track after one empty bar). No window is dropped as a
duplicate: two performances of one pattern differ in their grooves.

Each window carries its context: the drum track it is read from (the file's first drum track: every drum
track is read together), that track's program (the drum kit), the tempo where the window starts and the
mean velocity of its hits; `DrumWindows.playback(i)` gives them to the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import DRUM_PITCHES, NUM_DRUMS, PITCH_TO_DRUM
from musicvae_lite.music.errors import NoDrumsError
from musicvae_lite.music.grid import STEPS_PER_BAR, STEPS_PER_QUARTER
from musicvae_lite.music.midi_read import MidiData, describe_tracks, read_midi
from musicvae_lite.music.playback import WindowContext
from musicvae_lite.music.sections import bar_of_tick, bar_steps, compat_sections, meter_spans, qpm_at

MAX_BARS = 1000  # a stretch longer than this is cut: it bounds memory on absurd files
DRUM_BARS = (16, 12, 18, 24)  # bar lengths drum datasets are cut in; the drum models take 16 (METER_REASON)


@dataclass(frozen=True)
class DrumConfig:
    """How MIDI becomes drum windows."""

    bars: int = 2  # window length in bars (MusicVAE's drums_2bar and GrooVAE's groove_2bar)
    compat: bool = False  # True: exactly the windows of magenta's DrumsConverter (hits only; see below)
    steps_per_bar: int = STEPS_PER_BAR  # the bar the windows are cut in, recorded with every dataset: 16 (4/4,
    # 2/2; what the drum models know), or for datasets only 12 (3/4, 6/8), 18 (9/8), 24 (12/8, 3/2, 6/4)
    hop: int = 0  # steps from one window's start to the next, dividing the bar: 0 is a bar; 4 starts one on every
    # beat (a dataset keeps the windows off the bar for training only: dataset.py)

    def __post_init__(self):
        if self.steps_per_bar not in DRUM_BARS or (self.compat and self.steps_per_bar != STEPS_PER_BAR):
            raise MvaeError(f"drums are read in bars of {', '.join(map(str, DRUM_BARS))} steps (16 in --compat "
                            f"mode), not {self.steps_per_bar}")
        divisors = [h for h in range(1, self.steps_per_bar + 1) if self.steps_per_bar % h == 0]
        if (self.hop and self.hop not in divisors) or (self.compat and self.hop not in (0, self.steps_per_bar)):
            raise MvaeError(f"--hop must divide the bar of {self.steps_per_bar} steps ({', '.join(map(str, divisors))}; "
                            f"--compat: a bar), not {self.hop}")

    @property
    def hop_steps(self) -> int:
        return self.hop or self.steps_per_bar

    @property
    def steps(self) -> int:
        return self.bars * self.steps_per_bar


@dataclass
class DrumWindows(WindowContext):
    """The drum windows of one file; hit, velocity and offset arrays are (n, steps, 9)."""

    velocity_field = "mean_velocity"  # `velocity` holds each hit's

    hits: np.ndarray  # bool
    velocity: np.ndarray  # float32 in (0, 1] where hit, 0 elsewhere
    offset: np.ndarray  # float32 in [-0.5, 0.5) of a step where hit, 0 elsewhere
    start_bar: np.ndarray  # (n,) int32: the bar of the source where each window starts (0-based)
    qpm: float | None = None  # the source's opening tempo, None when it sets none
    track: np.ndarray | None = None  # (n,) int: the file's track (index into its tracks) each window is read from
    tracks: tuple[str, ...] = ()  # the file's tracks, numbered from 1: "10 Drums (drums)"
    program: np.ndarray | None = None  # (n,) int: that track's program (for a drum track, the kit)
    tempo: np.ndarray | None = None  # (n,) float: qpm in force where each window starts (to 0.01)
    mean_velocity: np.ndarray | None = None  # (n,) int: mean velocity of each window's hits, 1..127
    names: tuple[str, ...] = ()  # each track's own name in the file ("" where none)
    phase: np.ndarray | None = None  # (n,) int: the step of its bar each window starts on (0 unless cut on a hop
    # shorter than a bar; None: 0 for all)

    def __len__(self) -> int:
        return len(self.hits)



def _with_context(midi: MidiData, hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray,
                  ticks: list[int]) -> DrumWindows:
    """DrumWindows with each window's track, program, tempo and mean hit velocity."""
    ticks = np.array(ticks, np.int64)
    first = next((i for i, t in enumerate(midi.tracks) if t.is_drum), -1)
    n = len(hits)
    count = hits.reshape(n, -1).sum(axis=1)
    mean = velocity.reshape(n, -1).sum(axis=1) * 127.0 / np.maximum(count, 1)
    return DrumWindows(hits, velocity, offset, bar_of_tick(midi, ticks).astype(np.int32), midi.first_qpm,
                       np.full(n, first, np.int32), describe_tracks(midi),
                       np.full(n, midi.tracks[first].program if first >= 0 else 0, np.int32), qpm_at(midi, ticks),
                       np.clip(np.round(mean), 1, 127).astype(np.int32), tuple(" ".join(t.name.split()) for t in midi.tracks))


def _stretch_grid(ticks: np.ndarray, pitches: np.ndarray, velocities: np.ndarray, start: int, tick_per_step: float,
                  steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hits, velocities and offsets (steps, 9) of the onsets of one stretch."""
    hits = np.zeros((steps, NUM_DRUMS), bool)
    velocity = np.zeros((steps, NUM_DRUMS), np.float32)
    offset = np.zeros((steps, NUM_DRUMS), np.float32)
    x = (ticks - start) / tick_per_step  # onsets in steps from the stretch's start
    step = np.floor(x + 0.5).astype(np.int64)
    keep = step < steps
    drum = PITCH_TO_DRUM[pitches].astype(np.int64)
    for s, d, v, o in sorted(zip(step[keep].tolist(), drum[keep].tolist(), velocities[keep].tolist(),
                                 (x - step)[keep].tolist()), key=lambda e: e[2]):  # the loudest comes last, wins
        hits[s, d], velocity[s, d], offset[s, d] = True, v / 127.0, o
    return hits, velocity, offset


@dataclass
class DrumStretch:
    """The whole grid of one 4/4 (or 2/2) stretch of a file: hits, velocities and offsets (bars * 16, 9)."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    start_tick: int

    @property
    def bars(self) -> int:
        return len(self.hits) // STEPS_PER_BAR


def drum_stretches(midi: MidiData, *, taps: bool = False, bar: int = STEPS_PER_BAR) -> list[DrumStretch]:
    """Every stretch of a parsed file in bars of `bar` steps (16: 4/4 and 2/2) that has drums, gridded whole
    (empty bars included); `NoDrumsError` says why there are none.

    With `taps` every note of every track counts, drum or not, each onset a hit of the first class: the
    file's rhythm (GrooVAE's tap input, music/drums/groove/views.py)."""
    tracks = [t for t in midi.tracks if taps or t.is_drum]
    if not tracks:
        has = "no notes" if not midi.tracks else "no drum track (MIDI channel 10)"
        raise NoDrumsError(midi.path, has, kind="no-notes" if not midi.tracks else "no-drums")
    ticks = np.concatenate([t.start for t in tracks])
    pitches = np.concatenate([t.pitch for t in tracks]).astype(np.int64)
    velocities = np.concatenate([t.velocity if t.velocity is not None else np.full(len(t.start), 100)
                                 for t in tracks]).astype(np.int64)
    if taps:
        pitches = np.full(len(pitches), DRUM_PITCHES[0][0])
    known = (PITCH_TO_DRUM[pitches] >= 0) & (velocities > 0)
    if not known.any():
        raise NoDrumsError(midi.path, f"no drum of the 9 classes (its drum pitches: "
                           f"{', '.join(map(str, sorted(set(pitches.tolist()))[:12]))})", kind="unknown-drums")
    ticks, pitches, velocities = ticks[known], pitches[known], velocities[known]
    tick_per_step = midi.ticks_per_quarter / STEPS_PER_QUARTER
    spans = meter_spans(midi, int(ticks.max()) + 1)
    kind = "4/4 or 2/2" if bar == STEPS_PER_BAR else f"bars of {bar} sixteenths"
    if not any(bar_steps(n, d) == bar for _, _, n, d in spans):
        names = sorted({f"{n}/{d}" for _, _, n, d in spans})
        raise NoDrumsError(midi.path, f"no stretch in {kind} (only {', '.join(names)})", kind="unsupported-meter")
    found = []
    for a, b, n, d in spans:
        inside = (ticks >= a) & (ticks < b)
        if bar_steps(n, d) != bar or not inside.any():
            continue
        last_step = int(np.floor((ticks[inside].max() - a) / tick_per_step + 0.5))
        bars = min(last_step // bar + 1, MAX_BARS)
        found.append(DrumStretch(*_stretch_grid(ticks[inside], pitches[inside], velocities[inside], a, tick_per_step,
                                                bars * bar), a))
    if not found:
        raise NoDrumsError(midi.path, f"no drums in its stretches in {kind}", kind="unsupported-meter")
    return found


def extract_drum_midi(midi: MidiData, cfg: DrumConfig = DrumConfig()) -> DrumWindows:
    """The drum windows of a parsed file; `NoDrumsError` says why there are none."""
    tick_per_step = midi.ticks_per_quarter / STEPS_PER_QUARTER
    found_hits, found_vel, found_off, found_ticks = [], [], [], []
    bar = cfg.steps_per_bar
    phases = []
    for stretch in drum_stretches(midi, bar=bar):
        busy = stretch.hits.reshape(-1, bar, NUM_DRUMS).any(axis=(1, 2))  # a hit in the bar
        for s in range(0, len(stretch.hits) - cfg.steps + 1, cfg.hop_steps):
            if busy[s // bar:(s + cfg.steps - 1) // bar + 1].all():  # every bar the window touches
                window = slice(s, s + cfg.steps)
                found_hits.append(stretch.hits[window])
                found_vel.append(stretch.velocity[window])
                found_off.append(stretch.offset[window])
                found_ticks.append(stretch.start_tick + round(s * tick_per_step))
                phases.append(s % bar)
    if not found_hits:
        raise NoDrumsError(midi.path, f"no {cfg.bars} bars in a row with drums in each", kind="too-short")
    found = _with_context(midi, np.stack(found_hits), np.stack(found_vel), np.stack(found_off), found_ticks)
    found.phase = np.array(phases, np.int32)
    return found


def extract_drum_compat(midi: MidiData, cfg: DrumConfig = DrumConfig(compat=True)) -> DrumWindows:
    """The windows magenta's `DrumsConverter` (music_vae/data.py, drums_2bar configs) gives, by its
    rules on note-seq 0.0.5's reading (facts; the code is ours): notes as pretty_midi pairs them; the
    file split at every time change and each section quantized on its own (sections.compat_sections,
    shared with the melodies' compat mode); sections that are not 16 steps a bar give nothing; drum notes
    of the 9 classes only; drum tracks read left to right as note-seq's `DrumTrack` does (a track starts on
    the bar of its first hit and ends where 16 or more steps pass after a hit's step without another; it
    is padded to whole bars; the next search starts where it ended); windows of `bars` bars on a one-bar
    hop; a window repeated within a section kept once. Only hits: velocities are the default, offsets 0."""
    if midi.pairing != "pretty_midi":
        raise ValueError("compat mode needs the notes read as pretty_midi pairs them: "
                         "read_midi(path, pairing='pretty_midi')")
    drums = [t for t in midi.tracks if t.is_drum]
    if not drums:
        has = "no notes" if not midi.tracks else "no drum track (MIDI channel 10)"
        raise NoDrumsError(midi.path, has, kind="no-notes" if not midi.tracks else "no-drums")
    known = [replace(t, start=t.start[k], end=t.end[k], pitch=t.pitch[k]) for t in drums
             if (k := PITCH_TO_DRUM[t.pitch.astype(np.int64)] >= 0).any()]
    if not known:
        pitches = sorted({int(p) for t in drums for p in t.pitch})
        raise NoDrumsError(midi.path, f"no drum of the 9 classes (its drum pitches: "
                           f"{', '.join(map(str, pitches[:12]))})", kind="unknown-drums")
    end_tick = max(int(t.end.max(initial=0)) for t in midi.tracks)
    sections = compat_sections(midi, known, end_tick, lambda steps: steps == STEPS_PER_BAR)
    if not any(s.notes for s in sections):
        names = sorted({f"{s.numerator}/{s.denominator}" for s in sections})
        raise NoDrumsError(midi.path, f"no drums in a 16-step bar (only {', '.join(names)})", kind="unsupported-meter")
    tick_per_step = midi.ticks_per_quarter / STEPS_PER_QUARTER
    found, found_ticks = [], []
    for section in sections:
        if not section.notes:
            continue
        starts = np.concatenate([st for st, _, _ in section.notes])
        drum = PITCH_TO_DRUM[np.concatenate([p for _, _, p in section.notes]).astype(np.int64)]
        windows, firsts = [], []
        for first, track in _drum_tracks(starts, drum):
            for k in range(0, len(track) - cfg.steps + 1, STEPS_PER_BAR):
                windows.append(track[k:k + cfg.steps])
                firsts.append(first + k)
        seen = set()
        for w, first in zip(windows, firsts):
            key = w.tobytes()
            if key not in seen:
                seen.add(key)
                found.append(w)
                found_ticks.append(section.start_tick + round(first * tick_per_step))
    if not found:
        raise NoDrumsError(midi.path, f"no {cfg.bars} bars of drums without a gap of a bar", kind="too-short")
    hits = np.stack(found)
    return _with_context(midi, hits, hits * np.float32(100 / 127), np.zeros(hits.shape, np.float32), found_ticks)


def _drum_tracks(starts: np.ndarray, drum: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """note-seq's drum tracks of one section's hits (onset steps and drum classes): (first step, hits
    (steps, 9) padded to whole bars) each, in order."""
    steps = np.unique(starts)
    grid = np.zeros((int(steps.max()) + 1, NUM_DRUMS), bool)
    grid[starts, drum] = True
    tracks, search = [], 0
    while True:
        ahead = steps[steps >= search]
        if not len(ahead):
            return tracks
        begin = int(ahead[0] - (ahead[0] - search) % STEPS_PER_BAR)
        gaps = np.flatnonzero(np.diff(ahead) - 1 >= STEPS_PER_BAR)  # 16+ empty steps after a hit
        last = int(ahead[gaps[0]] if len(gaps) else ahead[-1])
        length = -(-(last + 1 - begin) // STEPS_PER_BAR) * STEPS_PER_BAR
        track = np.zeros((length, NUM_DRUMS), bool)
        track[:last + 1 - begin] = grid[begin:last + 1]
        tracks.append((begin, track))
        search = begin + length


def extract_drum_file(path, cfg: DrumConfig = DrumConfig()) -> DrumWindows:
    """Read `path` and return its drum windows; a `MusicDataError` (one-line reason) when there are none."""
    if cfg.compat:
        return extract_drum_compat(read_midi(path, pairing="pretty_midi"), cfg)
    return extract_drum_midi(read_midi(path), cfg)
