"""What a build keeps for the rest of the build and the next one (under ``_build/.carbook/``): one way to
keep anything, used by every such store (the checked library, the shared pages' parts, the figures,
the site's stylesheet scan).

:func:`save` keeps a value with the digest of this package's code, and :func:`load` gives it back only
to the same code: a value worked out by other code is worked out again. Files are read only when whole
and readable, and written so that no reader ever sees half of one.

Kernels and Sphinx's writers run side by side, and a build can be killed at any moment: each file is
written to a temporary file of its process and moved into place, and a file that cannot be read (a
torn write, a pickle of an older version of the package) counts as absent.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path("_build/.carbook")  # under the book's root, with the build's other output
_CODE = Path(__file__).resolve().parents[1]  # the carbook package

# What reading a pickle kept by an earlier build can raise: absent, torn, or made by other code.
UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError)


def read(path: Path) -> Any | None:
    """Give the object kept at ``path``, or None if there is none that can be read."""
    try:
        with path.open("rb") as file:  # read as it is unpickled: the file's bytes are not held beside the object
            return pickle.load(file)
    except UNREADABLE:
        return None


def write(path: Path, value: Any) -> bool:
    """Keep ``value`` at ``path`` whole: pickled into a temporary file of this process (as it is pickled, so
    a large value is never held twice in memory), then moved into place. Give whether it could be
    written (nothing is left behind where it could not)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        return False
    return True


def code_digest() -> str:
    """Give a digest of this package's code, which what is kept was worked out by (once per process: the
    code a process runs does not change under it)."""
    return _code_digest()


@cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(_CODE.rglob("*.py")):
        digest.update(f"{path.relative_to(_CODE).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load(path: Path) -> Any | None:
    """Give the value :func:`save` kept at ``path`` with this package's code as it is now; None if there is
    none, it cannot be read, or other code kept it."""
    found = read(path)
    if isinstance(found, dict) and found.keys() == {"code", "value"} and found["code"] == code_digest():
        return found["value"]
    return None


def save(path: Path, value: Any) -> bool:
    """Keep ``value`` at ``path`` with the digest of this package's code (see :func:`write`); give
    whether it could be written (where it could not, no older value is left to be taken for it)."""
    if write(path, {"code": code_digest(), "value": value}):
        return True
    path.unlink(missing_ok=True)
    return False
