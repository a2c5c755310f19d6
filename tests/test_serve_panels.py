"""`mvae serve`'s API for the page's newer panels (issue 25 item 5), through FastAPI's test client on the
bundled models: /api/vary is `mvae vary` through `families.run` (the input window picked, then the
variations, the verb's line, each item's MIDI), its bad fields and files are one line each; melody_16bar is
served, its longest interpolation fits the per-request limits and an upload's 16-bar windows are what the
verbs take; the result store drops the oldest results past its bytes. (tests/test_serve.py holds the rest.)"""

from __future__ import annotations

import pytest
from midifiles import write_midi

from musicvae_lite.core.bundled import examples
from musicvae_lite.music.melody import generate as g
from musicvae_lite.serve.store import ResultStore

from tests.test_serve import MORNING, client, ends, server  # noqa: F401  (fixtures and helpers shared)


def test_vary_answers_what_the_library_computes(server, tmp_path):
    """/api/vary is `mvae vary` through `families.run`: the input window picked, then n variations (the
    library's for that window, amount and seed), the verb's line, each item's own MIDI file."""
    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    app, client = server
    data = {"n": "3", "amount": "0.4", "seed": "3", "window_a": "2"}
    r = client.post("/api/vary", files={"a": ("morning.mid", MORNING)}, data=data)
    assert r.status_code == 200, r.text
    body = r.json()
    (tmp_path / "morning.mid").write_bytes(MORNING)
    loaded = app.state.pool.get("default").loaded
    model = loaded.model
    assert body["steps"][0] == g.melody_from_file(model, tmp_path / "morning.mid", 2).tolist()
    lib = families.run(loaded, "vary", Request((str(tmp_path / "morning.mid"),), tmp_path / "out", False,
                                               {"n": 3, "amount": 0.4, "seed": 3, "window": 2}, frozenset({"mid"})))
    assert body["steps"] == [it["events"] for it in lib.items] and body["lines"] == lib.lines
    assert body["steps"][1] != body["steps"][2]  # variations, not copies of one another
    assert [it["title"] for it in body["items"]] == ["input", "1", "2", "3"]
    assert len(body["each"]) == 4 and all(client.get(url).content[:4] == b"MThd" for url in body["each"])
    assert body["lines"][0].startswith("3 variations at amount 0.4: on average ")
    other = client.post("/api/vary", files={"a": ("morning.mid", MORNING)}, data={**data, "seed": "4"}).json()
    assert other["steps"][0] == body["steps"][0] and other["steps"][1:] != body["steps"][1:]


@pytest.mark.parametrize("data, error", [
    ({"amount": "1.5"}, "amount: Input should be less than or equal to 1"),
    ({"n": "0"}, "n: Input should be greater than or equal to 1"),
    ({"n": "17"}, "n: Input should be less than or equal to 16"),
    ({"window_a": "40"}, "morning.mid: window 40 does not exist; it has windows 0..6: choose another window in the list"),
])
def test_vary_refuses_bad_fields_in_one_line(client, data, error):
    r = client.post("/api/vary", files={"a": ("morning.mid", MORNING)}, data=data)
    assert r.status_code == 422 and r.json() == {"error": error}


def test_vary_of_a_bad_file_is_one_line(client):
    r = client.post("/api/vary", files={"a": ("notes.mid", b"not midi")})
    assert r.status_code == 422 and r.json() == {"error": "notes.mid: not a MIDI file (no MThd header)"}
    r = client.post("/api/vary", data={"n": "2"})
    assert r.status_code == 422 and r.json()["error"].startswith("a:")


