"""Rendering melodies: the built-in synthesizer and WAV files, FluidSynth with a SoundFont (the program
and the binding simulated, and their absence), and piano-roll PNGs."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest
import soundfile

from musicvae_lite.errors import MvaeError
from musicvae_lite.music import audio
from musicvae_lite.music.audio import RELEASE_S, num_samples, pitch_hz, render_with_soundfont, write_wav
from musicvae_lite.music.melody.encoding import NOTE_OFF, Note, pitch_to_class
from musicvae_lite.music.melody.render import synthesize, write_melody_midi
from musicvae_lite.music.melody.plots import interpolation_titles, plot_grid, plot_pianoroll

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def melody(steps: int = 32, seed: int = 0, lo: int = 60, hi: int = 76) -> np.ndarray:
    """A random but musical-looking melody (steps,): notes of 1-8 steps, some followed by a rest."""
    rng = np.random.default_rng(seed)
    events = np.zeros(steps, dtype=np.int64)
    t = 0
    while t < steps:
        events[t] = pitch_to_class(int(rng.integers(lo, hi)))
        length = int(rng.choice([1, 2, 4, 8]))
        if length > 1 and t + length - 1 < steps and rng.random() < 0.3:
            events[t + length - 1] = NOTE_OFF
        t += length
    return events


def one_note(pitch: int, steps: int = 16) -> np.ndarray:
    events = np.zeros(steps, dtype=np.int64)
    events[0] = pitch_to_class(pitch)
    return events


# ---- the built-in synthesizer and WAV files --------------------------------------------------------------

@pytest.mark.parametrize("qpm,rate", [(120.0, 22050), (90.0, 16000), (200.0, 44100)])
def test_wav_round_trip_duration_level_and_overwrite(tmp_path, qpm, rate):
    events = melody(32)
    wav = synthesize(events, qpm=qpm, sample_rate=rate)
    assert wav.dtype == np.float32 and wav.ndim == 1
    path = write_wav(tmp_path / "m.wav", wav, rate)
    back, sr = soundfile.read(path)
    assert sr == rate and soundfile.info(path).subtype == "PCM_16"
    expected_s = 32 * 60.0 / qpm / 4 + RELEASE_S  # 2 bars at qpm, plus the documented release tail
    assert len(back) == num_samples(32, qpm, rate)
    assert abs(len(back) / sr - expected_s) <= 1.0 / sr
    assert np.sqrt(np.mean(back ** 2)) > 0.01  # not silent
    assert np.abs(back).max() < 0.95  # normalized below full scale: no clipping
    with pytest.raises(MvaeError, match="--force"):
        write_wav(path, wav, rate)
    write_wav(path, wav[: rate // 2], rate, overwrite=True)
    assert soundfile.info(path).frames == rate // 2


@pytest.mark.parametrize("pitch", [45, 60, 69, 84])
def test_a_note_has_energy_at_its_fundamental(pitch):
    rate = 22050
    wav = synthesize(one_note(pitch), sample_rate=rate)  # one bar: 2 s at 120 qpm
    spectrum = np.abs(np.fft.rfft(wav * np.hanning(len(wav))))
    freqs = np.fft.rfftfreq(len(wav), 1.0 / rate)
    peak = freqs[np.argmax(spectrum)]
    assert abs(peak - pitch_hz(pitch)) / pitch_hz(pitch) < 0.01  # well within a semitone (6%)


def test_notes_start_and_end_without_clicks():
    wav = synthesize(melody(32))
    assert wav[0] == 0.0 and abs(wav[-1]) < 1e-3
    staccato = synthesize(np.array([pitch_to_class(72), NOTE_OFF] * 8))  # 16ths with rests between
    assert np.isfinite(staccato).all() and np.abs(staccato).max() <= 0.9 + 1e-6


def test_stitched_rendering_puts_each_part_on_a_bar_line():
    parts = [melody(32, 1), melody(16, 2), melody(48, 3)]
    assert len(synthesize(parts)) == num_samples(32 + 16 + 48)  # whole bars follow one another
    assert len(synthesize(parts, gap_steps=4)) == num_samples(48 + 32 + 48)  # 4 steps of rest -> the next bar
    same = np.stack([melody(32, s) for s in range(7)])  # (n, steps): an interpolation
    assert len(synthesize(same, qpm=100.0)) == num_samples(7 * 32, 100.0)
    # a part that ends inside a bar is padded to the bar line: the note after 12 steps of rest sounds at 16
    step = round(60.0 / 120.0 / 4 * audio.DEFAULT_SAMPLE_RATE)
    split = synthesize([np.zeros(12, dtype=np.int64), one_note(60)])
    assert len(split) == num_samples(32)
    assert np.abs(split[: 16 * step - 1]).max() == 0.0 and np.abs(split[16 * step:]).max() > 0.1


def test_notes_and_rests_are_accepted():
    assert len(synthesize([Note(60, 0, 4), Note(64, 4, 8)])) == num_samples(8)
    silence = synthesize(np.zeros(16, dtype=np.int64))
    assert len(silence) == num_samples(16) and not silence.any()


@pytest.mark.parametrize("bad", [
    np.zeros((2, 3, 4), dtype=np.int64),   # wrong shape
    np.array([2, 90, 0]),                  # class out of range
    np.array([-1, 0]),
    np.array([2.0, 0.0]),                  # not integers
    np.zeros(0, dtype=np.int64),           # empty
    [],
    [np.array([2, 0]), np.zeros((2, 2), dtype=np.int64)],
    "C4 D4",
])
def test_synthesize_rejects_bad_melodies(bad):
    with pytest.raises(MvaeError) as err:
        synthesize(bad)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kwargs", [{"qpm": 0.0}, {"sample_rate": 100}, {"gap_steps": -1}, {"sample_rate": 22050.5}])
def test_synthesize_rejects_bad_settings(kwargs):
    with pytest.raises(MvaeError):
        synthesize(melody(16), **kwargs)


@pytest.mark.parametrize("bad", [np.zeros(0, np.float32), np.array([0.1, np.nan]), np.array([1, 2, 3])])
def test_write_wav_rejects_bad_audio(tmp_path, bad):
    with pytest.raises(MvaeError):
        write_wav(tmp_path / "x.wav", bad, 22050)
    assert not (tmp_path / "x.wav").exists()


# ---- FluidSynth with a SoundFont ---------------------------------------------------------------------

@pytest.fixture
def sf2(tmp_path):
    """A file with a SoundFont's RIFF header (enough for the check; the fakes below never parse it)."""
    path = tmp_path / "tiny.sf2"
    path.write_bytes(b"RIFF" + (4).to_bytes(4, "little") + b"sfbk")
    return path


