"""What every music family shares: MIDI reading (midi_read.py) and writing (midi_write.py), meters,
tempo and quantization (sections.py), the 16th-note grid (grid.py), the synthesizer (audio.py), the
LSTM encoder and decoders, music21 corpus export, and the errors bad files give. One folder per family
sits beside them: melody/ (MusicVAE's melodies)."""
