"""A name of something brochure ships (templates, styles, assets, the skeleton edition) -> its folder on disk.

Everything the tool ships is found through the package (importlib.resources),
never through the checkout, so an installed wheel works anywhere. In the
repository the real files stay at the top level (templates/, styles/,
assets/) and brochure/shipped/ holds symbolic links to them; a wheel holds
real copies there. Each folder is resolved once: the resolved folders are the
only shipped places brochure reads from.
"""
from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

SHIPPED = ("templates", "styles", "assets")


@functools.cache
def shipped_root() -> Path:
    """The folder holding templates/, styles/ and assets/ as shipped (links in a checkout, copies in a wheel)."""
    return Path(str(importlib.resources.files("brochure") / "shipped"))


@functools.cache
def shipped(name: str) -> Path:
    """One shipped folder ("templates", "styles", "assets"), resolved: the real folder, wherever it lives."""
    if name not in SHIPPED:
        raise ValueError(f"brochure ships no '{name}' (only {', '.join(SHIPPED)})")
    return (shipped_root() / name).resolve()


def skeleton() -> Path:
    """The skeleton edition that `brochure new edition` copies."""
    return Path(str(importlib.resources.files("brochure.intake") / "skeleton")).resolve()
