"""The server's routes, one `APIRouter` per concern: pages (the page and the API's docs), catalog (the
models, examples and drum kit offered), generate (the generation verbs), windows (what an upload gives),
files (what a request wrote), personalize (a model made yours), drums (the Groove and Drumify panels). Each
reads the shared state through serve/state.py's dependencies, so each can be mounted alone on a bare app in a
test."""

from musicvae_lite.serve.routes import catalog, drums, files, generate, pages, personalize, windows

ROUTERS = (pages.router, catalog.router, generate.router, windows.router, files.router, personalize.router,
           drums.router)
