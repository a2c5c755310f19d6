"""The page's drum panels (issue 24 item 4) in the system's Chromium, driven by Playwright as
tests/test_serve_browser.py drives the rest of the page (its helpers and its live server are shared): the
Groove tab (a bundled beat stiff and played, A/B in time, the page's audio the server's WAV, a feel
reference, bad beats and feels in one line), the Drumify tab (an example melody, a rhythm tapped on the
keyboard, a file without notes in one line) and the Beat Blender's humanize switch (a humanized cell's hits
carry velocities and offsets, and the page plays them)."""

from __future__ import annotations

import io
import os
import urllib.request
from pathlib import Path

import numpy as np
from midifiles import write_midi

from tests.test_groove_transfer import beat
from tests.test_serve_browser import _inked, _set_range, live_server, offline_page  # noqa: F401


def _wav(live_server: str, url: str) -> np.ndarray:
    import soundfile

    with urllib.request.urlopen(live_server + url) as f:
        served, rate = soundfile.read(io.BytesIO(f.read()), dtype="float32")
    assert rate == 22050
    return served


def _error_after(page, panel: str, click: bool = True) -> str:
    if click:
        page.click(f"#{panel}-go")
    page.wait_for_selector(f"#{panel}-error:not([hidden])", timeout=60_000)
    return page.inner_text(f"#{panel}-error")


def test_groove_panel_in_chromium(live_server, tmp_path):
    """The Groove tab: the funk example, stiff and played (the same hits; the played one's velocities and offsets
    vary); the page plays each as the server's WAV; A/B moves from one to the other in time; a feel reference
    is named in the line; a melody as the beat, and a feel in 3/4, are one line each."""
    waltz = write_midi(tmp_path / "waltz.mid", [beat(4)], ts=(3, 4))
    melody = write_midi(tmp_path / "tune.mid", [[(60 + i % 7, 2 * i, 2 * i + 2) for i in range(32)]])
    with offline_page(live_server) as (page, foreign, errors):
        page.click(".tab[data-tab=groove]")
        assert page.is_visible("#groove") and not page.is_visible("#groove-ends .window-label")
        sources = page.locator("#groove-ends select.source")
        assert sources.nth(0).input_value() == "example:funk" and sources.nth(1).input_value() == "none"
        page.fill("#groove-seed", "1")
        page.click("#groove-go")
        page.wait_for_function("window.mvae.state().panels.groove.items === 2", timeout=60_000)
        assert page.locator("#groove-rolls figcaption").all_inner_texts() == ["A: stiffMIDI", "B: playedMIDI"]
        inked = _inked(page, "#groove-rolls canvas.roll")
        assert len(inked) == 2 and min(inked) > 20, inked
        stiff, played = page.evaluate("window.mvae.items('groove')")
        assert stiff["notes"] == played["notes"] and "velocities" not in stiff
        assert len(set(played["velocities"])) > 5 and max(abs(o) for o in played["offsets"]) > 0.01
        assert page.inner_text("#groove-line") == "funk.mid: 4 bars at 100 qpm"

        # what the page plays, stiff and played, is the server's WAV of each
        stride = 11
        stiff_wav = page.get_attribute("#groove-rolls figure:nth-child(1) a.each", "href").replace(".mid", ".wav")
        for i, url in enumerate([stiff_wav, page.get_attribute("#groove-wav", "href")]):
            served = _wav(live_server, url)[::stride]
            ours = np.array(page.evaluate(f"window.mvae.itemSamples('groove', {i}, {stride})"), np.float32)
            assert len(ours) == len(served) and np.abs(ours - served).max() < 2e-4, i

        # A/B: the played beat takes over from the stiff one where it was
        page.click("#groove-rolls figure:nth-child(1)")
        page.wait_for_function("window.mvae.state().panels.groove.position > 0.5", timeout=10_000)
        page.click("#groove-ab")
        state = page.evaluate("window.mvae.state().panels.groove")
        assert state["playing"] == 1 and state["position"] > 0.5, state
        if os.environ.get("MVAE_SCREENSHOTS"):
            page.screenshot(path=str(Path(os.environ["MVAE_SCREENSHOTS"]) / "serve_groove.png"), full_page=True)
        page.click("#groove-ab")
        assert page.evaluate("window.mvae.state().panels.groove.playing") == 0
        page.click("#groove-rolls figure:nth-child(1)")  # a second click stops it
        assert page.evaluate("window.mvae.state().panels.groove.playing") == -1

        # a feel reference
        sources.nth(1).select_option("example:rock")
        page.click("#groove-go")
        page.wait_for_function("document.querySelector('#groove-line').textContent.includes('feel of rock.mid')",
                               timeout=60_000)

        # bad input: a feel in 3/4, a melody as the beat
        sources.nth(1).select_option("upload")
        page.locator("#groove-ends input.file").nth(1).set_input_files(str(waltz))
        line = _error_after(page, "groove")
        assert line.startswith("feel waltz.mid: ") and "4/4 or 2/2" in line, line
        sources.nth(1).select_option("none")
        sources.nth(0).select_option("upload")
        page.locator("#groove-ends input.file").nth(0).set_input_files(str(melody))
        line = _error_after(page, "groove")
        assert line.startswith("no 2-bar drum beat in tune.mid: no drum track") and "Drumify tab" in line, line
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors


