"""The edition folder -> Edition: every card, the editorial and the back page, read and checked.

Everything is read and checked before anything is laid out; every problem
of every file is collected, so that one run lists them all.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from .. import TOOL_ROOT
from .config import load_config
from .listing import card_files
from ..limits import MAX_AUTHORS, MAX_FURTHER_READING, MAX_KEY_FIGURES, MAX_QUESTIONS, MAX_TESTIMONIALS, MAX_TUTORS
from ..text.fonts import font_folders, printable
from ..text.markup import FIGURE_OPTIONS, FOOTNOTE_REF, figure_options, footnote_problems, footnotes
from .models import Author, Broken, Card, Config, Edition, KeyFigure, Page, Question, Section, Signature, Testimonial, Tutor
from ..problems import WARNING, Problem
from .schema import Checker
from .sources import read_markdown

log = logging.getLogger(__name__)

CARD_REQUIRED = {"number", "section", "collectivity", "title", "authors"}
CARD_OPTIONAL = {"tutors", "key_figures", "testimonials", "further_reading"}
CORPS_BY_DOMAIN = {"administrateur-inet.org": "administrateur", "conservateur-inet.org": "conservateur",
                   "ingenieurchef-inet.org": "ingenieur"}
CORPS = ("administrateur", "conservateur", "ingenieur")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".svg", ".gif", ".webp")
MISSING = "missing"
NO_PHOTO = "none"


def load_edition(root: Path, partial: bool = False) -> tuple[Edition | None, list[Problem]]:
    """Read and check the whole edition; the Edition is None when there is any error.

    `partial`: a card, editorial or back page with errors is set aside as `Edition.broken` (with its
    problems) and the rest is kept, so that one broken card blocks no one; only an error in
    brochure.yml still gives no Edition.
    """
    config, problems = load_config(root)
    if config is None:
        return None, problems
    paths, listing_problems = card_files(config.cards_dir, config.root)
    problems += listing_problems
    cards = []
    for path in paths:
        card, card_problems = load_card(path, config)
        problems += card_problems
        if card is not None:
            cards.append(card)
    problems += _numbering_problems(cards, config)
    editorial, editorial_problems = _load_page(config.editorial, config, signed=True)
    back_page, back_problems = _load_page(config.back_page, config, signed=False)
    problems += editorial_problems + back_problems
    order = {section.id: index for index, section in enumerate(config.sections)}
    cards.sort(key=lambda card: (order.get(card.section.id, len(order)), card.number))
    broken_paths = {problem.path for problem in problems if problem.severity != WARNING}
    if not broken_paths:
        return Edition(config, tuple(cards), editorial, back_page), problems
    if not partial or any(not path.is_relative_to(config.cards_dir) and path not in (config.editorial, config.back_page)
                          for path in broken_paths):
        return None, problems
    by_path = {card.path: card for card in cards}
    broken = tuple(_broken(path, by_path.get(path), problems) for path in sorted(broken_paths))
    keep = lambda page: page if page is not None and page.path not in broken_paths else None  # noqa: E731
    return Edition(config, tuple(card for card in cards if card.path not in broken_paths), keep(editorial),
                   keep(back_page), broken), problems


def _broken(path: Path, card: Card | None, problems: list[Problem]) -> Broken:
    """A file set aside for its errors, with what the book needs to put a problem page in its place."""
    own = tuple(problem for problem in sorted(problems) if problem.path == path and problem.severity != WARNING)
    if card is None:
        return Broken(path, own)
    return Broken(path, own, card.section if card.section.id else None, card.number, card.title)


def load_card(path: Path, config: Config) -> tuple[Card | None, list[Problem]]:
    """Read and check one card file; the card comes back even with errors, for checks across cards."""
    source, problems = read_markdown(path, inside=config.root)
    if source is None:
        return None, problems
    check = Checker(source)
    data = check.record(source.data, (), CARD_REQUIRED, CARD_OPTIONAL)
    if data is None:
        return None, check.problems
    card = Card(
        path=path,
        number=_number(check, data),
        section=_section(check, data, config),
        collectivity=check.text(data, "collectivity", (), True) or "",
        title=check.text(data, "title", (), True) or "",
        authors=check.each(data, "authors", (), lambda item, keys: _author(check, item, keys, config), True,
                           limit=MAX_AUTHORS, noun="authors"),
        tutors=check.each(data, "tutors", (), lambda item, keys: _tutor(check, item, keys),
                          limit=MAX_TUTORS, noun="tutors"),
        key_figures=_key_figures(check, data),
        testimonials=check.each(data, "testimonials", (), lambda item, keys: _testimonial(check, item, keys),
                                limit=MAX_TESTIMONIALS, noun="testimonials"),
        further_reading=check.each(data, "further_reading", (), lambda item, keys: _markdown_line(check, item, keys),
                                   limit=MAX_FURTHER_READING, noun="readings"),
        body=source.body,
        body_line=source.body_line,
    )
    _check_characters(check, config)
    captions = tuple(f"{figure.prefix or ''} {figure.caption}" for figure in card.key_figures)
    _check_body(check, source.body, source.body_line, config, captions)
    for index, caption in enumerate(captions):
        missing = {match.group(1) for match in FOOTNOTE_REF.finditer(caption)} - set(footnotes(source.body))
        for name in sorted(missing):
            check.error(("key_figures", index, "caption"), f"footnote [^{name}] has no note: add a line "
                        f"'[^{name}]: the note' at the end of the body")
    return card, check.problems


def _number(check: Checker, data: dict) -> int:
    value = data.get("number")
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):   # ASCII digits: "²".isdigit() is true
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 99:
        if value is not None:
            shown = check.source.written.get(("number",), value)
            check.error(("number",), f"'{shown}' must be a whole number from 1 to 99, in digits 0 to 9")
        return 0
    return value


def _section(check: Checker, data: dict, config: Config) -> Section:
    wanted = check.text(data, "section", ())
    ids = tuple(section.id for section in config.sections)
    for section in config.sections:
        if section.id == wanted:
            return section
    if wanted is not None and ids:   # no sections at all: brochure.yml's own error says so
        import difflib
        hint = difflib.get_close_matches(wanted, ids, n=1)
        check.error(("section",), f"'{wanted}' is not a section of brochure.yml"
                    + (f" (did you mean '{hint[0]}'?)" if hint else f" (sections: {', '.join(ids)})"))
    return config.sections[0] if config.sections else Section("", "", None)


def _author(check: Checker, item, keys: tuple, config: Config) -> Author | None:
    data = check.record(item, keys, {"name"}, {"email", "photo", "corps"})
    if data is None:
        return None
    name = check.text(data, "name", keys, True) or ""
    email = _email(check, data, keys)
    corps = check.choice(data, "corps", keys, CORPS) or CORPS_BY_DOMAIN.get((email or "").rpartition("@")[2].lower())
    return Author(name, email, corps, _photo(check, data, keys, name, config))


def _email(check: Checker, data: dict, keys: tuple) -> str | None:
    """The author's address; None when declared missing (a warning: content to complete)."""
    if "email" not in data:
        check.error(keys + ("email",), "is required (write 'email: missing' when the address is not known yet)")
        return None
    email = check.text(data, "email", keys, True)
    if email == MISSING:
        check.warn(keys + ("email",), "e-mail declared missing: content to complete")
        return None
    if email and not EMAIL.match(email):
        check.error(keys + ("email",), f"'{email}' is not an e-mail address (or write 'email: missing')")
    return email


