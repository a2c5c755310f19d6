"""MIDI file -> MusicVAE melody windows: the whole conversion, in two modes.

`compat=True` reproduces magenta's `OneHotMelodyConverter` as configured for MusicVAE's 2-bar melody
models (magenta/models/music_vae/configs.py and data.py: valid programs 0-31, pitches 21..108,
max_bars=100, slice_bars=2, steps_per_quarter=4, gap_bars=1, presplit_on_time_changes=True,
dedupe_event_lists=True): the same windows, checked file by file against note-seq 0.0.5 in
`benchmarks/bench_pipeline.py`.

The default mode keeps those rules where they define the data and departs where magenta throws
music away for no musical reason:

* duple meters whose bar is not 16 steps are read on the same 16-step grid: two 2/4 (or 4/8) bars
  make one unit, and a 4/2 (or 8/4, 2/1) bar is two units, as two 2/2 bars are. magenta keeps 16-step
  bars only, which rejects a third of the Essen folk songs;
* notes are quantized from ticks, exactly, and sections are split only at meter changes, not at
  tempo changes (see sections.py);
* melodies are not truncated at 100 bars (only at `max_bars`=1000, to bound memory);
* identical windows are dropped per file rather than per section, and windows without a single
  note-on (a long held note or silence) are dropped: they decode to nothing;
* melodies are read from every General MIDI instrument that plays them (`MELODIC_PROGRAMS`): besides
  magenta's pianos to guitars (0-31), strings, ensembles and voices, brass, reeds, pipes, synth leads
  (40-87) and the folk instruments (104-111: sitar to fiddle and bagpipe). A violin or flute line, or a
  Palestrina voice (music21 writes voices as program 53), is a melody; basses, pads and effects are not.

Which track comes first (default mode; compat mode keeps magenta's order): a file's windows are ordered
by their track, so that `--window 0` is the melody of a pop file whose piano-chords track comes before
the lead. A track named like a melody (`MELODY_NAME`: melody, lead, vocal, voice, vox, solo, sing(er),
tune, theme; case-insensitive) comes first; the others follow the most melody-like first: among the
tracks with at least a tenth as many notes as the busiest one, the one whose onsets most often sound
alone (no other note of the track held over or struck with them), then the sparser tracks. Measured with
the track names ignored on the 819 POP909 songs at hand (MELODY, BRIDGE and PIANO tracks; /work/shared/
data/pop909, `benchmarks/track_rule.py`): this rule ranks MELODY first in 800 of 819 (97.7%); the most
monophonic track alone 798 (97.4%); monophonic (80% of onsets alone), then the highest mean pitch 713
(87.1%); the highest mean pitch 324 (39.6%); the most notes 1 (0.1%: the piano).

Each window carries its context (`Windows.program`, `.tempo`, `.velocity`, `.track`, `.track_name(i)`):
what `Windows.playback(i)` hands to the outputs, so a 96 qpm flute line comes back as one.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody import rules as melody
from musicvae_lite.music.melody.encoding import MAX_PITCH, MIN_PITCH, NUM_SPECIAL, STEPS_PER_BAR, STEPS_PER_QUARTER
from musicvae_lite.music.errors import NoMelodyError
from musicvae_lite.music.midi_read import MidiData, Track, describe_tracks, read_midi  # noqa: F401 (re-exported)
from musicvae_lite.music.playback import DEFAULT_VELOCITY, WindowContext
from musicvae_lite.music.meter import bar_as_read
from musicvae_lite.music.sections import bar_of_tick, bar_steps, compat_sections, qpm_at, tick_sections

BAR_GROUPS = {  # default mode: a window's bar in steps -> the source bars (in steps) read into it
    16: (4, 8, 16, 32, 64),  # 4/4 and 2/2; 2/4 pairs, 4/2 halves and 4/1 quarters regrouped (tile or tiled by 16)
    12: (6, 12),  # 3/4 and 6/8; 3/8 bars read in pairs
    18: (18,),  # 9/8
    24: (24, 48),  # 12/8, 3/2, 6/4; 6/2 and 3/1 bars (Essen's long ones) read as two 3/2 bars
}
_BAR_NAMES = {16: "bars of 4, 8, 16, 32 or 64 sixteenths (2/4, 4/4, 2/2, 4/2, 4/1, ...)",
              12: "bars of 12 sixteenths (3/4, 6/8) or 6 (3/8, read in pairs)", 18: "bars of 18 sixteenths (9/8)",
              24: "bars of 24 or 48 sixteenths (12/8, 3/2, 6/4, 6/2, 3/1)"}
MAGENTA_PROGRAMS = frozenset(range(0, 32))  # magenta's MEL_PROGRAMS: compat mode
MELODIC_PROGRAMS = MAGENTA_PROGRAMS | frozenset(range(40, 88)) | frozenset(range(104, 112))  # the default mode
MELODY_NAME = re.compile(r"melod|lead|vocal|voice|\bvox|solo|\bsing|\btune|theme", re.IGNORECASE)
BUSY_SHARE = 0.1  # a melody-like track has at least this share of the busiest track's notes
TUPLET_TOLERANCE = 0.03  # of a step: an onset this near a third of a step is a tuplet's
MAX_TUPLET_SHARE = 0.5  # a tune with more of its notes on tuplet places is refused (kind "off-grid"). Measured
# (files with more than 10% / 25% / 50%): the training mix 19 / 2 / 0 of 11,734; O'Neill's 1850 174 / 32 / 12


def _ranges(programs: frozenset[int]) -> str:
    """'0-31, 40-87' for a set of programs."""
    out, ordered = [], sorted(programs)
    start = prev = ordered[0]
    for p in [*ordered[1:], None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        out.append(f"{start}-{prev}" if prev > start else str(start))
        if p is not None:
            start = prev = p
    return ", ".join(out)


@dataclass(frozen=True)
class ExtractConfig:
    """How MIDI becomes windows. Defaults are MusicVAE's 2-bar melody settings."""

    bars: int = 2  # window length in bars: 2 for the flat models, 16 for hierarchical ones
    compat: bool = False  # True: exactly magenta's windows; False: the extended default mode
    steps_per_bar: int = STEPS_PER_BAR  # the bar the windows are cut in (BAR_GROUPS: 16, 12, 18 or 24 steps; 0: the
    # tune's own, for a model that reads every meter: extract_own_meter),
    # recorded with every dataset; --compat reads magenta's 16 only
    min_program: int | None = None  # General MIDI programs kept as melody instruments; both None: magenta's
    max_program: int | None = None  # 0-31 in compat mode, MELODIC_PROGRAMS in the default mode
    gap_bars: int = 1  # this much silence ends a melody
    max_bars: int | None = None  # melodies are cut after this many bars; None: 100 compat, 1000 default
    track_names: tuple[str, ...] | None = None  # read only tracks of these names (case-insensitive, e.g.
    # ("MELODY",) for POP909's sung line); None: every melodic track

    def __post_init__(self):
        if self.compat and self.steps_per_bar != STEPS_PER_BAR:
            raise MvaeError(f"--compat reads magenta's bars of {STEPS_PER_BAR} steps (4/4, 2/2) only, "
                            f"not {self.steps_per_bar}")
        if self.steps_per_bar not in BAR_GROUPS and not (self.steps_per_bar == 0 and not self.compat):
            raise MvaeError(f"melodies are read in bars of {', '.join(map(str, BAR_GROUPS))} steps "
                            f"(4/4; 3/4 and 6/8; 9/8; 12/8), not {self.steps_per_bar}")

    @property
    def steps(self) -> int:
        """Events per window."""
        return self.bars * self.steps_per_bar

    @property
    def melody_max_steps(self) -> int:
        return self.steps_per_bar * (self.max_bars or (100 if self.compat else 1000))

    @property
    def programs(self) -> frozenset[int]:
        """The General MIDI programs read as melody instruments."""
        if self.min_program is None and self.max_program is None:
            return MAGENTA_PROGRAMS if self.compat else MELODIC_PROGRAMS
        low = 0 if self.min_program is None else self.min_program
        return frozenset(range(low, (127 if self.max_program is None else self.max_program) + 1))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Windows(WindowContext):
    """The windows of one file."""

    events: np.ndarray  # (n, steps) uint8 classes 0..89
    start_bar: np.ndarray  # (n,) int32: the bar of the source where each window starts (0-based)
    qpm: float | None = None  # the source's opening tempo, None when it sets none
    track: np.ndarray | None = None  # (n,) int: which of `tracks` each window comes from
    tracks: tuple[str, ...] = ()  # the file's tracks with notes, in file order: "1 Flute (program 73)"
    program: np.ndarray | None = None  # (n,) int: the General MIDI program of each window's track
    tempo: np.ndarray | None = None  # (n,) float: qpm in force where each window starts (to 0.01)
    velocity: np.ndarray | None = None  # (n,) int: mean note-on velocity of each window's notes
    names: tuple[str, ...] = ()  # each track's own name in the file ("" where none), indexed like `tracks`
    meter: np.ndarray | None = None  # (n,) str: each window's bar as read ("3/4", "6/8"; meter.bar_as_read)
    start_tick: np.ndarray | None = None  # (n,) int: the file tick where each window starts (chords align by it)

    def __len__(self) -> int:
        return len(self.events)



