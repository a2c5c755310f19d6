"""MkDocs hook of the documentation site: its home page is the repository's README.md, read at build time
(one text, never copied), its links to `docs/...` made relative to the site (which is the docs/ folder).
Named in mkdocs.yml (`hooks:`); excluded from the site itself (`exclude_docs`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- README.md -->"  # the first line of docs/index.md: the page is replaced by the README


def readme_for_site(text: str) -> str:
    """The README with its links to `docs/x` (pictures and pages, Markdown or HTML) as `x`, from the site's
    root, and its links to the model cards (`musicvae_lite/bundled/x.md`) as the site's card pages."""
    text = re.sub(r"\]\(docs/", "](", text)
    text = re.sub(r'src="docs/', 'src="', text)
    return re.sub(r"\]\(musicvae_lite/bundled/([\w.-]+\.md)", r"](cards/\1", text)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if markdown.startswith(MARK):
        return readme_for_site((ROOT / "README.md").read_text(encoding="utf-8"))
    return markdown
