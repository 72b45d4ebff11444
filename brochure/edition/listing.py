"""The cards folder -> the card files to read, and a problem for every card file that would be left out.

A card is a file whose name ends in `.md`, directly in the cards folder.
A `.MD`, `.markdown` or `.md.txt` file there is an error (the editor meant
it as a card: leaving it out would misprint the book); a card file in a
subfolder is a warning (it may have been put aside on purpose). Hidden
files are editors' tools' own, and ignored.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..problems import WARNING, Problem

CARD_SUFFIX = ".md"
LOOKS_LIKE_CARD = (".md.txt", ".markdown", ".mdown", ".mkd", ".md")   # compared in lower case, longest first


def card_files(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The `*.md` files of `folder`, sorted (what they are is checked when they are read), and the problems."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        return [], [Problem(folder, 1, "cards", f"cannot be read: {error.strerror or error}")]
    shown = folder.relative_to(root).as_posix() if folder.is_relative_to(root) else str(folder)
    paths, problems = [], []
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if entry.name.endswith(CARD_SUFFIX):
            paths.append(path)
        elif looks_like_card(entry.name):
            problems.append(Problem(path, 1, "file", f"is not read: a card's file name ends in '{CARD_SUFFIX}' "
                                    f"(lower case): rename it {card_name(entry.name)}"))
        elif entry.is_dir(follow_symlinks=False):
            problems += [Problem(inner, 1, "file", f"is left out: cards are read only from {shown}/ itself, not "
                                 "from its subfolders: move it up, or out of the cards folder", WARNING)
                         for inner in _cards_below(path)]
    return paths, problems


def looks_like_card(name: str) -> bool:
    return name.lower().endswith(LOOKS_LIKE_CARD)


def card_name(name: str) -> str:
    """The name the file should have: 02-beta.MD -> 02-beta.md."""
    lower = name.lower()
    suffix = next(suffix for suffix in LOOKS_LIKE_CARD if lower.endswith(suffix))
    return name[: -len(suffix)] + CARD_SUFFIX


def _cards_below(folder: Path) -> list[Path]:
    """Card-like files anywhere under `folder` (links to folders are not followed)."""
    found = []
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found += [Path(parent, name) for name in sorted(files) if not name.startswith(".") and looks_like_card(name)]
    return found
