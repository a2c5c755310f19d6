"""`mvae presets`: the named model presets of every family and their main settings (no torch needed)."""

from __future__ import annotations

import typer


def presets() -> None:
    """List the model presets `mvae train` accepts, family by family."""
    from musicvae_lite import families

    width = max(len(name) for name in families.all_presets())
    for family in families.FAMILIES.values():
        for p in family.presets().values():
            typer.echo(f"{p.name:<{width}} {family.describe_preset(p)}")
            typer.echo(f"{'':<{width}} {p.description}")
