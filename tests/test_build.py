"""The built book, read from its HTML: sections in order, each figure and table under its own heading, key
facts, gaps said as gaps, each passage printed once, and the Sources appendix the passages link to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from carbook.pages import tables
from carbook.data.load import load_library
from carbook.data.facts import NOT_STATED
from conftest import squash

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)

SECTIONS = ["Mechanism", "Regimen", "Eligibility", "NCI concept", "Check yourself", "Source passages"]
CHAPTERS = ["heros-3", "ct-0525"]

#: The figures each section of a chapter draws, by the start of their alt text; sections not named draw none.
FIGURES = {
    "heros-3": {
        "Regimen": ["Regimen of HER2 chimeric antigen receptor (CAR) T cells as three stages in the order the source gives"],
        "Eligibility": ["Horizontal bar on an age axis showing that the source admits ages 1 to 25 years"],
    },
    "ct-0525": {
        "Mechanism": ["Flow diagram of how the cells of CT-0525 act, in the words of the source"],
    },
}

#: Passages this long are printed once per chapter at most (a shorter one, a name or an identifier, may recur).
LONG_PASSAGE = 60


class Page:
    """The parts of a built page the tests look at: the article's h2 headings, sections, images and text."""

    def __init__(self, html: str):
        soup = BeautifulSoup(html, "html.parser")
        self.article = soup.find("article") or soup
        for link in self.article.select("a.headerlink"):
            link.decompose()
        self.h2 = [h.get_text(" ", strip=True) for h in self.article.find_all("h2")]
        self.images = [img.attrs for img in self.article.find_all("img")]
        self.body = re.sub(r"\s+", " ", self.article.get_text(" "))

    def section(self, heading: str) -> Tag:
        """Give the <section> whose h2 is ``heading``."""
        h2 = next(h for h in self.article.find_all("h2") if h.get_text(" ", strip=True) == heading)
        return h2.find_parent("section")

    def lead(self) -> Tag:
        return self.article.select_one(".cb-lead")

    def rows(self, heading: str) -> list[list[str]]:
        """Give the body rows of the tables under ``heading``, each as its cells' text."""
        return [[re.sub(r"\s+", " ", td.get_text(" ")).strip() for td in tr.find_all("td")]
                for table in self.section(heading).find_all("table") for tr in table.select("tbody tr")]

    def visible_text(self) -> str:
        """Give the article's text as a reader meets it: no scripts, styles or hidden elements (the answers
        of the self-check count as shown, as they are once opened and in print)."""
        article = BeautifulSoup(str(self.article), "html.parser")
        for element in article.find_all(["script", "style", "template"]):
            element.decompose()
        for element in article.find_all(attrs={"hidden": True}):
            element.decompose()
        return squash(article.get_text(" "))


