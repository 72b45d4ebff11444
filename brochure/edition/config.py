"""brochure.yml -> Config: the edition's settings, checked, every path resolved inside the edition."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from ..limits import MAX_MEMBERS
from .models import Colour, Config, Credit, Promotion, Section
from ..problems import Problem
from .schema import Checker
from .sources import read_yaml, real_path_inside

CONFIG_NAME = "brochure.yml"
PAGE_SIZES = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210), "B5": (176, 250),
              "letter": (215.9, 279.4), "legal": (215.9, 355.6)}  # width, height in mm
PAGE_UNITS = {"mm": 1.0, "cm": 10.0, "in": 25.4}
PAGE_LIMITS_MM = (100, 600)    # narrower than A6 or wider than A2 is not a brochure
CUSTOM_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(mm|cm|in)\s*[x×]?\s*(\d+(?:[.,]\d+)?)\s*(mm|cm|in)\s*$", re.I)
VARIANTS = ("screen", "print")  # what each does: variants.py
FORMATS = ("pdf", "html", "epub")  # the book, the static site (build/site/), the EPUB: see docs/web.md
REQUIRED = {"title", "sections"}
OPTIONAL = {"subtitle", "years", "publisher", "author", "subject", "keywords", "date", "date_label",
            "language", "page_size", "theme", "variant", "output", "colophon", "cards", "editorial",
            "back_page", "promotions", "formats", "extra_css"}
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def load_config(root: Path) -> tuple[Config | None, list[Problem]]:
    """Read and check `root/brochure.yml`."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.exists() and not path.is_symlink():
        return None, [Problem(path, 1, "file", f"no {CONFIG_NAME} here: is this an edition folder? "
                              "(run brochure in the folder holding brochure.yml, or pass --project)")]
    source, problems = read_yaml(path, inside=root)
    if source is None:
        return None, problems
    check = Checker(source)
    data = check.record(source.data, (), REQUIRED, OPTIONAL)
    if data is None:
        return None, check.problems
    text = lambda key, default=None: check.text(data, key, (), default=default)  # noqa: E731
    title = text("title") or ""
    config = Config(
        root=root,
        title=title,
        subtitle=text("subtitle", ""),
        years=text("years", ""),
        publisher=text("publisher", ""),
        author=text("author", "") or text("publisher", ""),
        subject=text("subject", ""),
        keywords=tuple(str(k) for k in check.items(data, "keywords", ())),
        date=_date(check, data),
        date_label=text("date_label", ""),
        language=text("language", "fr"),
        page_size=_page_size(check, data),
        theme=text("theme", "default"),
        variant=check.choice(data, "variant", (), VARIANTS, "screen"),
        output=_output_name(check, text("output") or _slug(title) + ".pdf"),
        colophon=check.each(data, "colophon", (), lambda item, keys: _credit(check, item, keys)),
        sections=_sections(check, data),
        cards_dir=_inside(check, root, text("cards", "data/cards"), ("cards",), folder=True) or root / "data/cards",
        editorial=_inside(check, root, text("editorial"), ("editorial",)),
        back_page=_inside(check, root, text("back_page"), ("back_page",)),
        promotions=check.each(data, "promotions", (), lambda item, keys: _promotion(check, item, keys)),
        formats=_formats(check, data),
        extra_css=check.each(data, "extra_css", (), lambda item, keys: _stylesheet(check, root, item, keys)),
    )
    return config, check.problems


def _formats(check: Checker, data: dict) -> tuple[str, ...]:
    """What `brochure build` writes by default: a list among pdf, html, epub (default: [pdf])."""
    value = data.get("formats", ["pdf"])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or any(item not in FORMATS for item in value):
        check.error(("formats",), f"must be a list among {', '.join(FORMATS)}, e.g. [pdf, html, epub]")
        return ("pdf",)
    return tuple(dict.fromkeys(value))


def _page_size(check: Checker, data: dict) -> str:
    """`page_size`: a preset in any case ("a5" -> "A5") or "WIDTH HEIGHT" in mm, cm or in ("170mm 240mm")."""
    value = data.get("page_size")
    if value is None:
        return "A4"
    text = str(value).strip()
    preset = next((name for name in PAGE_SIZES if name.casefold() == text.casefold()), None)
    if preset is not None:
        return preset
    size = page_mm(text)
    if size is None:
        check.error(("page_size",), f"'{text}' is not a page size: write one of {', '.join(PAGE_SIZES)}, "
                    "or a width and a height such as '170mm 240mm' (mm, cm or in)")
        return "A4"
    low, high = PAGE_LIMITS_MM
    if not all(low <= side <= high for side in size):
        check.error(("page_size",), f"'{text}' is {size[0]:g}×{size[1]:g} mm: each side must be between "
                    f"{low} and {high} mm")
        return "A4"
    return f"{size[0]:g}mm {size[1]:g}mm"


def page_mm(page_size: str) -> tuple[float, float] | None:
    """A checked `page_size` (a preset or "170mm 240mm") -> (width, height) in mm; None if it is neither."""
    if page_size in PAGE_SIZES:
        return PAGE_SIZES[page_size]
    match = CUSTOM_SIZE.match(page_size)
    if match is None:
        return None
    width, width_unit, height, height_unit = match.groups()
    return tuple(round(float(number.replace(",", ".")) * PAGE_UNITS[unit.lower()], 2)
                 for number, unit in ((width, width_unit), (height, height_unit)))


