import pandas as pd

from carbook.myst import escape, table
from carbook.tables import Passage


def test_escape_backslashes_every_punctuation_mark_and_folds_lines():
    assert escape("<b>CD28</b>\n*x*") == r"\<b\>CD28\<\/b\> \*x\*"


def test_table_has_caption_header_row_and_a_source_link_per_passage():
    frame = pd.DataFrame([{"Fact": "Name", "Value": "HEROS 3.0", "Source passage": Passage("(HEROS 3.0)", "s.txt")}])
    text = table(frame, "A caption.", "tbl-x")
    assert text.startswith("````{list-table} A caption\\.\n:header-rows: 1\n:name: tbl-x")
    assert "{ref}`s.txt <source-s-txt>`" in text
    assert "“\\(HEROS 3\\.0\\)”" in text
