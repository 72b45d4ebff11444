"""The edition folder -> Edition: every card, the editorial and the back page, read and checked.

Everything is read and checked before anything is laid out; every problem
of every file is collected, so that one run lists them all. A caller that
reads the edition again and again (the Builder) passes its `EditionMemo`:
only the files that changed, or whose images, fonts or brochure.yml changed,
are parsed and checked again.
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Callable

from .advice import card_advice
from .config import load_config
from .listing import card_files
from ..limits import MAX_AUTHORS, MAX_FURTHER_READING, MAX_KEY_FIGURES, MAX_QUESTIONS, MAX_TESTIMONIALS, MAX_TUTORS
from ..text.fonts import Characters, bundled_font_folders, printable
from ..text.markup import FOOTNOTE_REF, ParsedMarkdown, footnote_problems, footnotes, parse_markdown
from .characters import check_characters
from .memo import EditionMemo, Reader
from .models import Author, Broken, Card, Config, Edition, KeyFigure, Page, Question, Section, Signature, Testimonial, Tutor
from ..problems import WARNING, Problem
from .schema import Checker
from .images import image_problem
from .sources import read_markdown

log = logging.getLogger(__name__)

CARD_REQUIRED = {"number", "section", "collectivity", "title", "authors"}
CARD_OPTIONAL = {"tutors", "key_figures", "testimonials", "further_reading"}
CORPS_BY_DOMAIN = {"administrateur-inet.org": "administrateur", "conservateur-inet.org": "conservateur",
                   "ingenieurchef-inet.org": "ingenieur"}
CORPS = ("administrateur", "conservateur", "ingenieur")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".svg", ".gif", ".webp", ".tif", ".tiff")   # TIFF: PNG when printed
MISSING = "missing"
NO_PHOTO = "none"


def load_edition(root: Path, partial: bool = False, memo: EditionMemo | None = None,
                 loaded: tuple[Config | None, list[Problem]] | None = None,
                 on_card: Callable[[Card, list[Problem]], object] | None = None) -> tuple[Edition | None, list[Problem]]:
    """Read and check the whole edition; the Edition is None when there is any error.

    `partial`: a card, editorial or back page with errors is set aside as `Edition.broken` (with its
    problems) and the rest is kept, so that one broken card blocks no one; only an error in
    brochure.yml still gives no Edition.
    `memo`: the caller's memory of its last reading (`EditionMemo`); a file whose bytes, and everything its
    check read, are unchanged gives back the same record and problems without being parsed again.
    `loaded`: what `load_config(root)` gave the caller just before, not read again.
    `on_card(card, problems)`: told of each card as soon as it is read and checked (in file order).
    """
    config, problems = loaded if loaded is not None else load_config(root)
    problems = list(problems)
    if config is None:
        return None, problems
    fonts = memo.fonts(config) if memo is not None else printable(bundled_font_folders(config.root))
    paths, listing_problems = card_files(config.cards_dir, config.root)
    problems += listing_problems
    cards = []
    for path in paths:
        card, card_problems = _card(path, config, fonts, memo)
        problems += card_problems
        if card is not None:
            cards.append(card)
            if on_card is not None:
                on_card(card, card_problems)
    problems += _numbering_problems(cards, config)
    editorial, editorial_problems = _load_page(config.editorial, config, True, fonts, memo)
    back_page, back_problems = _load_page(config.back_page, config, False, fonts, memo)
    problems += editorial_problems + back_problems
    if memo is not None:
        memo.finish()
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


def _remembered(memo: EditionMemo | None, kind: str, path: Path, config: Config, fonts: Characters,
                reader: Reader) -> tuple:
    """A file's record and problems, from the memo if it has them still, else from `reader`."""
    if memo is not None:
        return memo.read(kind, path, config, fonts, reader)
    record, problems, _ = reader(None)
    return record, problems


def remembered_card(path: Path, config: Config, memo: EditionMemo) -> tuple[Card | None, list[Problem]]:
    """One card read and checked through `memo`, as `load_edition(memo=memo)` reads it next (the same record)."""
    return _card(path, config, memo.fonts(config), memo)


def _card(path: Path, config: Config, fonts: Characters, memo: EditionMemo | None) -> tuple[Card | None, list]:
    return _remembered(memo, "card", path, config, fonts, lambda raw: _read_card(path, config, fonts, raw))


def load_card(path: Path, config: Config, fonts: Characters | None = None) -> tuple[Card | None, list[Problem]]:
    """Read and check one card file; the card comes back even with errors, for checks across cards."""
    card, problems, _ = _read_card(path, config, fonts or printable(bundled_font_folders(config.root)))
    return card, problems


def _read_card(path: Path, config: Config, fonts: Characters, raw: bytes | None = None
               ) -> tuple[Card | None, list[Problem], tuple[Path, ...]]:
    """A card file (or its bytes, `raw`) -> the card, its problems and the other files its check looked at."""
    source, problems = read_markdown(path, inside=config.root, raw=raw)
    if source is None:
        return None, problems, ()
    check = Checker(source)
    data = check.record(source.data, (), CARD_REQUIRED, CARD_OPTIONAL)
    if data is None:
        return None, check.problems, ()
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
    check_characters(check, fonts)
    captions = tuple(f"{figure.prefix or ''} {figure.caption}" for figure in card.key_figures)
    card = replace(card, parsed_body=_check_body(check, source.body, source.body_line, config, captions))
    check.problems += card_advice(card, source, config)
    for index, caption in enumerate(captions):
        missing = {match.group(1) for match in FOOTNOTE_REF.finditer(caption)} - set(footnotes(source.body))
        for name in sorted(missing):
            check.error(("key_figures", index, "caption"), f"footnote [^{name}] has no note: add a line "
                        f"'[^{name}]: the note' at the end of the body")
    return card, check.problems, _photos(source) + _pictures(path, card.parsed_body)


