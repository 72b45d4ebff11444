"""A theme name + the edition folder -> where its templates and stylesheets are, overrides first.

A theme is a folder `templates/NAME/` (Jinja2 templates) beside a folder
`styles/NAME/` (CSS and `theme.yml`, which lists the stylesheets in order and
may name a parent theme with `extends`). Themes are looked up in the edition
folder first, then among the themes shipped with brochure.

An edition overrides one theme at a time: a file in its `templates/NAME/` or
`styles/NAME/` replaces the file of the same name of the theme NAME, and only
when NAME is the theme being built (a theme extending NAME gets NAME's own
files, never the edition's overrides of it). The overriding file can still
build on the original: a template with `{% extends "theme:default/card.html" %}`,
a stylesheet with `@import url("theme:default/card.css");` (`theme:NAME/...`
is always the theme's own file). Files put directly in `templates/` or
`styles/` (the old, flat way) still override the edition's own theme (the one
of brochure.yml), never another, with a warning saying where to move them.

Everything a theme may read stays inside the edition folder or brochure's own
`templates/`, `styles/` and `assets/`: symbolic links are resolved, and a
folder or file that leads elsewhere is refused. A theme name is a name, never a path.
Jinja2's side (the loader, reading a template file) is themes/loader.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..edition.schema import Checker
from ..edition.sources import read_yaml
from ..problems import WARNING, BrochureError, ContentError, Problem
from ..resources import SHIPPED, shipped

THEME_FILE = "theme.yml"
THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
SETTINGS = {"stylesheets", "add_stylesheets", "extends", "start_on"}
SIDES = ("left", "right", "any")
UNIT_KINDS = ("cover", "editorial", "sommaire", "divider", "card", "promotions", "back-page", "blank")


@dataclass(frozen=True)
class Theme:
    name: str
    chain: tuple[str, ...]             # this theme, then its parents
    template_dirs: tuple[Path, ...]    # overrides first, resolved, inside the allowed folders
    style_dirs: tuple[Path, ...]       # overrides first, resolved, inside the allowed folders
    stylesheets: tuple[Path, ...]      # resolved, in cascade order
    roots: tuple[Path, ...]            # the edition folder, then the shipped templates, styles, assets
    start_on: dict                     # unit kind -> "left" | "right": the side its first page must be on
    warnings: tuple[Problem, ...] = () # flat overrides to move into templates/NAME/ or styles/NAME/

    def theme_file(self, reference: str, kind: str, inherited: bool = False) -> Path | None:
        """`NAME/file` -> that theme's own file, never an edition's override; or None.

        With `inherited` (what `theme:NAME/file` means in a template or a stylesheet), a file NAME takes from
        its parents counts as NAME's."""
        name, _, rest = reference.partition("/")
        if not is_theme_name(name) or not rest or (name not in self.chain and name not in available_themes(self.roots[0])):
            return None
        names = self.chain[self.chain.index(name):] if inherited and name in self.chain else (name,)
        for base in (folder for each in names for folder in theme_folders(self.roots[0], each, kind, overrides=False)):
            candidate = base / rest
            if candidate.is_file() and candidate.resolve().is_relative_to(base):
                return candidate.resolve()
        return None


def is_theme_name(name) -> bool:
    return isinstance(name, str) and THEME_NAME.fullmatch(name) is not None


def theme_name_problem(name, edition_root: Path) -> str | None:
    """Why `name` cannot name a theme (it looks like a path, or is empty), or None if it can."""
    if is_theme_name(name):
        return None
    return (f"'{name}' is not a theme name: a theme is named with lower-case letters, digits, '-' and '_', "
            f"never a path (themes available: {', '.join(available_themes(edition_root)) or 'none'})")


def allowed_roots(edition_root: Path) -> tuple[Path, ...]:
    """The only folders anything of the theme may be read from: the edition and brochure's own data."""
    return (edition_root.resolve(), *(shipped(name) for name in SHIPPED))


def inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path.resolve().is_relative_to(root) for root in roots)


def checked_folder(folder: Path, edition_root: Path) -> Path | None:
    """`folder`, resolved, if it exists; a BrochureError if it (or a link on its way) leads outside."""
    if not folder.is_dir():
        return None
    resolved = folder.resolve()
    if not inside(resolved, allowed_roots(edition_root)):
        shown = folder.relative_to(edition_root) if folder.is_relative_to(edition_root) else folder
        raise BrochureError(f"{shown}: leads to {resolved}, outside the edition folder: brochure reads only "
                            "the edition and its themes; replace the link by a real folder")
    return resolved


def is_shipped(name: str) -> bool:
    """Whether brochure itself ships the theme `name`."""
    return (shipped("styles") / name / THEME_FILE).is_file()


