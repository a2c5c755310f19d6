"""`mvae windows FILE`: the training windows a file gives, one line each (through the family they are for)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import report, user_errors


def windows(
    file: Annotated[Path, typer.Argument(help="A MIDI file.")],
    family: Annotated[str, typer.Option("--family", help="Which kind of model the windows are for.")] = "melody",
    bars: Annotated[Optional[int], typer.Option(help="Window length in bars (default 2).")] = None,
    compat: Annotated[Optional[bool], typer.Option("--compat", help="magenta-compatible extraction (4/4 only).")] = None,
    steps_per_bar: Annotated[Optional[int], typer.Option(help="Melodies: the bar windows are cut in, in 16th-note steps: 16 (4/4, 2/2, 2/4 pairs), 12 (3/4, 6/8, 3/8 pairs), 18 (9/8), 24 (12/8, 3/2, 6/4); default: the tune's own meter (16 with --compat).")] = None,
) -> None:
    """List the windows of a MIDI file: index (what --window takes), start bar, track, notes, pitch range."""
    with user_errors():
        from musicvae_lite import families
        from musicvae_lite.core.family import Request

        chosen = families.get(family)
        options = {"bars": bars, "compat": compat, "steps_per_bar": steps_per_bar}
        chosen.check("windows", options)
        report(chosen.windows(Request((str(file),), options=options)))
