"""Source documents: read them, and find passages in them the way the data quotes them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .records import parse_record

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?)])\s+|\n\s*\n|\n")

#: Source formats: running prose, or a field-name/value record (see :mod:`carbook.records`).
FORMATS = ("text", "record")


def normalise(text: str) -> str:
    """Give ``text`` with every run of whitespace folded to one space and the ends trimmed."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class SourceDocument:
    """A source document as published: its file name, verbatim text and format."""

    name: str
    text: str
    format: str = "text"
    path: Path | None = field(default=None, compare=False)

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def record(self) -> dict[str, str]:
        """The fields of a ``record`` source as ``{name: value}``; empty for prose."""
        return parse_record(self.text) if self.format == "record" else {}

    def contains(self, passage: str) -> bool:
        """Tell whether ``passage`` occurs verbatim in the document, whitespace aside."""
        needle = normalise(passage)
        return bool(needle) and needle in self.normalised

    def passages(self) -> list[str]:
        """Give the document cut into sentences and lines, whitespace-normalised, empty ones dropped."""
        return [p for p in (normalise(s) for s in _SENTENCE_END.split(self.text)) if p]

    def closest_passage(self, passage: str) -> str:
        """Give the sentence of the document most like ``passage`` (to show beside a failed quote)."""
        needle = normalise(passage).lower()
        best, best_ratio = "", -1.0
        for candidate in self.passages():
            ratio = difflib.SequenceMatcher(None, needle, candidate.lower(), autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = candidate, ratio
        return best


def read_source(path: Path, format: str = "text") -> SourceDocument:
    """Read a source document strictly as UTF-8; raise ``UnicodeDecodeError`` on other bytes."""
    text = path.read_bytes().decode("utf-8")
    return SourceDocument(name=path.name, text=text, format=format, path=path)
