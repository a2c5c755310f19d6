"""The sequence networks every music family builds its VAEs from (MusicVAE's lstm_models.py, Roberts et al.
2018), and their torch-free configs:

    config.py                the typed parts a preset composes (encoders, decoders, conductors, the grid)
    lstm_encoder.py          bidirectional LSTM encoder: events -> posterior over z
    lstm_decoder.py          categorical LSTM decoder, its LSTM stack and scheduled sampling
    hierarchical_encoder.py  segments -> their codes -> posterior over z
    hierarchical_decoder.py  conductor -> one embedding (or code) per segment -> the shared decoder
    code_training.py         training the levels between on a short model's codes alone

The networks know no family: each family gives its own class counts and input sizes. Importing this
package imports no torch (config.py is torch-free; the network modules import it themselves).
"""
