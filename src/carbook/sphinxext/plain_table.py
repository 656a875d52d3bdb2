"""The ``{plain-table}`` block: a table whose cells are plain text, set without parsing them as MyST.

A table of thousands of rows (the Therapies index of a book of the whole field) costs seconds as a
``{list-table}``: each cell is a paragraph of markup, parsed one by one. Its cells here are text as it
stands, a row a line, cells separated by tabs, the first line the header row::

    ```{plain-table} Every therapy of the book, one row each.
    :name: tbl-therapies
    :class: carbook-index
    :row-links:

    Product<TAB>Modality
    therapies/heros-3.md<TAB>HER2 CAR T cells (HEROS 3.0)<TAB>CAR T cells
    ```

The table is docutils' list-table (:class:`~docutils.parsers.rst.directives.tables.ListTable`), with
its caption, ``name``, ``class`` and ``widths``; the first column heads its row (a stub column). With
``row-links``, each row after the header starts with the page its first cell links to, relative to
the page the table is on, as a MyST link ``[name](therapies/heros-3.md)`` would.
:func:`carbook.pages.myst.plain_table` writes such a block.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.tables import ListTable
from docutils.utils import SystemMessagePropagation
from sphinx import addnodes
from sphinx.application import Sphinx

from carbook.pages.myst import PLAIN_CELL_SEPARATOR as SEPARATOR


class PlainTable(ListTable):
    """Sets the block's lines as a table: header row, stub column, each cell a paragraph of its text."""

    option_spec = {**ListTable.option_spec, "row-links": directives.flag}

    def run(self) -> list[nodes.Node]:
        if not self.content:
            raise self.error(f'The "{self.name}" block is empty: give its header row and rows, cells '
                             "separated by tabs.")
        title, messages = self.make_title()
        links = "row-links" in self.options
        lines = list(self.content)
        width = len(lines[0].split(SEPARATOR))
        table_data = [[self._cell(text) for text in lines[0].split(SEPARATOR)]]
        for number, text in enumerate(lines[1:], start=2):
            cells = text.split(SEPARATOR)
            if len(cells) != width + links:
                raise self.error(f'"{self.name}" block, row {number}: {len(cells) - links} cells where the header '
                                 f"row has {width}; separate cells by one tab each"
                                 + (", after the page the row links to" if links else "") + ".")
            if links:
                target, name, *cells = cells
                table_data.append([[self._link(target, name, number)], *(self._cell(c) for c in cells)])
            else:
                table_data.append([self._cell(c) for c in cells])
        try:
            widths = self.get_column_widths(width)
        except SystemMessagePropagation as problem:  # a :widths: option that does not fit the columns
            return [problem.args[0]]
        table = self.build_table_from_list(table_data, widths, header_rows=1, stub_columns=1)
        table["classes"] += self.options.get("class", [])
        self.add_name(table)
        if title:
            table.insert(0, title)
        return [table, *messages]

    @staticmethod
    def _cell(text: str) -> list[nodes.Node]:
        return [nodes.paragraph(text, text)]

    def _link(self, target: str, name: str, number: int) -> nodes.paragraph:
        env = self.state.document.settings.env
        _, path = env.relfn2path(target, env.docname)
        docname = env.path2doc(path)
        if docname is None or docname not in env.found_docs:
            raise self.error(f'"{self.name}" block, row {number}: {target!r} is not a page of the book; '
                             "give the path of a page, relative to this one.")
        reference = addnodes.pending_xref("", refdomain="doc", reftarget=docname, reftargetid=None,
                                          refdoc=env.docname, reftype="myst", refexplicit=True)
        reference += nodes.inline(name, name, classes=["xref", "myst"])
        return nodes.paragraph("", "", reference)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("plain-table", PlainTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
