import pandas as pd

from carbook.pages.myst import Markdown, escape, list_table, table


def test_escape_backslashes_every_punctuation_mark_and_folds_lines():
    assert escape("<b>CD28</b>\n*x*") == r"\<b\>CD28\<\/b\> \*x\*"


def test_table_has_caption_header_row_and_escaped_cells():
    frame = pd.DataFrame([{"Fact": "Study", "Value": "HEROS 3.0"}])
    text = table(frame, "A caption.", "tbl-x")
    assert text.startswith("````{list-table} A caption\\.\n:header-rows: 1\n:name: tbl-x")
    assert "  - HEROS 3\\.0" in text


def test_list_table_without_caption_has_no_title_and_fills_empty_cells():
    text = list_table("", "tbl-y", ["Fact", "Value"], [["Route", ""]])
    assert text.splitlines()[0] == "````{list-table}"
    assert "  - —" in text
    assert isinstance(text, Markdown)