def _melodic_tracks(midi: MidiData, all_tracks: list[Track], cfg: ExtractConfig) -> tuple[list[Track], list[int]]:
    """Non-drum tracks on a kept program, with only notes in the piano range, and their indices in
    `all_tracks`; say why when none."""
    if not any(len(t.start) for t in all_tracks):
        raise NoMelodyError(midi.path, "no notes", kind="no-notes")
    if cfg.track_names is not None:
        wanted = {n.strip().lower() for n in cfg.track_names}
        named = [t if " ".join(t.name.split()).lower() in wanted else Track(t.program, t.is_drum, t.start[:0],
                 t.end[:0], t.pitch[:0], t.name) for t in all_tracks]  # emptied, so indices stay those of the file
        if not any(len(t.start) for t in named):
            raise NoMelodyError(midi.path, f"no track named {' or '.join(cfg.track_names)} with notes (its tracks: "
                                f"{', '.join(' '.join(t.name.split()) or '(unnamed)' for t in all_tracks)})",
                                kind="no-named-track")
        all_tracks = named
    pitched = [t for t in all_tracks if not t.is_drum and len(t.start)]
    if not pitched:
        raise NoMelodyError(midi.path, "it only has drums", kind="only-drums")
    programs = cfg.programs
    melodic = [t for t in pitched if t.program in programs]
    if not melodic:
        found = sorted({t.program for t in pitched})
        raise NoMelodyError(
            midi.path, f"no melody instrument (programs {_ranges(programs)}); "
            f"it has programs {', '.join(map(str, found))}", kind="no-melodic-program")
    out, origin = [], []
    for i, t in enumerate(all_tracks):
        if not (not t.is_drum and len(t.start) and t.program in programs):
            continue
        keep = (t.pitch >= MIN_PITCH) & (t.pitch <= MAX_PITCH)
        if keep.all():
            out.append(t)
        elif keep.any():
            out.append(Track(t.program, t.is_drum, t.start[keep], t.end[keep], t.pitch[keep], t.name,
                             None if t.velocity is None else t.velocity[keep]))
        else:
            continue
        origin.append(i)
    if not out:
        raise NoMelodyError(midi.path, f"no note in the piano range {MIN_PITCH}..{MAX_PITCH}",
                            kind="out-of-range")
    return out, origin


