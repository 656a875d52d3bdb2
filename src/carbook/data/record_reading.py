"""Reading a field/value drug record for the importer: its sentences by field, and the search for a fact's
value in them that passes every check a fact must pass at build time (:mod:`carbook.data.framing`).
"""

from __future__ import annotations

import re
from typing import Any

from carbook.data.framing import FRAMES, check_fact, record_spans, sentences
from carbook.data.records import is_placeholder
from carbook.data.sources import PLAIN_FORMS, SourceDocument

#: Fields read for prose facts, in the order they are searched.
TEXT_FIELDS = ("nci_thesaurus_preferred_term", "drug_description", "nci_thesaurus_definition",
               "drug_mechanism_of_action", "intervention_type", "drug_name")

#: One character for each typographic character with a one-character plain form (U+2011 for "-", a
#: non-breaking space for " "): patterns match on the plain text, values are cut from the record's own.
_ONE_FOR_ONE = str.maketrans({**{c: f for c, f in PLAIN_FORMS.items() if len(f) == 1},
                              **dict.fromkeys("\u00a0\u2007\u2009\u202f", " ")})


def plain(text: str) -> str:
    """Give ``text`` with each typographic character in its plain form, position for position
    (``anti‑CD70`` with U+2011 gives ``anti-CD70``), so a match on it cuts the same span of ``text``."""
    return text.translate(_ONE_FOR_ONE)



#: What a value may rest on, tried in this order: a plain statement, else the frame its sentence gives it.
KINDS = ("statement", "hedged", "aim", "finding")


def as_fact(source: SourceDocument, value: str, quote: str, kinds: tuple[str, ...] = KINDS) -> dict[str, Any] | None:
    """Give ``{value, quote}`` (with ``rests_on`` where a frame governs it) if the checks accept it on one of
    ``kinds``, else None."""
    for kind in kinds:
        if value and not list(check_fact(source, quote, value, kind)):
            return {"value": value, "quote": quote, **({"rests_on": kind} if kind != "statement" else {})}
    return None


class RecordReader:
    """The record's sentences by field, and the search for a fact's value in them that the checks accept."""

    def __init__(self, source: SourceDocument):
        self.source = source
        self.parsed = source.parsed_record
        self.fields = {name: value for name, value in source.record.items() if not is_placeholder(value)}
        spans = record_spans(source)
        self.sentences: dict[str, list[str]] = {name: [] for name in source.record}
        for sentence in sentences(source):
            for name, (start, end) in spans.items():
                if start <= sentence.start < end:  # in the record's own characters (its dashes, its ×)
                    self.sentences[name].append(source.shown(sentence.start, sentence.end))

    def field_sentences(self, names: tuple[str, ...] = TEXT_FIELDS) -> list[tuple[str, str]]:
        ordered = [*names, *(n for n in self.fields if n not in names)]
        return [(name, text) for name in ordered if name in self.fields for text in self.sentences.get(name, [])]

    def find(self, pattern: re.Pattern[str], names: tuple[str, ...] = TEXT_FIELDS) -> dict[str, Any] | None:
        """Give the first ``{value, quote}`` whose value ``pattern`` finds in a sentence (typographic variants
        aside) and that passes every check a fact must pass (no dropped hedge, no example wording): a plain
        statement where any sentence makes one, else one its sentence frames, with that ``rests_on``; else None."""
        for kinds in (KINDS[:1], KINDS[1:]):
            for _, sentence in self.field_sentences(names):
                for match in pattern.finditer(plain(sentence)):
                    group = next((i for i, g in enumerate(match.groups(), start=1) if g), 0)
                    found = as_fact(self.source, sentence[match.start(group):match.end(group)].strip(), sentence, kinds)
                    if found:
                        return found
        return None

    def mentions(self, pattern: re.Pattern[str], names: tuple[str, ...] = TEXT_FIELDS) -> str | None:
        """Give the first sentence in which ``pattern`` finds anything, checks aside; else None."""
        return next((s for _, s in self.field_sentences(names) if pattern.search(plain(s))), None)

    def nearby(self, *words: str) -> str | None:
        """Give the first sentence that uses the first of ``words`` any sentence uses, to show beside a gap."""
        for word in words:
            for _, sentence in self.field_sentences():
                if re.search(rf"\b{re.escape(word)}", plain(sentence), re.IGNORECASE):
                    return sentence
        return None

    def empty(self, name: str) -> bool:
        """Tell whether the record names field ``name`` and leaves its value empty."""
        return name in self.source.record and not self.source.record[name].strip()


def as_gap(note: str, nearby: str | None = None) -> dict[str, Any]:
    return {"not_stated": note, **({"nearby": nearby} if nearby else {})}


#: Words that speak of how the cells are given, and of whose cells they are, where the importer reads no fact.
GIVEN = re.compile(r"\b(?:administered|given|infused|injected)\b", re.IGNORECASE)
WHOSE = re.compile(r"\b(?:donors?|patient-derived|patient's own|the patient’s own|own (?:T|NK) cells|off-the-shelf)\b", re.IGNORECASE)


def ask_unread(record: RecordReader, review: list[str], path: str, words: re.Pattern[str], what: str,
            gap: dict[str, Any]) -> dict[str, Any]:
    """Give ``gap``; where a sentence of the record speaks of ``what`` in words the importer does not read as a
    fact, ask the editor about it (``review``) and show that sentence beside the gap."""
    mention = record.mentions(words)
    if mention is None:
        return gap
    review.append(f"{path}: the record may say {what} in “{mention}”; write it from there (value and quote), or "
                  "confirm that it does not")
    return {**gap, "nearby": mention}


def frame_of(sentence: str, default: str) -> str:
    for family in ("hedged", "aim", "finding"):
        if FRAMES[family].search(plain(sentence)):
            return family
    return default
