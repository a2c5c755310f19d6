"""`mvae serve`'s drum panels (issue 24 item 4) through FastAPI's test client on the bundled models: /api/groove is
`mvae groove` (the bundled humanize GrooVAE through `families.run`, the beat stiff and played, with a feel
reference), /api/drumify is `mvae drumify` on a file or on taps, /api/grid's `humanize` plays each cell through
the groove model; the items of a performance carry each hit's velocity and offset as the MIDI file has them;
bad beats, feels, melodies and taps are one line each. (tests/test_serve.py holds the rest.)"""

from __future__ import annotations

import mido
import numpy as np
import pytest
from midifiles import write_midi

from musicvae_lite.core.bundled import examples
from musicvae_lite.serve.routes.drums import TAP_STEPS, parse_taps, tap_midi

from tests.test_serve import MORNING, client, server  # noqa: F401  (fixtures shared)
from tests.test_groove_transfer import beat

BEATS = {name: examples("drums")[name].read_bytes() for name in ("rock", "funk", "halftime", "bossa")}


def note_ons(data: bytes) -> list[tuple[int, int, int]]:
    """(absolute tick, pitch, velocity) of every note-on of a MIDI file, in time order."""
    import io

    out = []
    for track in mido.MidiFile(file=io.BytesIO(data)).tracks:
        t = 0
        for msg in track:
            t += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                out.append((t, msg.note, msg.velocity))
    return sorted(out)


def test_groove_answers_the_beat_stiff_and_played_as_the_library_plays_it(server, tmp_path):
    """/api/groove: the stiff beat (its hits on the grid, one velocity) and the beat played by the bundled groove
    model (the library's `convert`, as `mvae groove` runs it), the same hits in both; each with its MIDI, whose
    notes carry the item's velocities; the WAVs downloadable; the tools are not in the Model menu."""
    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    app, client = server
    r = client.post("/api/groove", files={"a": ("funk.mid", BEATS["funk"])}, data={"seed": "1"})
    assert r.status_code == 200, r.text
    body = r.json()
    stiff, played = body["items"]
    assert [stiff["title"], played["title"]] == ["stiff", "played"] and body["lines"] == ["funk.mid: 4 bars at 100 qpm"]
    assert stiff["notes"] == played["notes"] and stiff["steps"] == played["steps"] == 64  # the same hits
    assert "velocities" not in stiff and len(played["velocities"]) == len(played["offsets"]) == len(played["notes"])
    assert len(set(played["velocities"])) > 5 and any(abs(o) > 0.01 for o in played["offsets"])  # played, not flat
    (tmp_path / "funk.mid").write_bytes(BEATS["funk"])
    with app.state.pool.borrow("groove", tool=True) as loaded:
        lib = families.run(loaded, "convert", Request((str(tmp_path / "funk.mid"),), tmp_path / "out", False,
                                                      {"as_view": "humanize", "seed": 1}, frozenset({"mid"})))
    assert lib.items[0]["velocities"] == played["velocities"] and lib.items[0]["offsets"] == played["offsets"]
    midi = [client.get(url).content for url in body["each"]]
    assert len(midi) == 2 and {v for _, _, v in note_ons(midi[0])} == {100}  # stiff: one velocity
    pitch_vel = sorted((p, v) for _, p, v in note_ons(midi[1]))
    ours = sorted((n[0], max(1, round(127 * v))) for n, v in zip(played["notes"], played["velocities"]))
    assert pitch_vel == ours  # the page's velocities are the MIDI file's
    for url in (body["wav"], body["stiff"]["wav"]):
        assert client.get(url).content[:4] == b"RIFF"
    offered = [m["name"] for m in client.get("/api/models").json()["models"]]
    assert "groove" not in offered and "drumify" not in offered
    assert client.post("/api/sample", data={"model": "groove"}).json()["error"].startswith("unknown model 'groove'")


