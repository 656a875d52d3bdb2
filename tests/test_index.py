"""The Therapies index: a row per therapy of the library, plain values and a name linking to its chapter;
in Chromium, filters and sorting that work, the whole table without JavaScript, and a layout that holds
with 200 therapies on a phone and on a laptop."""

from __future__ import annotations

import re

import pytest
import yaml

from carbook import synthetic
from carbook.pages import index
from carbook.pages.labels import label, modality_label
from carbook.data.load import Library, load_library
from carbook.data.facts import NOT_STATED
from carbook.pages.tables import row
from conftest import ROOT, copy_data
from browser_site import DESKTOP, PHONE

PAGE = "book/therapies.html"
MANY = 200
MAX_MARKUP = 150_000  # bytes of the page's generated MyST with MANY therapies


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(ROOT)


def table_lines(markup: str) -> list[list[str]]:
    """Give the plain-table of the index's MyST as rows of cells (header first), each row's first cell
    as the link it is set as (``[name](page)``)."""
    body = markup.split("````{plain-table}", 1)[1].split("\n````", 1)[0]
    header, *lines = body.split("\n\n", 1)[1].split("\n")
    rows = [header.split("\t")]
    for line in lines:
        page, name, *cells = line.split("\t")
        rows.append([f"[{name}]({page})", *cells])
    return rows


# --------------------------------------------------------------------------------------------------
# The table, from the library


def test_index_has_one_row_per_therapy_in_book_order_with_the_name_linking_to_its_chapter(library):
    lines = table_lines(index.index_page(library))
    assert len(lines) == 1 + len(library.therapies)
    for therapy, cells in zip(library.therapies.values(), lines[1:]):
        assert cells[0].endswith(f"](therapies/{therapy.id}.md)"), cells[0]
        assert (ROOT / f"book/therapies/{therapy.id}.md").is_file()


def test_index_headings_are_the_labels_of_the_facts_it_shows(library):
    header = table_lines(index.index_page(library))[0]
    assert header == [label(path) for path in index.COLUMNS]
    assert header == ["Product", "Modality", "Cell type engineered", "Target antigen", "Cell source", "Phase",
                      "Trial identifier"]


def test_index_shows_each_value_as_its_chapter_does_and_not_stated_for_each_gap(library):
    for therapy, cells in zip(library.therapies.values(), index.rows(library)):
        data = yaml.safe_load((ROOT / f"data/therapies/{therapy.id}.yaml").read_text(encoding="utf-8"))
        for path, shown in zip(index.COLUMNS[1:], cells[1:]):
            expected = row(therapy, path, therapy.fact_or_gap(path)).value
            if path == "modality":
                expected = modality_label(expected)  # one form for modality labels, as the chapter's lead gives it
            assert shown == expected, (therapy.id, path)
            node = data
            for part in path.split("."):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if "not_stated" in node:
                assert shown == NOT_STATED, (therapy.id, path)
    assert NOT_STATED in [cell for cells in index.rows(library) for cell in cells]


def test_index_carries_no_passage_and_no_marker(library):
    markup = index.index_page(library)
    assert "cb-cite" not in markup and "[1]" not in markup and "{ref}" not in markup
    for therapy in library.therapies.values():
        data = (ROOT / f"data/therapies/{therapy.id}.yaml").read_text(encoding="utf-8")
        quotes = [q.strip().strip('"') for q in re.findall(r"^\s*(?:- )?quote: (.+)$", data, re.MULTILINE)]
        shown = [q for q in quotes if len(q) >= 40 and q in markup.replace("\\", "")]
        assert not shown, f"{therapy.id}: passages on the index page: {shown}"


def test_a_fact_the_therapy_does_not_hold_shows_as_not_stated(library):
    therapy = next(iter(library.therapies.values())).model_copy(update={"cell_source": None})
    assert index.value(therapy, "cell_source") == NOT_STATED


