"""The page of `mvae serve` in a real browser: Playwright drives the system's Chromium (headless) against
a live server on the bundled default model, with every request off this machine refused. It picks two
examples, interpolates, checks the n piano rolls are drawn, plays (AudioContext running, playhead moving),
checks the page's audio is the server's WAV, blends four corners and drags the puck; then the same with
the bundled drum model (drum grids, the drum kit's audio); then uploads a file of the user's, sees its
windows listed (bar, notes, meter, a preview), picks one and interpolates from it. A second test samples
in 6/8 and 3/4 in the Sampler (each roll says its meter and draws its bar lines and beats) and blends the
waltz with the jig (a one-line error: two meters).

Chromium comes from the system (`apt-get install chromium`; Playwright cannot download its own browser
here). Without it the test is skipped, unless MVAE_REQUIRE_BROWSER=1 (set by .ci/run, which installs
it): then a missing browser fails. MVAE_SCREENSHOTS=FOLDER keeps its pictures there (the README's:
`MVAE_SCREENSHOTS=docs python -m pytest tests/test_serve_browser.py`)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from midifiles import scale, write_midi

CHROMIUM = os.environ.get("MVAE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("MVAE_REQUIRE_BROWSER") == "1"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = "playwright is not installed" if sync_playwright is None else \
        "no Chromium on this machine (apt-get install chromium)" if not CHROMIUM else None
    if missing:
        if REQUIRED:
            pytest.fail(f"the browser test is required here (MVAE_REQUIRE_BROWSER=1) but {missing}")
        pytest.skip(missing)
    return sync_playwright


@pytest.fixture(scope="module")
def live_server():
    from musicvae_lite.serve.app import create_app

    yield from serve_app(create_app())


def serve_app(app):
    """Run the page's `app` on a free local port in a thread: yields its URL, then stops it."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 120
    while not server.started:
        assert thread.is_alive() and time.time() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


