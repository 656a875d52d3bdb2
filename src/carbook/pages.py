"""Sections of the book's shared pages: overview, comparison, glossary, downloads, Sources appendix.

Pandas and matplotlib are imported only by the sections that use them, so the pages that need
neither start fast.
"""

from __future__ import annotations

import html

from .citations import Citations, excerpt
from .load import Library
from .models import Therapy
from .myst import Markdown, escape, figure, list_table, source_label, source_link
from .substitutions import short_name
from .terms import TermLinker

#: The facts of the introduction's overview table, by dotted path; their labels come from the registry.
OVERVIEW: list[str] = ["name", "modality", "cell_type", "target_antigen", "trial.nct_id"]


def _cited_value(citations: Citations, library: Library, therapy: Therapy, path: str, link=escape) -> str:
    """Give the value of a therapy's fact as MyST with the markers of its passages (the nearby one for a gap)."""
    from .tables import display_fact, row

    fact = therapy.fact_or_gap(path)
    one = row(therapy, path, fact)
    source = library.source_of(therapy)
    marks = citations.marker(*one.passages, source=source)
    text = link(display_fact(therapy, path, fact))
    return f"{text}{' (nearby: ' + marks + ')' if one.gap and marks else marks}"


def _page_citations(library: Library) -> Citations:
    first = next(iter(library.sources.values()))
    return Citations(first, sources_page="sources.html")


def overview(library: Library) -> Markdown:
    """Give the therapies-at-a-glance table of the introduction: a row per therapy, each value with its
    markers, the name linking to its chapter; then the page's numbered source passages."""
    from .labels import label
    from .models import RESTS_ON_PREFIX

    citations = _page_citations(library)
    header = [escape(label(path)) for path in OVERVIEW] + ["Source document"]
    rows = []
    for t in library.therapies.values():
        cells = [_cited_value(citations, library, t, path) for path in OVERVIEW]
        cells[0] = f"[{escape(short_name(t))}](therapies/{t.id}.md){cells[0][len(escape(t.name.value)):]}"
        rows.append([*cells, source_link(t.source)])
    table_md = list_table("The therapies of this book at a glance.", "tbl-overview", header, rows)
    return Markdown(table_md + "\n\n" + "**Source passages of this table**\n\n" + citations.passage_list(RESTS_ON_PREFIX))


def used_sentences(library: Library, name: str) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """Give each sentence of source ``name`` that the book shows, with ``(page, link text)`` for each page
    that shows it: the chapters of the therapies built from it, and the glossary."""
    from .citations import anchor, sentence_spans
    from .coverage import quoted_passages
    from .tables import record_field_rows

    source = library.sources[name]
    used: dict[tuple[int, int], list[tuple[str, str]]] = {}

    def note(passage: str, page: str, text: str) -> None:
        for span in sentence_spans(source, passage):
            places = used.setdefault(span, [])
            if (page, text) not in places:
                places.append((page, text))

    for therapy in library.therapies.values():
        if therapy.source != name:
            continue
        page = f"therapies/{therapy.id}.html"
        passages = [*quoted_passages(therapy), *(r.passages[0] for r in record_field_rows(therapy, source))]
        for passage in passages:
            for span in sentence_spans(source, passage):
                note(passage, f"{page}#p-{anchor(source, span)}", f"{short_name(therapy)} chapter")
    for entry in library.glossary.terms if library.glossary else []:
        for passage in [entry.definition, *entry.used_in]:
            if passage is not None and passage.source == name:
                note(passage.quote, "glossary.html", "Glossary")
    return used


def _highlighted(library: Library, name: str) -> str:
    """Give a source document as HTML, verbatim, with the sentences the book shows highlighted and anchored."""
    from .citations import anchor

    source = library.sources[name]
    text = source.text
    used = used_sentences(library, name)
    pieces, at = [], 0
    for (start, end) in sorted(used):
        raw_start, raw_end = source.raw_span(start, end)
        if raw_start < at:
            continue  # overlapping an earlier highlight
        pieces.append(html.escape(text[at:raw_start]))
        pieces.append(f'<mark id="src-{anchor(source, (start, end))}">{html.escape(text[raw_start:raw_end])}</mark>')
        at = raw_end
    pieces.append(html.escape(text[at:]))
    where = []
    for (start, end), places in sorted(used.items()):
        links = ", ".join(f'<a href="{page}">{html.escape(link)}</a>' for page, link in places)
        where.append(f"<li>“{html.escape(excerpt(source.shown(start, end)))}” — {links}</li>")
    return (f'<pre class="carbook-source" tabindex="0">{"".join(pieces)}</pre>\n'
            f"<details class=\"cb-used\"><summary>Where the {len(used)} highlighted passages are used</summary>\n"
            f"<ul>{''.join(where)}</ul></details>")


