"""musicvae_lite: sequence VAEs on music (MusicVAE-style melody models) and the classic image
autoencoders, on one PyTorch core.

    import musicvae_lite as mvl
    model = mvl.load_model()                       # the bundled melody model, offline
    # (mvl.load("runs/x") loads a model of any family: .family, .model; load_model is
    #  load(name, family="melody").model: the one way every caller loads a model)
    a = mvl.melody_from_file(model, "a.mid")
    b = mvl.melody_from_file(model, "b.mid")
    steps = mvl.interpolate(model, a, b, n=7)       # (7, 32) melody events
    mvl.write_melody_set("out", "interpolation", steps)   # MIDI, WAV, PNG

Importing the package is cheap: torch and the MIDI libraries load only when one of these names is
first used.
"""

__version__ = "0.1.0"

_API = {
    "load": "musicvae_lite.families",
    "load_model": "musicvae_lite.families",
    "melody_from_file": "musicvae_lite.music.melody.generate",
    "encode": "musicvae_lite.music.melody.generate",
    "decode": "musicvae_lite.music.melody.generate",
    "interpolate": "musicvae_lite.music.melody.generate",
    "sample": "musicvae_lite.music.melody.generate",
    "reconstruct": "musicvae_lite.music.melody.generate",
    "vary": "musicvae_lite.music.melody.generate",
    "continuation": "musicvae_lite.music.melody.generate",
    "primer_from_file": "musicvae_lite.music.melody.generate",
    "carried_attribute": "musicvae_lite.music.melody.generate",
    "apply_attribute_vector": "musicvae_lite.music.melody.generate",
    "write_melody_set": "musicvae_lite.music.melody.outputs",
    "personalize": "musicvae_lite.music.melody.personalize",
    "reharmonize": "musicvae_lite.music.melody.reharmonize",
}


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'musicvae_lite' has no attribute {name!r}")


__all__ = sorted(_API)
