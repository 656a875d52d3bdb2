"""The ``{plain-table}`` block, built by Sphinx in this process: plain cells set as written (never read as
markup), a header row, the first column heading each row and linking to a page, and a clear error for a
row that does not fit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from carbook.pages.myst import plain_table

# source_suffix named: a book built earlier in the same process (myst-nb's) may have left its own as the default
CONF = ('extensions = ["myst_parser", "carbook.sphinxext.plain_table"]\nexclude_patterns = ["_build"]\n'
        'source_suffix = {".md": "markdown"}\n')


def build(root: Path, table: str) -> tuple[Path, str]:
    """Build a two-page Sphinx project whose index holds ``table``; give its output folder and its warnings."""
    (root / "pages").mkdir(parents=True)
    (root / "conf.py").write_text(CONF, encoding="utf-8")
    (root / "index.md").write_text(f"# Index\n\n```{{toctree}}\npages/one\n```\n\n{table}\n", encoding="utf-8")
    (root / "pages/one.md").write_text("# Page one\n\nText.\n", encoding="utf-8")
    warnings = io.StringIO()
    app = SphinxTestApp("html", srcdir=root, builddir=root / "_build", warning=warnings, status=io.StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    return Path(app.outdir), warnings.getvalue()


def test_cells_are_set_as_plain_text_with_the_first_column_heading_and_linking_each_row(tmp_path):
    table = plain_table("Pages, one row each.", "tbl-pages", ["Page", "Note"],
                        [("pages/one.md", ["*Not* a [link](x.md)", "a `b` \\c\nd"])])
    outdir, warnings = build(tmp_path, table)
    assert warnings == ""
    html = BeautifulSoup((outdir / "index.html").read_text(encoding="utf-8"), "html.parser")
    found = html.select_one("table#tbl-pages")
    assert found.caption.get_text(" ", strip=True).startswith("Pages, one row each.")
    assert [th.get_text(strip=True) for th in found.select("thead th")] == ["Page", "Note"]
    assert "stub" in found.select_one("thead th")["class"]
    (row,) = found.select("tbody tr")
    head = row.select_one("th.stub")
    assert head.a["href"] == "pages/one.html" and head.get_text() == "*Not* a [link](x.md)"
    assert row.select_one("td").get_text() == "a `b` \\c d"  # markup characters stay text; a line break, a space
    assert not found.select("em, code")


def test_a_row_with_a_cell_too_many_fails_with_its_row_number_and_how_to_fix_it(tmp_path):
    table = "````{plain-table} Pages\n:row-links:\n\nPage\tNote\npages/one.md\tOne\tnote\textra\n````"
    _, warnings = build(tmp_path, table)
    assert 'row 2: 3 cells where the header row has 2' in warnings
    assert "separate cells by one tab each" in warnings


def test_a_row_linking_to_no_page_of_the_book_fails_naming_the_path(tmp_path):
    outdir, warnings = build(tmp_path, plain_table("Pages", "tbl", ["Page"], [("pages/missing.md", ["Gone"])]))
    assert "'pages/missing.md' is not a page of the book" in warnings
    assert "tbl" not in (outdir / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("cells", [["a\tb"], ["a\nb"], ["  a   b "]])
def test_whitespace_in_a_cell_reads_as_one_space_so_it_never_splits_a_row(cells):
    body = plain_table("T", "t", ["H"], [("p.md", cells)]).split("\n")
    assert body[-2] == "p.md\ta b"


def test_widths_that_do_not_fit_the_columns_fail_as_a_list_table_does(tmp_path):
    table = "````{plain-table} Pages\n:widths: 1 2 3\n\nPage\tNote\nOne\tnote\n````"
    _, warnings = build(tmp_path, table)
    assert '"plain-table" widths do not match the number of columns in table (2)' in warnings