def test_index_page_loads_its_own_script_and_stylesheet_from_the_site(library):
    markup = index.index_page(library)
    assert '<script src="../_static/carbook-index.js" defer></script>' in markup
    assert '<link rel="stylesheet" href="../_static/carbook-index.css">' in markup
    assert "http" not in markup.split("````", 1)[0]  # nothing from another host
    for name in ("carbook-index.js", "carbook-index.css"):
        assert (ROOT / "book/_static" / name).is_file()
    assert "- file: book/therapies\n" in (ROOT / "_toc.yml").read_text(encoding="utf-8")


def test_index_of_200_therapies_stays_small(tmp_path):
    root = copy_data(tmp_path)
    synthetic.grow(root, MANY)
    many = load_library(root)
    markup = index.index_page(many)
    assert len(table_lines(markup)) == 1 + MANY
    size = len(markup.encode("utf-8"))
    assert size < MAX_MARKUP, f"the index of {MANY} therapies is {size} bytes of MyST"


# --------------------------------------------------------------------------------------------------
# In Chromium

VISIBLE_ROWS = """
() => [...document.querySelectorAll('#tbl-therapies tbody tr')]
  .filter(tr => tr.checkVisibility())
  .map(tr => [...tr.cells].map(c => c.textContent.replace(/\\s+/g, ' ').trim()))
"""

LAYOUT = """
async () => {
  const box = document.querySelector('#tbl-therapies').parentElement;
  const name = document.querySelector('#tbl-therapies tbody tr th');
  const heading = document.querySelector('#tbl-therapies thead th:nth-child(2)');
  const page = {width: document.documentElement.clientWidth, scrollWidth: document.documentElement.scrollWidth};
  const before = {name: name.getBoundingClientRect().left, heading: heading.getBoundingClientRect().top};
  box.scrollLeft = box.scrollWidth; box.scrollTop = box.scrollHeight / 2;
  await new Promise(requestAnimationFrame);
  const b = box.getBoundingClientRect(), n = name.getBoundingClientRect(), h = heading.getBoundingClientRect();
  const found = {page, box: {left: b.left, top: b.top, right: b.right, scrollsX: box.scrollWidth > box.clientWidth,
                 scrollsY: box.scrollHeight > box.clientHeight, scrolledX: box.scrollLeft, scrolledY: box.scrollTop},
                 nameLeft: n.left, nameRight: n.right, headingTop: h.top, position: getComputedStyle(name).position,
                 before};
  box.scrollLeft = 0; box.scrollTop = 0;
  return found;
}
"""


def shown(tab) -> list[list[str]]:
    return tab.page.evaluate(VISIBLE_ROWS)


def open_index(open_tab, viewport: dict = DESKTOP):
    tab = open_tab(viewport)
    tab.open(PAGE)
    tab.page.wait_for_selector(".cb-index-controls:not([hidden]) select")
    return tab


@pytest.fixture(scope="module")
def page_of_many(site) -> str:
    """The built index page with its rows repeated, each named apart, to 200: the markup of a book of 200."""
    html = (site.root / PAGE).read_text(encoding="utf-8")
    rows = re.findall(r"<tr class=\"row-(?:even|odd)\">.*?</tr>", html.split("<tbody>", 1)[1].split("</tbody>", 1)[0],
                      re.DOTALL)
    assert rows
    many = [re.sub(r"(<span class=\"std std-doc\">[^<]*)", rf"\1 {i:03d}", rows[i % len(rows)], count=1) for i in range(MANY)]
    head, rest = html.split("<tbody>", 1)
    return head + "<tbody>\n" + "\n".join(many) + "\n</tbody>" + rest.split("</tbody>", 1)[1]


@pytest.mark.browser
@pytest.mark.build
def test_without_javascript_the_page_is_the_whole_table(site, browser, library):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site.url(PAGE), wait_until="load")
        assert [cells[0] for cells in page.evaluate(VISIBLE_ROWS)] == [cells[0] for cells in index.rows(library)]
        assert not page.locator(".cb-index-controls").is_visible()
        assert page.locator("#tbl-therapies thead button").count() == 0
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.build
def test_modality_filter_offers_the_table_values_and_hides_the_other_rows(open_tab, library):
    tab = open_index(open_tab)
    rows = index.rows(library)
    column = index.COLUMNS.index("modality")
    select = tab.page.get_by_label(label("modality"), exact=True)
    options = select.locator("option").all_inner_texts()
    assert options == ["All", *sorted({r[column] for r in rows}, key=str.lower)]
    chosen = rows[-1][column]
    select.select_option(chosen)
    assert [r[0] for r in shown(tab)] == [r[0] for r in rows if r[column] == chosen]
    assert len(shown(tab)) < len(rows)
    assert tab.page.locator(".cb-index-count").inner_text() == f"{len(shown(tab))} of {len(rows)} therapies shown"
    select.select_option("")
    assert len(shown(tab)) == len(rows)


