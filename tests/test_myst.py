import pytest

from carbook.pages.myst import Markdown, escape, list_table


def test_escape_backslashes_every_punctuation_mark_and_folds_lines():
    assert escape("<b>CD28</b>\n*x*") == r"\<b\>CD28\<\/b\> \*x\*"


def test_list_table_is_a_pipe_table_in_a_table_directive_with_caption_label_and_class():
    text = list_table("A caption.", "tbl-x", ["Fact", "Value"], [["Study", escape("HEROS 3.0")]])
    assert isinstance(text, Markdown)
    assert text.splitlines() == ["````{table} A caption\\.", ":name: tbl-x", ":class: carbook-table", "",
                                 "| Fact | Value |", "|---|---|", "| Study | HEROS 3\\.0 |", "````"]


def test_list_table_without_caption_has_no_title_and_fills_empty_cells():
    text = list_table("", "tbl-y", ["Fact", "Value"], [["Route", ""]])
    assert text.splitlines()[0] == "````{table}"
    assert "| Route | — |" in text


def test_a_pipe_in_a_cell_stays_inside_its_cell():
    text = list_table("", "tbl-z", ["Fact", "Value"], [["Route", "IV | IT"], ["Dose", escape("1 | 2")]])
    assert "| Route | IV \\| IT |" in text
    assert "| Dose | 1 \\| 2 |" in text  # already escaped: not escaped twice


def test_a_cell_of_two_lines_is_refused():
    with pytest.raises(ValueError, match="one line"):
        list_table("", "tbl-w", ["Fact", "Value"], [["Route", "IV\nIT"]])
