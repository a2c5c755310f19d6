"""The reference melody windows: what magenta's MusicVAE data converter yields for a MIDI file.

Reproduces `OneHotMelodyConverter` as configured for `cat-mel_2bar_*` (Roberts et al. 2018,
"A Hierarchical Latent Vector Model for Learning Long-Term Structure in Music"; magenta's
`models/music_vae/configs.py` and `data.py`), built only from note-seq 0.0.5 calls:

  midi_io.midi_file_to_note_sequence               pretty_midi reads the file
  sequences_lib.split_note_sequence_on_time_changes one section per time signature / tempo
  per section: keep notes with program 0..31 and pitch 21..108, then
  sequences_lib.quantize_note_sequence(ns, 4)      4 steps per quarter; a section that is not
                                                   16 steps per bar yields nothing
  Melody.from_quantized_sequence, in a loop        our own rendering of magenta's documented
                                                   `extract_melodies` (note-seq does not ship it)
  slice into `bars` * 16-step windows, hop 16      encode with MelodyOneHotEncoding(21, 109):
                                                   0 = no event, 1 = note-off, 2..89 = pitch 21..108
  dedupe within each section                       as the converter does (dedupe_event_lists)

This is the yardstick `bench_pipeline.py` holds our pipeline's compat mode against; it is meant
to be slow and obviously faithful, not clever. Debug one file with
`python benchmarks/magenta_reference.py FILE.mid`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

with warnings.catch_warnings():
    # note_seq imports pydub, which warns that ffmpeg is missing and audioop is deprecated;
    # we never touch audio.
    warnings.simplefilter("ignore")
    import note_seq
    from note_seq import midi_io, sequences_lib


@dataclass(frozen=True)
class MelodyConverterConfig:
    """The `OneHotMelodyConverter` settings of magenta's `cat-mel_2bar_*` configs."""

    bars: int = 2  # slice_bars: window length in bars
    steps_per_quarter: int = 4  # quantization resolution
    steps_per_bar: int = 16  # sections with another bar length (e.g. 3/4 -> 12) yield nothing
    min_program: int = 0  # valid_programs = range(0, 32): the piano .. guitar families
    max_program: int = 31
    min_pitch: int = 21  # A0; notes outside 21..108 are dropped before extraction
    max_pitch: int = 108  # C8
    gap_bars: int = 1  # a rest this long (in bars) ends a melody
    min_bars: int = 1  # shorter melodies are discarded
    min_unique_pitches: int = 1  # melodies with fewer distinct pitch classes are discarded
    max_bars: int = 100  # longer melodies are truncated to this many bars

    @property
    def window_steps(self) -> int:
        return self.bars * self.steps_per_bar

    @property
    def max_steps(self) -> int:
        return self.max_bars * self.steps_per_bar


Window = tuple[int, ...]

# Raised by quantize_note_sequence (or, for the last one, by Melody) on a section magenta skips.
# magenta catches the first three; the two Multiple* errors cannot survive the split on time
# changes in ordinary files, and a section that raises them yields nothing here as well.
_SECTION_ERRORS = (
    sequences_lib.BadTimeSignatureError,
    sequences_lib.NegativeTimeError,
    sequences_lib.MultipleTimeSignatureError,
    sequences_lib.MultipleTempoError,
    note_seq.NonIntegerStepsPerBarError,
)


def _keep_valid_notes(section, cfg: MelodyConverterConfig) -> None:
    """Drop, in place, notes outside the valid programs or the pitch range (the converter's is_valid)."""
    kept = [
        n
        for n in section.notes
        if cfg.min_program <= n.program <= cfg.max_program and cfg.min_pitch <= n.pitch <= cfg.max_pitch
    ]
    del section.notes[:]
    section.notes.extend(kept)


