"""The Sources appendix: a page per source document, verbatim, and the list of them all.

Each source document has a page of its own (``book/sources/<slug>.html``, written by
:mod:`carbook.sphinxext.source_pages`): what it is, who publishes it and where, the book's copy, and
the document itself with the passages the book shows highlighted, each a link to where the book
shows it. The Sources page lists them, one line each, so no page grows with the whole field's text.
"""

from __future__ import annotations

import html

from markdown_it import MarkdownIt

from carbook.data.load import Library
from carbook.pages.citations import anchor, excerpt, sentence_spans
from carbook.pages.myst import Markdown, escape, slug, source_link
from carbook.pages.pieces import Pieces
from carbook.pages.substitutions import short_name

#: Where the source pages are, as a document name without the slug (``book/sources/<slug>``).
FOLDER = "book/sources"


def page_name(document: str) -> str:
    """Give the page name (Sphinx's, without ``.html``) of source document ``document``'s page."""
    return f"{FOLDER}/{slug(document)}"


def used_sentences(library: Library, name: str) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """Give each sentence of source ``name`` that the book shows, with ``(address, link text)`` for each page
    that shows it (addresses relative to ``book/``): the chapters of the therapies built from it, and the
    glossary."""
    from carbook.data.coverage import quoted_passages
    from carbook.pages.tables import record_field_rows

    source = library.sources[name]
    used: dict[tuple[int, int], list[tuple[str, str]]] = {}

    def note(span: tuple[int, int], page: str, text: str) -> None:
        places = used.setdefault(span, [])
        if (page, text) not in places:
            places.append((page, text))

    for therapy in library.built_from(name):
        page = f"therapies/{therapy.id}.html"
        passages = [*quoted_passages(therapy), *(r.passages[0] for r in record_field_rows(therapy, source))]
        for passage in passages:
            for span in sentence_spans(source, passage):  # each sentence links to its own entry in the chapter
                note(span, f"{page}#p-{anchor(source, span)}", f"{short_name(therapy)} chapter")
    for entry in library.glossary.terms if library.glossary else []:
        for passage in [entry.definition, *entry.used_in]:
            if passage is not None and passage.source == name:
                for span in sentence_spans(source, passage.quote):
                    note(span, "glossary.html", "Glossary")
    return used


def highlighted(library: Library, name: str) -> str:
    """Give a source document as HTML, verbatim, with the sentences the book shows highlighted and anchored,
    each a link to where the book shows it (from its page in ``book/sources/``); a sentence shown in several
    places lists them all below."""
    source = library.sources[name]
    text = source.text
    used = used_sentences(library, name)
    pieces, at = [], 0
    for (start, end), places in sorted(used.items()):
        raw_start, raw_end = source.raw_span(start, end)
        if raw_start < at:
            continue  # overlapping an earlier highlight
        pieces.append(html.escape(text[at:raw_start]))
        # Each passage is the link to where it is shown (the text above the source says so).
        pieces.append(f'<a href="../{places[0][0]}"><mark id="src-{anchor(source, (start, end))}">'
                      f'{html.escape(text[raw_start:raw_end])}</mark></a>')
        at = raw_end
    pieces.append(html.escape(text[at:]))
    several = []
    for (start, end), places in sorted(used.items()):
        if len(places) > 1:
            links = ", ".join(f'<a href="../{page}">{html.escape(link)}</a>' for page, link in places)
            several.append(f"<li>“{html.escape(excerpt(source.shown(start, end)))}” — {links}</li>")
    listing = (f"\n<details class=\"cb-used\"><summary>{len(several)} of the highlighted passages are shown in "
               f"several places</summary>\n<ul>{''.join(several)}</ul></details>") if several else ""
    return f'<pre class="carbook-source" tabindex="0">{"".join(pieces)}</pre>{listing}'


def provenance_text(library: Library, name: str) -> str:
    """Give, as MyST, what a source document is, who publishes it and where, the book's copy and its version,
    who its fields come from, and the versions it replaced (empty where its provenance is not recorded)."""
    from carbook.data.provenance import short
    from carbook.pages import provenance as told

    known = library.provenance.get(name)
    if known is None:
        return ""
    text = f"{told.described(known, library.source_title(name))} ({told.version(known)})."
    whose = told.fields_credit(known)
    if whose:
        text += f" {whose[:1].upper()}{whose[1:]}."
    if known.history:
        earlier = "; ".join(f"version {short(v.sha256)}, copy of {told.date(v.retrieved)}" for v in reversed(known.history))
        text += f" Earlier versions the book held: {earlier}."
    return text


_INLINE = MarkdownIt("commonmark")


def _inline_html(myst: str) -> str:
    """Give a line of MyST that uses only links, code and escapes as the HTML it renders to."""
    return _INLINE.renderInline(myst)


def source_page(library: Library, name: str) -> str:
    """Give the body (HTML) of source document ``name``'s page: its provenance, the therapies built from it
    (linked), and the document verbatim with the book's passages highlighted."""
    built = ", ".join(f'<a href="../therapies/{t.id}.html">{html.escape(short_name(t))}</a>'
                      for t in library.built_from(name))
    about = provenance_text(library, name)
    parts = [f'<section id="source-{slug(name)}">',
             f'<h1>{html.escape(name)}<a class="headerlink" href="#source-{slug(name)}" title="Link to this heading">#</a></h1>',
             f"<p>{_inline_html(about)}</p>" if about else "",
             (f"<p>Source of {built}. " if built else "<p>") +
             "Highlighted: the passages the book shows, each a link to where it shows it. "
             'All the sources: <a href="../sources.html">Sources</a>.</p>',
             highlighted(library, name), "</section>"]
    return "\n".join(part for part in parts if part)


def inputs(library: Library, name: str, pieces: Pieces) -> tuple[object, ...]:
    """Give what the parts made from source document ``name`` are made from (its page, its annotations): the
    document, its provenance, the glossary, and the therapies built from it."""
    known = library.provenance.get(name)
    return (name, pieces.of(library.sources[name].text), pieces.of(library.glossary),
            known.model_dump_json() if known else "", *((t.id, pieces.of(t)) for t in library.built_from(name)))


def appendix(library: Library) -> Markdown:
    """Give the Sources page's list: each source document a line, linked to its page, with what it is and the
    date and version of the book's copy (who publishes it and where is on its page)."""
    from carbook.pages import provenance as told

    lines = []
    for name in sorted({t.source for t in library.therapies.values()}):
        known = library.provenance.get(name)
        title = library.source_title(name)
        what = ""
        if known is not None:
            named = f"“{escape(title)}”, {escape(known.kind)}" if known.title else escape(f"the {known.kind} of {title}")
            what = f": {named}; copy of {told.date(known.retrieved)}, {told.version(known)}"
        lines.append(f"* {source_link(name)}{what}.")
    return Markdown("\n".join(lines))
