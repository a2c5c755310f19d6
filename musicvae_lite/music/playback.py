"""How a window is played: the tempo, General MIDI instrument, loudness and meter a source file gave it, carried
from the file that was read to every output made from it (MIDI, WAV, the page), so that a 96 qpm flute
line comes back as a 96 qpm flute line rather than a 120 qpm piano.

Reading fills it in (music/melody/extract.py, music/drums/extract.py: per window), the generation verbs
carry it through the model untouched (the models see events only), and the writers play it
(music/midi_write.py, music/audio.py). `--qpm` / `--program` override what was read (`with_overrides`).
Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from musicvae_lite.music.meter import DEFAULT_METER, Meter, parse_meter

DEFAULT_QPM = 120.0  # MIDI's default tempo: a source that sets none, and outputs made from nothing (sample)
DEFAULT_PROGRAM = 0  # General MIDI acoustic grand piano
DEFAULT_VELOCITY = 80  # magenta's default when decoding melodies


@dataclass(frozen=True)
class Playback:
    """How to play a window: `qpm` (quarter notes a minute), General MIDI `program` (0..127) and note
    `velocity` (1..127) where the model writes none of its own, in bars of `meter` (the time signature
    written, the bar lines drawn, where stitched windows start). A whole file made over (`mvae groove`,
    `mvae drumify`) also carries the source's `tempo_map`, (step, qpm) changes (music/tempo.py), so the
    output follows a ritardando as the source did; `qpm` is then its first tempo."""

    qpm: float = DEFAULT_QPM
    program: int = DEFAULT_PROGRAM
    velocity: int = DEFAULT_VELOCITY
    meter: Meter = DEFAULT_METER
    tempo_map: tuple[tuple[int, float], ...] | None = None

    def with_overrides(self, *, qpm: float | None = None, program: int | None = None) -> "Playback":
        """This playback with the user's `--qpm` / `--program` in place of what was read (None keeps it); a
        `--qpm` is one tempo throughout, in place of a tempo map too."""
        changes = {k: v for k, v in (("qpm", qpm), ("program", program)) if v is not None}
        if qpm is not None:
            changes["tempo_map"] = None
        return replace(self, **changes)


class WindowContext:
    """What an extraction result (melody/extract.py `Windows`, drums/extract.py `DrumWindows`) knows of
    each window's source, as its fields `qpm` (the file's opening tempo), `tempo`, `program`, `track`
    (one per window), `names` (each track's name) and the mean velocities named by `velocity_field`; this
    mixin turns them into a window's track name and `Playback`."""

    velocity_field: str = "velocity"  # the field of (n,) mean note-on velocities

    def track_name(self, i: int) -> str:
        """The name of window i's track in the file ("" when it has none or is unknown)."""
        t = -1 if self.track is None else int(self.track[i])
        return self.names[t] if 0 <= t < len(self.names) else ""

    def playback(self, i: int) -> Playback:
        """How window i was played in its source: tempo, instrument (a drum track's kit) and loudness."""
        velocity = getattr(self, self.velocity_field)
        meter = getattr(self, "meter", None)  # (n,) labels where the reader knows each window's bar
        return Playback(float(self.tempo[i]) if self.tempo is not None else (self.qpm or DEFAULT_QPM),
                        int(self.program[i]) if self.program is not None else DEFAULT_PROGRAM,
                        int(velocity[i]) if velocity is not None else DEFAULT_VELOCITY,
                        parse_meter(str(meter[i])) if meter is not None else DEFAULT_METER)


def common_playback(playbacks: list[Playback]) -> Playback:
    """One playback for a set of outputs made from several inputs (an interpolation between two files):
    the first input's, which is what a musician blending A into B hears A at. Empty: the defaults."""
    return playbacks[0] if playbacks else Playback()