def extract_melodies(quantized, cfg: MelodyConverterConfig) -> list[list[int]]:
    """Monophonic melodies of a quantized section, as magenta's `extract_melodies` documents them.

    Per instrument (pretty_midi's instrument index), melodies are read left to right: each one
    starts on the bar of its first note, keeps the highest of simultaneous onsets, ends at a rest
    of `gap_bars`, and is padded to whole bars; the next search starts at the following bar line.
    Returns the raw Melody events (-2 no event, -1 note-off, 0..127 note-on), one list per melody.
    """
    steps_per_bar = int(sequences_lib.steps_per_bar_in_quantized_sequence(quantized))
    search_start = 0
    melodies = []
    for instrument in sorted({n.instrument for n in quantized.notes}):
        start = search_start
        while True:
            melody = note_seq.Melody()
            try:
                melody.from_quantized_sequence(
                    quantized,
                    search_start_step=start,
                    instrument=instrument,
                    gap_bars=cfg.gap_bars,
                    ignore_polyphonic_notes=True,  # skip_polyphony=False
                    pad_end=True,
                    filter_drums=True,
                )
            except note_seq.PolyphonicMelodyError:
                break  # this instrument is done; the others are still searched
            start = melody.end_step + (search_start - melody.end_step) % steps_per_bar
            if not melody:
                break
            if len(melody) < melody.steps_per_bar * cfg.min_bars:
                continue
            if len(melody) > cfg.max_steps:
                melody.set_length(cfg.max_steps - cfg.max_steps % melody.steps_per_bar)
            if np.count_nonzero(melody.get_note_histogram()) < cfg.min_unique_pitches:
                continue
            melodies.append(list(melody))
    return melodies


def _section_windows(section, cfg: MelodyConverterConfig) -> tuple[list[Window], str | None]:
    """The deduplicated windows of one time-signature/tempo section, and why it gave none."""
    _keep_valid_notes(section, cfg)
    try:
        quantized = sequences_lib.quantize_note_sequence(section, cfg.steps_per_quarter)
        steps_per_bar = sequences_lib.steps_per_bar_in_quantized_sequence(quantized)
        if steps_per_bar != cfg.steps_per_bar:
            ts = quantized.time_signatures[0]
            return [], f"{ts.numerator}/{ts.denominator} gives {steps_per_bar:g} steps per bar"
        melodies = extract_melodies(quantized, cfg)
    except _SECTION_ERRORS as e:
        return [], f"{type(e).__name__}: {e}"
    encoding = note_seq.MelodyOneHotEncoding(cfg.min_pitch, cfg.max_pitch + 1)
    windows = set()
    for events in melodies:
        encoded = [encoding.encode_event(e) for e in events]
        for end in range(cfg.window_steps, len(encoded) + 1, cfg.steps_per_bar):
            windows.add(tuple(encoded[end - cfg.window_steps : end]))
    if not windows:
        if not section.notes:
            programs, pitches = f"{cfg.min_program}-{cfg.max_program}", f"{cfg.min_pitch}-{cfg.max_pitch}"
            return [], f"no notes with program {programs} and pitch {pitches}"
        if all(n.is_drum for n in section.notes):
            return [], "only drum notes"
        return [], f"no melody of {cfg.bars}+ bars"
    return sorted(windows), None


def _file_windows(path: str | Path, cfg: MelodyConverterConfig) -> tuple[list[Window], list[str]]:
    """Windows of every section, in section order (each section deduplicated), and the skip reasons."""
    ns = midi_io.midi_file_to_note_sequence(str(path))
    sections = sequences_lib.split_note_sequence_on_time_changes(ns)
    if not sections:
        return [], ["no notes"]
    windows, reasons = [], []
    for section in sections:
        section_windows, reason = _section_windows(section, cfg)
        windows.extend(section_windows)
        if reason is not None:
            reasons.append(reason)
    return windows, reasons


def reference_windows(path: str | Path, bars: int = 2) -> list[Window]:
    """The melody windows magenta's `cat-mel_{bars}bar` converter yields for one MIDI file.

    Each window is a tuple of `bars` * 16 ints in 0..89. Windows are deduplicated within each
    time-signature/tempo section (as magenta does), so the list may repeat a window across
    sections. Raises note_seq's `MIDIConversionError` (or `OSError`) when the file cannot be read.
    """
    return _file_windows(path, MelodyConverterConfig(bars=bars))[0]


class ReferenceResult(NamedTuple):
    """One file's reference windows as a set, and a one-line reason when the set is empty."""

    windows: frozenset[Window]
    reason: str | None  # None when there are windows


def reference_pipeline_file(path: str | Path, bars: int = 2) -> ReferenceResult:
    """`reference_windows` as a set, turning every file-level failure into a reason instead of raising.

    The reason names the failure (e.g. "MIDIConversionError: ...") or, for a file that reads
    but yields nothing, why each section gave no windows ("3/4 gives 12 steps per bar").
    """
    cfg = MelodyConverterConfig(bars=bars)
    try:
        windows, reasons = _file_windows(path, cfg)
    except Exception as e:  # noqa: BLE001 - a reference run over thousands of files must not stop
        reason = " ".join(str(e).split())[:200]
        return ReferenceResult(frozenset(), f"{type(e).__name__}: {reason}")
    if windows:
        return ReferenceResult(frozenset(windows), None)
    return ReferenceResult(frozenset(), "; ".join(dict.fromkeys(reasons)) or "no windows")


