"""The Therapies index page: one row per therapy, with the facts a reader finds a therapy by.

Each value is shown plain, without passages or markers: the product's name links to its chapter,
where every fact stands with its passage. The table is complete without JavaScript; the page's own
script (``book/_static/carbook-index.js``) adds filters for the columns of :data:`FILTERS`, a text
box and sorting by any column, all built from the table as it stands.
"""

from __future__ import annotations

import html

from carbook.pages.labels import label, modality_label
from carbook.data.load import Library
from carbook.data.models import Therapy
from carbook.data.facts import NOT_STATED
from carbook.pages.myst import Markdown, plain_table
from carbook.pages.substitutions import short_name
from carbook.pages.tables import display_value

#: The index's columns, by dotted path of the fact in a therapy's data; their labels come from the registry.
COLUMNS: list[str] = ["name", "modality", "cell_type", "target_antigen", "cell_source", "trial.phase", "trial.nct_id"]

#: The columns a reader can filter by, each with a select of the values the table holds.
FILTERS: list[str] = ["modality", "target_antigen"]

#: The table's label: its HTML id, which the page's script finds it by.
TABLE_ID = "tbl-therapies"

#: Where the page's script and stylesheet are, relative to the page (book/therapies.html).
STATIC = "../_static"


def value(therapy: Therapy, path: str) -> str:
    """Give the fact at ``path`` as the index shows it: its plain value, or "Not stated in the source"
    for a gap or for a fact the therapy's data does not hold at all."""
    if getattr(therapy, path.split(".")[0], None) is None:
        return NOT_STATED
    if path == "modality":
        return modality_label(therapy.modality.value)  # one form for one kind of label, however the source writes it
    return display_value(therapy.fact_or_gap(path))


def rows(library: Library) -> list[list[str]]:
    """Give the index as plain text: a row per therapy, in the book's order, one value per column of
    :data:`COLUMNS` (the name as tables name a therapy: the product, with its study)."""
    return [[short_name(t), *(value(t, path) for path in COLUMNS[1:])] for t in library.therapies.values()]


def _table(library: Library) -> str:
    # Plain cells, set without parsing them: as a list-table, thousands of rows take seconds to read.
    links = [f"therapies/{therapy_id}.md" for therapy_id in library.therapies]
    return plain_table("Every therapy of the book, one row each.", TABLE_ID, [label(path) for path in COLUMNS],
                       list(zip(links, rows(library))), css="carbook-index")


def index_page(library: Library) -> Markdown:
    """Give the index as MyST: the page's stylesheet and script, the place its controls go, and the table."""
    filters = " ".join(str(COLUMNS.index(path)) for path in FILTERS)
    assets = "\n".join([
        f'<link rel="stylesheet" href="{STATIC}/carbook-index.css">',
        f'<script src="{STATIC}/carbook-index.js" defer></script>',
        # Empty and hidden until the script fills it: without JavaScript the page is the table alone.
        f'<div class="cb-index-controls" data-table="{TABLE_ID}" data-filter-columns="{filters}" '
        f'data-gap="{html.escape(NOT_STATED)}" hidden></div>',
    ])
    return Markdown(assets + "\n\n" + _table(library))
