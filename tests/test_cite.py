"""Citing the book and its chapters: BibTeX a standard parser reads, RIS, CSL-JSON in the CSL schema's
terms that a CSL processor renders, the meta tags a reference manager reads from a page, and the
"Cite this" block with its files in the built site."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import citeproc
import pytest
import yaml
from bs4 import BeautifulSoup
from pybtex.database import parse_string

from carbook import __version__
from carbook.pages import citing
from carbook.sphinxext.cite_this import build_date
from conftest import ROOT

DAY = datetime.date(2026, 12, 6)
CHAPTER = citing.Work("CT-0525: CAR monocytes against HER2", "CAR cell therapies — a source-checked reference",
                      "The editors", DAY, "0.1.0")
BOOK = citing.Work("CAR cell therapies — a source-checked reference", None, "The editors", DAY, "0.1.0",
                   "https://example.org/car-book/")
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
SCHEMA = Path(citeproc.__file__).parent / "data/schema/schemas/styles"


def csl_terms(name: str, pattern: str) -> set[str]:
    """Give the quoted names of a CSL schema file's definitions whose name matches ``pattern``."""
    text = (SCHEMA / name).read_text(encoding="utf-8")
    blocks = re.findall(rf"(?ms)^\s*{pattern}\s*=\s*(.*?)(?=^\s*(?:##|[a-z.]+\s*=|}}))", text)
    return {term for block in blocks for term in re.findall(r'"([^"]+)"', block)}


@pytest.mark.parametrize("work", [CHAPTER, BOOK], ids=["chapter", "book"])
def test_the_bibtex_parses_with_a_standard_parser(work):
    entries = parse_string(citing.bibtex(work), "bibtex").entries
    (key, entry), = entries.items()
    assert key == work.key
    assert entry.type == ("incollection" if work.book else "book")
    assert entry.fields["title"] == work.title and entry.fields["year"] == "2026"
    assert [str(person) for person in entry.persons["editor"]] == ["{The editors}"]
    assert ("booktitle" in entry.fields) == bool(work.book)
    assert entry.fields.get("url", "") == work.address


def test_bibtex_escapes_its_special_characters():
    work = citing.Work("50% of {odd} & $pecial_titles #1", None, "The editors", DAY, "1")
    entry = next(iter(parse_string(citing.bibtex(work), "bibtex").entries.values()))
    assert entry.fields["title"] == r"50\% of \{odd\} \& \$pecial\_titles \#1"


@pytest.mark.parametrize("work", [CHAPTER, BOOK], ids=["chapter", "book"])
def test_the_ris_record_has_its_tags_in_order_and_ends(work):
    lines = citing.ris(work).split("\r\n")
    tags = [line[:2] for line in lines if line]
    assert tags[0] == "TY" and tags[-1] == "ER" and lines[-1] == ""
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines if line)
    fields = {line[:2]: line[6:] for line in lines if line}
    assert fields["TY"] == ("CHAP" if work.book else "BOOK") and fields["TI"] == work.title
    assert fields["ED"] == "The editors" and fields["DA"] == "2026/12/06" and fields.get("UR", "") == work.address


