"""Editorial glossary definitions speak of no one therapy and say no more than the chapters quoting the same
source; terms a chapter's lead shows without a glossary entry become to-do items of `carbook check`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from carbook.data.editorial import check_glossary, names_a_therapy, states_a_gap
from carbook.data.load import check, check_library
from carbook.data.models import Glossary, GlossaryEntry, SourcePassage
from carbook.data.terms_todo import candidates, covered, effector_pieces, missing_terms, term_key

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "new-therapy"
LIBRARY, _ = check_library(ROOT)
HEROS_SOURCE, CT_SOURCE = "baylor-heros-3.0.txt", "cytotargetdb-ct-0525.txt"
HEROS_PASSAGE = "Giving chemotherapy before a T cell infusion is called lymphodepletion"
CT_PASSAGE = "administered as a single IV infusion (3 or 10 billion CAR+ cells)"
TODO_LINE = re.compile(r"^(?P<file>data/therapies/[\w-]+\.yaml):(?P<line>\d+): to do: glossary: '(?P<term>[^']+)' \((?P<what>[^)]+)\) "
                       r"is used in the chapter's lead but has no entry in data/glossary\.yaml — add one \(an editorial "
                       r"definition says what a trainee needs in general, nothing about this therapy\)$")


def entry(term: str, editorial: str, *passages: tuple[str, str]) -> GlossaryEntry:
    return GlossaryEntry(term=term, editorial=editorial,
                         used_in=[SourcePassage(source=source, quote=quote) for source, quote in passages])


def refusals(one: GlossaryEntry) -> list[str]:
    return [message for _, message, _ in check_glossary(Glossary(terms=[one]), LIBRARY.therapies)]


# --- editorial definitions ------------------------------------------------------------------------


def test_the_old_infusion_definition_is_refused_for_its_route_and_its_pointer_to_one_source():
    old = entry("infusion", "Giving a fluid, here a preparation of cells, slowly into a vein (intravenously, IV).",
                (CT_SOURCE, CT_PASSAGE), (HEROS_SOURCE, HEROS_PASSAGE))
    assert refusals(old) == [
        "the editorial definition of 'infusion' says “here a”, which speaks of one therapy's source",
        "the editorial definition of 'infusion' says “vein”, but the heros-3 chapter, which quotes the same source "
        "(baylor-heros-3.0.txt), marks Route as not stated",
    ]


def test_a_general_definition_passes():
    general = entry("infusion", "Giving a fluid, such as a drug or a preparation of cells, into the body slowly.",
                    (CT_SOURCE, CT_PASSAGE), (HEROS_SOURCE, HEROS_PASSAGE))
    assert refusals(general) == []


@pytest.mark.parametrize("words, what", [
    ("HEROS 3.0", "its study of heros-3"), ("NCT04995003", "its trial identifier of heros-3"),
    ("H-49271", "its trial identifier of heros-3"), ("ct-0525", "its product name of ct-0525"),
    ("C205637", "its NCI concept code of ct-0525"), ("Autologous Anti-HER2 CAR Monocytes CT-0525", "its NCI preferred term of ct-0525"),
])
def test_a_definition_naming_a_therapy_of_the_book_is_refused(words, what):
    named = entry("CD28", f"A protein on T cells, as in {words}.", (HEROS_SOURCE, "it contains CD28"))
    [(message, fix)] = list(names_a_therapy(named, LIBRARY.therapies))
    assert re.fullmatch(rf"the editorial definition of 'CD28' names “{re.escape(words)}”, {what}", message), message
    assert fix.startswith("define the term in general, naming no therapy of the book")


@pytest.mark.parametrize("words", ["the study page", "The record", "this chapter", "here a", "here, an"])
def test_words_pointing_at_one_therapys_source_are_refused(words):
    pointing = entry("CD28", f"A protein; {words} protein of T cells.", (HEROS_SOURCE, "it contains CD28"))
    assert [m for m, _ in names_a_therapy(pointing, LIBRARY.therapies)] == [
        f"the editorial definition of 'CD28' says “{words}”, which speaks of one therapy's source"]


def test_a_generic_product_name_that_is_a_glossary_term_names_no_therapy():
    assert refusals(entry("modality", "The kind of CAR cell therapy, such as CAR T cells or CAR monocytes.")) == []


@pytest.mark.parametrize("source, words, said, facet", [
    (HEROS_SOURCE, "given by mouth", "by mouth", "Route"),
    (HEROS_SOURCE, "given intravenously", "intravenously", "Route"),
    (HEROS_SOURCE, "cells that are the patient’s own", "patient's own", "Cell source"),
    (HEROS_SOURCE, "cells from a donor", "donor", "Cell source"),
    (HEROS_SOURCE, "usually 2 million cells per kg", "2 million cells", "Dose"),
    (CT_SOURCE, "often given after lymphodepletion", "lymphodepletion", "Conditioning"),
    (CT_SOURCE, "tested in a Phase 1 trial", "Phase 1", "Phase"),
    (CT_SOURCE, "for people 18 to 65 years old", "18 to 65 years old", "Ages"),
])
def test_a_definition_stating_a_facet_a_chapter_quoting_the_same_source_marks_not_stated_is_refused(source, words, said, facet):
    passage = HEROS_PASSAGE if source == HEROS_SOURCE else CT_PASSAGE
    [(message, fix)] = list(states_a_gap(entry("infusion", f"Giving cells, {words}.", (source, passage)), LIBRARY.therapies))
    chapter = "heros-3" if source == HEROS_SOURCE else "ct-0525"
    assert message == (f"the editorial definition of 'infusion' says “{said}”, but the {chapter} chapter, which quotes the same "
                       f"source ({source}), marks {facet} as not stated")
    assert fix.startswith("define the term in general, without ")


def test_a_facet_may_be_said_where_every_chapter_quoting_the_source_states_it():
    assert refusals(entry("intravenous", "Into a vein.", (CT_SOURCE, "Intravenous"))) == []
    assert refusals(entry("Phase I", "The first phase of testing in people; Phase I asks whether it is safe.",
                          (HEROS_SOURCE, "Phase I study of HER2 chimeric antigen receptor (CAR) T cells"))) == []


def test_the_generic_phase_entry_is_refused_only_where_a_chapter_quoting_its_source_marks_the_phase_not_stated():
    phase = entry("Phase I", "The first testing in people; a Phase I study asks whether it is safe.", (CT_SOURCE, "NCT06254807"))
    assert refusals(phase) == ["the editorial definition of 'Phase I' says “Phase I”, but the ct-0525 chapter, which quotes "
                               "the same source (cytotargetdb-ct-0525.txt), marks Phase as not stated"]


def test_the_book_refuses_the_old_infusion_definition_in_a_copy(book: Path):
    glossary = book / "data/glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    old = "    editorial: Giving a fluid, here a preparation of cells, slowly into a vein (intravenously, IV).\n"
    glossary.write_text(re.sub(r"(?m)(^  - term: infusion\n(?:    .*\n)*?)    editorial: .*\n", lambda m: m.group(1) + old, text, count=1),
                        encoding="utf-8")
    _, problems = check_library(book)
    assert {(p.file, p.field.endswith(".editorial")) for p in problems} == {("data/glossary.yaml", True)}
    assert any("marks Route as not stated" in p.message for p in problems)


def test_checking_the_glossary_alone_checks_it_against_every_therapy(book: Path):
    glossary = book / "data/glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(re.sub(r"(?m)(^  - term: CD28\n(?:    .*\n)*?)    editorial: .*\n",
                               lambda m: m.group(1) + "    editorial: A protein on T cells, as in HEROS 3.0.\n", text, count=1),
                        encoding="utf-8")
    [problem] = check(book, [glossary])
    assert (problem.file, problem.message) == (
        "data/glossary.yaml", "the editorial definition of 'CD28' names “HEROS 3.0”, its study of heros-3")


# --- terms of the lead without a glossary entry --------------------------------------------------------


def install_nk(root: Path, source: str | None = None, data: str | None = None) -> None:
    """Add the made-up CAR-NK therapy of tests/fixtures/new-therapy to a copy of the book (its source and data
    as given, else the fixture's) with its chapter in _toc.yml."""
    (root / "data/sources/example-car-nk.txt").write_text(source or (FIXTURE / "example-car-nk.txt").read_text(encoding="utf-8"),
                                                          encoding="utf-8")
    (root / "data/therapies/example-nk.yaml").write_text(data or (FIXTURE / "example-nk.yaml").read_text(encoding="utf-8"),
                                                         encoding="utf-8")
    toc = root / "_toc.yml"
    text = toc.read_text(encoding="utf-8")
    toc.write_text(text.replace("      - file: book/therapies/ct-0525\n",
                                "      - file: book/therapies/ct-0525\n      - file: book/therapies/example-nk\n"), encoding="utf-8")


def edited_nk() -> tuple[str, str]:
    """Give the CAR-NK fixture as an editor tried it: allogeneic cells, perforin and granzyme, and a hedged
    sentence on cytokines."""
    source = (FIXTURE / "example-car-nk.txt").read_text(encoding="utf-8").replace(
        "the NK cells release cytotoxic granules that kill the lymphoma cells.",
        "the NK cells release perforin and granzyme that kill the lymphoma cells. The NK cells may also secrete cytokines. "
        "The NK cells are allogeneic.")
    data = (FIXTURE / "example-nk.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("cell_source: {not_stated: The page does not say whose cells are used.}",
         'cell_source: {value: allogeneic, quote: "The NK cells are allogeneic."}'),
        ('    - {value: release cytotoxic granules that kill the lymphoma cells, quote: "Once the CAR binds CD19, the NK cells '
         'release cytotoxic granules that kill the lymphoma cells."}',
         '    - {value: release perforin and granzyme that kill the lymphoma cells, quote: "Once the CAR binds CD19, the NK cells '
         'release perforin and granzyme that kill the lymphoma cells."}\n'
         '    - {value: may also secrete cytokines, quote: "The NK cells may also secrete cytokines.", rests_on: hedged}'),
        ('effector: {value: cytotoxic granules, quote: "the NK cells release cytotoxic granules"}',
         'effector: {value: perforin and granzyme, quote: "the NK cells release perforin and granzyme"}'),
    ):
        assert data.count(old) == 1, old
        data = data.replace(old, new)
    return source, data


