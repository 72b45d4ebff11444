"""A reading of the edition, kept by its caller -> the next reading parses and checks only the files that changed.

`load_edition(root, memo=...)` asks the memo for each card, the editorial and
the back page. The memo gives back the record (Card or Page) and the problems
of an earlier reading when nothing they came from changed:

- the file's bytes: read again every time (it is one small file), compared by SHA-256;
- brochure.yml as checked (the `Config`, compared as a value);
- the bundled fonts (the same `Characters`, which `printable` keeps by the fonts' bytes);
- every other file its check looked at (portraits, figures): its real path and the SHA-256 of its bytes,
  hashed again only when the file's size, times, inode or device changed.

Anything else (a file that cannot be read now, a new file) is read and checked as without a memo. The caller
owns the memo (a `Builder` keeps one): nothing is kept between callers, and what a reading no longer met is
forgotten at its end, so the memo stays the size of the edition.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..problems import Problem
from ..text.fonts import Characters, bundled_font_folders, printable
from .models import Config
from .sources import read_file

Reader = Callable[[bytes | None], tuple[object, list[Problem], tuple[Path, ...]]]


@dataclass(frozen=True)
class _Reading:
    """What one file gave, and everything it came from."""

    config: Config
    digest: str                                # SHA-256 of the file's bytes
    fonts: Characters
    files: tuple[tuple[Path, tuple], ...]      # every other file the check looked at, and its state then
    record: object                             # the Card or Page (None when its front-matter could not be read)
    problems: tuple[Problem, ...]


class FileDigests:
    """Path -> SHA-256 of its bytes ("missing", "not a file"), hashed again only when its status changed."""

    def __init__(self):
        self._known: dict[Path, tuple[tuple, str]] = {}
        self._used: set[Path] = set()

    def of(self, path: Path) -> str:
        self._used.add(path)
        try:
            status = os.stat(path)
        except (OSError, ValueError):
            return "missing"
        if not stat.S_ISREG(status.st_mode):
            return "not a file"
        signature = (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino, status.st_dev)
        known = self._known.get(path)
        if known is None or known[0] != signature:
            try:
                known = (signature, hashlib.sha256(Path(path).read_bytes()).hexdigest())
            except OSError:
                return "unreadable"
            self._known[path] = known
        return known[1]

    def forget_unused(self) -> None:
        """Drop the files not asked about since the last call."""
        self._known = {path: known for path, known in self._known.items() if path in self._used}
        self._used = set()


class EditionMemo:
    """The cards and pages of the last reading of one edition, with what each came from."""

    def __init__(self):
        self._digests = FileDigests()
        self._readings: dict[tuple[str, Path], _Reading] = {}
        self._met: set[tuple[str, Path]] = set()
        self.parsed = 0        # files read and checked anew, since the memo was made
        self.reused = 0        # files whose earlier reading was given back

    def fonts(self, config: Config) -> Characters:
        """The characters the edition's fonts draw, the fonts' digests kept here."""
        return printable(bundled_font_folders(config.root), self._digests.of)

    def read(self, kind: str, path: Path, config: Config, fonts: Characters, reader: Reader) -> tuple[object, list]:
        """The record and problems of `path`: remembered, or `reader(raw bytes)` when anything they came from changed."""
        raw, _ = read_file(path, inside=config.root)
        if raw is None:   # cannot be read now: the reader says why, as without a memo
            record, problems, _ = reader(None)
            return record, problems
        self._met.add((kind, path))
        digest = hashlib.sha256(raw).hexdigest()
        known = self._readings.get((kind, path))
        if (known is not None and known.digest == digest and known.fonts is fonts and known.config == config
                and all(self._state(file, config.root) == state for file, state in known.files)):
            self.reused += 1
            return known.record, list(known.problems)
        self.parsed += 1
        record, problems, files = reader(raw)
        states = tuple((file, self._state(file, config.root)) for file in dict.fromkeys(files))
        self._readings[(kind, path)] = _Reading(config, digest, fonts, states, record, tuple(problems))
        return record, problems

    def finish(self) -> None:
        """The end of a whole reading: forget the files it did not meet (removed, renamed, left out)."""
        self._readings = {key: reading for key, reading in self._readings.items() if key in self._met}
        self._met = set()
        self._digests.forget_unused()

    def _state(self, path: Path, root: Path) -> tuple:
        """Where a file the check looked at leads, and (inside the edition) the digest of its bytes."""
        try:
            real = path.resolve()
        except (OSError, ValueError, RuntimeError):   # a loop of links, an impossible name
            return ("unresolvable",)
        if not real.is_relative_to(root):
            return (str(real),)   # refused without being read
        return (str(real), self._digests.of(real))
