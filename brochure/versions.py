"""brochure's code and the packages installed beside it -> digests, to key what a build of them made.

Light on purpose (no import of WeasyPrint or any other renderer): `brochure
build` asks for them before it decides whether anything must be laid out.
"""
from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

from . import __version__

PACKAGE_FOLDERS = ("site-packages", "dist-packages")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """brochure's own code: a layout cached by another version of it is not reused."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def packages_digest() -> str:
    """The name and version of every installed package (WeasyPrint, pydyf, pikepdf, fontTools, Pillow, Pyphen...),
    read from the names of their metadata folders, never by importing them; and Python's version."""
    names = [sys.version]
    for folder in sys.path:
        if not folder.rstrip("/").endswith(PACKAGE_FOLDERS):
            continue
        try:
            names += sorted(name for name in os.listdir(folder) if name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return hashlib.sha256("\n".join(names).encode()).hexdigest()
