"""The generation verbs every sequence family shares (sample, interpolate, grid, reconstruct, encode,
decode), written once over a codec (music/codec.py: files <-> windows, windows -> MIDI, WAV, PNG, items)
and a generation API (music/sequence_generate.py for the melody and drum VAEs, drums/groove/generate.py for
GrooVAE: `encode`, `decode`, `sample`, `interpolate`, `grid` over the model and a batch of windows), as
magenta's `TrainedModel` serves every `Config` through its `data_converter`.

`SequenceVerbs` is what a trained sequence model can do; `SequenceFamily` is a family whose models are
served that way (melody/family.py, drums/family.py), keeping only what differs: presets, data, loading,
evaluation and verbs of its own. Imports no torch at the top.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from musicvae_lite.core.family import Family, Output, Request, Verbs
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.meter import model_meter
from musicvae_lite.music.playback import Playback, common_playback

_GENERATE = ("temperature", "seed", "soundfont", "qpm", "program")  # qpm, program: override the Playback
SEQUENCE_OPTIONS: dict[str, tuple[str, ...]] = {  # what each shared verb takes
    "sample": ("n", "meter", *_GENERATE),  # meter: "6/8", for a model that reads the meter (default 4/4)
    "interpolate": ("n", "window", "windows", *_GENERATE),  # windows: one per input (the web API)
    "grid": ("n", "window", "windows", *_GENERATE),
    "reconstruct": ("window", *_GENERATE),
    "vary": ("n", "amount", "window", *_GENERATE),
    "continue": ("bars", "n", "window", "windows", *_GENERATE),
    "encode": ("window",),
    "decode": ("meter", *_GENERATE),
}


def interpolation_titles(n: int) -> list[str]:
    """Titles of the n steps of an interpolation: A, 2, ..., n-1, B."""
    return ["A"] + [str(i) for i in range(2, n)] + ["B"]


class SequenceVerbs(Verbs):
    """The shared verbs over `codec` and the generation module named by `generation`. `holding` says
    what the input files must hold (in the errors: "two MIDI files with drums"), `unit` what one
    position of a window is (the reconstruct line)."""

    codec: ClassVar[Any]  # the family's Codec
    generation: ClassVar[str] = "musicvae_lite.music.sequence_generate"  # module with the generation API
    holding: ClassVar[str] = ""  # e.g. " with drums"
    unit: ClassVar[str] = "steps"
    meter_hint: ClassVar[str] = ""  # after "... writes 4/4 only, not 6/8": why, or what writes it
    meter_bars: ClassVar[tuple[int, ...]] = ()  # the bar lengths a model that reads the meter learned (() any)
    OPTIONS = SEQUENCE_OPTIONS

    def _files(self, count: str) -> str:
        return f"{count} MIDI file{'' if count == 'one' else 's'}{self.holding}"

    def _gen(self):
        return importlib.import_module(self.generation)

    def _read(self, model: Any, request: Request, count: tuple[int, ...], what: str) -> tuple[list, list[Playback]]:
        """The windows the inputs name (one per file) and the Playback of each, in bars of the model's meter (of
        each window's own, for a model that reads the meter: then all must share one, or a one-line error
        names them)."""
        inputs = request.file_windows(count, what)
        read = [self.codec.read(model, f, w) for f, w in inputs]
        if model.reads_meter:
            meters = [p.meter.label for _, p in read]
            if len(set(meters)) > 1:
                named = ", ".join(f"{Path(f).name} is in {m}" for (f, _), m in zip(inputs, meters))
                raise MvaeError(f"the inputs must share a meter to be blended: {named}")
            return [w for w, _ in read], [p for _, p in read]
        meter = model_meter(model)
        return [w for w, _ in read], [replace(p, meter=meter) for _, p in read]

    def _meter(self, model: Any, request: Request):
        """The meter `--meter` asks for (a model that reads the meter: 4/4 when not given; any other model: its
        own, and a one-line error for another)."""
        from musicvae_lite.music.meter import DEFAULT_METER, parse_meter

        label = request.get("meter")
        try:
            asked = None if label is None else parse_meter(label)
        except ValueError as e:
            raise MvaeError(f"--meter: {e}") from None
        if model.reads_meter:
            if asked is not None and self.meter_bars and asked.steps_per_bar not in self.meter_bars:
                raise MvaeError(f"{model.name} writes bars of {', '.join(map(str, self.meter_bars))} sixteenths "
                                f"(4/4, 2/2; 3/4, 6/8; 9/8; 12/8, 3/2, 6/4), not {asked.label}")
            return asked or DEFAULT_METER
        own = model_meter(model)
        if asked is not None and asked.steps_per_bar != own.steps_per_bar:
            raise MvaeError(f"{model.name} writes {own.label} only, not {asked.label}{self.meter_hint}")
        return asked or own  # a model of one bar length writes the meter asked of that length (6/8 for 3/4)

    def check(self, verb: str, options) -> None:
        """As Verbs.check, with one line for --humanize / --feel given to a model whose verb does not take them."""
        if any(options.get(k) and k not in self.OPTIONS.get(verb, ()) for k in ("humanize", "feel")):
            raise MvaeError(f"--humanize and --feel play a drum beat like a drummer: they are for the drum VAE's "
                            f"{verb} (--model drums); `mvae groove` humanizes a beat file")
        super().check(verb, options)

    def _write(self, stem: str, windows: list, request: Request, lines: list[str] | None = None, *,
               titles: list[str] | None = None, grid: tuple[int, int] | None = None,
               playback: Playback = Playback(), codec: Any = None, **kw) -> Output:
        """Write the set through the shared writer (the kinds of file `request.formats` asks for) and
        return it as the page's items too; `--qpm` / `--program`, where a verb takes them, override the
        playback read from the inputs. `codec`: another than the family's for these windows (the drum
        VAE's humanized windows are GrooVAE performances)."""
        from musicvae_lite.music.output_set import set_items, write_set

        codec = codec or self.codec
        playback = playback.with_overrides(qpm=request.get("qpm"), program=request.get("program"))
        paths = write_set(codec, request.out, stem, windows, playback=playback, titles=titles, grid=grid,
                          soundfont=request.get("soundfont"), overwrite=request.force, formats=request.formats, **kw)
        return Output(paths, lines or [], set_items(codec, windows, titles=titles, playback=playback))

    def _decoding(self, request: Request, temperature: float = 0.0, meter: Any = None) -> dict:
        """The decoding keywords of the generation API (with the windows' meter for a model that reads it)."""
        out = {"temperature": request.get("temperature", temperature), "seed": request.get("seed")}
        return {**out, "meter": meter} if meter is not None else out

    def _meter_of(self, model: Any, playbacks: list[Playback]):
        """The inputs' meter, for the generation API of a model that reads it (None for any other)."""
        return playbacks[0].meter if model.reads_meter and playbacks else None

    def sample(self, model: Any, request: Request) -> Output:
        request.no_inputs("sample")
        meter = self._meter(model, request)
        batch = self._gen().sample(model, request.get("n", 8), **self._decoding(
            request, 0.5, meter if model.reads_meter else None))
        return self._write("sample", self.codec.split(batch), request, playback=Playback(meter=meter))

    def interpolate(self, model: Any, request: Request) -> Output:
        (a, b), playbacks = self._read(model, request, (2,), f"{self._files('two')} (or four for a grid)")
        n = request.get("n", 7)
        steps = self.codec.split(self._gen().interpolate(model, a, b, n, **self._decoding(
            request, meter=self._meter_of(model, playbacks))))
        return self._write("interpolation", self._ends(model, a, b, steps, request), request,
                           titles=interpolation_titles(n), playback=common_playback(playbacks))

    def _ends(self, model: Any, a: Any, b: Any, steps: list, request: Request) -> list:
        """The interpolation's windows as written (a model may play its ends otherwise)."""
        return steps

    def grid(self, model: Any, request: Request) -> Output:
        corners, playbacks = self._read(model, request, (4,), f"{self._files('four')}, the grid's corners")
        n = request.get("n", 5)
        cells = self._gen().grid(model, corners, n, **self._decoding(request, meter=self._meter_of(model, playbacks)))
        titles = [f"{r + 1},{c + 1}" for r in range(n) for c in range(n)]
        return self._write("grid", self.codec.split(cells), request, titles=titles, grid=(n, n),
                           playback=common_playback(playbacks))

    def reconstruct(self, model: Any, request: Request) -> Output:
        (original,), playbacks = self._read(model, request, (1,), self._files("one"))
        again, lines, titles = self._remake(model, original, request, self._meter_of(model, playbacks))
        return self._write("reconstruction", [original, again], request, lines, titles=titles,
                           playback=playbacks[0])

    def _remake(self, model: Any, original: Any, request: Request, meter: Any = None) -> tuple[Any, list[str], list[str]]:
        """What the model makes of one window (in `meter` for a model that reads it), the lines that say how
        close it is, and the two titles."""
        g = self._gen()
        codes = g.encode(model, original, meter=meter) if meter is not None else g.encode(model, original)
        again = g.decode(model, codes, **self._decoding(request, meter=meter))[0]
        accuracy = float((again == original).mean())
        lines = [f"{accuracy:.1%} of the {len(original)} {self.unit} reconstructed exactly"]
        return again, lines, ["input", "reconstruction"]

    def vary(self, model: Any, request: Request) -> Output:
        """n variations of one window near its code (the generation API's `vary`), written after the input."""
        import numpy as np

        (original,), playbacks = self._read(model, request, (1,), self._files("one"))
        n, amount = request.get("n", 8), request.get("amount", 0.3)
        got = self.codec.split(self._gen().vary(model, original, n, amount=amount, **self._decoding(
            request, meter=self._meter_of(model, playbacks))))
        same = [float((np.asarray(w) == np.asarray(original)).mean()) for w in got]
        lines = [f"{n} variations at amount {amount:g}: on average {np.mean(same):.0%} of the {self.unit} as in the "
                 f"input (from {min(same):.0%} to {max(same):.0%})"]
        return self._write("variation", [original, *got], request, lines,
                           titles=["input", *(str(i) for i in range(1, n + 1))], playback=playbacks[0])

    def continue_(self, model: Any, request: Request) -> Output:
        """n continuations of the passage a file holds (the codec's `read_primer`; music/continuation.py, for the
        melody and drum VAEs): the primer with each continuation after it, and each continuation alone."""
        from musicvae_lite.music.continuation import continuation
        from musicvae_lite.music.output_set import set_items

        request.file_windows((1,), self._files("one"))
        primer, playback = self.codec.read_primer(model, request.inputs[0], request.window_list(None)[0])
        if not model.reads_meter:
            playback = replace(playback, meter=model_meter(model))
        S = playback.meter.steps_per_bar
        have, window_bars = len(primer) // S, model.config.bars
        bars = request.get("bars", window_bars - have if have < window_bars else window_bars)
        n = request.get("n", 4)
        got = self.codec.split(continuation(model, primer, bars, n, **self._decoding(
            request, 0.5, self._meter_of(model, [playback]))))
        whole = [self.codec.concat([primer, c]) for c in got]
        titles = [str(i) for i in range(1, n + 1)]
        whole_bars = f"{have + bars} bars{': one piece' if have + bars == window_bars else ''}"
        lines = [f"{n} continuation{'s' if n != 1 else ''} of {bars} bar{'s' if bars != 1 else ''} after the "
                 f"{have}-bar primer ({whole_bars}, in {playback.meter.label})"]
        with_primer = self._write("continued", whole, request, lines, titles=titles, playback=playback)
        unpictured = (request.formats or frozenset({"mid", "wav", "png"})) - {"png"}  # drawn in the set above
        alone = self._write("continuation", got, replace(request, formats=unpictured), titles=titles,
                            playback=playback).paths if unpictured else []
        return Output(with_primer.paths + alone, with_primer.lines,  # the writer's (with --humanize, it says so)
                      set_items(self.codec, whole, titles=titles, playback=playback.with_overrides(
                          qpm=request.get("qpm"), program=request.get("program"))))

    def encode(self, model: Any, request: Request) -> Output:
        import numpy as np

        from musicvae_lite.files import atomic_write

        if not request.inputs:
            raise MvaeError(f"give at least {self._files('one')} to encode")
        rows, lines = [], []
        codec, g = self.codec, self._gen()
        for f, w in zip(request.inputs, request.window_list(None if codec.encodes_all else 0)):
            if model.reads_meter:  # each window encoded in its own meter
                events, meters = codec.read_all_meters(model, f)
                if w is not None:
                    codec.read(model, f, w)  # the one-line error for a window the file lacks
                chosen = list(range(len(events))) if w is None else [w]
                rows.append(g.encode_in_meters(model, events[chosen], [meters[i] for i in chosen]))
            else:
                batch = codec.read_all(model, f) if w is None else codec.stack([codec.read(model, f, w)[0]])
                rows.append(g.encode(model, batch))
            lines.append(f"{f}: {len(rows[-1])} window{'s' if len(rows[-1]) != 1 else ''}")
        codes = np.concatenate(rows)
        atomic_write(request.out, lambda fh: np.save(fh, codes), overwrite=request.force)
        lines.append(f"wrote {request.out} ({codes.shape[0]} x {codes.shape[1]})")
        return Output([], lines)

    def decode(self, model: Any, request: Request) -> Output:
        meter = self._meter(model, request)
        batch = self._gen().decode(model, request.codes(), **self._decoding(
            request, meter=meter if model.reads_meter else None))
        return self._write("decoded", self.codec.split(batch), request, playback=Playback(meter=meter))


class SequenceFamily(SequenceVerbs, Family):
    """A family whose trained models are served by the shared sequence verbs, and which trains on dataset
    folders from `mvae data build` (`build_command` is how its data is built)."""

    build_command: ClassVar[str] = "mvae data build"

    def dataset_folder(self, data: Path | None) -> Path:
        """`--data` of `mvae train`, checked: a dataset folder with a training split (or a folder of them per
        bar length, bar16/, bar12/, ..., for a melody model that reads the meter), else a one-line
        error saying how to build one (MIDI files are not a dataset until built)."""
        if data is None:
            raise MvaeError(f"a {self.name} preset needs --data: a dataset folder from `{self.build_command}`")
        if not (Path(data) / "train.npz").exists() and not any(Path(data).glob("bar*/train.npz")):
            raise MvaeError(f"{data} is not a dataset folder (it has no train.npz): build one first with "
                            f"`{self.build_command} {data} -o DATASET`, then train with --data DATASET")
        return Path(data)
