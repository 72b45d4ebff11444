"""How fast `brochure serve` shows a change, measured against a cold build in the same run (figures only).

    .venv/bin/python benchmarks/serve_latency.py [EDITION] [--edits 5]

On a copy of the edition (the sample by default) it prints: the cold build
(the CLI, a whole process), the server's first build, then for each of N
edits of one sentence in one card the time from the file write to the new
generation in /api/state, and to the changed page images being served; a
save with nothing changed; one CSS edit. Ratios are to the cold build.
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BROCHURE = str(Path(sys.executable).with_name("brochure"))


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def state(base: str) -> dict:
    return json.loads(get(base + "/api/state"))


def wait_generation(base: str, above: int, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            current = state(base)
            if current["generation"] > above and not current["building"]:
                return current
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"no new generation after {timeout} s")


def copy_edition(source: Path, target: Path) -> Path:
    shutil.copy(source / "brochure.yml", target / "brochure.yml")
    shutil.copytree(source / "data", target / "data")
    (target / "styles").mkdir()
    shutil.copy(REPO / "styles/default/variables.css", target / "styles/variables.css")
    return target


def timed_change(base: str, path: Path, old: str, new: str) -> tuple[float, float, dict]:
    """Seconds from the write to the new generation, and to its changed page images served."""
    before = state(base)["generation"]
    text = path.read_text(encoding="utf-8")
    began = time.perf_counter()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    current = wait_generation(base, before)
    generation = time.perf_counter() - began
    for number in current["changed_pages"]:
        get(f"{base}/pages/{number}.png")
    return generation, time.perf_counter() - began, current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", nargs="?", default=REPO, type=Path)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        edition = copy_edition(args.edition.resolve(), Path(folder))
        began = time.perf_counter()
        subprocess.run([BROCHURE, "-C", str(edition), "build", "-o", str(Path(folder) / "cold.pdf")], check=True,
                       capture_output=True)
        cold = time.perf_counter() - began
        print(f"cold build (CLI, whole process):     {cold:6.2f} s")

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        began = time.perf_counter()
        server = subprocess.Popen([BROCHURE, "-C", str(edition), "serve", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first = wait_generation(base, 0)
            print(f"server's first build:                {time.perf_counter() - began:6.2f} s "
                  f"({first['pages']} pages, {first['laid_out']} units)")
            card = sorted((edition / "data/cards").glob("*.md"))[len(list((edition / "data/cards").glob("*.md"))) // 2]
            to_generation, to_images = [], []
            for edit in range(args.edits):
                seconds, shown, current = timed_change(base, card, "## Contexte\n",
                                                       f"## Contexte\n\nPhrase de mesure numéro {edit}.\n")
                to_generation.append(seconds)
                to_images.append(shown)
                print(f"  edit {edit + 1} of {card.name}: generation {seconds:5.2f} s, pages shown {shown:5.2f} s "
                      f"({current['laid_out']} unit(s) laid out, pages {current['changed_pages'][:1]}…)")
            median = statistics.median(to_generation)
            print(f"one-card edit -> new generation:     {median:6.2f} s median ({median / cold:.3f} × cold build)")
            median_shown = statistics.median(to_images)
            print(f"one-card edit -> changed pages served:{median_shown:5.2f} s median ({median_shown / cold:.3f} × cold)")
            seconds, _, current = timed_change(base, card, "\n", "\n")
            print(f"save with nothing changed:           {seconds:6.2f} s, {current['laid_out']} unit(s) laid out")
            seconds, shown, current = timed_change(base, edition / "styles/variables.css", "--ink: #1d1d1b;",
                                                   "--ink: #202a44;")
            print(f"CSS variable edit -> new generation: {seconds:6.2f} s ({seconds / cold:.2f} × cold build, "
                  f"{current['laid_out']} units, {len(current['changed_pages'])} pages changed)")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
