"""Citations: each source passage printed once per page, numbered, and a marker wherever a fact rests on it.

A page's facts carry markers (``[3]``) that lead to a numbered "Source passages" list at the end of
the page, the way a scholarly reference list works; a small local script (``carbook-cite.js``) shows
the passage beside the marker on hover, keyboard focus and tap. Each entry links to the passage on
its source document's page, where the passages the book uses are highlighted. Anchors are made from
where a passage lies in its source, so the chapter and the source's page agree without knowing each
other.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from carbook.data.framing import locate, record_spans, sentences
from carbook.pages.myst import Markdown, slug
from carbook.data.sources import SourceDocument, normalise

#: A value this long or longer that is (nearly) its passage's whole text is printed in full where the page
#: shows it, and the list points there instead of printing it again.
LONG = 60


def sentence_spans(source: SourceDocument, passage: str) -> list[tuple[int, int]]:
    """Give where each whole sentence that holds ``passage`` lies in the source's normalised text: a page
    prints a passage's sentences, so a clause is read with its hedge, and overlapping passages once."""
    start = None
    if source.format == "record":  # a field's whole value: that field, not the same words inside another
        for name, span in record_spans(source).items():
            if source.normalised[span[0]:span[1]] == normalise(passage):
                start, end = span
                break
    if start is None:
        starts = locate(source, passage)
        if not starts:
            return []
        start, end = starts[0], starts[0] + len(normalise(passage))
    inside = [(s.start, s.end) for s in sentences(source) if s.start < end and s.end > start]
    return inside or [(start, end)]


def anchor(source: SourceDocument, span: tuple[int, int]) -> str:
    """Give the anchor of a sentence, the same on every page: its source, where it starts, and its length."""
    return f"{slug(source.name)}-{span[0]}-{span[1] - span[0]}"


def passage_anchors(source: SourceDocument, passage: str) -> list[str]:
    """Give the anchors of the sentences that hold ``passage``."""
    return [anchor(source, span) for span in sentence_spans(source, passage)]


def excerpt(passage: str, words: int = 7) -> str:
    """Give the first words of a long passage, ended with an ellipsis."""
    parts = normalise(passage).split(" ")
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


@dataclass
class Entry:
    number: int
    passage: str
    anchor: str
    rests_on: str | None = None
    note: str | None = None
    source: str = ""
    shown_as: str | None = None  # the label under which the page's body shows this passage in full
    span: tuple[int, int] = (0, 0)  # where the sentence lies in its source's normalised text


