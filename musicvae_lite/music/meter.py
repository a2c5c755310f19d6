"""The meter a step grid carries: how many 16th-note steps make a quarter, a beat and a bar.

MusicVAE quantizes to 4 steps per quarter note (Roberts et al. 2018; magenta's music_vae configs use
`steps_per_quarter=4`) and its converters keep 4/4 (and 2/2) bars of 16 steps only. Here the bar is data:
a dataset, a window, a model config and a written file each say their meter, and everything that draws
bar lines, stitches windows, counts bars or computes per-bar features asks it (a `Meter`) instead of a
constant. What an old config or dataset that says nothing means is `DEFAULT_METER`: 4/4 on 16 steps.

Beats follow the usual reading of a time signature: simple meters (2/4, 3/4, 4/4, 3/2) beat on the
denominator's note; compound meters (6/8, 9/8, 12/8: numerator a multiple of 3 above 3, denominator 8 or
16) beat on the dotted note, three of the denominator's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

DEFAULT_STEPS_PER_QUARTER = 4  # 16th-note grid (MusicVAE's)
_KNOWN = {16: (4, 4), 12: (3, 4), 8: (2, 4), 24: (12, 8), 18: (9, 8), 6: (6, 16), 20: (5, 4), 28: (7, 4),
          32: (4, 2)}  # a bar's steps (at 4 per quarter) -> the time signature an unlabeled bar is written as


@dataclass(frozen=True)
class Meter:
    """A time signature on a step grid."""

    numerator: int = 4  # beats written in the bar's time signature
    denominator: int = 4  # the note value of the signature (4: quarter, 8: eighth)
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER  # steps in a quarter note

    def __post_init__(self):
        if self.numerator < 1 or self.denominator not in (1, 2, 4, 8, 16, 32):
            raise ValueError(f"not a time signature: {self.numerator}/{self.denominator}")
        if Fraction(self.steps_per_quarter * 4 * self.numerator, self.denominator).denominator != 1:
            raise ValueError(f"a {self.label} bar does not fall on a grid of {self.steps_per_quarter} steps "
                             f"per quarter")

    @property
    def label(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @property
    def steps_per_bar(self) -> int:
        return self.steps_per_quarter * 4 * self.numerator // self.denominator

    @property
    def compound(self) -> bool:
        return self.numerator % 3 == 0 and self.numerator > 3 and self.denominator >= 8

    @property
    def steps_per_beat(self) -> int:
        note = self.steps_per_quarter * 4 // self.denominator  # steps in one of the denominator's notes
        return max(1, 3 * note if self.compound else note)

    def beat_steps(self, steps: int) -> list[int]:
        """Steps 0..steps (inclusive) on which a beat falls that is not a bar line."""
        return [s for s in range(0, steps + 1, self.steps_per_beat) if s % self.steps_per_bar]

    def bar_steps(self, steps: int) -> list[int]:
        """Steps 0..steps (inclusive) on which a bar starts."""
        return list(range(0, steps + 1, self.steps_per_bar))

    def to_dict(self) -> dict:
        return {"numerator": self.numerator, "denominator": self.denominator,
                "steps_per_quarter": self.steps_per_quarter}


DEFAULT_METER = Meter()  # what a config, dataset or window that names no meter means


def meter_for(steps_per_bar: int, steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER) -> Meter:
    """The time signature a bar of `steps_per_bar` steps is written as when nothing else says (16 -> 4/4,
    12 -> 3/4, 24 -> 12/8, ...); any other length is written over quarters or eighths."""
    at4 = Fraction(steps_per_bar * DEFAULT_STEPS_PER_QUARTER, steps_per_quarter)
    if at4.denominator == 1 and int(at4) in _KNOWN:
        num, den = _KNOWN[int(at4)]
        return Meter(num, den, steps_per_quarter)
    eighths = Fraction(steps_per_bar * 2, steps_per_quarter)
    if eighths.denominator == 1 and eighths > 0:
        return Meter(int(eighths), 8, steps_per_quarter) if eighths % 2 else Meter(int(eighths) // 2, 4,
                                                                                    steps_per_quarter)
    raise ValueError(f"a bar of {steps_per_bar} steps is no whole number of eighth notes")


def model_meter(model) -> Meter:
    """The meter of a trained model's bars, from the grid its config records (`config.grid`: 4/4 for a
    checkpoint written before grids were recorded)."""
    grid = model.config.grid
    return meter_for(grid.steps_per_bar, grid.steps_per_quarter)


def parse_meter(label: str, steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER) -> Meter:
    """A time signature written as "6/8" -> Meter; a one-line ValueError for anything else."""
    num, sep, den = str(label).strip().partition("/")
    if not sep or not num.strip().isdigit() or not den.strip().isdigit():
        raise ValueError(f"a meter is written like 3/4 or 6/8, not {label!r}")
    return Meter(int(num), int(den), steps_per_quarter)


def bar_as_read(numerator: int, denominator: int, bar_steps: int,
                steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER) -> Meter:
    """The meter of a window's bar of `bar_steps` steps read from source bars of numerator/denominator:
    the signature itself when the bars agree; two (or four) short bars read as one (2/4 pairs as 4/4, 3/8
    pairs as 6/8, 4/8 pairs as 4/4); a long bar read as two or four (4/2 as 2/2, 6/2 and 3/1 as 3/2, 4/1 as
    2/2)."""
    source = Meter(numerator, denominator, steps_per_quarter)
    if source.steps_per_bar == bar_steps:
        return source
    if source.steps_per_bar < bar_steps:
        k = bar_steps // source.steps_per_bar
        num, den = numerator * k, denominator
        if den >= 8 and num % 3 and num % 2 == 0:  # 8/8 (2/8 x 4, 4/8 x 2) is written 4/4
            num, den = num // 2, den // 2
        return Meter(num, den, steps_per_quarter)
    k = source.steps_per_bar // bar_steps
    if numerator % k:
        return Meter(numerator, denominator * k, steps_per_quarter)
    if numerator == k:  # one beat a bar (4/1 read as four bars): written with two beats, as 2/2
        return Meter(2, denominator * 2, steps_per_quarter)
    return Meter(numerator // k, denominator, steps_per_quarter)


# The meter a model reads beside its events (MelodyModelConfig.controls): per step, where it falls in the
# bar. Four one-hot metric levels (bar line, beat, eighth, other sixteenth), the phase in the bar as a
# point on the unit circle, whether the meter is compound, and the bar's length over 16.
CONTROL_SIZE = 8


def metric_controls(meter: Meter, steps: int) -> np.ndarray:
    """(steps, CONTROL_SIZE) float32: each step's place in `meter` (see CONTROL_SIZE)."""
    bar, beat = meter.steps_per_bar, meter.steps_per_beat
    eighth = max(1, meter.steps_per_quarter // 2)
    pos = np.arange(steps) % bar
    out = np.zeros((steps, CONTROL_SIZE), np.float32)
    level = np.where(pos == 0, 0, np.where(pos % beat == 0, 1, np.where(pos % eighth == 0, 2, 3)))
    out[np.arange(steps), level] = 1.0
    phase = 2 * np.pi * pos / bar
    out[:, 4], out[:, 5] = np.sin(phase), np.cos(phase)
    out[:, 6] = float(meter.compound)
    out[:, 7] = bar / 16.0
    return out


def controls_table(labels, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The controls of windows of `steps` events whose meters `labels` (N,) name ("6/8"): a table of each
    distinct meter's (M, steps, CONTROL_SIZE) and each window's index into it (N,), so that N windows cost M
    tables."""
    names, index = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    table = np.stack([metric_controls(parse_meter(n), steps) for n in names]) if len(names) else \
        np.zeros((0, steps, CONTROL_SIZE), np.float32)
    return table, index.astype(np.int64)