def _photo(check: Checker, data: dict, keys: tuple, name: str, config: Config) -> Path | None:
    """The author's portrait; None with `photo: none` (initials, on purpose) or without one (a warning)."""
    value = data.get("photo")
    if isinstance(value, str) and value.strip().lower() == NO_PHOTO:
        return None
    if value is None or (isinstance(value, str) and value.strip() == MISSING):
        check.warn(keys + ("name",), f"no photo for {name}: a portrait with initials is drawn instead "
                   "(write 'photo: none' if there will be none)")
        return None
    return resolve_asset(check, value, keys + ("photo",), config, check.source.path.parent)


def _tutor(check: Checker, item, keys: tuple) -> Tutor | None:
    data = check.record(item, keys, {"name", "gender"}, {"role"})
    if data is None:
        return None
    role = check.text(data, "role", keys)
    if role is None:
        check.warn(keys + ("role",), "the tutor's role is missing: content to complete")
    gender = check.choice(data, "gender", keys, ("f", "m"), "m")
    return Tutor(check.text(data, "name", keys, True) or "", role or "", gender)


def _key_figures(check: Checker, data: dict) -> tuple[KeyFigure, ...]:
    def build(item, keys):
        fields = check.record(item, keys, set(), {"caption", "value", "missing", "prefix", "suffix", "group"})
        if fields is None:
            return None
        missing = fields.get("missing", False)
        if not isinstance(missing, bool):
            check.error(keys + ("missing",), "must be true or false")
            missing = False
        value = check.text(fields, "value", keys)
        if missing and value is not None:
            check.error(keys + ("missing",), "a key figure with a value cannot be missing: remove one of the two")
        elif not missing and value is None:
            check.error(keys + ("value",), "is required (or write 'missing: true' when the value is not known yet)")
        elif missing:
            check.warn(keys + ("missing",), "value declared missing: content to complete")
        if fields.get("caption") is None and fields.get("prefix") is None:
            check.error(keys + ("caption",), "is required (a key figure needs a caption, or at least a prefix)")
        return KeyFigure(value, check.text(fields, "caption", keys) or "", check.text(fields, "prefix", keys),
                         check.text(fields, "suffix", keys), check.text(fields, "group", keys))
    return check.each(data, "key_figures", (), build, limit=MAX_KEY_FIGURES, noun="key figures")


