"""brochure.yml, a theme and a variant -> what a renderer is made of (`RendererSpec`) and what its stylesheets gave.

A Renderer (render.py) parses the stylesheets with WeasyPrint and lays units
out. A build on several cores does neither in its main process: its workers
make the renderer (workers.py forks them before the edition is read, so that
they import WeasyPrint while the main process reads the cards), and the main
process knows the renderer by its spec and its `StyleFacts`: the problems
found in the stylesheets and every file they read. The facts are kept in the
unit cache under the spec's key (brochure's code, the installed packages,
the spec) and trusted only while every file they name has the same bytes: a
build whose look did not change knows them before any stylesheet is parsed.

Imports no WeasyPrint.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..edition.models import Config
from ..limits import LAYOUT_SECONDS
from ..problems import ERROR, Problem
from ..themes.theme import Theme
from ..versions import code_digest, packages_digest
from .variants import Variant, profile_path


@dataclass(frozen=True)
class RendererSpec:
    """Everything a renderer is made from, besides the bytes of the files its stylesheets read."""

    config: Config
    theme: Theme
    variant: Variant
    fonts: tuple[Path, ...]                         # the bundled font files: one added or removed is a new look
    layout_seconds: float | None = LAYOUT_SECONDS   # per unit; None: no limit

    def key(self) -> str:
        """The spec with the code and the packages that would lay out with it, hashed (for the cache)."""
        theme = self.theme
        made_of = (code_digest(), packages_digest(), self.config, theme.name, theme.chain, theme.template_dirs,
                   theme.style_dirs, theme.stylesheets, tuple(sorted(theme.start_on.items())), self.variant,
                   self.fonts, self.layout_seconds)
        return "look-" + hashlib.sha256(repr(made_of).encode()).hexdigest()[:40]

    def profile(self) -> bytes | None:
        """The bytes of the CMYK output profile (the edition's, else brochure's) of a CMYK variant, else None."""
        if not self.variant.cmyk:
            return None
        path = profile_path(self.config.root)
        return path.read_bytes() if path is not None else None


@dataclass(frozen=True)
class StyleFacts:
    """What a renderer found in its stylesheets: their problems, and every file they read."""

    problems: tuple[Problem, ...]     # errors stop a build, warnings are shown
    reads: tuple[Path, ...]           # the stylesheets, their imports, fonts, images, the colour profile

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == ERROR]
