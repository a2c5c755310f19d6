"""Drums (work in progress, not yet a registered family): MusicVAE's 9-class drum encoding (encoding.py).
Extraction, models and the family itself come with the drums issue."""
