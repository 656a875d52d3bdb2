"""Parts of the pages that list every therapy, kept from one build to the next by what each is made from.

The comparison, the source documents' pages and the data package are made of one part per few
therapies or per source (a table, a source with its highlights, a therapy's rows of facts), and the
comparison has a figure. A part written to a file of its own (a therapy's JSON, a source's annotations)
is kept as the file it was written to, not as text (:meth:`Pieces.file`). A build keeps each part under
a digest of everything it is made from: the therapies' and sources' contents as checked, the glossary,
and the code of this package. The next build takes a part whose digest is unchanged and makes only
the others, so an edit to one therapy of hundreds remakes the parts that show it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from carbook.data import kept

T = TypeVar("T")

PIECES = kept.FOLDER / "pieces.pickle"


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class Pieces:
    """Parts kept by the digest of their inputs; :meth:`save` keeps those made or taken this time."""

    def __init__(self, root: Path | None = None):
        self.path = None if root is None else root / PIECES
        before = None if self.path is None else kept.load(self.path)
        self._kept: dict[str, Any] = before if isinstance(before, dict) else {}
        self._used: dict[str, Any] = {}
        self._digests: dict[int, tuple[Any, str]] = {}
        self.made = 0  # parts made (not taken) this time

    def get(self, kind: str, inputs: tuple[object, ...], make: Callable[[], T]) -> T:
        """Give the part of this ``kind`` made from ``inputs`` (strings and digests): as kept, or from ``make()``."""
        key = (kind, _digest(inputs))
        if key in self._used:
            return self._used[key]
        if key in self._kept:
            value = self._kept[key]
        else:
            value = make()
            self.made += 1
        self._used[key] = value
        return value

    def file(self, kind: str, inputs: tuple[object, ...], path: Path, make: Callable[[], str]) -> None:
        """Have the file ``path`` hold the text of this ``kind`` made from ``inputs``: left as it is where the
        last build wrote it from the same inputs and it is unchanged since (its size and time), else made
        with ``make()`` and written if its content differs. Only the file's size and time are kept, not
        its text: a book of thousands of such files neither holds nor reads them all to rewrite one."""
        key = (kind, _digest((path.name, *inputs)))
        status = _status(path)
        if status is not None and self._kept.get(key) == status:
            self._used[key] = status
            return
        write_changed(path, make())
        self.made += 1
        self._used[key] = _status(path)

    def seen(self, kind: str, inputs: tuple[object, ...]) -> bool:
        """Give whether a part of this ``kind`` made from ``inputs`` was kept from the last build (a page
        already written as it is now), and keep it for the next."""
        key = (kind, _digest(inputs))
        was = key in self._kept or key in self._used
        if key not in self._used:
            self._used[key] = True
            self.made += not was
        return was

    def of(self, content: Any) -> str:
        """Give a digest of a checked model's whole content (a therapy, the glossary) or of a text, each
        worked out once."""
        if content is None:
            return ""
        known = self._digests.get(id(content))
        if known is None:
            data = content if isinstance(content, str) else content.model_dump_json()
            # kept with the object itself, so that its id is not reused by another while this store lives
            known = self._digests[id(content)] = (content, hashlib.sha256(data.encode()).hexdigest())
        return known[1]

    def save(self) -> None:
        """Keep for the next build the parts used this time, and those of kinds not asked for this time (a
        build that made no comparison keeps its tables); nothing where it cannot be written."""
        asked = {kind for kind, _ in self._used}
        keep = {**{key: value for key, value in self._kept.items() if key[0] not in asked}, **self._used}
        if self.path is None or keep.keys() == self._kept.keys() and not self.made:
            return
        kept.save(self.path, keep)


def write_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8, its folder made) unless the file already holds exactly that."""
    data = text.encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _status(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def none() -> Pieces:
    """Give a store that keeps nothing: every part is made afresh (pages outside a build, tests)."""
    return Pieces(None)
