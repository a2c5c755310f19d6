"""The drum family's name and its bundled models, low in the house so that its family, the drum and GrooVAE
training tasks and `--humanize` (drums/humanize.py) import one constant rather than each writing its own.
Imports nothing."""

FAMILY = "drums"  # the `task.family` of drum VAE and GrooVAE checkpoints alike
METER_REASON = ("the drum models know 4/4 and 2/2 only (the Groove MIDI Dataset has 12 of its 1,150 "
                "performances in other meters: too few to learn from)")  # info.csv: five 3/4, five 6/8, two 5/x
BUNDLED = {"drums": "drums_2bar_hikl", "groove": "groove_2bar_humanize", "drumify": "groove_2bar_drumify"}
# model name -> checkpoint stem in bundled/; `groove` is the humanize GrooVAE that --humanize plays beats through
