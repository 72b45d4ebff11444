"""A theme name + the edition folder -> where its templates and stylesheets are, overrides first.

A theme is a folder `templates/NAME/` (Jinja2 templates) beside a folder
`styles/NAME/` (CSS and `theme.yml`, which lists the stylesheets in order and
may name a parent theme with `extends`). Themes are looked up in the edition
folder first, then among the themes shipped with brochure.

An edition overrides one file of its theme by putting a file of the same
name directly in its own `templates/` or `styles/`. The overriding file can
still build on the original: a template with `{% extends "theme:default/card.html" %}`,
a stylesheet with `@import url("theme:default/card.css");`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from .. import TOOL_ROOT
from ..problems import BrochureError

THEME_FILE = "theme.yml"


@dataclass(frozen=True)
class Theme:
    name: str
    chain: tuple[str, ...]             # this theme, then its parents
    template_dirs: tuple[Path, ...]    # overrides first
    style_dirs: tuple[Path, ...]       # overrides first
    stylesheets: tuple[Path, ...]      # resolved, in cascade order
    roots: tuple[Path, ...]            # folders the theme may read from
    start_on: dict                     # unit kind -> "left" | "right": the side its first page must be on

    def theme_file(self, reference: str, kind: str) -> Path | None:
        """`theme:NAME/file` -> that theme's own file (no override), or None."""
        name, _, rest = reference.partition("/")
        if name not in self.chain and name not in available_themes(self.roots[0]):
            return None
        for root in self.roots:
            base = (root / kind / name).resolve()
            candidate = (base / rest).resolve()
            if candidate.is_relative_to(base) and candidate.is_file():
                return candidate
        return None


def load_theme(name: str, edition_root: Path) -> Theme:
    """Find the theme and its parents; resolve its stylesheets through the override path."""
    roots = tuple(dict.fromkeys((edition_root.resolve(), TOOL_ROOT)))
    chain, settings = [], []
    while name:
        if name in chain:
            raise BrochureError(f"theme '{name}' extends itself (through {' -> '.join(chain)})")
        found = next((root for root in roots if (root / "styles" / name / THEME_FILE).is_file()), None)
        if found is None:
            searched = ", ".join(str(root / "styles" / name / THEME_FILE) for root in roots)
            raise BrochureError(f"theme '{name}' not found (looked for {searched}); "
                                f"themes available: {', '.join(available_themes(edition_root)) or 'none'}")
        data = yaml.safe_load((found / "styles" / name / THEME_FILE).read_text(encoding="utf-8")) or {}
        chain.append(name)
        settings.append(data)
        name = data.get("extends")
    template_dirs = [roots[0] / "templates"] + [root / "templates" / theme for theme in chain for root in roots]
    style_dirs = [roots[0] / "styles"] + [root / "styles" / theme for theme in chain for root in roots]
    names = next((s["stylesheets"] for s in settings if s.get("stylesheets")), [])
    stylesheets = tuple(_find(name_, style_dirs) for name_ in names)
    start_on = {}
    for data in reversed(settings):  # a theme's own choices win over its parent's
        start_on.update(data.get("start_on") or {})
    wrong = {kind: side for kind, side in start_on.items() if side not in ("left", "right", "any")}
    if wrong:
        raise BrochureError(f"theme '{chain[0]}': start_on takes left, right or any, not {wrong}")
    return Theme(chain[0], tuple(chain), tuple(d for d in template_dirs if d.is_dir()),
                 tuple(d for d in style_dirs if d.is_dir()), stylesheets, roots, start_on)


def available_themes(edition_root: Path) -> list[str]:
    roots = (edition_root.resolve(), TOOL_ROOT)
    return sorted({p.parent.name for root in roots for p in (root / "styles").glob(f"*/{THEME_FILE}")})


def _find(name: str, dirs: list[Path]) -> Path:
    for folder in dirs:
        if (folder / name).is_file():
            return (folder / name).resolve()
    raise BrochureError(f"stylesheet '{name}' not found; searched: {', '.join(str(d) for d in dirs)}")


class ThemeLoader(jinja2.BaseLoader):
    """Templates from the override folder, then the theme, then its parents; `theme:NAME/x.html` skips overrides."""

    def __init__(self, theme: Theme):
        self.theme = theme

    def get_source(self, environment, template):
        if template.startswith("theme:"):
            path = self.theme.theme_file(template[len("theme:"):], "templates")
            searched = [f"the '{template[6:].partition('/')[0]}' theme"]
        else:
            candidates = [(d, d / template) for d in self.theme.template_dirs]
            path = next((c for d, c in candidates if c.resolve().is_relative_to(d.resolve()) and c.is_file()), None)
            searched = [str(c) for _, c in candidates]
        if path is None:
            raise jinja2.TemplateNotFound(template, f"template '{template}' not found; searched: {', '.join(searched)}")
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime
