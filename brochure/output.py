"""PDF bytes -> a file, written whole or not at all, and never over something that is not a PDF.

The bytes go to a temporary file `.NAME.XXXX.part` beside the target, which
is then renamed over it: a failed or interrupted build leaves the previous
file untouched. The temporary file is locked while it is written, so that a
later write can tell a stale one (left by a killed build) from one being
written by another build, and clean it. A target must end in `.pdf` and be
new, or a regular file that is already a PDF: never a source of the edition,
a folder, a device or a pipe.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from .problems import BrochureError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, stale temporaries are left alone
    fcntl = None

PDF_SIGNATURE = b"%PDF-"


def check_pdf_target(target: Path, sources: Iterable[Path] = ()) -> None:
    """Refuse a PDF target that would destroy something: a source file, a folder, a special file, a non-PDF."""
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError, ValueError) as error:   # a loop of links, a NUL
        raise BrochureError(f"{shown(target)}: cannot write: {getattr(error, 'strerror', None) or error}") from None
    if any(resolved == Path(source).resolve() for source in sources):
        raise BrochureError(f"{shown(target)}: is a source file of the edition; write the PDF to a file ending in .pdf")
    if target.suffix.lower() != ".pdf":
        raise BrochureError(f"{shown(target)}: a PDF must be written to a file ending in .pdf")
    try:
        status = target.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise BrochureError(f"{shown(target)}: cannot write: {error.strerror or error}") from None
    if stat.S_ISDIR(status.st_mode):
        raise BrochureError(f"{shown(target)}: is a folder; name the PDF file to write")
    if not stat.S_ISREG(status.st_mode):
        raise BrochureError(f"{shown(target)}: is not a regular file (a device or a pipe); refusing to replace it")
    try:
        with open(target, "rb") as stream:
            start = stream.read(len(PDF_SIGNATURE))
    except OSError as error:
        raise BrochureError(f"{shown(target)}: cannot write: {error.strerror or error}") from None
    if start != PDF_SIGNATURE:
        raise BrochureError(f"{shown(target)}: exists and is not a PDF; refusing to replace it "
                            "(move it away or choose another name)")


def write_atomically(target: Path, data: bytes) -> Path:
    """Write `data` to `target` whole, or raise a BrochureError naming it and leave what was there."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_parts(target)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as error:
        raise BrochureError(f"{shown(target)}: cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            if fcntl is not None:
                fcntl.flock(stream.fileno(), fcntl.LOCK_EX)   # held until renamed: not stale
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.fchmod(stream.fileno(), 0o644)
            os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BrochureError(f"{shown(target)}: cannot write: {error.strerror or error}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def clean_stale_parts(target: Path) -> list[Path]:
    """Remove the `.NAME.*.part` files beside `target` that no write holds any more; return them."""
    if fcntl is None:
        return []
    prefix = f".{target.name}."
    removed = []
    for entry in os.scandir(target.parent):
        if not (entry.name.startswith(prefix) and entry.name.endswith(".part")) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            descriptor = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass   # being written by another build, or already gone
        finally:
            os.close(descriptor)
    return removed


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError, RuntimeError):
        return str(path)