def sources_appendix(library: Library) -> Markdown:
    """Give each source document verbatim, under a heading the chapters link to, with the passages the book
    uses highlighted and anchored (the rest plain), and where each is used."""
    blocks = []
    for name in sorted({t.source for t in library.therapies.values()}):
        users = ", ".join(short_name(t) for t in library.therapies.values() if t.source == name)
        blocks.append(f"({source_label(name)})=\n## {escape(name)}\n\nSource of {escape(users)}. Highlighted: the "
                      "passages the book shows.\n\n" + _highlighted(library, name))
    return Markdown("\n\n".join(blocks))


def comparison(library: Library) -> Markdown:
    """Give the side-by-side table of every therapy (columns keyed by id, each value with its markers), the
    stated/not-stated grid, and the page's numbered source passages."""
    from . import compare, figures
    from .models import RESTS_ON_PREFIX

    linker = TermLinker(library.glossary)
    citations = _page_citations(library)
    names = compare.column_names(library)
    header = ["Facet", *(escape(names[t.id]) for t in library.therapies.values())]
    rows = [[escape(lbl), *(_cited_value(citations, library, t, path, linker.link) for t in library.therapies.values())]
            for lbl, path in compare.FACETS]
    parts = [
        list_table("The therapies side by side: one column per therapy, one row per facet.", "tbl-comparison", header, rows,
                   css="carbook-table carbook-comparison"),
        figure(figures.stated_grid(compare.stated_matrix(library).rename(columns=compare.grid_names(library))),
               "What each source states and what it leaves out, facet by facet. "
               "A gap means the source is silent, not that the therapy lacks it.",
               "fig-comparison-stated"),
        "## Source passages\n\nEvery passage the table rests on, once each, numbered as its markers.",
        citations.passage_list(RESTS_ON_PREFIX),
    ]
    return Markdown("\n\n".join(parts))


def glossary(library: Library) -> Markdown:
    """Give the glossary: each term with its source's definition quoted, or an editorial one marked so."""
    lines = ["````{glossary}"]
    for entry in sorted(library.glossary.terms if library.glossary else [], key=lambda e: e.term.lower()):
        if entry.definition is not None:
            text = f"“{escape(entry.definition.quote)}” (definition quoted from {source_link(entry.definition.source)})"
        else:
            text = f"*Editorial definition:* {escape(entry.editorial)}"
        uses = " ".join(f"“{escape(u.quote)}” ({source_link(u.source)})" for u in entry.used_in)
        lines.append(escape(entry.term))
        lines.append(f"  {text}")
        if uses:
            lines += ["", f"  *In the sources:* {uses}"]
        lines.append("")
    lines.append("````")
    return Markdown("\n".join(lines))


def downloads(library: Library, folder: str = "../data") -> Markdown:
    """Give the list of published data files, linked relative to a page in book/ (``folder``)."""
    files = [
        ("datapackage.json", "the package descriptor: resources, the facts table's schema, sources, licence"),
        ("facts.csv", "every fact the chapters show, one row each, with its source passage"),
        *((f"therapies/{t.id}.json", f"the whole structured record of {t.name.value}") for t in library.therapies.values()),
        ("labels.json", "the one label of each fact, by its dotted path: the labels of the pages and of facts.csv"),
        ("schema/therapy.json", "the JSON Schema of a therapy's record"),
        *((f"sources/{name}", "a source document, verbatim") for name in sorted({t.source for t in library.therapies.values()})),
    ]
    # Plain links: the files are written into the site after the pages, so they are not Sphinx documents.
    items = [f'* <a href="{folder}/{path}"><code>{path}</code></a>: {escape(what)}' for path, what in files]
    return Markdown("\n".join(items))
