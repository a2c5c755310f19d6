"""The page's Continue and Make it mine panels (issue 25) in the system's Chromium, driven by Playwright as
tests/test_serve_browser.py drives the rest of the page (its helpers and its live server are shared)."""

from __future__ import annotations

from tests.test_serve_browser import _inked, _set_range, live_server, offline_page  # noqa: F401


def test_continue_panel_in_chromium(live_server, tmp_path):
    """The Continue tab (issue 25): an example's window picked as the primer of the 2-bar default, n and seed
    set; the rolls are the primer with each continuation after it, the answer the API's; with melody_16bar a
    16-bar example is continued into 16 more bars, drawn folded; a bad seed is one line."""
    import httpx

    from musicvae_lite.core.bundled import examples

    with offline_page(live_server) as (page, foreign, errors):
        page.click(".tab[data-tab=continue]")
        assert page.is_visible("#continue") and page.input_value("#continue-n") == "4"
        page.wait_for_function("window.mvae.windows('continue')[0].listed.length === 7", timeout=30_000)
        source = page.eval_on_selector("#continue-ends select.source", "s => s.value")
        page.locator("#continue-ends select.window").select_option("3")
        _set_range(page, "#continue-n", 2)
        page.fill("#continue-seed", "9")
        page.click("#continue-go")
        page.wait_for_function("window.mvae.state().panels.continue.items === 2", timeout=30_000)
        inked = _inked(page, "#continue-rolls canvas.roll")
        assert len(inked) == 2 and min(inked) > 20, inked
        assert page.locator("#continue-rolls figcaption").all_inner_texts() == [
            "continuation 14/4MIDI", "continuation 24/4MIDI"]
        name = source.split(":", 1)[1]
        asked = httpx.post(live_server + "/api/continue", timeout=60,
                           files={"a": (f"{name}.mid", examples()[name].read_bytes())},
                           data={"n": "2", "seed": "9", "window_a": "3", "temperature": "0.5"}).json()
        assert page.evaluate("window.mvae.steps('continue')") == asked["steps"]
        assert [len(s) for s in asked["steps"]] == [64, 64]  # the 2-bar window, then 2 bars after it
        assert page.inner_text("#continue-line") == asked["lines"][0] == \
            "2 continuations of 2 bars after the 2-bar primer (4 bars, in 4/4)"
        page.fill("#continue-seed", "-1")
        page.click("#continue-go")
        page.wait_for_selector("#continue-error:not([hidden])", timeout=30_000)
        assert page.inner_text("#continue-error") == "seed: Input should be greater than or equal to 0"
        page.fill("#continue-seed", "")
        page.select_option("#model", "melody_16bar")  # a 16-bar example, 16 bars after it
        page.wait_for_function("window.mvae.windows('continue')[0].listed.length > 0", timeout=30_000)
        page.click("#continue-go")
        page.wait_for_function("""() => { try { return window.mvae.steps('continue').map((s) => s.length).join()
                                             === '512,512'; } catch (e) { return false; } }""", timeout=60_000)
        assert page.inner_text("#continue-line").startswith("2 continuations of 16 bars after the 16-bar primer")
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors


def test_make_it_mine_panel_in_chromium(live_server, tmp_path):
    """The Make it mine tab (issue 25): the harbour example made the default's own; the panel shows samples of
    the new model and the line naming it, the model joins the Model menu, and a Mixer blend with it runs; a file
    with too few windows is one line."""
    with offline_page(live_server) as (page, foreign, errors):
        page.click(".tab[data-tab=mine]")
        assert page.is_visible("#mine") and page.inner_text("#mine-ends legend") == "your melody"
        page.wait_for_function("window.mvae.windows('mine')[0].listed.length > 0", timeout=30_000)
        page.locator("#mine-ends select.source").select_option("example:morning")
        page.click("#mine-go")
        page.wait_for_selector("#mine-error:not([hidden])", timeout=60_000)
        assert page.inner_text("#mine-error").startswith("morning.mid: 7 2-bar windows to learn from")
        page.locator("#mine-ends select.source").select_option("example:harbour")
        _set_range(page, "#mine-n", 3)
        page.fill("#mine-seed", "2")
        page.click("#mine-go")
        page.wait_for_function("window.mvae.state().panels.mine.items === 3", timeout=60_000)
        line = page.inner_text("#mine-line")
        assert line.startswith("mine-1: default made yours from 11 windows"), line
        inked = _inked(page, "#mine-rolls canvas.roll")
        assert len(inked) == 3 and min(inked) > 20, inked
        assert "mine-1 (melody)" in page.locator("#model option").all_inner_texts()
        page.select_option("#model", "mine-1")
        page.click(".tab[data-tab=mixer]")
        page.click("#interpolate")
        page.wait_for_function("window.mvae.state().mixer.rolls === 7", timeout=30_000)
    assert foreign == [], f"the page asked for things off this machine: {foreign}"
    assert [e for e in errors if "status of 422" not in e] == [], errors
