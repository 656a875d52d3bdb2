"""Source documents: read them, and find passages in them the way the data quotes them.

A quote matches its source in *plain form*: runs of whitespace count as one space, and typographic
variants count as the character an editor types for them (the source's non-breaking hyphen U+2011 or
en dash as ``-``, curly quotes as straight ones, ``×`` as ``x``, a non-breaking space as a space).
Pages still show the passage in the source's own characters (:meth:`SourceDocument.verbatim`), and a
quote that does not match is told apart from the source character by character, by code point
(:meth:`SourceDocument.difference`), since the two may look the same on screen.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from carbook.data.records import ParsedRecord, read_record

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?)])\s+|\n\s*\n|\n")

#: Source formats: running prose, or a field-name/value record (see :mod:`carbook.data.records`).
FORMATS = ("text", "record")

#: Typographic characters and the plain form that matches them. Only variants a reader cannot tell
#: apart in meaning: superscript digits, for one, stay as they are ("10⁹" must never match "109").
PLAIN_FORMS: dict[str, str] = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),  # hyphens, dashes, minus
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc", "'"),  # single quotes, prime, apostrophe
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),  # double quotes, double prime
    "\u00d7": "x",  # multiplication sign
    "\u223c": "~",  # tilde operator
    "\u2026": "...",  # ellipsis
    # invisible characters that only say where a line may break or join: soft hyphen, zero-width space,
    # word joiner, byte order mark
    **dict.fromkeys("\u00ad\u200b\u2060\ufeff", ""),
}

#: Whitespace characters a shown passage keeps as the source writes them, when they stand alone: they
#: say "do not break the line here" (``10 mg``), which a plain space would undo.
_KEPT_SPACES = frozenset("\u00a0\u2007\u2009\u202f")


@lru_cache(maxsize=4096)
def _plain_char(character: str) -> str:
    if character in PLAIN_FORMS:
        return PLAIN_FORMS[character]
    # canonical decomposition only: "é" typed precomposed matches "e" + combining accent in the source;
    # compatibility forms (ligatures, superscripts, full-width letters) are not folded
    return unicodedata.normalize("NFD", character)


def _fold(text: str) -> tuple[str, array[int]]:
    """Give the plain form of ``text`` and, for each of its characters, the index in ``text`` it comes from
    (an array of machine integers: a list would hold a Python int per character, some 36 bytes each)."""
    plain: list[str] = []
    origin = array("I")
    space_at: int | None = None  # where the current run of whitespace began
    for index, character in enumerate(text):
        if character.isspace():
            if space_at is None:
                space_at = index
            continue
        form = character if character.isascii() else _plain_char(character)
        if not form:
            continue  # an invisible character neither ends a run of whitespace nor starts a word
        if space_at is not None:
            if plain:
                plain.append(" ")
                origin.append(space_at)
            space_at = None
        plain.extend(form)
        origin.extend([index] * len(form))
    return "".join(plain), origin


def normalise(text: str) -> str:
    """Give ``text`` in the plain form quotes are matched in.

    Every run of whitespace becomes one space and the ends are trimmed; typographic variants become
    their plain form (see :data:`PLAIN_FORMS`): ``normalise("Gene\u2011modified\u00a0cells")`` gives
    ``"Gene-modified cells"``. Case is kept.
    """
    if text.isascii():
        return _SPACE.sub(" ", text).strip()
    return _fold(text)[0]


def _squash(text: str) -> str:
    """Give ``text`` in its own characters with whitespace normalised for showing.

    A run of whitespace becomes one space, except that a lone non-breaking or thin space stays."""
    return _SPACE.sub(lambda run: run[0] if run[0] in _KEPT_SPACES else " ", text).strip()


#: Names of the control characters a document may hold (Unicode gives them none).
_CONTROL_NAMES = {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\t": "CHARACTER TABULATION"}


def describe_character(character: str) -> str:
    """Give a character as a message names it: ``'‑' (U+2011 NON-BREAKING HYPHEN)``.

    Characters that do not show alone (spaces, controls, format characters, combining marks) are named
    by code point alone."""
    code = f"U+{ord(character):04X}"
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(character, "")
    label = f"{code} {name}" if name else code
    if character == " " or unicodedata.category(character)[0] not in "CZM":
        return f"{character!r} ({label})"
    return label


@dataclass(frozen=True)
class SourceDocument:
    """A source document as published: its file name, verbatim text and format."""

    name: str
    text: str
    format: str = "text"
    path: Path | None = field(default=None, compare=False)

    @cached_property
    def _folded(self) -> tuple[str, array[int]]:
        return _fold(self.text)

    @cached_property
    def normalised(self) -> str:
        """The whole document in the plain form quotes are matched in (see :func:`normalise`)."""
        return self._folded[0]

    @cached_property
    def parsed_record(self) -> ParsedRecord | None:
        """The parsed record of a ``record`` source, with the debris lines it skipped; ``None`` for prose.

        Raises :class:`carbook.data.records.RecordFormatError` when the text is not a field/value record."""
        return read_record(self.text) if self.format == "record" else None

    @cached_property
    def record(self) -> dict[str, str]:
        """The fields of a ``record`` source as ``{name: value}``; empty for prose."""
        return dict(self.parsed_record.fields) if self.parsed_record is not None else {}

    def _occurrences(self, needle: str) -> Iterator[int]:
        """Give where the plain-form ``needle`` stands in the document's plain form, on whole characters.

        An occurrence may not begin or end inside the plain form of one character ("..." inside "…"), nor
        stop short of an accent ("cafe" is not in "café")."""
        plain, origin = self._folded
        start = plain.find(needle) if needle else -1
        while start >= 0:
            end = start + len(needle)
            if ((start == 0 or origin[start - 1] != origin[start])
                    and (end == len(plain) or (origin[end] != origin[end - 1] and not unicodedata.combining(plain[end])))):
                yield start
            start = plain.find(needle, start + 1)

    def contains(self, passage: str) -> bool:
        """Tell whether ``passage`` occurs verbatim in the document, whitespace and typographic variants aside."""
        needle = normalise(passage)
        return bool(needle) and needle in self.normalised and next(self._occurrences(needle), None) is not None

    def shown(self, start: int, end: int) -> str:
        """Give the text between two positions of the plain form (:attr:`normalised`) as the document writes it:
        its own characters, whitespace normalised."""
        origin = self._folded[1]
        if start >= end or end > len(origin):
            return ""
        return _squash(self.text[origin[start]:origin[end - 1] + 1])

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Give where the text between two positions of the plain form lies in the document itself."""
        origin = self._folded[1]
        return origin[start], origin[end - 1] + 1

    def verbatim(self, passage: str) -> str:
        """Give ``passage`` as the document writes it: the source's own characters, whitespace normalised.

        ``passage`` is a quote as an editor typed it (``Gene-modified``); the result has the source's
        characters (``Gene‑modified`` with U+2011). Where the passage occurs several times, an
        occurrence written exactly as typed is preferred, else the first. Raises ``ValueError`` when the
        passage does not occur (:meth:`contains` is false)."""
        needle = normalise(passage)
        origin = self._folded[1]
        typed = _squash(passage)
        first: str | None = None
        for start in self._occurrences(needle):
            shown = _squash(self.text[origin[start]:origin[start + len(needle) - 1] + 1])
            if shown == typed:
                return shown
            first = first if first is not None else shown
        if first is None:
            raise ValueError(f"passage not found in {self.name}: {passage[:60]!r}")
        return first

    def passages(self) -> list[str]:
        """Give the document cut into sentences and lines, in its own characters, whitespace normalised."""
        return [p for p in (_squash(s) for s in _SENTENCE_END.split(self.text)) if p]

    def closest_passage(self, passage: str) -> str:
        """Give the sentence of the document most like ``passage`` (to show beside a failed quote).

        Where a good part of the quote agrees with the source (a slip of one character, say), the
        sentences where it would stand; else the sentence most alike, compared in plain form and case
        aside. Either way in the source's own characters."""
        parting = self._parting(passage)
        if parting is not None and parting.agreed >= min(_GOOD_AGREEMENT, len(parting.quote_plain) / 3):
            plain, origin = self._folded
            first, last = (origin[min(at, len(plain) - 1)] for at in parting.source_span)
            spans = [(start, end) for start, end in self._sentence_spans() if start <= last and end > first]
            if spans:
                return _squash(self.text[spans[0][0]:spans[-1][1]])
        needle = normalise(passage).lower()
        best, best_ratio = "", -1.0
        for candidate in self.passages():
            ratio = difflib.SequenceMatcher(None, needle, normalise(candidate).lower(), autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = candidate, ratio
        return best

    def _sentence_spans(self) -> list[tuple[int, int]]:
        """Where each of :meth:`passages` stands in the text, as ``(start, end)``."""
        spans, start = [], 0
        for separator in _SENTENCE_END.finditer(self.text):
            if self.text[start:separator.start()].strip():
                spans.append((start, separator.start()))
            start = separator.end()
        if self.text[start:].strip():
            spans.append((start, len(self.text)))
        return spans

    def _parting(self, passage: str) -> _Parting | None:
        """Give how far ``passage`` agrees with the document from its start, or from its end if further.

        ``None`` when the passage occurs, or when fewer than a few of its characters agree."""
        quote_plain, quote_origin = _fold(passage)
        plain, origin = self._folded
        if not quote_plain or self.contains(passage):
            return None
        size = len(quote_plain)
        # the whole quote may stand in the plain form, yet not on whole characters ("cafe" in "café"):
        # then it parts from the source at its last character
        head = _longest(lambda k: quote_plain[:k] in plain, size - 1)
        tail = _longest(lambda k: quote_plain[size - k:] in plain, size - 1)
        if max(head, tail) < _LEAST_AGREEMENT:
            return None
        if head >= tail:
            begin = plain.find(quote_plain[:head])  # where the agreed part starts in the source
            return _Parting(quote_plain, quote_origin, True, head, begin, head, begin + head)
        end = plain.find(quote_plain[size - tail:])  # where the agreed part, the quote's end, starts
        return _Parting(quote_plain, quote_origin, False, tail, end, size - tail - 1, end - 1)

    def difference(self, passage: str) -> str | None:
        """Say where ``passage`` first parts from the document, naming the characters by code point.

        Gives e.g. ``the source has 'ė' (U+0117 LATIN SMALL LETTER E WITH DOT ABOVE) where the quote has
        'é' (U+00E9 LATIN SMALL LETTER E WITH ACUTE), at character 12 of the quote, after “…CAR ”``, or
        says that the quote has a character the source does not have, or leaves one out. The quote is
        followed from its start as far as it matches the source, or from its end backwards if that
        reaches further. Gives ``None`` when the passage occurs, or when not even its first or last few
        characters do (the quote is then not a slip of a passage but another text)."""
        parting = self._parting(passage)
        if parting is None:
            return None
        plain, origin = self._folded
        quote_plain, quote_origin, forwards = parting.quote_plain, parting.quote_origin, parting.forwards
        quote_at, source_at = parting.quote_at, parting.source_at
        if forwards:
            kind = _kind(quote_plain[quote_at:], plain[source_at:])
        else:
            kind = _kind(quote_plain[:quote_at + 1][::-1], plain[:source_at + 1][::-1])
        mark = {"extra": quote_plain[quote_at], "missing": plain[source_at] if kind == "missing" else ""}.get(kind, "")
        if mark and unicodedata.combining(mark):
            # an accent more or less: name the accented letter and the plain one, not the accent alone
            if forwards:  # the accent follows its letter, which the agreed part ends with
                source_at, quote_at = (source_at - 1, quote_at) if kind == "extra" else (source_at, quote_at - 1)
            kind = "changed"
        if forwards:
            stop = origin[source_at] if source_at < len(plain) else len(self.text)
            where = f"after “{_tail_of(self.text[origin[parting.start]:stop])}”"
        else:
            agreed = self.text[origin[parting.start]:origin[parting.start + parting.agreed - 1] + 1]
            where = f"before “{_head_of(agreed)}”"
        quote_char = describe_character(passage[quote_origin[quote_at]])
        position = f"at character {quote_origin[quote_at] + 1} of the quote"
        if kind == "ends":
            return f"the source {'ends' if forwards else 'begins'} where the quote has {quote_char}, {position}, {where}"
        source_char = describe_character(self.text[origin[source_at]])
        if kind == "extra":
            return f"the quote has {quote_char}, which the source does not have, {position}, {where}"
        if kind == "missing":
            return f"the source has {source_char}, which the quote leaves out, {where}"
        return f"the source has {source_char} where the quote has {quote_char}, {position}, {where}"


@dataclass(frozen=True)
class _Parting:
    """How a quote that is not in a document agrees with it, up to where the two part."""

    quote_plain: str
    quote_origin: list[int]
    forwards: bool  # the quote's start agrees (else its end)
    agreed: int  # how many plain characters agree
    start: int  # where the agreed part starts in the document's plain form
    quote_at: int  # the first plain character of the quote that differs (the last, read backwards)
    source_at: int  # the document's plain character in its place (may be one past either end)

    @property
    def source_span(self) -> tuple[int, int]:
        """Plain-form positions of the document where the whole quote would stand."""
        size = len(self.quote_plain)
        if self.forwards:
            return self.start, self.start + size - 1
        end = self.start + self.agreed - 1
        return max(0, end - size + 1), end


#: How many characters of a quote must agree with the source before a difference is worth naming.
_LEAST_AGREEMENT = 8
#: How many agreeing characters (or a third of the quote) place a quote in the source for its closest passage.
_GOOD_AGREEMENT = 20
#: How many characters after a difference tell a changed character from an extra or a missing one.
_WINDOW = 8


def _agrees(one: str, other: str) -> bool:
    size = min(_WINDOW, len(one), len(other))
    return size > 0 and one[:size] == other[:size]


def _kind(quote_rest: str, source_rest: str) -> str:
    """Tell how a quote differs where it parts from the source: both strings start at the difference."""
    if not source_rest:
        return "ends"
    if _agrees(quote_rest[1:], source_rest[1:]):
        return "changed"
    if _agrees(quote_rest[1:], source_rest):
        return "extra"
    if _agrees(quote_rest, source_rest[1:]):
        return "missing"
    return "changed"


def _longest(holds, limit: int) -> int:
    """Give the largest ``k <= limit`` with ``holds(k)``, for a ``holds`` true up to some k and false after."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _tail_of(text: str, size: int = 30) -> str:
    text = _squash(text) + (" " if text[-1:].isspace() else "")
    return text if len(text) <= size else "…" + text[-size:]


def _head_of(text: str, size: int = 30) -> str:
    text = (" " if text[:1].isspace() else "") + _squash(text)
    return text if len(text) <= size else text[:size] + "…"


def read_source(path: Path, format: str = "text") -> SourceDocument:
    """Read a source document strictly as UTF-8; raise ``UnicodeDecodeError`` on other bytes."""
    text = path.read_bytes().decode("utf-8")
    return SourceDocument(name=path.name, text=text, format=format, path=path)