def _testimonial(check: Checker, item, keys: tuple) -> Testimonial | None:
    data = check.record(item, keys, {"name"}, {"role", "text", "questions"})
    if data is None:
        return None

    def question(entry, entry_keys):
        pair = check.record(entry, entry_keys, {"question", "answer"}, set())
        if pair is None:
            return None
        return Question(check.text(pair, "question", entry_keys, True) or "",
                        check.text(pair, "answer", entry_keys, True) or "")

    text = check.text(data, "text", keys)
    questions = check.each(data, "questions", keys, question, limit=MAX_QUESTIONS, noun="questions")
    if text is None and not questions:
        check.error(keys, "needs a 'text' or a list of 'questions'")
    return Testimonial(check.text(data, "name", keys, True) or "", check.text(data, "role", keys) or "",
                       text, questions)


def _markdown_line(check: Checker, item, keys: tuple) -> str | None:
    if not isinstance(item, str) or not item.strip():
        check.error(keys, "must be one line of text (put it in double quotes if it contains ': ')")
        return None
    return item.strip()


IMAGE_REF = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _check_characters(check: Checker, config: Config) -> None:
    """Every character must be in a bundled font, or it would print as an empty box."""
    printable_points = printable(tuple(font_folders(config.root, TOOL_ROOT)))
    if not printable_points:
        return
    for number, line in enumerate(check.source.text.split("\n"), start=1):
        for char in dict.fromkeys(line):
            if ord(char) > 0x20 and ord(char) not in printable_points and char not in "\ufeff\u200b":
                check.problems.append(Problem(check.source.path, number, "text",
                                              f"character « {char} » (U+{ord(char):04X}) is in none of the bundled "
                                              "fonts: it would print as an empty box; use another character"))


