"""Why a MIDI file gave no melody windows: one exception family, one line each.

Every failure carries the path, a short machine-readable ``kind`` (used to count skipped files in
`mvae data build`'s summary) and a one-line human reason. The CLI catches `MusicDataError` once and
prints ``str(error)``; batch jobs record it and go on.
"""

from __future__ import annotations

from pathlib import Path

from musicvae_lite.errors import MvaeError


class MusicDataError(MvaeError):
    """A file that cannot be turned into melody windows."""

    kind = "error"

    def __init__(self, path: str | Path, reason: str, kind: str | None = None):
        self.path = str(path)
        self.reason = reason
        if kind is not None:
            self.kind = kind
        super().__init__(f"{self.path}: {reason}")


class MidiReadError(MusicDataError):
    """The file is missing, empty, not MIDI, corrupt, too large or has absurd timing."""

    kind = "unreadable"


class NoMelodyError(MusicDataError):
    """The file is valid MIDI but holds no usable melody (only drums, odd meter, too short, ...)."""

    kind = "no-melody"


class NoDrumsError(MusicDataError):
    """The file is valid MIDI but holds no usable drums (no drum track, odd meter, too short, ...)."""

    kind = "no-drums"
