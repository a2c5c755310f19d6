"""What a trained GrooVAE does (Gillick, Roberts, Engel, Eck, Bamman 2019): its own verbs, which the drum
family hands out for it (`DrumFamily.verbs_for`). `convert` is what the models are for, over whole files
(`mvae groove FILE` plays a beat like a drummer, `mvae drumify FILE` makes a beat from any file's rhythm);
the window verbs (sample, interpolate, reconstruct, encode, decode on 2-bar windows) are the shared sequence
verbs (music/sequence_family.py) over GrooVAE's codec (codec.py: performances with velocities and
micro-timing) and its generation (generate.py); evaluation is against the baselines of evaluate.py.

A GrooVAE makes no 4-corner grids, and one whose decoder reads an input's hits or rhythm (a `control`
model) cannot decode from codes alone: `supports()` says so, and the refusal names what to use.
Imports no torch at the top."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from musicvae_lite.core.family import Evaluation, Output, Request
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.groove.codec import GROOVE
from musicvae_lite.music.drums.groove.views import COMMAND
from musicvae_lite.music.sequence_family import SEQUENCE_OPTIONS, SequenceVerbs

PICTURE_BARS = 16  # a converted file's picture shows its first 16 bars (the files hold all of it)


class GrooveVerbs(SequenceVerbs):
    """The verbs of one trained GrooVAE (generate.GrooveModel)."""

    name = "GrooVAE"
    codec = GROOVE
    generation = "musicvae_lite.music.drums.groove.generate"
    OPTIONS = {**{k: v for k, v in SEQUENCE_OPTIONS.items() if k != "grid"},
               "convert": ("as_view", "feel", "temperature", "seed", "soundfont", "qpm")}
    EVAL_OPTIONS = ("batch_size", "limit")

    def __init__(self, model: Any):
        view = model.config.view
        self.holding = "" if view == "drumify" else " with drums"
        self.refused = {"grid": f"{model.name} is a GrooVAE ({view}); 4-corner grids are for the drum VAE "
                                "(--model drums)",
                        "vary": f"{model.name} is a GrooVAE ({view}); variations are the drum VAE's (--model drums)",
                        "continue": f"{model.name} is a GrooVAE ({view}); continuing a beat is the drum VAE's "
                                    "(--model drums)"}
        if model.config.control:
            line = (f"{model.name} decodes under the {'hits' if view == 'humanize' else 'rhythm'} of an input, so "
                    f"it cannot decode from codes alone (sample, interpolate, decode); use `mvae "
                    f"{COMMAND.get(view, 'groove')}` or `reconstruct`, or the drum VAE (--model drums)")
            self.refused.update(dict.fromkeys(("sample", "interpolate", "decode"), line))

    def evaluate(self, model, data: Path, *, device: str, progress: bool, options: Mapping[str, Any]) -> Evaluation:
        from musicvae_lite.music.drums.groove.evaluate import evaluate_groove, report
        from musicvae_lite.music.drums.held_out import held_out_drums
        from musicvae_lite.music.sources import spread_indices

        what, held, train = held_out_drums(data, model.config.bars)
        held = held.subset(spread_indices(len(held), options.get("limit")))
        if not len(held):
            raise MvaeError(f"{data} has no {what}")
        figures = evaluate_groove(model, train, held, batch_size=options.get("batch_size") or 256)
        figures = {"model": model.name, "step": model.step, "view": model.view, "split": what.split()[0],
                   "hit_threshold": model.config.hit_threshold, **figures}
        return Evaluation(figures, report(model, figures, f"{what} of {data}"))

    # -- window verbs: what differs from the shared ones -------------------------------------------

    def _ends(self, model, a, b, steps: list, request: Request) -> list:
        """A humanize model's interpolation keeps the ends' own hits, played."""
        if model.view != "humanize":
            return steps
        first, last = self.codec.split(self._gen().humanize(model, self.codec.stack([a, b])))
        return [first, *steps[1:-1], last]

    def _remake(self, model, original, request: Request, meter=None) -> tuple[Any, list[str], list[str]]:
        g = self._gen()
        again = tuple(a[0] for a in g.convert(model, original, **self._decoding(request)))
        hits = original[0]
        if model.view == "humanize":
            err = g.played_errors(original, again)
            line = (f"the drummer's {int(hits.sum())} hits: timing {err[0]:.3f} of a step and velocity "
                    f"{err[1]:.1f} (0-127) from the input's, on average")
        elif model.view == "drumify":  # the input is a rhythm: its taps, all in one row
            taps, played = hits.any(axis=1), again[0].any(axis=1)
            line = (f"the beat plays {int((taps & played).sum())} of the rhythm's {int(taps.sum())} taps, and "
                    f"{int((played & ~taps).sum())} steps besides")
        else:
            line = f"{float((again[0] == hits).mean()):.1%} of the {hits.size} step-drum cells match the input"
        return again, [line], ["rhythm" if model.view == "drumify" else "input", "reconstruction"]

    # -- whole files ------------------------------------------------------------------------------

    def convert(self, model, request: Request) -> Output:
        """Each input file whole: `<name>_<view>.mid` / `.wav` (at the file's tempo) and `.png` (the input
        above, the result below, the first PICTURE_BARS bars). A batch goes on past a bad file."""
        want = request.get("as_view")
        if want is not None and want != model.view:
            command = COMMAND.get(want, want)
            raise MvaeError(f"{model.name} is a {model.view} model; `mvae {command}` needs a {want} model "
                            f"(--model {command})")
        if not request.inputs:
            raise MvaeError("give at least one MIDI file")
        feel = self._feel(model, request)
        out = Output()
        failed = []
        for path in request.inputs:
            try:
                done = self._convert_one(model, path, request, feel)
            except MvaeError as e:
                if len(request.inputs) == 1:
                    raise
                failed.append(path)
                out.lines.append(f"skipped {path}: {e}")
                continue
            out.lines += done.lines
            out.paths += done.paths
            out.items += done.items
        if failed and len(failed) == len(request.inputs):
            raise MvaeError(f"none of the {len(failed)} files could be converted")
        return out

    @staticmethod
    def _feel(model, request: Request):
        """--feel: the performance whose timing and dynamics `mvae groove` plays the beats with, summed up
        (transfer.py), read before any beat so that a bad feel file writes nothing; None without one."""
        if not request.get("feel"):
            return None
        if model.view != "humanize":
            raise MvaeError(f"--feel is for `mvae groove` (a humanize model); {model.name} is a {model.view} model")
        from musicvae_lite.music.drums.groove.transfer import feel_of, read_feel

        return feel_of(model, read_feel(model, request.get("feel")))

    def _convert_one(self, model, path: str, request: Request, feel=None) -> Output:
        from musicvae_lite.music.drums.groove.generate import join
        from musicvae_lite.music.drums.groove.transfer import apply_feel
        from musicvae_lite.music.tempo import describe

        g = self._gen()
        given, playback = self.codec.read_whole(model, path)
        made = g.convert(model, given, **self._decoding(request))
        stem = Path(path).stem + f"_{model.view}"
        if feel is not None:
            made = apply_feel(feel, given[0], made if feel.method == "residual" else None)
            stem = Path(path).stem + "_feel_" + Path(request.get("feel")).stem
        shown = PICTURE_BARS * playback.meter.steps_per_bar
        what = "rhythm (every onset one tap)" if model.view == "drumify" else "input"
        pictured = ([tuple(a[:shown] for a in join(given)), tuple(a[:shown] for a in join(made))], [what, stem])
        bars = given[0].shape[0] * model.config.bars
        line = f"{path}: {bars} bars at {describe(playback.tempo_map, playback.qpm)}"
        if feel is not None:
            line += f", played with the feel of {request.get('feel')} ({feel.hits} hits)"
        return self._write(stem, [join(made)], request, [line],
                           titles=[stem], playback=playback, each=False, pictured=pictured)