@pytest.fixture
def midi(tmp_path):
    return write_melody_midi(tmp_path / "m.mid", melody(32))


@pytest.fixture
def no_fluidsynth(monkeypatch):
    """Neither the fluidsynth program on PATH nor an importable pyfluidsynth."""
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # `import fluidsynth` now raises ImportError


def test_missing_fluidsynth_says_how_to_install(tmp_path, sf2, midi, no_fluidsynth):
    with pytest.raises(MvaeError) as err:
        render_with_soundfont(midi, tmp_path / "out.wav", sf2)
    message = str(err.value)
    assert "\n" not in message and "apt-get install fluidsynth" in message and "brew install fluidsynth" in message
    assert "built-in synthesizer" in message and "--soundfont" in message
    assert not (tmp_path / "out.wav").exists()


def test_missing_or_bad_soundfont_and_midi_are_one_line_errors(tmp_path, sf2, midi):
    cases = [
        ((midi, tmp_path / "a.wav", tmp_path / "nope.sf2"), "not found"),
        ((midi, tmp_path / "a.wav", midi), "not a SoundFont"),
        ((tmp_path / "nope.mid", tmp_path / "a.wav", sf2), "not found"),
    ]
    junk = tmp_path / "junk.mid"
    junk.write_bytes(b"MThd this is not MIDI")
    cases.append(((junk, tmp_path / "a.wav", sf2), "not a valid MIDI"))
    for args, expected in cases:
        with pytest.raises(MvaeError, match=expected) as err:
            render_with_soundfont(*args)
        assert "\n" not in str(err.value)


