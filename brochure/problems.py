"""Problems in an edition's files -> `path:line: field: message`; findings in a PDF -> `p. N (card): what`.

Log levels used throughout the package: DEBUG for timings and decisions,
INFO for what a command did (shown with --verbose), WARNING for content to
complete (shown always), ERROR is never logged: errors are raised.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (error) or incomplete (warning) in one file."""

    path: Path
    line: int
    field: str
    message: str
    severity: str = ERROR

    def format(self, root: Path | None = None) -> str:
        path = self.path
        if root is not None:
            try:
                path = self.path.relative_to(root)
            except ValueError:
                pass
        prefix = "warning: " if self.severity == WARNING else ""
        return one_line(f"{path}:{self.line}: {self.field}: {prefix}{self.message}")


def one_line(text: str) -> str:
    """Control characters and line breaks an editor's value brought into a message -> visible escapes."""
    return "".join(f"\\u{ord(char):04x}" if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
                   for char in text)


class BrochureError(Exception):
    """A failure the user can act on: the command line shows its message alone and exits with status 1."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ContentError(BrochureError):
    """The edition's files have problems: every one of them is listed, one a line."""

    def __init__(self, problems: list[Problem], root: Path | None = None):
        self.problems = sorted(problems)
        self.root = root
        errors = sum(p.severity == ERROR for p in self.problems)
        warnings = len(self.problems) - errors
        lines = [p.format(root) for p in self.problems]
        lines.append(f"{errors} error(s), {warnings} warning(s): nothing was built.")
        super().__init__("\n".join(lines))

    def __reduce__(self):
        """Made again from its problems when it comes back from a worker process."""
        return ContentError, (self.problems, self.root)


@dataclass(frozen=True, order=True)
class Finding:
    """One thing a reader or a printer would object to in a laid-out or built PDF, at its page and unit."""

    page: int
    card: str          # "card 03", "sommaire", ... or "" for the whole file
    message: str
    content: bool = False   # content still to complete, rather than a technical fault of the file

    def format(self) -> str:
        where = f"p. {self.page}" if self.page else "file"
        return f"{where}{f' ({self.card})' if self.card else ''}: {self.message}"
