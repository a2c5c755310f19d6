"""The family contract: what every kind of model (melodies, images, drums next) provides, so that the
command line, the Python API and a web server can drive any of them the same way.

A family pairs models with their data, as magenta's `Config` pairs a model with a `data_converter`
(MIDI -> tensors -> MIDI): it names its presets, turns a preset and a data source into a training task
for the one trainer (core/trainer.py), rebuilds a trained model from its checkpoint, evaluates it, and
implements the generation verbs it supports, each writing its own outputs. The verbs:

    sample       new outputs from the prior
    interpolate  two inputs and the path between their codes
    grid         four corners and the bilinear grid between them
    reconstruct  inputs and what the model makes of them
    encode       inputs -> a .npy file of codes
    decode       a .npy file of codes -> outputs
    attribute    latent attribute vectors: compute one from data, apply one to an input
    plot         the pictures of a run
    convert      a whole input file made over by the model (GrooVAE: `mvae groove` humanizes a beat,
                 `mvae drumify` makes a beat from any file's rhythm)
    reharmonize  one input's melody decoded over new chords (a melody model that reads chords)

Two data verbs need no trained model: `build_data` (MIDI or other sources -> a dataset folder, for
`mvae data build`) and `windows` (what one file gives, for `mvae windows`).

Besides its files, a generation verb returns what it made as plain data (`Output.items`: one JSON-able
dict per melody, image or beat, in play order, with where it sits in the stitched audio), so that the
web server (musicvae_lite/serve) can draw and play it without knowing the family; `Request.formats`
narrows which kinds of file it writes (the server writes MIDI and WAV, and draws in the page).

What can be done with a trained model is a `Verbs` object: the family itself, or, for a kind of model
inside a family that has verbs of its own (a GrooVAE in the drum family), the object `Family.verbs_for`
hands out. A verb it does not override, or refuses for that model (`Verbs.refused`), is unsupported, and
asking for it is a one-line error naming those it supports (or what to use instead). Each verb also
declares the options it takes (`OPTIONS`): an option the user gave that the verb does not take is an
error too, never silently ignored.

The registry of families is `musicvae_lite/families.py`; `core` never imports a family. This module does
not import torch, so listing families and presets stays instant.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from musicvae_lite.core.config import Preset
from musicvae_lite.errors import MvaeError

VERBS = ("sample", "interpolate", "grid", "reconstruct", "vary", "continue", "encode", "decode", "attribute", "plot",
         "convert", "reharmonize")
DATA_VERBS = ("build_data", "windows")


class FamilyError(MvaeError):
    """A request a family cannot serve: an unsupported verb, an option that does not apply."""


@dataclass(frozen=True)
class Request:
    """What a generation verb is asked to do.

    `inputs` are the command's positional items after the model (files, test-set indices, a codes
    file); `options` holds only the options the user gave (value not None), by their long name without
    dashes; the verb supplies its own defaults for the rest.
    """

    inputs: tuple[str, ...] = ()
    out: Path | None = None  # folder (or file, for encode) to write into
    force: bool = False  # overwrite what is there
    options: Mapping[str, Any] = field(default_factory=dict)
    formats: frozenset[str] | None = None  # kinds of file to write ("mid", "wav", "png"); None: all

    def get(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value

    def file_windows(self, count: tuple[int, ...], what: str) -> list[tuple[str, int]]:
        """The input files with the window of each (`window_list`, default 0), checked: `count` says how
        many files the verb takes, `what` names them in the error."""
        if len(self.inputs) not in count:
            raise FamilyError(f"give {what}, got {len(self.inputs)} file(s)")
        return list(zip(self.inputs, self.window_list(0)))

    def window_list(self, default: int | None) -> list[int | None]:
        """One window per input: `windows` (the web API: one per input) or `window` (the command line's
        `--window`, given once for all inputs or once per input; a single int counts for all), else
        `default` for each."""
        given = self.get("windows", self.get("window"))
        n = len(self.inputs)
        if given is None:
            return [default] * n
        given = [given] if isinstance(given, int) else list(given)
        if len(given) == 1:
            return given * n
        if len(given) != n:
            raise FamilyError(f"give one --window for all the files or one per file: got {len(given)} "
                              f"for {n} file(s)")
        return given

    def no_inputs(self, verb: str) -> None:
        """Refuse input files for a verb that takes none (sample)."""
        if self.inputs:
            raise MvaeError(f"{verb} takes no input files; got {' '.join(self.inputs)}")

    def codes(self):
        """The codes in the one input, a .npy file from `mvae encode` (decode): (n, Z) float32."""
        from musicvae_lite.core.latent import read_codes

        if len(self.inputs) != 1:
            raise MvaeError(f"give one .npy file of codes from `mvae encode`, got {len(self.inputs)}")
        return read_codes(self.inputs[0])


@dataclass
class Output:
    """What a verb did: lines to tell the user (figures, notes), the files it wrote and, for generation
    verbs, what it generated as JSON-able dicts (`items`; melodies: events, notes and their span in the
    stitched WAV, see music/melody/outputs.py)."""

    paths: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)


@dataclass
class Evaluation:
    """A model's figures on held-out data: `figures` as one JSON-able dict, `lines` as a report."""

    figures: dict
    lines: list[str]