def _check_body(check: Checker, body: str, first_line: int, config: Config, elsewhere: tuple = ()) -> None:
    """Footnotes must match their notes; images must exist inside the edition, or be declared missing."""
    for offset, message in footnote_problems(body, elsewhere):
        check.problems.append(Problem(check.source.path, first_line + offset, "body", message))
    for offset, line in enumerate(body.split("\n")):
        for match in IMAGE_REF.finditer(line):
            caption, target = match.groups()
            where = ("body",)
            for message in _figure_option_problems(line[match.end():]):
                check.problems.append(Problem(check.source.path, first_line + offset, "body", message))
            if target == MISSING:
                check.problems.append(Problem(check.source.path, first_line + offset, "body",
                                              f"figure « {caption or 'without caption'} » declared missing: "
                                              "a framed placeholder is printed", WARNING))
                continue
            before = len(check.problems)
            resolve_asset(check, target, where, config, check.source.path.parent)
            for index in range(before, len(check.problems)):  # point at the image's own line
                problem = check.problems[index]
                check.problems[index] = Problem(problem.path, first_line + offset, "body", problem.message,
                                                problem.severity)


def _figure_option_problems(after: str) -> list[str]:
    """What is wrong with the `{width=... alt="..."}` written right after a figure's image."""
    block = FIGURE_OPTIONS.match(after).group(0)
    if not block and after.lstrip().startswith("{"):
        return ['figure options are written {width=column alt="A description"}, on the image\'s line, '
                'with nothing after them']
    return figure_options(block)[1]


def resolve_asset(check: Checker, value, keys: tuple, config: Config, base: Path) -> Path | None:
    """A picture path from the content: relative to `base`, existing, inside the edition."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        check.error(keys, "must be a path to an image file")
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE):
        check.error(keys, f"'{value}' is a URL: only image files inside the edition folder are used")
        return None
    path = (base / value).resolve()
    if not path.is_relative_to(config.root):
        check.error(keys, f"'{value}' is outside the edition folder; only files inside it are read")
    elif path.suffix.lower() not in IMAGE_SUFFIXES:
        check.error(keys, f"'{value}' is not an image (use {', '.join(IMAGE_SUFFIXES)})")
    elif not path.is_file():
        check.error(keys, f"'{value}' does not exist (paths are relative to the card file)")
    elif (problem := image_problem(path)) is not None:
        check.error(keys, f"'{value}' {problem}")
    else:
        return path
    return None


MAX_PIXELS = 50_000_000   # 7000 × 7000: far more than 300 dpi over a whole A3 page


def image_problem(path: Path) -> str | None:
    """What is wrong with an image file, read from its header only; None when it is usable."""
    if path.suffix.lower() == ".svg":
        return None
    import warnings

    from PIL import Image
    try:
        with warnings.catch_warnings():  # the size is judged below, with a message for the editor
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
    except (OSError, Image.DecompressionBombError) as error:
        return f"cannot be read as an image ({error})"
    if width * height > MAX_PIXELS:
        return (f"is {width}×{height} pixels, more than brochure accepts ({MAX_PIXELS // 1_000_000} megapixels): "
                "resize it (300 dpi at its printed size is enough)")
    return None


def _numbering_problems(cards: list[Card], config: Config) -> list[Problem]:
    problems, seen = [], {}
    for card in sorted(cards, key=lambda card: card.path):
        if card.number and card.number in seen:
            problems.append(Problem(card.path, 2, "number", f"{card.number:02d} is also the number of "
                                    f"{seen[card.number].relative_to(config.root)}"))
        seen[card.number] = card.path
    return problems


def _load_page(path: Path | None, config: Config, signed: bool) -> tuple[Page | None, list[Problem]]:
    if path is None:
        return None, []
    source, problems = read_markdown(path, front_matter_required=False, inside=config.root)
    if source is None:
        return None, problems
    check = Checker(source)
    data = check.record(source.data, (), set(), {"title", "signature"} if signed else {"title"})
    if data is None:
        return None, check.problems
    signature = None
    if signed and data.get("signature") is not None:
        fields = check.record(data["signature"], ("signature",), {"name"}, {"roles"})
        if fields is not None:
            roles = tuple(str(role) for role in check.items(fields, "roles", ("signature",)))
            signature = Signature(check.text(fields, "name", ("signature",), True) or "", roles)
    _check_body(check, source.body, source.body_line, config)
    _check_characters(check, config)
    return Page(path, check.text(data, "title", ()), source.body, signature), check.problems