@pytest.mark.browser
@pytest.mark.build
def test_target_filter_and_search_box_narrow_the_rows_together(open_tab, library):
    tab = open_index(open_tab)
    rows = index.rows(library)
    target = index.COLUMNS.index("target_antigen")
    tab.page.get_by_label(label("target_antigen"), exact=True).select_option(rows[0][target])
    assert [r[0] for r in shown(tab)] == [r[0] for r in rows if r[target] == rows[0][target]]
    word = rows[-1][index.COLUMNS.index("cell_type")]
    tab.page.get_by_label("Search the table").fill(word.upper())
    expected = [r[0] for r in rows if r[target] == rows[0][target] and any(word.lower() in c.lower() for c in r)]
    assert [r[0] for r in shown(tab)] == expected and expected


@pytest.mark.browser
@pytest.mark.build
def test_a_heading_button_sorts_the_rows_and_says_so_with_aria_sort(open_tab, library):
    tab = open_index(open_tab)
    names = [r[0] for r in index.rows(library)]
    heading = tab.page.locator("#tbl-therapies thead th").first
    button = heading.get_by_role("button", name=label("name"))
    assert heading.get_attribute("aria-sort") is None
    button.click()
    assert heading.get_attribute("aria-sort") == "ascending"
    assert [r[0] for r in shown(tab)] == sorted(names, key=str.lower)
    button.click()
    assert heading.get_attribute("aria-sort") == "descending"
    assert [r[0] for r in shown(tab)] == sorted(names, key=str.lower, reverse=True)
    phase = tab.page.get_by_role("button", name=label("trial.phase"))
    column = index.COLUMNS.index("trial.phase")
    for _ in ("ascending", "descending"):
        phase.click()
        values = [r[column] for r in shown(tab)]
        assert NOT_STATED not in values or values.index(NOT_STATED) == len(values) - values.count(NOT_STATED), \
            f"a gap sorts before a stated value: {values}"
    assert heading.get_attribute("aria-sort") is None  # one column is sorted at a time


@pytest.mark.browser
@pytest.mark.build
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_with_200_therapies_the_table_scrolls_in_its_box_keeping_names_and_headings_in_view(
        open_tab, site, page_of_many, viewport):
    tab = open_tab(viewport)
    tab.page.route(site.url(PAGE), lambda route: route.fulfill(body=page_of_many, content_type="text/html"))
    tab.open(PAGE)
    tab.page.wait_for_selector(".cb-index-controls:not([hidden]) select")
    assert len(shown(tab)) == MANY
    found = tab.page.evaluate(LAYOUT)
    assert found["page"]["scrollWidth"] <= found["page"]["width"], f"the page scrolls sideways: {found['page']}"
    assert found["box"]["right"] <= found["page"]["width"] + 1
    assert found["box"]["scrollsY"] and found["box"]["scrolledY"] > 0, "200 rows should scroll inside the table's box"
    assert found["position"] == "sticky"
    assert abs(found["nameLeft"] - found["box"]["left"]) <= 1, f"the name column scrolled out of view: {found}"
    assert found["nameRight"] < found["box"]["right"] - 100, "the name column leaves no room for the values"
    assert abs(found["headingTop"] - found["box"]["top"]) <= 1, f"the heading row scrolled out of view: {found}"
    if viewport is PHONE:
        assert found["box"]["scrollsX"] and found["box"]["scrolledX"] > 0
    tab.page.get_by_label(label("modality"), exact=True).select_option(index=1)
    assert 0 < len(shown(tab)) < MANY
    assert not tab.console_errors
