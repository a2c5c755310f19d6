"""The melody family: MusicVAE's 2-bar and 16-bar melody models (Roberts et al. 2018) behind the
family contract (core/family.py) — presets, training tasks, loading, evaluation and attribute vectors; the
generation verbs are the shared sequence verbs (music/sequence_family.py) over the melody codec
(codec.py: MIDI, WAV and piano-roll PNGs).

This module imports no torch at the top: `mvae presets` lists the presets without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from musicvae_lite.core.config import Preset
from musicvae_lite.core.family import Evaluation, Output, Request, Verbs
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.chord_verbs import CHORD_VERBS, ChordVerbs
from musicvae_lite.music.melody.codec import MELODY
from musicvae_lite.music.melody.names import BUNDLED, FAMILY
from musicvae_lite.music.melody.presets import PRESETS
from musicvae_lite.music.sequence_family import _GENERATE, SEQUENCE_OPTIONS, SequenceFamily

MAX_AMOUNT = 2.0  # attribute vectors are applied within -2..2 (beyond, the codes leave the prior's bulk)


class MelodyFamily(ChordVerbs, SequenceFamily):
    name = FAMILY
    description = "MusicVAE melody models: MIDI in, MIDI, WAV and piano rolls out"
    bundled = BUNDLED
    web = True
    not_on_web = frozenset()  # every bundled melody model is on the page (16 bars: Mixer, not Blender)
    codec = MELODY
    meter_hint = "; a melody model that reads the meter (the bundled default) writes every meter"
    meter_bars = (16, 12, 18, 24)  # extract.BAR_GROUPS: the bar lengths such a model is trained on
    unit = "events"
    OPTIONS = {
        **SEQUENCE_OPTIONS,
        **{verb: (*SEQUENCE_OPTIONS[verb], "chords", "chord_weight") for verb in CHORD_VERBS},  # chord_verbs.py
        "reharmonize": ("chords", "chord_weight", "window", *_GENERATE),
        "attribute": ("action", "name", "data", "limit", "vector", "amount", "window", "soundfont"),
        "build_data": ("bars", "compat", "steps_per_bar", "workers", "eval_fraction", "seed", "keep_duplicates",
                       "max_windows_per_file", "tracks", "progress"),
        "windows": ("bars", "compat", "steps_per_bar"),
    }
    EVAL_OPTIONS = ("batch_size", "limit", "unseen_by")

    # -- presets and training ---------------------------------------------------------------------

    def presets(self) -> Mapping[str, Preset]:
        return PRESETS

    def describe_preset(self, preset: Preset) -> str:
        m, t = preset.model, preset.train  # the encoder and decoder parts say what they are
        return (f"{m.bars} bars, z {m.z_size}, {m.encoder.summary()}, {m.decoder.summary()}, "
                f"free bits {m.free_bits:g}, max beta {m.max_beta:g}, batch {t.batch_size}, {t.steps} steps")

    def model_config_from_dict(self, d: dict):
        from musicvae_lite.music.melody.model import model_config_from_dict

        if "personalized" in d:  # personal_model.KEY: a small VAE over another model's codes, not a preset's
            raise MvaeError("a personalized model (from `mvae personalize`) cannot be trained further; "
                            "train its base model (its card names it)")

        return model_config_from_dict(d)

    def task(self, preset: Preset, data: Path | None):
        from musicvae_lite.music.melody.data import load_melody_data, load_melody_groups
        from musicvae_lite.music.melody.task import MelodyTask

        m = preset.model
        folder = self.dataset_folder(data)
        melodies = load_melody_groups(folder, m.bars) if m.meter_controls else \
            load_melody_data(folder, m.bars, m.grid.steps_per_bar)
        if not sum(len(g.train) for g in (melodies if isinstance(melodies, list) else [melodies])):
            raise MvaeError(f"{data} has no training windows (train.npz)")
        return MelodyTask(m, melodies, preset.name)

    def build_data(self, request: Request) -> Output:
        from musicvae_lite.music.melody.dataset import DatasetError, build_dataset
        from musicvae_lite.music.melody.extract import ExtractConfig

        bars = request.get("bars", 2)
        if bars < 1:
            raise DatasetError(f"--bars must be at least 1, got {bars}")
        bar = request.get("steps_per_bar", 16)  # 0: every bar length, one dataset each
        tracks = request.get("tracks")  # names of the tracks to read (POP909: MELODY, BRIDGE); None: every one
        cfg = ExtractConfig(bars=bars, compat=request.get("compat", False), steps_per_bar=bar or 16,
                            track_names=tuple(tracks) if tracks else None)
        options = dict(eval_fraction=request.get("eval_fraction", 0.1), seed=request.get("seed", 0),
                       workers=request.get("workers"), force=request.force, progress=request.get("progress", False),
                       clean=not request.get("keep_duplicates", False),
                       max_windows_per_file=request.get("max_windows_per_file"))
        if bar != 0:
            return Output([], build_dataset(list(request.inputs), request.out, cfg, **options).lines())
        return self._build_every_meter(request, cfg, options)

    def _build_every_meter(self, request: Request, cfg, options: dict) -> Output:
        """`--steps-per-bar 0`: one dataset per bar length under the output folder (bar16/, bar12/, bar24/,
        bar18/: what a model that reads the meter trains on), and the files no bar length reads."""
        from dataclasses import replace

        from musicvae_lite.music.melody.dataset import DatasetError, build_dataset, read_skips
        from musicvae_lite.music.melody.extract import BAR_GROUPS

        if cfg.compat:
            raise DatasetError("--compat reads magenta's 4/4 and 2/2 only; every meter (--steps-per-bar 0) is the "
                               "default mode's")
        lines, refused = [], None
        for bar in BAR_GROUPS:
            folder = Path(request.out) / f"bar{bar}"
            try:
                summary = build_dataset(list(request.inputs), folder, replace(cfg, steps_per_bar=bar), **options)
            except DatasetError as e:
                lines.append(f"bar{bar}: {e}")
                continue
            lines += [f"bar{bar}: {line}" for line in summary.lines()]
            meter_skips = {path for path, kind in read_skips(folder) if kind == "unsupported-meter"}
            refused = meter_skips if refused is None else refused & meter_skips
        if refused is not None:
            lines.append(f"files no bar length reads: {len(refused)}" + (
                f" (e.g. {sorted(refused)[0]})" if refused else ""))
        return Output([], lines)

    def windows(self, request: Request) -> Output:
        """The table `mvae windows` prints, and one item per window for the web page (serve/routes/windows.py):
        index, bar (from 1), track (from 1, as the table numbers them; None when unknown) and its name,
        the events, the notes ([pitch, start, end] in steps) and their count."""
        from musicvae_lite.music.melody.extract import ExtractConfig, extract_file, window_table

        (file,) = request.inputs
        bars = request.get("bars", 2)
        compat = request.get("compat", False)
        found = extract_file(file, ExtractConfig(bars=bars, compat=compat, steps_per_bar=request.get(
            "steps_per_bar", 16 if compat else 0)))  # default: the tune's own meter
        items = []
        for i, (events, bar) in enumerate(zip(found.events, found.start_bar.tolist())):
            track = int(found.track[i]) if found.track is not None and found.track[i] >= 0 else None
            named = track is not None and track < len(found.tracks)
            notes = self.codec.item_notes(events)
            items.append({"kind": "melody", "index": i, "bar": bar + 1, "track": None if track is None else track + 1,
                          "track_name": found.tracks[track] if named else None,
                          "steps": len(events), "events": [int(e) for e in events], "notes": notes,
                          "count": len(notes), "qpm": None if found.qpm is None else float(found.qpm),
                          "meter": found.playback(i).meter.label, "bar_steps": found.playback(i).meter.steps_per_bar})
        return Output([], window_table(file, found, bars), items)

    # -- trained models ---------------------------------------------------------------------------

    def load(self, checkpoint, name: str):
        if "personalized" in checkpoint.config["task"]["model"]:  # personal_model.KEY (`mvae personalize`)
            from musicvae_lite.music.melody.personal_model import personalized_from_checkpoint

            return personalized_from_checkpoint(checkpoint, name)
        from musicvae_lite.music.melody.generate import model_from_checkpoint

        return model_from_checkpoint(checkpoint, name)

    def verbs_for(self, model: Any) -> Verbs:
        """A personalized model's own verbs (personal_verbs.py), else this family's."""
        if getattr(model, "personalized", False):
            from musicvae_lite.music.melody.personal_verbs import PersonalVerbs

            return PersonalVerbs()
        return self

    def evaluate(self, model, data: Path, *, device: str, progress: bool, options: Mapping[str, Any]) -> Evaluation:
        from musicvae_lite.core.device import pick_device
        from musicvae_lite.music.melody.evaluate import evaluation_report

        figures, lines = evaluation_report(model, data, device=pick_device(device), progress=progress, options=options)
        return Evaluation(figures, lines)

    # -- attribute vectors ------------------------------------------------------------------------

    def attribute(self, model, request: Request) -> Output:
        if request.get("action") == "compute":
            return self._attribute_compute(model, request)
        return self._attribute_apply(model, request)

    def _attribute_compute(self, model, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.files import atomic_write
        from musicvae_lite.music.melody import generate as g
        from musicvae_lite.music.melody.data import load_melody_data

        name, limit = request.get("name"), request.get("limit", 20_000)
        melodies = load_melody_data(request.get("data"), model.config.bars,
                                    None if model.reads_meter else model.config.grid.steps_per_bar)
        events, meters = (melodies.train, melodies.train_meter) if len(melodies.train) else \
            (melodies.eval, melodies.eval_meter)
        vector = g.attribute_vector_from_data(model, events, name, limit=limit,
                                              meters=meters if model.reads_meter else None)
        used = min(limit, len(events))
        atomic_write(request.out, lambda f: np.savez(f, vector=vector, attribute=np.array(name),
                                                     model=np.array(model.name), windows=np.int64(used)),
                     overwrite=request.force)
        return Output([], [f"wrote {request.out}: {name} vector over {used} windows, "
                           f"norm {np.linalg.norm(vector):.2f}"])

    def _attribute_apply(self, model, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.music.melody import generate as g
        from musicvae_lite.music.melody.attributes import attribute

        amount = float(request.get("amount", 1.0))
        if not -MAX_AMOUNT <= amount <= MAX_AMOUNT:
            raise MvaeError(f"--amount must lie in -{MAX_AMOUNT:g}..{MAX_AMOUNT:g}, got {amount:g}")
        vector = request.get("vector")
        carried = g.carried_attribute(model, str(vector)) if not Path(str(vector)).exists() else None
        if carried is not None:  # a vector the model ships with, by its name
            vec, name = carried, str(vector)
        else:
            try:
                with np.load(vector, allow_pickle=False) as saved:
                    vec, name = saved["vector"], str(saved["attribute"])
            except FileNotFoundError:
                names = ", ".join(getattr(model.config, "attribute_names", ())) or "none"
                raise MvaeError(f"{vector}: no such file, nor an attribute vector {model.name} carries ({names}); "
                                f"make one with `mvae attribute compute`") from None
            except (OSError, ValueError, KeyError):
                raise MvaeError(f"{vector}: not an attribute vector; make one with `mvae attribute compute`") from None
        (melody,), playbacks = self._read(model, request, (1,), "one MIDI file")
        pair = g.apply_attribute_vector(model, melody, vec, [0.0, amount], meter=self._meter_of(model, playbacks))
        before, after = (attribute(name, p, playbacks[0].meter) for p in pair)
        return self._write("attribute", list(pair), request,
                           [f"{name}: {before:.3f} (reconstruction) -> {after:.3f} (amount {amount:+g})"],
                           titles=["reconstruction", f"{name} {amount:+g}"], playback=playbacks[0])