def test_a_16_bar_interpolation_fits_the_limits(server):
    """The most steps a request may ask for (MAX_STEPS) between two 16-bar tunes with melody_16bar: each step
    256 steps of 4/4, in turn in the stitched files, the WAV downloadable."""
    from musicvae_lite.serve.settings import MAX_STEPS

    app, client = server
    tunes = {name: examples()[name].read_bytes() for name in ("harbour", "sunrise")}
    r = client.post("/api/interpolate", files=ends(tunes["harbour"], tunes["sunrise"], ("harbour.mid", "sunrise.mid")),
                    data={"n": str(MAX_STEPS), "model": "melody_16bar"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(it["steps"], it["meter"], it["bar_steps"]) for it in items] == [(256, "4/4", 16)] * MAX_STEPS
    assert [it["start_step"] for it in items] == [256 * i for i in range(MAX_STEPS)]
    wav = client.get(r.json()["wav"])
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    model = app.state.pool.get("melody_16bar").loaded.model
    assert model.config.bars == 16 and r.json()["ms"] < 60_000


def test_windows_of_a_long_upload_for_the_16_bar_model(client, tmp_path):
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    path = write_midi(tmp_path / "long.mid", [[(60 + (i * 5) % 12, 4 * i, 4 * i + 3) for i in range(20 * 4)]])
    body = client.post("/api/windows", files={"file": ("long.mid", path.read_bytes())},
                       data={"model": "melody_16bar"}).json()
    found = extract_file(path, ExtractConfig(bars=16))
    assert body["bars"] == 16 and body["total"] == len(found.events) >= 2
    assert [(w["bar"], w["steps"]) for w in body["windows"]] == [(b + 1, 256) for b in found.start_bar]
    r = client.post("/api/vary", files={"a": ("long.mid", path.read_bytes())},
                    data={"n": "2", "model": "melody_16bar", "window_a": "1"})
    assert r.status_code == 200 and r.json()["steps"][0] == found.events[1].tolist()
    short = client.post("/api/windows", files={"file": ("morning.mid", MORNING)}, data={"model": "melody_16bar"})
    assert short.status_code == 422 and "no melody of at least 16 bars" in short.json()["error"]


def test_the_store_drops_the_oldest_results_past_its_bytes(tmp_path):
    store = ResultStore(tmp_path, keep=10, max_bytes=250)
    results = []
    for _ in range(4):
        result = store.new()
        (result.folder / "x.mid").write_bytes(b"x" * 100)
        store.publish(result, [result.folder / "x.mid"])
        results.append(result)
    assert [store.file(r.id, "x.mid") is not None for r in results] == [False, False, True, True]
    assert not results[0].folder.exists() and results[3].folder.exists()
    running = store.new()  # a request still being written is never dropped for bytes
    big = store.new()
    (big.folder / "x.mid").write_bytes(b"x" * 1000)
    store.publish(big, [big.folder / "x.mid"])
    assert running.folder.exists() and store.file(big.id, "x.mid") is not None and len(store) == 2
    store.close()


def test_continue_answers_what_the_library_computes(server, tmp_path):
    """/api/continue is `mvae continue` through `families.run`: with melody_16bar a 5-bar upload is the primer and
    each item is the primer and the 11 bars after it; a field out of range is one line."""
    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    app, client = server
    five = write_midi(tmp_path / "five.mid", [[(60 + (i % 5), 4 * i, 4 * i + 4) for i in range(20)]])
    data = {"n": "2", "seed": "1", "model": "melody_16bar"}
    r = client.post("/api/continue", files={"a": ("five.mid", five.read_bytes())}, data=data)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lines"] == ["2 continuations of 11 bars after the 5-bar primer (16 bars: one piece, in 4/4)"]
    loaded = app.state.pool.get("melody_16bar").loaded
    primer = g.primer_from_file(loaded.model, five)
    assert len(primer) == 80 and all(steps[:80] == primer.tolist() and len(steps) == 256 for steps in body["steps"])
    lib = families.run(loaded, "continue", Request((str(five),), tmp_path / "out", False,
                                                   {"n": 2, "seed": 1, "window": 0, "temperature": 0.5},
                                                   frozenset({"mid"})))
    assert body["steps"] == [it["events"] for it in lib.items]
    assert body["steps"][0] != body["steps"][1]
    bad = client.post("/api/continue", files={"a": ("five.mid", five.read_bytes())}, data={"bars": "0"})
    assert bad.status_code == 422 and bad.json() == {"error": "bars: Input should be greater than or equal to 1"}


def test_personalize_makes_a_model_the_other_verbs_take(server):
    """/api/personalize (Make it mine): a model made from one upload joins the pool under mine-N, the answer
    holds samples of it and what /api/models says of it; it then blends and varies; too few windows and a drum
    base are one line each, and no model is added for them."""
    app, client = server
    harbour = examples()["harbour"].read_bytes()
    r = client.post("/api/personalize", files={"a": ("harbour.mid", harbour)}, data={"n": "3", "seed": "0"})
    assert r.status_code == 200, r.text
    body = r.json()
    name = body["made"]["name"]
    assert name.startswith("mine-") and body["made"]["family"] == "melody" and body["made"]["bars"] == 2
    assert {"sample", "interpolate", "vary"} <= set(body["made"]["verbs"]) and "continue" not in body["made"]["verbs"]
    assert body["lines"][0].startswith(f"{name}: default made yours from 11 windows (11 in 4/4) of 1 file in ")
    assert body["model"] == name and len(body["steps"]) == 3
    assert name in [m["name"] for m in client.get("/api/models").json()["models"]]
    again = client.post("/api/sample", data={"n": "3", "seed": "0", "model": name}).json()
    assert again["steps"] == body["steps"]  # the samples are the new model's own
    blend = client.post("/api/interpolate", files=ends(MORNING, harbour, ("m.mid", "h.mid")),
                        data={"n": "3", "model": name})
    assert blend.status_code == 200 and len(blend.json()["steps"]) == 3
    few = client.post("/api/personalize", files={"a": ("morning.mid", MORNING)})
    assert few.status_code == 422 and few.json()["error"].startswith(
        "morning.mid: 7 2-bar windows to learn from; personalizing needs at least 10")
    drums = client.post("/api/personalize", files={"a": ("harbour.mid", harbour)}, data={"model": "drums"})
    assert drums.status_code == 422 and len(drums.json()["error"].splitlines()) == 1
    assert sum(m["name"].startswith("mine-") for m in client.get("/api/models").json()["models"]) == 1
