"""The melody verbs with chords (issue 23): `--chords` on sample, interpolate, reconstruct and decode, and
`reharmonize`, for a melody model that reads chords (chord_controls). Without `--chords` each verb is the
shared one (music/sequence_family.py), its outputs unchanged; with them the windows are written by the
chorded codec (codec.py `ChordedMelodyCodec`: a CHORDS track, a WAV of both, chord names on the roll).

`--chords` is a progression in the syntax of music/chords.py (`"C G Am F"`, `"C G | Am F"`, `"C:2 G:2"`) or
the path of a chord file in POP909's format (seconds, read at the output's tempo: `--qpm`, the input's, or
120), repeated or cut to the windows' length with a one-line notice (chords.fit_steps). Imports no torch at
the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musicvae_lite.core.family import Output, Request
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.chords import describe_steps, fit_steps
from musicvae_lite.music.playback import DEFAULT_QPM, Playback

CHORD_VERBS = ("sample", "interpolate", "reconstruct", "decode")  # the shared verbs that take --chords
DEFAULT_CHORD_WEIGHT = 6.0  # --chord-weight: how strongly decoding follows the chords (classifier-free guidance;
# bench_chord_model.py: the least weight whose samples put chord tones on >= 0.85 of the beats, 0.875)


@dataclass(frozen=True)
class Progression:
    """A `chords` option that is a progression only, never a file's path (what the web page passes: a request
    must not name files on the server)."""

    text: str


def read_chords(text, steps_per_bar: int = 16, qpm: float = DEFAULT_QPM) -> np.ndarray:
    """Chord classes per 16th step of a `--chords` value: a chord file's spans from its start at `qpm` when the
    value names a file, else a progression (music/chords.py; a `Progression` always is one); a one-line
    ChordError for a bad one."""
    from musicvae_lite.music.chords import chords_on_steps, parse_progression, read_chord_file

    if isinstance(text, Progression):
        return parse_progression(text.text, steps_per_bar)
    if Path(text).is_file():
        spans = read_chord_file(text)
        if not spans:
            raise MvaeError(f"{text}: the chord file holds no chords")
        per_quarter = 480
        tempo = [(0, int(round(60e6 / qpm)))]
        end = max(s.end for s in spans) * qpm / 60.0 * 4  # steps to the last span's end
        return chords_on_steps(spans, tempo, per_quarter, max(int(round(end)), 1))
    return parse_progression(text, steps_per_bar)


def chords_for(model: Any, text, steps: int, steps_per_bar: int, qpm: float | None) -> tuple[np.ndarray, list[str]]:
    """(steps,) chord classes for windows of `steps` steps from a `--chords` value, and the lines that say what
    was made of it (the notice when it was repeated or cut, the chords per bar); a one-line error for a model
    that does not read chords."""
    if not model.reads_chords:
        raise MvaeError(f"{model.name} does not read chords: use a melody model trained with them (--model chords)")
    given = read_chords(text, steps_per_bar, qpm or DEFAULT_QPM)
    chords, notice = fit_steps(given, steps)
    shown = describe_steps(chords[:len(given)], steps_per_bar)  # a repeated progression is named once
    return chords, ([notice] if notice else []) + [f"over the chords: {' | '.join(shown)}"]


class ChordVerbs:
    """The melody family's verbs that take `--chords` (a mixin before SequenceFamily in MelodyFamily's bases)."""

    def _over(self, model, request: Request, steps: int, meter, qpm=None) -> tuple[np.ndarray, list[str]]:
        return chords_for(model, request.get("chords"), steps, meter.steps_per_bar,
                          request.get("qpm") or qpm)

    def _write_chorded(self, stem: str, windows: list, chords: list, request: Request, lines: list[str], *,
                       playback: Playback, **kw):
        from musicvae_lite.music.melody.codec import ChordedMelodyCodec

        return self._write(stem, [(w, c) for w, c in zip(windows, chords)], request, lines, playback=playback,
                           codec=ChordedMelodyCodec(playback.meter.steps_per_bar), **kw)

    @staticmethod
    def _no_chords(request: Request) -> bool:
        """Whether the request gives no chords (then a chord weight is a one-line error: there is nothing to weigh)."""
        if request.get("chords") is None and request.get("chord_weight") is not None:
            raise MvaeError("--chord-weight weighs the chords of --chords: give them too")
        return request.get("chords") is None

    @staticmethod
    def _weight(request: Request) -> dict:
        """The generation API's `chord_weight` of a request (`--chord-weight`, else DEFAULT_CHORD_WEIGHT)."""
        weight = request.get("chord_weight")
        return {"chord_weight": DEFAULT_CHORD_WEIGHT if weight is None else float(weight)}

    def sample(self, model: Any, request: Request) -> Output:
        if self._no_chords(request):
            return super().sample(model, request)
        request.no_inputs("sample")
        meter = self._meter(model, request)
        steps = model.steps_for(meter if model.reads_meter else None)
        chords, lines = self._over(model, request, steps, meter)
        batch = self._gen().sample(model, request.get("n", 8), chords=chords, **self._weight(request), **self._decoding(
            request, 0.5, meter if model.reads_meter else None))
        return self._write_chorded("sample", list(batch), [chords] * len(batch), request, lines,
                                   playback=Playback(meter=meter))

    def interpolate(self, model: Any, request: Request) -> Output:
        if self._no_chords(request):
            return super().interpolate(model, request)
        from musicvae_lite.music.playback import common_playback
        from musicvae_lite.music.sequence_family import interpolation_titles

        (a, b), playbacks = self._read(model, request, (2,), "two MIDI files (the ends; --chords takes no grid)")
        playback = common_playback(playbacks)
        chords, lines = self._over(model, request, len(a), playback.meter, playback.qpm)
        n = request.get("n", 7)
        steps = self._gen().interpolate(model, a, b, n, chords=chords, **self._weight(request), **self._decoding(
            request, meter=self._meter_of(model, playbacks)))
        return self._write_chorded("interpolation", list(steps), [chords] * n, request, lines,
                                   titles=interpolation_titles(n), playback=playback)

    def reconstruct(self, model: Any, request: Request) -> Output:
        if self._no_chords(request):
            return super().reconstruct(model, request)
        (original,), playbacks = self._read(model, request, (1,), "one MIDI file")
        chords, lines = self._over(model, request, len(original), playbacks[0].meter, playbacks[0].qpm)
        meter = self._meter_of(model, playbacks)
        again = self._gen().reconstruct(model, original, chords=chords, **self._decoding(request, meter=meter))[0]
        lines.append(f"{float((again == original).mean()):.1%} of the {len(original)} events reconstructed exactly "
                     f"(read and written over the chords)")
        return self._write_chorded("reconstruction", [original, again], [chords, chords], request, lines,
                                   titles=["input", "reconstruction"], playback=playbacks[0])

    def decode(self, model: Any, request: Request) -> Output:
        if self._no_chords(request):
            return super().decode(model, request)
        meter = self._meter(model, request)
        steps = model.steps_for(meter if model.reads_meter else None)
        chords, lines = self._over(model, request, steps, meter)
        batch = self._gen().decode(model, request.codes(), chords=chords, **self._weight(request), **self._decoding(
            request, meter=meter if model.reads_meter else None))
        return self._write_chorded("decoded", list(batch), [chords] * len(batch), request, lines,
                                   playback=Playback(meter=meter))

    def reharmonize(self, model: Any, request: Request) -> Output:
        """The melody of one file (from `--window K`, window by window, up to reharmonize.MAX_BARS bars) encoded
        over its own chords and decoded greedily over `--chords`: the input and the result, with their chords."""
        from musicvae_lite.music.melody import reharmonize as rh

        if request.get("chords") is None:
            raise MvaeError('reharmonize needs the new chords: --chords "C G Am F" (or a chord file)')
        if not model.reads_chords:
            raise MvaeError(f"{model.name} does not read chords: use a melody model trained with them (--model chords)")
        request.file_windows((1,), "one MIDI file with a melody")
        (window,) = request.window_list(0)
        tune = rh.melody_in_turn(model, request.inputs[0], window or 0)
        playback = tune.playback.with_overrides(qpm=request.get("qpm"))
        steps = tune.windows.shape[1]
        new, lines = chords_for(model, request.get("chords"), tune.total, playback.meter.steps_per_bar,
                                playback.qpm)
        own, source = rh.own_chords(request.inputs[0], tune.start_tick, tune.windows)
        out = rh.reharmonize(model, tune.windows, rh.pieces(new, tune.offsets, steps), own_chords=own,
                             meter=self._meter_of(model, [playback]), temperature=request.get("temperature", 0.0),
                             seed=request.get("seed"), **self._weight(request))
        before, after = rh.whole(tune.windows, tune.offsets, tune.total), rh.whole(out, tune.offsets, tune.total)
        own_whole = rh.whole_chords(own, tune.offsets, tune.total)
        hits, count = rh.chord_tone_hits(after, new)
        bars = tune.total // playback.meter.steps_per_bar
        lines = [f"{len(out)} window{'s' if len(out) != 1 else ''} of {model.config.bars} bars from window "
                 f"{tune.first} ({bars} bars); the input's own chords: {source}", *lines,
                 f"onset F1 against the input {rh.onset_f1(after, before):.2f}; "
                 f"{hits}/{count} onsets on beats are chord tones" + (f" ({hits / count:.0%})" if count else "")]
        return self._write_chorded("reharmonized", [before, after], [own_whole, new], request, lines,
                                   titles=["input", "reharmonized"], playback=playback)