def _meter_error(midi: MidiData, meters, cfg: ExtractConfig) -> NoMelodyError:
    names = sorted({f"{n}/{d}" for n, d in meters}) or ["none"]
    need = ("bars of 16 sixteenths (4/4, 2/2) in --compat mode" if cfg.compat
            else _BAR_NAMES[cfg.steps_per_bar])
    return NoMelodyError(midi.path, f"no usable section: only {', '.join(names)} (need {need})",
                         kind="unsupported-meter")


def extract_midi(midi: MidiData, cfg: ExtractConfig) -> Windows:
    """The windows of a parsed file; `NoMelodyError` says why there are none."""
    if cfg.compat:
        def usable(steps: float) -> bool:
            return steps == STEPS_PER_BAR
    else:
        def usable(steps: float) -> bool:
            return steps in BAR_GROUPS[cfg.steps_per_bar]
    if not any(len(t.start) for t in midi.tracks):
        raise NoMelodyError(midi.path, "no notes", kind="no-notes")
    meters = {(n, d) for _, n, d in midi.time_signatures}
    if not any(tick == 0 for tick, _, _ in midi.time_signatures):
        meters.add((4, 4))  # MIDI's default until the first time signature
    if not any(usable(bar_steps(n, d)) for n, d in meters):  # no need to look at a note
        raise _meter_error(midi, meters, cfg)
    if cfg.compat:  # the notes pretty_midi reads, which decide the sequence's length too
        if midi.pairing != "pretty_midi":
            raise ValueError("compat mode needs the notes read as pretty_midi pairs them: "
                             "read_midi(path, pairing='pretty_midi')")
        tracks, origin = _melodic_tracks(midi, list(midi.tracks), cfg)
        end_tick = max(int(t.end.max(initial=0)) for t in midi.tracks)
        sections = compat_sections(midi, tracks, end_tick, usable)
    else:
        tracks, origin = _melodic_tracks(midi, list(midi.tracks), cfg)
        _check_on_grid(midi, tracks)
        sections = tick_sections(midi, tracks, usable)
    usable_sections = [s for s in sections if s.notes]
    if not usable_sections:
        raise _meter_error(midi, [(s.numerator, s.denominator) for s in sections], cfg)

    wins, ticks, track, meter = _collect(midi, usable_sections, origin, cfg)
    if not cfg.compat:
        rank = np.full(len(midi.tracks) + 1, len(midi.tracks))  # the last entry: track -1 (unknown)
        rank[np.asarray(origin)[track_order(tracks)]] = np.arange(len(tracks))
        order = np.argsort(rank[track], kind="stable")  # the most melody-like track's windows first
        wins, ticks, track, meter = wins[order], ticks[order], track[order], meter[order]
        keep = _first_unique(wins)  # the default mode dedupes per file
        wins, ticks, track, meter = wins[keep], ticks[keep], track[keep], meter[keep]
    if not len(wins):
        tick_per_step = midi.ticks_per_quarter / STEPS_PER_QUARTER
        raise NoMelodyError(midi.path, f"no melody of at least {_bars(cfg.bars)}{_length_note(tracks, tick_per_step, cfg)}",
                            kind="too-short")
    return _with_context(midi, tracks, origin, wins, ticks, track, cfg.steps, meter)


