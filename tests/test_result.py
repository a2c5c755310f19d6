"""The Python API's results show themselves in a notebook: `load(...).sample / interpolate / ...` return a
`Result` (the verb's Output: paths, lines, items) whose `_repr_html_` holds the roll or drum grid as an
inline PNG and the audio as an inline WAV, both `data:` URIs (no server, no external URL), and which are
the very files the verb wrote."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import musicvae_lite as mvl
from musicvae_lite.core.family import Output
from musicvae_lite.errors import MvaeError
from musicvae_lite.result import Result, embeddable_wav

EXAMPLES = Path(mvl.__file__).parent / "examples"
MORNING, EVENING = EXAMPLES / "melody" / "morning.mid", EXAMPLES / "melody" / "evening.mid"


def embedded(page: str) -> dict[str, list[bytes]]:
    """{tag: [the bytes of each data: URI it carries]}, after checking that every src or href is a data: URI."""
    links = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert links and all(link.startswith("data:") for link in links), [link[:40] for link in links]
    found: dict[str, list[bytes]] = {}
    for tag, mime, b64 in re.findall(r'<(img|audio)\b[^>]*\bsrc="data:([\w/]+);base64,([A-Za-z0-9+/=]+)"', page):
        assert mime == {"img": "image/png", "audio": "audio/wav"}[tag]
        found.setdefault(tag, []).append(base64.b64decode(b64))
    return found


def check_display(result: Result) -> None:
    page = result._repr_html_()
    found = embedded(page)
    assert [p.read_bytes() for p in result.pictures] == found["img"] and found["img"][0][:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.read_bytes() for p in result.audio] == found["audio"] and found["audio"][0][:4] == b"RIFF"
    assert "http" not in re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)  # no external URL anywhere


def test_a_melody_shows_its_roll_and_plays(tmp_path):
    result = mvl.load("default").sample(n=1, seed=0, out=tmp_path / "s")
    assert isinstance(result, Output) and result.verb == "sample" and len(result.items) == 1
    assert {p.name for p in result.paths} >= {"sample.mid", "sample.wav", "sample.png"}
    assert all(p.parent == tmp_path / "s" for p in result.paths)
    check_display(result)


def test_a_drum_beat_shows_its_grid_and_plays(tmp_path):
    result = mvl.load("drums").sample(n=1, seed=0, out=tmp_path / "d")
    assert result.items and result.items[0]["kind"] != mvl.load("default").sample(n=1, out=tmp_path / "m").items[0]["kind"]
    check_display(result)


def test_an_interpolation_shows_every_step_and_the_stitched_audio(tmp_path):
    result = mvl.load("default").interpolate(MORNING, EVENING, n=3, out=tmp_path / "i")
    assert [item["title"] for item in result.items] == ["A", "2", "B"]
    assert [p.name for p in result.midi][-1] == "interpolation.mid" and len(result.midi) == 4
    check_display(result)
    assert "interpolate" in repr(result) and "items" in repr(result)


def test_without_out_it_writes_into_a_new_folder_and_never_over_a_users_files(tmp_path):
    result = mvl.load("default").vary(MORNING, n=2, seed=1)
    assert result.folder.is_dir() and all(p.is_file() and p.parent == result.folder for p in result.paths)
    assert result.folder != mvl.load("default").vary(MORNING, n=2, seed=1).folder
    mvl.load("default").sample(n=1, out=tmp_path / "s")
    before = (tmp_path / "s" / "sample.mid").read_bytes()
    with pytest.raises(MvaeError):
        mvl.load("default").sample(n=1, seed=5, out=tmp_path / "s")
    assert (tmp_path / "s" / "sample.mid").read_bytes() == before


def test_a_verb_the_model_does_not_do_is_one_line(tmp_path):
    with pytest.raises(MvaeError) as e:
        mvl.load("groove").sample(n=1, out=tmp_path / "g")
    assert "\n" not in str(e.value)


def test_a_long_wav_is_embedded_smaller_and_still_plays(tmp_path):
    rate = 22050
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(rate * 4) / rate).astype("float32")
    sf.write(tmp_path / "long.wav", tone, rate, subtype="PCM_16")
    size = (tmp_path / "long.wav").stat().st_size
    whole, note = embeddable_wav(tmp_path / "long.wav", limit=size)
    assert whole == (tmp_path / "long.wav").read_bytes() and note == ""
    smaller, note = embeddable_wav(tmp_path / "long.wav", limit=size // 2)
    sound, new_rate = sf.read(io.BytesIO(smaller))
    assert len(smaller) <= size // 2 + 100 and new_rate < rate and str(new_rate) in note
    assert abs(len(sound) / new_rate - 4.0) < 0.01  # the whole sound, at a lower rate
    cut, note = embeddable_wav(tmp_path / "long.wav", limit=size // 20)
    sound, low = sf.read(io.BytesIO(cut))
    assert low == 8000 and len(sound) / low < 4.0 and "first" in note
