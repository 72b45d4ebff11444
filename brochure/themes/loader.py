"""A theme's template folders -> the sources Jinja2 compiles (the one module of themes/ that imports Jinja2).

`ThemeLoader` finds a template in the edition's override folder, then the
theme, then its parents (`theme:NAME/x.html` skips the overrides);
`read_template` reads a template file, refusing one too large or not UTF-8
with a `TemplateFileError` that names the file and the line. The layout
workers import themes/theme.py (a Theme travels in the renderer's spec), not
this module: they render no template.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from ..limits import MAX_TEMPLATE_BYTES
from .theme import Theme, is_theme_name, theme_folders


class TemplateFileError(jinja2.TemplateError):
    """A template file that cannot be used as it is (not UTF-8, too large): its path and line."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(message)
        self.path, self.line, self.reason = path, line, message



class ThemeLoader(jinja2.BaseLoader):
    """Templates from the override folder, then the theme, then its parents; `theme:NAME/x.html` skips overrides."""

    def __init__(self, theme: Theme):
        self.theme = theme
        self.served: set[str] = set()    # the files given to Jinja2, to find a template's line in a traceback

    def get_source(self, environment, template):
        if template.startswith("theme:"):
            path = self.theme.theme_file(template[len("theme:"):], "templates", inherited=True)
            searched = [f"the '{template[6:].partition('/')[0]}' theme"]
        else:
            try:
                pieces = split_template_path(template)
            except jinja2.TemplateNotFound:
                raise jinja2.TemplateNotFound(template, f"template '{template}' not found: a template is named "
                                              "from its templates folder, without '..'") from None
            candidates = [(folder, folder.joinpath(*pieces)) for folder in self.theme.template_dirs]
            path = next((c for d, c in candidates if c.is_file() and c.resolve().is_relative_to(d)), None)
            searched = [str(c) for _, c in candidates]
        if path is None:
            raise jinja2.TemplateNotFound(template, f"template '{template}' not found{self._nearest(template)}; "
                                          f"searched: {', '.join(searched)}")
        self.served.add(str(path))
        return read_template(path), str(path), _unchanged(path)


    def _nearest(self, template: str) -> str:
        """" (nearest: card.html)" among the templates the name could have meant; "" if none is close."""
        if template.startswith("theme:"):
            name, _, wanted = template[len("theme:"):].partition("/")
            folders = theme_folders(self.theme.roots[0], name, "templates", overrides=False) if is_theme_name(name) \
                else []
            prefix = f"theme:{name}/"
        else:
            folders, wanted, prefix = list(self.theme.template_dirs), template, ""
        names = sorted({path.relative_to(folder).as_posix() for folder in folders for path in folder.rglob("*.html")})
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
        return f" (nearest: {', '.join(prefix + name for name in close)})" if close else ""


def read_template(path: Path) -> str:
    """A template file's text; a TemplateFileError if it is too large or not UTF-8."""
    if path.stat().st_size > MAX_TEMPLATE_BYTES:
        raise TemplateFileError(path, 1, f"is larger than {MAX_TEMPLATE_BYTES // 1_000_000} MB: "
                                "a template is a page of HTML, keep it small")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise TemplateFileError(path, line, "is not UTF-8 text (save it as UTF-8)") from None


def _unchanged(path: Path):
    mtime = path.stat().st_mtime
    return lambda: path.stat().st_mtime == mtime