def _date(check: Checker, data: dict) -> dt.date:
    value = data.get("date")
    if value is None:
        return dt.date(2000, 1, 1)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _is_iso_date(value.strip()):
        check.error(("date",), f"'{value}' is in quotes, which makes it text, not a date: remove the quotes "
                    f"(date: {value.strip()})")
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value.strip()):
        check.error(("date",), f"'{value}' is not a day of the calendar: check the month and the day (YYYY-MM-DD)")
    else:
        check.error(("date",), f"'{value}' is not a date: write it as YYYY-MM-DD, e.g. 2021-02-01")
    return dt.date(2000, 1, 1)


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _output_name(check: Checker, name: str) -> str:
    if "/" in name or "\\" in name or not name.endswith(".pdf") or name.startswith("."):
        check.error(("output",), f"'{name}' must be a plain file name ending in .pdf (it is written in build/)")
        return "brochure.pdf"
    return name


def _credit(check: Checker, item, keys) -> Credit | None:
    data = check.record(item, keys, {"label", "value"}, set())
    if data is None:
        return None
    return Credit(check.text(data, "label", keys, True) or "", check.text(data, "value", keys, True) or "")


def _sections(check: Checker, data: dict) -> tuple[Section, ...]:
    sections = check.each(data, "sections", (), lambda item, keys: _section(check, item, keys), required=True)
    seen = set()
    for index, section in enumerate(sections):
        if section.id in seen:
            check.error(("sections", index, "id"), f"'{section.id}' is used by two sections")
        seen.add(section.id)
    return sections


def _section(check: Checker, item, keys) -> Section | None:
    data = check.record(item, keys, {"id", "title", "color"}, {"cmyk"})
    if data is None:
        return None
    section_id = check.text(data, "id", keys, True) or ""
    if section_id and not ID.match(section_id):
        check.error(keys + ("id",), f"'{section_id}' must be lower-case letters, digits and dashes")
    colour = check.text(data, "color", keys, True) or "#000000"
    if not HEX.match(colour):
        check.error(keys + ("color",), f"'{colour}' is not a colour: write it as \"#rrggbb\", in quotes")
        colour = "#000000"
    return Section(section_id, check.text(data, "title", keys, True) or "", Colour(colour.lower(), _cmyk(check, data, keys)))


def _cmyk(check: Checker, data: dict, keys) -> tuple | None:
    value = data.get("cmyk")
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100 for v in value)):
        check.error(keys + ("cmyk",), "must be four percentages [C, M, Y, K], e.g. [0, 75, 80, 0]")
        return None
    return tuple(float(v) for v in value)


def _promotion(check: Checker, item, keys) -> Promotion | None:
    data = check.record(item, keys, {"name", "members"}, {"corps"})
    if data is None:
        return None

    def name(member, member_keys) -> str | None:
        if not isinstance(member, str) or not member.strip():
            check.error(member_keys, "must be a name, « NOM Prénom »")
            return None
        if not member.split()[0].isupper():
            check.error(member_keys, f"'{member}' must start with the surname in capitals: « NOM Prénom »")
        return " ".join(member.split())

    members = check.each(data, "members", keys, name, limit=MAX_MEMBERS, noun="members")
    return Promotion(check.text(data, "name", keys, True) or "", check.text(data, "corps", keys) or "",
                     tuple(sorted(members, key=sort_key)))


def _stylesheet(check: Checker, root: Path, item, keys: tuple) -> Path | None:
    """One entry of `extra_css`: a .css file inside the edition, relative to brochure.yml."""
    if not isinstance(item, str) or not item.strip():
        check.error(keys, "must be the path of a stylesheet, e.g. styles/custom.css")
        return None
    if not item.endswith(".css"):
        check.error(keys, f"'{item}' is not a stylesheet: give the path of a .css file, e.g. styles/custom.css")
        return None
    return _inside(check, root, item, keys)


def sort_key(name: str) -> tuple:
    """French alphabetical order: accents and case ignored first, then used to break ties."""
    folded = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return folded.casefold(), name


def _inside(check: Checker, root: Path, relative: str | None, keys: tuple, folder: bool = False) -> Path | None:
    """A path from the config, which must exist inside the edition folder (links followed)."""
    if relative is None:
        return None
    shown = relative if len(relative) <= 80 else relative[:60] + "…"
    if any(unicodedata.category(char) == "Cc" for char in relative):
        check.error(keys, f"'{shown.encode('unicode_escape').decode()}' holds a control character, "
                          "impossible in a file name: retype the path")
        return None
    path, problem = real_path_inside(root / relative, root)
    try:
        found = path is not None and (path.is_dir() if folder else path.is_file())
        exists = path is not None and path.exists()
    except OSError as error:   # a name too long for the system...
        check.error(keys, f"'{shown}' cannot be used as a path: {error.strerror or error}")
        return None
    if path is None:
        check.error(keys, f"'{shown}' {problem}")
    elif not found:
        what = f"is not a {'folder' if folder else 'file'}" if exists else "does not exist"
        check.error(keys, f"'{shown}' {what} (paths are relative to {CONFIG_NAME})")
    return path if found else None


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "brochure"
