"""A successful build -> a record of what it read and wrote; the same build again, nothing changed -> that record.

Like make's "is up to date": a record in build/.cache/books/<key>.json lets
`brochure build` answer without laying anything out. Its key hashes the
build's options (not --jobs: the output is the same), the edition folder,
brochure's code and the installed packages. It holds the SHA-256 of every
input, the digest and size of every file written, and what the build printed
(problems, layout and preflight findings), to print it again the same way.

Inputs are counted generously: every file under the edition folder except
build/, __pycache__/ and hidden files and folders, and every file of the
shipped templates, styles and assets. A symbolic link is recorded by the text
it holds, never followed; a link leading out of those folders (or into what
is left out) makes the edition unrecordable: it is always built. A record is
trusted only whole: its format and key, the same inputs (none more, none
less, each with the same digest) and every output there with its bytes.
Anything else is no record. Light on purpose: no renderer is imported.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..edition.config import CONFIG_NAME
from ..output import write_atomically
from ..problems import BrochureError, Finding, Problem
from ..resources import SHIPPED, shipped
from ..versions import code_digest, packages_digest

log = logging.getLogger(__name__)
FORMAT = "brochure book record 1"
FOLDER = "books"                    # under build/.cache/
LEFT_OUT = ("__pycache__",)         # folders never read by a build, at any depth (and build/ at the top)
MAX_RECORDS = 50                    # beyond this, the oldest records go
MAX_RECORD_BYTES = 20_000_000       # a larger file is not ours

Inputs = dict[str, str]             # absolute path -> "sha256:...", "link:<its text>" or what else it is


@dataclass(frozen=True)
class BuildOptions:
    """What a build was asked for that changes what it writes (not --jobs: the output is the same)."""

    theme: str | None
    variant: str | None
    accessible: bool
    archival: bool
    draft: bool
    strict: bool
    output: Path | None


@dataclass(frozen=True)
class Written:
    """A file a build wrote: where (resolved), the SHA-256 of its bytes, their number."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class Record:
    """What a successful build wrote and printed."""

    outputs: tuple[Written, ...]
    pages: int
    theme: str
    variant: str
    first_pages: dict
    problems: tuple[Problem, ...]                 # the warnings, and a draft's errors
    layout: tuple[Finding, ...]                   # the layout findings
    findings: tuple[Finding, ...] | None = None   # the preflight's, for a print build


@dataclass(frozen=True)
class Edited:
    """Since the last build with the same options: the files changed or added, and where that build's units
    started (unit name -> first page). A hint of what to lay out first, never trusted for the book itself."""

    files: tuple[Path, ...]
    first_pages: dict[str, int]


class BookRecord:
    """The record of a build with given options in one edition: found only if checked, kept after a success."""

    def __init__(self, path: Path, root: Path, inputs: Inputs):
        self.path = path            # build/.cache/books/<key>.json
        self.root = root
        self.inputs = inputs        # as they are now, before the build reads them
        self.edited: Edited | None = None   # set by `found` when the record is whole but its inputs changed

    @classmethod
    def of(cls, cache: Path, root: Path, options: BuildOptions) -> BookRecord | None:
        """The record for these options, with the inputs as they are now; None if the edition cannot have one."""
        root = root.resolve()
        if not (root / CONFIG_NAME).is_file():
            return None                     # not an edition: nothing to hash, the build says what is wrong
        try:
            inputs = edition_inputs(root, options.output)
            key = record_key(root, options)
        except (OSError, ValueError, RuntimeError):
            return None
        return None if inputs is None else cls(cache / FOLDER / f"{key}.json", root, inputs)

    def found(self) -> Record | None:
        """What the last build with these options did, if made from exactly these inputs and its files are as
        it wrote them; else None."""
        try:
            if self.path.stat().st_size > MAX_RECORD_BYTES:
                raise ValueError("too large")
            data = json.loads(self.path.read_bytes())
            if data["format"] != FORMAT or data["key"] != self.path.stem:
                raise ValueError("foreign")
            record = _record(data, self.root)
        except FileNotFoundError:
            log.info("not up to date: no earlier build with these options (and this version of brochure)")
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            log.info("the record %s is damaged or foreign: ignored", self.path.name)
            return None
        if data["inputs"] != self.inputs:
            log.info("not up to date: %s", _first_change(data["inputs"], self.inputs))
            self.edited = Edited(tuple(Path(path) for path, digest in self.inputs.items()
                                       if data["inputs"].get(path) != digest), record.first_pages)
            return None
        if not all(_digest(str(out.path), out.size) == out.sha256 for out in record.outputs):
            log.info("not up to date: the PDF is missing or was changed since the last build")
            return None
        return record

    def keep(self, record: Record) -> None:
        """Keep what a successful build did, made from the inputs as they were before it read them.

        A failure only costs the next build its shortcut."""
        data = {"format": FORMAT, "key": self.path.stem, "inputs": self.inputs,
                "outputs": [[str(out.path), out.sha256, out.size] for out in record.outputs],
                "pages": record.pages, "theme": record.theme, "variant": record.variant,
                "first_pages": record.first_pages,
                "problems": [[_relative(p.path, self.root), p.line, p.field, p.message, p.severity]
                             for p in record.problems],
                "layout": [[f.page, f.card, f.message, f.content] for f in record.layout],
                "findings": None if record.findings is None
                else [[f.page, f.card, f.message, f.content] for f in record.findings]}
        try:
            write_atomically(self.path, json.dumps(data, sort_keys=True).encode())
        except (BrochureError, TypeError, ValueError) as error:
            log.warning("%s: %s (the next build lays out the book again)", self.path.name, error)
            return
        _trim(self.path.parent)


