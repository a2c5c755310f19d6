"""The registry of model families: the one place that lists them (as magenta's CONFIG_MAP is one dict
for every model). A new kind of model is a folder that implements `core.family.Family`, plus one line
in `FAMILIES`.

Everything that must know which family a preset, a bundled model, a run folder or a checkpoint belongs
to asks here, and `load` is the one way to load a trained model: the command line, the Python API
(`musicvae_lite.load_model` is `load(name, family="melody").model`), the web server, the benchmarks and
the tests. A run folder's family
is read from its `config.json`, a checkpoint file's from its config; the checkpoint is loaded once and
handed to the family, never read twice. Importing this module does not import torch.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicvae_lite.core.config import Preset
from musicvae_lite.core.family import Family, FamilyError, Output, Request, verb_method
from musicvae_lite.errors import MvaeError
from musicvae_lite.image.family import ImageFamily
from musicvae_lite.music.drums.family import DrumFamily
from musicvae_lite.music.melody.family import MelodyFamily
from musicvae_lite.result import Result

FAMILIES: dict[str, Family] = {f.name: f for f in (
    MelodyFamily(),
    DrumFamily(),
    ImageFamily(),
)}


def register(family: Family) -> None:
    """Add a family (a plugin, or a test's toy family); its name and preset names must be new."""
    if family.name in FAMILIES:
        raise FamilyError(f"a family called {family.name!r} is already registered")
    clash = set(family.presets()) & set(all_presets())
    if clash:
        raise FamilyError(f"preset names already taken: {', '.join(sorted(clash))}")
    FAMILIES[family.name] = family


def get(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise FamilyError(f"unknown model family {name!r}; this installation has: {', '.join(FAMILIES)}") from None


def all_presets() -> dict[str, tuple[Family, Preset]]:
    """Every preset name -> (its family, the preset)."""
    return {name: (family, preset) for family in FAMILIES.values() for name, preset in family.presets().items()}


def find_preset(name: str) -> tuple[Family, Preset]:
    found = all_presets()
    if name not in found:
        raise MvaeError(f"unknown preset {name!r}; choose one of: {', '.join(found)}")
    return found[name]


# -- bundled models ------------------------------------------------------------------------------


def list_bundled() -> list[tuple[str, Path, Path | None]]:
    """(name, checkpoint, model card) of every bundled model this installation has."""
    from musicvae_lite.core.bundled import FOLDER, model_card

    return [(name, FOLDER / f"{stem}.pt", model_card(stem))
            for family in FAMILIES.values() for name, stem in family.bundled.items()
            if (FOLDER / f"{stem}.pt").exists()]


def _bundled(name: str) -> tuple[Family, Path] | None:
    from musicvae_lite.core.bundled import bundled_file

    for family in FAMILIES.values():
        if name in family.bundled:
            return family, bundled_file(family.bundled[name])
    return None


def bundled_names() -> list[str]:
    return [name for family in FAMILIES.values() for name in family.bundled]


# -- trained models ------------------------------------------------------------------------------


def checkpoint_path(spec: str | Path) -> Path:
    """A bundled model's checkpoint, or the run folder / checkpoint file `spec` names."""
    found = _bundled(str(spec))
    if found is not None:
        return found[1]
    path = Path(spec)
    if not path.exists():
        raise MvaeError(f"{spec}: no such model (a run folder, a checkpoint, or one of: {', '.join(bundled_names())})")
    return path


def is_model(spec: str | Path) -> bool:
    """Whether `spec` names a model rather than an input: a bundled name, a run folder, or a file that
    starts like a checkpoint. Reads at most a few bytes; loads nothing."""
    from musicvae_lite.core.checkpoint import MAGIC

    if str(spec) in bundled_names():
        return True
    path = Path(spec)
    if path.is_dir():
        return (path / "config.json").is_file() or (path / "last.pt").exists() or any(path.glob("ckpt-*.pt"))
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def family_of(spec: str | Path) -> Family | None:
    """The family of a bundled model or run folder without loading it (None for a checkpoint file,
    whose family only its contents say)."""
    found = _bundled(str(spec))
    if found is not None:
        return found[0]
    path = Path(spec)
    return family_of_run(path) if path.is_dir() else None


def bundled_taking(z_size: int) -> list[str]:
    """The bundled models whose codes have `z_size` numbers (reads their checkpoints: for error lines)."""
    from musicvae_lite.core.checkpoint import load_checkpoint

    names = []
    for name, path, _ in list_bundled():
        try:
            if load_checkpoint(path).config["task"]["model"].get("z_size") == z_size:
                names.append(name)
        except (MvaeError, KeyError, OSError):
            continue
    return names


def family_of_run(path: Path) -> Family | None:
    """A run folder's family from its config.json (written by the trainer), None when it has none."""
    try:
        config = json.loads((path / "config.json").read_text())
    except (OSError, ValueError):
        return None
    name = config.get("task", {}).get("family") if isinstance(config, dict) else None
    return get(name) if name else None


@dataclass
class Loaded:
    """A trained model and the family that knows how to use it. Its verb methods are the Python API's
    way to the command line's verbs (through `run`, with the same options by the same names): each writes
    what the command writes, into `out` (default: a new temporary folder) and returns a `Result`, which
    shows its pictures and plays its audio in a notebook."""

    family: Family
    model: Any
    name: str  # what the user called it

    def do(self, verb: str, *inputs: str | Path, out: str | Path | None = None, force: bool = False,
           **options: Any) -> Result:
        """`verb` ("sample", "interpolate", "grid", "reconstruct", "vary", "continue", "convert", ...) on
        `inputs` with `options` (the command's long option names: n, temperature, seed, window, meter,
        amount, bars, qpm, program, ...); a one-line MvaeError when the model does not do it."""
        folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"mvae-{verb}-"))
        given = {k: v for k, v in options.items() if v is not None}
        output = run(self, verb, Request(tuple(str(i) for i in inputs), folder, force, given))
        return Result.of(output, verb, folder)

    def sample(self, n: int | None = None, **options: Any) -> Result:
        """New pieces from the model's prior (`mvae sample`)."""
        return self.do("sample", n=n, **options)

    def interpolate(self, *files: str | Path, **options: Any) -> Result:
        """Two files blended in `n` steps, or with four files the grid between them (`mvae interpolate`)."""
        return self.do("grid" if len(files) == 4 else "interpolate", *files, **options)

    def reconstruct(self, file: str | Path, **options: Any) -> Result:
        """A window of `file` and the model's reconstruction of it (`mvae reconstruct`)."""
        return self.do("reconstruct", file, **options)

    def vary(self, file: str | Path, n: int | None = None, **options: Any) -> Result:
        """`n` variations near a window of `file`, `amount` of the way towards new ones (`mvae vary`)."""
        return self.do("vary", file, n=n, **options)

    def continue_(self, primer: str | Path, **options: Any) -> Result:
        """The bars after `primer` (`mvae continue`; `continue` is a Python keyword)."""
        return self.do("continue", primer, **options)

    def groove(self, *files: str | Path, **options: Any) -> Result:
        """Drum files played with a drummer's timing and dynamics (`mvae groove`; `feel=` a performance)."""
        return self.do("convert", *files, as_view="humanize", **options).named("groove")

    def drumify(self, *files: str | Path, **options: Any) -> Result:
        """A beat on the rhythm of each file (`mvae drumify`)."""
        return self.do("convert", *files, as_view="drumify", **options).named("drumify")


