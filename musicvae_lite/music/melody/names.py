"""The melody family's names, low in the house so that its family, task, model and generation modules
can all import them without importing each other: the `task.family` its checkpoints carry and the
models it ships in bundled/. Imports nothing."""

FAMILY = "melody"  # the `task.family` a checkpoint of these models carries
BUNDLED = {"default": "mel_2bar_pop", "essen": "mel_2bar_essen",  # model name -> checkpoint stem in bundled/
           "melody_16bar": "mel_16bar_meters", "chords": "mel_2bar_chords"}