def page(html_dir: Path, name: str) -> Page:
    return Page((html_dir / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_its_sections_in_order(built_book, chapter):
    h2 = page(built_book, f"book/therapies/{chapter}.html").h2
    assert h2 == SECTIONS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_opens_with_a_lead_before_its_first_section(built_book, chapter):
    chapter_page = page(built_book, f"book/therapies/{chapter}.html")
    lead = chapter_page.lead()
    assert lead is not None
    first_section = chapter_page.article.find("h2")
    assert first_section in lead.find_all_next("h2")  # before the first section, not inside one
    assert lead.find_parent("section").find("h1") is not None
    text = squash(lead.get_text(" "))
    assert text.startswith("What is given:")
    assert "Who may take part:" in text and "Study:" in text


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_figures_are_svg_files_with_size_and_alt_text_under_their_own_heading(built_book, chapter):
    chapter_page = page(built_book, f"book/therapies/{chapter}.html")
    for heading in SECTIONS:
        section = chapter_page.section(heading)
        images = section.find_all("img")
        expected = FIGURES[chapter].get(heading, [])
        assert len(images) == len(expected), f"{heading}: {[i.get('alt') for i in images]}"
        for img, alt_start in zip(images, expected):
            assert (img.get("src") or "").endswith(".svg") and int(img["width"]) > 0 and int(img["height"]) > 0
            assert (built_book / "book/therapies" / img["src"]).resolve().read_bytes().lstrip().startswith(b"<?xml")
            assert (img.get("alt") or "").startswith(alt_start), img.get("alt")
            figure = img.find_parent("figure")
            assert figure is not None and figure.find("figcaption") is not None and figure.find("figcaption").get_text(strip=True)
    assert len(chapter_page.images) == sum(len(v) for v in FIGURES[chapter].values())  # none outside the sections


def test_heros_draws_no_mechanism_since_its_source_gives_only_an_earlier_finding_and_an_aim(built_book):
    # the study page says how the cells act only as an earlier finding and as what the investigators want to
    # see: both are shown in Mechanism with their frame, neither drawn as a step; its named parts are not drawn
    mechanism = page(built_book, "book/therapies/heros-3.html")
    assert not mechanism.section("Mechanism").find_all("img")
    rows = [cells[:2] for cells in mechanism.rows("Mechanism")]
    assert rows[:2] == [["Mechanism statement", "Earlier studies found: they can put a new gene into T cells that will make "
                                                "them recognize cancer cells and kill them"],
                        ["Mechanism statement", "Aim: let the T cells recognize and kill sarcoma cells"]]


@pytest.mark.parametrize("chapter, tables_by_section", [
    ("heros-3", {"Mechanism": 1, "Regimen": 1, "Eligibility": 1, "NCI concept": 1}),
    ("ct-0525", {"Mechanism": 1, "Regimen": 1, "Eligibility": 1, "NCI concept": 1, "Source passages": 1}),
])
def test_chapter_tables_are_fact_value_source_under_their_own_heading(built_book, chapter, tables_by_section):
    chapter_page = page(built_book, f"book/therapies/{chapter}.html")
    for heading in SECTIONS:
        found = chapter_page.section(heading).find_all("table")
        assert len(found) == tables_by_section.get(heading, 0), heading
        for table in found:
            header = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
            assert header == tables.FACT_COLUMNS
    assert len(chapter_page.article.find_all("table")) == sum(tables_by_section.values())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_section_holds_its_own_facts(built_book, chapter):
    """Each table holds the rows of its own section, under the one label of each fact: the Mechanism and the
    Regimen contents swapped under their headings would fail here."""
    therapy = LIBRARY.therapies[chapter]
    chapter_page = page(built_book, f"book/therapies/{chapter}.html")
    expected = {
        "Regimen": {r.label for r in tables.regimen_rows(therapy, agents_apart=False)} - ({"Order"} if chapter == "heros-3" else set()),
        "Eligibility": {r.label for r in tables.eligibility_rows(therapy)},
        "NCI concept": {r.label for r in tables.nci_concept_rows(therapy, definition_with_claims=False)},
    }
    for heading, labels in expected.items():
        assert {cells[0] for cells in chapter_page.rows(heading)} == labels, heading
    assert {"Conditioning", "CAR cell infusion", "Dose", "Route"} <= expected["Regimen"]
    assert {cells[0] for cells in chapter_page.rows("Mechanism")} <= {"Mechanism statement", "Effector mechanism",
                                                                      "What the infused cells become", "Named parts of the CAR"}


def test_heros_chapter_shows_its_key_facts(built_book):
    chapter_page = page(built_book, "book/therapies/heros-3.html")
    assert chapter_page.article.find("h1").get_text(" ", strip=True) == "HER2 chimeric antigen receptor (CAR) T cells (HEROS 3.0 study)"
    lead = squash(chapter_page.lead().get_text(" "))
    for fact in ("HER2 chimeric antigen receptor (CAR) T cells", "HEROS 3.0", "NCT04995003", "IRB H-49271", "Phase I",
                 "advanced sarcoma", "aged 1 to 25 years", "cyclophosphamide and fludarabine", "pembrolizumab or nivolumab",
                 "What the study aims to learn:", "what the side effects are"):
        assert fact in lead, fact
    regimen = {cells[0]: cells[1] for cells in chapter_page.rows("Regimen")}
    assert regimen["Conditioning"] == "lymphodepletion: cyclophosphamide and fludarabine"
    assert regimen["Combination"] == "immune checkpoint inhibitor: pembrolizumab or nivolumab"
    assert {cells[0]: cells[1] for cells in chapter_page.rows("Eligibility")}["Ages"] == "1 to 25 years"
    passages = [squash(q.get_text()) for q in chapter_page.article.select("q.cb-passage")]
    assert "In addition, it contains CD28, which stimulated T cells and make them last longer." in passages


def test_ct_chapter_shows_its_key_facts(built_book):
    chapter_page = page(built_book, "book/therapies/ct-0525.html")
    assert chapter_page.article.find("h1").get_text(" ", strip=True) == "CT-0525: CAR monocytes against HER2"
    lead = squash(chapter_page.lead().get_text(" "))
    for fact in ("CT-0525", "monocytes", "HER2", "NCT06254807", "single IV infusion", "3 or 10 billion CAR+ cells",
                 "Intravenous", "macrophages"):
        assert fact in lead, fact
    regimen = {cells[0]: cells[1] for cells in chapter_page.rows("Regimen")}
    assert regimen["Dose"] == "3 or 10 billion CAR+ cells" and regimen["Route"] == "Intravenous"
    concept = {cells[0]: cells[1] for cells in chapter_page.rows("NCI concept")}
    assert concept["NCI concept code"] == "C205637"
    assert concept["NCI preferred term"] == "Named: Autologous Anti-HER2 CAR Monocytes CT-0525"
    hedged = [cells[1] for cells in chapter_page.rows("NCI concept") if cells[0] == "NCI definition, one claim"]
    assert "Hedged in the source: with potential immunostimulating and antineoplastic activities" in hedged
    record = {cells[0]: cells[1] for cells in chapter_page.rows("Source passages")}
    assert record["Record field drug_category"] == "CAR M"  # the record's own field, labelled as such
    assert "phagocytosis" in chapter_page.body


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_gap_says_not_stated_in_the_source(built_book, chapter):
    therapy = LIBRARY.therapies[chapter]
    chapter_page = page(built_book, f"book/therapies/{chapter}.html")
    shown = {(heading, cells[0]): cells[1] for heading in ("Mechanism", "Regimen", "Eligibility", "NCI concept")
             for cells in chapter_page.rows(heading)}
    gaps = [(heading, r) for heading, rows in (
        ("Mechanism", tables.mechanism_rows(therapy)), ("Regimen", tables.regimen_rows(therapy, agents_apart=False)),
        ("Eligibility", tables.eligibility_rows(therapy)), ("NCI concept", tables.nci_concept_rows(therapy)),
    ) for r in rows if not r.stated]
    assert gaps
    for heading, gap in gaps:
        assert shown[(heading, gap.label)] == f"{NOT_STATED}. {gap.gap}", (heading, gap.label)
    if chapter == "heros-3":
        assert shown[("Regimen", "Dose")].startswith(NOT_STATED) and shown[("NCI concept", "NCI Thesaurus concept")].startswith(NOT_STATED)
    else:
        assert shown[("Eligibility", "Ages")] == f"{NOT_STATED}. The record gives no age limits."


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_long_passage_is_shown_twice_in_a_chapter(built_book, chapter):
    chapter_page = page(built_book, f"book/therapies/{chapter}.html")
    passages = {squash(q.get_text()) for q in chapter_page.article.select("q.cb-passage")}
    passages |= {squash(li["data-passage"]) for li in chapter_page.article.select("[data-passage]")}
    long = sorted(p for p in passages if len(p) >= LONG_PASSAGE)
    assert len(long) >= 5
    text = chapter_page.visible_text()
    counts = {p: text.count(p) for p in long}
    assert {p: n for p, n in counts.items() if n != 1} == {}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_passage_entry_links_to_its_highlight_in_the_sources_appendix(built_book, chapter):
    chapter_page = page(built_book, f"book/therapies/{chapter}.html")
    entries = chapter_page.article.select("ol.cb-passages > li")
    assert entries
    markers = {a["href"] for a in chapter_page.article.select("sup.cb-cite a")}
    assert markers and markers <= {f"#{li['id']}" for li in entries}  # every marker leads to an entry
    for li in entries:
        link = li.select_one("a.cb-in-source")
        assert link["href"].startswith("../sources/") and "#src-" in link["href"], li
        address, target = link["href"].split("#", 1)
        source_page = BeautifulSoup((built_book / "book/therapies" / address).read_text(encoding="utf-8"), "html.parser")
        marks = {m["id"]: squash(m.get_text()) for m in source_page.select("mark[id^=src-]")}
        assert target in marks, f"{target} is not highlighted on its source's page"
        passage = li.get("data-passage") or li.select_one("q.cb-passage").get_text()
        assert marks[target] == squash(passage)


def source_pages(site: Path) -> dict[str, BeautifulSoup]:
    """Give each source document's page of a built site, by file name."""
    return {p.name: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
            for p in sorted((site / "book/sources").glob("*.html"))}


def test_each_source_has_a_page_listed_on_the_sources_page(built_book):
    pages = source_pages(built_book)
    assert set(pages) == {"baylor-heros-3-0-txt.html", "cytotargetdb-ct-0525-txt.html"}
    listed = page(built_book, "book/sources.html").article.select("a[href^='sources/']")
    assert sorted(a["href"] for a in listed) == sorted(f"sources/{name}" for name in pages)
    for name, soup in pages.items():
        assert soup.select_one("article h1").get_text().rstrip("#") in {"baylor-heros-3.0.txt", "cytotargetdb-ct-0525.txt"}
        assert "the book’s copy of" in soup.select_one("article").get_text(), name  # its provenance


def test_sources_appendix_highlights_only_what_the_book_uses(built_book):
    pages = source_pages(built_book).values()
    marked = " ".join(m.get_text() for soup in pages for m in soup.select("mark[id^=src-]"))
    assert "HEROS 3.0" in marked and "C205637" in marked
    text = " ".join(soup.get_text() for soup in pages)
    for debris in ("Back to topback-to-top", "More information about this study can be found on"):
        assert debris in text and debris not in marked  # listed as not used: shown plain


def test_each_highlighted_passage_leads_to_an_entry_that_shows_it(built_book):
    marks = [m for soup in source_pages(built_book).values() for m in soup.select("mark[id^=src-]")]
    assert marks
    for mark in marks:
        link = mark.parent
        assert link.name == "a", mark["id"]
        target, _, fragment = link["href"].partition("#")
        shown = BeautifulSoup((built_book / "book/sources" / target).read_text(encoding="utf-8"), "html.parser")
        entry = shown.find(id=fragment) if fragment else shown
        assert entry is not None, link["href"]
        shown_text = squash(entry.get_text() + " " + entry.get("data-passage", ""))  # "quoted in full above" keeps it
        assert squash(mark.get_text())[:40] in shown_text, link["href"]


def test_sources_appendix_shows_each_source_verbatim(built_book):
    assert 'id="source-cytotargetdb-ct-0525-txt"' in (built_book / "book/sources/cytotargetdb-ct-0525-txt.html").read_text(encoding="utf-8")
    html = (built_book / "book/sources/baylor-heros-3-0-txt.html").read_text(encoding="utf-8")
    assert 'id="source-baylor-heros-3-0-txt"' in html
    body = page(built_book, "book/sources/baylor-heros-3-0-txt.html").body
    assert "(pembrolizumab or nivoluma)" in body
    assert "Back to topback-to-top" in body


def test_a_passage_keeps_the_sources_own_quotation_marks(built_book):
    # The HEROS source types a plain apostrophe; the page must not turn it into a typographic one.
    assert "patient's lymphocytes" in (ROOT / "data/sources/baylor-heros-3.0.txt").read_text(encoding="utf-8")
    for name in ("book/therapies/heros-3.html", "book/sources/baylor-heros-3-0-txt.html"):
        body = page(built_book, name).body
        assert "patient's lymphocytes" in body and "patient\u2019s" not in body, name


def test_introduction_tables_both_therapies(built_book):
    body = page(built_book, "book/intro.html").body
    assert "HEROS 3.0" in body and "CT-0525" in body
    assert "It covers 2 therapies" in body
