"""`mvae serve`: a local web app over the bundled models — a Melody Mixer (two ends, every step between
them drawn and played) and a 4-corner blender (Beat Blender's grid with a draggable puck), after
MusicVAE's web demos (Roberts et al. 2018; magenta.js). The page and its assets ship in `static/`, so
it works offline. The API (app.py) drives models through the family registry, never the command line.
"""