class Verbs:
    """What can be done with one kind of trained model: its generation verbs, its evaluation, and the
    checks the commands make before calling them. A `Family` is one; a kind of model inside a family
    that has verbs of its own (a GrooVAE in the drum family) is another, which `Family.verbs_for`
    hands out. A verb not overridden is unsupported; `refused` names, per verb, why a verb the class
    has is not served for this model and what to use instead (`supports()` tells the truth)."""

    name: ClassVar[str]  # what the errors call these models
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {}  # verb -> the options it takes
    EVAL_OPTIONS: ClassVar[tuple[str, ...]] = ()  # the options `evaluate` takes besides device/progress
    refused: Mapping[str, str] = {}  # verb -> the line that refuses it (for this model)

    def evaluate(self, model: Any, data: Path, *, device: str, progress: bool,
                 options: Mapping[str, Any]) -> Evaluation:
        """Figures of `model` on the held-out part of `data`."""
        raise FamilyError(f"{self.name} models cannot be evaluated")

    # -- generation verbs: override the ones these models support ---------------------------------

    def sample(self, model: Any, request: Request) -> Output:
        raise self.unsupported("sample")

    def interpolate(self, model: Any, request: Request) -> Output:
        raise self.unsupported("interpolate")

    def grid(self, model: Any, request: Request) -> Output:
        raise self.unsupported("grid")

    def reconstruct(self, model: Any, request: Request) -> Output:
        raise self.unsupported("reconstruct")

    def vary(self, model: Any, request: Request) -> Output:
        raise self.unsupported("vary")

    def continue_(self, model: Any, request: Request) -> Output:
        """The verb "continue" (a Python keyword: `verb_method` names its method)."""
        raise self.unsupported("continue")

    def encode(self, model: Any, request: Request) -> Output:
        raise self.unsupported("encode")

    def decode(self, model: Any, request: Request) -> Output:
        raise self.unsupported("decode")

    def attribute(self, model: Any, request: Request) -> Output:
        """`request.options["action"]` is "compute" or "apply"."""
        raise self.unsupported("attribute")

    def plot(self, model: Any, request: Request) -> Output:
        raise self.unsupported("plot")

    def convert(self, model: Any, request: Request) -> Output:
        """`request.inputs` holds the files to make over, each whole."""
        raise self.unsupported("convert")

    def reharmonize(self, model: Any, request: Request) -> Output:
        """One input's melody decoded over new chords (`request.options["chords"]`)."""
        raise self.unsupported("reharmonize")

    # -- data verbs: no model needed -------------------------------------------------------------

    def build_data(self, request: Request) -> Output:
        """`request.inputs` are the sources, `request.out` the dataset folder."""
        raise self.unsupported("build_data")

    def windows(self, request: Request) -> Output:
        """`request.inputs` holds one file: list what training windows it gives."""
        raise self.unsupported("windows")

    # -- what the commands ask before calling a verb ----------------------------------------------

    def supports(self, verb: str) -> bool:
        """Whether these models do `verb`: the class overrides it and does not refuse it."""
        method = verb_method(verb)
        return (verb in VERBS + DATA_VERBS and getattr(type(self), method) is not getattr(Verbs, method)
                and verb not in self.refused)

    def supported(self) -> list[str]:
        return [v for v in VERBS + DATA_VERBS if self.supports(v)]

    def unsupported(self, verb: str) -> FamilyError:
        if verb in self.refused:
            return FamilyError(self.refused[verb])
        return FamilyError(f"{self.name} models do not {_VERB_PHRASE.get(verb, verb)}; "
                           f"they support: {', '.join(self.supported()) or 'no generation'}")

    def check(self, verb: str, options: Mapping[str, Any]) -> None:
        """Raise a one-line FamilyError when `verb` is unsupported or an option given (not None) does
        not apply to it."""
        if not self.supports(verb):
            raise self.unsupported(verb)
        command = {"build_data": "data build"}.get(verb, verb)
        _check_options(f"mvae {command} with {self.name} models", self.OPTIONS.get(verb, ()), options)

    def check_eval(self, options: Mapping[str, Any]) -> None:
        _check_options(f"mvae eval of {self.name} models", self.EVAL_OPTIONS, options)


