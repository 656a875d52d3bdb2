"""Sections of the book's shared pages: the overview table and the Sources appendix."""

from __future__ import annotations

import pandas as pd

from .load import SOURCE_DIR, Library
from .myst import Markdown, escape, source_label, table
from .tables import display_value


def overview_frame(library: Library) -> pd.DataFrame:
    """Give one row per therapy: name, modality, cell type, target, trial and source document."""
    rows = [
        {
            "Therapy": t.name.value,
            "Modality": t.modality.value,
            "Cell type engineered": t.cell_type.value,
            "Target antigen": t.target_antigen.value,
            "Trial": display_value(t.trial.nct_id),
            "Source document": t.source,
        }
        for t in library.therapies.values()
    ]
    return pd.DataFrame(rows)


def overview(library: Library) -> Markdown:
    """Give the therapies-at-a-glance table of the introduction."""
    return table(overview_frame(library), "The therapies of this book at a glance. Each chapter quotes the source for every value.",
                 "tbl-overview")


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
