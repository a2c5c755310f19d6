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
    assert client.get("/api/health").json() == {"status": "ok", "models": ["default", "essen", "drums"]}
    models = client.get("/api/models").json()
    assert models["default"] == "default"
    assert {m["name"]: m["family"] for m in models["models"]} == {"default": "melody", "essen": "melody",
                                                                  "drums": "drums"}
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
    assert [it["start_step"] for it in body["items"]] == [0, 40, 80, 120, 160]  # 2 bars + half a bar of rest
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


@pytest.mark.parametrize("case", ["empty", "not-midi", "truncated", "absurd-ticks", "only-drums", "three-four",
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
