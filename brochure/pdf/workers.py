"""Units to lay out at first pages -> worker processes that lay them out and write them (the main process's side).

`Writers` keeps one worker process per job (processes.py), each with its own
tasks, so that a unit laid out ahead and held is placed by the worker that
holds it. The first worker is forked early, by `fork_workers`, as soon as
`brochure build` knows it has work to do: it imports WeasyPrint and the layout
code while the main process reads the cards and makes their HTML, then makes
its renderer (its first task). The others are copies of the first, cloned
once it has its renderer (`Writers.start`, when there is more than one unit
to lay out): they import nothing and parse no stylesheet again. The main
process itself never imports WeasyPrint. What a worker runs is named here
and found in unit_writer.py by the worker, so that this module (imported
before the fork), the assembler and the cache stay light.
"""
from __future__ import annotations

import ctypes.util
import functools
import logging
import sys
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from ..problems import BrochureError, Finding, Problem
from .processes import Process, fork

if TYPE_CHECKING:
    from ..book.unit import Unit
    from .render import Renderer
    from .spec import RendererSpec, StyleFacts

log = logging.getLogger(__name__)
ANCHOR_SCHEME = "brochure-anchor:"


@dataclass(frozen=True)
class UnitPdf:
    """One unit written alone, as the assembler takes it."""

    pdf: bytes
    pages: int
    bookmark_levels: tuple[int, ...]      # the level of each bookmark, in the order of the unit's outline
    reads: tuple[Path, ...]               # every file the layout (and the writing) fetched
    logged: tuple[tuple[str, int, str], ...] = ()   # (logger, level, message) of WeasyPrint's warnings
    problems: tuple[Problem, ...] = ()    # CSS found wrong while laying it out (var()), at their file and line
    findings: tuple[Finding, ...] = ()    # what a careful reader of its proofs would circle (findings.py)


@dataclass(frozen=True)
class Done:
    """What a worker finished: a unit laid out and held (`pdf` None), or written (`pdf`)."""

    key: str                      # the key it was asked under (its first page when laid out)
    unit: Unit
    start: int                    # the first page it was laid out from, or written from
    pages: int
    pdf: UnitPdf | None = None
    moves: tuple[bool, bool] = (True, True)   # held: may it be moved by an even, an odd number of pages
    laid_out: bool = True         # False: written from a held layout without laying it out again


class _Task(NamedTuple):
    """What a worker was asked: write, hold, place or drop a unit."""

    kind: str
    key: str
    unit: Unit | None
    start: int
    worker: int

    @property
    def lays_out(self) -> bool:
        return self.kind in ("write", "hold")


