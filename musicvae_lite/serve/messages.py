"""Error lines in the page's language. The library's one-line errors end with advice for the command
line (`see mvae windows FILE`, `--model default`, `--window`); the page has no command line, so the
server's edge (serve/edge.py) turns that advice into the page's controls (the list of a file's windows,
the Model menu) before a line reaches it. Known hints first, each with what the page offers instead;
then whatever command-line advice is left is dropped, and a flag named in passing loses its dashes."""

from __future__ import annotations

import re

_MENU = "in the Model menu"
# (pattern, replacement), in order: the specific hints the generation verbs give, then the general rules
RULES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), r) for p, r in (
    # a window the file does not have (melody, drum and groove readers)
    (r"--window (\d+) does not exist; it has ((?:drum )?windows 0\.\.\d+)(?: \(see `mvae windows [^`]*`\))?",
     r"window \1 does not exist; it has \2: choose another window in the list"),
    # a file of the other family's music
    (r"; for drums use a drum model \([^)]*\)", f"; for drums pick a drum model {_MENU}"),
    (r"; for melodies use a melody model \(--model [\w.-]+\)", f"; for melodies pick a melody model {_MENU}"),
    (r"; to make a beat from a melody's rhythm use `mvae drumify`, for melodies a melody model \(--model [\w.-]+\)",
     f"; to make a beat from a melody's rhythm use the Drumify tab, for melodies pick a melody model {_MENU}"),
    # a model that cannot do what was asked: the model it names is one of the menu's
    (r"\(--model ([\w.-]+)\)", rf"(pick \1 {_MENU})"),
    (r"--model ([\w.-]+)", rf"\1 {_MENU}"),
    # whatever command-line advice is left: dropped (a parenthesis, then a clause), flags lose their dashes
    (r" ?\([^()]*(?:`mvae [^`]*`|--force)[^()]*\)", ""),
    (r"[;,] (?:see|use|run|try|rebuild it with)\b[^;]*`mvae [^`]*`[^;]*", ""),
    (r"`mvae ([^`]*)`", r"\1"),
    (r"(?<![\w-])--(?=[a-z])", ""),
))


def for_page(message: str) -> str:
    """`message` with its command-line advice said in the page's terms."""
    for pattern, replacement in RULES:
        message = pattern.sub(replacement, message)
    return message
