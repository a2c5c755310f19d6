"""The drums family: MusicVAE's 2-bar drum VAE (Roberts et al. 2018; magenta's `cat-drums_2bar_small`) and
GrooVAE (Gillick et al. 2019: humanize, drumify; groove/) behind the family contract (core/family.py) —
presets, data build (the Groove MIDI Dataset's official split when the folder has its info.csv), training
tasks, loading, evaluation and the generation verbs, each writing General MIDI drums, a WAV of the drum
kit and a drum-grid PNG (outputs.py). Both kinds of model train on the same datasets; a checkpoint's model
config says which it holds (a GrooVAE's has a `view`), and a GrooVAE's requests go to groove/verbs.py.
Imports no torch at the top."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from musicvae_lite.core.config import Preset
from musicvae_lite.core.family import Evaluation, Family, Output, Request
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.groove.presets import PRESETS as GROOVE_PRESETS
from musicvae_lite.music.drums.groove.presets import GrooveModelConfig
from musicvae_lite.music.drums.presets import PRESETS

FAMILY = "drums"  # the `task.family` of these checkpoints
_GENERATE = ("temperature", "seed", "soundfont")


class DrumFamily(Family):
    name = FAMILY
    description = "MusicVAE drum models: MIDI drums in, General MIDI drums, WAV and drum grids out"
    bundled: ClassVar[dict[str, str]] = {  # name -> checkpoint stem in bundled/
        "drums": "drums_2bar_groove", "groove": "groove_2bar_humanize", "drumify": "groove_2bar_drumify"}
    web = True  # `mvae serve` draws drum grids and plays the drum kit (serve/static/synth.js)
    not_on_web = frozenset({"groove", "drumify"})  # the page's Blender and Mixer use the drum VAE
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        "sample": ("n", *_GENERATE),
        "interpolate": ("n", "window", "windows", *_GENERATE),
        "grid": ("n", "window", "windows", *_GENERATE),
        "reconstruct": ("window", *_GENERATE),
        "encode": ("window",),
        "decode": _GENERATE,
        "convert": ("as_view", *_GENERATE),  # GrooVAEs only
        "build_data": ("bars", "compat", "workers", "eval_fraction", "seed", "progress"),
        "windows": ("bars", "compat"),
    }
    EVAL_OPTIONS = ("batch_size", "limit")

    def presets(self) -> Mapping[str, Preset]:
        return {**PRESETS, **GROOVE_PRESETS}

    def describe_preset(self, preset: Preset) -> str:
        m, t = preset.model, preset.train
        if isinstance(m, GrooveModelConfig):
            return (f"GrooVAE {m.view}: {m.bars} bars, z {m.z_size}, enc {list(m.encoder_sizes)}, "
                    f"dec {list(m.decoder_sizes)}, free bits {m.free_bits:g}, max beta {m.max_beta:g}, "
                    f"batch {t.batch_size}, {t.steps} steps")
        return (f"{m.bars} bars, 512 classes, z {m.z_size}, enc {list(m.encoder_sizes)}, dec {list(m.decoder_sizes)}, "
                f"free bits {m.free_bits:g}, max beta {m.max_beta:g}, batch {t.batch_size}, {t.steps} steps")

    def model_config_from_dict(self, d: dict):
        if "view" in d:
            from musicvae_lite.music.drums.groove.model import model_config_from_dict as groove_config

            return groove_config(d)
        from musicvae_lite.music.drums.model import model_config_from_dict

        return model_config_from_dict(d)

    def task(self, preset: Preset, data: Path | None):
        from musicvae_lite.music.drums.dataset import load_drum_split
        from musicvae_lite.music.drums.task import DrumTask

        if data is None:
            raise MvaeError("a drum preset needs --data: a dataset folder from `mvae data build --family drums`")
        train = load_drum_split(data, "train", preset.model.bars)
        if not len(train):
            raise MvaeError(f"{data} has no training windows (train.npz)")
        held_out = load_drum_split(data, "eval", preset.model.bars)
        if isinstance(preset.model, GrooveModelConfig):
            from musicvae_lite.music.drums.groove.task import GrooveTask

            return GrooveTask(preset.model, train, held_out, str(data), preset.name)
        return DrumTask(preset.model, train, held_out, str(data), preset.name)

    def build_data(self, request: Request) -> Output:
        from musicvae_lite.music.drums.dataset import build_drum_dataset
        from musicvae_lite.music.drums.extract import DrumConfig

        bars = request.get("bars", 2)
        if bars < 1:
            raise MvaeError(f"--bars must be at least 1, got {bars}")
        summary = build_drum_dataset(list(request.inputs), request.out,
                                     DrumConfig(bars=bars, compat=bool(request.get("compat", False))),
                                     eval_fraction=request.get("eval_fraction", 0.1), seed=request.get("seed", 0),
                                     workers=request.get("workers"), force=request.force,
                                     progress=request.get("progress", False))
        return Output([], summary.lines())

    def windows(self, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.music.drums.encoding import DRUM_NAMES, DRUM_PITCHES, hits_to_classes
        from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file

        (file,) = request.inputs
        cfg = DrumConfig(bars=request.get("bars", 2), compat=bool(request.get("compat", False)))
        found = extract_drum_file(file, cfg)
        lines = [f"{len(found)} drum windows of {request.get('bars', 2)} bars in {file}", "index  bar  hits  drums"]
        items = []  # one per window for the web page (serve/routes/windows.py): as the table, plus the hits
        for i, (hits, bar) in enumerate(zip(found.hits, found.start_bar)):
            used = [DRUM_NAMES[d] for d in np.flatnonzero(hits.any(axis=0))]
            lines.append(f"{i:>5}  {bar + 1:>3}  {int(hits.sum()):>4}  {', '.join(used)}")
            notes = [[DRUM_PITCHES[d][0], int(s), int(s) + 1] for s, d in zip(*np.nonzero(hits))]
            items.append({"kind": "drums", "index": i, "bar": int(bar) + 1, "track": None, "steps": len(hits),
                          "events": [int(e) for e in hits_to_classes(hits)], "notes": notes, "count": len(notes),
                          "drums": used, "qpm": None if found.qpm is None else float(found.qpm)})
        return Output([], lines, items)

    # -- trained models ---------------------------------------------------------------------------

    def load(self, checkpoint, name: str):
        if "view" in checkpoint.config["task"]["model"]:
            from musicvae_lite.music.drums.groove.generate import model_from_checkpoint as groove_model

            return groove_model(checkpoint, name)
        from musicvae_lite.music.drums.generate import model_from_checkpoint

        return model_from_checkpoint(checkpoint, name)

    def evaluate(self, model, data: Path, *, device: str, progress: bool, options: Mapping[str, Any]) -> Evaluation:
        if _groove(model):
            return _groove(model).evaluate(model, data, device=device, progress=progress, options=options)
        from musicvae_lite.core.device import pick_device
        from musicvae_lite.music.drums.dataset import load_drum_split
        from musicvae_lite.music.drums.encoding import NUM_CLASSES
        from musicvae_lite.music.drums.model import encoder_input
        from musicvae_lite.music.sequence_eval import (
            evaluate_sequences,
            sequence_baselines,
        )
        from musicvae_lite.music.sources import spread_indices

        split = "test" if (Path(data) / "test.npz").exists() else "eval"
        held = load_drum_split(data, split, model.config.bars)
        windows = held.classes[spread_indices(len(held), options.get("limit"))]
        if not len(windows):
            raise MvaeError(f"{data} has no {split} windows")
        r = evaluate_sequences(model.vae, windows, num_classes=NUM_CLASSES, batch_size=options.get("batch_size") or 256,
                               device=pick_device(device), progress=progress, encoder_input=encoder_input)
        train = load_drum_split(data, "train", model.config.bars)
        baselines = sequence_baselines(train.classes, windows, NUM_CLASSES)
        lines = [f"{model.name} (step {model.step}) on {r.windows} {split} windows of {data}",
                 f"  teacher-forced accuracy   {r.teacher_forced_accuracy:.4f}",
                 f"  free-running accuracy     {r.sampled_accuracy:.4f}  (greedy from mu)",
                 f"  sampled accuracy, T = 1   {r.sampled_accuracy_t1:.4f}  (MusicVAE's Table 1 protocol)",
                 f"  KL                        {r.kl_bits:.1f} bits per window"]
        if baselines:
            lines.append(f"  baselines without a code (teacher-forced, fit on the training windows): most common "
                         f"step {baselines['most_common_event']:.4f}, bigram {baselines['bigram']:.4f}")
        return Evaluation({"model": model.name, "step": model.step, "split": split, **r.to_json(),
                           "baselines": baselines}, lines)

    # -- generation -------------------------------------------------------------------------------

    def _beats(self, model, request: Request, count: tuple[int, ...], what: str) -> list:
        from musicvae_lite.music.drums import generate as g

        return [g.drums_from_file(model, f, w) for f, w in request.file_windows(count, what)]

    def _write(self, stem: str, windows, request: Request, lines: list[str] | None = None, *,
               titles: list[str] | None = None, ncols: int = 1) -> Output:
        from musicvae_lite.music.drums.outputs import drum_items, write_drum_set

        paths = write_drum_set(request.out, stem, windows, titles=titles, ncols=ncols, overwrite=request.force,
                               formats=request.formats, soundfont=request.get("soundfont"))
        return Output(paths, lines or [], drum_items(windows, titles=titles))

    def sample(self, model, request: Request) -> Output:
        if _groove(model):
            return _groove(model).sample(model, request)
        from musicvae_lite.music.drums import generate as g

        request.no_inputs("sample")
        beats = g.sample(model, request.get("n", 8), temperature=request.get("temperature", 0.5), seed=request.get("seed"))
        return self._write("sample", beats, request)

    def interpolate(self, model, request: Request) -> Output:
        if _groove(model):
            return _groove(model).interpolate(model, request)
        from musicvae_lite.music.drums import generate as g

        a, b = self._beats(model, request, (2,), "two MIDI files with drums (or four for a grid)")
        n = request.get("n", 7)
        steps = g.interpolate(model, a, b, n, temperature=request.get("temperature", 0.0), seed=request.get("seed"))
        titles = ["A"] + [str(i + 1) for i in range(1, n - 1)] + ["B"]
        return self._write("interpolation", steps, request, titles=titles)

    def grid(self, model, request: Request) -> Output:
        if _groove(model):
            raise MvaeError(f"{model.name} is a GrooVAE ({model.view}); 4-corner grids are for the drum VAE "
                            "(--model drums)")
        from musicvae_lite.music.drums import generate as g

        corners = self._beats(model, request, (4,), "four MIDI files with drums, the grid's corners")
        n = request.get("n", 5)
        cells = g.grid(model, corners, n, temperature=request.get("temperature", 0.0), seed=request.get("seed"))
        titles = [f"{r + 1},{c + 1}" for r in range(n) for c in range(n)]
        return self._write("grid", cells, request, titles=titles, ncols=n)

    def reconstruct(self, model, request: Request) -> Output:
        if _groove(model):
            return _groove(model).reconstruct(model, request)
        import numpy as np

        from musicvae_lite.music.drums import generate as g

        (original,) = self._beats(model, request, (1,), "one MIDI file with drums")
        again = g.decode(model, g.encode(model, original), temperature=request.get("temperature", 0.0),
                         seed=request.get("seed"))[0]
        accuracy = float((again == original).mean())
        return self._write("reconstruction", np.stack([original, again]), request,
                           [f"{accuracy:.1%} of the {len(original)} steps reconstructed exactly"],
                           titles=["input", "reconstruction"])

    def encode(self, model, request: Request) -> Output:
        if _groove(model):
            return _groove(model).encode(model, request)
        import numpy as np

        from musicvae_lite.files import atomic_write
        from musicvae_lite.music.drums import generate as g

        if not request.inputs:
            raise MvaeError("give at least one MIDI file to encode")
        rows = [g.drums_from_file(model, f, request.get("window", 0))[None] for f in request.inputs]
        codes = g.encode(model, np.concatenate(rows))
        atomic_write(request.out, lambda fh: np.save(fh, codes), overwrite=request.force)
        return Output([], [f"wrote {request.out} ({codes.shape[0]} x {codes.shape[1]})"])

    def decode(self, model, request: Request) -> Output:
        if _groove(model):
            return _groove(model).decode(model, request)
        from musicvae_lite.music.drums import generate as g

        beats = g.decode(model, request.codes(), temperature=request.get("temperature", 0.0),
                         seed=request.get("seed"))
        return self._write("decoded", beats, request)

    def convert(self, model, request: Request) -> Output:
        if not _groove(model):
            from musicvae_lite.music.drums.groove.verbs import COMMAND

            command = COMMAND.get(request.get("as_view"), "groove")
            raise MvaeError(f"{model.name} is a drum VAE; `mvae {command}` needs a GrooVAE (--model {command})")
        return _groove(model).convert(model, request)


def _groove(model):
    """The GrooVAE verbs when `model` is a GrooVAE, else None."""
    from musicvae_lite.music.drums.groove.generate import GrooveModel

    if isinstance(model, GrooveModel):
        from musicvae_lite.music.drums.groove.verbs import GrooveVerbs

        return GrooveVerbs()
    return None
