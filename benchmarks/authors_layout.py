"""Time the layout of one card as its number of authors grows, and print the figures (never asserted).

    .venv/bin/python benchmarks/authors_layout.py [EDITION] [--counts 2 12 50 100]

The card is laid out twice for each count: with the theme's CSS, and with
the authors' block as plain blocks instead of a CSS grid. WeasyPrint 70
sizes a grid's tracks from every item again on each page the grid goes on
(layout/grid.py), so a grid that spans pages costs n x pages: the figures
show it. brochure caps authors per card (limits.MAX_AUTHORS) below a page.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import weasyprint

from brochure.book.units import card_unit
from brochure.build import check
from brochure.edition.models import Author
from brochure.pdf.render import Renderer, render_book
from brochure.themes.theme import load_theme

NO_GRID = ".author-grid { display: block; } .author-grid > li { margin-bottom: 7mm; }"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("edition", nargs="?", default="tests/editions/mini", type=Path)
    parser.add_argument("--counts", nargs="+", type=int, default=[2, 12, 50, 100])
    arguments = parser.parse_args()
    edition, _ = check(arguments.edition)
    print("authors  pages (grid)  seconds (grid)  pages (blocks)  seconds (blocks)")
    for count in arguments.counts:
        authors = tuple(Author(f"Author {i}", f"a{i}@administrateur-inet.org", "administrateur", None)
                        for i in range(count))
        card = dataclasses.replace(edition.cards[0], authors=authors)
        row = [f"{count:7d}"]
        for extra in ("", NO_GRID):
            renderer = Renderer(edition.config, load_theme(edition.config.theme, edition.config.root),
                                layout_seconds=None)
            if extra:
                renderer.stylesheets.append(weasyprint.CSS(string=extra, font_config=renderer.fonts))
            began = time.perf_counter()
            book = render_book([card_unit(edition, card, renderer.theme)], renderer)
            row += [f"{len(book.document.pages):12d}", f"{time.perf_counter() - began:14.2f}"]
        print("  ".join(row))


if __name__ == "__main__":
    main()
