"""The drum family's name, low in the house so that its family and the drum and GrooVAE training tasks
import one constant rather than each writing its own. Imports nothing."""

FAMILY = "drums"  # the `task.family` of drum VAE and GrooVAE checkpoints alike
