"""Time `brochure preview` of each card of an edition, in one process, and print the figures.

    .venv/bin/python benchmarks/preview_time.py [EDITION]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from brochure.build import check, preview


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    edition, _ = check(root)
    figures = []
    for card in edition.cards:
        began = time.perf_counter()
        result = preview(root, card.id)
        figures.append(time.perf_counter() - began)
        print(f"card {card.id}: {result.pages} pages in {figures[-1]:.2f} s")
    print(f"preview: median {sorted(figures)[len(figures) // 2]:.2f} s, max {max(figures):.2f} s "
          "(in one process; a fresh `brochure preview` adds ~0.5 s of imports)")


if __name__ == "__main__":
    main()
