"""Small pieces the benchmark scripts share."""

from __future__ import annotations

import math

DEFAULT_DATA = "datasets/essen"  # where the README's recipe puts the Essen dataset


def finite(obj):
    """obj with every NaN float replaced by None, so that a JSON line is strict JSON."""
    if isinstance(obj, float):
        return None if math.isnan(obj) else obj
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def load_models(items: list[str]) -> dict:
    """`--model NAME=SPEC` (or SPEC) options -> {name: the melody model}, loaded in order (MvaeError when
    one cannot be)."""
    from musicvae_lite.families import load

    models = {}
    for item in items:
        name, _, spec = item.rpartition("=")
        models[name or spec] = load(spec, family="melody").model
    return models