def _first_change(before: dict, now: Inputs) -> str:
    """Which input differs (for -v): added, removed or changed."""
    for path in sorted(set(before) | set(now)):
        if before.get(path) != now.get(path):
            how = "added" if path not in before else "removed" if path not in now else "changed"
            return f"{path} {how} since the last build"
    return "the inputs changed"


def _trim(folder: Path) -> None:
    """The oldest records beyond MAX_RECORDS go."""
    try:
        records = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
    except OSError:
        return
    for path in records[:-MAX_RECORDS]:
        path.unlink(missing_ok=True)


def record_key(root: Path, options: BuildOptions) -> str:
    """Everything besides the inputs that makes a build's output: its options, the folder, the code, the packages."""
    output = os.path.realpath(options.output) if options.output is not None else None
    made_by = [FORMAT, str(root), options.theme, options.variant, options.accessible, options.archival,
               options.draft, options.strict, output, code_digest(), packages_digest()]
    return hashlib.sha256(json.dumps(made_by).encode()).hexdigest()[:32]


def written(path: Path, data: bytes) -> Written:
    """A file just written with `data`, as a record keeps it."""
    return Written(path.resolve(), "sha256:" + hashlib.sha256(data).hexdigest(), len(data))


@dataclass(frozen=True)
class Places:
    """Where inputs may be: the edition folder (less what is left out) and the shipped folders."""

    root: Path
    shipped: tuple[Path, ...]

    def in_edition(self, path: Path) -> bool:
        """Inside the edition folder and not in a part left out (build/, __pycache__, hidden)."""
        return _kept(path, self.root, is_root=True)

    def followed(self, link: str) -> bool:
        """Whether what a link leads to is itself an input (or nothing at all)."""
        try:
            target = Path(link).resolve()
        except (OSError, RuntimeError):
            return True                     # a loop of links: nothing can be read through it
        return self.in_edition(target) or any(_kept(target, folder, is_root=False) for folder in self.shipped)


def _kept(path: Path, top: Path, is_root: bool) -> bool:
    """Whether `path` is under `top` and not in a part the walk leaves out."""
    if not path.is_relative_to(top):
        return False
    parts = path.relative_to(top).parts
    left_out = is_root and parts[:1] == ("build",)
    return not (left_out or any(part.startswith(".") or part in LEFT_OUT for part in parts))


def edition_inputs(root: Path, output: Path | None = None) -> Inputs | None:
    """Every input a build of the (resolved) edition folder may read, with its digest; None if a link leads where
    the record cannot follow. `output` (a file the build writes inside the edition, with -o) is not an input."""
    folders = [shipped(name) for name in SHIPPED]
    places = Places(root, tuple(folders))
    found: Inputs = {}
    for folder in [root, *(f for f in folders if not places.in_edition(f))]:
        if not _walk(folder, folder == root, places, found):
            return None
    if output is not None:
        found.pop(os.path.realpath(output), None)
    return found


def _walk(top: Path, is_root: bool, places: Places, found: Inputs) -> bool:
    """Every entry under `top` -> `found`; False if a link leads out of the places inputs are kept."""
    pending = [(str(top), is_root)]
    while pending:
        folder, at_root = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            found[folder] = f"unreadable folder: {error.strerror}"
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name in LEFT_OUT or (at_root and entry.name == "build"):
                continue
            if entry.is_symlink():
                if not places.followed(entry.path):
                    log.info("%s leads out of the edition: no record of this build", entry.path)
                    return False
                found[entry.path] = f"link:{os.readlink(entry.path)}"
            elif entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, False))
            else:
                found[entry.path] = _digest(entry.path)
    return True


def _digest(path: str, size: int | None = None) -> str:
    """A regular file -> "sha256:<its digest>" (never following a link, never opening a pipe); else what it is."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                             | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        return f"unreadable: {error.strerror}"
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            return "not a file"
        if size is not None and status.st_size != size:
            return "another size"
        return "sha256:" + hashlib.file_digest(file, "sha256").hexdigest()


def _record(data: dict, root: Path) -> Record:
    """A record's JSON -> the Record; ValueError, KeyError or TypeError if anything is not as written."""
    outputs = tuple(Written(Path(_text(path)), _text(digest), _number(size)) for path, digest, size in data["outputs"])
    if not outputs or not isinstance(data["inputs"], dict):
        raise ValueError("no output")
    first_pages = {_text(name): _number(page) for name, page in data["first_pages"].items()}
    problems = tuple(Problem(root / _text(path), _number(line), _text(field), _text(message), _text(severity))
                     for path, line, field, message, severity in data["problems"])
    findings = None if data["findings"] is None else _findings(data["findings"])
    return Record(outputs, _number(data["pages"]), _text(data["theme"]), _text(data["variant"]), first_pages,
                  problems, _findings(data["layout"]), findings)


def _findings(rows: list) -> tuple[Finding, ...]:
    return tuple(Finding(_number(page), _text(card), _text(message), bool(content))
                 for page, card, message, content in rows)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _number(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError("not a count")
    return value
