"""Statements as the source makes them: hedges, attributions, aims and examples kept for what they are.

A source says some things outright and frames others: as a plan ("want to see if"), a reported
finding ("investigators found"), a hedged claim ("may", "potential", "should allow") or an example
("e.g.", "such as", "often"). These checks refuse data that would drop the frame:

* a passage cut out of its sentence after the frame's words, so that the frame is lost;
* a value governed by a frame, unless the fact says what it rests on (``rests_on: aim`` …), which
  the page then shows beside the value;
* example or generic wording as the support for a fact about the product, whatever it rests on.

The source is read as sentences (:func:`sentences`), which :mod:`carbook.data.coverage` also uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Iterator, Mapping

from carbook.data.sources import SourceDocument, normalise

#: Words that frame what follows them, by what a fact framed so rests on.
FRAMES: dict[str, re.Pattern[str]] = {
    "aim": re.compile(r"\b(want(?:s)? to see (?:if|whether)|to see (?:if|whether)|purpose of this study|"
                      r"goal of this study|to learn (?:whether|what|if|how)|aims? to|will study)\b", re.IGNORECASE),
    "finding": re.compile(r"\b(investigators (?:have )?found|have found|found that|previous research|"
                          r"(?:studies|research) (?:has |have )?(?:shown|found|suggested)|reported that)\b", re.IGNORECASE),
    "hedged": re.compile(r"\b(may|might|could|potential|potentially|should allow|possibly|likely)\b", re.IGNORECASE),
}

#: Wording that gives an example or a general tendency, never a fact about this product.
GENERIC = re.compile(r"(\be\.g\.|\bfor example\b|\bfor instance\b|\bsuch as\b|\boften\b|\btypically\b|"
                     r"\busually\b|\bor other\b)", re.IGNORECASE)

#: What a fact may rest on when a frame of each family governs it.
FITS: dict[str, set[str]] = {"aim": {"aim"}, "finding": {"finding"}, "hedged": {"hedged"}}
#: What a whole text shown as written (hedges and all) may rest on.
SHOWN_WHOLE = {"definition", "description"}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a source, whitespace-normalised, with where it starts in the normalised text."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@lru_cache(maxsize=256)
def _lines(source: SourceDocument) -> tuple[tuple[int, str, int], ...]:
    """Give each non-blank line of the source as ``(line number, normalised text, start in the normalised text)``.

    Every check and every page reads a source by its lines and sentences, many times over: they are
    worked out once per document (a document is immutable, and equal documents share them)."""
    found, offset = [], 0
    for number, raw in enumerate(source.text.splitlines(), start=1):
        line = normalise(raw)
        if line:
            found.append((number, line, offset))
            offset += len(line) + 1
    return tuple(found)


def _cut(line: str, offset: int) -> list[Sentence]:
    found, position = [], 0
    for piece in _SENTENCE_END.split(line):
        at = line.index(piece, position)
        found.append(Sentence(piece, offset + at))
        position = at + len(piece)
    return found


@lru_cache(maxsize=256)
def sentences(source: SourceDocument) -> tuple[Sentence, ...]:
    """Give the content sentences of a source, in order: for prose, each line cut into sentences; for a
    field/value record, each field's value cut into sentences (field names are labels, and the page
    debris the record's parser skips is not content: see :func:`debris`)."""
    values = set(source.parsed_record.value_lines.values()) if source.format == "record" and source.parsed_record else None
    return tuple(s for number, line, offset in _lines(source) if values is None or number in values for s in _cut(line, offset))


def debris(source: SourceDocument) -> list[Sentence]:
    """Give the lines of a record source that its parser skips as page debris (before the first field, after the last)."""
    if source.format != "record" or not source.parsed_record:
        return []
    skipped = {line.number for line in source.parsed_record.skipped}
    return [Sentence(line, offset) for number, line, offset in _lines(source) if number in skipped]


@lru_cache(maxsize=256)
def record_spans(source: SourceDocument) -> Mapping[str, tuple[int, int]]:
    """Give where each field's value of a record source lies in its normalised text, by field name."""
    if source.format != "record" or not source.parsed_record:
        return MappingProxyType({})
    line_of = {number: (offset, offset + len(line)) for number, line, offset in _lines(source)}
    return MappingProxyType({name: line_of[number] for name, number in source.parsed_record.value_lines.items()
                             if number in line_of})  # read-only: every caller shares it


def locate(source: SourceDocument, passage: str) -> list[int]:
    """Give every start of ``passage`` in the source's normalised text (empty when it is not there), those
    that stand as whole words first ("CAR M" the field before "CAR M" in "CAR Monocytes")."""
    needle, haystack = normalise(passage), source.normalised
    starts, at = [], haystack.find(needle) if needle else -1
    while at >= 0:
        starts.append(at)
        at = haystack.find(needle, at + 1)

    def whole(start: int) -> bool:
        end = start + len(needle)
        before = start == 0 or not (haystack[start - 1].isalnum() and needle[0].isalnum())
        after = end == len(haystack) or not (haystack[end].isalnum() and needle[-1].isalnum())
        return before and after

    return sorted(starts, key=lambda start: not whole(start))


def _sentence_at(source: SourceDocument, position: int) -> Sentence | None:
    for sentence in sentences(source):
        if sentence.start <= position < sentence.end + 1:
            return sentence
    return None


