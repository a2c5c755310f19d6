"""What the server offers, for the page to build its menus: whether it is up, the models (family,
verbs) and the synthesizers' settings, the drum kit's voices, and the examples that ship per family."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

from musicvae_lite.serve.settings import MEDIA
from musicvae_lite.serve.state import Pool

router = APIRouter()


@router.get("/api/health", summary="Whether the server is up, and the models it offers")
def health(pool: Pool):
    return {"status": "ok", "models": pool.names()}


@router.get("/api/models", summary="The models offered (family, verbs) and the synthesizers' settings")
def list_models(pool: Pool):
    from musicvae_lite.music.audio import synth_settings
    from musicvae_lite.music.drums.render import kit_settings

    return {"models": pool.describe(), "default": pool.default(), "synth": synth_settings(),
            "drum_kit": {**kit_settings(), "url": "/api/kits/drums"}}


@router.get("/api/kits/drums", summary="The drum kit's nine voices, little-endian float64, one after another")
def drum_kit():
    from musicvae_lite.music.drums.render import kit_bytes

    return Response(kit_bytes(), media_type="application/octet-stream")


@router.get("/api/examples", summary="The examples that ship in the package, for a family (melody, drums)")
def list_examples(family: str = "melody"):
    from musicvae_lite.core.bundled import examples

    return {"family": family, "examples": [{"name": name, "url": f"/api/examples/{family}/{name}.mid"}
                                           for name in examples(family_name(family))]}


@router.get("/api/examples/{family}/{name}.mid", summary="One example as a MIDI file")
def example(family: str, name: str):
    from musicvae_lite.core.bundled import examples

    path = examples(family_name(family)).get(name)
    if path is None:
        raise HTTPException(404, f"no {family} example called {name!r}")
    return FileResponse(path, media_type=MEDIA[".mid"], filename=path.name)


def family_name(family: str) -> str:
    """A registered family's name, else 404 (the name picks a folder of examples)."""
    from musicvae_lite import families

    if family not in families.FAMILIES:
        raise HTTPException(404, f"no family called {family!r}; there are: {', '.join(families.FAMILIES)}")
    return family