def tuplet_share(midi: MidiData, tracks: list[Track]) -> float:
    """The share of the tracks' note onsets that fall on a triplet's place between two 16th-note steps (a
    third or two thirds of a step, within TUPLET_TOLERANCE): notes the grid cannot hold, which quantizing
    moves (a performance's loose timing spreads evenly and lands there about 12% of the time)."""
    starts = [t.start for t in tracks if len(t.start)]
    if not starts:
        return 0.0
    frac = (np.concatenate(starts) / (midi.ticks_per_quarter / STEPS_PER_QUARTER)) % 1.0
    return float(((np.abs(frac - 1 / 3) < TUPLET_TOLERANCE) | (np.abs(frac - 2 / 3) < TUPLET_TOLERANCE)).mean())


def _check_on_grid(midi: MidiData, tracks: list[Track]) -> None:
    """A tune most of whose notes are tuplets is refused in one line rather than bent onto the grid."""
    share = tuplet_share(midi, tracks)
    if share > MAX_TUPLET_SHARE and sum(len(t.start) for t in tracks) >= 8:
        raise NoMelodyError(midi.path, f"{share:.0%} of its notes fall between the 16th-note steps (triplets or "
                            f"other tuplets), which the grid cannot hold", kind="off-grid")


def _collect(midi: MidiData, sections, origin: list[int], cfg: ExtractConfig):
    """The windows of every usable section, in order: (windows, start tick, index in midi.tracks) arrays."""
    steps, gap = cfg.steps, cfg.gap_bars * cfg.steps_per_bar
    tick_per_step = midi.ticks_per_quarter / STEPS_PER_QUARTER
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = []  # (windows, start tick, track, meter)
    for s in sections:
        wins, first, part = melody.section_windows(s.notes, steps=steps, max_steps=cfg.melody_max_steps,
                                                   bar=cfg.steps_per_bar, gap=gap)
        if not len(wins):
            continue
        if cfg.compat:
            keep = _first_unique(wins)  # magenta dedupes within each section
        else:
            keep = np.flatnonzero((wins >= NUM_SPECIAL).any(axis=1))  # a window needs a note-on
        track = np.asarray(origin)[np.asarray(s.parts)[part[keep]]] if s.parts else np.full(len(keep), -1)
        label = bar_as_read(s.numerator, s.denominator, cfg.steps_per_bar).label
        found.append((wins[keep], s.start_tick + np.round(first[keep] * tick_per_step).astype(np.int64), track,
                      np.full(len(keep), label)))
    wins = np.concatenate([w for w, _, _, _ in found]) if found else np.empty((0, steps), np.uint8)
    ticks = np.concatenate([t for _, t, _, _ in found]) if found else np.empty(0, np.int64)
    track = np.concatenate([k for _, _, k, _ in found]) if found else np.empty(0, np.int64)
    meter = np.concatenate([m for _, _, _, m in found]) if found else np.empty(0, "<U5")
    return wins, ticks, track, meter


