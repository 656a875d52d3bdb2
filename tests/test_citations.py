"""Citations: one numbered entry per source sentence on a page, however many facts rest on it."""

from __future__ import annotations

from pathlib import Path

from carbook.pages.chapter import Chapter
from carbook.pages.citations import Citations, sentence_spans
from carbook.data.load import load_library
from carbook.data.facts import RESTS_ON_PREFIX

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
HEROS_SOURCE = LIBRARY.sources["baylor-heros-3.0.txt"]
CT_SOURCE = LIBRARY.sources["cytotargetdb-ct-0525.txt"]


def test_quotes_from_one_sentence_share_one_number_and_the_list_prints_the_whole_sentence():
    cites = Citations(HEROS_SOURCE)
    first = cites.numbers("Phase I study of HER2 chimeric antigen receptor (CAR) T cells")
    again = cites.numbers("in patients with advanced sarcoma (HEROS 3.0)")
    assert first == again == [1]
    listing = cites.passage_list(RESTS_ON_PREFIX)
    assert "advanced sarcoma (HEROS 3.0)</q>" in listing and listing.count("<li ") == 1


def test_a_record_value_is_found_in_its_own_field_not_inside_another():
    span = sentence_spans(CT_SOURCE, "CAR M")[0]
    assert CT_SOURCE.normalised[span[0]:span[1]] == "CAR M"
    assert CT_SOURCE.normalised[span[0] - len("drug_category "):span[0]] == "drug_category "


def test_a_value_shown_whole_in_the_text_is_not_printed_again_in_the_list():
    cites = Citations(HEROS_SOURCE)
    sentence = "The chemotherapy used for lymphodepletion is a combination of cyclophosphamide and fludarabine."
    assert cites.shown_in_body("cyclophosphamide and fludarabine", (sentence,), "agents") is None  # a part: printed
    assert cites.shown_in_body(sentence, (sentence,), "conditioning") is not None
    listing = cites.passage_list(RESTS_ON_PREFIX)
    assert "Quoted in full above, as the" in listing and f"<q class=\"cb-passage\">{sentence}" not in listing


def test_every_passage_of_a_chapter_is_numbered_once_and_markers_match_entries():
    chapter = Chapter("ct-0525", LIBRARY)
    text = "".join(str(getattr(chapter, part)()) for part in
                   ("lead", "mechanism", "regimen", "eligibility", "nci_concept", "check_yourself", "source_passages"))
    anchors = [e.anchor for e in chapter.citations.entries.values()]
    assert len(anchors) == len(set(anchors))
    for anchor in anchors:
        assert f'href="#p-{anchor}"' in text and f'id="p-{anchor}"' in text
