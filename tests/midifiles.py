"""Tiny MIDI files written by the tests themselves (with mido, for exact control of every event)."""

from __future__ import annotations

from pathlib import Path

import mido

TPQ = 480
STEP = TPQ // 4  # ticks per 16th note


def write_midi(path: Path, tracks: list[list[tuple]], *, tpq: int = TPQ, meta: list[tuple] = (),
               ts: tuple[int, int] | None = (4, 4), qpm: float | None = 120.0) -> Path:
    """Write a type-1 MIDI file.

    tracks: one list per instrument track of notes `(pitch, start_step, end_step)` or
            `(pitch, start_step, end_step, channel, program[, velocity])`; steps are 16ths (fractions
            of one land on the nearest tick: a performance's timing).
    meta: extra conductor-track events `("tempo", step, qpm)` or `("ts", step, num, den)`.
    """
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    step = tpq // 4
    conductor = [(0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm)))] if qpm else []
    if ts:
        conductor.append((0, mido.MetaMessage("time_signature", numerator=ts[0], denominator=ts[1])))
    for ev in meta:
        if ev[0] == "tempo":
            conductor.append((ev[1] * step, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(ev[2]))))
        else:
            conductor.append((ev[1] * step, mido.MetaMessage("time_signature", numerator=ev[2], denominator=ev[3])))
    mid.tracks.append(_track(conductor))
    for notes in tracks:
        events = []
        programs = {}
        for n in notes:
            pitch, start, end = n[:3]
            channel, program = (n[3], n[4]) if len(n) > 3 else (0, 0)
            if channel not in programs:
                programs[channel] = program
                events.append((0, mido.Message("program_change", channel=channel, program=program)))
            velocity = n[5] if len(n) > 5 else 90
            events.append((round(start * step), mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
            events.append((round(end * step), mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        mid.tracks.append(_track(events))
    mid.save(str(path))
    return path


def _track(events: list[tuple[int, mido.Message]]) -> mido.MidiTrack:
    # note-offs before note-ons at the same tick, as real files order them
    order = {"program_change": 0, "set_tempo": 0, "time_signature": 0, "note_off": 1, "note_on": 2}
    track = mido.MidiTrack()
    now = 0
    for tick, msg in sorted(events, key=lambda e: (e[0], order.get(e[1].type, 3))):
        track.append(msg.copy(time=tick - now))
        now = tick
    return track


def scale(start: int = 0, bars: int = 2, pitch: int = 60, length: int = 4) -> list[tuple[int, int, int]]:
    """Consecutive notes of `length` steps filling `bars` 4/4 bars from step `start`, rising by step."""
    return [(pitch + i, start + i * length, start + (i + 1) * length) for i in range(bars * 16 // length)]