@pytest.mark.parametrize("work", [CHAPTER, BOOK], ids=["chapter", "book"])
def test_the_csl_json_uses_the_csl_schemas_types_and_variables_and_renders(work):
    (item,) = json.loads(citing.csl_json(work))
    types = csl_terms("csl-types.rnc", r"item-types\S*")
    names, dates = csl_terms("csl-variables.rnc", r"variables\.names"), csl_terms("csl-variables.rnc", r"variables\.dates")
    variables = csl_terms("csl-variables.rnc", r"variables\.\S+")
    assert {"chapter", "book"} <= types and "editor" in names and "issued" in dates
    assert item["type"] in types
    assert set(item) - {"id", "type"} <= variables | {"URL"}, set(item) - variables
    for name in names & set(item):
        assert all(set(person) <= {"family", "given", "literal"} for person in item[name])
    for date in dates & set(item):
        assert item[date]["date-parts"] == [[2026, 12, 6]]
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    source = CiteProcJSON([item])
    style = CitationStylesStyle(str(Path(citeproc.__file__).parent / "data/styles/harvard-cite-them-right.csl"), validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = str(bibliography.bibliography()[0])
    assert work.title in rendered and "2026" in rendered


def test_a_citation_gives_no_address_where_the_book_names_none():
    assert "url" not in citing.bibtex(CHAPTER) and "UR  -" not in citing.ris(CHAPTER)
    assert "URL" not in json.loads(citing.csl_json(CHAPTER))[0] and "citation_public_url" not in citing.meta_tags(CHAPTER, None)
    assert 'name="citation_public_url" content="https://example.org/car-book/"' in citing.meta_tags(BOOK, None)


def test_the_build_date_is_today_unless_a_reproducible_build_fixes_it(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_date() == datetime.date.today()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780704000")
    assert build_date() == datetime.date(2026, 6, 6)


# --- in the built site --------------------------------------------------------------------------


def meta(soup: BeautifulSoup) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tag in soup.find_all("meta", attrs={"name": True}):
        found.setdefault(tag["name"], []).append(tag.get("content", ""))
    return found


@pytest.mark.parametrize("chapter", ["heros-3", "ct-0525"])
def test_a_chapter_carries_what_a_reference_manager_reads_and_a_description_from_its_lead(built_book, chapter):
    soup = BeautifulSoup((built_book / f"book/therapies/{chapter}.html").read_text(encoding="utf-8"), "html.parser")
    tags = meta(soup)
    heading = soup.select_one("article h1").get_text().rstrip("#").strip()
    assert tags["citation_title"] == [heading]
    assert tags["citation_inbook_title"] == [CONFIG["title"]]
    assert tags["citation_author"] == [CONFIG["author"]]
    assert tags["citation_publication_date"] == [build_date().strftime("%Y/%m/%d")]
    lead = soup.select_one(".cb-lead p")
    for marker in lead.select("sup.cb-cite"):
        marker.decompose()
    assert tags["description"] == [" ".join(lead.get_text().split())]


def test_every_page_has_one_description_ending_a_sentence(built_book):
    for page in sorted((built_book / "book").glob("*.html")):
        (description,) = meta(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"))["description"]
        assert description.endswith((".", "?", "!", ")")), (page.name, description)


@pytest.mark.parametrize(("page", "files", "what"), [("book/therapies/ct-0525.html", "cite/book/therapies/ct-0525", "chapter"),
                                                    ("book/intro.html", "cite/book", "book")])
def test_a_chapter_and_the_book_end_with_cite_this_and_its_three_files(built_book, page, files, what):
    soup = BeautifulSoup((built_book / page).read_text(encoding="utf-8"), "html.parser")
    block = soup.select_one("article details.cb-cite-this")
    assert block.summary.get_text() == f"Cite this {what}"
    text = " ".join(block.get_text().split())
    assert CONFIG["author"] in text and f"version {__version__}" in text
    links = [a["href"] for a in block.select("a[download]")]
    assert [link.rsplit(".", 1)[1] for link in links] == ["bib", "ris", "json"]
    for link in links:
        assert (built_book / Path(page).parent / link).resolve() == (built_book / f"{files}.{link.rsplit('.', 1)[1]}").resolve()
    bib = next(iter(parse_string((built_book / f"{files}.bib").read_text(encoding="utf-8"), "bibtex").entries.values()))
    assert bib.fields["title"] in text
    menu = [a["href"] for a in soup.select(".dropdown-download-buttons a")]
    assert sum(1 for href in menu if "cite/" in href) == 3


def test_the_citation_file_names_the_book_as_its_configuration_and_package_do():
    from carbook.sphinxext.publish import LICENSE

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["title"] == CONFIG["title"]
    assert cff["authors"] == [{"name": CONFIG["author"]}] and cff["version"] == __version__
    assert cff["license"] == LICENSE["name"]  # the data's licence
    (software,) = cff["references"]
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert software["version"] == __version__ and f'license = "{software["license"]}"' in project
