"""`mvae presets`: the named model presets and their main settings."""

from __future__ import annotations

import typer


def presets() -> None:
    """List the model presets `mvae train` accepts: melody models, then image models."""
    from musicvae_lite.music.presets import PRESETS

    for p in PRESETS.values():
        m, t = p.model, p.train
        layers = f"enc {list(m.encoder_sizes)}, dec {list(m.decoder_sizes)}"
        if m.conductor_sizes:
            layers += f", conductor {list(m.conductor_sizes)}"
        typer.echo(f"{p.name:<18} {m.bars} bars, z {m.z_size}, {layers}, free bits {m.free_bits:g}, "
                   f"max beta {m.max_beta:g}, batch {t.batch_size}, {t.steps} steps")
        typer.echo(f"{'':<18} {p.description}")
    from musicvae_lite.image.presets import IMAGE_PRESETS, steps_per_epoch

    for p in IMAGE_PRESETS.values():
        m, t = p.model, p.train
        extra = f", {m.corruption}" if m.corruption != "none" else ""
        typer.echo(f"{p.name:<18} image {m.kind}, {m.architecture}{extra}, batch {t.batch_size}, "
                   f"{t.steps} steps ({t.steps / steps_per_epoch(t.batch_size):g} epochs)")
        typer.echo(f"{'':<18} {p.description}")
