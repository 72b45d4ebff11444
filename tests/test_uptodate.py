"""`brochure build` with nothing changed: up to date, nothing written, the same warnings; any change, a real build."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result as Ran
from PIL import Image

import brochure.pdf.assemble as assemble_module
from brochure.build import build
from brochure.cli import main
from brochure.pdf.record import BookRecord, BuildOptions, edition_inputs, record_key
from brochure.problems import ContentError
from conftest import EDITIONS

DEFAULT = BuildOptions(None, None, False, False, False, False, None)
CARD = "data/cards/01-alpha.md"


@dataclass(frozen=True)
class Built:
    root: Path
    first: Ran                   # what `brochure build` said the first time
    sources: dict[str, bytes]    # every file of the edition as built
    kept: dict[str, bytes]       # the PDF, pages.json and the record as that build left them

    @property
    def pdf(self) -> Path:
        return self.root / "build/mini.pdf"


def files(root: Path, under: str = "") -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted((root / under).rglob("*")) if path.is_file() and not path.is_symlink()}


def cli(root: Path, *args: str) -> Ran:
    return CliRunner().invoke(main, ["-C", str(root), "build", "-j", "2", *args])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """The mini edition with a picture in card 01 and a (flat, hence warned about) stylesheet override, built once."""
    root = tmp_path_factory.mktemp("uptodate") / "mini"
    shutil.copytree(EDITIONS / "mini", root, ignore=shutil.ignore_patterns("build"))
    Image.new("RGB", (60, 40), "red").save(root / "data/cards/picture.png")
    card = root / CARD
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("## Contexte\n", "## Contexte\n\n![Une image](picture.png)\n", 1), encoding="utf-8")
    (root / "styles").mkdir()
    shutil.copy(EDITIONS.parent.parent / "styles/default/variables.css", root / "styles/variables.css")
    first = cli(root)
    assert first.exit_code == 0, first.output
    sources = {name: data for name, data in files(root).items() if not name.startswith("build/")}
    kept = {name: data for name, data in files(root, "build").items() if not name.startswith("build/.cache/units/")}
    return Built(root, first, sources, kept)


@pytest.fixture
def edition(built: Built) -> Built:
    """The built edition put back as its first build left it (sources, PDF, record): up to date, without a build."""
    for path in sorted(built.root.rglob("*"), reverse=True):
        name = path.relative_to(built.root).as_posix()
        if (path.is_symlink() or not path.is_dir()) and name not in built.sources and not name.startswith("build/"):
            path.unlink()
    for name, data in {**built.sources, **built.kept}.items():
        path = built.root / name
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return built


def test_a_second_build_is_up_to_date_writes_nothing_and_says_the_same(edition):
    pdf, pages, record = (os.stat(path) for path in (edition.pdf, edition.root / "build/pages.json",
                                                     _record_path(edition.root)))
    again = cli(edition.root)
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith("mini.pdf is up to date: 22 page(s), nothing changed\n")
    assert edition.first.stdout.startswith("built ") and again.stdout.count("\n") == 1
    assert "styles/variables.css:1: override: warning:" in edition.first.stderr
    assert again.stderr == edition.first.stderr       # the theme's warning, the count of content warnings
    for path, before in ((edition.pdf, pdf), (edition.root / "build/pages.json", pages),
                         (_record_path(edition.root), record)):
        assert (os.stat(path).st_ino, os.stat(path).st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    result = build(edition.root)
    assert result.up_to_date and result.laid_out == 0 and result.pages == 22
    kept = json.loads(_record_path(edition.root).read_bytes())["problems"]    # as data, relative to the edition
    assert ["styles/variables.css", 1, "override"] in [problem[:3] for problem in kept]
    assert len(kept) == len(result.warnings) > 1


def test_an_up_to_date_build_imports_no_renderer(edition):
    probe = ("import sys; from pathlib import Path; from brochure.build import build; "
             f"result = build(Path({str(edition.root)!r})); "
             "print(result.up_to_date, sorted(m for m in ('weasyprint', 'pikepdf', 'PIL', 'fontTools', 'pypdfium2')"
             " if m in sys.modules))")
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert ran.stdout == "True []\n", ran.stderr


def _edit_card(root: Path) -> None:
    card = root / "data/cards/02-beta.md"
    card.write_text(card.read_text(encoding="utf-8").replace("Paragraphe 1", "Paragraphe un", 1), encoding="utf-8")


def _alter_pdf(root: Path) -> None:
    data = bytearray((root / "build/mini.pdf").read_bytes())
    data[-100] ^= 1                                   # same size, still a PDF to the eye
    (root / "build/mini.pdf").write_bytes(bytes(data))


EDITS = {
    "a card": _edit_card,
    "an image": lambda root: Image.new("RGB", (60, 40), "blue").save(root / "data/cards/picture.png"),
    "brochure.yml": lambda root: (root / "brochure.yml").write_text(
        (root / "brochure.yml").read_text(encoding="utf-8") + "# un commentaire\n", encoding="utf-8"),
    "a stylesheet": lambda root: (root / "styles/variables.css").write_text(
        (root / "styles/variables.css").read_text(encoding="utf-8") + "/* un commentaire */\n", encoding="utf-8"),
    "a new file": lambda root: (root / "data/notes.txt").write_text("à relire", encoding="utf-8"),
    "the PDF deleted": lambda root: (root / "build/mini.pdf").unlink(),
    "the PDF altered": _alter_pdf,
}


@pytest.mark.parametrize("edit", EDITS)
def test_any_change_gives_a_real_build_then_it_is_up_to_date_again(edition, edit):
    before = os.stat(edition.pdf).st_ino
    EDITS[edit](edition.root)
    result = build(edition.root, jobs=2)
    assert not result.up_to_date
    assert os.stat(edition.pdf).st_ino != before      # written anew
    assert build(edition.root, jobs=2).up_to_date     # the record was replaced


def test_every_option_but_jobs_has_a_record_of_its_own(edition):
    root = edition.root.resolve()
    keys = {record_key(root, options) for options in (
        DEFAULT, replace(DEFAULT, theme="sober"), replace(DEFAULT, variant="print"), replace(DEFAULT, accessible=True),
        replace(DEFAULT, archival=True), replace(DEFAULT, draft=True), replace(DEFAULT, strict=True),
        replace(DEFAULT, output=root / "build/other.pdf"))}
    assert len(keys) == 8
    other = build(edition.root, output=edition.root / "build/other.pdf", jobs=2)
    assert not other.up_to_date
    assert build(edition.root, output=edition.root / "build/other.pdf").up_to_date
    assert build(edition.root).up_to_date            # the default book's record is untouched


def test_the_print_variant_says_its_preflight_again(edition):
    first = cli(edition.root, "--variant", "print")
    assert first.exit_code == 0, first.output
    again = cli(edition.root, "--variant", "print")
    assert again.exit_code == 0, again.output
    findings = first.stdout.splitlines()[1:]
    assert findings and all("mini-print.pdf" in line for line in findings)
    assert again.stdout.splitlines()[1:] == findings and again.stderr == first.stderr
    assert again.stdout.splitlines()[0].endswith("mini-print.pdf is up to date: 22 page(s), nothing changed")
    assert build(edition.root).up_to_date


def test_a_draft_says_its_errors_again(edition):
    card = edition.root / "data/cards/03-gamma.md"
    card.write_text(card.read_text(encoding="utf-8").replace("number: 3", "number: trois"), encoding="utf-8")
    first = cli(edition.root, "--draft")
    assert first.exit_code == 0, first.output
    again = cli(edition.root, "--draft")
    assert "03-gamma.md:2: number:" in first.stderr and again.stderr == first.stderr
    assert first.stdout.startswith("built ") and "is up to date" in again.stdout


@pytest.mark.parametrize("damage", ["garbage", "foreign", "truncated"])
def test_a_corrupt_or_foreign_record_is_ignored_and_replaced(edition, damage):
    path = _record_path(edition.root)
    data = json.loads(path.read_bytes())
    if damage == "garbage":
        path.write_bytes(b"\x00" * 200)
    elif damage == "foreign":
        path.write_text(json.dumps({**data, "key": "0" * 32}))
    else:
        path.write_bytes(path.read_bytes()[:-50])
    assert not build(edition.root, jobs=2).up_to_date
    assert json.loads(path.read_bytes())["key"] == path.stem
    assert build(edition.root).up_to_date


def test_no_cache_never_uses_nor_fills_the_record(edition):
    record = os.stat(_record_path(edition.root))
    ran = cli(edition.root, "--no-cache")
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.startswith("built ") and "up to date" not in ran.stdout
    assert os.stat(_record_path(edition.root)).st_mtime_ns == record.st_mtime_ns


def test_a_failed_build_leaves_no_record_of_the_new_sources(edition, monkeypatch):
    path = _record_path(edition.root)
    kept = path.read_bytes()
    card = edition.root / CARD
    card.write_text(card.read_text(encoding="utf-8").replace("number: 1", "number: un"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ContentError):
            build(edition.root)
    _edit_card(edition.root)
    card.write_text(card.read_text(encoding="utf-8").replace("number: un", "number: 1"), encoding="utf-8")

    def broken(*args):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(assemble_module, "assemble_pdf", broken)
    with pytest.raises(RuntimeError):
        build(edition.root, jobs=2)
    monkeypatch.undo()
    assert path.read_bytes() == kept
    assert not build(edition.root, jobs=2).up_to_date


def test_a_strict_build_with_warnings_fails_every_time(edition):
    for _ in range(2):
        with pytest.raises(ContentError, match="nothing was built"):
            build(edition.root, strict=True)
    assert BookRecord.of(edition.root / "build/.cache", edition.root, replace(DEFAULT, strict=True)).found() is None


def test_a_link_is_recorded_by_its_text_never_followed(edition, tmp_path):
    root = edition.root.resolve()
    link = root / "data/cards/same.png"
    link.symlink_to("picture.png")
    assert edition_inputs(root)[str(link)] == "link:picture.png"
    link.unlink()
    link.symlink_to("../cards/picture.png")
    assert edition_inputs(root)[str(link)] == "link:../cards/picture.png"
    os.mkfifo(root / "data/pipe")                   # never opened: reading it would block
    assert edition_inputs(root)[str(root / "data/pipe")] == "not a file"


@pytest.mark.parametrize("target", ["outside", ".hidden/picture.png", "build/mini.pdf"])
def test_a_link_out_of_the_inputs_means_no_record(edition, tmp_path, target):
    root = edition.root.resolve()
    (tmp_path / "outside").write_text("ailleurs")
    (root / ".hidden").mkdir(exist_ok=True)
    (root / ".hidden/picture.png").write_bytes(b"")
    (root / "data/elsewhere").symlink_to(tmp_path / "outside" if target == "outside" else root / target)
    assert edition_inputs(root) is None
    assert BookRecord.of(root / "build/.cache", root, DEFAULT) is None


def _record_path(root: Path) -> Path:
    """The record of the default build."""
    return root / "build/.cache/books" / f"{record_key(root.resolve(), DEFAULT)}.json"