class Family(Verbs, ABC):
    """A kind of model. Subclasses set `name`, implement the abstract methods, and override the verbs
    they support; `OPTIONS[verb]` lists the options each supported verb takes (besides the model,
    the inputs, `-o` and `--force`, which every verb takes)."""

    name: ClassVar[str]  # what checkpoints record as their `task.family`
    description: ClassVar[str] = ""  # one line for `mvae presets`
    bundled: ClassVar[dict[str, str]] = {}  # bundled model name -> checkpoint stem in musicvae_lite/bundled
    web: ClassVar[bool] = False  # its generation verbs return `Output.items` the web page draws and plays
    not_on_web: ClassVar[frozenset[str]] = frozenset()  # bundled models the page does not offer

    # -- presets and training ---------------------------------------------------------------------

    @abstractmethod
    def presets(self) -> Mapping[str, Preset]:
        """The named presets `mvae train` accepts for this family (torch-free)."""

    def describe_preset(self, preset: Preset) -> str:
        """One line of a preset's main settings for `mvae presets`."""
        return preset.description

    @abstractmethod
    def model_config_from_dict(self, d: dict) -> Any:
        """The family's model config rebuilt from a checkpoint's `task.model` dict."""

    @abstractmethod
    def task(self, preset: Preset, data: Path | None) -> Any:
        """A `TrainTask` (core/trainer.py) training `preset.model` on `data` (None: the family's default
        data, or an error saying what to give)."""

    def after_training(self, run_dir: Path, data: Path | None) -> list[str]:
        """Lines to print once `mvae train` has finished a run (e.g. where its pictures went)."""
        return []

    # -- trained models ---------------------------------------------------------------------------

    @abstractmethod
    def load(self, checkpoint: Any, name: str) -> Any:
        """A trained model ready to use (CPU, eval mode) from an already loaded `Checkpoint` of this
        family; `name` is what the user called it (a bundled name or a path)."""

    @abstractmethod
    def evaluate(self, model: Any, data: Path, *, device: str, progress: bool,
                 options: Mapping[str, Any]) -> Evaluation:
        """Figures of `model` on the held-out part of `data`."""

    def verbs_for(self, model: Any) -> Verbs:
        """The object that serves the generation verbs and the evaluation of `model`: the family itself,
        unless a kind of model inside it has verbs of its own (a GrooVAE in the drum family). Every caller
        (command line, server, API) dispatches through `families.run` / `families.evaluate`, which ask
        here."""
        return self


_VERB_PHRASE = {"sample": "sample", "interpolate": "interpolate", "grid": "make 4-corner grids",
                "reconstruct": "reconstruct", "vary": "make variations (`mvae vary`)",
                "continue": "continue a primer (`mvae continue`)", "encode": "encode", "decode": "decode",
                "attribute": "have attribute vectors", "plot": "draw run pictures (`mvae plot`)",
                "convert": "make over whole files (`mvae groove`, `mvae drumify`)",
                "reharmonize": "reharmonize a melody (`mvae reharmonize`, a melody model that reads chords)",
                "build_data": "build datasets (`mvae data build`)", "windows": "list a file's windows"}


def verb_method(verb: str) -> str:
    """The name of the method that does `verb`: the verb itself, with an underscore after a Python keyword
    ("continue" -> continue_)."""
    import keyword

    return f"{verb}_" if keyword.iskeyword(verb) else verb


TYPED_AS = {"progress": "quiet"}  # options the command line sets from another flag: `--quiet` gives `progress`


def _flag(name: str) -> str:
    """An option's name as typed: -n, --iwae-k, --quiet for `progress`."""
    name = TYPED_AS.get(name, name)
    return ("-" if len(name) == 1 else "--") + name.replace("_", "-")


def _check_options(what: str, allowed: tuple[str, ...], options: Mapping[str, Any]) -> None:
    extra = [k for k, v in options.items() if v is not None and k not in allowed]
    if extra:
        takes = ", ".join(_flag(a) for a in allowed) if allowed else "none of these options"
        raise FamilyError(f"{_flag(extra[0])} does not apply to {what}; it takes: {takes}")