def theme_folders(edition_root: Path, name: str, kind: str, overrides: bool = True) -> list[Path]:
    """The folders `kind/name` (templates or styles) of a theme, the edition's first, resolved and checked.

    Without `overrides`, a shipped theme's own folder alone: the edition's `kind/name` overrides it only
    when it is the theme being built."""
    candidates = _candidates(edition_root, kind, name)
    if not overrides and is_shipped(name):
        candidates = (shipped(kind) / name,)
    folders = (checked_folder(folder, edition_root) for folder in candidates)
    return [folder for folder in dict.fromkeys(folders) if folder is not None]


def load_theme(name: str, edition_root: Path, origin: str = "theme", edition_theme: str | None = None) -> Theme:
    """Find the theme and its parents; resolve its stylesheets through the override path.

    `origin` says where the name came from (`--theme`, `brochure.yml:7: theme`) for the message about a bad name;
    `edition_theme` is the theme of brochure.yml, the only one that files directly in `templates/` and `styles/`
    override.
    """
    edition_root = edition_root.resolve()
    if (problem := theme_name_problem(name, edition_root)) is not None:
        raise BrochureError(f"{origin}: {problem}")
    chain, settings, problems = [], [], []
    while name:
        if name in chain:
            path, data = settings[-1]
            raise ContentError([Problem(path, data["extends_line"], "extends", f"theme '{name}' extends itself "
                                        f"(through {' -> '.join(chain + [name])}): remove one 'extends'")], edition_root)
        found = next((folder / THEME_FILE for folder in theme_folders(edition_root, name, "styles", not chain)
                      if (folder / THEME_FILE).is_file()), None)
        if found is None:
            searched = ", ".join(str(folder / THEME_FILE) for folder in _candidates(edition_root, "styles", name))
            raise BrochureError(f"theme '{name}' not found (looked for {searched}); "
                                f"themes available: {', '.join(available_themes(edition_root)) or 'none'}")
        data, found_problems = _settings(found, edition_root)
        problems += found_problems
        chain.append(name)
        settings.append((found, data))
        name = data.get("extends")
    flat = chain[0] == edition_theme
    template_dirs = _folders(edition_root, "templates", chain, flat)
    style_dirs = _folders(edition_root, "styles", chain, flat)
    stylesheets = _stylesheets(settings, style_dirs, problems)
    problems += _incomplete(settings[0][0], chain, template_dirs, settings, problems)
    if problems:
        raise ContentError(problems, edition_root)
    start_on = {}
    for _, data in reversed(settings):  # a theme's own choices win over its parent's
        start_on.update(data.get("start_on") or {})
    warnings = flat_overrides(edition_root, chain, edition_theme)
    return Theme(chain[0], tuple(chain), template_dirs, style_dirs, stylesheets, allowed_roots(edition_root),
                 start_on, warnings)


def _incomplete(path: Path, chain: list[str], template_dirs: tuple, settings: list, problems: list) -> list[Problem]:
    """A theme with no template or no stylesheet at all (and no parent to take them from), at its theme.yml."""
    if problems:
        return []
    found = []
    if not any(folder.is_dir() and any(folder.glob("*.html")) for folder in template_dirs):
        found.append(Problem(path, 1, "extends", f"the theme '{chain[0]}' has no templates (templates/{chain[0]}/ "
                             "holds none) and extends no theme that has: add 'extends: default'"))
    if not any(data.get("stylesheets") or data.get("add_stylesheets") for _, data in settings):
        found.append(Problem(path, 1, "stylesheets", f"the theme '{chain[0]}' lists no stylesheets and extends no "
                             "theme that does: add 'extends: default' or a list 'stylesheets:'"))
    return found


def flat_overrides(edition_root: Path, chain: list[str], edition_theme: str | None) -> tuple[Problem, ...]:
    """A warning for each file directly in the edition's `templates/` or `styles/` that replaces a theme's file."""
    warnings = []
    for kind in ("templates", "styles"):
        folder = checked_folder(edition_root / kind, edition_root)
        if folder is None:
            continue
        theirs = _folders(edition_root, kind, chain, False)
        for path in sorted(folder.iterdir()):
            if not path.name.startswith(".") and any((other / path.name).is_file() for other in theirs):
                warnings.append(Problem(path, 1, "override", _flat_message(kind, path.name, chain[0], edition_theme),
                                        WARNING))
    return tuple(warnings)


def _flat_message(kind: str, name: str, theme: str, edition_theme: str | None) -> str:
    owner = edition_theme or theme
    if theme != owner:
        return (f"not used with the theme '{theme}': a file directly in {kind}/ overrides only the edition's theme "
                f"'{owner}'; move it to {kind}/{owner}/{name} (or to {kind}/{theme}/{name} for this theme)")
    return (f"a file directly in {kind}/ overrides only the edition's theme '{owner}' and no other: move it to "
            f"{kind}/{owner}/{name}, where it will keep overriding '{owner}'")


