"""A card read and checked -> warnings that help an editor: pictures too small for print, near-miss headings.

Nothing here stops a build: each is content to complete (ask for a larger
photo) or a likely typo (`## Contxte` is not taken for the Contexte part).
"""
from __future__ import annotations

from pathlib import Path

from ..problems import WARNING, Problem
from ..text.markup import FIGURE_OPTIONS, figure_options
from ..text.parts import heading_hint
from .config import page_mm
from .models import Card, Config
from .sharpness import placed_width_mm, portrait_problem, resolution_problem
from .sources import Source

MAX_HEADING = 200      # characters: a longer `##` line is no heading an editor mistyped


def card_advice(card: Card, source: Source, config: Config) -> list[Problem]:
    """Portraits and figures that would print blurred, `##` headings close to a part's name."""
    problems = []
    for index, author in enumerate(card.authors):
        if author.photo is not None and (message := portrait_problem(author.photo)) is not None:
            problems.append(Problem(card.path, source.line("authors", index, "photo"),
                                    f"authors[{index + 1}].photo", message, WARNING))
    lines = card.body.split("\n")
    for offset, line in enumerate(lines):
        heading = line[3:].strip().rstrip("#").strip() if line.startswith("## ") and len(line) < MAX_HEADING else ""
        if heading and (part := heading_hint(heading)) is not None:
            problems.append(Problem(card.path, card.body_line + offset, "body", f"heading « {heading} » is not "
                                    f"read as the part « {part} »: did you mean '## {part}'?", WARNING))
    side_column = bool(card.key_figures or card.further_reading)
    page_width = (page_mm(config.page_size) or (210, 297))[0]   # a size check refused is said there
    for image in card.parsed_body.images if card.parsed_body is not None else ():
        path = Path(image.path) if image.path else None
        if path is None or image.inline or not path.is_file() or not path.resolve().is_relative_to(config.root):
            continue   # a missing or refused image is said by the checks of the image itself
        placed = placed_width_mm(page_width, _width(lines, image, card.body_line), side_column)
        if (message := resolution_problem(path, placed)) is not None:
            problems.append(Problem(card.path, image.line, "body", f"figure '{image.source}' {message}", WARNING))
    return problems


def _width(lines: list[str], image, first_line: int) -> str:
    """The figure's `width` option, read right after its image on its line (full when none)."""
    line = lines[image.line - first_line] if 0 <= image.line - first_line < len(lines) else ""
    end = line.find(f"]({image.source})")
    if end < 0:
        return "full"
    return figure_options(FIGURE_OPTIONS.match(line[end + len(image.source) + 3:]).group(0))[0].get("width", "full")
