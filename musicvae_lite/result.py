"""What the Python API's verbs return: a verb's `Output` (the files it wrote, its lines, its items) that
also shows itself in a notebook. In Jupyter a `Result` displays its pictures (piano rolls, drum grids,
image grids) as inline PNGs and its audio as an inline WAV player, both as `data:` URIs: nothing is
served and nothing is fetched, so a saved notebook keeps them (IPython's `_repr_html_` protocol, as
pandas' tables use it).

    import musicvae_lite as mvl
    blend = mvl.load("default").interpolate("a.mid", "b.mid")   # in a cell: the rolls, and a player
    blend.paths                                                  # the MIDI, WAV and PNG files written

A WAV larger than `MAX_AUDIO_BYTES` is embedded at a lower sample rate (the file on disk is untouched).
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path

from musicvae_lite.core.family import Output

MAX_AUDIO_BYTES = 8 * 2**20  # a 16-bar, 16-step interpolation's WAV is 22 MB: embedded at a quarter of its rate
MIN_AUDIO_RATE = 8000  # never resampled below this (telephone quality); longer audio is then cut, and the cut said


@dataclass(repr=False)
class Result(Output):
    """A verb's `Output` as the Python API returns it (`paths`, `lines`, `items` as before), plus the verb
    and the folder it wrote into, and a display for notebooks (`_repr_html_`)."""

    verb: str = ""
    folder: Path | None = None

    @classmethod
    def of(cls, output: Output, verb: str, folder: Path | None) -> "Result":
        return cls(paths=list(output.paths), lines=list(output.lines), items=list(output.items), verb=verb,
                   folder=folder)

    def named(self, verb: str) -> "Result":
        """This result, its verb called by the command's name (`convert` is `groove` or `drumify`)."""
        self.verb = verb
        return self

    def files(self, suffix: str) -> list[Path]:
        """The files written with this suffix (".mid", ".wav", ".png"), in the order they were written."""
        return [p for p in self.paths if Path(p).suffix.lower() == suffix]

    @property
    def pictures(self) -> list[Path]:
        return self.files(".png")

    @property
    def audio(self) -> list[Path]:
        return self.files(".wav")

    @property
    def midi(self) -> list[Path]:
        return self.files(".mid")

    def __repr__(self) -> str:
        where = f" in {self.folder}" if self.folder else ""
        return f"<Result of {self.verb or 'a verb'}: {len(self.paths)} files{where}, {len(self.items)} items>"

    def _repr_html_(self) -> str:
        """The pictures as inline PNGs, the audio as inline WAV players, the verb's lines, and the files
        written (as text: a notebook's links to local files would not open)."""
        parts = [f"<div class=\"mvae-result\"><b>{html.escape(self.verb or 'result')}</b>"]
        parts += [f"<div>{html.escape(line)}</div>" for line in self.lines]
        for png in self.pictures:
            parts.append(f"<div><img alt=\"{html.escape(png.name)}\" style=\"max-width:100%\" "
                         f"src=\"{data_uri(png.read_bytes(), 'image/png')}\"/></div>")
        for wav in self.audio:
            audio, note = embeddable_wav(wav)
            parts.append(f"<div><audio controls preload=\"none\" src=\"{data_uri(audio, 'audio/wav')}\"></audio> "
                         f"{html.escape(wav.name)}{html.escape(note)}</div>")
        written = ", ".join(html.escape(p.name) for p in self.paths if p.suffix.lower() == ".mid")
        if written:
            folder = f" in {html.escape(str(self.folder))}" if self.folder else ""
            parts.append(f"<div style=\"font-size:smaller\">MIDI{folder}: {written}</div>")
        return "\n".join(parts) + "</div>"


def data_uri(data: bytes, mime: str) -> str:
    """`data` as a base64 `data:` URI (RFC 2397)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def embeddable_wav(path: Path, limit: int = MAX_AUDIO_BYTES) -> tuple[bytes, str]:
    """The WAV's bytes, or for one over `limit` bytes the same sound at a lower sample rate (linear
    interpolation; cut at the end if even `MIN_AUDIO_RATE` is too large), with a note saying what was done."""
    data = path.read_bytes()
    if len(data) <= limit:
        return data, ""
    import numpy as np
    import soundfile as sf

    sound, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    sound = sound.mean(axis=1)  # samples
    factor = math.ceil(sound.size * 2 / limit)  # 16-bit mono
    new_rate = max(MIN_AUDIO_RATE, rate // factor)
    times = np.arange(int(sound.size * new_rate / rate)) * (rate / new_rate)
    smaller = np.interp(times, np.arange(sound.size), sound).astype("float32")
    keep = limit // 2
    note = f" (played at {new_rate} Hz here; the file is {rate} Hz)"
    if smaller.size > keep:
        smaller = smaller[:keep]
        note = f" (its first {keep / new_rate:.0f} s, at {new_rate} Hz here; the file is whole)"
    buffer = io.BytesIO()
    sf.write(buffer, smaller, new_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue(), note