def load(spec: str | Path, family: str | None = None) -> Loaded:
    """The model `spec` names (a bundled name, a run folder or a checkpoint file), loaded once by its
    family. Its family comes from the bundled list, else from the run's config.json, else from the
    checkpoint's config; `family`, when given, is the one the caller needs (a one-line error otherwise)."""
    from musicvae_lite.core.checkpoint import load_checkpoint, resolve_checkpoint

    wanted = family  # the name the caller needs; `family` is then the Family found
    bundled = _bundled(str(spec))
    path = bundled[1] if bundled else checkpoint_path(spec)
    family = bundled[0] if bundled else (family_of_run(path) if path.is_dir() else None)
    state = load_checkpoint(resolve_checkpoint(path))
    recorded = state.config.get("task", {}).get("family")
    if family is None:
        if recorded is None:
            raise MvaeError(f"{spec}: the checkpoint does not say which kind of model it holds")
        family = get(recorded)
    elif recorded != family.name:
        raise MvaeError(f"{spec}: its checkpoint holds a {recorded!r} model, not a {family.name} model")
    if wanted is not None and family.name != wanted:  # before building the model
        raise MvaeError(f"{spec} is a {family.name} model; this needs a {wanted} model "
                        f"(bundled: {', '.join(get(wanted).bundled) or 'none'})")
    return Loaded(family, family.load(state, str(spec)), str(spec))


def load_model(name_or_path: str | Path = "default") -> Any:
    """The Python API's `musicvae_lite.load_model`: a melody model (bundled name, run folder or checkpoint
    file), as `load` gives it."""
    return load(name_or_path, family="melody").model


def run(loaded: Loaded, verb: str, request: Request) -> Output:
    """Do `verb` with a loaded model: the one dispatch path of the command line, the web server and the
    Python API. The model's verbs (`Family.verbs_for`) check that they serve `verb` with the options
    given (a one-line FamilyError if not), then do it."""
    verbs = loaded.family.verbs_for(loaded.model)
    verbs.check(verb, request.options)
    try:
        return getattr(verbs, verb_method(verb))(loaded.model, request)
    except MvaeError as e:  # codes made for another model: name the bundled ones they fit
        size = getattr(e, "codes_size", None)
        fits = [n for n in bundled_taking(size) if n != loaded.name] if size else []
        if not fits:
            raise
        raise MvaeError(f"{e}; codes of {size} numbers are for {' or '.join(f'--model {n}' for n in fits)}") from None


def evaluate(loaded: Loaded, data: Path, *, device: str = "auto", progress: bool = False,
             options: dict | None = None):
    """The figures of a loaded model on held-out data (`mvae eval`), through the model's verbs
    (`Family.verbs_for`, as `run`); `options` given (not None) must apply (a one-line FamilyError)."""
    options = {k: v for k, v in (options or {}).items() if v is not None}
    verbs = loaded.family.verbs_for(loaded.model)
    verbs.check_eval(options)
    return verbs.evaluate(loaded.model, data, device=device, progress=progress, options=options)
