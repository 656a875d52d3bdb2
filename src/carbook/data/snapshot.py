"""A checked library kept for the rest of the build and the next one, so that the data is loaded and checked
once per build, not on every page.

The build checks every data file before any page runs (:func:`carbook.data.load.check_library`) and
saves the library it checked with a digest of every input it was made from: the data files, the
sources, the table of contents and the code of this package. The build's own shared pages take it
(``load_library(kept=True)``) only when the digest of those files as they are now is the same.

Each chapter's kernel takes its own part of it (:func:`chapter_library`): the therapy as checked,
with its source, provenance and change log, and the glossary, kept one file per therapy, so a
chapter neither reads nor checks its data file again. The build names the folder to its kernels
(:data:`CHECKED_ENV`); outside a build a chapter reads its files as usual.

The next build's check takes from it each therapy whose data file and source have the same bytes
(and the package the same code), and checks afresh only the files that changed, then everything that
concerns several files at once (ids, the glossary, the chapters): an edit to one therapy of hundreds
checks that one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from carbook.data import kept
from carbook.data.paths import SOURCE_DIR, THERAPY_DIR
from carbook.data.problems import display_path

SNAPSHOT = kept.FOLDER / "library.pickle"
CHAPTERS = kept.FOLDER / "checked"
CHAPTER_KEYS = kept.FOLDER / "checked-keys.pickle"  # what each chapter's part was made from  # a file per therapy: what its chapter's kernel reads
CHECKED_ENV = "CARBOOK_CHECKED"  # set by the build for its kernels: the book root whose CHAPTERS to read


class Checked(NamedTuple):
    """A therapy as the last build checked it."""

    key: tuple[str, str, str]  # its data file's and source's bytes then (:func:`file_key`)
    therapy: Any
    source: Any  # the source document it quotes
    coverage: str | None  # its line of the coverage report


def _files_digest(base: Path, files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(f"{path.relative_to(base).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inputs_digest(root: Path) -> str:
    """Give a digest of the names and bytes of every file a library of the book at ``root`` is made from, and
    of the code that made it."""
    data = _files_digest(root, [*sorted((root / THERAPY_DIR.parent).rglob("*")), root / "_toc.yml"])
    return hashlib.sha256(f"{data}\0{kept.code_digest()}".encode()).hexdigest()


def _bytes_digest(path: Path) -> str:
    """Give the digest of a file's bytes; empty for a file that cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def file_key(root: Path, data_file: Path, source: str) -> tuple[str, str, str]:
    """Give what a therapy's check depends on: its data file's bytes and its source's name and bytes."""
    return _bytes_digest(data_file), source, _bytes_digest(root / SOURCE_DIR / source)


def save(root: Path, library: Any, coverage: dict[str, str] | None = None) -> None:
    """Keep ``library``, checked, for the pages of this build and the next build's check, with each
    therapy's line of the coverage report (``coverage``, by id); nothing is kept where it cannot be written."""
    files, file_keys = {}, {}
    for therapy in library.therapies.values():
        data_file = library.data_file(therapy.id)
        file_keys[therapy.id] = file_key(root, data_file, therapy.source)
        files[display_path(data_file, root)] = Checked(file_keys[therapy.id], therapy, library.sources[therapy.source],
                                                       (coverage or {}).get(therapy.id))  # named as the check names it
    _save_chapters(root, library, file_keys)
    kept.save(root / SNAPSHOT, {"inputs": inputs_digest(root), "library": library, "files": files})


def _chapter_key(root: Path, therapy: Any, files: tuple[str, str, str], glossary: str) -> tuple[str, ...]:
    """Give what a chapter's part of the library is made from, each by its bytes: its data file and source
    (``files``, their :func:`file_key`), its source's provenance, its change log, and the glossary
    (``glossary``, the digest of its bytes)."""
    from carbook.data.provenance import CHANGES_DIR, provenance_file

    return (*files, _bytes_digest(root / provenance_file(therapy.source)),
            _bytes_digest(root / CHANGES_DIR / f"{therapy.id}.yaml"), glossary)


def _save_chapters(root: Path, library: Any, file_keys: dict[str, tuple[str, str, str]]) -> None:
    """Keep each therapy's part of ``library`` for its chapter: those whose inputs changed since the last
    build (their keys are kept beside them), or whose file is gone; remove those of therapies the book no
    longer has."""
    import dataclasses

    from carbook.data.paths import GLOSSARY

    glossary = _bytes_digest(root / GLOSSARY)
    before = kept.load(root / CHAPTER_KEYS) or {}
    keys = {}
    for therapy in library.therapies.values():
        key = _chapter_key(root, therapy, file_keys[therapy.id], glossary)
        path = root / CHAPTERS / f"{therapy.id}.pickle"
        if before.get(therapy.id) != key or not path.is_file():
            part = dataclasses.replace(
                library, therapies={therapy.id: therapy}, sources={therapy.source: library.sources[therapy.source]},
                provenance={k: v for k, v in library.provenance.items() if k == therapy.source},
                changes={k: v for k, v in library.changes.items() if k == therapy.id})
            if not kept.save(path, {"key": key, "library": part}):
                continue
        keys[therapy.id] = key
    for path in (root / CHAPTERS).glob("*.pickle"):
        if path.stem not in library.therapies:
            path.unlink(missing_ok=True)  # a therapy the book no longer has
    kept.save(root / CHAPTER_KEYS, keys)


def chapter_library(therapy_id: str) -> Any | None:
    """Give, in a chapter's kernel during a build, the library of that one therapy as the build checked it,
    if its inputs are unchanged since; None outside a build or where it is not kept."""
    import os

    from carbook.data.paths import GLOSSARY

    root = os.environ.get(CHECKED_ENV)
    if not root:
        return None
    base = Path(root)
    part = kept.load(base / CHAPTERS / f"{therapy_id}.pickle")
    if not isinstance(part, dict) or "key" not in part:
        return None
    library = part["library"]
    therapy = library.therapies.get(therapy_id)
    if therapy is None:
        return None
    files = file_key(base, base / THERAPY_DIR / f"{therapy_id}.yaml", therapy.source)
    return library if part["key"] == _chapter_key(base, therapy, files, _bytes_digest(base / GLOSSARY)) else None


def _kept(root: Path) -> dict[str, Any] | None:
    snapshot = kept.load(root / SNAPSHOT)
    return snapshot if isinstance(snapshot, dict) and {"inputs", "library", "files"} <= snapshot.keys() else None


def load(root: Path) -> Any | None:
    """Give the library the build kept, if it was made from the files as they are now; else None."""
    snapshot = _kept(root)
    return snapshot["library"] if snapshot is not None and snapshot["inputs"] == inputs_digest(root) else None


def checked_files(root: Path) -> dict[str, Checked]:
    """Give the therapies the last build checked, by data file (relative to ``root``). Empty if the code
    changed."""
    snapshot = _kept(root)
    return snapshot["files"] if snapshot is not None else {}
