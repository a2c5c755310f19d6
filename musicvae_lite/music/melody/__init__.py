"""The melody family: MusicVAE's 90-class melody events (encoding.py), extraction from MIDI (rules.py,
extract.py), datasets (dataset.py, data.py), the models and presets (model.py, presets.py, task.py),
evaluation, generation (generate.py, the Python API), attribute vectors, and what generation writes
(render.py, outputs.py, plots.py); family.py puts them behind the family contract."""
