"""Where the book keeps things, relative to its root folder."""

from pathlib import Path

THERAPY_DIR = Path("data/therapies")  # one <id>.yaml per therapy
SOURCE_DIR = Path("data/sources")  # the source documents, verbatim
GLOSSARY = Path("data/glossary.yaml")
CHAPTER_DIR = Path("book/therapies")  # one <id>.md chapter per therapy
