"""The built book, read from its HTML: sections, tables, figures with alt text, key facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.build

SECTIONS = ["Mechanism", "Regimen", "Eligibility", "NCI concept", "Check yourself"]


class Page:
    """The parts of a built page the tests look at: the article's h2 headings, images and text."""

    def __init__(self, html: str):
        soup = BeautifulSoup(html, "html.parser")
        article = soup.find("article") or soup
        for link in article.select("a.headerlink"):
            link.decompose()
        self.h2 = [h.get_text(" ", strip=True) for h in article.find_all("h2")]
        self.images = [img.attrs for img in article.find_all("img")]
        self.body = re.sub(r"\s+", " ", article.get_text(" "))


def page(html_dir: Path, name: str) -> Page:
    return Page((html_dir / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("chapter", ["heros-3", "ct-0525"])
def test_chapter_has_its_four_sections_in_order(built_book, chapter):
    h2 = page(built_book, f"book/therapies/{chapter}.html").h2
    assert h2 == SECTIONS


@pytest.mark.parametrize("chapter, figures", [("heros-3", 3), ("ct-0525", 3)])
def test_chapter_figures_are_svg_files_with_alt_text_and_size(built_book, chapter, figures):
    images = page(built_book, f"book/therapies/{chapter}.html").images
    svgs = [i for i in images if (i.get("src") or "").endswith(".svg")]
    assert len(svgs) == figures
    assert all(len(i.get("alt") or "") > 40 for i in svgs)
    assert all(int(i["width"]) > 0 and int(i["height"]) > 0 for i in svgs)
    files = [(built_book / "book/therapies" / i["src"]).resolve() for i in svgs]
    assert all(f.is_file() and f.read_bytes().lstrip().startswith(b"<?xml") for f in files)


@pytest.mark.parametrize("chapter", ["heros-3", "ct-0525"])
def test_chapter_tables_and_figures_have_captions(built_book, chapter):
    html = (built_book / f"book/therapies/{chapter}.html").read_text(encoding="utf-8")
    assert html.count("<table") == 5
    assert html.count("<caption>") == 5
    assert html.count("<figcaption>") == html.count("<figure") == 3


def test_heros_chapter_shows_its_key_facts_with_quotes(built_book):
    body = page(built_book, "book/therapies/heros-3.html").body
    for fact in ("NCT04995003", "cyclophosphamide and fludarabine", "pembrolizumab or nivolumab", "1 to 25 years",
                 "“In addition, it contains CD28, which stimulated T cells and make them last longer.”"):
        assert fact in body
    assert "NCI Thesaurus concept Not stated in the source" in body
    assert "Phase Phase I" in body and "IRB H-49271" in body


def test_ct_chapter_shows_its_key_facts_with_quotes(built_book):
    body = page(built_book, "book/therapies/ct-0525.html").body
    for fact in ("C205637", "NCT06254807", "3 billion CAR+ cells", "10 billion CAR+ cells", "Intravenous",
                 "Autologous Anti-HER2 CAR Monocytes CT-0525", "phagocytosis"):
        assert fact in body
    assert "Ages: Not stated in the source." in body


def test_sources_appendix_shows_each_source_verbatim(built_book):
    html = (built_book / "book/sources.html").read_text(encoding="utf-8")
    assert 'id="source-baylor-heros-3-0-txt"' in html and 'id="source-nci-ct-0525-txt"' in html
    body = page(built_book, "book/sources.html").body
    assert "(pembrolizumab or nivoluma)" in body
    assert "Back to topback-to-top" in body


def test_introduction_tables_both_therapies(built_book):
    body = page(built_book, "book/intro.html").body
    assert "HEROS 3.0" in body and "CT-0525" in body
    assert "It covers 2 therapies" in body