def _alone_share(t: Track) -> float:
    """The share of a track's onsets that sound alone: no earlier note of the track still held over it,
    no other note struck with it (1.0 for a monophonic line)."""
    order = np.argsort(t.start, kind="stable")
    start, end = t.start[order], t.end[order]
    held = np.empty(len(start), np.int64)
    held[0] = -1
    held[1:] = np.maximum.accumulate(end)[:-1]  # the latest end among the earlier notes
    chord = np.zeros(len(start), bool)
    chord[1:] = start[1:] == start[:-1]
    chord[:-1] |= chord[1:]
    return float(((held <= start) & ~chord).mean())


def track_order(tracks: list[Track]) -> list[int]:
    """Indices of `tracks` from the most melody-like to the least: named like a melody first, then the
    tracks with at least BUSY_SHARE of the busiest one's notes by the share of onsets that sound alone,
    then the rest the same way; file order breaks ties (the rule and its measurement: module docstring)."""
    busiest = max(len(t.start) for t in tracks)

    def key(i: int):
        t = tracks[i]
        return (not MELODY_NAME.search(t.name or ""), len(t.start) < BUSY_SHARE * busiest, -_alone_share(t), i)

    return sorted(range(len(tracks)), key=key)


def _with_context(midi: MidiData, tracks: list[Track], origin: list[int], wins, ticks, track, steps: int,
                  meter) -> Windows:
    """The Windows, each with its track's program, the tempo where it starts and its notes' mean velocity."""
    programs = np.array([t.program for t in midi.tracks] + [0])  # track -1: unknown, program 0
    span = steps * midi.ticks_per_quarter / STEPS_PER_QUARTER
    return Windows(wins, bar_of_tick(midi, ticks).astype(np.int32), midi.first_qpm, track.astype(np.int32),
                   describe_tracks(midi), programs[track], qpm_at(midi, ticks), _mean_velocity(tracks, origin, ticks, track, span),
                   tuple(" ".join(t.name.split()) for t in midi.tracks), meter, np.asarray(ticks, np.int64))


def _mean_velocity(tracks: list[Track], origin: list[int], ticks, track, span: float) -> np.ndarray:
    """The mean velocity of the notes of each window's track that start within it (the track's mean when
    none does), for all windows at once: the tracks' notes laid end to end, `width` ticks apart."""
    if not len(ticks) or any(t.velocity is None or not len(t.velocity) for t in tracks):
        return np.full(len(ticks), DEFAULT_VELOCITY, np.int64)
    width = int(max(int(t.start.max()) for t in tracks) + span + 2)
    starts = np.concatenate([t.start + k * width for k, t in enumerate(tracks)])
    total = np.concatenate([[0], np.cumsum(np.concatenate([t.velocity for t in tracks]), dtype=np.int64)])
    place = np.full(max(origin) + 2, -1)  # index in midi.tracks (or -1) -> position in `tracks`
    place[np.asarray(origin)] = np.arange(len(tracks))
    k = place[track]
    known = k >= 0
    k = np.maximum(k, 0)
    a = np.searchsorted(starts, ticks + k * width, side="left")
    b = np.searchsorted(starts, ticks + k * width + span, side="left")
    sizes = np.array([len(t.start) for t in tracks])
    ends = np.cumsum(sizes)
    whole = (total[ends] - total[ends - sizes]) / sizes  # each track's mean
    mean = np.where(b > a, (total[b] - total[a]) / np.maximum(b - a, 1), whole[k])
    return np.where(known, np.clip(np.round(mean), 1, 127), DEFAULT_VELOCITY).astype(np.int64)


def _bars(n: float) -> str:
    """'1 bar', '2 bars', '1.5 bars'."""
    text = f"{n:.3g}"
    return f"{text} bar{'' if text == '1' else 's'}"


