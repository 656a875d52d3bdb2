"""A checked library kept for the pages of one build, so that it is loaded and checked once, not on every page.

The build checks every data file before any page runs (:func:`carbook.data.load.check_library`);
the pages that list every therapy (introduction, comparison, Therapies, glossary, sources, data)
each load the whole library again in their kernel, which at a few hundred therapies takes a second
or more apiece. The build saves the library it checked with a digest of every input it was made
from: the data files, the sources, the table of contents and the code of this package. A page's
:func:`~carbook.data.load.load_library` takes the saved library only when the digest of those files
as they are now is the same; after any edit it loads the files as usual.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

SNAPSHOT = Path("_build/.carbook/library.pickle")  # under the book's root, with the build's other output
_CODE = Path(__file__).resolve().parents[1]  # the carbook package, whose models the library is made of


def inputs_digest(root: Path) -> str:
    """Give a digest of the names and bytes of every file a library of the book at ``root`` is made from."""
    digest = hashlib.sha256()
    files = [*((root, p) for p in sorted((root / "data").rglob("*"))), (root, root / "_toc.yml"),
             *((_CODE, p) for p in sorted(_CODE.rglob("*.py")))]
    for base, path in files:
        if path.is_file():
            digest.update(f"{path.relative_to(base).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def save(root: Path, library: Any) -> None:
    """Keep ``library``, checked, for the pages of this build; nothing is kept where it cannot be written."""
    path = root / SNAPSHOT
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(pickle.dumps((inputs_digest(root), library), protocol=pickle.HIGHEST_PROTOCOL))
        temporary.replace(path)  # a page never reads a half-written file
    except OSError:
        temporary.unlink(missing_ok=True)
        path.unlink(missing_ok=True)


def load(root: Path) -> Any | None:
    """Give the library the build kept, if it was made from the files as they are now; else None."""
    try:
        digest, library = pickle.loads((root / SNAPSHOT).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return None
    return library if digest == inputs_digest(root) else None
