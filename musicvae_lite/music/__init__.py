"""Melodies: MIDI reading and writing, MusicVAE's event encoding, dataset building."""
