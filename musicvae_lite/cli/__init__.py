"""The `mvae` command line: thin typer commands over the library.

Only typer is imported at start-up, so `mvae --help` answers at once; each command imports what it
needs (numpy, symusic, torch) when it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from musicvae_lite.cli import chords, data, generate, personalize, presets, serve, train, windows

app = typer.Typer(
    name="mvae",
    help="musicvae_lite: MusicVAE-style melody models and image autoencoders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help and usage errors: no rich import, --help in ~0.15 s
)


def _version(value: bool) -> None:
    if value:
        from musicvae_lite import __version__

        typer.echo(f"musicvae_lite {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """musicvae_lite: MusicVAE-style melody models and image autoencoders."""


COMMANDS = {  # command name -> its function, in the order `mvae --help` lists them
    "windows": windows.windows, "train": train.train, "eval": train.evaluate, "plot": train.plot,
    "presets": presets.presets, "interpolate": generate.interpolate, "sample": generate.sample,
    "reconstruct": generate.reconstruct, "vary": generate.vary, "continue": generate.continue_,
    "encode": generate.encode, "decode": generate.decode, "personalize": personalize.personalize,
    "groove": generate.groove, "drumify": generate.drumify, "models": generate.models, "serve": serve.serve,
    "chords": chords.chords, "reharmonize": chords.reharmonize,
}
app.add_typer(data.app, name="data")
for _name, _command in COMMANDS.items():
    app.command(_name)(_command)
app.add_typer(generate.attribute_app, name="attribute")


def main() -> None:
    """Console-script entry point.

    Once torch has been imported, tearing the interpreter down takes the better part of a second, and a
    command's work is done by then (every file is written atomically and fsynced), so the process
    leaves with os._exit after flushing its output.
    """
    import os
    import sys

    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    if "torch" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
