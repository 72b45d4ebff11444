"""docs/themes.md, as a designer reads it: the walk-through's steps run as written, the blocks listed are the blocks."""
from __future__ import annotations

import os
import re
from pathlib import Path

import jinja2
import pypdfium2
import pytest
from click.testing import CliRunner
from jinja2 import nodes

from brochure.cli import main
from conftest import REPO, Pdf

GUIDE = REPO / "docs" / "themes.md"
FENCE = re.compile(r"^```(\w+)(?: (\S+))?\n(.*?)^```$", re.M | re.S)


def section(title: str) -> str:
    text = GUIDE.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def steps() -> list[tuple[str, str | None, str]]:
    """(language, file or None, text) of every code block of the walk-through, in order."""
    return [match.groups() for match in FENCE.finditer(section("Walk-through"))]


def run_step(edition: Path, language: str, target: str | None, text: str) -> list[str]:
    """A file block writes (brochure.yml: appends) its file; a console block runs its commands. The commands run."""
    if language == "console":
        commands = [line[2:].split() for line in text.splitlines() if line.startswith("$ ")]
        for command in commands:
            assert command[0] == "brochure"
            result = CliRunner().invoke(main, command[1:])     # in the edition folder, as the guide says
            assert result.exit_code == 0, f"{' '.join(command)}:\n{result.output}"
            assert "warning: " not in "\n".join(l for l in result.output.splitlines() if ": css:" in l or ": override:" in l)
        return [" ".join(command) for command in commands]
    assert target is not None, f"a {language} block of the walk-through names no file"
    path = edition / target
    path.parent.mkdir(parents=True, exist_ok=True)
    if target == "brochure.yml":
        path.write_text(path.read_text() + text)
    else:
        path.write_text(text)
    return []


def colour_at(pdf: Path, page: int, x: float, y: float) -> tuple[int, int, int]:
    """The colour a reader sees at (x, y), in fractions of the page's width and height."""
    image = pypdfium2.PdfDocument(str(pdf))[page - 1].render(scale=0.3).to_pil().convert("RGB")
    return image.getpixel((int(image.width * x), int(image.height * y)))


def near(colour, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


@pytest.fixture(scope="module")
def walked(tmp_path_factory) -> tuple[Path, list[str]]:
    import shutil
    from conftest import EDITIONS
    edition = tmp_path_factory.mktemp("walk") / "mini"
    shutil.copytree(EDITIONS / "mini", edition)
    before = os.getcwd()
    os.chdir(edition)
    try:
        commands = [command for step in steps() for command in run_step(edition, *step)]
    finally:
        os.chdir(before)
    return edition, commands


def test_the_walk_through_runs_every_command_it_shows(walked):
    _, commands = walked
    assert commands == ["brochure check", "brochure build", "brochure build", "brochure check --theme night",
                        "brochure build --theme night -o build/night.pdf"]


def test_after_the_walk_through_the_default_book_has_the_new_colour_and_the_moved_block(walked):
    edition, _ = walked
    pdf = Pdf(edition / "build" / "mini.pdf")
    page = pdf.card_page("Premier titre de carte")
    assert re.search(r"Ville d.Alphaville\s*01\s*Premier titre", pdf.pages[page - 1], re.I)   # collectivity first
    assert near(colour_at(pdf.path, page, 0.5, 0.01), (0x1f, 0x4e, 0x79))                     # --section-alpha
    other = pdf.card_page("Deuxième titre de carte")
    assert near(colour_at(pdf.path, other, 0.5, 0.01), (0x16, 0xa0, 0x85))                    # beta unchanged


def test_the_theme_extending_sober_has_its_paper_and_not_the_override_of_default(walked):
    edition, _ = walked
    pdf = Pdf(edition / "build" / "night.pdf")
    page = pdf.card_page("Premier titre de carte")
    assert re.search(r"01\s*Ville d.Alphaville", pdf.pages[page - 1], re.I)                   # number first, as sober
    assert near(colour_at(pdf.path, page, 0.02, 0.98), (0xfd, 0xf6, 0xe3))                    # night.css's paper
    assert any("Noto-Serif" in font for font in pdf.fonts())                                    # sober's type


def test_the_blocks_listed_in_the_guide_are_the_blocks_of_the_templates():
    rows = re.findall(r"^\| `([\w/.-]+\.html)` \| (.*) \|$", section("Blocks"), re.M)
    listed = {template: re.findall(r"`(\w+)`", blocks) for template, blocks in rows}
    env = jinja2.Environment()
    found = {path.relative_to(REPO / "templates").as_posix():
             [block.name for block in env.parse(path.read_text()).find_all(nodes.Block)]
             for path in sorted((REPO / "templates").glob("*/*.html"))}     # the book's; web/ is in docs/web.md
    assert listed == found
