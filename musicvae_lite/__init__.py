"""musicvae_lite: sequence VAEs on music (MusicVAE-style melody models) and the classic image
autoencoders, on one PyTorch core.

Importing the package is cheap: torch and the MIDI libraries load only in the modules that need them.
"""

__version__ = "0.1.0"
