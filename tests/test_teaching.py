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

from carbook.pages import compare
from carbook.pages import links
from carbook.pages import tables
from carbook.pages.labels import label, record_field_label
from carbook.data.load import load_library
from carbook.data.facts import NOT_STATED, RESTS_ON_PREFIX
from carbook.pages.terms import TermLinker
from conftest import squash

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
GLOSSARY_TERMS = ["CAR T cell", "chimeric antigen receptor", "HER2", "CD28", "lymphodepletion",
                  "immune checkpoint inhibitor", "autologous", "monocyte", "macrophage", "phagocytosis",
                  "cytotoxic T-lymphocyte", "tumor microenvironment"]


def soup(html_dir: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((html_dir / page).read_text(encoding="utf-8"), "html.parser")


def test_comparison_has_a_column_per_therapy_and_says_where_sources_are_silent():
    frame = compare.comparison_frame(LIBRARY)
    assert list(frame.columns) == ["Facet", "heros-3", "ct-0525"]  # keyed by id, in the chapters' order in _toc.yml
    row = frame.set_index("Facet")
    assert row.loc["Conditioning", "heros-3"] == "lymphodepletion: cyclophosphamide and fludarabine"
    assert row.loc["Conditioning", "ct-0525"] == NOT_STATED
    assert row.loc["NCI concept code", "ct-0525"] == "C205637"
    assert row.loc["NCI concept code", "heros-3"] == NOT_STATED  # the source names no concept at all
    assert row.loc["Effector mechanism", "ct-0525"] == "phagocytosis and other cytotoxic effector functions"
    assert row.loc["Phase", "heros-3"] == "Phase I"
    assert row.loc["Phase", "ct-0525"] == NOT_STATED
    assert row.loc["Dose", "ct-0525"] == "3 or 10 billion CAR+ cells"  # alternatives, as the record joins them
    assert row.loc["Cell source", "ct-0525"] == "autologous" and row.loc["Cell source", "heros-3"] == NOT_STATED
    assert row.loc["What the infused cells become", "ct-0525"] == "macrophages"


def test_comparison_rows_of_one_fact_carry_the_one_label_of_that_fact():
    for row in compare.ROWS:
        if len(row.paths) == 1 and row.key != "acts":
            assert row.label == label(row.paths[0])
    assert [lbl for lbl, _ in compare.FACETS] == [label(path) for path in compare.FACET_PATHS]


def test_comparison_columns_name_the_product_with_its_study():
    assert compare.column_names(LIBRARY) == {"heros-3": "HER2 chimeric antigen receptor (CAR) T cells (HEROS 3.0)",
                                             "ct-0525": "CT-0525"}


def test_modalities_written_either_way_are_one_modality():
    assert compare.modality_key("CAR-T cell") == compare.modality_key("CAR T cells") != compare.modality_key("CAR monocytes")


def test_stated_counts_say_how_many_sources_state_each_facet():
    counts = compare.stated_counts(LIBRARY)
    assert list(counts.index) == [lbl for lbl, _ in compare.FACETS]
    assert counts["Trial identifier"] == 2 and counts["Dose"] == 1 and counts["Cell source"] == 1


def test_stated_matrix_marks_gaps_false():
    matrix = compare.stated_matrix(LIBRARY)
    assert list(matrix.columns) == ["heros-3", "ct-0525"]
    assert not matrix.loc["Dose", "heros-3"] and matrix.loc["Dose", "ct-0525"]
    assert not matrix.loc["Ages", "ct-0525"] and matrix.loc["Ages", "heros-3"]


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
    therapy = LIBRARY.therapies[chapter]
    page = soup(built_book, f"book/therapies/{chapter}.html")
    section = page.find("section", id="check-yourself")
    entries = {f"#{li['id']}" for li in page.select("ol.cb-passages > li")}
    questions = section.find_all("details")
    assert len(questions) == len(therapy.questions)
    for details, question in zip(questions, therapy.questions):
        assert not details.has_attr("open")
        body = re.sub(r"\s+", " ", details.get_text(" "))
        fact = therapy.fact_at(question.answer)
        shown = NOT_STATED if getattr(fact, "not_stated", None) else tables.display_fact(therapy, question.answer, fact)
        # a long value is printed in full once, above: the answer gives its first words and its marker
        assert "Answer:" in body and shown[:40] in body, (question.answer, body)
        if shown == NOT_STATED and fact.nearby:
            assert "(nearby:" in body  # a gap's passage is nearby, never support
        markers = {a["href"] for a in details.select("sup.cb-cite a")}
        # a stated answer cites its passage; a gap cites the passage nearby, where the data gives one
        if shown != NOT_STATED or fact.nearby:
            assert markers and markers <= entries, (question.answer, markers)


@pytest.mark.build
def test_chapters_link_terms_to_the_glossary(built_book):
    page = soup(built_book, "book/therapies/ct-0525.html")
    targets = {a["href"].split("#")[-1] for a in page.select("a.reference") if "glossary.html#term-" in a.get("href", "")}
    assert {"term-monocyte", "term-HER2", "term-chimeric-antigen-receptor", "term-intravenous"} <= targets
    page = soup(built_book, "book/therapies/heros-3.html")
    lead = {a["href"].split("#")[-1] for a in page.select(".cb-lead a.reference") if "glossary.html#term-" in a.get("href", "")}
    assert {"term-CAR-T-cell", "term-lymphodepletion", "term-immune-checkpoint-inhibitor", "term-sarcoma"} <= lead
    mechanism = {a["href"].split("#")[-1] for a in page.select("#mechanism a.reference") if "glossary.html#term-" in a.get("href", "")}
    assert "term-CD28" in mechanism


@pytest.mark.build
def test_comparison_page_shows_both_therapies_in_one_table_and_a_figure(built_book):
    page = soup(built_book, "book/comparison.html")
    article = page.find("article")
    headings = [h.get_text(" ", strip=True).rstrip("#").strip() for h in article.find_all("h2")]
    assert headings == ["The modalities in brief", "Side by side", "What the sources state", "Check yourself"]
    tables_found = article.find_all("table")
    assert len(tables_found) == 1
    header = [th.get_text(" ", strip=True) for th in tables_found[0].find("thead").find_all("th")]
    assert header == ["Facet", "HER2 chimeric antigen receptor (CAR) T cells (HEROS 3.0) CAR T cells", "CT-0525 CAR monocytes"]
    links = [a["href"] for a in tables_found[0].find("thead").find_all("a")]
    assert links == ["therapies/heros-3.html", "therapies/ct-0525.html"]  # each column heading leads to its chapter
    facets = [row.find("th").get_text(" ", strip=True).removesuffix(" differs") for row in tables_found[0].select("tbody tr")]
    assert facets == [row.label for row in compare.ROWS]
    counts = page.find("img", alt=re.compile("^Bar chart of how many of the 2 therapies’ sources state each facet"))
    assert counts and "Trial identifier: 2 of 2" in counts["alt"] and "Dose: 1 of 2" in counts["alt"]


@pytest.mark.build
def test_published_data_package_is_valid_frictionless(built_book):
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(frictionless), "validate", "datapackage.json"], cwd=built_book / "data",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    descriptor = json.loads((built_book / "data/datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert {r["path"] for r in descriptor["resources"]} >= {"facts.csv", "therapies/heros-3.json", "schema/therapy.json"}


#: Gaps published in facts.csv that a chapter does not name (none: the lead names every gap it leaves out of the tables).
UNSHOWN_GAPS: dict[str, set[str]] = {}


def published_rows(built_book: Path) -> list[dict[str, str]]:
    with (built_book / "data/facts.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_a_table_shows(row: dict[str, str], rows: list[dict[str, str]]) -> set[str]:
    """Give the ways a chapter's table may show a published row: its value after what it rests on ("Aim: …"),
    in quotation marks where the value is its passage's whole text, with its agents where the stage has them;
    a gap as "Not stated in the source." and its note."""
    if row["stated"] == "false":
        return {f"{NOT_STATED}. {row['note']}"}
    prefix = RESTS_ON_PREFIX.get(row["rests_on"], "")
    values = {row["value"]}
    values |= {f"{row['value']}: {r['value']}" for r in rows if r["therapy"] == row["therapy"] and r["path"] == f"{row['path']}.agents"}
    return {squash(f"{prefix}{quoted}") for value in values for quoted in (value, f"“{value}”")}


@pytest.mark.build
def test_every_fact_a_chapter_table_shows_is_published_under_the_same_label(built_book):
    published = published_rows(built_book)
    for therapy in LIBRARY.therapies:
        page = soup(built_book, f"book/therapies/{therapy}.html")
        for table in page.select("article table"):
            for tr in table.select("tbody tr"):
                fact, value, _ = [squash(td.get_text(" ")) for td in tr.find_all("td")]
                candidates = [r for r in published if r["therapy"] == therapy and r["fact"] == fact]
                assert candidates, f"{therapy}: {fact!r} is shown but not published"
                assert any(value in as_a_table_shows(r, published) for r in candidates), (therapy, fact, value)


@pytest.mark.build
def test_every_published_fact_is_shown_on_its_chapter(built_book):
    published = published_rows(built_book)
    assert {r["path"] for r in published} >= {"name", "study", "aims.0", "regimen.dose", "nci_concept.claims.2"}
    for therapy in LIBRARY.therapies:
        page = soup(built_book, f"book/therapies/{therapy}.html")
        article = page.find("article")
        text = squash(article.get_text(" "))
        alts = [img.get("alt", "") for img in article.find_all("img")]
        for row in (r for r in published if r["therapy"] == therapy and r["stated"] == "true"):
            field = row["path"].removeprefix("record_fields.")
            assert row["fact"] == (record_field_label(field) if field != row["path"] else label(row["path"]))
            if row["path"] == "regimen.order":  # drawn: the regimen figure gives the stages in the source's order
                [alt] = [a for a in alts if a.startswith("Regimen of")]
                stages = row["value"].split(" (in the source’s order)")[0].split(", then ")
                assert [alt.index(f"{stage}:") for stage in stages] == sorted(alt.index(f"{stage}:") for stage in stages)
            elif row["path"] == "nci_concept.definition":  # shown claim by claim, each sentence once
                for sentence in re.split(r"(?<=\.) (?=[A-Z])", row["value"]):
                    assert squash(sentence) in text, sentence
            else:
                assert squash(row["value"]) in text, (therapy, row["path"], row["value"])
        # a gap is a table row saying so, or named in the lead as not stated ("phase and status: not stated")
        tabled = {squash(tr.find("td").get_text(" ")) for tr in article.select("table tbody tr")
                  if NOT_STATED in tr.get_text(" ")}
        lead = squash(article.select_one(".cb-lead").get_text(" ")).lower()
        unshown = {r["path"] for r in published if r["therapy"] == therapy and r["stated"] == "false"
                   and r["fact"] not in tabled and not re.search(rf"{re.escape(r['fact'].lower())}[^.]*: not stated in the", lead)}
        assert unshown == UNSHOWN_GAPS.get(therapy, set()), (therapy, unshown)