@dataclass
class Citations:
    """The numbered passages of one page, in the order the page first cites them. ``source`` is the page's
    document; a page that cites several (the comparison) names the document with each passage."""

    source: SourceDocument
    sources_folder: str = "../sources"  # the source pages, from the page
    original: str | None = None  # the published address of the page's source, where its provenance records one
    entries: dict[str, Entry] = field(default_factory=dict)
    also: dict[str, Entry] = field(default_factory=dict)

    def entries_for(self, passage: str, source: SourceDocument | None = None) -> list[Entry]:
        """Give the entries of the sentences that hold ``passage`` on this page, numbering any that are new."""
        source = source or self.source
        found = []
        for span in sentence_spans(source, passage):
            key = anchor(source, span)
            if key not in self.entries:
                self.also.pop(key, None)
                self.entries[key] = Entry(len(self.entries) + 1, source.shown(*span), key,
                                          note=_field_at(source, span[0]), source=source.name, span=span)
            found.append(self.entries[key])
        return found

    def numbers(self, passage: str) -> list[int]:
        """Give the numbers of the passage's sentences on this page."""
        return [entry.number for entry in self.entries_for(passage)]

    def marker(self, *passages: str | None, source: SourceDocument | None = None) -> str:
        """Give the markers of the passages' sentences, each sentence once, as inline HTML for MyST
        (empty for no passage)."""
        entries = {e.anchor: e for p in passages if p for e in self.entries_for(p, source)}
        return "".join(f'<sup class="cb-cite"><a href="#p-{e.anchor}" role="doc-noteref" '
                       f'aria-label="Source passage {e.number}">[{e.number}]</a></sup>' for e in entries.values())


    def shown_in_body(self, value: str, passages: tuple[str, ...], label: str) -> str | None:
        """Tell the list that the body shows ``value`` in full where it is (nearly) its passages' whole text,
        so the list points there instead of printing it twice; give the HTML anchor to put beside the value,
        or None where the value is only part of its passages."""
        entries = [e for p in passages for e in self.entries_for(p)]
        whole = sum(len(e.passage) for e in {e.anchor: e for e in entries}.values())
        if not entries or len(normalise(value)) < LONG or len(normalise(value)) < 0.8 * whole:
            return None
        for entry in entries:
            entry.shown_as = entry.shown_as or label
        return "".join(f'<span id="v-{e.anchor}"></span>' for e in {e.anchor: e for e in entries}.values())

    def also_stated(self, passage: str, rests_on: str, note: str | None) -> None:
        """Add a passage shown only in the list's "Also stated in the source" part."""
        for span in sentence_spans(self.source, passage):
            key = anchor(self.source, span)
            if key not in self.entries and key not in self.also:
                self.also[key] = Entry(0, self.source.shown(*span), key, rests_on, note, self.source.name, span=span)

    def passage_list(self, kind_prefix: dict[str, str]) -> Markdown:
        """Give the page's passages as HTML: the numbered list, then the passages also stated."""
        def item(entry: Entry, number: int) -> str:
            label = kind_prefix.get(entry.rests_on or "", "")
            note = f'<span class="cb-note">{html.escape(entry.note)}</span> ' if entry.note else ""
            kind = f'<span class="cb-kind">{html.escape(label.rstrip(": "))}:</span> ' if label else ""
            if entry.shown_as:
                text = (f'Quoted in full above, as the <a href="#v-{entry.anchor}">{html.escape(entry.shown_as)}</a>.')
                passage = f' data-passage="{html.escape(entry.passage)}"'
            else:
                text, passage = f'<q class="cb-passage">{html.escape(entry.passage)}</q>', ""
            original = ""
            if self.original and entry.source == self.source.name:
                from carbook.pages.annotations import text_fragment

                start = entry.span[0]
                before = self.source.shown(max(0, start - 120), start) if start else ""
                fragment = text_fragment(entry.passage, before=before, unique=_opens_once(self.source, entry.passage))
                original = (f'<span class="cb-original"> · <a href="{html.escape(self.original + fragment)}">'
                            "open at this passage in the original</a></span>")
            return (f'<li id="p-{entry.anchor}" value="{number}"{passage}>{note}{kind}{text} '
                    f'<a class="cb-in-source" href="{self.sources_folder}/{slug(entry.source)}.html#src-{entry.anchor}">in {html.escape(entry.source)}</a>'
                    f'{original}</li>')

        numbered = list(self.entries.values())
        lines = ['<ol class="cb-passages">', *(item(e, e.number) for e in numbered), "</ol>"]
        also = list(self.also.values())
        if also:
            start = len(numbered) + 1
            lines += ['<p class="cb-also-heading" id="also-stated"><strong>Also stated in the source</strong></p>',
                      f'<ol class="cb-passages cb-also" start="{start}">',
                      *(item(e, start + i) for i, e in enumerate(also)), "</ol>"]
        return Markdown("\n".join(lines))


def _opens_once(source: SourceDocument, passage: str, words: int = 4) -> bool:
    """Tell whether a passage's first words occur once in its source (so a text fragment needs no prefix)."""
    opening = normalise(" ".join(passage.split()[:words]))
    return source.normalised.count(opening) <= 1


def field_of(source: SourceDocument, passage: str) -> str | None:
    """Give the name of the record field whose value holds ``passage``; None for prose or a passage not found."""
    starts = locate(source, passage)
    if source.format != "record" or not starts:
        return None
    return next((name for name, (start, end) in record_spans(source).items() if start <= starts[0] < end), None)


def _field_at(source: SourceDocument, position: int) -> str | None:
    """Give "Field name:" for the record field whose value holds ``position``; None for prose."""
    if source.format != "record":
        return None
    for name, (start, end) in record_spans(source).items():
        if start <= position < end:
            return f"Field {name}:"
    return None
