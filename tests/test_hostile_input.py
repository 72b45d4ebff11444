"""Broken or hostile input: each a one-line message naming the file and line (or the argument), never a hang or a crash.

One fault per test, in a copy of the mini edition. Cases that hung before
(a named pipe, /dev/zero) run the command in a subprocess with a timeout, so
that a regression fails instead of hanging CI.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from brochure.cli import main
from brochure.edition.content import load_edition
from brochure.limits import MAX_AUTHORS, MAX_FURTHER_READING, MAX_KEY_FIGURES, MAX_MEMBERS, MAX_TESTIMONIALS
from brochure.pdf.time_limit import time_limit
from brochure.problems import ERROR, BrochureError

NOTHING_BUILT = "1 error(s), 0 warning(s): nothing was built."


def run(*args) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    return result.exit_code, result.output.splitlines()


def run_in_subprocess(*args) -> tuple[int, list[str]]:
    """The command in a process of its own: if it hangs, the timeout fails the test."""
    code = "import sys; from brochure.cli import main; sys.exit(main(prog_name='brochure'))"
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=30)
    return done.returncode, (done.stdout + done.stderr).splitlines()


def card(edition: Path, name: str = "02-beta.md") -> Path:
    return edition / "data" / "cards" / name


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check_errors(edition: Path) -> tuple[int, list[str]]:
    """`brochure check`: exit status and the error lines (warnings of the fixture left out)."""
    status, lines = run("-C", edition, "check")
    return status, [line for line in lines if ": warning: " not in line]


# --- YAML: aliases, tags, nesting, keys ---------------------------------------------------------

def test_an_alias_bomb_is_refused_at_the_first_alias_without_expanding_it(mini):
    bomb = 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for name, previous in zip("bcdef", "abcde"):
        bomb += f"{name}: &{name} [{','.join(['*' + previous] * 9)}]\n"
    edit(card(mini), "title:", bomb + "title:")
    assert check_errors(mini) == (1, [
        "data/cards/02-beta.md:6: yaml: YAML aliases (*a) are not supported in brochure files: write the value out",
        NOTHING_BUILT])


@pytest.mark.parametrize("value, shown", [
    ("!!python/object/apply:os.system ['echo hacked']", "!!python/object/apply:os.system"),
    ("!!binary aGVsbG8=", "!!binary"),
    ("!!set {a, b}", "!!set"),
    ("!custom x", "!custom"),
])
def test_an_explicit_yaml_tag_is_refused_at_its_line(mini, value, shown):
    edit(card(mini), "title: Deuxième titre de carte", f"title: {value}")
    assert check_errors(mini) == (1, [
        f"data/cards/02-beta.md:5: yaml: YAML tags ({shown}) are not supported in brochure files: remove the tag "
        "(and put the value in quotes if it is text)", NOTHING_BUILT])


def test_nesting_thousands_deep_is_refused_not_a_recursion_crash(mini):
    edit(card(mini), "title: Deuxième titre de carte", "title: " + "[" * 5000 + "]" * 5000)
    assert check_errors(mini) == (1, [
        "data/cards/02-beta.md:5: yaml: lists and groups are nested more than 12 deep: brochure files need far "
        "fewer levels (check the indentation)", NOTHING_BUILT])


def test_a_list_used_as_a_key_is_a_message_not_a_crash(mini):
    edit(card(mini), "title:", "? [a, b]\n: x\ntitle:")
    assert check_errors(mini) == (1, [
        "data/cards/02-beta.md:5: yaml: a key must be a word followed by ':', not a list or a group", NOTHING_BUILT])


# --- YAML values that became surprising types ------------------------------------------------------

def test_number_010_is_ten_not_octal_eight(mini):
    edit(card(mini), "number: 2", "number: 010")
    edition, problems = load_edition(mini)
    assert [p for p in problems if p.severity == ERROR] == []
    assert [c.number for c in edition.cards] == [1, 10, 3]


def test_a_superscript_number_is_an_error_not_a_crash(mini):
    edit(card(mini), "number: 2", 'number: "²"')
    assert check_errors(mini) == (1, [
        "data/cards/02-beta.md:2: number: '²' must be a whole number from 1 to 99, in digits 0 to 9", NOTHING_BUILT])


def test_numbers_dates_and_yes_are_kept_as_written_in_text_fields(mini):
    edit(card(mini), 'value: "1039"', "value: 1.50")
    edit(card(mini), "collectivity: Région Bêta", "collectivity: Yes")
    edit(card(mini), "title: Deuxième titre de carte", "title: 2021-02-01")
    edition, _ = load_edition(mini)
    beta = edition.cards[1]
    assert (beta.key_figures[0].value, beta.collectivity, beta.title) == ("1.50", "Yes", "2021-02-01")


def test_an_impossible_date_gets_the_date_message(mini):
    edit(mini / "brochure.yml", "date: 2031-02-01", "date: 2021-02-30")
    assert check_errors(mini) == (1, [
        "brochure.yml:7: date: '2021-02-30' is not a day of the calendar: check the month and the day (YYYY-MM-DD)",
        NOTHING_BUILT])


@pytest.mark.parametrize("char, name", [
    ("\x0b", "a vertical tab (U+000B), which Word writes for a line break (Shift+Enter)"),
    ("\x00", "a NUL character (U+0000)"),
    ("\x1b", "an invisible control character (U+001B)"),
])
def test_a_control_character_in_front_matter_is_named_at_its_line(mini, char, name):
    edit(card(mini), "Région Bêta", f"Région{char}Bêta")
    assert check_errors(mini) == (1, [
        f"data/cards/02-beta.md:4: text: contains {name}: delete it (with a space instead if two words meet there)",
        NOTHING_BUILT])


def test_an_empty_brochure_yml_lists_the_real_errors(mini):
    (mini / "brochure.yml").write_text("")
    assert check_errors(mini) == (1, [
        "brochure.yml:1: sections: is required but missing",
        "brochure.yml:1: title: is required but missing",
        "2 error(s), 0 warning(s): nothing was built."])


def test_no_sections_is_the_sections_error_and_cards_are_not_blamed(mini):
    (mini / "brochure.yml").write_text("title: T\nsections: []\n")
    assert check_errors(mini) == (1, ["brochure.yml:2: sections: must list at least one entry", NOTHING_BUILT])


def test_a_brochure_yml_that_is_a_list_says_so(mini):
    (mini / "brochure.yml").write_text("- title: T\n")
    assert check_errors(mini) == (1, [
        "brochure.yml:1: (file): must be a list of key: value entries, not a list", NOTHING_BUILT])


# --- Files that are not files, too big, or outside ---------------------------------------------------

def test_a_named_pipe_as_a_card_is_refused_without_waiting(mini):
    os.mkfifo(card(mini, "04-pipe.md"))
    assert run_in_subprocess("-C", mini, "check") == (1, [
        "data/cards/04-pipe.md:1: file: is a named pipe, not a file: only plain text files are read", NOTHING_BUILT])


def test_a_named_pipe_as_the_editorial_is_refused_without_waiting(mini):
    (mini / "data" / "editorial.md").unlink()
    os.mkfifo(mini / "data" / "editorial.md")
    status, lines = run_in_subprocess("-C", mini, "check")
    assert (status, [line for line in lines if ": warning: " not in line]) == (1, [
        "brochure.yml:23: editorial: 'data/editorial.md' is not a file (paths are relative to brochure.yml)",
        NOTHING_BUILT])


def test_a_named_pipe_as_brochure_yml_is_refused_without_waiting(mini):
    (mini / "brochure.yml").unlink()
    os.mkfifo(mini / "brochure.yml")
    assert run_in_subprocess("-C", mini, "check") == (1, [
        "brochure.yml:1: file: is a named pipe, not a file: only plain text files are read", NOTHING_BUILT])


def test_a_card_linked_to_dev_zero_is_refused_without_reading_it(mini):
    card(mini, "04-zero.md").symlink_to("/dev/zero")
    status, lines = run_in_subprocess("-C", mini, "check")
    assert (status, [line for line in lines if ": warning: " not in line]) == (1, [
        "data/cards/04-zero.md:1: file: leads outside the edition folder: only files inside it are read "
        "(copy the file into the edition instead of linking to it)", NOTHING_BUILT])


def test_a_card_linked_to_a_file_outside_the_edition_is_refused(mini, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(card(mini).read_text(encoding="utf-8").replace("number: 2", "number: 4"), encoding="utf-8")
    card(mini, "04-link.md").symlink_to(outside)
    assert check_errors(mini) == (1, [
        "data/cards/04-link.md:1: file: leads outside the edition folder: only files inside it are read "
        "(copy the file into the edition instead of linking to it)", NOTHING_BUILT])


def test_a_card_linked_to_a_file_inside_the_edition_is_read(mini):
    drafts = mini / "drafts"
    drafts.mkdir()
    card(mini).rename(drafts / "02-beta.md")
    card(mini).symlink_to(Path("..", "..", "drafts", "02-beta.md"))
    edition, problems = load_edition(mini)
    assert [p for p in problems if p.severity == ERROR] == [] and len(edition.cards) == 3


def test_a_brochure_yml_linked_outside_the_edition_is_refused(mini, tmp_path):
    outside = tmp_path / "elsewhere.yml"
    (mini / "brochure.yml").rename(outside)
    (mini / "brochure.yml").symlink_to(outside)
    assert check_errors(mini) == (1, [
        "brochure.yml:1: file: leads outside the edition folder: only files inside it are read "
        "(copy the file into the edition instead of linking to it)", NOTHING_BUILT])


def test_a_folder_named_like_a_card_is_named(mini):
    card(mini, "04-folder.md").mkdir()
    assert check_errors(mini) == (1, [
        "data/cards/04-folder.md:1: file: is a folder, not a file: only plain text files are read", NOTHING_BUILT])


def test_a_card_over_the_size_limit_says_its_size_and_the_limit(mini):
    edit(card(mini), "## Contexte", "## Contexte\n\n" + "Un texte très long. " * 75_000)
    assert check_errors(mini) == (1, [
        "data/cards/02-beta.md:1: file: is 1.6 MB, more than brochure reads in one file (1 MB): is it really text? "
        "Split it, or move pictures into image files", NOTHING_BUILT])


# --- The list of cards -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, renamed", [
    ("02-beta.MD", "02-beta.md"), ("02-beta.markdown", "02-beta.md"), ("02-beta.md.txt", "02-beta.md")])
def test_a_card_with_another_suffix_is_an_error_naming_the_rename(mini, name, renamed):
    card(mini).rename(card(mini, name))
    assert check_errors(mini) == (1, [
        f"data/cards/{name}:1: file: is not read: a card's file name ends in '.md' (lower case): rename it {renamed}",
        NOTHING_BUILT])


def test_a_card_in_a_subfolder_is_a_warning_naming_it(mini):
    (mini / "data" / "cards" / "old").mkdir()
    card(mini).rename(mini / "data" / "cards" / "old" / "02-beta.md")
    status, lines = run("-C", mini, "check", "--strict")
    assert status == 1
    assert ("data/cards/old/02-beta.md:1: file: warning: is left out: cards are read only from data/cards/ itself, "
            "not from its subfolders: move it up, or out of the cards folder") in lines


# --- Paths from brochure.yml ------------------------------------------------------------------------

def test_a_nul_in_a_path_from_brochure_yml_is_a_message(mini):
    edit(mini / "brochure.yml", "editorial: data/editorial.md", 'editorial: "data/edi\\0torial.md"')
    assert check_errors(mini) == (1, [
        "brochure.yml:23: editorial: contains a NUL character (U+0000), written as an escape in quotes: remove it",
        NOTHING_BUILT])


def test_a_nul_escape_in_a_card_value_is_named_at_its_line_not_a_crash(mini):
    edit(card(mini), "    email: anne.alpha@administrateur-inet.org\n",
         '    email: anne.alpha@administrateur-inet.org\n    photo: "portrait\\0.jpg"\n')
    assert check_errors(mini) == (1, [
        "data/cards/02-beta.md:9: authors[1].photo: contains a NUL character (U+0000), written as an escape in "
        "quotes: remove it", NOTHING_BUILT])


def test_a_path_too_long_for_the_system_is_a_message(mini):
    edit(mini / "brochure.yml", "editorial: data/editorial.md", "editorial: " + "a" * 5000)
    assert check_errors(mini) == (1, [
        f"brochure.yml:23: editorial: '{'a' * 60}…' cannot be used as a path: File name too long", NOTHING_BUILT])


def test_a_cards_folder_that_is_a_loop_of_links_is_a_message(mini):
    (mini / "loop").symlink_to(mini / "loop")
    (mini / "brochure.yml").write_text((mini / "brochure.yml").read_text(encoding="utf-8") + "cards: loop\n",
                                       encoding="utf-8")
    assert check_errors(mini) == (1, [
        "brochure.yml:29: cards: 'loop' is a symbolic link that leads back to itself: replace it with the file",
        NOTHING_BUILT])


# --- Caps --------------------------------------------------------------------------------------------

def _list(key: str, item: str, count: int) -> str:
    return f"{key}:\n" + "".join(item.format(i=i) for i in range(count))


@pytest.mark.parametrize("key, item, limit, noun", [
    ("authors", "  - name: A{i}\n    email: a{i}@administrateur-inet.org\n", MAX_AUTHORS, "authors"),
    ("key_figures", "  - value: \"{i}\"\n    caption: c\n", MAX_KEY_FIGURES, "key figures"),
    ("testimonials", "  - name: N\n    text: t\n", MAX_TESTIMONIALS, "testimonials"),
    ("further_reading", "  - \"r {i}\"\n", MAX_FURTHER_READING, "readings"),
])
def test_a_list_over_its_cap_names_the_file_line_count_and_limit(mini, key, item, limit, noun):
    one_author = "authors:\n  - name: A\n    email: a@administrateur-inet.org\n"
    lists = _list(key, item, limit + 1) if key == "authors" else one_author + _list(key, item, limit + 1)
    card(mini, "04-many.md").write_text("---\nnumber: 4\nsection: alpha\ncollectivity: C\ntitle: T\n" + lists
                                        + "---\nTexte.\n", encoding="utf-8")
    line = 6 if key == "authors" else 9
    assert check_errors(mini) == (1, [
        f"data/cards/04-many.md:{line}: {key}: lists {limit + 1} {noun}, more than brochure lays out ({limit}): "
        f"keep at most {limit}", NOTHING_BUILT])


def test_a_promotion_over_its_cap_names_the_line_count_and_limit(mini):
    members = "".join(f"      - NOM{i} Prénom\n" for i in range(MAX_MEMBERS + 1))
    edit(mini / "brochure.yml", "    members: [ZOLA Émile, DURAND Marie, ÉMERY Paul]\n", "    members:\n" + members)
    assert check_errors(mini) == (1, [
        f"brochure.yml:28: promotions[1].members: lists {MAX_MEMBERS + 1} members, more than brochure lays out "
        f"({MAX_MEMBERS}): keep at most {MAX_MEMBERS}", NOTHING_BUILT])


# --- Commands on bad PDFs ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bad_pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    good = pikepdf.new()
    good.add_blank_page(page_size=(595, 842))
    good.save(folder / "good.pdf")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "notes.pdf").write_text("not a PDF at all")
    (folder / "cut.pdf").write_bytes((folder / "good.pdf").read_bytes()[:40])
    good.save(folder / "locked.pdf", encryption=pikepdf.Encryption(user="secret", owner="owner"))
    (folder / "folder.pdf").mkdir()
    return {path.name: path for path in folder.iterdir()} | {"missing.pdf": folder / "missing.pdf"}


@pytest.mark.parametrize("name, message", [
    ("empty.pdf", "is empty (0 bytes): build it again"),
    ("notes.pdf", "is not a PDF file (it does not start with %PDF-)"),
    ("locked.pdf", "is protected by a password: brochure reads only PDFs that open without one"),
    ("folder.pdf", "is a folder, not a PDF file"),
    ("missing.pdf", "does not exist: run `brochure build` first, or check the name"),
])
def test_check_pdf_on_a_bad_pdf_is_one_line_naming_it(mini, bad_pdfs, name, message):
    assert run("-C", mini, "check", "--pdf", bad_pdfs[name]) == (1, [f"{bad_pdfs[name]}: {message}"])


@pytest.mark.parametrize("name, message", [
    ("empty.pdf", "is empty (0 bytes): build it again"),
    ("notes.pdf", "is not a PDF file (it does not start with %PDF-)"),
    ("locked.pdf", "is protected by a password: brochure reads only PDFs that open without one"),
    ("missing.pdf", "does not exist: run `brochure build` first, or check the name"),
])
def test_proof_on_a_bad_pdf_is_one_line_naming_it(mini, bad_pdfs, name, message):
    assert run("-C", mini, "proof", bad_pdfs[name]) == (1, [f"{bad_pdfs[name]}: {message}"])


def test_a_truncated_pdf_is_damaged(mini, bad_pdfs):
    status, lines = run("-C", mini, "proof", bad_pdfs["cut.pdf"])
    assert status == 1 and len(lines) == 1
    assert lines[0].startswith(f"{bad_pdfs['cut.pdf']}: is damaged and cannot be read as a PDF (")


@pytest.mark.parametrize("option, value, allowed", [
    ("--dpi", "0", "1<=x<=1200"), ("--dpi", "-5", "1<=x<=1200"), ("--dpi", "5000", "1<=x<=1200"),
    ("--sheet-dpi", "0", "1<=x<=150"), ("--spreads", "0", "1<=x<=50"),
])
def test_proof_options_out_of_range_are_usage_errors(mini, bad_pdfs, option, value, allowed):
    status, lines = run("-C", mini, "proof", option, value, bad_pdfs["good.pdf"])
    assert status == 2
    assert lines[-1] == f"Error: Invalid value for '{option}': {value} is not in the range {allowed}."


# --- A time limit on each unit's layout -------------------------------------------------------------

def test_a_unit_over_its_layout_time_is_named_and_the_timer_is_put_back(mini):
    from brochure.book.units import card_unit
    from brochure.pdf.render import Renderer, render_book
    from brochure.themes.theme import load_theme
    edition, _ = load_edition(mini)
    renderer = Renderer(edition.config, load_theme("default", edition.config.root), layout_seconds=0.001)
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(BrochureError) as raised:
        render_book([card_unit(edition, edition.cards[2], renderer.theme)], renderer)
    assert str(raised.value) == ("card 03: layout took more than 0.001 s: it is far too costly to lay out (a very "
                                 "long word or table, hundreds of items?): simplify it, or preview it alone to "
                                 "find what")
    assert signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_time_limit_interrupts_work_that_catches_every_exception():
    def stubborn():
        while True:
            try:
                sum(range(10_000))
            except Exception:     # as WeasyPrint does in places: the limit must still stop it
                pass
    with pytest.raises(BrochureError, match="^spin took more than 0.05 s: stop$"):
        with time_limit(0.05, "spin", "stop"):
            stubborn()


def test_outside_the_main_thread_a_unit_over_its_limit_still_fails_afterwards():
    failures = []

    def work():
        try:
            with time_limit(0.01, "slow", "advice"):
                threading.Event().wait(0.05)
        except BrochureError as error:
            failures.append(str(error))
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert failures == ["slow took more than 0.01 s: advice"]