FAKE_CLI = '''#!{python}
"""Stands in for the fluidsynth program: writes a quiet 440 Hz tone where -F says, at the -r rate."""
import sys
import numpy as np
import soundfile
args = sys.argv[1:]
open({log!r}, "w").write("\\n".join(args))
if {fail}:
    sys.stderr.write("fluidsynth: warning: a harmless line\\nfluidsynth: error: Failed to load SoundFont\\n")
    sys.exit(1)
rate = int(args[args.index("-r") + 1])
tone = 0.02 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
soundfile.write(args[args.index("-F") + 1], np.stack([tone, tone], 1), rate, subtype="PCM_16")
'''


def fake_cli(tmp_path, monkeypatch, fail: bool):
    exe, log = tmp_path / "fluidsynth", tmp_path / "argv.txt"
    exe.write_text(FAKE_CLI.format(python=sys.executable, log=str(log), fail=fail))
    exe.chmod(0o755)
    monkeypatch.setattr(audio.shutil, "which", lambda name: str(exe) if name == "fluidsynth" else None)
    return log


def test_fluidsynth_program_renders_and_is_normalized(tmp_path, sf2, midi, monkeypatch):
    log = fake_cli(tmp_path, monkeypatch, fail=False)
    out = render_with_soundfont(midi, tmp_path / "out.wav", sf2, sample_rate=32000)
    argv = log.read_text().split("\n")
    assert argv[:1] == ["-ni"] and argv[-2:] == [str(sf2), str(midi)] and argv[argv.index("-r") + 1] == "32000"
    back, sr = soundfile.read(out)
    assert sr == 32000 and back.shape == (32000, 2)
    assert 0.85 < np.abs(back).max() < 0.95  # FluidSynth's quiet output is brought to the built-in level
    with pytest.raises(MvaeError, match="--force"):
        render_with_soundfont(midi, out, sf2)


def test_fluidsynth_program_failure_is_one_line(tmp_path, sf2, midi, monkeypatch):
    fake_cli(tmp_path, monkeypatch, fail=True)
    with pytest.raises(MvaeError, match="Failed to load SoundFont") as err:
        render_with_soundfont(midi, tmp_path / "out.wav", sf2)
    assert "\n" not in str(err.value) and not (tmp_path / "out.wav").exists()


def test_pyfluidsynth_binding_replays_every_note(tmp_path, sf2, monkeypatch):
    events = np.array([pitch_to_class(60), 0, 0, 0, pitch_to_class(64), 0, 0, NOTE_OFF] + [0] * 8)  # 120 qpm
    midi = write_melody_midi(tmp_path / "m.mid", events)
    calls = []

    class Synth:  # pyfluidsynth's offline API: samples come as interleaved stereo int16
        def __init__(self, samplerate):
            self.on = set()

        def sfload(self, path):
            return 1

        def program_select(self, channel, sfid, bank, preset):
            calls.append(("program", channel, bank, preset))

        def noteon(self, channel, pitch, velocity):
            self.on.add(pitch)
            calls.append(("on", pitch))

        def noteoff(self, channel, pitch):
            self.on.discard(pitch)
            calls.append(("off", pitch))

        def get_samples(self, n):
            return np.full(2 * n, 300 if self.on else 0, dtype=np.int16)

        def delete(self):
            calls.append(("delete",))

    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "fluidsynth", types.SimpleNamespace(Synth=Synth))
    out = render_with_soundfont(midi, tmp_path / "out.wav", sf2, sample_rate=8000)
    assert [c for c in calls if c[0] in ("on", "off")] == [("on", 60), ("off", 60), ("on", 64), ("off", 64)]
    assert calls[-1] == ("delete",)
    back, sr = soundfile.read(out)
    assert sr == 8000 and back.shape == (7000 + 8000, 2)  # last note-off at step 7 = 0.875 s, then 1 s
    assert np.abs(back[: 8000]).max() > 0.85 and np.abs(back[-4000:]).max() == 0.0


# ---- piano rolls ---------------------------------------------------------------------------------------

def png_size(path) -> tuple[int, int]:
    """(height, width) of a PNG, read back with matplotlib."""
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    return image.shape[:2]


