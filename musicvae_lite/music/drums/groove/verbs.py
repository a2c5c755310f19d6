"""The drum family's verbs for GrooVAE models (Gillick, Roberts, Engel, Eck, Bamman 2019): evaluation
against the baselines of evaluate.py, `convert` (what the models are for, over whole files: `mvae groove
FILE` plays a beat like a drummer, `mvae drumify FILE` makes a beat from any file's rhythm) and the
window verbs (sample, interpolate, reconstruct, encode, decode, on 2-bar windows as for the drum VAE).
Everything writes General MIDI drums with velocities and micro-timing, a WAV of the drum kit and a drum
grid that shows the offsets (music/drums). The drum family (family.py) hands a GrooVAE's requests here.
Imports no torch at the top."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from musicvae_lite.core.family import Evaluation, Output, Request
from musicvae_lite.errors import MvaeError

PICTURE_BARS = 16  # a converted file's picture shows its first 16 bars (the files hold all of it)
COMMAND = {"humanize": "groove", "drumify": "drumify"}  # view -> its command, and its bundled model's name


class GrooveVerbs:
    """What the drum family does with a trained GrooVAE (generate.GrooveModel)."""

    def evaluate(self, model, data: Path, *, device: str, progress: bool, options: Mapping[str, Any]) -> Evaluation:
        from musicvae_lite.music.drums.dataset import load_drum_split
        from musicvae_lite.music.drums.groove.evaluate import evaluate_groove, report
        from musicvae_lite.music.sources import spread_indices

        split = "test" if (Path(data) / "test.npz").exists() else "eval"
        held = load_drum_split(data, split, model.config.bars)
        held = held.subset(spread_indices(len(held), options.get("limit")))
        if not len(held):
            raise MvaeError(f"{data} has no {split} windows")
        train = load_drum_split(data, "train", model.config.bars)
        figures = evaluate_groove(model, train, held, batch_size=options.get("batch_size") or 256)
        figures = {"model": model.name, "step": model.step, "view": model.view, "split": split,
                   "hit_threshold": model.config.hit_threshold, **figures}
        return Evaluation(figures, report(model, figures, f"{split} windows of {data}"))

    # -- generation -------------------------------------------------------------------------------

    def _windows(self, model, request: Request, count: int, what: str) -> list:
        from musicvae_lite.music.drums.groove import generate as g

        return [g.window_from_file(model, f, w) for f, w in request.file_windows((count,), what)]

    def _write(self, stem: str, perf, request: Request, lines: list[str] | None = None, *,
               titles: list[str] | None = None, qpm: float | None = None) -> Output:
        from musicvae_lite.music.drums.outputs import write_drum_set

        paths = write_drum_set(request.out, stem, perf, titles=titles, qpm=qpm, overwrite=request.force,
                               formats=request.formats, soundfont=request.get("soundfont"))
        return Output(paths, lines or [])

    def sample(self, model, request: Request) -> Output:
        from musicvae_lite.music.drums.groove import generate as g

        request.no_inputs("sample")
        perf = g.sample(model, request.get("n", 8), temperature=request.get("temperature", 0.5),
                        seed=request.get("seed"))
        return self._write("sample", perf, request)

    def interpolate(self, model, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.music.drums.groove import generate as g

        a, b = self._windows(model, request, 2, "two MIDI files" + (" with drums" if model.view != "drumify" else ""))
        n = request.get("n", 7)
        perf = g.interpolate(model, a, b, n, temperature=request.get("temperature", 0.0), seed=request.get("seed"))
        if model.view == "humanize":  # the ends keep their own hits, played
            ends = g.humanize(model, tuple(np.stack([x, y]) for x, y in zip(a, b)))
            perf = tuple(np.concatenate([e[:1], p[1:-1], e[1:]]) for e, p in zip(ends, perf))
        titles = ["A"] + [str(i + 1) for i in range(1, n - 1)] + ["B"]
        return self._write("interpolation", perf, request, titles=titles)

    def reconstruct(self, model, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.music.drums.groove import generate as g

        (original,) = self._windows(model, request, 1, "one MIDI file")
        again = g.convert(model, original, temperature=request.get("temperature", 0.0), seed=request.get("seed"))
        again = tuple(a[0] for a in again)
        hits = original[0]
        lines = []
        if model.view == "humanize":
            err = g.played_errors(original, again)
            lines.append(f"the drummer's {int(hits.sum())} hits: timing {err[0]:.3f} of a step and velocity "
                         f"{err[1]:.1f} (0-127) from the input's, on average")
        elif model.view == "drumify":  # the input is a rhythm: its taps, all in one row
            taps, played = hits.any(axis=1), again[0].any(axis=1)
            lines.append(f"the beat plays {int((taps & played).sum())} of the rhythm's {int(taps.sum())} taps, and "
                         f"{int((played & ~taps).sum())} steps besides")
        else:
            lines.append(f"{float((again[0] == hits).mean()):.1%} of the {hits.size} step-drum cells match the input")
        titles = ["rhythm" if model.view == "drumify" else "input", "reconstruction"]
        return self._write("reconstruction", tuple(np.stack([x, y]) for x, y in zip(original, again)), request, lines,
                           titles=titles)

    def encode(self, model, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.files import atomic_write
        from musicvae_lite.music.drums.groove import generate as g

        if not request.inputs:
            raise MvaeError("give at least one MIDI file to encode")
        rows = [g.window_from_file(model, f, request.get("window", 0)) for f in request.inputs]
        codes = g.encode(model, tuple(np.stack(a) for a in zip(*rows)))
        atomic_write(request.out, lambda fh: np.save(fh, codes), overwrite=request.force)
        return Output([], [f"wrote {request.out} ({codes.shape[0]} x {codes.shape[1]})"])

    def decode(self, model, request: Request) -> Output:
        from musicvae_lite.music.drums.groove import generate as g

        perf = g.decode(model, request.codes(), temperature=request.get("temperature", 0.0),
                        seed=request.get("seed"))
        return self._write("decoded", perf, request)

    def convert(self, model, request: Request) -> Output:
        """Each input file whole: `<name>_<view>.mid` / `.wav` (at the file's tempo) and `.png` (the input
        above, the result below, the first PICTURE_BARS bars). A batch goes on past a bad file."""
        from musicvae_lite.music.drums.groove import generate as g

        want = request.get("as_view")
        if want is not None and want != model.view:
            command = COMMAND.get(want, want)
            raise MvaeError(f"{model.name} is a {model.view} model; `mvae {command}` needs a {want} model "
                            f"(--model {command})")
        if not request.inputs:
            raise MvaeError("give at least one MIDI file")
        out = Output()
        failed = []
        for path in request.inputs:
            try:
                perf, qpm = g.whole_file(model, path)
                made = g.convert(model, perf, temperature=request.get("temperature", 0.0), seed=request.get("seed"))
                written = self._write_whole(Path(path).stem + f"_{model.view}", perf, made, qpm, request,
                                            "rhythm (every onset one tap)" if model.view == "drumify" else "input")
            except MvaeError as e:
                if len(request.inputs) == 1:
                    raise
                failed.append(path)
                out.lines.append(f"skipped {path}: {e}")
                continue
            bars = perf[0].shape[0] * model.config.bars
            out.lines.append(f"{path}: {bars} bars at {qpm or 120:g} qpm")
            out.paths.extend(written)
        if failed and len(failed) == len(request.inputs):
            raise MvaeError(f"none of the {len(failed)} files could be converted")
        return out

    def _write_whole(self, stem: str, given, made, qpm: float | None, request: Request, what: str) -> list[Path]:
        from musicvae_lite.files import atomic_write
        from musicvae_lite.music.audio import (
            DEFAULT_QPM,
            DEFAULT_SAMPLE_RATE,
            render_with_soundfont,
            write_wav,
        )
        from musicvae_lite.music.drums.groove import generate as g
        from musicvae_lite.music.drums.plots import plot_drum_grid
        from musicvae_lite.music.drums.render import drum_midi_bytes, synthesize_drums
        from musicvae_lite.music.grid import STEPS_PER_BAR
        from musicvae_lite.music.output_files import prepare_set

        soundfont = request.get("soundfont")
        out, formats = prepare_set(request.out, stem, 0, request.formats, soundfont=soundfont, overwrite=request.force)
        whole = g.join(made)
        written = []
        if "mid" in formats:
            data = drum_midi_bytes([whole], qpm=qpm)
            written.append(atomic_write(out / f"{stem}.mid", lambda f: f.write(data), overwrite=True))
        if "wav" in formats and soundfont is not None:
            written.append(render_with_soundfont(out / f"{stem}.mid", out / f"{stem}.wav", soundfont, overwrite=True))
        elif "wav" in formats:
            audio = synthesize_drums([whole], qpm=qpm or DEFAULT_QPM)
            written.append(write_wav(out / f"{stem}.wav", audio, DEFAULT_SAMPLE_RATE, overwrite=True))
        if "png" in formats:
            shown = PICTURE_BARS * STEPS_PER_BAR
            panels = [tuple(a[:shown] for a in g.join(given)), tuple(a[:shown] for a in whole)]
            written.append(plot_drum_grid(panels, out / f"{stem}.png", titles=[what, stem], overwrite=True))
        return written