# -- drums ---------------------------------------------------------------------------------------


def _drum_section_windows(section, bars: int) -> tuple[list[Window], str | None]:
    """The deduplicated 512-class drum windows of one time section, as magenta's `DrumsConverter` (the
    `cat-drums_2bar_small` configs: 9 classes, slice_bars 2, gap_bars 1, pad_end, min_bars 1) makes them,
    with note-seq's own pitch classes and `DrumTrack` and our rendering of magenta's `extract_drum_tracks`
    loop (note-seq does not ship it), and why it gave none."""
    from note_seq import drums_encoder_decoder

    classes = {p: i for i, pitches in enumerate(drums_encoder_decoder.DEFAULT_DRUM_TYPE_PITCHES) for p in pitches}
    try:
        quantized = sequences_lib.quantize_note_sequence(section, 4)
        steps_per_bar = int(sequences_lib.steps_per_bar_in_quantized_sequence(quantized))
        if steps_per_bar != 16:
            ts = quantized.time_signatures[0]
            return [], f"{ts.numerator}/{ts.denominator} gives {steps_per_bar:g} steps per bar"
    except _SECTION_ERRORS as e:
        return [], f"{type(e).__name__}: {e}"
    kept = []
    for n in quantized.notes:
        if n.is_drum and n.pitch in classes:
            n.pitch = classes[n.pitch]
            kept.append(n)
    del quantized.notes[:]
    quantized.notes.extend(kept)
    n_classes = len(drums_encoder_decoder.DEFAULT_DRUM_TYPE_PITCHES)  # 9
    encoding = note_seq.MultiDrumOneHotEncoding(drum_type_pitches=[(i,) for i in range(n_classes)])
    tracks, search = [], 0
    while True:
        track = note_seq.DrumTrack()
        track.from_quantized_sequence(quantized, search_start_step=search, gap_bars=1, pad_end=True)
        search = track.end_step + (search - track.end_step) % steps_per_bar
        if not track:
            break
        if len(track) >= steps_per_bar:  # min_bars 1
            tracks.append([encoding.encode_event(e) for e in track])
    window = bars * steps_per_bar
    windows = {tuple(t[end - window:end]) for t in tracks for end in range(window, len(t) + 1, steps_per_bar)}
    if not windows:
        return [], "no drums of the 9 classes" if not kept else f"no {bars} bars of drums"
    return sorted(windows), None


def reference_drum_file(path: str | Path, bars: int = 2) -> ReferenceResult:
    """The 512-class drum windows magenta's drums converter yields for one MIDI file, as a set (each
    window a tuple of `bars` * 16 ints in 0..511), with a reason when there are none."""
    try:
        ns = midi_io.midi_file_to_note_sequence(str(path))
        sections = sequences_lib.split_note_sequence_on_time_changes(ns)
        windows, reasons = [], []
        for section in sections:
            found, reason = _drum_section_windows(section, bars)
            windows.extend(found)
            if reason is not None:
                reasons.append(reason)
    except Exception as e:  # noqa: BLE001 - as reference_pipeline_file
        return ReferenceResult(frozenset(), f"{type(e).__name__}: {' '.join(str(e).split())[:200]}")
    if windows:
        return ReferenceResult(frozenset(windows), None)
    return ReferenceResult(frozenset(), "; ".join(dict.fromkeys(reasons)) or "no notes")


def format_window(window: Window, min_pitch: int = 21) -> str:
    """A window as readable steps: pitch numbers, '-' for no event (hold or rest), '.' for note-off."""
    return " ".join("-" if e == 0 else "." if e == 1 else str(e - 2 + min_pitch) for e in window)


def main(argv: list[str] | None = None) -> int:
    """Print the reference windows of one MIDI file (for debugging a mismatch)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a MIDI file")
    parser.add_argument("--bars", type=int, default=2, help="window length in bars (cat-mel_2bar: 2)")
    parser.add_argument("--raw", action="store_true", help="print class indices 0..89, not pitches")
    args = parser.parse_args(argv)

    cfg = MelodyConverterConfig(bars=args.bars)
    try:
        windows, reasons = _file_windows(args.path, cfg)
    except (note_seq.MIDIConversionError, OSError) as e:
        print(f"{args.path}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    for reason in reasons:
        print(f"# section skipped: {reason}")
    print(f"# {len(windows)} windows ({len(set(windows))} distinct) of {cfg.window_steps} steps")
    for window in windows:
        print(" ".join(map(str, window)) if args.raw else format_window(window, cfg.min_pitch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
