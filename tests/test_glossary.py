"""The glossary covers every term a chapter's headings and lead use, and says nothing of one therapy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carbook.pages.chapter import Chapter
from carbook.data.editorial import check_glossary
from carbook.data.load import load_library

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
TERMS = {form.lower() for entry in LIBRARY.glossary.terms for form in entry.forms()}

#: Terms of the chapters' headings and leads a trainee may need to look up.
LEAD_TERMS = ["checkpoint blockade", "chimeric antigen receptor", "CAR T cell", "T cells", "HER2", "lymphodepletion",
              "immune checkpoint inhibitor", "Phase I", "sarcoma", "monocytes", "macrophages", "phagocytosis",
              "infusion", "intravenous", "modality", "NCI Thesaurus", "autologous", "ex vivo", "tumor microenvironment"]


@pytest.mark.parametrize("term", LEAD_TERMS)
def test_every_lead_term_has_a_glossary_entry(term):
    assert term.lower() in TERMS


@pytest.mark.parametrize("therapy_id", ["heros-3", "ct-0525"])
def test_the_lead_links_its_terms_to_the_glossary(therapy_id):
    lead = Chapter(therapy_id, LIBRARY).lead()
    linked = {m.lower() for m in re.findall(r"\{term\}`[^<`]+<([^>]+)>`", lead)}
    assert {"her2", "chimeric antigen receptor"} <= linked


def test_editorial_definitions_name_no_therapy_and_state_nothing_a_chapter_marks_not_stated():
    assert list(check_glossary(LIBRARY.glossary, LIBRARY.therapies)) == []
