"""What a personalized melody model (personal_model.py, `mvae personalize`) can do: the shared sequence verbs
(music/sequence_family.py) over the melody codec, through its small latent; it writes the meter most of its
windows had unless asked for another. It has no attribute vectors, cannot be evaluated on a dataset, trained
further or made over into drums: asking is a one-line error. Imports no torch."""

from __future__ import annotations

from typing import Any

from musicvae_lite.core.family import Request
from musicvae_lite.music.melody.codec import MELODY
from musicvae_lite.music.sequence_family import SEQUENCE_OPTIONS, SequenceVerbs

_SERVED = ("sample", "interpolate", "grid", "reconstruct", "vary", "encode", "decode")


class PersonalVerbs(SequenceVerbs):
    name = "personalized melody"
    codec = MELODY
    unit = "events"
    meter_hint = "; a personalized model of a base that reads the meter writes every meter"
    meter_bars = (16, 12, 18, 24)  # as the melody family's: the bar lengths a model that reads the meter learned
    OPTIONS = {verb: SEQUENCE_OPTIONS[verb] for verb in _SERVED}
    refused = {"continue": "a personalized model does not continue melodies yet; use its base model (the model "
                           "card names it) with `mvae continue`"}

    def _meter(self, model: Any, request: Request):
        """The meter asked, else the one most of its windows had."""
        if request.get("meter") is None and model.reads_meter:
            from musicvae_lite.music.meter import parse_meter

            return parse_meter(model.meter)
        return super()._meter(model, request)
