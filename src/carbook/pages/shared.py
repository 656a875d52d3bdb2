"""Sections of the book's shared pages: overview, comparison, glossary, downloads, Sources appendix.

Pandas and matplotlib are imported only by the sections that use them, so the pages that need
neither start fast.
"""

from __future__ import annotations

from typing import Any

from carbook.data.load import Library
from carbook.data.models import Therapy
from carbook.pages.myst import Markdown, escape, figure, list_table, source_link
from carbook.pages.pieces import Pieces, none
from carbook.pages.substitutions import short_name

def overview(library: Library) -> Markdown:
    """Give the introduction's summary: for each modality, how many therapies the book covers and the cells
    they engineer, linked to the Therapies page that lists every one."""
    from carbook.pages.labels import label
    from carbook.pages.tables import display_value

    from carbook.pages.labels import modality_label

    by_modality: dict[str, list[Therapy]] = {}
    for therapy in library.therapies.values():
        by_modality.setdefault(modality_label(therapy.modality.value), []).append(therapy)
    rows = []
    for modality, members in by_modality.items():
        cells = sorted({display_value(t.cell_type) for t in members})
        named = ", ".join(f"[{escape(short_name(t))}](therapies/{t.id}.md)" for t in members[:3])
        more = f" and {len(members) - 3} more" if len(members) > 3 else ""
        rows.append([escape(modality), str(len(members)), escape(", ".join(cells)), named + escape(more)])
    header = [escape(label("modality")), "Therapies", escape(label("cell_type")), "For example"]
    return list_table("The therapies of this book by modality.", "tbl-overview", header, rows)


def comparison(library: Library, pieces: Pieces | None = None) -> Markdown:
    """Give the comparison: a contrast of the modalities of the default set, each statement with its markers;
    the place the page's script puts its chooser; the default set side by side in one table (taken from
    ``pieces`` where what it is made from is unchanged); then how often sources state each facet."""
    from carbook.pages import compare

    pieces = pieces or none()
    shown = compare.default_set(library)
    names = compare.column_names(library)
    inputs = (pieces.of(library.glossary), *((t.id, names[t.id], pieces.of(t), pieces.of(library.source_of(t).text))
                                             for t in shown))
    contrast = pieces.get("comparison-contrast", inputs, lambda: "\n".join(compare.contrast(library)))
    table = pieces.get("comparison-table", inputs, lambda: compare.table_html(library, shown))
    count = len(library.therapies)
    chooser = ('<link rel="stylesheet" href="../_static/carbook-compare.css">\n'
               '<script src="../_static/carbook-compare.js" defer></script>\n'
               f'<div class="cb-compare-controls" data-index="comparison/index.json" data-most="{compare.MOST}" '
               f'data-fewest="{compare.FEWEST}" hidden></div>')
    parts = ["## The modalities in brief", "Each line sets one modality’s therapy against the others, in its "
             "source’s words; ↗ leads to the passage in the therapy’s chapter.", contrast,
             "## Side by side",
             (f"The table shows the book’s {count} {'therapy' if count == 1 else 'therapies'}. " if count == len(shown) else
              f"The book holds {count} therapies; the table shows {len(shown)}, the first of each modality, and any 2 to "
              f"{compare.MOST} can be chosen. ") + "A row marked "
             "*differs* is one where every source states the fact and they state it differently. A cell set apart "
             "as *Not stated in the source* means that source is silent: it says nothing of the therapy, so such "
             "a row is never marked as a difference.",
             chooser + "\n" + table]
    total = len(library.therapies)
    counts = compare.stated_totals(library)

    def drawing() -> Any:
        from carbook.pages import figures

        return figures.stated_counts(counts, total)

    parts.append("## What the sources state\n\n" + str(figure(
        pieces.get("stated-counts-figure", (*counts.items(), total), drawing),
        "How many of the therapies’ sources state each facet. A gap means a source is silent, not that the therapy lacks it.",
        "fig-comparison-stated", root=library.root)))
    return Markdown("\n\n".join(parts))