def _set_range(page, selector: str, value: int) -> None:
    page.eval_on_selector(selector, "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(value))


def _drag_puck_to(page, fx: float, fy: float) -> None:
    """Drag the puck to a point of the grid given as fractions of its width and height."""
    grid, puck = page.locator("#grid").bounding_box(), page.locator("#puck").bounding_box()
    page.mouse.move(puck["x"] + puck["width"] / 2, puck["y"] + puck["height"] / 2)
    page.mouse.down()
    page.mouse.move(grid["x"] + fx * grid["width"], grid["y"] + fy * grid["height"], steps=10)
    page.mouse.up()


def test_mixer_and_blender_in_chromium(live_server, tmp_path):
    sync_playwright = _playwright()
    import soundfile

    foreign, errors = [], []

    def offline(route):
        host = route.request.url.split("/")[2] if "://" in route.request.url else ""
        if route.request.url.startswith(live_server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(host or route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 860})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route("**/*", offline)
            page.goto(live_server + "/")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)

            # the Mixer: two examples, 5 steps
            ends = page.locator("#mixer-ends select.source")
            ends.nth(0).select_option("example:dance")
            ends.nth(1).select_option("example:lullaby")
            _set_range(page, "#steps", 5)
            page.click("#interpolate")
            page.wait_for_function("window.mvae.state().mixer.rolls === 5", timeout=30_000)
            inked = page.evaluate("""() => [...document.querySelectorAll('#rolls canvas.roll')].map((c) => {
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4) if (d[i] === 47 && d[i + 1] === 111 && d[i + 2] === 143) n++;
                return n; })""")
            assert len(inked) == 5 and min(inked) > 50, inked  # every roll has notes drawn in it

            # what the page plays is the server's WAV
            wav_url = page.get_attribute("#download-wav", "href")
            with urllib.request.urlopen(live_server + wav_url) as f:
                served, rate = soundfile.read(io.BytesIO(f.read()), dtype="float32")
            stride = 11
            ours = np.array(page.evaluate(f"window.mvae.mixSamples({stride})"), np.float32)
            assert rate == 22050 and len(ours) == len(served[::stride])
            assert np.abs(ours - served[::stride]).max() < 2e-4  # the WAV's 16-bit rounding, nothing more

            # play with the space bar: the AudioContext runs and the playhead moves
            page.locator("body").press("Space")
            page.wait_for_function("window.mvae.state().audio === 'running'", timeout=10_000)
            first = page.evaluate("window.mvae.state().mixer.position")
            page.wait_for_timeout(600)
            state = page.evaluate("window.mvae.state()")
            assert state["mixer"]["playing"] and state["mixer"]["position"] > first + 0.2
            page.wait_for_selector("#rolls figure.playing")
            page.locator("body").press("Space")
            assert not page.evaluate("window.mvae.state().mixer.playing")
            page.locator("body").press("Space")  # play on for the picture
            page.wait_for_timeout(900)
            page.screenshot(path=str(tmp_path / "mixer.png"))

            # the Blender: four example corners, a 5 x 5 grid, the puck dragged while its cell loops
            page.click(".tab[data-tab=blender]")
            listed = page.eval_on_selector_all("#blender-ends select.window", "els => els.map((e) => e.options.length)")
            assert len(listed) == 4 and min(listed) >= 1, listed  # each corner lists its file's windows
            page.click("#blend")
            page.wait_for_function("window.mvae.state().blender.n === 5", timeout=30_000)
            assert page.evaluate("window.mvae.state().blender.cell") == 12  # starts in the middle
            page.click("#loop")
            assert page.evaluate("window.mvae.state().blender.playing")
            assert not page.evaluate("window.mvae.state().mixer.playing")  # one thing plays at a time
            _drag_puck_to(page, 0.05, 0.05)
            assert page.evaluate("window.mvae.state().blender.cell") == 0
            _drag_puck_to(page, 0.95, 0.7)
            state = page.evaluate("window.mvae.state()")
            assert state["blender"]["cell"] == 3 * 5 + 4 and state["blender"]["playing"]
            assert page.inner_text("#cell-label") == "cell 4,5"
            page.screenshot(path=str(tmp_path / "blender.png"), full_page=True)
            if os.environ.get("MVAE_SCREENSHOTS"):
                for name in ("mixer.png", "blender.png"):
                    shutil.copyfile(tmp_path / name, Path(os.environ["MVAE_SCREENSHOTS"]) / f"serve_{name}")

            # the drum model: the ends become beats, the rolls drum grids, the audio the drum kit's
            page.click("#loop")  # stop the melody loop
            page.click(".tab[data-tab=mixer]")
            page.select_option("#model", "drums")
            page.wait_for_function("document.querySelector('#mixer-ends select.source').value === 'example:rock'",
                                   timeout=30_000)
            _set_range(page, "#steps", 3)
            page.click("#interpolate")
            page.wait_for_function("window.mvae.state().mixer.rolls === 3", timeout=30_000)
            wav_url = page.get_attribute("#download-wav", "href")
            with urllib.request.urlopen(live_server + wav_url) as f:
                served, _ = soundfile.read(io.BytesIO(f.read()), dtype="float32")
            ours = np.array(page.evaluate(f"window.mvae.mixSamples({stride})"), np.float32)
            assert len(ours) == len(served[::stride]) and np.abs(ours - served[::stride]).max() < 2e-4
            page.click(".tab[data-tab=blender]")
            page.click("#blend")
            page.wait_for_function("window.mvae.state().blender.n === 5", timeout=30_000)
            page.click("#loop")
            _drag_puck_to(page, 0.05, 0.95)
            assert page.evaluate("window.mvae.state().blender") == {"playing": True, "cell": 20, "n": 5}
            if os.environ.get("MVAE_SCREENSHOTS"):
                page.screenshot(path=str(Path(os.environ["MVAE_SCREENSHOTS"]) / "serve_drums.png"), full_page=True)
            page.click("#loop")
            page.click(".tab[data-tab=mixer]")
            page.select_option("#model", "default")
            page.wait_for_function("document.querySelector('#mixer-ends select.source').value === 'example:morning'",
                                   timeout=30_000)

            _pick_a_window_of_an_upload(page, live_server, tmp_path)

            assert errors == [], errors
            # a bad upload shows the server's one-line reason (and the console notes the 422)
            bad = tmp_path / "notes.mid"
            bad.write_bytes(b"this is a text file\n")
            page.click(".tab[data-tab=mixer]")
            ends.nth(0).select_option("upload")
            page.locator("#mixer-ends input.file").nth(0).set_input_files(str(bad))
            page.click("#interpolate")
            page.wait_for_selector("#mixer-error:not([hidden])")
            assert page.inner_text("#mixer-error") == "notes.mid: not a MIDI file (no MThd header)"
            assert page.locator("#mixer-ends .status").nth(0).inner_text() == page.inner_text("#mixer-error")
        finally:
            browser.close()
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors
    assert Path(tmp_path / "blender.png").stat().st_size > 10_000