class Writers:
    """Lays out and writes units in `jobs` worker processes (or here, one at a time, when `jobs` is 1 and not
    `in_workers`).

    `start(count)` starts the first `count` workers now (the first forked, the others cloned from it; those
    not started start when a task needs them);
    `facts` asks the first worker what its stylesheets gave. `write` lays a unit out from a first page
    and writes it; `hold` lays it out and keeps it in its worker, for `place` to write it later from its
    true first page (moved there, not laid out again, when relocate.py allows) or `drop` to forget it;
    `withdraw` takes back a `write` not yet started; `done` waits for at least one task and gives every
    one finished (calling `while_waiting` first, once: this process is idle then).
    """

    def __init__(self, spec: RendererSpec, jobs: int, in_workers: bool = False,
                 forked: list[Process] | None = None):
        """`forked`: workers started by `fork_workers`, taken as the first ones (and closed with these)."""
        self.spec = spec
        self.jobs = jobs
        self._in_workers = jobs > 1 or in_workers
        self._pools: list[Process | None] = [None] * jobs if self._in_workers else []
        self._forked = list(forked or [])
        self._local: Renderer | None = None
        self._tasks: dict[Future, _Task] = {}
        self._facts: Future | None = None                             # asked of the first worker
        self._waiting: dict[str, tuple[Unit, int]] = {}             # in this process: asked, not yet written
        self._holder: dict[str, int] = {}                             # held key -> the worker holding it
        self.while_waiting: Callable[[], object] | None = None       # done once, when first waiting for workers
        if not self._in_workers:        # laying out here: workers forked for it are not needed
            self.close()

    def start(self, count: int) -> None:
        """Start the first `count` workers now (the first makes its renderer, the others are copies of it)."""
        for index in range(min(count, len(self._pools))):
            self._pool(index)

    def ask_facts(self) -> None:
        """Ask the first worker now what its stylesheets gave, for `facts` to have it when it is needed."""
        if self._in_workers and self._facts is None:
            self._facts = self._pool(0).submit("facts")

    @property
    def facts_known(self) -> bool:
        """Whether the first worker has answered `ask_facts` (then `facts` does not wait)."""
        return self._facts is not None and self._facts.done()

    def facts(self) -> StyleFacts:
        """What the renderer's stylesheets gave (their problems, the files they read); made by the first worker."""
        if not self._in_workers:
            return self.renderer().facts()
        self.ask_facts()
        try:
            return self._facts.result()
        except BrokenProcessPool:
            self.close()
            raise BrochureError("a layout process stopped while reading the stylesheets (out of memory, or killed): "
                                "run the command again, with --jobs 1 to lay out in one process") from None

    def renderer(self) -> Renderer:
        """The renderer of this process (a build in one process, or a tagged book), made on first use."""
        if self._local is None:
            from .render import Renderer
            spec = self.spec
            self._local = Renderer(spec.config, spec.theme, spec.variant, spec.layout_seconds)
        return self._local

    def write(self, key: str, unit: Unit, start: int) -> None:
        if not self._in_workers:
            self._waiting.setdefault(key, (unit, start))
        elif key not in self.asked:
            self._submit(_Task("write", key, unit, start, self._idlest()), "write", unit, start)

    def hold(self, key: str, unit: Unit, start: int) -> None:
        if key not in self.asked:
            task = _Task("hold", key, unit, start, self._idlest())
            self._holder[key] = task.worker
            self._submit(task, "hold", key, unit, start)

    def place(self, key: str, unit: Unit, start: int) -> None:
        self._submit(_Task("place", key, unit, start, self._holder.pop(key)), "place", key, start)

    def drop(self, key: str) -> None:
        self._submit(_Task("drop", key, None, 0, self._holder.pop(key)), "drop", key)

    def withdraw(self, key: str) -> None:
        if self._waiting.pop(key, None) is not None:
            return
        for future, task in list(self._tasks.items()):
            if task.key == key and task.kind == "write" and future.cancel():   # a unit laid out ahead is kept
                del self._tasks[future]

    @property
    def holds(self) -> bool:
        """Whether units may be laid out ahead and held (in worker processes only)."""
        return self._in_workers

    @property
    def asked(self) -> set[str]:
        """The keys of the units being laid out (written or held), not those being placed."""
        return set(self._waiting) | {task.key for task in self._tasks.values() if task.lays_out}

    @property
    def running_layouts(self) -> int:
        """How many layouts (writes or holds) are asked and not finished yet (finished ones not yet collected by
        `done` do not count)."""
        return len(self._waiting) + sum(task.lays_out and not future.done() for future, task in self._tasks.items())

    @property
    def laying(self) -> int:
        """How many units are being laid out (written or held) now or soon."""
        return len(self._waiting) + sum(task.lays_out for task in self._tasks.values())

    def done(self) -> list[Done]:
        if not self._in_workers:
            from .unit_writer import write_unit
            key, (unit, start) = next(iter(self._waiting.items()))
            del self._waiting[key]
            written = write_unit(self.renderer(), unit, start)         # its warnings were logged here
            return [Done(key, unit, start, written.pages, written)]
        if self.while_waiting is not None:
            self.while_waiting, then = None, self.while_waiting
            then()
        wait(list(self._tasks), return_when=FIRST_COMPLETED)
        finished = [(future, self._tasks.pop(future)) for future in list(self._tasks) if future.done()]
        try:
            return [made for future, task in finished if (made := _done(task, future.result())) is not None]
        except BrokenProcessPool:
            self.close()
            names = ", ".join(sorted({task.unit.name for _, task in finished if task.unit is not None}))
            raise BrochureError(f"a layout process stopped while laying out {names or 'a unit'} (out of memory, "
                                "or killed): run the command again, with --jobs 1 to lay out in one process") from None

    def _pool(self, index: int) -> Process:
        """Worker `index`, started now if it is not running yet. The first is forked from this process (or
        taken from those `fork_workers` forked), its first task makes its renderer; the others are copies of
        the first, cloned once it has its renderer: they import nothing and parse no stylesheet again."""
        if self._pools[index] is None:
            if index == 0:
                pool = self._forked.pop(0) if self._forked else fork_workers(1)[0]
                pool.submit("start", self.spec)       # before any other task of this worker
            else:
                pool = self._pool(0).clone()
            self._pools[index] = pool
        return self._pools[index]

    def _idlest(self) -> int:
        """The worker with the fewest layouts to do, then the fewest tasks (placing a held unit is short), a
        running one before one not started."""
        layouts, tasks = [0] * len(self._pools), [0] * len(self._pools)
        for task in self._tasks.values():
            layouts[task.worker] += task.lays_out
            tasks[task.worker] += 1
        return min(range(len(tasks)), key=lambda index: (layouts[index], tasks[index], self._pools[index] is None))

    def _submit(self, task: _Task, name: str, *args) -> None:
        self._tasks[self._pool(task.worker).submit(name, *args)] = task

    def close(self) -> None:
        """Stop the workers; one still running a task (a unit laid out ahead, then not needed) is killed, not
        waited for."""
        for pool in (*reversed(self._pools), *self._forked):    # the clones before the worker they came from
            if pool is not None and pool.busy:
                pool.kill()
            elif pool is not None:
                pool.shutdown(cancel_futures=True)
        self._pools, self._forked = [None] * len(self._pools), []
        self._facts = None
        self._tasks.clear()
        self._waiting.clear()
        self._holder.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fork_workers(count: int) -> list[Process]:
    """`count` worker processes forked now: they import WeasyPrint and the layout code while this process goes
    on; a `Writers` takes them and tells them which renderer to make."""
    return [fork(_import_worker, _in_worker, description="a layout process") for _ in range(count)]


