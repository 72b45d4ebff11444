"""Cold, warm and one-edit builds, in one process or on every core, against plain WeasyPrint: times, peak memory, sizes.

    .venv/bin/python benchmarks/build_parallel.py [EDITION] [--repeat 3] [--times 4]

Makes a copy of the edition and a copy with its cards repeated `--times`
times (new numbers), then, interleaved, `--repeat` times on each:

- cold --jobs 1: `brochure build --jobs 1 --no-cache` (no cache, no lengths from a past build);
- cold, all cores: `brochure clean`, then `brochure build`;
- plain WeasyPrint: every unit's body in one HTML document, the same stylesheets, one render and one write;
- warm: `brochure build` again, nothing changed (the book record says it is up to date);
- warm, no book record: the same with build/.cache/books/ removed (every unit from the unit cache, assembled);
- one-card edit: a sentence added to one card, then `brochure build` (the card grows: every unit after it moves);
- one-sentence edit: a sentence of one card rewritten (its words in another order), then `brochure build`;
- one-word edit: a word of one card changed, its length kept, then `brochure build`.

Each runs in its own process; peak RSS is the largest of that process and
its workers (getrusage of the children). Prints medians, ratios, file sizes.
Timings are never asserted anywhere.
"""
from __future__ import annotations

import argparse
import compileall
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BROCHURE = [sys.executable, "-m", "brochure.cli"]
EDIT_MARK = "\n\nUne phrase ajoutée pour mesurer une reconstruction.\n"


def measured(command: list[str]) -> tuple[float, float, float]:
    """Run `command` in a child; its wall time, the CPU time of it and its workers, their peak RSS (MB).

    CPU time is what the machine spent, whatever else runs on it: on a shared machine it is the steadier figure.
    """
    probe = ("import resource, subprocess, sys, time, json; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(json.dumps([time.perf_counter() - t, r.returncode, u.ru_utime + u.ru_stime, u.ru_maxrss]))")
    seconds, code, cpu, rss_kb = json.loads(subprocess.run([sys.executable, "-c", probe, *command], check=True,
                                                           capture_output=True, text=True).stdout)
    if code:
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds, cpu, rss_kb / 1024


def copy_edition(source: Path, target: Path, times: int) -> Path:
    """The edition (brochure.yml, data/, its own assets) with its cards `times` times, numbered anew."""
    target.mkdir(parents=True)
    shutil.copy2(source / "brochure.yml", target / "brochure.yml")
    shutil.copytree(source / "data", target / "data", ignore=shutil.ignore_patterns("cards"))
    cards = sorted((source / "data" / "cards").glob("*.md"))
    (target / "data" / "cards").mkdir()
    number = 0
    for round_ in range(times):
        for card in cards:
            number += 1
            text = re.sub(r"^number: *\d+", f"number: {number}", card.read_text(encoding="utf-8"), count=1,
                          flags=re.MULTILINE)
            slug = card.stem.split("-", 1)[1]
            (target / "data" / "cards" / f"{number:02d}-{slug}{'-' + str(round_) if round_ else ''}.md").write_text(
                text, encoding="utf-8")
    return target


def plain_weasyprint(root: Path) -> None:
    """Every unit's body as one HTML document, laid out and written once by WeasyPrint (no brochure assembly)."""
    from brochure.book.builder import Builder, Options
    builder = Builder(root, Options())
    units = builder._prepare()[3]
    renderer = builder.renderer          # made in this process (a builder of one job)
    head = re.search(r"^.*?<body[^>]*>", units[0].html, re.S).group(0)
    bodies = [re.search(r"<body[^>]*>(.*)</body>", unit.html, re.S).group(1) for unit in units]
    html = head + "".join(f'<div style="break-before: page">{body}</div>' for body in bodies) + "</body></html>"
    document = renderer._layout(html, "")
    data = document.write_pdf(**renderer.variant.options())
    (root / "build").mkdir(exist_ok=True)
    (root / "build" / "plain.pdf").write_bytes(data)
    print(len(document.pages))


