"""The checked Edition + its theme -> the static site's files (in memory), then the folder build/site/.

One HTML page per part of the book, `style.css` (the theme's `web.css`
files, parent theme first, then the edition's own `styles/web.css`), the
fonts the stylesheet names, the pictures at a few widths, and the PDF and
EPUB when they are given. Every link is relative and every file sits in the
folder, so it reads the same from file:// or any static host.
"""
from __future__ import annotations

import mimetypes
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..edition.models import Edition
from ..problems import BrochureError
from ..text.fonts import bundled_font_folders
from ..themes.theme import Theme
from .fonts import web_fonts
from .pages import SITE_LAYOUT, Downloads, render_pages
from .pictures import Pictures
from .views import edition_view

WEB_STYLESHEET = "web.css"


@dataclass(frozen=True)
class Site:
    """The site: file name (relative, `/` separated) -> (bytes, media type)."""

    files: dict
    pages: int

    def get(self, name: str) -> tuple[bytes, str] | None:
        return self.files.get(name or "index.html")


def make_site(edition: Edition, theme: Theme, downloads: dict[str, Path] | None = None,
              font_cache: Path | None = None) -> Site:
    """Every file of the site; `downloads` ("pdf"/"epub" -> a built file) are copied in and linked.

    `font_cache`: a folder where subset fonts are kept from one build to the next.
    """
    config = edition.config
    offered = {kind: path for kind, path in (downloads or {}).items() if path.is_file()}
    pictures = Pictures(config.root)
    view = edition_view(edition, ".html", pictures.publish)
    links = Downloads(**{kind: path.name for kind, path in offered.items()})
    rendered = render_pages(edition, theme, view, pictures, SITE_LAYOUT, links)
    css = web_stylesheet(theme)
    files = {f"{page.view.name}.html": (page.html.encode("utf-8"), "text/html; charset=utf-8") for page in rendered}
    files["style.css"] = (css.encode("utf-8"), "text/css; charset=utf-8")
    text = "".join(page.html for page in rendered)
    for name, data in web_fonts(css, list(bundled_font_folders(config.root)), text, font_cache).items():
        files[name] = (data, "font/woff2" if name.endswith(".woff2") else "text/plain; charset=utf-8")
    files.update(pictures.files)
    for path in offered.values():
        files[path.name] = (path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    return Site(files, len(rendered))


def web_stylesheet(theme: Theme) -> str:
    """The theme's web.css files, its farthest parent first, then the edition's own styles/web.css."""
    parts = []
    for name in reversed(theme.chain):
        path = theme.theme_file(f"{name}/{WEB_STYLESHEET}", "styles")
        if path is not None:
            parts.append(f"/* {name}/{WEB_STYLESHEET} */\n" + path.read_text(encoding="utf-8"))
    edition_styles = theme.roots[0] / "styles"
    override = (edition_styles / WEB_STYLESHEET).resolve()
    if override.is_file() and override.is_relative_to(theme.roots[0]):
        parts.append(f"/* styles/{WEB_STYLESHEET} of the edition */\n" + override.read_text(encoding="utf-8"))
    if not parts:
        raise BrochureError(f"theme '{theme.name}' has no {WEB_STYLESHEET} (styles/{theme.name}/{WEB_STYLESHEET}): "
                            "the site and the EPUB need one")
    return "\n".join(parts)


def write_site(site: Site, target: Path) -> Path:
    """Write the site into `target`, replacing the previous one whole (a failed write leaves it as it was)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, (data, _) in sorted(site.files.items()):
            path = fresh / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        fresh.chmod(0o755)
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return target
