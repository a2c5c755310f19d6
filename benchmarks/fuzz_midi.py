"""A fuzz corpus of messy but valid MIDI files, for the compat-parity test (tests/test_parity.py) and the
pipeline benchmark (`bench_pipeline.py --fuzz N`): our compat mode must give exactly note-seq's windows
on every one of them.

Three kinds of file (`drum_file` for the drums' compat mode, the other two for melodies):
* `random_file`: several tracks (one maybe drums or off-program), chords, overlapping notes, gaps, tempo
  and meter changes, and resolutions where notes fall off the 16th grid; every note-on has its note-off;
* `overlap_file`: the raw event patterns where MIDI readers disagree on what the notes are: a pitch
  re-triggered without a note-off between (music21 writes this for ABC chords and double stops), several
  note-offs of one pitch on one tick, note-on and note-off of one pitch on the same tick in either
  order, note-offs with nothing open, a note-on never closed, and chords against a running voice. Events
  on one tick are written in a random order.

  python benchmarks/fuzz_midi.py OUT_DIR [-n 200] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import mido
import numpy as np


def _track(events: list[tuple[int, int, mido.Message]]) -> mido.MidiTrack:
    """(tick, order on that tick, message) -> a track with delta times."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    return track


def _conductor(rng: np.random.Generator, step: int) -> list[tuple[int, int, mido.MetaMessage]]:
    ts = (4, 4) if rng.random() < 0.8 else (2, 2)
    events = [(0, 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(float(rng.choice([120, 97, 133.5]))))),
              (0, 0, mido.MetaMessage("time_signature", numerator=ts[0], denominator=ts[1]))]
    if rng.random() < 0.4:
        events.append((int(rng.integers(8, 80)) * step, 0,
                       mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(float(rng.choice([90, 100, 140]))))))
    if rng.random() < 0.3:
        events.append((int(rng.integers(1, 6)) * 16 * step, 0, mido.MetaMessage(
            "time_signature", numerator=int(rng.choice([2, 3, 4])), denominator=4)))
    return events


def random_file(path: Path, rng: np.random.Generator) -> Path:
    """Several tracks of paired notes with chords, overlaps, gaps, tempo and meter changes."""
    tpq = int(rng.choice([96, 220, 480, 384]))
    step = tpq // 4
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    mid.tracks.append(_track(_conductor(rng, step)))
    for _ in range(int(rng.integers(1, 4))):
        channel, program = (9, 0) if rng.random() < 0.15 else (int(rng.integers(0, 9)), int(rng.choice([0, 5, 24, 40])))
        events = [(0, 0, mido.Message("program_change", channel=channel, program=program))]
        t = int(rng.integers(0, 24))

        def note(pitch, start, end):
            events.append((start * step, 2, mido.Message("note_on", channel=channel, note=pitch, velocity=90)))
            events.append((end * step, 1, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))

        for _ in range(int(rng.integers(5, 60))):
            dur = int(rng.integers(1, 12))
            note(int(rng.integers(15, 115)), t, t + dur)
            if rng.random() < 0.2:  # a chord tone or an overlapping note
                note(int(rng.integers(30, 100)), t + int(rng.integers(0, 3)), t + dur + 2)
            t += dur + (int(rng.integers(0, 24)) if rng.random() < 0.15 else 0)
        mid.tracks.append(_track(events))
    mid.save(str(path))
    return path