def test_pianoroll_png_one_and_seven_panels(tmp_path):
    one = plot_pianoroll(melody(32), tmp_path / "one.png", qpm=120.0)
    h1, w1 = png_size(one)
    assert h1 > 200 and w1 > 300
    seven = plot_pianoroll(np.stack([melody(32, s) for s in range(7)]), tmp_path / "seven.png",
                           titles=interpolation_titles(7))
    h7, w7 = png_size(seven)
    assert w7 > 5 * w1  # seven two-bar panels fit side by side, each as wide as the single one
    with pytest.raises(MvaeError, match="--force"):
        plot_pianoroll(melody(32), one)
    plot_pianoroll([melody(16), np.zeros(48, dtype=np.int64)], one, overwrite=True)  # ragged, a silent one
    png_size(one)


def test_pianoroll_grid_3x3(tmp_path):
    grid = np.stack([np.stack([melody(32, 3 * r + c) for c in range(3)]) for r in range(3)])  # (3, 3, 32)
    titles = [["A", "", "B"], ["", "", ""], ["C", "", "D"]]
    h, w = png_size(plot_grid(grid, tmp_path / "grid.png", titles=titles))
    assert h > 600 and w > 600
    nested = [[melody(32, 3 * r + c) for c in range(3)] for r in range(3)]  # a list of rows works too
    assert png_size(plot_grid(nested, tmp_path / "grid2.png")) == (h, w)


def test_importing_pianoroll_does_not_import_matplotlib():
    code = "import sys, musicvae_lite.music.melody.plots; assert 'matplotlib' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("bad,kwargs", [
    (np.zeros((2, 2, 8), dtype=np.int64), {}),    # 3-D given to plot_pianoroll
    (np.array([2, 95, 0]), {}),                   # out of range
    (np.array([2.5, 0.0]), {}),                   # not integers
    ([], {}),                                     # empty
    (np.zeros((3, 0), dtype=np.int64), {}),       # empty sequences
    (np.zeros((2, 8), dtype=np.int64), {"titles": ["only one"]}),
    (np.zeros(8, dtype=np.int64), {"qpm": -5.0}),
])
def test_pianoroll_rejects_bad_input(tmp_path, bad, kwargs):
    with pytest.raises(MvaeError) as err:
        plot_pianoroll(bad, tmp_path / "x.png", **kwargs)
    assert "\n" not in str(err.value) and not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("bad", [
    np.zeros(8, dtype=np.int64),                              # one sequence
    np.zeros((2, 8), dtype=np.int64),                         # one row
    [[np.zeros(8, dtype=np.int64)] * 2, [np.zeros(8, dtype=np.int64)]],  # ragged rows
    [[2, 0, 0, 0]],                                           # a row that is one sequence
    [],
    np.full((2, 2, 8), 90),
])
def test_grid_rejects_bad_input(tmp_path, bad):
    with pytest.raises(MvaeError):
        plot_grid(bad, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_pianoroll_wants_a_png_path(tmp_path):
    with pytest.raises(MvaeError, match=".png"):
        plot_pianoroll(melody(16), tmp_path / "x.jpg")


def test_the_timbre_follows_the_general_midi_family():
    sr = audio.DEFAULT_SAMPLE_RATE
    note = [Note(69, 0, 16)]  # A4 for a bar: 2 s at 120 qpm

    def level(x, a, b):  # RMS between a and b seconds
        return float(np.sqrt(np.mean(x[round(a * sr):round(b * sr)] ** 2)))

    def overtones(x):  # share of the energy above the fundamental's band, over the first second
        spectrum = np.abs(np.fft.rfft(x[:sr])) ** 2
        return spectrum[round(1.5 * 440):].sum() / spectrum.sum()

    piano, flute, clarinet = (audio.synthesize_notes(note, 16, program=p) for p in (0, 73, 71))
    assert np.array_equal(piano, audio.synthesize_notes(note, 16))  # the default is the piano of before
    assert level(piano, 1.5, 1.9) < 0.5 * level(piano, 0.1, 0.5)  # a struck string dies away
    assert level(flute, 1.5, 1.9) == pytest.approx(level(flute, 0.1, 0.5), rel=0.05)  # a wind is held
    assert overtones(flute) < 0.5 * overtones(piano) < overtones(clarinet)
    with pytest.raises(MvaeError):
        audio.synthesize_notes(note, 16, program=128)
    assert len(audio.synth_settings()["timbres"]) == 16
