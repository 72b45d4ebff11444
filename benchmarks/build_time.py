"""Time the stages of a build of an edition and print the figures (never asserted anywhere).

    .venv/bin/python benchmarks/build_time.py [EDITION] [--repeat 3] [--theme NAME]

Prints, for each run: checking the content, making the units' HTML, laying
out every unit (the slowest five listed), writing the PDF; then the median.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from brochure.build import check
from brochure.book.units import blank_unit, book_units, sommaire_unit
from brochure.pdf.render import Renderer, pdf_bytes, render_book
from brochure.themes.theme import load_theme


def one_run(root: Path, theme_name: str | None) -> dict:
    times = {}
    began = time.perf_counter()
    edition, _ = check(root)
    times["check"] = time.perf_counter() - began

    began = time.perf_counter()
    renderer = Renderer(edition.config, load_theme(theme_name or edition.config.theme, edition.config.root))
    units = book_units(edition, renderer.theme)
    times["html"] = time.perf_counter() - began

    began = time.perf_counter()
    book = render_book(units, renderer, lambda pages: sommaire_unit(edition, renderer.theme, pages),
                       blank=blank_unit(edition, renderer.theme))
    times["layout"] = time.perf_counter() - began

    began = time.perf_counter()
    data = pdf_bytes(book, renderer)
    times["write"] = time.perf_counter() - began
    with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
        out.write(data)
    times["pages"] = len(book.document.pages)
    times["bytes"] = len(data)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", nargs="?", default=".", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--theme", default=None)
    args = parser.parse_args()
    runs = []
    for number in range(1, args.repeat + 1):
        run = one_run(args.edition, args.theme)
        runs.append(run)
        print(f"run {number}: " + ", ".join(f"{k} {v:.2f} s" for k, v in run.items() if k not in ("pages", "bytes"))
              + f"; {run['pages']} pages, {run['bytes'] / 1e6:.1f} MB")
    total = [sum(v for k, v in run.items() if k not in ("pages", "bytes")) for run in runs]
    print(f"median total {statistics.median(total):.2f} s over {len(runs)} runs "
          f"({statistics.median(total) / runs[0]['pages'] * 1000:.0f} ms a page)")


if __name__ == "__main__":
    main()
