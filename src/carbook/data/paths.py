"""Where the book keeps things, relative to its root folder."""

import shutil
from pathlib import Path

THERAPY_DIR = Path("data/therapies")  # one <id>.yaml per therapy
SOURCE_DIR = Path("data/sources")  # the source documents, verbatim
GLOSSARY = Path("data/glossary.yaml")
CHAPTER_DIR = Path("book/therapies")  # one <id>.md chapter per therapy
BOOK_PARTS = ("_config.yml", "_toc.yml", "book", "data")  # everything a build of the book reads


def copy_book(source: Path, destination: Path, parts: tuple[str, ...] = BOOK_PARTS) -> Path:
    """Copy what the book at ``source`` is built from (or the named ``parts``) into ``destination``,
    without build output or caches; give ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in parts:
        if (source / part).is_dir():
            shutil.copytree(source / part, destination / part,
                            ignore=shutil.ignore_patterns("_build", "__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source / part, destination / part)
    return destination
