"""The drum family's name, low in the house so that its family and the drum and GrooVAE training tasks
import one constant rather than each writing its own. Imports nothing."""

FAMILY = "drums"  # the `task.family` of drum VAE and GrooVAE checkpoints alike
METER_REASON = ("the drum models know 4/4 and 2/2 only (the Groove MIDI Dataset has 12 of its 1,150 "
                "performances in other meters: too few to learn from)")  # info.csv: five 3/4, five 6/8, two 5/x