def available_themes(edition_root: Path) -> list[str]:
    folders = dict.fromkeys((edition_root.resolve() / "styles", shipped("styles")))
    names = {p.parent.name for folder in folders for p in folder.glob(f"*/{THEME_FILE}")}
    return sorted(name for name in names if is_theme_name(name))


def _candidates(edition_root: Path, kind: str, name: str) -> tuple[Path, ...]:
    """Where the theme `name` may have its `kind` folder: in the edition, then among the shipped themes."""
    return tuple(dict.fromkeys((edition_root.resolve() / kind / name, shipped(kind) / name)))


def _folders(edition_root: Path, kind: str, chain: list[str], flat: bool) -> tuple[Path, ...]:
    """The edition's flat override folder (if `flat`), then each theme of the chain's folders, checked.

    The edition's `kind/NAME` overrides NAME only when NAME is the theme built (the first of the chain)."""
    overrides = checked_folder(edition_root / kind, edition_root) if flat else None
    folders = [overrides] + [folder for index, theme in enumerate(chain)
                             for folder in theme_folders(edition_root, theme, kind, overrides=index == 0)]
    return tuple(dict.fromkeys(folder for folder in folders if folder is not None))


def _settings(path: Path, edition_root: Path) -> tuple[dict, list[Problem]]:
    """theme.yml -> its checked settings (wrong entries left out) and a problem for each mistake."""
    source, problems = read_yaml(path)
    if source is None:
        return {}, problems
    check = Checker(source)
    data = check.record(source.data, (), set(), SETTINGS)
    if data is None:
        return {}, check.problems
    settings = {}
    for field in ("stylesheets", "add_stylesheets"):
        sheets = check.items(data, field, ())
        if sheets:
            settings[field] = [(sheet, source.line(field, index)) for index, sheet in enumerate(sheets)
                               if _stylesheet_name(check, sheet, (field, index))]
    parent = check.text(data, "extends", ())
    if parent is not None:
        if (problem := theme_name_problem(parent, edition_root)) is not None:
            check.error(("extends",), problem)
        elif not any((folder / THEME_FILE).is_file() for folder in theme_folders(edition_root, parent, "styles")):
            check.error(("extends",), f"theme '{parent}' not found; themes available: "
                        f"{', '.join(available_themes(edition_root)) or 'none'}")
        else:
            settings["extends"], settings["extends_line"] = parent, source.line("extends")
    if data.get("start_on") is not None:
        sides = check.record(data["start_on"], ("start_on",), set(), set(UNIT_KINDS)) or {}
        settings["start_on"] = {kind: check.choice(sides, kind, ("start_on",), SIDES, "any")
                                for kind in sides if kind in UNIT_KINDS}
    return settings, check.problems


def _stylesheet_name(check: Checker, sheet, keys: tuple) -> bool:
    if not isinstance(sheet, str) or not sheet.strip():
        check.error(keys, "must be the file name of a stylesheet, e.g. card.css")
        return False
    if sheet.startswith(("/", "\\")) or ".." in Path(sheet).parts:
        check.error(keys, f"'{sheet}' must be a file of the theme's styles folder, not a path leading out of it")
        return False
    return True


def _stylesheets(settings: list, style_dirs: tuple[Path, ...], problems: list) -> tuple[Path, ...]:
    """The stylesheets of the chain, each found through the override path.

    The list is the nearest `stylesheets` (the theme's own, else its parent's...), followed by the
    `add_stylesheets` of that theme and of every theme below it, the parent's before the child's.
    """
    base = next((index for index, (_, data) in enumerate(settings) if data.get("stylesheets")), len(settings) - 1)
    listed = [(path, "stylesheets", name, line) for path, data in settings[base:base + 1]
              for name, line in data.get("stylesheets", [])]
    for path, data in reversed(settings[:base + 1]):
        listed += [(path, "add_stylesheets", name, line) for name, line in data.get("add_stylesheets", [])]
    found = []
    for path, field, name, line in listed:
        sheet = next((folder / name for folder in style_dirs if (folder / name).is_file()), None)
        if sheet is None:
            problems.append(Problem(path, line, field, f"'{name}' not found; searched: "
                                    f"{', '.join(str(folder) for folder in style_dirs)}"))
        elif not sheet.resolve().is_relative_to(sheet.parent.resolve()):
            problems.append(Problem(path, line, field, f"'{name}' in {sheet.parent} leads outside its folder "
                                    "(to another file): replace the link by the file itself"))
        else:
            found.append(sheet.resolve())
    return tuple(found)
