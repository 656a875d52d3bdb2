"""Every sentence of a source accounted for: shown on its therapy's chapter, or listed as not used.

A chapter shows every passage its data quotes (facts, nearby passages of gaps, passages also
stated) and, for a field/value record, every field no fact takes (its "Record fields" table). A
sentence of the source is accounted for when those passages, with the data's ``not_used`` list,
cover every letter and digit of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from carbook.data.framing import Sentence, debris, locate, record_spans, sentences
from carbook.data.models import Passage, Therapy, model_items
from carbook.data.facts import NotStated, Quoted
from carbook.data.sources import SourceDocument

_CONTENT = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Coverage:
    """How a therapy's chapter accounts for its source's sentences."""

    therapy: str
    source: str
    shown: list[Sentence]
    not_used: list[Sentence]
    missing: list[Sentence]

    @property
    def total(self) -> int:
        return len(self.shown) + len(self.not_used) + len(self.missing)

    @property
    def percent(self) -> float:
        return 100.0 * (self.total - len(self.missing)) / self.total if self.total else 100.0

    def summary(self) -> str:
        """Give one line such as ``heros-3: 19 of 19 sentences of baylor-heros-3.0.txt accounted for (17 shown, 2 not used)``."""
        accounted = len(self.shown) + len(self.not_used)
        return (f"{self.therapy}: {accounted} of {self.total} sentences of {self.source} accounted for "
                f"({len(self.shown)} shown, {len(self.not_used)} not used) — {self.percent:.0f} %")


def quoted_passages(therapy: Therapy) -> Iterator[str]:
    """Give every passage the therapy's data quotes: facts' quotes, gaps' nearby passages, passages also stated."""
    for loc, item in model_items(therapy):
        if loc and loc[0] in ("not_used", "questions"):
            continue
        if isinstance(item, (Quoted, Passage)):
            yield item.quote
        elif isinstance(item, NotStated) and item.nearby:
            yield item.nearby


def unused_record_fields(therapy: Therapy, source: SourceDocument) -> list[str]:
    """Give the fields of a record source that no fact of the therapy takes (``record_field``) and that its
    quotes do not already show in full: what the chapter's "Record fields" table lists."""
    if source.format != "record":
        return []
    taken = set(_taken_fields(therapy))
    covered = _covered(source, list(quoted_passages(therapy)))
    spans = record_spans(source)
    not_content = _covered(source, [item.quote for item in therapy.not_used])  # placeholders, listed as not used
    return [name for name in source.record if name not in taken and name in spans
            and not _all_covered(source.normalised, *spans[name], covered | not_content)]


def coverage(therapy: Therapy, source: SourceDocument) -> Coverage:
    """Give which sentences of ``source`` the therapy's chapter shows, lists as not used, or misses."""
    shown_cover = _covered(source, list(quoted_passages(therapy)))
    spans = record_spans(source)
    for name in [*unused_record_fields(therapy, source), *_taken_fields(therapy)]:
        if name in spans:
            shown_cover.update(range(*spans[name]))
    unused_cover = _covered(source, [item.quote for item in therapy.not_used])
    shown, unused, missing = [], [], []
    unused += debris(source)  # a record's page debris, which its parser skips
    for sentence in sentences(source):
        if _all_covered(source.normalised, sentence.start, sentence.end, shown_cover):
            shown.append(sentence)
        elif _all_covered(source.normalised, sentence.start, sentence.end, shown_cover | unused_cover):
            unused.append(sentence)
        else:
            missing.append(sentence)
    return Coverage(therapy.id, source.name, shown, unused, missing)


def _taken_fields(therapy: Therapy) -> list[str]:
    """Give the record fields the therapy's facts take (``record_field``)."""
    return [item.record_field for _, item in model_items(therapy) if getattr(item, "record_field", None)]


def _covered(source: SourceDocument, passages: list[str]) -> set[int]:
    covered: set[int] = set()
    for passage in passages:
        length = len(" ".join(passage.split()))
        for start in locate(source, passage):
            covered.update(range(start, start + length))
    return covered


def _all_covered(text: str, start: int, end: int, covered: set[int]) -> bool:
    return all(i in covered for i in range(start, end) if _CONTENT.match(text[i]))


def coverage_report(library: Any, known: dict[str, str] | None = None) -> list[str]:
    """Give one line per therapy of a :class:`~carbook.data.load.Library`: how many sentences of its source the
    chapter shows, lists as not used, and misses. ``known`` gives lines already worked out, by therapy id,
    for therapies that have not changed since."""
    known = known or {}
    return [known.get(t.id) or coverage(t, library.source_of(t)).summary() for t in library.therapies.values()]