def carbook_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "carbook", "check"], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CARBOOK_ROOT": str(root)})


def test_the_car_nk_fixture_gives_the_terms_its_lead_shows_without_a_glossary_entry(book: Path):
    install_nk(book)
    library, problems = check_library(book)
    assert problems == []
    missing = missing_terms(library.therapies["example-nk"], library.glossary)
    assert [(t.term, t.path) for t in missing] == [
        ("natural killer (NK) cells", "cell_type"), ("CD19", "target_antigen"),
        ("cytotoxic granules", "mechanism.effector"), ("4-1BB", "car_components")]


def test_the_terms_an_editor_met_in_a_car_nk_record_are_all_given(book: Path):
    install_nk(book, *edited_nk())
    library, problems = check_library(book)
    assert problems == []
    terms = [t.term for t in missing_terms(library.therapies["example-nk"], library.glossary)]
    assert terms == ["natural killer (NK) cells", "allogeneic", "CD19", "perforin", "granzyme", "cytokines", "4-1BB"]


def test_a_glossary_entry_covers_a_term_by_its_acronym_its_plural_or_the_words_it_ends_with(book: Path):
    install_nk(book, *edited_nk())
    library, _ = check_library(book)
    nk = library.therapies["example-nk"]
    added = [entry("NK cell", "A white blood cell.").model_copy(update={"matches": ["NK cells"]}),
             entry("cytokine", "A signalling protein."), entry("granzymes", "An enzyme.")]
    glossary = Glossary(terms=[*library.glossary.terms, *added])
    assert [t.term for t in missing_terms(nk, glossary)] == ["allogeneic", "CD19", "perforin", "4-1BB"]


