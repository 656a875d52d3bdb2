"""Sections of the book's shared pages: overview, comparison, glossary, downloads, Sources appendix.

Pandas and matplotlib are imported only by the sections that use them, so the pages that need
neither start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .load import SOURCE_DIR, Library
from .models import Therapy
from .myst import Markdown, dropdown, escape, figure, paragraph, source_label, source_link, table
from .terms import TermLinker

if TYPE_CHECKING:
    import pandas as pd


#: The facts of the introduction's overview table, as (column, dotted path in a therapy's data).
OVERVIEW: list[tuple[str, str]] = [
    ("Therapy", "name"),
    ("Modality", "modality"),
    ("Cell type engineered", "cell_type"),
    ("Target antigen", "target_antigen"),
    ("Trial", "trial.nct_id"),
]


def overview_frame(library: Library) -> pd.DataFrame:
    """Give one row per therapy: name, modality, cell type, target, trial and source document."""
    import pandas as pd

    from .tables import display_value

    rows = [
        {**{column: display_value(t.fact_at(path)) for column, path in OVERVIEW}, "Source document": t.source}
        for t in library.therapies.values()
    ]
    return pd.DataFrame(rows)


def overview(library: Library) -> Markdown:
    """Give the therapies-at-a-glance table of the introduction, with the passages behind each row."""
    parts = [table(overview_frame(library), "The therapies of this book at a glance.", "tbl-overview")]
    parts += [_passages(t, [(column, t.fact_at(path)) for column, path in OVERVIEW], "overview") for t in library.therapies.values()]
    return Markdown("\n\n".join(parts))


def _passages(therapy: Therapy, facts: list[tuple[str, Any]], where: str) -> Markdown:
    """Give a collapsed table of the passages behind one therapy's values in a table of this page."""
    from .tables import fact_table

    title = f"Passages behind the {therapy.name.value} values"
    return dropdown(title, table(fact_table(facts, therapy.source), f"{title}.", f"tbl-{where}-{therapy.id}"))


def sources_appendix(library: Library) -> Markdown:
    """Give each source document verbatim, as a captioned, labelled block the chapters link to."""
    blocks = []
    for name in sorted({t.source for t in library.therapies.values()}):
        users = ", ".join(t.name.value for t in library.therapies.values() if t.source == name)
        blocks.append(
            "\n".join(
                [
                    f"````{{literalinclude}} /{(SOURCE_DIR / name).as_posix()}",
                    f":caption: {escape(name)} — source of {escape(users)}",
                    f":name: {source_label(name)}",
                    ":language: text",
                    ":class: carbook-source",
                    "````",
                ]
            )
        )
    return Markdown("\n\n".join(blocks))


def comparison(library: Library) -> Markdown:
    """Give the side-by-side table of every therapy, the passages behind each column, and the stated/not-stated grid."""
    from . import compare, figures

    linker = TermLinker(library.glossary)
    parts = [
        table(compare.comparison_frame(library), "The therapies side by side: one column per therapy, one row per facet.",
              "tbl-comparison", linker.link),
        paragraph("Each value comes from its therapy's source document. Open a therapy below to read the passage",
                  "behind every value in its column."),
    ]
    parts += [_passages(t, compare.facets(t), "comparison") for t in library.therapies.values()]
    parts.append(figure(figures.stated_grid(compare.stated_matrix(library)),
                        "What each source states and what it leaves out, facet by facet. "
                        "A gap means the source is silent, not that the therapy lacks it.",
                        "fig-comparison-stated"))
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
        ("schema/therapy.json", "the JSON Schema of a therapy's record"),
        *((f"sources/{name}", "a source document, verbatim") for name in sorted({t.source for t in library.therapies.values()})),
    ]
    # Plain links: the files are written into the site after the pages, so they are not Sphinx documents.
    items = [f'* <a href="{folder}/{path}"><code>{path}</code></a>: {escape(what)}' for path, what in files]
    return Markdown("\n".join(items))
