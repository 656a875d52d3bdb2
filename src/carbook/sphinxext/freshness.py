"""Which pages to read again because a file they are built from changed, judged by content.

Sphinx re-reads a page when the page or a file it depends on has a newer modification time than the
page's last reading. An edit that keeps or restores an older time (``cp -p``, ``rsync -t``, unpacking
an archive, restoring a backup, switching git branches) is missed that way, and a file touched with
the same bytes re-reads every page that depends on it. So each page keeps, from its last reading, a
digest of its own source and of every file it depends on; a page any of whose files now has other
bytes (or is gone) is read again, whatever the times say, and only such a page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

MISSING = "missing"


class Digests:
    """Content digests of files under a folder, each file read at most once (per build)."""

    def __init__(self, root: Path):
        self.root = root
        self._known: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        """Give the digest of file ``name`` (relative to the folder, or absolute), or ``MISSING``."""
        digest = self._known.get(name)
        if digest is None:
            try:
                digest = hashlib.blake2b((self.root / name).read_bytes(), digest_size=16).hexdigest()
            except OSError:
                digest = MISSING
            self._known[name] = digest
        return digest

    def of(self, names: Iterable[str]) -> dict[str, str]:
        """Give the digest of each file in ``names``."""
        return {name: self(name) for name in names}


def changed_pages(read_with: Mapping[str, Mapping[str, str]], digests: Digests) -> set[str]:
    """Give the pages any of whose files differ now from the digests the page was last read with."""
    return {page for page, files in read_with.items()
            if any(digests(name) != digest for name, digest in files.items())}