def _pick_a_window_of_an_upload(page, live_server: str, tmp_path: Path) -> None:
    """End A: upload a 6-bar melody, see its windows listed as the library finds them, pick window 3 (its
    preview drawn), interpolate: the page's result is the API's for window_a=3, not window 0's."""
    import httpx

    from musicvae_lite.core.bundled import examples
    from musicvae_lite.music.melody.encoding import events_to_notes
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    mine = write_midi(tmp_path / "mine.mid", [scale(bars=6, length=2)])
    found = extract_file(mine, ExtractConfig(bars=2))
    expected = [f"bar {bar + 1}: {len(events_to_notes(ev))} notes, 4/4" for ev, bar in zip(found.events, found.start_bar)]
    assert len(expected) >= 4
    page.locator("#mixer-ends select.source").nth(0).select_option("upload")
    page.locator("#mixer-ends input.file").nth(0).set_input_files(str(mine))
    page.wait_for_function(f"window.mvae.state().ends[0].windows === {len(expected)}", timeout=90_000)  # slow when loaded
    windows = page.locator("#mixer-ends select.window").nth(0)
    assert windows.locator("option").all_inner_texts() == expected
    windows.select_option("3")
    preview = page.locator("#mixer-ends canvas.preview").nth(0)
    assert preview.is_visible() and page.evaluate("window.mvae.state().ends[0].window") == "3"
    page.click("#interpolate")
    page.wait_for_function("window.mvae.state().mixer.rolls === 3", timeout=30_000)
    steps = page.evaluate("window.mvae.steps()")
    files = {"a": ("mine.mid", mine.read_bytes()), "b": ("evening.mid", examples()["evening"].read_bytes())}
    asked = {w: httpx.post(live_server + "/api/interpolate", files=files, timeout=60,
                           data={"n": "3", "window_a": str(w)}).json()["steps"] for w in (0, 3)}
    assert steps == asked[3] and steps != asked[0]
    if os.environ.get("MVAE_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["MVAE_SCREENSHOTS"]) / "serve_windows.png"))


def test_sampler_in_a_meter_in_chromium(live_server, tmp_path):
    """The Sampler in 6/8 and 3/4 with the bundled default (which reads the meter), and the waltz blended
    with the jig: the samples are 2 bars of 12 steps, say their meter and draw their bars and beats, and the
    blend is refused for its two meters, in one line."""
    sync_playwright = _playwright()
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 860})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(live_server + "/")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            page.click(".tab[data-tab=sampler]")
            assert page.eval_on_selector_all("#meter option", "els => els.map((e) => e.value)") == \
                ["4/4", "3/4", "6/8", "9/8", "12/8", "3/2"] and page.input_value("#meter") == "4/4"
            _set_range(page, "#sample-n", 3)
            page.click("#sample")  # 4/4 by default, whatever the model
            page.wait_for_function("window.mvae.state().sampler.samples === 3", timeout=30_000)
            assert page.locator("#samples figcaption .meter").all_inner_texts() == ["4/4"] * 3
            assert page.evaluate("window.mvae.samples()")[0] == {
                "steps": 32, "meter": "4/4", "bars": [0, 16, 32], "beats": [4, 8, 12, 20, 24, 28]}
            page.select_option("#meter", "6/8")
            page.click("#sample")
            page.wait_for_function("window.mvae.samples()[0].meter === '6/8'", timeout=30_000)
            assert page.locator("#samples figcaption .meter").all_inner_texts() == ["6/8"] * 3
            assert page.evaluate("window.mvae.samples()") == [
                {"steps": 24, "meter": "6/8", "bars": [0, 12, 24], "beats": [6, 18]}] * 3
            page.locator("#samples figure").nth(1).click()  # a click plays that sample
            page.wait_for_function("window.mvae.state().sampler.playing === 1", timeout=10_000)
            page.select_option("#meter", "3/4")
            page.click("#sample")
            page.wait_for_function("window.mvae.samples()[0].meter === '3/4'", timeout=30_000)
            assert page.evaluate("window.mvae.samples()")[0] == {
                "steps": 24, "meter": "3/4", "bars": [0, 12, 24], "beats": [4, 8, 16, 20]}
            if os.environ.get("MVAE_SCREENSHOTS"):
                page.screenshot(path=str(Path(os.environ["MVAE_SCREENSHOTS"]) / "serve_sampler.png"))
            # the waltz and the jig are offered; blending them is one line on the page
            page.click(".tab[data-tab=mixer]")
            ends = page.locator("#mixer-ends select.source")
            ends.nth(0).select_option("example:waltz")
            ends.nth(1).select_option("example:jig")
            page.wait_for_function("window.mvae.state().ends[1].windows === 15", timeout=30_000)
            assert page.locator("#mixer-ends select.window").nth(0).locator("option").nth(0).inner_text() \
                == "bar 1: 5 notes, 3/4"
            page.click("#interpolate")
            page.wait_for_selector("#mixer-error:not([hidden])", timeout=30_000)
            line = page.inner_text("#mixer-error")
            assert line == "the inputs must share a meter to be blended: waltz.mid is in 3/4, jig.mid is in 6/8"
            ends.nth(1).select_option("sample")  # a sampled partner for the waltz is written in 3/4
            page.wait_for_function("document.querySelectorAll('#mixer-ends .status')[1].textContent === 'sampled'",
                                   timeout=30_000)
            assert page.locator("#mixer-ends select.window").nth(1).locator("option").nth(0).inner_text() \
                .endswith(", 3/4")
        finally:
            browser.close()
    assert errors == [], errors