def _photos(source) -> tuple[Path, ...]:
    """Every portrait a card names, as a file its check may look at (a few too many is harmless)."""
    authors = source.data.get("authors") if isinstance(source.data, dict) else None
    items = authors if isinstance(authors, list) else []
    return tuple(source.path.parent / item["photo"] for item in items
                 if isinstance(item, dict) and isinstance(item.get("photo"), str))


def _pictures(path: Path, parsed: ParsedMarkdown) -> tuple[Path, ...]:
    """Every image a body shows, as a file its check may look at ("missing" and URLs too: harmless)."""
    return tuple(path.parent / image.source for image in parsed.images)


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


def _check_body(check: Checker, body: str, first_line: int, config: Config, elsewhere: tuple = ()) -> ParsedMarkdown:
    """The body parsed as the build will: footnotes match their notes, limits kept, images inside the edition
    and printable, or declared missing. Returns the parse, for the card to carry to the templates."""
    parsed = parse_markdown(body, check.source.path.parent, first_line)
    problems = [(first_line + offset, message) for offset, message in footnote_problems(body, elsewhere)]
    problems += parsed.problems
    for image in parsed.images:
        if image.source == MISSING and image.inline and not image.problems:   # (its options' problem says why)
            problems.append((image.line, f"figure « {image.caption or 'without caption'} » is declared missing "
                             "inside a sentence: put it alone in its paragraph (a framed placeholder is printed there)"))
        elif image.source == MISSING:
            check.problems.append(Problem(check.source.path, image.line, "body",
                                          f"figure « {image.caption or 'without caption'} » declared missing: "
                                          "a framed placeholder is printed", WARNING))
        elif (message := asset_problem(image.source, image.path, config)) is not None:
            problems.append((image.line, message))
        problems += [(image.line, message) for message in image.problems]   # its {width=... alt=...}
    check.problems += [Problem(check.source.path, line, "body", message) for line, message in problems]
    return parsed


def resolve_asset(check: Checker, value, keys: tuple, config: Config, base: Path) -> Path | None:
    """A picture path from the content: relative to `base`, existing, inside the edition, printable."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        check.error(keys, "must be a path to an image file")
        return None
    try:
        path = "" if URL.match(value) else str((base / value).resolve())
    except (OSError, ValueError):
        path = ""
    if (message := asset_problem(value, path, config)) is not None:
        check.error(keys, message)
        return None
    return Path(path)


URL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def asset_problem(value: str, path: str, config: Config) -> str | None:
    """What is wrong with a picture written `value` in the content and resolved to `path`; None if it prints."""
    if URL.match(value):
        return f"'{value}' is a URL: only image files inside the edition folder are used"
    if not path:
        return f"'{_shown(value)}' is not a usable file name (it holds a control character): rename the file"
    resolved = Path(path)
    if not resolved.is_relative_to(config.root):
        return f"'{value}' is outside the edition folder; only files inside it are read"
    if resolved.suffix.lower() not in IMAGE_SUFFIXES:
        return f"'{value}' is not an image (use {', '.join(IMAGE_SUFFIXES)})"
    if not resolved.is_file():
        return f"'{value}' does not exist (paths are relative to the card file)"
    problem = image_problem(resolved)
    return f"'{value}' {problem}" if problem is not None else None


def _shown(value: str) -> str:
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in value)


def _numbering_problems(cards: list[Card], config: Config) -> list[Problem]:
    problems, seen = [], {}
    for card in sorted(cards, key=lambda card: card.path):
        if card.number and card.number in seen:
            problems.append(Problem(card.path, 2, "number", f"{card.number:02d} is also the number of "
                                    f"{seen[card.number].relative_to(config.root)}"))
        seen[card.number] = card.path
    return problems


def _load_page(path: Path | None, config: Config, signed: bool, fonts: Characters,
               memo: EditionMemo | None) -> tuple[Page | None, list[Problem]]:
    if path is None:
        return None, []
    return _remembered(memo, "signed page" if signed else "page", path, config, fonts,
                       lambda raw: _read_page(path, config, signed, fonts, raw))


def _read_page(path: Path, config: Config, signed: bool, fonts: Characters, raw: bytes | None
               ) -> tuple[Page | None, list[Problem], tuple[Path, ...]]:
    """The editorial or the back page (or its bytes, `raw`) -> the page, its problems, the images its body shows."""
    source, problems = read_markdown(path, front_matter_required=False, inside=config.root, raw=raw)
    if source is None:
        return None, problems, ()
    check = Checker(source)
    data = check.record(source.data, (), set(), {"title", "signature"} if signed else {"title"})
    if data is None:
        return None, check.problems, ()
    signature = None
    if signed and data.get("signature") is not None:
        fields = check.record(data["signature"], ("signature",), {"name"}, {"roles"})
        if fields is not None:
            roles = tuple(str(role) for role in check.items(fields, "roles", ("signature",)))
            signature = Signature(check.text(fields, "name", ("signature",), True) or "", roles)
    parsed = _check_body(check, source.body, source.body_line, config)
    check_characters(check, fonts)
    return (Page(path, check.text(data, "title", ()), source.body, signature), check.problems,
            _pictures(path, parsed))
