"""What a server is set to: the limits every request is held to (module constants, so that routes can
name them in their form fields) and the per-app settings `create_app` was given (`Settings`, kept on
`app.state.settings` beside the model pool and the result store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
MAX_UPLOAD = 2 * 1024 * 1024  # bytes per uploaded file; a MIDI melody is a few KB
MAX_REQUEST = 4 * MAX_UPLOAD + 64 * 1024  # a whole request (four corner files and the form fields)
MAX_STEPS = 16  # interpolation steps and samples per request
MAX_GRID = 11  # Beat Blender's 11 x 11
MAX_TEMPERATURE = 2.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MEDIA = {".mid": "audio/midi", ".wav": "audio/wav", ".png": "image/png"}


@dataclass(frozen=True)
class Settings:
    """`allowed_hosts`: the host names requests and browser origins may use (None: any, for a server
    bound to a public address on purpose); `preload`: load the default model when the server starts."""

    allowed_hosts: tuple[str, ...] | None = LOOPBACK
    preload: bool = True
