"""The comparison compares: therapies side by side in one table, every marker leading to the passages that
state its cell's words, a silent source never read as a difference, and a page that stays small however
many therapies the book holds."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from carbook.data.load import load_library
from carbook.data.facts import NOT_STATED, RESTS_ON_PREFIX
from carbook.data.sources import normalise
from carbook.pages import compare, shared
from carbook.pages.citations import sentence_spans

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
HEROS, CT = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]

#: Words that carry no content of their own: a cell's words are checked against its passages without them.
FUNCTION_WORDS = {"a", "an", "and", "or", "the", "of", "to", "in", "on", "via", "by", "with", "for", "that", "which",
                  "while", "then", "after", "it", "its", "them", "they", "this", "be", "is", "are", "as"}


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9+]+(?:-[a-z0-9+]+)*", normalise(text).casefold())
    return {w for w in words if w not in FUNCTION_WORDS}


def sentence_texts(therapy, passages) -> str:
    source = LIBRARY.source_of(therapy)
    return " ".join(source.shown(*span) for p in passages for span in sentence_spans(source, p))


def test_the_book_s_two_therapies_are_the_default_set_side_by_side():
    assert [t.id for t in compare.default_set(LIBRARY)] == ["heros-3", "ct-0525"]
    html = compare.table_html(LIBRARY, compare.default_set(LIBRARY))
    table = BeautifulSoup(html, "html.parser").find("table")
    assert [th["data-id"] for th in table.find("thead").find_all("th")[1:]] == ["heros-3", "ct-0525"]
    assert len(table.find_all("table")) == 0 and len(table.select("tbody tr")) == len(compare.ROWS)


@pytest.mark.parametrize("therapy", [HEROS, CT], ids=["heros-3", "ct-0525"])
@pytest.mark.parametrize("row", compare.ROWS, ids=[r.key for r in compare.ROWS])
def test_each_content_word_of_a_cell_is_in_a_passage_its_markers_lead_to(therapy, row):
    for part in compare.cell(therapy, row).parts:
        if part.gap is not None:
            continue
        assert part.passages, f"{row.key}: {part.text!r} has no passage"
        missing = content_words(part.text) - content_words(sentence_texts(therapy, part.passages))
        assert not missing, f"{row.key}: {sorted(missing)} of {part.text!r} is in none of its passages"


def test_conditioning_and_named_parts_lead_to_every_passage_that_states_them():
    before = compare.cell(HEROS, compare.ROW_KEYS["before"]).parts[0]
    assert "cyclophosphamide and fludarabine" in sentence_texts(HEROS, before.passages)
    parts = compare.cell(HEROS, compare.ROW_KEYS["parts"]).parts
    assert [len(p.passages) for p in parts] == [1, 1] and "CD28" in sentence_texts(HEROS, parts[1].passages)


def test_a_row_where_a_source_is_silent_is_never_a_difference():
    for row in compare.ROWS:
        cells = [compare.cell(t, row) for t in (HEROS, CT)]
        if any(not c.whole for c in cells):
            assert not compare.differs(cells, row), row.key
    assert compare.differs([compare.cell(t, compare.ROW_KEYS["cell"]) for t in (HEROS, CT)], compare.ROW_KEYS["cell"])
    assert not compare.differs([compare.cell(t, compare.ROW_KEYS["target"]) for t in (HEROS, CT)],
                               compare.ROW_KEYS["target"])  # HER2 both: alike, not a difference
    assert not compare.differs([compare.cell(t, compare.ROW_KEYS["trial"]) for t in (HEROS, CT)],
                               compare.ROW_KEYS["trial"])  # identifiers always differ: never marked


def test_how_the_cells_act_keeps_each_statement_s_frame():
    heros = compare.cell(HEROS, compare.ROW_KEYS["acts"]).parts
    assert [p.frame for p in heros] == [RESTS_ON_PREFIX["finding"], RESTS_ON_PREFIX["aim"]]
    ct = compare.cell(CT, compare.ROW_KEYS["acts"]).parts
    hedged = [p for p in ct if p.frame.startswith("Hedged")]
    assert [p.text for p in hedged] == [c.value for c in CT.nci_concept.claims if c.rests_on == "hedged"]


def test_what_the_infused_cells_become_is_stated_for_monocytes_and_silent_for_t_cells():
    assert compare.cell(CT, compare.ROW_KEYS["becomes"]).parts[0].text == "macrophages"
    assert compare.cell(HEROS, compare.ROW_KEYS["becomes"]).silent


def test_a_columns_file_holds_the_same_cells_as_the_table_with_its_markers_written_short():
    column = compare.column_json(LIBRARY, CT)
    table = BeautifulSoup(compare.table_html(LIBRARY, [HEROS, CT]), "html.parser")
    for row in compare.ROWS:
        td = table.find("tr", attrs={"data-row": row.key}).find_all("td")[1]
        cell = BeautifulSoup(column["cells"][row.key]["html"], "html.parser")
        assert cell.get_text() == td.get_text()
        assert [f"therapies/ct-0525.html{a['href']}" for a in cell.select("a.cb-to")] == [a["href"] for a in td.select("a.cb-to")]
        assert not any(a.get("aria-label") for a in cell.select("a.cb-to"))
        assert column["cells"][row.key]["silent"] == ("cb-silent" in (td.get("class") or []))
    label = compare.index_json(LIBRARY)["marker"].format(name="CT-0525")  # the label the page's script gives them
    assert {a["aria-label"] for a in table.select("td a.cb-to") if "ct-0525" in a["href"]} == {label}


def many(count: int):
    """Give the library with ``count`` more therapies, copies of CT-0525 under ids of their own."""
    therapies = dict(LIBRARY.therapies)
    for index in range(count):
        therapies[f"clone-{index}"] = CT.model_copy(update={"id": f"clone-{index}"})
    return replace(LIBRARY, therapies=therapies)


def test_the_comparison_page_stays_small_with_2000_therapies():
    library = many(2000)
    text = str(shared.comparison(library))
    assert len(text.encode()) < 64 * 1024  # the default set only; the rest is loaded when chosen
    assert [t.id for t in compare.default_set(library)] == ["heros-3", "ct-0525"]
    index = json.dumps(compare.index_json(library))
    assert len(index.encode()) < 400 * 1024 and len(json.loads(index)["therapies"]) == 2002


def test_the_default_set_is_the_first_of_each_modality_topped_up_to_two():
    only_ct = replace(LIBRARY, therapies={"ct-0525": CT, "clone": CT.model_copy(update={"id": "clone"})})
    assert [t.id for t in compare.default_set(only_ct)] == ["ct-0525", "clone"]


def test_an_answer_shows_a_gap_s_passage_as_nearby_never_as_support():
    answer = compare.answer(LIBRARY, ["before"])
    line = next(line for line in answer.splitlines() if "CT" in line)
    assert f"*{NOT_STATED}* (nearby <a" in line


def test_an_answer_naming_an_unknown_row_is_refused_with_the_rows_there_are():
    with pytest.raises(KeyError, match="no comparison row 'colour'; rows: cell, source"):
        compare.answer(LIBRARY, ["colour"])


@pytest.mark.build
def test_every_marker_of_the_comparison_leads_to_a_passage_of_its_chapter_holding_the_cell_s_words(built_book):
    page = BeautifulSoup((built_book / "book/comparison.html").read_text(encoding="utf-8"), "html.parser")
    table = page.find("table", id="tbl-comparison")
    ids = [th["data-id"] for th in table.find("thead").find_all("th")[1:]]
    chapters = {i: BeautifulSoup((built_book / f"book/therapies/{i}.html").read_text(encoding="utf-8"), "html.parser")
                for i in ids}
    assert ids == ["heros-3", "ct-0525"]
    marked_silent = 0
    for tr in table.select("tbody tr"):
        tds = tr.find_all("td")
        if "cb-differs" in (tr.get("class") or []):
            marked_silent += sum("cb-silent" in (td.get("class") or []) for td in tds)
        for therapy_id, td in zip(ids, tds):
            if "cb-silent" in (td.get("class") or []):
                assert NOT_STATED in td.get_text()
                continue
            targets = [a["href"].split("#")[1] for a in td.select("a.cb-to")]
            assert targets, f"{tr['data-row']}: no marker"
            # a passage printed in full in the chapter's body is listed as "quoted in full above": read it there
            shown = [chapters[therapy_id].find(id=f"v-{t.removeprefix('p-')}") for t in targets]
            passages = " ".join([*(chapters[therapy_id].find(id=t).get_text(" ") for t in targets),
                                 *(place.parent.get_text(" ") for place in shown if place is not None)])
            words = " ".join(v.get_text(" ") for v in td.select(".cb-value"))
            missing = content_words(words) - content_words(passages)
            assert not missing, f"{tr['data-row']} of {therapy_id}: {sorted(missing)} not in the passages its markers lead to"
    assert marked_silent == 0
    files = sorted(p.name for p in (built_book / "book/comparison").glob("*.json"))
    assert files == ["ct-0525.json", "heros-3.json", "index.json"]


@pytest.mark.build
def test_the_comparison_page_has_numbered_questions_each_with_an_address(built_book):
    page = BeautifulSoup((built_book / "book/comparison.html").read_text(encoding="utf-8"), "html.parser")
    questions = page.select("#check-yourself details")
    assert len(questions) >= 3
    for number, details in enumerate(questions, start=1):
        assert details.find(id=f"q-comparison-{number}") or details.get("id") == f"q-comparison-{number}"
        assert details.find("summary").get_text(" ", strip=True).startswith(f"{number}.")
        assert details.select("a.cb-to"), "an answer carries its markers"



@pytest.mark.browser
def test_the_choice_of_therapies_is_read_from_the_address_and_compared_in_one_table(open_tab):
    tab = open_tab()
    tab.open("book/comparison.html")
    static = tab.page.eval_on_selector_all("#tbl-comparison tr.cb-differs", "rows => rows.map(r => r.dataset.row)")
    markers_js = "links => links.map(a => a.getAttribute('href') + ' ' + a.getAttribute('aria-label')).sort()"
    static_markers = tab.page.eval_on_selector_all("#tbl-comparison a.cb-to", markers_js)
    tab.open("book/comparison.html", "compare=ct-0525,heros-3")
    tab.page.wait_for_function("document.querySelector('.cb-compare-status').textContent.startsWith('Comparing')")
    # a loaded column's markers, written short in its file, lead where the page's own do, with the same name
    assert tab.page.eval_on_selector_all("#tbl-comparison a.cb-to", markers_js) == static_markers
    assert static_markers and all(m.startswith("therapies/") and " Source passage, in the " in m for m in static_markers)
    order = tab.page.eval_on_selector_all("#tbl-comparison thead th[data-id]", "ths => ths.map(th => th.dataset.id)")
    assert order == ["ct-0525", "heros-3"]
    marked = tab.page.eval_on_selector_all("#tbl-comparison tr.cb-differs", "rows => rows.map(r => r.dataset.row)")
    assert marked == static and "source" not in marked  # whose cells: one source is silent, never a difference
    assert tab.page.eval_on_selector_all("#tbl-comparison tr.cb-differs td.cb-silent", "cells => cells.length") == 0
    # two is the fewest: neither can be removed, and the page says which are compared
    assert tab.page.eval_on_selector_all(".cb-compare-remove", "buttons => buttons.every(b => b.disabled)")
    errors, failed, external = tab.take_records()
    assert not errors and not failed and not external


@pytest.mark.browser
def test_without_javascript_the_comparison_shows_the_default_set_and_no_controls(browser, site):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site.url("book/comparison.html", "compare=ct-0525"))
        assert page.eval_on_selector_all("#tbl-comparison thead th[data-id]", "ths => ths.map(th => th.dataset.id)") == \
            ["heros-3", "ct-0525"]
        assert not page.is_visible(".cb-compare-controls")
    finally:
        context.close()


def stems(words: set[str]) -> set[str]:
    return {w.removesuffix("…").removesuffix("s") for w in words}


@pytest.mark.parametrize("therapy_id", ["heros-3", "ct-0525"])
def test_each_content_word_of_a_lead_clause_is_in_a_passage_its_markers_lead_to(therapy_id):
    from carbook.pages.chapter import Chapter

    chapter = Chapter(therapy_id, LIBRARY)
    chapter.lead()
    assert len(chapter.stated) >= 8
    therapy = LIBRARY.therapies[therapy_id]
    for text, passages in chapter.stated:
        assert passages, f"{text!r} has no marker"
        missing = stems(content_words(text.removesuffix(" …"))) - stems(content_words(sentence_texts(therapy, passages)))
        assert not missing, f"{sorted(missing)} of {text!r} is in none of the passages its markers lead to"


@pytest.fixture(scope="module")
def three_modalities(tmp_path_factory, chromium_path):
    """Serve a build of the book with a third therapy, of a third modality (the CAR-NK test fixture); give its address."""
    import functools
    import shutil
    import threading

    from browser_site import QuietHandler, QuietServer
    from carbook.scaffold import new_therapy
    from conftest import build, copy_book

    fixture = Path(__file__).parent / "fixtures/new-therapy"
    root = copy_book(tmp_path_factory.mktemp("three") / "book")
    new_therapy(root, "example-nk", fixture / "example-car-nk.txt")
    shutil.copyfile(fixture / "example-nk.yaml", root / "data/therapies/example-nk.yaml")
    result = build(root)
    assert result.returncode == 0, result.stdout[-3000:]
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root / "_build/html")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/book/comparison.html"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_a_reader_removes_and_adds_therapies_by_name_and_the_address_keeps_the_choice(browser, three_modalities):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    columns = "ths => ths.map(th => th.dataset.id)"
    try:
        page.goto(three_modalities)
        assert page.eval_on_selector_all("#tbl-comparison thead th[data-id]", columns) == ["heros-3", "ct-0525", "example-nk"]
        page.get_by_role("button", name="Remove CT-0525 from the comparison").click()
        page.wait_for_function("document.querySelectorAll('#tbl-comparison thead th[data-id]').length === 2")
        assert "compare=heros-3%2Cexample-nk" in page.url or "compare=heros-3,example-nk" in page.url
        page.fill("#cb-compare-add", "CT-0525")
        page.get_by_role("button", name="Add").click()
        page.wait_for_function("document.querySelectorAll('#tbl-comparison thead th[data-id]').length === 3")
        assert page.eval_on_selector_all("#tbl-comparison thead th[data-id]", columns) == ["heros-3", "example-nk", "ct-0525"]
        shared_address = page.url
        page.goto(shared_address)  # the address alone brings the same comparison back
        page.wait_for_function("document.querySelector('.cb-compare-status').textContent.startsWith('Comparing')")
        assert page.eval_on_selector_all("#tbl-comparison thead th[data-id]", columns) == ["heros-3", "example-nk", "ct-0525"]
        assert page.eval_on_selector_all("#tbl-comparison tr.cb-differs td.cb-silent", "cells => cells.length") == 0
        assert not errors
    finally:
        context.close()