def comparison_answer(library: Library, keys: list[str]) -> Markdown:
    """Give the answer of a question of the comparison page from the rows ``keys`` of the default set."""
    from carbook.pages import compare

    return Markdown(compare.answer(library, keys))


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


#: Up to this many therapies (or sources), the Data page names each of their files; beyond, one line says
#: what they are and where they are listed, so the page does not grow with the whole field.
LISTED = 24


def downloads(library: Library, folder: str = "../data") -> Markdown:
    """Give the list of published data files, linked relative to a page in book/ (``folder``): each file of a
    small book, and for a large one each kind of file once, with the number of files and where they are
    named (the package descriptor)."""
    from carbook.pages.annotations import file_name

    therapies = list(library.therapies.values())
    documents = sorted({t.source for t in therapies})

    def each(paths: list[tuple[str, str]], pattern: str, what: str) -> list[tuple[str, str]]:
        if len(paths) <= LISTED:
            return paths
        return [(None, f"{pattern}: {what}, {len(paths):,} files, each named in datapackage.json")]

    files = [
        ("datapackage.json", "the package descriptor: resources, the facts table’s schema, sources, licence"),
        ("facts.csv", "every fact the chapters show, one row each, with its source passage"),
        *each([(f"therapies/{t.id}.json", f"the whole structured record of {t.name.value}") for t in therapies],
              "therapies/<id>.json", "the whole structured record of each therapy"),
        ("labels.json", "the one label of each fact, by its dotted path: the labels of the pages and of facts.csv"),
        ("schema/therapy.json", "the JSON Schema of a therapy’s record"),
        *each([(f"sources/{name}", "a source document, verbatim") for name in documents],
              "sources/<file>", "each source document, verbatim"),
        *each([(f"annotations/{file_name(name)}", f"the passages of {name} the book quotes, as W3C Web Annotations")
               for name in documents], "annotations/<file>.jsonld",
              "the passages of each source document the book quotes, as W3C Web Annotations"),
    ]
    # Plain links: the files are written into the site after the pages, so they are not Sphinx documents.
    items = [f'* <a href="{folder}/{path}"><code>{path}</code></a>: {escape(what)}' if path else f"* {escape(what)}"
             for path, what in files]
    return Markdown("\n".join(items) + "\n\n" + dataset_json_ld(library, folder))


def dataset_json_ld(library: Library, folder: str = "../data") -> str:
    """Give the schema.org ``Dataset`` description of the data package as a JSON-LD script element, so that
    dataset search engines can index the download: its name, licence, version, files, and each source
    document it is based on (title, publisher, address, the copy's date and version)."""
    import json

    from carbook import __version__
    from carbook.sphinxext.publish import LICENSE, PACKAGE_NAME

    documents = sorted({t.source for t in library.therapies.values()})
    based_on = []
    for name in documents if len(documents) <= LISTED else []:  # a large book's are named in datapackage.json
        known = library.provenance.get(name)
        if known is None:
            continue
        work = {"@type": "CreativeWork", "name": library.source_title(name), "genre": known.kind,
                "dateCreated": known.retrieved.isoformat(), "version": known.version}
        if known.address:
            work["url"] = known.address
        if known.publisher:
            work["publisher"] = {"@type": "Organization", "name": known.publisher}
        based_on.append(work)
    dataset = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": "CAR cell therapies: source-checked facts",
        "alternateName": PACKAGE_NAME,
        "description": "Facts on CAR cell therapies, each with the verbatim passage of its source document that states it.",
        "version": __version__,
        "license": LICENSE["path"],
        "creator": {"@type": "Organization", "name": "The editors"},
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": "application/json", "contentUrl": f"{folder}/datapackage.json"},
            {"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": f"{folder}/facts.csv"},
        ],
    }
    if based_on:
        dataset["isBasedOn"] = based_on
    text = json.dumps(dataset, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'

