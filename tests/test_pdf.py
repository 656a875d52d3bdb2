"""The PDF edition (``make pdf``): one PDF of the whole book, linked from the site, holding every heading,
passage and gap the HTML holds and nothing it lacks, fitting A4 and Letter, its links still links."""

from __future__ import annotations

import calendar
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from carbook import __version__, edition
from conftest import JUPYTER_BOOK, copy_book
from test_links import broken_internal_links

pytestmark = [pytest.mark.build, pytest.mark.browser]
POINTS = {"A4": (595.9, 842.9), "Letter": (612.0, 792.0)}


@pytest.fixture(scope="module")
def pdf_book(tmp_path_factory, browser):
    """Give the root of a copy of the book built as ``make pdf`` builds it, with its PDF in the site and a
    Letter print beside it."""
    root = copy_book(tmp_path_factory.mktemp("pdf") / "book")
    result = subprocess.run([JUPYTER_BOOK, "build", str(root), "-W", "-n", "--keep-going"], capture_output=True,
                            text=True, cwd=root, timeout=900, env={**os.environ, "CARBOOK_PDF": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    edition.publish(root, browser=browser)  # the session's Chromium (one Playwright per process)
    edition.make(root / "_build/html", root, root / "_build/letter.pdf", "Letter", browser=browser)
    return root


def squash(text: str) -> str:
    """Give text as the PDF and the page compare: compatibility forms (ligatures), no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).replace("’", "'").replace("“", '"').replace("”", '"')


def pdf_text(path: Path) -> str:
    """Give the PDF's text, page after page, each page's number (its last line) left out."""
    pages = []
    for number, page in enumerate(PdfReader(path).pages, start=1):
        lines = (page.extract_text() or "").splitlines()
        if lines and lines[-1].strip() == str(number):
            lines = lines[:-1]
        pages.append("\n".join(lines))
    return "\n".join(pages)


def articles(root: Path) -> dict[str, BeautifulSoup]:
    site = root / "_build/html"
    found = {}
    for page in edition.pages(site, root):
        article = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser").select_one("article.bd-article")
        for unwanted in article.select(edition.LEFT_OUT):
            unwanted.decompose()
        found[page] = article
    return found


def test_make_pdf_writes_one_pdf_linked_from_the_introduction_and_every_pages_menu(pdf_book):
    site = pdf_book / "_build/html"
    pdf = site / edition.PDF_NAME
    assert pdf.is_file() and pdf.stat().st_size <= 5 * 2**20
    intro = BeautifulSoup((site / "book/intro.html").read_text(encoding="utf-8"), "html.parser")
    assert intro.select_one(f"article p.cb-pdf a[href='../{edition.PDF_NAME}']") is not None
    for page in sorted((site / "book").rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        menu = soup.select(".dropdown-download-buttons a[href$='.pdf']")
        if soup.select_one(".dropdown-download-buttons"):
            assert [(page.parent / a["href"]).resolve() for a in menu] == [pdf.resolve()], page
    assert broken_internal_links(site) == []


def test_a_build_after_the_pdf_build_links_no_pdf_on_any_page_and_leaves_none(pdf_book, tmp_path):
    root = copy_book(tmp_path / "book")
    for flag in ("1", None):  # as `make pdf`, then `make book`, in the same folder
        env = {k: v for k, v in os.environ.items() if k != "CARBOOK_PDF"} | ({"CARBOOK_PDF": flag} if flag else {})
        result = subprocess.run([JUPYTER_BOOK, "build", str(root), "-W", "-n", "--keep-going"], capture_output=True,
                                text=True, cwd=root, timeout=900, env=env)
        assert result.returncode == 0, result.stdout[-3000:]
        if flag:
            assert edition.PDF_NAME in (root / "_build/html/book/intro.html").read_text(encoding="utf-8")
            (root / "_build/html" / edition.PDF_NAME).write_bytes(b"%PDF- an older print")
    site = root / "_build/html"
    assert not (site / edition.PDF_NAME).exists()
    assert [p for p in site.rglob("*.html") if edition.PDF_NAME in p.read_text(encoding="utf-8")] == []
    assert broken_internal_links(site) == []


def test_the_pdf_holds_every_heading_passage_and_gap_of_the_pages(pdf_book):
    text = squash(pdf_text(pdf_book / "_build/html" / edition.PDF_NAME))
    gaps_in_pages = 0
    for page, article in articles(pdf_book).items():
        for heading in article.select("h1, h2"):
            assert squash(heading.get_text()) in text, (page, heading.get_text())
        for passage in article.select("q.cb-passage"):
            assert squash(passage.get_text()) in text, (page, passage.get_text()[:80])
        for entry in article.select("li[data-passage]"):
            assert squash(entry["data-passage"]) in text, (page, entry["data-passage"][:80])
        gaps_in_pages += squash(article.get_text()).count(squash("Not stated in the source"))
    assert gaps_in_pages > 0
    assert text.count(squash("Not stated in the source")) == gaps_in_pages


def test_the_pdf_says_nothing_the_pages_do_not(pdf_book):
    pages = " ".join(article.get_text(" ") for article in articles(pdf_book).values())
    known = set(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", pages).lower()))
    # the PDF's own words: its title page, contents and the heading of the answers
    own = {"contents", "version", "built", "answers", "to", "the", "questions", "question", "editors",
           *(month.lower() for month in calendar.month_name if month)}
    text = pdf_text(pdf_book / "_build/html" / edition.PDF_NAME)
    words = set(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).lower()))

    def told(word: str) -> bool:  # a word of the pages, or two run together where a cell ends a line
        return word in known or word.isdigit() or any(word[:i] in known and word[i:] in known for i in range(1, len(word)))

    assert {w for w in words - own if not told(w)} == set()


def test_the_title_page_gives_the_version_and_date_and_the_contents_their_pages(pdf_book):
    reader = PdfReader(pdf_book / "_build/html" / edition.PDF_NAME)
    title = reader.pages[0].extract_text()
    assert f"Version {__version__}, built" in title and "The editors" in title
    contents = reader.pages[1].extract_text().splitlines()
    parts = [line for line in contents if re.search(r"\s\d+$", line)]
    assert len(parts) == len(edition.pages(pdf_book / "_build/html", pdf_book))
    for line in parts:
        heading, number = line.rsplit(" ", 1)
        start = reader.pages[int(number) - 1].extract_text()
        assert squash(heading)[:30] in squash(start), (line, start[:200])


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_pdf_fits_a4_and_letter_pages(pdf_book, paper):
    path = pdf_book / ("_build/html/" + edition.PDF_NAME if paper == "A4" else "_build/letter.pdf")
    for page in PdfReader(path).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == pytest.approx(POINTS[paper], abs=1.0)


def test_a_page_that_would_stick_out_past_the_paper_stops_the_print(browser, tmp_path):
    wide = edition.Part("book/wide.html", "Wide", '<h1>Wide</h1><div style="width: 3000px">too wide</div>')
    page = tmp_path / "print.html"
    page.write_text(edition.print_page([wide], "Book", "The editors", "1", "today", {"book/wide.html": 3}),
                    encoding="utf-8")
    with pytest.raises(edition.EditionError, match="stick out past the page's edge"):
        edition._print(browser.new_page(), page, tmp_path / "wide.pdf", "A4")


def test_links_stay_links_within_the_pdf_and_to_other_sites(pdf_book):
    internal, external = 0, set()
    for page in PdfReader(pdf_book / "_build/html" / edition.PDF_NAME).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            action = annotation.get("/A")
            if action is not None and "/URI" in action:
                external.add(str(action["/URI"]))
            else:
                internal += 1
    assert internal > 100
    assert not [uri for uri in external if uri.startswith("file:")]
    assert "https://clinicaltrials.gov/study/NCT04995003" in external
    assert any("#:~:text=" in uri for uri in external)