def test_drumify_panel_in_chromium(live_server, tmp_path):
    """The Drumify tab: a beat from an example melody; then a rhythm tapped on the keyboard (four taps a beat
    apart at 60 qpm: on the grid four steps apart) gives a 2-bar beat; a file without notes is one line."""
    empty = write_midi(tmp_path / "empty.mid", [[]])
    with offline_page(live_server) as (page, foreign, errors):
        page.click(".tab[data-tab=drumify]")
        source = page.locator("#drumify-ends select.source")
        assert source.input_value() == "example:dance"
        page.click("#drumify-go")
        page.wait_for_function("window.mvae.state().panels.drumify.items === 1", timeout=60_000)
        assert page.inner_text("#drumify-line").startswith("dance.mid: ")
        assert min(_inked(page, "#drumify-rolls canvas.roll")) > 20
        assert page.get_attribute("#drumify-midi", "href").endswith("_drumify.mid")

        # tap a rhythm: any key, a beat apart, over the 2-bar loop at 60 qpm (a step is 0.25 s)
        page.fill("#drumify-qpm", "60")
        source.select_option("taps")
        page.wait_for_timeout(400)
        for _ in range(4):
            page.keyboard.press("j")
            page.wait_for_timeout(1000)
        page.wait_for_function("window.mvae.taps('drumify').taps !== null", timeout=15_000)
        taps = page.evaluate("window.mvae.taps('drumify')")
        assert len(taps["taps"]) == 4 and len(taps["grid"]) == 4, taps
        gaps = np.diff(taps["grid"])
        assert all(3 <= g <= 5 for g in gaps), taps  # a beat apart, give or take the browser's timing
        assert page.is_visible("#drumify-ends canvas.preview")
        page.click("#drumify-go")
        page.wait_for_function("window.mvae.state().panels.drumify.line.startsWith('your taps')", timeout=60_000)
        assert page.inner_text("#drumify-line") == "your taps: 2 bars at 60 qpm"
        assert [it["steps"] for it in page.evaluate("window.mvae.items('drumify')")] == [32]
        page.click("#drumify-ends .retap")  # another try: Escape stops it before any tap
        page.wait_for_function("document.querySelector('#drumify-ends .status').textContent.startsWith('tap any')")
        page.keyboard.press("Escape")
        assert page.evaluate("window.mvae.taps('drumify').taps") is None
        assert page.inner_text("#drumify-ends .status") == "no tap: tap again"

        source.select_option("upload")
        page.locator("#drumify-ends input.file").set_input_files(str(empty))
        assert _error_after(page, "drumify") == "no rhythm in empty.mid: no notes"
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors


def test_blender_humanize_in_chromium(live_server, tmp_path):
    """The Beat Blender's humanize switch (drum models only): off, every cell's hits have one velocity and no
    offset; on, the same hits, each with the groove model's velocity and offset, and the page's audio of a cell
    changes with them."""
    with offline_page(live_server) as (page, foreign, errors):
        assert not page.is_visible("#humanize-label")  # a melody model: nothing to humanize
        page.select_option("#model", "drums")
        page.click(".tab[data-tab=blender]")
        page.wait_for_selector("#humanize-label", state="visible", timeout=30_000)
        page.select_option("#grid-n", "3")
        page.click("#blend")
        page.wait_for_function("window.mvae.state().blender.n === 3", timeout=60_000)
        plain = page.evaluate("window.mvae.cells()")
        plain_audio = page.evaluate("window.mvae.cellSamples(4, 11)")
        assert all("velocities" not in c and "offsets" not in c for c in plain)
        page.check("#humanize")
        page.click("#blend")
        page.wait_for_function("window.mvae.cells()[0].velocities !== undefined", timeout=60_000)
        played = page.evaluate("window.mvae.cells()")
        assert [c["notes"] for c in played] == [c["notes"] for c in plain]
        for cell in played:
            assert len(cell["velocities"]) == len(cell["notes"]) and len(set(cell["velocities"])) > 3
            assert max(abs(o) for o in cell["offsets"]) > 0.01
        played_audio = page.evaluate("window.mvae.cellSamples(4, 11)")
        assert len(played_audio) == len(plain_audio) and \
            np.abs(np.array(played_audio) - np.array(plain_audio)).max() > 0.05
        page.click("#loop")
        page.wait_for_function("window.mvae.state().blender.playing", timeout=10_000)
        page.click("#loop")
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors
