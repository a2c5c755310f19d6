"""`mvae serve`'s API (serve/app.py and its routers, serve/routes/) through FastAPI's test client, on the
bundled default model: the answers match the library's, bad uploads get the CLI's one-line reason as a
4xx in the page's language (no command-line advice), an upload's windows are what `mvae windows` lists,
no request reaches a path of its choosing, parallel clients get what sequential ones get, results go
when it stops, each router works alone on a bare app, and `mvae serve` can start again at once on a port
its last run left in TIME_WAIT."""

from __future__ import annotations

import io
import socket
import threading
import warnings

import numpy as np
import pytest
from midifiles import scale, write_midi
from test_bad_input import make_bad_files
from typer.testing import CliRunner

from musicvae_lite.cli import app as cli
from musicvae_lite.core.bundled import examples
from musicvae_lite.music.melody import generate as g
from musicvae_lite.serve.app import MAX_REQUEST, MAX_UPLOAD, create_app
from musicvae_lite.serve.messages import for_page
from musicvae_lite.serve.store import ResultStore

with warnings.catch_warnings():  # starlette asks for httpx2 beside httpx; the client works the same
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BASE = "http://127.0.0.1:8000"
MORNING, EVENING = (examples()[name].read_bytes() for name in ("morning", "evening"))


@pytest.fixture(scope="module")
def server():
    app = create_app()
    with TestClient(app, base_url=BASE) as client:
        yield app, client


@pytest.fixture(scope="module")
def client(server):
    return server[1]


def ends(a: bytes = MORNING, b: bytes = EVENING, names=("morning.mid", "evening.mid")) -> dict:
    return {"a": (names[0], a, "audio/midi"), "b": (names[1], b, "audio/midi")}


def test_health_models_and_examples(client):
    # melody_16bar is offered since the page folds long rolls (issue 25 item 5); each model says its bars; the chord
    # model (issue 23) since it is bundled
    assert client.get("/api/health").json() == {"status": "ok", "models": ["default", "essen", "melody_16bar",
                                                                          "chords", "drums"]}
    models = client.get("/api/models").json()
    assert models["default"] == "default"
    assert {m["name"]: (m["family"], m["bars"]) for m in models["models"]} == {
        "default": ("melody", 2), "essen": ("melody", 2), "melody_16bar": ("melody", 16), "chords": ("melody", 2),
        "drums": ("drums", 2)}
    assert all({"interpolate", "sample", "vary"} <= set(m["verbs"]) for m in models["models"])
    assert models["synth"]["sample_rate"] == 22050 and len(models["synth"]["partials"]) == 6
    listed = client.get("/api/examples").json()["examples"]
    assert {e["name"] for e in listed} >= {"morning", "evening", "dance", "lullaby"}
    assert client.get(listed[0]["url"]).content == examples()[listed[0]["name"]].read_bytes()
    assert client.get("/api/examples/melody/nothing.mid").status_code == 404
    beats = client.get("/api/examples", params={"family": "drums"}).json()["examples"]
    assert {e["name"] for e in beats} >= {"rock", "funk"} and beats[0]["url"].startswith("/api/examples/drums/")
    assert client.get("/api/examples", params={"family": "../etc"}).status_code == 404
    kit = models["drum_kit"]
    voices = np.frombuffer(client.get(kit["url"]).content, "<f8")
    assert len(voices) == sum(kit["lengths"]) and len(kit["pitches"]) == 9 and np.abs(voices).max() <= 1.0


def test_interpolate_answers_what_the_library_computes(server, tmp_path):
    app, client = server
    r = client.post("/api/interpolate", files=ends(), data={"n": "5"})
    assert r.status_code == 200, r.text
    body = r.json()
    model = app.state.pool.get("default").loaded.model
    (tmp_path / "a.mid").write_bytes(MORNING)
    (tmp_path / "b.mid").write_bytes(EVENING)
    a, b = (g.melody_from_file(model, tmp_path / f) for f in ("a.mid", "b.mid"))
    assert np.array_equal(np.array(body["steps"]), g.interpolate(model, a, b, 5))
    assert [it["events"] for it in body["items"]] == body["steps"]
    starts = [it["start_step"] for it in body["items"]]  # each 2-bar step on a bar line, in turn
    assert starts[0] == 0 and all(s % 16 == 0 and s - r >= 32 for r, s in zip(starts, starts[1:]))
    midi = client.get(body["midi"])
    assert midi.status_code == 200 and midi.content[:4] == b"MThd"
    wav = client.get(body["wav"])
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert sorted(body["files"]) == sorted([f"interpolation_{i:02d}.mid" for i in range(1, 6)]
                                           + ["interpolation.mid", "interpolation.wav"])


def test_windows_per_end_and_seeded_sampling(client):
    r = client.post("/api/interpolate", files=ends(MORNING, MORNING), data={"n": "2", "window_a": "0", "window_b": "4"})
    assert r.status_code == 200
    first, last = r.json()["steps"]
    assert first != last  # two different windows of one file
    same = [client.post("/api/sample", data={"n": "3", "seed": "7", "temperature": "1"}).json()["steps"]
            for _ in range(2)]
    assert same[0] == same[1] and len(same[0]) == 3
    other = client.post("/api/sample", data={"n": "3", "seed": "8", "temperature": "1"}).json()["steps"]
    assert other != same[0]


def test_grid_is_n_by_n_with_midi_only(client):
    files = {k: (f"{k}.mid", data) for k, data in zip("abcd", (MORNING, EVENING, MORNING, EVENING))}
    body = client.post("/api/grid", files=files, data={"n": "3"}).json()
    assert len(body["steps"]) == 9 and body["midi"] and body["wav"] is None
    assert body["steps"][0] == body["steps"][6] and body["steps"][2] == body["steps"][8]  # equal corners


@pytest.mark.parametrize("case", ["empty", "not-midi", "truncated", "absurd-ticks", "only-drums", "odd-meter",
                                  "too-short"])
def test_bad_upload_gets_the_cli_reason(client, tmp_path, case):
    path, data, _, phrase = make_bad_files(tmp_path / "bad")[case]
    r = client.post("/api/interpolate", files=ends(data, EVENING, (path.name, "evening.mid")))
    assert r.status_code == 422
    message = r.json()["error"]
    assert phrase in message and "\n" not in message and path.name in message
    assert "mvae-serve" not in message and "/tmp" not in message  # no server path leaks
    assert "mvae " not in message and "--" not in message  # no command-line advice
    line = CliRunner().invoke(cli, ["interpolate", str(path), str(path), "-o", str(tmp_path / "o")]).output
    cli_line = line.strip().removeprefix("error: ")
    assert message == for_page(cli_line).replace(str(path), path.name, 1)  # the CLI's line, in the page's words


def test_size_limits_are_413(client):
    big = b"MThd" + b"\0" * MAX_UPLOAD
    r = client.post("/api/interpolate", files=ends(big, EVENING))
    assert r.status_code == 413 and "over 2 MiB" in r.json()["error"]
    r = client.post("/api/interpolate", content=b"x" * 10, headers={"content-length": str(MAX_REQUEST + 1),
                                                                    "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413


def test_fields_are_checked(client):
    for data, phrase in [({"n": "1"}, "n:"), ({"n": "99"}, "n:"), ({"n": "x"}, "n:"), ({"temperature": "-1"}, "temperature"),
                         ({"model": "../../etc/passwd"}, "unknown model"), ({"window_a": "9"}, "window 9 does not exist")]:
        r = client.post("/api/interpolate", files=ends(), data=data)
        assert r.status_code == 422 and phrase in r.json()["error"], (data, r.text)
    r = client.post("/api/interpolate", files={"a": ("a.mid", MORNING)})
    assert r.status_code == 422 and r.json()["error"].startswith("b:")


def test_no_request_reaches_a_path_of_its_choosing(server):
    app, client = server
    r = client.post("/api/interpolate", files=ends(names=("../../../evil.mid", "/etc/passwd")), data={"n": "2"})
    assert r.status_code == 200
    store = app.state.store
    folder = store.root / r.json()["id"]
    assert sorted(p.name for p in (folder / "inputs").iterdir()) == ["a.mid", "b.mid"]
    assert not (store.root.parent / "evil.mid").exists()
    rid = r.json()["id"]
    for path in [f"/api/files/{rid}/..%2Finputs%2Fa.mid", f"/api/files/{rid}/inputs/a.mid",
                 f"/api/files/{rid}/a.mid", "/api/files/..%2F..%2Fetc/passwd", f"/api/files/{'0' * 24}/interpolation.mid",
                 "/static/..%2F..%2Fapp.py", "/static/../app.py"]:
        assert client.get(path).status_code == 404, path


def test_foreign_hosts_and_origins_are_refused(client):
    assert client.get("/api/health", headers={"host": "attacker.example"}).status_code == 400
    r = client.post("/api/sample", headers={"origin": "http://attacker.example"})
    assert r.status_code == 403 and "not allowed" in r.json()["error"]
    assert client.post("/api/sample", data={"n": "1"}, headers={"origin": BASE}).status_code == 200


def test_parallel_clients_get_what_sequential_ones_get(client):
    def ask(seed: int) -> list:
        r = client.post("/api/interpolate", files=ends(), data={"n": "4", "temperature": "1", "seed": str(seed)})
        assert r.status_code == 200, r.text
        return r.json()["steps"]

    expected = {seed: ask(seed) for seed in range(8)}
    got: dict[int, list] = {}
    threads = [threading.Thread(target=lambda s=seed: got.__setitem__(s, ask(s))) for seed in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected
    assert len({str(v) for v in expected.values()}) > 1  # the seeds do matter


def test_the_page_and_docs_need_nothing_from_elsewhere(client):
    import re

    page = client.get("/").text
    refs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert refs and all(ref.startswith(("/", "data:")) for ref in refs), refs
    for ref in refs:
        if ref.startswith("/"):
            asset = client.get(ref)
            assert asset.status_code == 200, ref
            assert not re.search(r"https?://", asset.text), ref  # no CDN, no fonts from elsewhere
    docs = client.get("/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text and not re.search(r"https?://", docs.text)
    assert set(client.get("/openapi.json").json()["paths"]) >= {"/api/interpolate", "/api/sample", "/api/grid",
                                                                "/api/health", "/api/models"}


def test_results_are_removed_when_the_server_stops(tmp_path):
    app = create_app(store_root=tmp_path, preload=False)
    with TestClient(app, base_url=BASE) as client:
        assert client.post("/api/sample", data={"n": "1"}).status_code == 200
        assert any(app.state.store.root.rglob("*.wav"))
    assert list(tmp_path.iterdir()) == []


def test_store_keeps_the_latest_results(tmp_path):
    store = ResultStore(tmp_path, keep=2)
    first, second, third = store.new(), store.new(), store.new()
    assert not first.folder.exists() and second.folder.exists() and third.folder.exists()
    (third.folder / "x.mid").write_bytes(b"MThd")
    (tmp_path / "outside.mid").write_bytes(b"MThd")
    store.publish(third, [third.folder / "x.mid", tmp_path / "outside.mid"])
    assert store.file(third.id, "x.mid") and store.file(third.id, "outside.mid") is None
    store.close()
    assert not store.root.exists()


def test_failed_request_leaves_nothing(server):
    app, client = server
    before = len(app.state.store)
    assert client.post("/api/interpolate", files=ends(b"not midi")).status_code == 422
    assert len(app.state.store) == before
    assert sorted(p.name for p in app.state.store.root.iterdir()) == sorted(app.state.store._results)


def test_serve_command_errors_are_one_line(tmp_path):
    r = CliRunner().invoke(cli, ["serve", "--port", "70000"])
    assert r.exit_code == 2 and r.output.strip() == "error: --port must be 1..65535, got 70000"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert r.exit_code == 2 and r.output.startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert len(r.output.strip().splitlines()) == 1
    r = CliRunner().invoke(cli, ["serve", "--port", str(port), "--model", str(tmp_path / "nothing")])
    assert r.exit_code == 2 and "no such model" in r.output


def test_upload_of_a_real_melody_of_the_users(client, tmp_path):
    path = write_midi(tmp_path / "mine.mid", [scale(bars=4)])
    r = client.post("/api/interpolate", files=ends(path.read_bytes(), EVENING, ("mine.mid", "e.mid")), data={"n": "3"})
    assert r.status_code == 200
    assert io.BytesIO(client.get(r.json()["wav"]).content).read(4) == b"RIFF"


def test_requests_at_once_use_separate_replicas():
    from musicvae_lite.serve.models import ModelPool

    pool = ModelPool(replicas=2)
    got = []
    with pool.borrow(None) as one, pool.borrow(None) as two:
        assert one.model is not two.model and one.model.vae is not two.model.vae
        for p1, p2 in zip(one.model.vae.parameters(), two.model.vae.parameters()):
            assert p1 is not p2 and bool((p1 == p2).all())
        third = threading.Thread(target=lambda: got.append(pool.borrow(None).__enter__()))
        third.start()
        third.join(0.3)
        assert third.is_alive() and not got  # both replicas are taken: the third request waits
    third.join(5)
    assert got and got[0].model in (one.model, two.model)  # and gets one back, never a third copy


# -- the page's language ------------------------------------------------------------------------------


def test_errors_speak_the_pages_language(client):
    """A request whose library error carries command-line advice gets the page's controls instead."""
    r = client.post("/api/interpolate", files=ends(), data={"n": "3", "window_b": "7"})
    assert r.status_code == 422
    assert r.json()["error"] == ("evening.mid: window 7 does not exist; it has windows 0..6: "
                                 "choose another window in the list")
    rock = examples("drums")["rock"].read_bytes()
    r = client.post("/api/interpolate", files=ends(rock, EVENING, ("rock.mid", "evening.mid")), data={"n": "3"})
    assert r.status_code == 422 and r.json()["error"].endswith("; for drums pick a drum model in the Model menu")
    r = client.post("/api/interpolate", files=ends(), data={"n": "3", "model": "drums"})
    assert r.status_code == 422 and r.json()["error"].endswith("; for melodies pick a melody model in the Model menu")
    for message in (client.post("/api/interpolate", files=ends(rock, EVENING), data=d).json()["error"]
                    for d in ({}, {"model": "drums", "window_a": "40"})):
        assert "mvae" not in message and "--" not in message and "`" not in message, message


@pytest.mark.parametrize("line, page", [
    ("x.mid: --window 9 does not exist; it has windows 0..3 (see `mvae windows x.mid`)",
     "x.mid: window 9 does not exist; it has windows 0..3: choose another window in the list"),
    ("x.mid: --window 5 does not exist; it has drum windows 0..2",
     "x.mid: window 5 does not exist; it has drum windows 0..2: choose another window in the list"),
    ("groove is a GrooVAE (humanize); 4-corner grids are for the drum VAE (--model drums)",
     "groove is a GrooVAE (humanize); 4-corner grids are for the drum VAE (pick drums in the Model menu)"),
    ("no 2-bar drum beat in x.mid: it has no drums; to make a beat from a melody's rhythm use `mvae drumify`, "
     "for melodies a melody model (--model default)",
     "no 2-bar drum beat in x.mid: it has no drums; to make a beat from a melody's rhythm use the Drumify tab, "
     "for melodies pick a melody model in the Model menu"),
    ("out: exists (use --force to replace it)", "out: exists"),
    ("x.npy is empty; decode takes a .npy file of codes (n, z) from `mvae encode`",
     "x.npy is empty; decode takes a .npy file of codes (n, z) from encode"),
    ("x.mid: not a MIDI file (no MThd header)", "x.mid: not a MIDI file (no MThd header)"),
])
def test_command_line_advice_becomes_the_pages(line, page):
    assert for_page(line) == page


# -- an upload's windows -------------------------------------------------------------------------------


def test_windows_of_an_upload_are_what_the_models_take(server, tmp_path):
    app, client = server
    r = client.post("/api/windows", files={"file": ("morning.mid", MORNING)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "default" and body["family"] == "melody" and body["bars"] == 2
    listed = body["windows"]
    assert [w["index"] for w in listed] == list(range(body["total"])) and body["total"] == 7
    table = [line.split() for line in body["lines"][2:]]  # the rows of `mvae windows`' table
    assert [(int(t[0]), int(t[1]), int(t[3])) for t in table] == [(w["index"], w["bar"], w["count"]) for w in listed]
    assert body["lines"][0] == "7 windows of 2 bars in morning.mid"  # the user's name, not the server's path
    model = app.state.pool.get("default").loaded.model
    path = tmp_path / "morning.mid"
    path.write_bytes(MORNING)
    for w in listed:  # window k of the list is what window_a=k gives the verbs
        assert w["events"] == g.melody_from_file(model, path, w["index"]).tolist()
        assert w["count"] == len(w["notes"]) and all(0 <= a < b <= w["steps"] for _, a, b in w["notes"])
    assert len({w["bar"] for w in listed}) == len(listed)


def test_windows_name_the_track_of_a_file_with_several(client, tmp_path):
    chords = [(p, s, s + 8, 0, 0) for s in range(0, 64, 8) for p in (48, 52, 55)]
    lead = [(n[0] + 12, n[1], n[2], 1, 73) for n in scale(bars=4)]
    path = write_midi(tmp_path / "two.mid", [chords, lead])
    listed = client.post("/api/windows", files={"file": ("two.mid", path.read_bytes())}).json()["windows"]
    assert listed and {w["track"] for w in listed} <= {1, 2}
    assert all(w["track_name"].startswith(str(w["track"])) for w in listed)


def test_windows_of_a_drum_file_for_the_drum_model(client):
    from musicvae_lite.music.drums.extract import extract_drum_file

    rock = examples("drums")["rock"]
    body = client.post("/api/windows", files={"file": ("rock.mid", rock.read_bytes())}, data={"model": "drums"}).json()
    found = extract_drum_file(rock)
    assert body["family"] == "drums" and body["total"] == len(found)
    assert [w["count"] for w in body["windows"]] == [int(h.sum()) for h in found.hits]
    assert all(w["kind"] == "drums" and w["bar"] == b + 1 for w, b in zip(body["windows"], found.start_bar))


@pytest.mark.parametrize("case", ["empty", "not-midi", "truncated", "only-drums", "too-short"])
def test_windows_of_a_bad_upload_are_one_line(server, tmp_path, case):
    app, client = server
    before = sorted(p.name for p in app.state.store.root.iterdir())
    path, data, _, phrase = make_bad_files(tmp_path / "bad")[case]
    r = client.post("/api/windows", files={"file": (path.name, data)})
    message = r.json()["error"]
    assert r.status_code == 422 and phrase in message and path.name in message and "\n" not in message
    assert "/tmp" not in message and "mvae" not in message and "--" not in message
    assert sorted(p.name for p in app.state.store.root.iterdir()) == before  # nothing kept


def test_windows_refuse_huge_missing_and_unknown(client):
    r = client.post("/api/windows", files={"file": ("big.mid", b"MThd" + b"\0" * MAX_UPLOAD)})
    assert r.status_code == 413 and r.json()["error"] == "big.mid: the file is over 2 MiB; MIDI melodies are a few KB"
    r = client.post("/api/windows", data={"model": "default"})
    assert r.status_code == 422 and r.json()["error"].startswith("file:")
    r = client.post("/api/windows", files={"file": ("m.mid", MORNING)}, data={"model": "../etc"})
    assert r.status_code == 422 and r.json()["error"].startswith("unknown model '../etc'")


# -- the layout: routers alone, a short create_app ----------------------------------------------------


class FakePool:
    def names(self):
        return ["toy"]

    def describe(self):
        return [{"name": "toy", "family": "melody", "verbs": ["sample"]}]

    def default(self):
        return "toy"


def test_each_router_works_alone_on_a_bare_app(tmp_path):
    from fastapi import FastAPI

    from musicvae_lite.serve import edge
    from musicvae_lite.serve.routes import catalog, files
    from musicvae_lite.serve.settings import Settings

    bare = FastAPI()
    bare.state.pool, bare.state.store, bare.state.settings = FakePool(), ResultStore(tmp_path), Settings(None)
    edge.install(bare)
    bare.include_router(catalog.router)
    bare.include_router(files.router)
    result = bare.state.store.new()
    (result.folder / "x.mid").write_bytes(b"MThd")
    bare.state.store.publish(result, [result.folder / "x.mid"])
    with TestClient(bare, base_url="http://anywhere.example") as c:
        assert c.get("/api/health").json() == {"status": "ok", "models": ["toy"]}  # the state it was given
        assert c.get("/api/models").json()["default"] == "toy"
        assert c.get(f"/api/files/{result.id}/x.mid").content == b"MThd"
        assert c.get(f"/api/files/{result.id}/y.mid").status_code == 404
        assert c.post("/api/sample").status_code == 404  # not mounted here
    bare.state.store.close()


def test_create_app_is_a_short_composition():
    import inspect

    from musicvae_lite.serve.app import create_app as made

    assert len(inspect.getsource(made).splitlines()) < 40
    app = create_app(preload=False)
    assert set(app.openapi()["paths"]) == {
        "/api/health", "/api/models", "/api/kits/drums", "/api/examples", "/api/examples/{family}/{name}.mid",
        "/api/windows", "/api/interpolate", "/api/sample", "/api/grid", "/api/vary", "/api/continue",
        "/api/personalize", "/api/groove", "/api/drumify", "/api/files/{result_id}/{name}"}
    app.state.store.close()


# -- meters ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def metered(tmp_path_factory):
    """A client of an app serving two tiny untrained melody models saved as checkpoints: `jigs` reads
    the meter (tests/test_meter_models.py's `_tiny`), `plain` does not."""
    from test_meter_models import _tiny

    from musicvae_lite.core.checkpoint import save_checkpoint
    from musicvae_lite.music.melody.model import model_config_to_dict

    folder = tmp_path_factory.mktemp("metered")
    paths = {}
    for name, reads in (("jigs", True), ("plain", False)):
        model = _tiny(reads)
        paths[name] = save_checkpoint(folder / f"{name}.pt", model=model.vae.state_dict(), step=0, config={
            "task": {"family": "melody", "model": model_config_to_dict(model.config)}})
    app = create_app(paths, bundled=False, preload=False, store_root=folder)
    with TestClient(app, base_url=BASE) as client:
        yield client


def test_sample_in_the_meter_asked(metered):
    import symusic

    r = metered.post("/api/sample", data={"n": "3", "meter": "6/8", "model": "jigs", "seed": "1"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(it["steps"], it["meter"], it["bar_steps"]) for it in items] == [(24, "6/8", 12)] * 3
    assert [it["start_step"] for it in items] == [0, 24, 48]
    score = symusic.Score.from_midi(metered.get(r.json()["midi"]).content)
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(6, 8)]
    plain = metered.post("/api/sample", data={"n": "1", "model": "jigs", "seed": "1"}).json()["items"]
    assert [(it["steps"], it["meter"]) for it in plain] == [(32, "4/4")]  # 4/4 unless asked
    waltz = metered.post("/api/sample", data={"n": "1", "model": "jigs", "meter": "3/2"}).json()["items"]
    assert [(it["steps"], it["meter"], it["bar_steps"]) for it in waltz] == [(48, "3/2", 24)]


@pytest.mark.parametrize("meter, error", [
    ("x", "meter: a meter is written like 3/4 or 6/8, not 'x'"),
    ("6/", "meter: a meter is written like 3/4 or 6/8, not '6/'"),
    ("5/7", "meter: not a time signature: 5/7"),
    ("64/4", "meter: a bar of 64/4 is 256 16th notes; the page writes bars of at most 32")])
def test_a_bad_meter_is_one_line(metered, meter, error):
    r = metered.post("/api/sample", data={"n": "1", "model": "jigs", "meter": meter})
    assert r.status_code == 422 and r.json() == {"error": error}


def test_a_model_that_does_not_read_the_meter_refuses_another(metered):
    r = metered.post("/api/sample", data={"n": "1", "model": "plain", "meter": "6/8"})
    assert r.status_code == 422, r.text
    assert "4/4 only, not 6/8" in r.json()["error"] and "\n" not in r.json()["error"]
    r = metered.post("/api/sample", data={"n": "1", "model": "plain", "meter": "4/4"})
    assert r.status_code == 200 and r.json()["items"][0]["meter"] == "4/4"


def test_the_waltz_and_the_jig_are_offered_in_their_meters(metered):
    listed = {e["name"]: e["url"] for e in metered.get("/api/examples").json()["examples"]}
    assert {"waltz", "jig"} <= set(listed)
    tunes = {name: metered.get(listed[name]).content for name in ("waltz", "jig")}
    for name, meter in (("waltz", "3/4"), ("jig", "6/8")):
        body = metered.post("/api/windows", files={"file": (f"{name}.mid", tunes[name])}, data={"model": "jigs"})
        assert body.status_code == 200, body.text
        assert {(w["meter"], w["bar_steps"], w["steps"]) for w in body.json()["windows"]} == {(meter, 12, 24)}
    r = metered.post("/api/interpolate", files=ends(tunes["waltz"], tunes["jig"], ("waltz.mid", "jig.mid")),
                     data={"n": "3", "model": "jigs"})
    assert r.status_code == 422
    assert r.json() == {"error": "the inputs must share a meter to be blended: waltz.mid is in 3/4, jig.mid is in 6/8"}
    r = metered.post("/api/interpolate", files=ends(tunes["jig"], tunes["jig"], ("jig.mid", "jig.mid")),
                     data={"n": "3", "model": "jigs"})
    assert r.status_code == 200 and {it["meter"] for it in r.json()["items"]} == {"6/8"}


# -- starting again -----------------------------------------------------------------------------------


def test_port_left_in_time_wait_is_not_refused():
    """A server that closed its side of a connection first (as uvicorn does on Ctrl-C with a browser
    connected) leaves the port in TIME_WAIT: a plain bind is refused, `mvae serve`'s check is not."""
    from musicvae_lite.cli.serve import _check_port

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn's listener (asyncio) sets it
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    browser = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: its end goes to TIME_WAIT
    assert browser.recv(1) == b""
    browser.close()
    listener.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # the refusal the old check gave
    _check_port("127.0.0.1", port)  # no error: uvicorn can listen here