@contextmanager
def offline_page(live_server: str):
    """(page, foreign, errors): a Chromium page of the live server as `_offline_page` opens it, and the lists
    it notes refused requests and page errors in; the browser closes after."""
    sync_playwright = _playwright()
    foreign, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield _offline_page(browser, live_server, foreign, errors), foreign, errors
        finally:
            browser.close()


def _offline_page(browser, live_server: str, foreign: list, errors: list):
    """A page of the live server with every request off this machine refused (and noted in `foreign`)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def offline(route):
        url = route.request.url
        if url.startswith(live_server) or url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", offline)
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return page


def _inked(page, selector: str) -> list[int]:
    """Pixels of note colour in each canvas matching `selector`."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === 47 && d[i + 1] === 111 && d[i + 2] === 143) n++;
        return n; })""", selector)


def test_variations_panel_in_chromium(live_server, tmp_path):
    """The Variations tab: an upload of two tracks lists its windows (bar, notes, track), one is picked, amount,
    n and seed are set; the page shows the input and n variations as rolls (each playable, each with its MIDI),
    the verb's line and the downloads, and its answer is the API's for that window; a bad seed and a bad file
    are one line each."""
    import httpx

    from musicvae_lite.music.melody.encoding import events_to_notes
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    lead = [(n[0] + 12, n[1], n[2], 1, 73) for n in scale(bars=4)]
    low = [(n[0] - 12, n[1], n[2], 2, 40) for n in scale(bars=4, length=2)]
    two = write_midi(tmp_path / "two.mid", [low, lead])
    found = extract_file(two, ExtractConfig(bars=2))
    expected = [f"bar {bar + 1}: {len(events_to_notes(ev))} notes, track {track + 1}, 4/4"
                for ev, bar, track in zip(found.events, found.start_bar, found.track)]
    assert {e.split(", ")[1] for e in expected} == {"track 1", "track 2"}
    with offline_page(live_server) as (page, foreign, errors):
        page.click(".tab[data-tab=variations]")
        assert page.is_visible("#variations") and not page.is_visible("#mixer")
        assert page.input_value("#variations-amount") == "0.3" and page.input_value("#variations-n") == "8"
        page.wait_for_function("window.mvae.windows('variations')[0].listed.length === 7", timeout=30_000)
        page.locator("#variations-ends select.source").select_option("upload")
        page.locator("#variations-ends input.file").set_input_files(str(two))
        page.wait_for_function(f"window.mvae.windows('variations')[0].listed.length === {len(expected)}",
                               timeout=30_000)
        assert page.evaluate("window.mvae.windows('variations')")[0]["listed"] == expected
        page.locator("#variations-ends select.window").select_option("4")
        assert page.evaluate("window.mvae.windows('variations')")[0] == {
            "listed": expected, "window": "4", "preview": True}
        _set_range(page, "#variations-amount", 0.5)
        _set_range(page, "#variations-n", 3)
        page.fill("#variations-seed", "5")
        page.click("#variations-go")
        page.wait_for_function("window.mvae.state().panels.variations.items === 4", timeout=30_000)
        inked = _inked(page, "#variations-rolls canvas.roll")
        assert len(inked) == 4 and min(inked) > 20, inked
        assert page.locator("#variations-rolls figcaption").all_inner_texts() == [
            "input4/4MIDI", "variation 14/4MIDI", "variation 24/4MIDI", "variation 34/4MIDI"]
        asked = httpx.post(live_server + "/api/vary", files={"a": ("two.mid", two.read_bytes())}, timeout=60,
                           data={"n": "3", "amount": "0.5", "seed": "5", "window_a": "4"}).json()
        assert page.evaluate("window.mvae.steps('variations')") == asked["steps"]
        assert asked["steps"][0] == found.events[4].tolist()  # the input is the window picked
        line = page.inner_text("#variations-line")
        assert line == asked["lines"][0] and line.startswith("3 variations at amount 0.5: on average ")
        for a in ("#variations-midi", "#variations-wav"):
            assert page.is_visible(a) and page.get_attribute(a, "href").startswith("/api/files/")
        each = page.eval_on_selector_all("#variations-rolls figure a.each", "els => els.map((e) => e.href)")
        assert len(each) == 4
        with urllib.request.urlopen(each[2]) as f:
            assert f.read(4) == b"MThd"
        # a click plays that variation, the playhead following; another click elsewhere stops it
        page.locator("#variations-rolls figure").nth(2).click()
        page.wait_for_function("window.mvae.state().panels.variations.playing === 2", timeout=10_000)
        page.wait_for_timeout(500)
        assert page.evaluate("window.mvae.state().panels.variations.position") > 0.3
        assert page.locator("#variations-rolls figure.playing").count() == 1
        page.click(".tab[data-tab=mixer]")
        page.click("#interpolate")
        page.wait_for_function("window.mvae.state().mixer.rolls === 7", timeout=30_000)
        page.click("#play")
        assert page.evaluate("window.mvae.state().panels.variations.playing") == -1  # one thing at a time
        page.click("#play")
        if os.environ.get("MVAE_SCREENSHOTS"):
            page.click(".tab[data-tab=variations]")
            page.screenshot(path=str(Path(os.environ["MVAE_SCREENSHOTS"]) / "serve_variations.png"))
        # errors are one line: a seed out of range (422 from the form's check), a file that is not MIDI
        page.click(".tab[data-tab=variations]")
        page.fill("#variations-seed", "-1")
        page.click("#variations-go")
        page.wait_for_selector("#variations-error:not([hidden])", timeout=30_000)
        assert page.inner_text("#variations-error") == "seed: Input should be greater than or equal to 0"
        bad = tmp_path / "notes.mid"
        bad.write_bytes(b"this is a text file\n")
        page.fill("#variations-seed", "")
        page.locator("#variations-ends select.source").select_option("upload")
        page.locator("#variations-ends input.file").set_input_files(str(bad))
        page.click("#variations-go")
        page.wait_for_function("document.querySelector('#variations-error').textContent.startsWith('notes.mid')",
                               timeout=30_000)
        assert page.inner_text("#variations-error") == "notes.mid: not a MIDI file (no MThd header)"
        # the drum model varies beats: the input is a beat, the rolls drum grids
        page.select_option("#model", "drums")
        page.wait_for_function("document.querySelector('#variations-ends select.source').value === 'example:rock'",
                               timeout=30_000)
        assert page.inner_text("#variations-ends legend") == "beat" and page.is_hidden("#variations-error")
        page.click("#variations-go")
        page.wait_for_function("window.mvae.state().panels.variations.items === 4", timeout=30_000)
        assert page.inner_text("#variations-line").startswith("3 variations at amount 0.5: on average ")
        assert page.inner_text("#variations-line").find("of the steps as in the input") > 0
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors


def _playhead_rows(page, index: int) -> list[int]:
    """The rows of the folded roll `index` of the Mixer in which the playhead's colour is drawn."""
    return page.evaluate("""([i, rows]) => {
        const c = document.querySelectorAll('#rolls canvas.roll')[i], g = c.getContext('2d');
        const d = g.getImageData(0, 0, c.width, c.height).data, rh = c.height / rows, found = new Set();
        for (let p = 0; p < d.length; p += 4) if (d[p] === 217 && d[p + 1] === 72 && d[p + 2] === 15)
            found.add(Math.floor(Math.floor(p / 4 / c.width) / rh));
        return [...found].sort(); }""", [index, 4])