def rewritten(text: str) -> str:
    """The card with the first sentence of its Contexte in another order (the same words, the same length)."""
    head, body = text.split("## Contexte\n", 1)
    paragraph = body.lstrip("\n")
    sentence = re.match(r".+?[.!?](?=\s+[A-ZÀ-Ý])", paragraph).group(0)
    words = sentence[:-1].split()
    words = words[len(words) // 2:] + words[:len(words) // 2]
    return head + "## Contexte\n" + body[:len(body) - len(paragraph)] + " ".join(words) + sentence[-1] \
        + paragraph[len(sentence):]


def one_round(edition: Path, card: Path) -> dict[str, tuple[float, float]]:
    run = {}
    run["cold --jobs 1"] = measured([*BROCHURE, "-C", str(edition), "-q", "build", "--jobs", "1", "--no-cache"])
    subprocess.run([*BROCHURE, "-C", str(edition), "-q", "clean"], check=True, capture_output=True)
    run["cold, all cores"] = measured([*BROCHURE, "-C", str(edition), "-q", "build"])
    run["plain WeasyPrint"] = measured([sys.executable, __file__, "--plain", str(edition)])
    run["warm, nothing changed"] = measured([*BROCHURE, "-C", str(edition), "-q", "build"])   # up to date
    shutil.rmtree(edition / "build" / ".cache" / "books", ignore_errors=True)
    run["warm, no book record"] = measured([*BROCHURE, "-C", str(edition), "-q", "build"])   # every unit cached
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("## Contexte\n", "## Contexte\n" + EDIT_MARK, 1), encoding="utf-8")
    try:
        run["one-card edit"] = measured([*BROCHURE, "-C", str(edition), "-q", "build"])
    finally:
        card.write_text(text, encoding="utf-8")
    subprocess.run([*BROCHURE, "-C", str(edition), "-q", "build"], check=True, capture_output=True)
    card.write_text(rewritten(text), encoding="utf-8")
    try:
        run["one-sentence edit"] = measured([*BROCHURE, "-C", str(edition), "-q", "build"])
    finally:
        card.write_text(text, encoding="utf-8")
    subprocess.run([*BROCHURE, "-C", str(edition), "-q", "build"], check=True, capture_output=True)
    card.write_text(text.replace(" la ", " sa ", 1), encoding="utf-8")
    try:
        run["one-word edit"] = measured([*BROCHURE, "-C", str(edition), "-q", "build"])
    finally:
        card.write_text(text, encoding="utf-8")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", nargs="?", default=".", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--times", type=int, default=4)
    parser.add_argument("--plain", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:
        return plain_weasyprint(args.plain)
    # brochure's bytecode compiled, as in an installed wheel (here PYTHONDONTWRITEBYTECODE may be set)
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "brochure"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="brochure-bench-") as folder:
        editions = {"1x": copy_edition(args.edition.resolve(), Path(folder) / "x1", 1),
                    f"{args.times}x": copy_edition(args.edition.resolve(), Path(folder) / f"x{args.times}", args.times)}
        runs: dict[str, list[dict]] = {name: [] for name in editions}
        for number in range(args.repeat):
            for name, edition in editions.items():
                card = sorted((edition / "data" / "cards").glob("*.md"))[2]
                runs[name].append(one_round(edition, card))
                print(f"round {number + 1}, {name}: " + ", ".join(f"{k} {s:.1f} s ({c:.1f} s CPU) / {m:.0f} MB"
                                                               for k, (s, c, m) in runs[name][-1].items()), flush=True)
        report(editions, runs)


def report(editions: dict[str, Path], runs: dict[str, list[dict]]) -> None:
    medians = {name: {k: tuple(statistics.median(r[k][i] for r in rs) for i in range(3)) for k in rs[0]}
               for name, rs in runs.items()}
    print(f"\nmedians over {len(next(iter(runs.values())))} round(s), {shutil.os.cpu_count()} core(s): "
          "wall time, CPU time (all processes), peak RSS of any one process")
    for name, m in medians.items():
        print(name)
        for key, (wall, cpu, rss) in m.items():
            print(f"  {key:24}{wall:8.1f} s {cpu:8.1f} s CPU {rss:6.0f} MB")
    for name, m in medians.items():
        cold, cold_cpu = m["cold, all cores"][0], m["cold --jobs 1"][1]
        print(f"{name}: cold all cores / plain WeasyPrint {cold / m['plain WeasyPrint'][0]:.2f} (wall); "
              f"warm / cold {m['warm, nothing changed'][0] / cold:.2f} (wall), "
              f"{m['warm, nothing changed'][1] / cold_cpu:.2f} (CPU, against --jobs 1); warm without its record / "
              f"cold {m['warm, no book record'][0] / cold:.2f} (wall); "
              f"one-card edit / cold {m['one-card edit'][0] / cold:.2f} (wall), "
              f"{m['one-card edit'][1] / cold_cpu:.2f} (CPU); one-sentence edit / cold "
              f"{m['one-sentence edit'][0] / cold:.2f} (wall), {m['one-sentence edit'][1] / cold_cpu:.2f} (CPU); one-word edit / cold {m['one-word edit'][0] / cold:.2f} "
              f"(wall), {m['one-word edit'][1] / cold_cpu:.2f} (CPU); cold --jobs 1 / all cores "
              f"{m['cold --jobs 1'][0] / cold:.2f}")
    names = list(medians)
    if len(names) == 2:
        small, big = medians[names[0]], medians[names[1]]
        print(f"{names[1]} / {names[0]}: cold time {big['cold, all cores'][0] / small['cold, all cores'][0]:.2f} "
              f"(wall), {big['cold --jobs 1'][1] / small['cold --jobs 1'][1]:.2f} (CPU, --jobs 1); peak RSS "
              f"{big['cold, all cores'][2] / small['cold, all cores'][2]:.2f} (all cores), "
              f"{big['cold --jobs 1'][2] / small['cold --jobs 1'][2]:.2f} (--jobs 1)")
    for name, edition in editions.items():
        built = sorted((edition / "build").glob("*.pdf"))
        print(f"{name} files: " + ", ".join(f"{path.name} {path.stat().st_size / 1e6:.2f} MB" for path in built))


if __name__ == "__main__":
    main()
