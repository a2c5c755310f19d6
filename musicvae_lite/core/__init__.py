"""What every model shares: the VAE, schedules, the trainer and checkpoints (imports neither music nor image)."""
