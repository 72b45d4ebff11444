"""A unit's cache key -> its PDF and facts from an earlier build, kept in build/.cache/ across runs.

An entry is trusted only if it is whole and ours: a format line, a header
naming its key, the SHA-256 of its PDF bytes, and the digest of every file
the unit read, each checked against the file as it is now. Anything else
(truncated, edited, from another version, a file since changed) is ignored
and replaced. The folder is kept under a size limit by dropping the entries
used least recently. The unit lengths of the last build are kept beside the
entries, to place units on their likely first page before they are laid out.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable

from ..problems import Finding, Problem
from .workers import UnitPdf

log = logging.getLogger(__name__)
FORMAT = b"brochure unit cache 3\n"
LIMIT_BYTES = 200 * 1024 * 1024          # beyond this, the least recently used entries go

Digest = Callable[[Path], str]           # a file -> the digest of its bytes now


class UnitCache:
    """Unit PDFs on disk under their key; `get` checks before it trusts."""

    def __init__(self, folder: Path, limit: int = LIMIT_BYTES):
        self.folder = folder
        self.limit = limit

    def get(self, key: str, digest: Digest) -> UnitPdf | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        found = _decode(data, key, digest)
        if found is None:
            log.info("cache entry %s is damaged or stale: ignored", key)
            path.unlink(missing_ok=True)
            return None
        os.utime(path)                  # used now: the last to go
        return found

    def put(self, key: str, unit: UnitPdf, digest: Digest) -> None:
        header = {"key": key, "pages": unit.pages, "bookmark_levels": list(unit.bookmark_levels),
                  "reads": [[str(path), digest(path)] for path in unit.reads],
                  "sha256": hashlib.sha256(unit.pdf).hexdigest(),
                  "problems": [[str(p.path), p.line, p.field, p.message, p.severity] for p in unit.problems],
                  "findings": [[f.page, f.card, f.message, f.content] for f in unit.findings]}
        head = json.dumps(header, sort_keys=True).encode()
        _write(self._path(key), FORMAT + len(head).to_bytes(8, "big") + head + unit.pdf)

    def lengths(self, variant: str) -> dict[str, int]:
        """Unit name -> its page count in the last build of this variant."""
        try:
            found = json.loads((self.folder / f"lengths-{variant}.json").read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): v for k, v in found.items() if isinstance(v, int) and v > 0} if isinstance(found, dict) else {}

    def remember_lengths(self, variant: str, lengths: dict[str, int]) -> None:
        _write(self.folder / f"lengths-{variant}.json", json.dumps(lengths, sort_keys=True).encode())

    def trim(self) -> int:
        """Drop the least recently used entries beyond the size limit; how many went."""
        entries = []
        for path in self.folder.glob("units/*/*.unit"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, path))
        total, dropped = sum(size for _, size, _ in entries), 0
        for _, size, path in sorted(entries):
            if total <= self.limit:
                break
            path.unlink(missing_ok=True)
            total, dropped = total - size, dropped + 1
        return dropped

    def _path(self, key: str) -> Path:
        return self.folder / "units" / key[:2] / f"{key}.unit"


def _decode(data: bytes, key: str, digest: Digest) -> UnitPdf | None:
    if not data.startswith(FORMAT):
        return None
    rest = data[len(FORMAT):]
    size = int.from_bytes(rest[:8], "big")
    try:
        header = json.loads(rest[8:8 + size])
        pdf = rest[8 + size:]
        if (header["key"] != key or hashlib.sha256(pdf).hexdigest() != header["sha256"]
                or any(digest(Path(path)) != known for path, known in header["reads"])):
            return None
        problems = tuple(Problem(Path(path), int(line), str(field), str(message), str(severity))
                         for path, line, field, message, severity in header["problems"])
        return UnitPdf(pdf, int(header["pages"]), tuple(int(level) for level in header["bookmark_levels"]),
                       tuple(Path(path) for path, _ in header["reads"]), problems=problems,
                       findings=tuple(Finding(int(page), str(card), str(message), bool(content))
                                      for page, card, message, content in header["findings"]))
    except (ValueError, KeyError, TypeError):
        return None


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all (a build stopped halfway leaves no half entry)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
