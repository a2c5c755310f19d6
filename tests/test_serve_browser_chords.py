"""The page's chord fields (issue 23) in the system's Chromium, driven by Playwright as
tests/test_serve_browser.py drives the rest of the page (its helpers are shared): a live server on a tiny
untrained model that reads chords; the Mixer interpolates over a progression (the rolls write the chord names,
the page's audio is the server's WAV with the chord track under the melody), the Sampler samples over one, and
a bad chord name is one line on the page."""

from __future__ import annotations

import io
import urllib.request

import numpy as np
import pytest

from tests.test_serve_browser import offline_page, serve_app


@pytest.fixture(scope="module")
def chord_server(tmp_path_factory):
    from test_chord_model import _tiny
    from test_chord_verbs import _save

    from musicvae_lite.serve.app import create_app

    folder = tmp_path_factory.mktemp("chordserver")
    path = _save(folder, _tiny(chord_controls=True), "chordy")
    app = create_app({"chordy": path}, bundled=False, preload=False, store_root=folder)
    yield from serve_app(app)


def test_chords_in_the_mixer_and_the_sampler_in_chromium(chord_server):
    import soundfile

    with offline_page(chord_server) as (page, foreign, errors):
        ends = page.locator("#mixer-ends select.source")
        ends.nth(0).select_option("example:dance")
        ends.nth(1).select_option("example:lullaby")
        page.fill("#chords", "F C")
        page.click("#interpolate")
        page.wait_for_function("window.mvae.state().mixer.rolls === 7", timeout=60_000)
        assert page.evaluate("Chords.drawn()") == ["F", "C"]  # the names over the last roll's bars
        wav_url = page.get_attribute("#download-wav", "href")
        with urllib.request.urlopen(chord_server + wav_url) as f:
            served, rate = soundfile.read(io.BytesIO(f.read()), dtype="float32")
        ours = np.array(page.evaluate("window.mvae.mixSamples(11)"), np.float32)
        assert len(ours) == len(served[::11]) and np.abs(ours - served[::11]).max() < 2e-4
        alone = np.array(page.evaluate("""(stride) => {  // the melody without its chords, as the page renders it
            const items = state.mixer.result.items, s = { ...state.synth, qpm: items[0].qpm || state.synth.qpm };
            return Array.from(Synth.renderItems(items, s)).filter((_, i) => i % stride === 0); }""", 11), np.float32)
        assert np.abs(alone - served[::11]).max() > 0.05  # the chords are heard
        page.fill("#chords", "C Hm")
        page.click("#interpolate")
        page.wait_for_selector("#mixer-error:not([hidden])", timeout=30_000)
        line = page.inner_text("#mixer-error")
        assert "unknown chord 'Hm'" in line and "\n" not in line

        page.click(".tab[data-tab=sampler]")
        page.fill("#sample-chords", "Am:2 E7:2 | Am")
        page.click("#sample")
        page.wait_for_function("window.mvae.state().sampler.samples === 4", timeout=60_000)
        assert page.evaluate("Chords.drawn()") == ["Am", "E7", "Am"]
        assert page.is_hidden("#sampler-error")
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors
