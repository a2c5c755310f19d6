"""GrooVAE: drum performances (hits, velocities, timing offsets) from quantized beats or tapped rhythms."""
