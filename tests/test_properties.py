"""Cards generated from the schema with any Unicode in every text field: never a crash, never an empty box.

`load_edition` must answer any card with Problems only; whatever it accepts
must go through markup and the book's units without an exception and
without a character the bundled fonts cannot print. No PDF is laid out here.
"""
from __future__ import annotations

import re
import shutil
import unicodedata
from html import unescape
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from brochure.book.units import book_units
from brochure.edition.content import load_edition
from brochure.problems import ERROR, Problem
from brochure.text.fonts import bundled_font_folders, printable
from brochure.text.markup import count_marked, parse_markdown
from brochure.text.typography import break_long_words
from brochure.themes.theme import load_theme
from conftest import EDITIONS

EXAMPLES = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Any character, with Markdown's and YAML's own signs and the troublemakers made frequent.
ANY = st.characters(codec=None, exclude_categories=())
FRENCH = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzàâçéèêëîïôûùüÿœ ABCDÉÀÇ0123456789.,;:!?'’«»()-–—…/%€ "))
MARKUP = st.sampled_from(["![", "](", "[^", "]", "*", "_", "`", "#", "> ", "- ", "1. ", "|", "&amp;", "<br>", "\n",
                          "\n\n", "    ", "\u2028", "\u2029", "data-keep", "<li data-keep>", "missing", ":", "«",
                          "'", '"', "\\", "%", "€", "1 000", "![x](missing)", "[^1]", "\n[^1]: note\n"])
HOSTILE = st.sampled_from(["&#x4E2D;", "\x0b", "\x00", "\x85", "\x1b", "\ud800"])
WORDS = st.one_of(st.text(FRENCH, max_size=12), st.text(FRENCH, min_size=40, max_size=80), MARKUP)
PRINTABLE_TEXT = st.lists(WORDS, max_size=12).map("".join)
ANY_TEXT = st.lists(st.one_of(WORDS, HOSTILE, st.text(ANY, max_size=3)), max_size=12).map("".join)


def cards(text: st.SearchStrategy, emails: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Card front-matter as the schema has it, every text field drawn from `text` (e-mails from `emails`)."""
    line = text.map(lambda value: value.strip() or "x")
    emails = emails if emails is not None else st.one_of(st.sampled_from(["a@b.fr", "x"]), line)
    return st.fixed_dictionaries({
        "number": st.integers(4, 99),
        "section": st.sampled_from(["alpha", "beta", "gamma"]),
        "collectivity": line,
        "title": line,
        "authors": st.lists(st.fixed_dictionaries({"name": line, "email": emails}),
                            min_size=1, max_size=2),
        "tutors": st.lists(st.fixed_dictionaries({"name": line, "role": line, "gender": st.sampled_from(["f", "m"])}),
                           max_size=2),
        "key_figures": st.lists(st.fixed_dictionaries({"value": line, "caption": line},
                                                      optional={"prefix": line, "suffix": line, "group": line}),
                                max_size=3),
        "testimonials": st.lists(st.fixed_dictionaries({"name": line, "role": line, "text": line}), max_size=2),
        "further_reading": st.lists(line, max_size=2),
    })


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("properties") / "mini"
    shutil.copytree(EDITIONS / "mini", root, ignore=shutil.ignore_patterns("build"))
    return root


@pytest.fixture(scope="module")
def fonts(edition) -> frozenset[int]:
    return printable(bundled_font_folders(edition.resolve()))


def write_card(edition: Path, data: dict, body: str) -> Path:
    path = edition / "data" / "cards" / "04-generated.md"
    path.write_text("---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body,
                    encoding="utf-8", errors="surrogatepass")   # a lone surrogate makes a file that is not UTF-8
    return path


def printed_text(html: str) -> str:
    """The characters an HTML document puts on the page (its text, not its tags or attributes)."""
    html = re.sub(r"<style.*?</style>|<head.*?</head>", "", html, flags=re.DOTALL)
    return unescape(re.sub(r"<[^>]*>", "", html))


def check_card(edition: Path, fonts: frozenset[int], card: dict, body: str) -> None:
    """load_edition answers with Problems only; what it accepts renders, every printed character in the fonts."""
    path = write_card(edition, card, body)
    loaded, problems = load_edition(edition)
    assert all(isinstance(p, Problem) and p.line >= 1 and "\n" not in p.format() for p in problems)
    event("accepted" if loaded is not None else "refused")
    if loaded is None:
        assert any(p.severity == ERROR for p in problems)
        return
    units = book_units(loaded, load_theme("default", loaded.config.root))
    card_html = next(unit.html for unit in units if unit.card is not None and unit.card.path == path)
    unprintable = {char for char in printed_text(card_html) if ord(char) not in fonts
                   and not char.isspace() and unicodedata.category(char) != "Cf"}
    assert not unprintable, f"would print as empty boxes: {sorted(unprintable)}"


@settings(EXAMPLES, max_examples=40)
@given(card=cards(ANY_TEXT), body=ANY_TEXT)
def test_a_card_with_any_unicode_gives_problems_never_a_crash(edition, fonts, card, body):
    check_card(edition, fonts, card, body)


@settings(EXAMPLES, max_examples=50)
@given(card=cards(PRINTABLE_TEXT, st.sampled_from(["a@b.fr", "anne.alpha@administrateur-inet.org"])),
       body=PRINTABLE_TEXT)
def test_a_card_of_printable_text_and_any_markup_renders_without_empty_boxes(edition, fonts, card, body):
    check_card(edition, fonts, card, body)


@EXAMPLES
@given(text=ANY_TEXT, first_line=st.integers(1, 50))
def test_any_markdown_parses_with_its_images_on_its_own_lines(text, first_line):
    parsed = parse_markdown(text, "/edition/data/cards", first_line)
    last_line = first_line + len(text.split("\n")) - 1
    assert all(first_line <= image.line <= last_line for image in parsed.images)
    assert all(first_line <= line <= last_line for line, _ in parsed.problems)
    assert count_marked(f"<div>{parsed.html}</div>", "data-keep") == 0   # text never marks content to keep


@EXAMPLES
@given(text=st.text(ANY, max_size=300))
def test_long_words_only_gain_invisible_break_opportunities(text):
    html = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    broken = break_long_words(html)
    assert unescape(broken).replace("\u200b", "") == unescape(html).replace("\u200b", "")
    assert all(len(run) <= 30 for run in re.findall(r"[^\s\u200b/-]+", unescape(broken))
               if not re.search(r"://|@|^www\.", run, re.IGNORECASE))