def test_groove_with_a_feel_reference(client, tmp_path):
    """A feel reference plays the beat with that performance's timing and dynamics: its snares a quarter of a
    step late at velocity 40 give the beat's snares the same."""
    late = write_midi(tmp_path / "late.mid", [beat(4, late_snare=0.25, snare_velocity=40, hat_velocity=70)])
    r = client.post("/api/groove", files={"a": ("rock.mid", BEATS["rock"]), "feel": ("late.mid", late.read_bytes())})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lines"][0].startswith("rock.mid: 4 bars at 112 qpm, played with the feel of late.mid (")
    played = body["items"][1]
    snares = [(n[1], v, o) for n, v, o in zip(played["notes"], played["velocities"], played["offsets"]) if n[0] == 38]
    on_beats = [(v, o) for s, v, o in snares if s % 8 == 4]
    assert on_beats and all(abs(127 * v - 40) <= 2 and abs(o - 0.25) < 0.03 for v, o in on_beats), on_beats


@pytest.mark.parametrize("what, error", [
    ("melody", "no 2-bar drum beat in morning.mid: no drum track (MIDI channel 10); to make a beat from a melody's "
               "rhythm use the Drumify tab, for melodies pick a melody model in the Model menu"),
    ("feel melody", "feel morning.mid: no drum track (MIDI channel 10); give a drum performance in 4/4 or 2/2 as "
                    "the feel"),
    ("feel waltz", "feel waltz.mid: "),
    ("not midi", "x.mid: not a MIDI file (no MThd header)"),
])
def test_groove_refuses_bad_beats_and_feels_in_one_line(client, tmp_path, what, error):
    waltz = write_midi(tmp_path / "waltz.mid", [beat(4)], ts=(3, 4)).read_bytes()
    files = {"melody": {"a": ("morning.mid", MORNING)},
             "feel melody": {"a": ("rock.mid", BEATS["rock"]), "feel": ("morning.mid", MORNING)},
             "feel waltz": {"a": ("rock.mid", BEATS["rock"]), "feel": ("waltz.mid", waltz)},
             "not midi": {"a": ("x.mid", b"not midi")}}[what]
    r = client.post("/api/groove", files=files)
    line = r.json()["error"]
    assert r.status_code == 422 and line.startswith(error) and "\n" not in line and "/tmp" not in line, line
    if what == "feel waltz":
        assert "4/4 or 2/2" in line


def test_drumify_of_a_melody_and_of_taps(server, tmp_path):
    """/api/drumify: a beat from a melody file (the library's, as `mvae drumify` makes it), or from taps put on
    the 16th grid of a 2-bar loop (the taps written as a rhythm drumify reads, their timing kept)."""
    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    app, client = server
    r = client.post("/api/drumify", files={"a": ("morning.mid", MORNING)}, data={"seed": "2"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lines"] == ["morning.mid: 8 bars at 112 qpm"] and [it["title"] for it in body["items"]] == ["beat"]
    (tmp_path / "morning.mid").write_bytes(MORNING)
    with app.state.pool.borrow("drumify", tool=True) as loaded:
        lib = families.run(loaded, "convert", Request((str(tmp_path / "morning.mid"),), tmp_path / "out", False,
                                                      {"as_view": "drumify", "seed": 2}, frozenset({"mid"})))
    assert body["steps"] == [it["events"] for it in lib.items] and body["items"][0]["steps"] == 128
    assert len(body["each"]) == 1 and client.get(body["wav"]).content[:4] == b"RIFF"
    tapped = client.post("/api/drumify", data={"taps": "0, 3.8, 8.2, 12, 16, 20, 24, 28", "qpm": "90"}).json()
    assert tapped["lines"] == ["your taps: 2 bars at 90 qpm"] and tapped["items"][0]["steps"] == TAP_STEPS
    assert tapped["items"][0]["qpm"] == 90 and tapped["items"][0]["notes"]


def test_taps_are_put_on_the_grid_with_their_timing():
    """Each tap on its nearest step, its distance from it kept; a tap just before the loop's end is its first
    step (and where two taps share a step, the one nearer the grid is kept)."""
    from musicvae_lite.music.midi_write import TICKS_PER_STEP

    onsets = parse_taps("0.1, 3.8,8.2 31.7")
    assert onsets == [0.1, 3.8, 8.2, 31.7]
    notes = note_ons(tap_midi(onsets, 120.0))
    assert [round(t / TICKS_PER_STEP, 2) for t, _, _ in notes] == [0.1, 3.8, 8.2]
    assert {p for _, p, _ in notes} == {42}
    alone = note_ons(tap_midi([31.7, 4], 120.0))
    assert [t for t, _, _ in alone] == [0, 4 * TICKS_PER_STEP]  # early, before the loop: on its first step


@pytest.mark.parametrize("data, error", [
    ({"taps": "0,40"}, "taps: at most 128 onsets, each from 0 to 32 steps (the 2-bar loop)"),
    ({"taps": "a,b"}, "taps: give onsets in 16th-note steps, comma-separated, like 0,4,8 (got 'a,b')"),
    ({"taps": " "}, "taps: no tap; tap a rhythm first (any key, over the 2-bar loop)"),
    ({}, "give a melody file or taps, one of the two"),
    ({"taps": "0", "qpm": "500"}, "qpm: Input should be less than or equal to 300"),
])
def test_drumify_refuses_bad_taps_in_one_line(client, data, error):
    r = client.post("/api/drumify", data=data)
    assert r.status_code == 422 and r.json() == {"error": error}


def test_drumify_of_a_file_without_notes_is_one_line(client, tmp_path):
    empty = write_midi(tmp_path / "empty.mid", [[]])
    r = client.post("/api/drumify", files={"a": ("empty.mid", empty.read_bytes())})
    assert r.status_code == 422 and r.json() == {"error": "no rhythm in empty.mid: no notes"}
    both = client.post("/api/drumify", files={"a": ("m.mid", MORNING)}, data={"taps": "0"})
    assert both.status_code == 422 and both.json() == {"error": "give a melody file or taps, one of the two"}


def test_a_humanized_blender_grid_plays_each_cell_through_the_groove_model(client):
    """/api/grid with `humanize` (a drum model): the same cells' hits as without (greedy), each hit with a
    velocity and an offset from the groove model; without it no cell has either; a melody model refuses it."""
    corners = {k: (f"{n}.mid", BEATS[n]) for k, n in zip("abcd", BEATS)}
    plain = client.post("/api/grid", files=corners, data={"n": "3", "model": "drums"}).json()
    played = client.post("/api/grid", files=corners, data={"n": "3", "model": "drums", "humanize": "true"}).json()
    assert [it["notes"] for it in played["items"]] == [it["notes"] for it in plain["items"]]
    assert all("velocities" not in it and "offsets" not in it for it in plain["items"])
    for it in played["items"]:
        assert len(it["velocities"]) == len(it["offsets"]) == len(it["notes"]) > 0
        assert len(set(it["velocities"])) > 3 and np.abs(it["offsets"]).max() > 0.01
    assert played["lines"][-1].startswith("humanized by the bundled `groove` model")
    melody = {k: (f"{k}.mid", MORNING) for k in "abcd"}
    r = client.post("/api/grid", files=melody, data={"n": "3", "humanize": "true"})
    assert r.status_code == 422 and "\n" not in r.json()["error"] and "humanize" in r.json()["error"]


def test_performance_items_carry_velocities_in_the_notes_order():
    """GrooveCodec.item_extra: each hit's velocity and offset, in the order of the item's notes (step, then
    drum), clipped as the renderer clips them; the drum VAE's codec adds nothing."""
    from musicvae_lite.music.drums.codec import DRUMS
    from musicvae_lite.music.drums.groove.codec import GROOVE
    from musicvae_lite.music.output_set import set_items

    hits = np.zeros((32, 9), bool)
    hits[[0, 0, 4, 9], [0, 2, 1, 8]] = True
    velocity = np.where(hits, np.linspace(0.1, 1.2, 32 * 9).reshape(32, 9), 0)
    offset = np.where(hits, -0.7, 0.0)
    offset[4, 1] = 0.2
    velocity[9, 8] = 1.3  # clipped to 1, as the renderer plays it
    (item,) = set_items(GROOVE, [(hits, velocity, offset)])
    assert [n[:2] for n in item["notes"]] == [[36, 0], [42, 0], [38, 4], [51, 9]]
    assert item["velocities"] == [round(float(velocity[s, d]), 6) for s, d in ((0, 0), (0, 2), (4, 1))] + [1.0]
    assert item["offsets"] == [-0.5, -0.5, 0.2, -0.5]
    (bare,) = set_items(DRUMS, [GROOVE.events((hits, velocity, offset))])
    assert "velocities" not in bare and bare["notes"] == item["notes"]
