"""`brochure build` with nothing changed, against a warm build (every unit cached) and a cold one: whole commands.

    .venv/bin/python benchmarks/up_to_date.py [EDITION] [--repeat 5] [--before OTHER_PYTHON]

Copies the edition (brochure.yml, data/), then, interleaved, `--repeat` times:

- cold: `brochure clean`, then `brochure build`;
- warm, no record: the book's record removed (build/.cache/books/), every unit in the cache: what a build
  with nothing changed cost before the record;
- up to date: `brochure build` again, nothing changed;
- with `--before PYTHON`: `PYTHON -m brochure.cli build` with nothing changed, on its own copy (another
  checkout's environment, e.g. the main branch's, to compare with the code before the record).

Each is a whole command in its own process (Python's start and the imports included). Prints medians of wall
time and CPU time (the command and its workers). Timings are never asserted anywhere.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = ("import resource, subprocess, sys, time, json; t = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True); "
         "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(json.dumps([time.perf_counter() - t, r.returncode, u.ru_utime + u.ru_stime, r.stdout]))")


def measured(command: list[str]) -> tuple[float, float, str]:
    """Run `command` in a child, away from any checkout (`-m` would import brochure from the current folder);
    its wall time, its CPU time (with its workers) and the last line it printed."""
    seconds, code, cpu, out = json.loads(subprocess.run([sys.executable, "-c", PROBE, *command], check=True,
                                                        capture_output=True, text=True,
                                                        cwd=tempfile.gettempdir()).stdout)
    if code:
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds, cpu, out.strip().splitlines()[-1]


def copy_edition(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy2(source / "brochure.yml", target / "brochure.yml")
    shutil.copytree(source / "data", target / "data")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", nargs="?", default=".", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", help="another Python with brochure installed (the code to compare with)")
    args = parser.parse_args()
    brochure = [sys.executable, "-m", "brochure.cli"]
    runs: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="brochure-uptodate-") as folder:
        edition = copy_edition(args.edition.resolve(), Path(folder) / "now")
        old = copy_edition(args.edition.resolve(), Path(folder) / "before") if args.before else None
        if old is not None:
            measured([args.before, "-B", "-m", "brochure.cli", "-C", str(old), "-q", "build"])
        for number in range(args.repeat):
            subprocess.run([*brochure, "-C", str(edition), "-q", "clean"], check=True, capture_output=True)
            run = {"cold": measured([*brochure, "-C", str(edition), "-q", "build"])}
            shutil.rmtree(edition / "build/.cache/books")
            run["warm, no record"] = measured([*brochure, "-C", str(edition), "-q", "build"])
            run["up to date"] = measured([*brochure, "-C", str(edition), "-q", "build"])
            if old is not None:
                before = [args.before, "-B", "-m", "brochure.cli", "-C", str(old), "-q", "build"]   # -B: no .pyc
                run["before: nothing changed"] = measured(before)
            assert "up to date" in run["up to date"][2], run["up to date"][2]
            print(f"round {number + 1}: " + ", ".join(f"{k} {s:.2f} s ({c:.2f} s CPU)" for k, (s, c, _) in run.items()),
                  flush=True)
            for key, (seconds, cpu, _) in run.items():
                runs.setdefault(key, []).append((seconds, cpu))
    medians = {key: (statistics.median(s for s, _ in values), statistics.median(c for _, c in values))
               for key, values in runs.items()}
    print(f"\nmedians over {args.repeat} round(s), {os.cpu_count()} core(s): wall time, CPU time")
    for key, (wall, cpu) in medians.items():
        print(f"  {key:26}{wall:7.2f} s {cpu:7.2f} s CPU   {wall / medians['cold'][0]:.3f}× cold (wall)")


if __name__ == "__main__":
    main()