def _import_worker() -> None:
    """The initializer of a worker process: the layout code imported (unit_writer.py, WeasyPrint)."""
    logging.getLogger("weasyprint").propagate = False   # its warnings go back with the result
    with _libraries_from_ldconfig():
        from . import unit_writer  # noqa: F401


@contextmanager
def _libraries_from_ldconfig():
    """While WeasyPrint loads Pango, HarfBuzz, fontconfig...: a library name is looked up in ldconfig's cache only.

    WeasyPrint tries several names for each library (those of Windows first), and for each name it does not
    find, Python's `ctypes.util.find_library` asks ldconfig, then compiles a test program with gcc, then runs
    ld: a third of a worker's start, on the path of every edit. The same libraries are loaded: the first name
    ldconfig knows, else WeasyPrint's last, a file name (libpango-1.0.so.0) that the dynamic loader finds
    itself, LD_LIBRARY_PATH included. In the worker's process only, and put back once WeasyPrint is imported.
    """
    find_library = ctypes.util.find_library
    if sys.platform.startswith("linux") and hasattr(ctypes.util, "_findSoname_ldconfig"):
        ctypes.util.find_library = functools.cache(ctypes.util._findSoname_ldconfig)
    try:
        yield
    finally:
        ctypes.util.find_library = find_library


def _in_worker(name: str, *args):
    """Run unit_writer's `name` in the worker."""
    from . import unit_writer
    return getattr(unit_writer, name)(*args)


def _done(task: _Task, result) -> Done | None:
    kind, key, unit, start, _ = task
    if kind == "drop":
        return None
    if kind == "hold":
        pages, even, odd = result
        return Done(key, unit, start, pages, None, (even, odd))
    written, laid_out = (result, True) if kind == "write" else result
    return Done(key, unit, start, written.pages, _relogged(written), laid_out=laid_out)


def _relogged(written: UnitPdf) -> UnitPdf:
    for name, level, message in written.logged:
        logging.getLogger(name).log(level, "%s", message)
    return written
