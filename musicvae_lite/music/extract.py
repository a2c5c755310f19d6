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
  note-on (a long held note or silence) are dropped: they decode to nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from musicvae_lite.music import melody
from musicvae_lite.music.encoding import MAX_PITCH, MIN_PITCH, NUM_SPECIAL, STEPS_PER_BAR, STEPS_PER_QUARTER
from musicvae_lite.music.errors import NoMelodyError
from musicvae_lite.music.midi_read import MidiData, Track, read_midi
from musicvae_lite.music.sections import Section, bar_of_tick, compat_sections, pretty_midi_notes, tick_sections

GROUPABLE_BAR_STEPS = (4, 8, 16, 32)  # default mode: bars that tile, or are tiled by, 16-step units


@dataclass(frozen=True)
class ExtractConfig:
    """How MIDI becomes windows. Defaults are MusicVAE's 2-bar melody settings."""

    bars: int = 2  # window length in 16-step bars: 2 for the flat models, 16 for hierarchical ones
    compat: bool = False  # True: exactly magenta's windows; False: the extended default mode
    min_program: int = 0  # General MIDI programs kept as melody instruments (magenta's MEL_PROGRAMS:
    max_program: int = 31  # 0-31, pianos to guitars)
    gap_bars: int = 1  # this much silence ends a melody
    max_bars: int | None = None  # melodies are cut after this many bars; None: 100 compat, 1000 default

    @property
    def steps(self) -> int:
        """Events per window."""
        return self.bars * STEPS_PER_BAR

    @property
    def melody_max_steps(self) -> int:
        return STEPS_PER_BAR * (self.max_bars or (100 if self.compat else 1000))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Windows:
    """The windows of one file."""

    events: np.ndarray  # (n, steps) uint8 classes 0..89
    start_bar: np.ndarray  # (n,) int32: the bar of the source where each window starts (0-based)
    qpm: float | None = None  # the source's opening tempo, None when it sets none

    def __len__(self) -> int:
        return len(self.events)


def _melodic_tracks(midi: MidiData, all_tracks: list[Track], cfg: ExtractConfig) -> list[Track]:
    """Non-drum tracks on a kept program, with only notes in the piano range; say why when none."""
    if not any(len(t.start) for t in all_tracks):
        raise NoMelodyError(midi.path, "no notes", kind="no-notes")
    pitched = [t for t in all_tracks if not t.is_drum and len(t.start)]
    if not pitched:
        raise NoMelodyError(midi.path, "it only has drums", kind="only-drums")
    melodic = [t for t in pitched if cfg.min_program <= t.program <= cfg.max_program]
    if not melodic:
        found = sorted({t.program for t in pitched})
        raise NoMelodyError(
            midi.path, f"no melody instrument (programs {cfg.min_program}-{cfg.max_program}); "
            f"it has programs {', '.join(map(str, found))}", kind="no-melodic-program")
    out = []
    for t in melodic:
        keep = (t.pitch >= MIN_PITCH) & (t.pitch <= MAX_PITCH)
        if keep.all():
            out.append(t)
        elif keep.any():
            out.append(Track(t.program, t.is_drum, t.start[keep], t.end[keep], t.pitch[keep]))
    if not out:
        raise NoMelodyError(midi.path, f"no note in the piano range {MIN_PITCH}..{MAX_PITCH}",
                            kind="out-of-range")
    return out


def _meter_name(s: Section) -> str:
    return f"{s.numerator}/{s.denominator}"


def extract_midi(midi: MidiData, cfg: ExtractConfig) -> Windows:
    """The windows of a parsed file; `NoMelodyError` says why there are none."""
    if cfg.compat:  # the notes pretty_midi reads, which decide the sequence's length too
        all_tracks = [pretty_midi_notes(t) for t in midi.tracks]
        tracks = _melodic_tracks(midi, all_tracks, cfg)
        end_tick = max(int(t.end.max(initial=0)) for t in all_tracks)
        sections = compat_sections(midi, tracks, end_tick)
        usable = [s for s in sections if s.bar_steps == STEPS_PER_BAR]
    else:
        tracks = _melodic_tracks(midi, list(midi.tracks), cfg)
        sections = tick_sections(midi, tracks)
        usable = [s for s in sections if s.bar_steps in GROUPABLE_BAR_STEPS]
    if not usable:
        meters = sorted({_meter_name(s) for s in sections}) or ["none"]
        need = ("bars of 16 sixteenths (4/4, 2/2) in --compat mode" if cfg.compat
                else "bars of 4, 8, 16 or 32 sixteenths (2/4, 4/4, 2/2, 4/2, ...)")
        raise NoMelodyError(midi.path, f"no usable section: only {', '.join(meters)} (need {need})",
                            kind="unsupported-meter")

    steps, gap = cfg.steps, cfg.gap_bars * STEPS_PER_BAR
    tick_per_step = midi.ticks_per_quarter / STEPS_PER_QUARTER
    seen: set[bytes] = set()
    rows: list[np.ndarray] = []
    row_ticks: list[int] = []  # where each window starts in the file
    for s in usable:
        if cfg.compat:
            seen = set()  # magenta dedupes within each section
        for start, end, pitch in s.notes:
            for origin, events in melody.melodies(start, end, pitch, max_steps=cfg.melody_max_steps,
                                                  gap=gap):
                wins = melody.windows(events, steps)
                blob = wins.tobytes()
                for k in range(len(wins)):
                    key = blob[k * steps:(k + 1) * steps]
                    if key in seen or (not cfg.compat and max(key) < NUM_SPECIAL):
                        continue  # a repeat, or (default mode) a window without a note-on
                    seen.add(key)
                    rows.append(wins[k])
                    row_ticks.append(s.start_tick + round((origin + k * STEPS_PER_BAR) * tick_per_step))
    if not rows:
        raise NoMelodyError(midi.path, f"no melody of at least {cfg.bars} bars", kind="too-short")
    return Windows(np.stack(rows), bar_of_tick(midi, np.array(row_ticks)).astype(np.int32), midi.first_qpm)


def extract_file(path, cfg: ExtractConfig = ExtractConfig()) -> Windows:
    """Read `path` and return its windows; raise `MusicDataError` (one-line reason) when there are none."""
    return extract_midi(read_midi(path), cfg)
