"""Every sentence of a source accounted for: shown on its chapter, or listed as not used with a reason."""

from __future__ import annotations

from pathlib import Path

from carbook.data.coverage import coverage, unused_record_fields
from carbook.data.load import load_library

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
HEROS, CT = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]


def test_every_sentence_of_both_sources_is_accounted_for():
    for therapy in (HEROS, CT):
        found = coverage(therapy, LIBRARY.source_of(therapy))
        assert found.missing == [] and found.percent == 100.0


def test_only_page_debris_and_lost_link_text_are_not_used():
    found = coverage(HEROS, LIBRARY.source_of(HEROS))
    assert [s.text for s in found.not_used] == ["More information about this study can be found on", "Back to topback-to-top"]
    assert found.total == 21 and "19 shown, 2 not used" in found.summary()


def test_a_sentence_dropped_from_also_stated_is_missing():
    fewer = HEROS.model_copy(update={"also_stated": HEROS.also_stated[1:]})
    missing = [s.text for s in coverage(fewer, LIBRARY.source_of(HEROS)).missing]
    assert missing == ["Baylor College of Medicine"]


def test_record_fields_no_fact_takes_are_shown_so_nothing_a_record_states_is_dropped():
    fields = unused_record_fields(CT, LIBRARY.source_of(CT))
    assert fields == ["drug_type", "intervention_type", "drug_description", "drug_category", "drug_class"]
