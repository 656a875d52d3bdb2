"""Problems found in the data, reported as ``file:line: field.path: what is wrong — how to fix it``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Where a field is in a data file, as keys and list positions: ``("regimen", "dose", 0)``.
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one data file, located as precisely as the file allows."""

    file: str
    line: int | None
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = self.field or "(file)"
        return f"{where}: {field}: {self.message} — {self.fix}"


class DataProblems(Exception):
    """Raised when data files are invalid; ``problems`` holds every problem found in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """Give the problems as one text block, one problem a line, with a count first."""
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the book's data:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


def display_path(path: Path, root: Path | None) -> str:
    """Give ``path`` relative to ``root`` when it lies inside it, else as given."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)