def _frames_in(text: str) -> Iterator[tuple[str, str]]:
    for family, pattern in FRAMES.items():
        for match in pattern.finditer(text):
            yield family, match.group(0)


def dropped_frame(source: SourceDocument, passage: str) -> tuple[str, str] | None:
    """Give ``(family, words)`` of a frame that the passage's sentence puts before the passage and the
    passage leaves out ("investigators found that" before "giving chemotherapy … can improve"), else None."""
    starts = locate(source, passage)
    if not starts:
        return None
    sentence = _sentence_at(source, starts[0])
    if sentence is None:
        return None
    before = source.normalised[sentence.start:starts[0]]
    return next(_frames_in(before), None)


def passage_frames(source: SourceDocument, passage: str) -> list[tuple[str, str, bool]]:
    """Give ``(family, words, inside)`` for each frame that governs the passage where the source has it: the
    frames written inside the passage (``inside`` True) and those its sentence puts before it. A frame after
    the passage, later in its sentence, governs other words and is left out. Empty when the passage is not
    in the source."""
    starts = locate(source, passage)
    if not starts:
        return []
    start = starts[0]
    end = start + len(normalise(passage))
    sentence = _sentence_at(source, start)
    before = source.normalised[sentence.start:start] if sentence else ""
    return ([(family, words, False) for family, words in _frames_in(before)]
            + [(family, words, True) for family, words in _frames_in(source.normalised[start:end])])


def governing_frames(source: SourceDocument, quote: str, value: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Give the frames that govern ``value`` where ``quote`` states it: those before the value in its sentence
    (inside the quote or before it), and those inside the value itself."""
    starts = locate(source, quote)
    normal_quote, normal_value = normalise(quote), normalise(value)
    at = normal_quote.lower().find(normal_value.lower())
    if not starts or at < 0:
        return [], []
    sentence = _sentence_at(source, starts[0] + at) or _sentence_at(source, starts[0])
    begin = sentence.start if sentence else starts[0]
    before = source.normalised[min(begin, starts[0] + at):starts[0] + at]
    return list(_frames_in(before)), list(_frames_in(normal_value))


def generic_wording(quote: str, value: str) -> str | None:
    """Give the example or generic words that introduce ``value`` in ``quote`` ("e.g.", "often" …, or "or
    other" right after it), else None: such a passage does not state a fact about the product."""
    normal_quote, normal_value = normalise(quote), normalise(value)
    at = normal_quote.lower().find(normal_value.lower())
    if at < 0 or not normal_value:
        return None
    window = normal_quote[max(0, at - 60):at]
    for match in GENERIC.finditer(window):
        between = window[match.end():]
        if not re.search(r"[).;]\s", between + " ") or between.rstrip().endswith(","):
            return match.group(0)
    after = normal_quote[at + len(normal_value):at + len(normal_value) + 12]
    inside = GENERIC.search(normal_value)
    if inside:
        return inside.group(0)
    if re.match(r"\s*,?\s*or other\b", after, re.IGNORECASE):
        return "or other"
    return None


def check_fact(source: SourceDocument, quote: str, value: str | None, rests_on: str) -> Iterator[tuple[str, str]]:
    """Give ``(message, fix)`` for each way a fact drops its passage's frame or rests on generic wording."""
    dropped = dropped_frame(source, quote)
    if dropped:
        family, words = dropped
        yield (f"the quote is cut from a sentence that frames it with “{words}” ({family}), and leaves those words out",
               f"quote the sentence from before “{words}”, and set rests_on: {family}")
        return
    if value is None:
        return
    whole = normalise(value) == normalise(quote) and rests_on in SHOWN_WHOLE  # shown as written, examples and all
    generic = None if whole else generic_wording(quote, value)
    if generic:
        yield (f"{value!r} is given in the source as an example or a generality (“{generic}”), not as a fact about this product",
               "do not use this passage for the fact: mark the fact `not_stated: <what is missing>`, with the passage as nearby")
        return
    before, inside = governing_frames(source, quote, value)
    families = {family for family, _ in before}
    if families and not any(rests_on in FITS[f] for f in families):
        words = "”, “".join(dict.fromkeys(w for _, w in before))
        yield (f"{value!r} is framed by “{words}” in its sentence, but rests_on is {rests_on}",
               f"set rests_on: {' or '.join(sorted(families))}, so the page shows the frame")
    elif not families and inside:
        inner = {family for family, _ in inside}
        if not any(rests_on in FITS[f] for f in inner) and rests_on not in SHOWN_WHOLE:
            words = "”, “".join(dict.fromkeys(w for _, w in inside))
            yield (f"{value!r} carries “{words}”, but rests_on is {rests_on}",
                   f"set rests_on: {' or '.join(sorted(inner))}, so the page shows the frame")


def check_nearby(source: SourceDocument, nearby: str) -> Iterator[tuple[str, str]]:
    """Give ``(message, fix)`` when a gap's nearby passage drops the frame of its sentence."""
    dropped = dropped_frame(source, nearby)
    if dropped:
        family, words = dropped
        yield (f"the nearby passage is cut from a sentence that frames it with “{words}” ({family}), and leaves those words out",
               f"quote the sentence from before “{words}”, or choose another nearby passage")
