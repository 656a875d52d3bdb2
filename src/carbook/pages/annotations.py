"""Each passage the book quotes, pointed at the way any annotation tool can: a W3C Web Annotation.

A passage (a sentence of a source document the book shows) is anchored by a ``TextQuoteSelector``,
its exact words with as much of the text before and after them as makes it unique in the document,
and a ``TextPositionSelector``, where it starts and ends in the document's text (characters of the
file as published, decoded from UTF-8). It targets the document's published address where its
provenance records one, in the state of the book's copy: its date and the copy itself in the data
package (a ``TimeState`` with ``cached``), else the copy alone. The annotation's body is the address of
each place the book shows the passage (Web Annotation Data Model, https://www.w3.org/TR/annotation-model/).

For a reader, :func:`text_fragment` gives the same passage as a URL text fragment (``#:~:text=``),
which browsers scroll to and highlight on the published page.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from carbook.data.load import Library
from carbook.pages.citations import anchor

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
#: How much text before and after a passage its selector gives, tried in turn until the three are unique.
CONTEXT_LENGTHS = (16, 32, 64, 128, 256, 512)


def quote_selector(text: str, start: int, end: int) -> dict[str, Any]:
    """Give the ``TextQuoteSelector`` of ``text[start:end]``: its exact words, with the shortest prefix and
    suffix of :data:`CONTEXT_LENGTHS` with which the three occur once in ``text`` (the whole rest of the
    document at most)."""
    exact = text[start:end]
    for length in (*CONTEXT_LENGTHS, len(text)):
        prefix, suffix = text[max(0, start - length):start], text[end:end + length]
        if _occurrences(text, prefix + exact + suffix) == 1:
            break
    return {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}


def _occurrences(text: str, needle: str) -> int:
    count, at = 0, text.find(needle)
    while at >= 0 and count < 2:
        count, at = count + 1, text.find(needle, at + 1)
    return count


def position_selector(start: int, end: int) -> dict[str, Any]:
    """Give the ``TextPositionSelector`` of the characters ``start`` to ``end`` of a document."""
    return {"type": "TextPositionSelector", "start": start, "end": end}


def text_fragment(exact: str, words: int = 4, before: str = "", unique: bool = True) -> str:
    """Give a URL text fragment (``#:~:text=…``) for a passage: the passage itself, or, for a long one, its
    first and last words (the browser highlights all from one to the other). Where its first words occur
    elsewhere in the document too (``unique`` false), the words just ``before`` it are given as a prefix,
    so the browser starts at this passage."""
    parts = exact.split()

    def encoded(text: str) -> str:
        # commas, hyphens and ampersands have a meaning in the fragment (quote leaves hyphens as they are)
        return quote(text, safe="").replace("-", "%2D")

    prefix = "" if unique or not before.split() else f"{encoded(' '.join(before.split()[-3:]))}-,"
    if len(parts) <= 2 * words + 2:
        return f"#:~:text={prefix}{encoded(' '.join(parts))}"
    return f"#:~:text={prefix}{encoded(' '.join(parts[:words]))},{encoded(' '.join(parts[-words:]))}"


def document_annotations(library: Library, name: str, copy: str) -> dict[str, Any]:
    """Give, as a W3C ``AnnotationCollection`` (JSON-LD), every passage of source document ``name`` that the
    book shows, each with where the book shows it. Addresses are relative to the annotation file (in the
    data package's ``annotations/``); ``copy`` is the document's copy in the package, from there.

    Each passage targets the document's published address where its provenance gives one, in the state
    the selectors were made from: a ``TimeState`` with the date of the book's copy and, as ``cached``, the
    copy itself, on which both selectors hold exactly. A document with no published address is targeted
    at the copy."""
    from carbook.pages.sources import used_sentences

    source = library.sources[name]
    text = source.text
    known = library.provenance.get(name)
    items = []
    for (start, end), places in sorted(used_sentences(library, name).items()):
        raw_start, raw_end = source.raw_span(start, end)
        selectors = [quote_selector(text, raw_start, raw_end), position_selector(raw_start, raw_end)]
        if known is not None and known.address:
            target = {"source": known.address, "selector": selectors,
                      "state": {"type": "TimeState", "sourceDate": f"{known.retrieved.isoformat()}T00:00:00Z",
                                "cached": copy}}
        else:
            target = {"source": copy, "selector": selectors}
        items.append({
            "id": f"#{anchor(source, (start, end))}",
            "type": "Annotation",
            "motivation": "highlighting",
            "body": [f"../../book/{page}" for page, _ in places],  # each place the book shows it
            "target": target,
        })
    return {"@context": CONTEXT, "type": "AnnotationCollection", "label": f"The passages of {name} that the book shows",
            "total": len(items), "first": {"type": "AnnotationPage", "items": items}}


def file_name(document: str) -> str:
    """Give the name of a source document's annotation file in the data package's ``annotations/`` folder."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", document) + ".jsonld"
