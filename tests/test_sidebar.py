"""Every page's sidebar lists the book's pages as _toc.yml orders them, with that page, and only it, marked."""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from carbook.sphinxext.sidebar import sidebar_html

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[1]


def toc_parts() -> list[tuple[str, list[str]]]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [(part["caption"], [chapter["file"] for chapter in part["chapters"]]) for part in toc["parts"]]


def sidebar(html: Path, page: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Give the sidebar of ``page`` (its file ``html``): each caption with its links, as page names, and
    whether each is marked current."""
    nav = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").select_one("nav.bd-docs-nav")
    parts = []
    for caption in nav.select("p.caption"):
        links = []
        for a in caption.find_next_sibling("ul").select("li.toctree-l1 > a"):
            target = page if a["href"] == "#" else posixpath.normpath(posixpath.join(posixpath.dirname(page), a["href"]))
            links.append((target.removesuffix(".html"), "current" in a.get("class", [])))
        parts.append((caption.get_text(strip=True), links))
    return parts


def test_every_page_lists_the_toc_in_order_and_marks_only_itself(built_book):
    expected = toc_parts()
    listed = {page for _, pages in expected for page in pages}  # all but the root page, as the theme lists them
    for html in [*built_book.glob("book/**/*.html"), built_book / "search.html"]:
        page = html.relative_to(built_book).as_posix().removesuffix(".html")
        parts = sidebar(html, page)
        assert [(caption, [link for link, _ in links]) for caption, links in parts] == expected, page
        marked = [link for _, links in parts for link, current in links if current]
        assert marked == ([page] if page in listed else []), page


def test_sidebar_marks_the_part_of_the_current_page_and_links_the_others_relative_to_it():
    parts = [("Therapies", [("book/therapies/a", "A &amp; co"), ("book/therapies/b", "B")]), ("Learning", [("book/glossary", "Glossary")])]
    html = sidebar_html(parts, "book/therapies/b", lambda doc: posixpath.relpath(doc, "book/therapies") + ".html")
    assert html.splitlines() == [
        '<p aria-level="2" class="caption" role="heading"><span class="caption-text">Therapies</span></p>',
        '<ul class="current nav bd-sidenav">',
        '<li class="toctree-l1"><a class="reference internal" href="a.html">A &amp; co</a></li>',
        '<li class="toctree-l1 current active"><a class="current reference internal" href="#">B</a></li>',
        "</ul>",
        '<p aria-level="2" class="caption" role="heading"><span class="caption-text">Learning</span></p>',
        '<ul class="nav bd-sidenav">',
        '<li class="toctree-l1"><a class="reference internal" href="../glossary.html">Glossary</a></li>',
        "</ul>",
    ]


def test_a_part_of_thousands_lists_only_the_page_being_read_and_a_link_to_the_therapies_page():
    pages = [(f"book/therapies/t-{n}", f"Therapy {n}") for n in range(2000)]
    parts = [("Therapies", pages), ("Learning", [("book/therapies", "Therapies"), ("book/glossary", "Glossary")])]
    html = sidebar_html(parts, "book/therapies/t-7", lambda docname: f"/{docname}.html")
    links = BeautifulSoup(html, "html.parser").select("li.toctree-l1 > a")
    assert [a.get_text() for a in links] == ["All 2000, on the Therapies page", "Therapy 7", "Therapies", "Glossary"]
    assert links[0]["href"] == "/book/therapies.html" and links[1]["href"] == "#"
    assert len(html) < 2000  # the same size with 2 therapies or 2,000
    elsewhere = BeautifulSoup(sidebar_html(parts, "book/glossary", lambda d: f"/{d}.html"), "html.parser")
    assert [a.get_text() for a in elsewhere.select("li.toctree-l1 > a")][:1] == ["All 2000, on the Therapies page"]
