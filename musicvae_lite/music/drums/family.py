"""The drums family: MusicVAE's 2-bar drum VAE (Roberts et al. 2018; magenta's `cat-drums_2bar_small`) and
GrooVAE (Gillick et al. 2019: humanize, drumify; groove/) behind the family contract (core/family.py) —
presets, data build (the Groove MIDI Dataset's official split when the folder has its info.csv), training
tasks, loading and evaluation. The drum VAE's generation verbs are the shared sequence verbs
(music/sequence_family.py) over the drum codec (codec.py: General MIDI drums, a WAV of the drum kit, drum
grids). Both kinds of model train on the same datasets; a checkpoint's model config says which it holds (a
GrooVAE's has a `view`), and `verbs_for` hands a GrooVAE to its own verbs (groove/verbs.py).
Imports no torch at the top."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from musicvae_lite.core.config import Preset
from musicvae_lite.core.family import Evaluation, Output, Request, Verbs
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.codec import DRUMS
from musicvae_lite.music.drums.groove.presets import PRESETS as GROOVE_PRESETS
from musicvae_lite.music.drums.groove.presets import GrooveModelConfig
from musicvae_lite.music.drums.presets import PRESETS
from musicvae_lite.music.playback import Playback
from musicvae_lite.music.sequence_family import SEQUENCE_OPTIONS, SequenceFamily

from musicvae_lite.music.drums.names import BUNDLED, FAMILY, METER_REASON


HUMANIZE = ("humanize", "feel")  # the bundled groove model plays what a verb writes (drums/humanize.py)
HUMANIZED = ("sample", "interpolate", "grid", "reconstruct", "vary", "continue", "decode")


class DrumFamily(SequenceFamily):
    name = FAMILY
    description = "MusicVAE drum models: MIDI drums in, General MIDI drums, WAV and drum grids out"
    bundled: ClassVar[dict[str, str]] = BUNDLED  # name -> checkpoint stem in bundled/
    web = True  # `mvae serve` draws drum grids and plays the drum kit (serve/static/synth.js)
    not_on_web = frozenset({"groove", "drumify"})  # the page's Blender and Mixer use the drum VAE
    codec = DRUMS
    holding = " with drums"
    meter_hint = f": {METER_REASON}"
    build_command = "mvae data build --family drums"
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        **SEQUENCE_OPTIONS,
        **{verb: (*SEQUENCE_OPTIONS[verb], *HUMANIZE) for verb in HUMANIZED},
        "build_data": ("bars", "compat", "steps_per_bar", "hop", "workers", "eval_fraction", "seed", "progress"),
        "windows": ("bars", "compat"),
    }
    EVAL_OPTIONS = ("batch_size", "limit")
    refused = {"convert": "`mvae groove` and `mvae drumify` need a GrooVAE: --model groove or --model drumify "
                          "(this is a drum VAE)"}

    def presets(self) -> Mapping[str, Preset]:
        return {**PRESETS, **GROOVE_PRESETS}

    def describe_preset(self, preset: Preset) -> str:
        m, t = preset.model, preset.train  # the encoder and decoder parts say what they are
        kind = f"GrooVAE {m.view}: " if isinstance(m, GrooveModelConfig) else ""
        classes = "" if kind else ", 512 classes"
        return (f"{kind}{m.bars} bars{classes}, z {m.z_size}, {m.encoder.summary()}, {m.decoder.summary()}, "
                f"free bits {m.free_bits:g}, max beta {m.max_beta:g}, batch {t.batch_size}, {t.steps} steps")

    def model_config_from_dict(self, d: dict):
        if "view" in d:
            from musicvae_lite.music.drums.groove.model import model_config_from_dict as groove_config

            return groove_config(d)
        from musicvae_lite.music.drums.model import model_config_from_dict

        return model_config_from_dict(d)

    def task(self, preset: Preset, data: Path | None):
        from musicvae_lite.music.drums.dataset import load_drum_split
        from musicvae_lite.music.drums.held_out import check_drum_dataset
        from musicvae_lite.music.drums.task import DrumTask

        data = self.dataset_folder(data)
        check_drum_dataset(data)
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
                                     DrumConfig(bars=bars, compat=bool(request.get("compat", False)),
                                                steps_per_bar=request.get("steps_per_bar") or 16,
                                                hop=request.get("hop") or 0),
                                     eval_fraction=request.get("eval_fraction", 0.1), seed=request.get("seed", 0),
                                     workers=request.get("workers"), force=request.force,
                                     progress=request.get("progress", False))
        return Output([], summary.lines())

    def windows(self, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.music.drums.encoding import DRUM_NAMES, hits_to_classes
        from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file

        (file,) = request.inputs
        cfg = DrumConfig(bars=request.get("bars", 2), compat=bool(request.get("compat", False)))
        found = extract_drum_file(file, cfg)
        count, bars = len(found), request.get("bars", 2)
        lines = [f"{count} drum window{'' if count == 1 else 's'} of {bars} bar{'' if bars == 1 else 's'} in {file}",
                 "index  bar  hits  drums"]
        items = []  # one per window for the web page (serve/routes/windows.py): as the table, plus the hits
        for i, (hits, bar) in enumerate(zip(found.hits, found.start_bar)):
            used = [DRUM_NAMES[d] for d in np.flatnonzero(hits.any(axis=0))]
            lines.append(f"{i:>5}  {bar + 1:>3}  {int(hits.sum()):>4}  {', '.join(used)}")
            events = hits_to_classes(hits)
            notes = self.codec.item_notes(events)
            items.append({"kind": "drums", "index": i, "bar": int(bar) + 1, "track": None, "steps": len(hits),
                          "events": [int(e) for e in events], "notes": notes, "count": len(notes),
                          "drums": used, "qpm": None if found.qpm is None else float(found.qpm)})
        return Output([], lines, items)

    def _write(self, stem: str, windows: list, request: Request, lines: list[str] | None = None, **kw) -> Output:
        """With --humanize (or --feel) the windows are played by the bundled `groove` model and written as
        its performances (velocities and timing); else as the shared writer writes them."""
        if not (request.get("humanize") or request.get("feel")):
            return super()._write(stem, windows, request, lines, **kw)
        from musicvae_lite.music.drums.groove.codec import GROOVE
        from musicvae_lite.music.drums.humanize import humanized_windows

        played, said = humanized_windows(windows, request, kw.get("playback", Playback()).meter.steps_per_bar)
        return super()._write(stem, played, request, [*(lines or []), *said], codec=GROOVE, **kw)

    # -- trained models ---------------------------------------------------------------------------

    def load(self, checkpoint, name: str):
        if "view" in checkpoint.config["task"]["model"]:
            from musicvae_lite.music.drums.groove.generate import model_from_checkpoint as groove_model

            return groove_model(checkpoint, name)
        from musicvae_lite.music.drums.generate import model_from_checkpoint

        return model_from_checkpoint(checkpoint, name)

    def verbs_for(self, model: Any) -> Verbs:
        """A GrooVAE's own verbs (groove/verbs.py), else the drum VAE's (this family's)."""
        if hasattr(model.config, "view"):
            from musicvae_lite.music.drums.groove.verbs import GrooveVerbs

            return GrooveVerbs(model)
        return self

    def evaluate(self, model, data: Path, *, device: str, progress: bool, options: Mapping[str, Any]) -> Evaluation:
        from musicvae_lite.core.device import pick_device
        from musicvae_lite.music.drums.encoding import NUM_CLASSES
        from musicvae_lite.music.drums.held_out import held_out_drums
        from musicvae_lite.music.drums.model import encoder_input
        from musicvae_lite.music.sequence_eval import evaluate_sequences, sequence_baselines
        from musicvae_lite.music.sources import spread_indices

        what, held, train = held_out_drums(data, model.config.bars)
        windows = held.classes[spread_indices(len(held), options.get("limit"))]
        if not len(windows):
            raise MvaeError(f"{data} has no {what}")
        extra = model.controls(None, windows.shape[1], len(windows))  # the bar position, for a model that reads it
        r = evaluate_sequences(model.vae, windows, num_classes=NUM_CLASSES, batch_size=options.get("batch_size") or 256,
                               device=pick_device(device), progress=progress, encoder_input=encoder_input,
                               controls=None if extra is None else extra.numpy())
        baselines = sequence_baselines(train.classes, windows, NUM_CLASSES) if train is not None else {}
        lines = [f"{model.name} (step {model.step}) on {r.windows} {what} of {data}",
                 f"  teacher-forced accuracy   {r.teacher_forced_accuracy:.4f}",
                 f"  free-running accuracy     {r.sampled_accuracy:.4f}  (greedy from mu)",
                 f"  sampled accuracy, T = 1   {r.sampled_accuracy_t1:.4f}  (MusicVAE's Table 1 protocol)",
                 f"  KL                        {r.kl_bits:.1f} bits per window"]
        if baselines:
            lines.append(f"  baselines without a code (teacher-forced, fit on the training windows): most common "
                         f"step {baselines['most_common_event']:.4f}, bigram {baselines['bigram']:.4f}")
        return Evaluation({"model": model.name, "step": model.step, "split": what.split()[0], **r.to_json(),
                           "baselines": baselines}, lines)
