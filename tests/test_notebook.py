"""The example notebook (docs/example.ipynb) runs top to bottom on a CPU in under two minutes, and what it
shows carries its pictures and audio inline. It needs nbclient and ipykernel (the `test` extra): without
them it skips, unless MVAE_REQUIRE_NOTEBOOK=1 (as .ci/run sets) makes their absence a failure."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "example.ipynb"
LIMIT_S = 120  # the "under two minutes on CPU"


def notebook_runner():
    try:
        import ipykernel  # noqa: F401  (the kernel nbclient starts)
        import nbclient
        import nbformat
    except ImportError as e:
        if os.environ.get("MVAE_REQUIRE_NOTEBOOK") == "1":
            pytest.fail(f"MVAE_REQUIRE_NOTEBOOK=1 but the notebook runner is missing: {e}")
        pytest.skip(f"the notebook runner is not installed ({e}): pip install -e '.[test]'")
    return nbclient, nbformat


def test_the_example_notebook_runs_and_shows_rolls_and_audio_inline():
    nbclient, nbformat = notebook_runner()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "docs/example.ipynb is committed without outputs (they are large); clear them before committing"
    start = time.perf_counter()
    nbclient.NotebookClient(notebook, timeout=LIMIT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    took = time.perf_counter() - start
    assert took < LIMIT_S, f"the notebook took {took:.0f} s"
    pages = [out["data"]["text/html"] for cell in notebook.cells if cell.cell_type == "code"
             for out in cell.outputs if "text/html" in out.get("data", {})]
    assert len(pages) >= 6  # the blend, samples, variations, continuation, drums, groove, drumify
    for page in pages:
        assert '<img alt=' in page and 'src="data:image/png;base64,' in page
        assert '<audio controls' in page and 'src="data:audio/wav;base64,' in page
    errors = [out for cell in notebook.cells for out in cell.get("outputs", []) if out.output_type == "error"]
    assert not errors