def _length_note(tracks, tick_per_step: float, cfg: ExtractConfig) -> str:
    """What the file has instead, for the too-short message: how many bars its melodic notes span."""
    starts = [int(t.start.min()) for t in tracks if len(t.start)]
    if not starts:
        return ""
    span = max(int(t.end.max()) for t in tracks if len(t.end)) - min(starts)
    bars = span / (tick_per_step * cfg.steps_per_bar)
    if bars < cfg.bars:
        return f": its melody lasts {_bars(bars)}"
    return (f": its melody spans {_bars(bars)}, but no {cfg.bars} of them run without a rest of "
            f"{cfg.gap_bars} bar{'s' if cfg.gap_bars != 1 else ''} or more")


def _first_unique(rows: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct row, in order."""
    if len(rows) < 2:
        return np.arange(len(rows))
    keys = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
    _, first = np.unique(keys, return_index=True)
    first.sort()
    return first


def extract_file(path, cfg: ExtractConfig = ExtractConfig()) -> Windows:
    """Read `path` and return its windows; raise `MusicDataError` (one-line reason) when there are none."""
    if cfg.steps_per_bar == 0:
        return extract_own_meter(path, cfg)
    return extract_midi(read_midi(path, pairing="pretty_midi" if cfg.compat else "fifo"), cfg)


def extract_own_meter(path, cfg: ExtractConfig = ExtractConfig()) -> Windows:
    """The windows of `path` in its own meter, for a model that reads every meter: cut in each bar length of
    BAR_GROUPS in turn (`cfg.steps_per_bar` is ignored), the one that gives the most windows kept (a file
    whose sections change between 3/4 and 4/4 gives the windows of the meter most of it is in). When none
    gives any, the one-line reason names the file's meters."""
    from dataclasses import replace

    midi = read_midi(path, pairing="fifo")
    best, first_error = None, None
    for bar in BAR_GROUPS:
        try:
            got = extract_midi(midi, replace(cfg, steps_per_bar=bar, compat=False))
        except NoMelodyError as e:
            if first_error is None or (first_error.kind == "unsupported-meter" and e.kind != "unsupported-meter"):
                first_error = e  # a reason about the notes beats one about the meter
            continue
        if best is None or len(got) > len(best):
            best = got
    if best is None:
        if first_error is not None and first_error.kind == "unsupported-meter":
            meters = sorted({f"{n}/{d}" for _, n, d in midi.time_signatures}) or ["4/4"]
            raise NoMelodyError(midi.path, f"no usable section: only {', '.join(meters)} (the grid of 16th notes "
                                f"reads bars of {', '.join(str(b) for b in BAR_GROUPS)} sixteenths and their "
                                f"halves and doubles: 2/4, 4/4, 2/2, 3/4, 6/8, 3/8, 9/8, 12/8, 3/2, 6/4)",
                                kind="unsupported-meter")
        raise first_error
    return best


def window_table(path, windows: Windows, bars: int) -> list[str]:
    """`mvae windows`' report: one line per window with the index `--window` takes, its first bar, the
    track it comes from (numbered as `Windows.tracks` lists them), its notes, pitch range and tempo. The
    tracks are listed in the order their windows come (the most melody-like first, see track_order)."""
    from musicvae_lite.music.melody.encoding import events_to_notes, pitch_name

    used = list(dict.fromkeys(int(t) for t in windows.track)) if windows.track is not None else []
    n = len(windows)
    lines = [f"{n} window{'' if n == 1 else 's'} of {_bars(bars)} in {path}"]
    if len(windows.tracks) > 1:
        lines.append("tracks: " + "; ".join(windows.tracks[t] for t in used if 0 <= t < len(windows.tracks)))
    lines.append("index  bar  track  notes  range      qpm  meter")
    for i, (events, bar) in enumerate(zip(windows.events, windows.start_bar.tolist())):
        notes = events_to_notes(events)
        low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
        track = int(windows.track[i]) + 1 if windows.track is not None and windows.track[i] >= 0 else "-"
        span = f"{pitch_name(low)}-{pitch_name(high)}"
        played = windows.playback(i)
        lines.append(f"{i:5d} {bar + 1:4d} {track:>6} {len(notes):6d}  {span:<9} {played.qpm:>5g}  {played.meter.label}")
    return lines