def overlap_file(path: Path, rng: np.random.Generator) -> Path:
    """One or two melodic tracks of raw note events in the patterns readers disagree on."""
    tpq = int(rng.choice([96, 480]))
    step = tpq // 4
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    mid.tracks.append(_track(_conductor(rng, step)))
    for _ in range(int(rng.integers(1, 3))):
        channel = int(rng.integers(0, 4))
        events = [(0, -1, mido.Message("program_change", channel=channel, program=int(rng.choice([0, 24]))))]

        def on(tick, pitch):
            velocity = int(rng.integers(30, 120))
            events.append((tick, float(rng.random()),
                           mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))

        def off(tick, pitch):
            msg = (mido.Message("note_off", channel=channel, note=pitch, velocity=0) if rng.random() < 0.5
                   else mido.Message("note_on", channel=channel, note=pitch, velocity=0))
            events.append((tick, float(rng.random()), msg))

        t = int(rng.integers(0, 8)) * step
        base = int(rng.integers(55, 75))
        for _ in range(int(rng.integers(8, 40))):
            pitch = base + int(rng.integers(-7, 8))
            jitter = int(rng.integers(-step // 3, step // 3)) if rng.random() < 0.2 else 0  # off the grid
            dur = max(int(rng.integers(1, 8)) * step + jitter, 1)
            kind = rng.random()
            if kind < 0.45:  # a plain note of the running voice
                on(t, pitch)
                off(t + dur, pitch)
            elif kind < 0.6:  # re-triggered: two note-ons, then one note-off (music21's chords, double stops)
                on(t, pitch)
                on(t + int(rng.integers(1, 4)) * step, pitch)
                off(t + dur + 3 * step, pitch)
            elif kind < 0.7:  # two note-ons, two note-offs on one tick
                on(t, pitch)
                on(t + step, pitch)
                off(t + dur + step, pitch)
                off(t + dur + step, pitch)
            elif kind < 0.8:  # a note ending where the next of its pitch starts, and a zero-length note
                on(t, pitch)
                off(t + dur, pitch)
                on(t + dur, pitch)
                off(t + dur + step, pitch)
                on(t + dur + 2 * step, pitch + 2)
                off(t + dur + 2 * step, pitch + 2)
                dur += 2 * step
            elif kind < 0.9:  # a chord against the running voice
                on(t, pitch)
                for k in range(int(rng.integers(1, 4))):
                    on(t + k * int(rng.integers(0, 2)) * step, pitch + 3 + 4 * k)
                    off(t + dur + k * step, pitch + 3 + 4 * k)
                off(t + dur, pitch)
            elif kind < 0.95:  # a stray note-off, then a plain note
                off(t, pitch + 1)
                on(t, pitch)
                off(t + dur, pitch)
            else:  # a note-on never closed
                on(t, pitch)
            t += dur + (int(rng.integers(0, 3)) * step if rng.random() < 0.5 else 0)
        mid.tracks.append(_track(events))
    mid.save(str(path))
    return path


def drum_file(path: Path, rng: np.random.Generator) -> Path:
    """One or two drum tracks (channel 10) of a performed beat: hits on and off the 16th grid, pitches in
    and outside the 9 drum classes, simultaneous hits, gaps of about a bar and longer, tempo and meter
    changes, sometimes a melodic track too."""
    tpq = int(rng.choice([96, 220, 480]))
    step = tpq // 4
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    mid.tracks.append(_track(_conductor(rng, step)))
    pitches = [36, 38, 42, 46, 45, 48, 50, 49, 51, 35, 40, 44, 22, 26, 39, 25, 90]  # 25, 90: no class
    for _ in range(int(rng.integers(1, 3))):
        events = []
        t = int(rng.integers(0, 20)) * step
        for _ in range(int(rng.integers(10, 120))):
            jitter = int(rng.normal(0, step / 5)) if rng.random() < 0.6 else 0
            for pitch in rng.choice(pitches, size=int(rng.integers(1, 4)), replace=False):
                on = max(0, t + jitter + int(rng.integers(-1, 2)))
                events.append((on, 2, mido.Message("note_on", channel=9, note=int(pitch),
                                                     velocity=int(rng.integers(1, 128)))))
                events.append((on + int(rng.integers(1, 3 * step)), 1, mido.Message("note_off", channel=9,
                                                                                     note=int(pitch), velocity=0)))
            gap = rng.random()
            t += step * (int(rng.integers(15, 40)) if gap < 0.05 else int(rng.choice([1, 2, 2, 3, 4])))
        mid.tracks.append(_track(events))
    if rng.random() < 0.3:
        melody = [(s * step, 2, mido.Message("note_on", note=60 + s % 12, velocity=80)) for s in range(0, 64, 4)]
        melody += [((s + 3) * step, 1, mido.Message("note_off", note=60 + s % 12, velocity=0)) for s in range(0, 64, 4)]
        mid.tracks.append(_track(melody))
    mid.save(str(path))
    return path


def write_fuzz_corpus(folder: Path, n: int, seed: int = 0, drums: bool = False) -> list[Path]:
    """n files in `folder`, alternating the two melodic kinds, or (`drums`) drum files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    if drums:
        return [drum_file(folder / f"drums{i:04d}.mid", rng) for i in range(n)]
    return [(overlap_file if i % 2 else random_file)(folder / f"fuzz{i:04d}.mid", rng) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"wrote {len(write_fuzz_corpus(args.out, args.n, args.seed))} files to {args.out}")


if __name__ == "__main__":
    main()