def test_16_bar_melodies_in_chromium(live_server, tmp_path):
    """melody_16bar in the Model menu: the Mixer's ends open on 16-bar examples, an interpolation's rolls are
    folded 4 bars a row (and the page plays the server's WAV), the playhead moves from row to row with the
    audio, the Sampler and the Variations panel write 16 bars, and the Blender refuses it, saying so; back on
    the default, the Blender blends again."""
    import soundfile

    with offline_page(live_server) as (page, foreign, errors):
        assert "melody_16bar (melody, 16 bars)" in page.locator("#model option").all_inner_texts()
        page.select_option("#model", "melody_16bar")
        page.wait_for_function("document.querySelector('#mixer-ends select.source').value === 'example:harbour'",
                               timeout=30_000)
        page.wait_for_function("window.mvae.state().ends.every((e) => e.windows === 1)", timeout=30_000)
        assert [w["listed"] for w in page.evaluate("window.mvae.windows('mixer')")] == [
            ["bar 1: 68 notes, 4/4"], ["bar 1: 52 notes, 4/4"]]
        page.click(".tab[data-tab=blender]")
        assert page.is_disabled("#blend") and not page.evaluate("window.mvae.state().blend")
        note = page.inner_text("#blender-note")
        assert note.startswith("The Blender blends 2-bar windows; melody_16bar is a 16-bar model"), note

        page.click(".tab[data-tab=mixer]")
        _set_range(page, "#steps", 3)
        page.click("#interpolate")
        page.wait_for_function("window.mvae.state().mixer.rolls === 3", timeout=60_000)
        assert page.evaluate("window.mvae.rolls()") == [4, 4, 4]  # 16 bars of 4/4, four to a row
        assert page.locator("#rolls figure.long").count() == 3
        assert min(_inked(page, "#rolls canvas.roll")) > 200
        wav_url = page.get_attribute("#download-wav", "href")
        with urllib.request.urlopen(live_server + wav_url) as f:
            served, _ = soundfile.read(io.BytesIO(f.read()), dtype="float32")
        ours = np.array(page.evaluate("window.mvae.mixSamples(23)"), np.float32)
        assert len(ours) == len(served[::23]) and np.abs(ours - served[::23]).max() < 2e-4

        # the playhead follows the audio from row to row (harbour plays at 120 qpm: 8 s a row of 4 bars)
        page.evaluate("window.mvae.playMixerFrom(9)")
        page.wait_for_timeout(300)
        at = page.evaluate("window.mvae.playhead()")
        assert at["item"] == 0 and at["row"] == 1 and 0.1 < at["x"] < 0.3, at
        assert _playhead_rows(page, 0) == [1]
        end = page.evaluate("window.mvae.state().mixer.position")
        page.evaluate("window.mvae.playMixerFrom(32 + 31)")  # the next melody, its last row
        page.wait_for_timeout(300)
        at = page.evaluate("window.mvae.playhead()")
        assert at["item"] == 1 and at["row"] == 3 and end > 9, at
        assert _playhead_rows(page, 1) == [3] and _playhead_rows(page, 0) == []
        below = "document.querySelectorAll('#rolls figure')[2].getBoundingClientRect().bottom - innerHeight"
        assert page.evaluate(below) > 0  # the third roll is below the window...
        page.evaluate("window.mvae.playMixerFrom(64 + 1)")
        page.wait_for_function("window.mvae.playhead() && window.mvae.playhead().item === 2", timeout=10_000)
        page.wait_for_timeout(200)
        assert page.evaluate(below) <= 0 and page.evaluate("scrollY") > 0  # ...until it plays: scrolled to
        if os.environ.get("MVAE_SCREENSHOTS"):
            page.screenshot(path=str(Path(os.environ["MVAE_SCREENSHOTS"]) / "serve_16bar.png"), full_page=True)
        page.click("#play")  # pause

        page.click(".tab[data-tab=sampler]")
        _set_range(page, "#sample-n", 1)
        page.click("#sample")
        page.wait_for_function("window.mvae.state().sampler.samples === 1", timeout=30_000)
        assert page.evaluate("window.mvae.samples()")[0]["steps"] == 256
        page.click(".tab[data-tab=variations]")
        page.wait_for_function("window.mvae.windows('variations')[0].listed.length === 1", timeout=30_000)
        _set_range(page, "#variations-n", 2)
        page.click("#variations-go")
        page.wait_for_function("window.mvae.state().panels.variations.items === 3", timeout=30_000)
        assert page.locator("#variations-rolls figure.long").count() == 3
        assert page.inner_text("#variations-line").startswith("2 variations at amount 0.3")

        page.select_option("#model", "default")
        page.wait_for_function("document.querySelector('#mixer-ends select.source').value === 'example:morning'",
                               timeout=30_000)
        assert not page.is_disabled("#blend") and page.locator("#blender-note").is_hidden()
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert errors == [], errors

