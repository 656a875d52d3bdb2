"""Comparison, glossary, self-check questions and the published data package."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from carbook import compare, links
from carbook.load import load_library
from carbook.models import NOT_STATED
from carbook.terms import TermLinker

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
GLOSSARY_TERMS = ["CAR T cell", "chimeric antigen receptor", "HER2", "CD28", "lymphodepletion",
                  "immune checkpoint inhibitor", "autologous", "monocyte", "macrophage", "phagocytosis",
                  "cytotoxic T-lymphocyte", "tumor microenvironment"]


def soup(html_dir: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((html_dir / page).read_text(encoding="utf-8"), "html.parser")


def test_comparison_has_a_column_per_therapy_and_says_where_sources_are_silent():
    frame = compare.comparison_frame(LIBRARY)
    assert list(frame.columns) == ["Facet", "HEROS 3.0", "CT-0525"]  # the chapters' order in _toc.yml
    row = frame.set_index("Facet")
    assert row.loc["Conditioning (lymphodepletion)", "HEROS 3.0"] == "lymphodepletion: cyclophosphamide and fludarabine"
    assert row.loc["Conditioning (lymphodepletion)", "CT-0525"] == NOT_STATED
    assert row.loc["NCI Thesaurus concept", "CT-0525"] == "C205637"
    assert row.loc["NCI Thesaurus concept", "HEROS 3.0"] == NOT_STATED
    assert row.loc["Effector mechanism", "CT-0525"] == "phagocytosis and other cytotoxic effector functions"
    assert row.loc["Trial phase", "HEROS 3.0"] == "Phase I"
    assert row.loc["Trial phase", "CT-0525"] == NOT_STATED
    assert row.loc["Dose", "CT-0525"] == "3 or 10 billion CAR+ cells"  # alternatives, as the record joins them


def test_stated_matrix_marks_gaps_false():
    matrix = compare.stated_matrix(LIBRARY)
    assert not matrix.loc["Dose", "HEROS 3.0"] and matrix.loc["Dose", "CT-0525"]
    assert not matrix.loc["Eligible ages", "CT-0525"] and matrix.loc["Eligible ages", "HEROS 3.0"]


def test_glossary_holds_the_required_terms_quoted_or_marked_editorial():
    entries = {e.term: e for e in LIBRARY.glossary.terms}
    assert set(GLOSSARY_TERMS) <= set(entries)
    assert entries["lymphodepletion"].definition.source == "baylor-heros-3.0.txt"
    assert entries["phagocytosis"].definition is None and entries["phagocytosis"].editorial


def test_term_linker_links_only_the_first_use_of_each_term():
    linker = TermLinker(LIBRARY.glossary)
    first = linker.link("CAR T cells kill, CD28 helps CAR T cells")
    assert first == "{term}`CAR T cells <CAR T cell>` kill\\, {term}`CD28 <CD28>` helps CAR T cells"
    assert linker.link("CD28 again") == "CD28 again"


def test_links_out_use_the_canonical_patterns():
    heros, ct = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]
    assert links.for_therapy(heros) == [("NCT04995003 on ClinicalTrials.gov", "https://clinicaltrials.gov/study/NCT04995003")]
    assert ("C205637 in NCI Thesaurus (EVS Explore)",
            "https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/C205637") in links.for_therapy(ct)


def test_every_question_answers_with_a_fact_of_its_therapy():
    for therapy in LIBRARY.therapies.values():
        assert 3 <= len(therapy.questions) <= 5
        for question in therapy.questions:
            therapy.fact_at(question.answer)


@pytest.mark.build
@pytest.mark.parametrize("chapter", ["heros-3", "ct-0525"])
def test_chapter_ends_with_hidden_answers_that_cite_their_passage(built_book, chapter):
    page = soup(built_book, f"book/therapies/{chapter}.html")
    section = page.find("section", id="check-yourself")
    questions = section.find_all("details")
    assert len(questions) == len(LIBRARY.therapies[chapter].questions)
    for details in questions:
        assert not details.has_attr("open")
        body = details.get_text(" ")
        assert "Answer:" in body and ("“" in body or NOT_STATED in body)


@pytest.mark.build
def test_chapters_link_terms_to_the_glossary(built_book):
    page = soup(built_book, "book/therapies/ct-0525.html")
    targets = {a["href"].split("#")[-1] for a in page.select("a.reference") if "glossary.html#term-" in a.get("href", "")}
    assert {"term-phagocytosis", "term-monocyte", "term-HER2"} <= targets


@pytest.mark.build
def test_comparison_page_shows_every_therapy_and_a_figure(built_book):
    page = soup(built_book, "book/comparison.html")
    header = [th.get_text(strip=True) for th in page.find("table").find_all("th")]
    assert header == ["Facet", "HEROS 3.0", "CT-0525"]
    assert page.find("img", alt=re.compile("Grid of 13 facets by 2 therapies"))


@pytest.mark.build
def test_published_data_package_is_valid_frictionless(built_book):
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(frictionless), "validate", "datapackage.json"], cwd=built_book / "data",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    descriptor = json.loads((built_book / "data/datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert {r["path"] for r in descriptor["resources"]} >= {"facts.csv", "therapies/heros-3.json", "schema/therapy.json"}


@pytest.mark.build
def test_published_facts_are_exactly_the_facts_the_chapters_show(built_book):
    with (built_book / "data/facts.csv").open(encoding="utf-8") as handle:
        published = {(r["therapy"], r["fact"], r["value"]) for r in csv.DictReader(handle)}
    shown = set()
    for therapy in LIBRARY.therapies:
        page = soup(built_book, f"book/therapies/{therapy}.html")
        for table in page.select("article table"):
            for row in table.select("tbody tr"):
                cells = [re.sub(r"\s+", " ", td.get_text()).strip() for td in row.find_all("td")]
                shown.add((therapy, cells[0], cells[1]))
    assert published == shown
