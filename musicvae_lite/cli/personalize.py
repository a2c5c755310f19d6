"""`mvae personalize FILES... -o mine`: make a melody model yours (magenta.js's MidiMe), a thin shell over
music/melody/personalize.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import Force, generation_threads, model_option, user_errors

BaseModel = model_option("the bundled `default` melody model; any bundled or trained melody model, 2 or 16 bars")


def personalize(
    files: Annotated[list[str], typer.Argument(help="MIDI files or folders of them: your melodies (every window "
                                               "of each, in its own meter).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The personalized model: mine writes mine.pt and its "
                                      "card mine.md; use it as --model mine.pt.")],
    model: BaseModel = None,
    epochs: Annotated[Optional[int], typer.Option(help="Full-batch training epochs (default 300).")] = None,
    beta: Annotated[Optional[float], typer.Option(help="KL weight of the small VAE: lower follows your windows "
                                                  "more closely, and copies them sooner (default 0.5).")] = None,
    force: Force = False,
) -> None:
    """Make a melody model yours: a small VAE over the model's codes of your windows (MidiMe), trained in
    seconds; then `mvae sample / interpolate / vary --model mine.pt`."""
    with user_errors():
        from musicvae_lite import families
        from musicvae_lite.errors import MvaeError
        from musicvae_lite.music.melody.personalize import personalize as make

        family = families.family_of(model) if model is not None else None
        if family is not None and family.name != "melody":  # a bundled drum model or a drums run: say so
            raise MvaeError(f"{model} is a {family.name} model; personalizing needs a melody model (bundled: "
                            f"{', '.join(families.get('melody').bundled)})")
        generation_threads()
        made = make(files, out, model=model or "default", epochs=epochs, beta=beta, force=force, progress=True)
        for line in made.lines():
            typer.echo(line)
