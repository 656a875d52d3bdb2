"""Files a build keeps for the next one (under ``_build/``): read only when whole and readable, written
so that no reader ever sees half of one.

Kernels and Sphinx's writers run side by side, and a build can be killed at any moment: each file is
written to a temporary file of its process and moved into place, and a file that cannot be read (a
torn write, a pickle of an older version of the package) counts as absent.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

# What reading a pickle kept by an earlier build can raise: absent, torn, or made by other code.
UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError)


def read(path: Path) -> Any | None:
    """Give the object kept at ``path``, or None if there is none that can be read."""
    try:
        return pickle.loads(path.read_bytes())
    except UNREADABLE:
        return None


def write(path: Path, value: Any) -> bool:
    """Keep ``value`` at ``path`` (see :func:`write_bytes`); give whether it could be written."""
    return write_bytes(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def write_bytes(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` whole: to a temporary file of this process, then moved into place.
    Give whether it could be written (nothing is left behind where it could not)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        return False
    return True