@pytest.mark.parametrize("term, forms, is_covered", [
    ("natural killer (NK) cells", ["NK"], True),
    ("natural killer (NK) cells", ["NK cell"], True),
    ("natural killer (NK) cells", ["natural killer cells"], True),
    ("the patient's own T cells", ["T cell"], True),
    ("NK", ["NK cell"], True),
    ("CTLs", ["CTL"], True),
    ("cytotoxic granules", ["cytotoxic"], False),
    ("CD19", ["CD1"], False),
    ("granzyme", ["granzymes"], True),
])
def test_a_candidate_is_covered_by_its_term_its_acronym_its_head_or_its_plural(term, forms, is_covered):
    assert covered(term, {term_key(form) for form in forms}) is is_covered


def test_drug_names_identifiers_the_products_own_names_car_and_iv_are_no_candidates():
    for therapy in LIBRARY.therapies.values():
        terms = {t.term.lower() for t in candidates(therapy)}
        assert not terms & {"car", "car+", "iv", "i", "heros", "ct-0525", "nct04995003", "nct06254807", "h-49271", "c205637",
                            "cyclophosphamide", "fludarabine", "pembrolizumab", "nivolumab"}, (therapy.id, terms)


def test_the_effector_is_split_at_and_commas_and_via():
    assert effector_pieces("phagocytosis and other cytotoxic effector functions") == ["phagocytosis", "cytotoxic effector functions"]
    assert effector_pieces("perforin, granzyme and cytokines via degranulation") == ["perforin", "granzyme", "cytokines", "degranulation"]


def test_the_real_chapters_candidates_are_their_lead_terms():
    heros, ct = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]
    assert {"T cells", "HER2", "CD28"} <= {t.term for t in candidates(heros)}
    assert {"monocytes", "autologous", "HER2", "phagocytosis", "macrophages", "CTL"} <= {t.term for t in candidates(ct)}


def test_check_lists_each_term_of_a_lead_without_entry_as_a_to_do_at_its_facts_line(book: Path):
    install_nk(book)
    result = carbook_check(book)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    todo = [TODO_LINE.match(line) for line in lines if ": to do: glossary:" in line]
    assert all(todo), lines
    nk = [(m["line"], m["term"]) for m in todo if m["file"] == "data/therapies/example-nk.yaml"]
    assert nk == [("9", "natural killer (NK) cells"), ("11", "CD19"), ("13", "4-1BB"), ("24", "cytotoxic granules")]
    assert any(m["term"] == "CD19" and m["what"] == "target antigen" for m in todo)
    count = sum(": to do: " in line for line in lines)
    assert f"{count} item{'s' if count != 1 else ''} for an editor to judge (the book builds as it is)." in lines
    assert lines[-1] == "All data files are valid."


def test_check_on_the_real_library_lists_what_missing_terms_gives(book: Path):
    library, problems = check_library(book)
    assert problems == []
    expected = [(therapy.id, t.term) for therapy in library.therapies.values() for t in missing_terms(therapy, library.glossary)]
    listed = [TODO_LINE.match(line) for line in carbook_check(book).stdout.splitlines() if ": to do: glossary:" in line]
    assert [(m["file"].split("/")[-1].removesuffix(".yaml"), m["term"]) for m in listed] == expected
