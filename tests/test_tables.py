"""Facts as rows: one label per fact, the value as a page shows it, what it rests on, and its passages."""

from __future__ import annotations

from pathlib import Path

from carbook.pages import tables
from carbook.data.load import load_library
from carbook.data.facts import NOT_STATED

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
HEROS, CT = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]


def by_path(rows):
    return {row.path: row for row in rows}


def test_every_row_rests_on_passages_of_its_own_source():
    for therapy in (HEROS, CT):
        source = LIBRARY.source_of(therapy)
        for _, row in tables.all_rows(therapy, source):
            assert all(source.contains(p) for p in row.passages), row.path
            assert row.stated or row.value == NOT_STATED


def test_regimen_rows_keep_the_sources_order_and_its_joining_words():
    rows = by_path(tables.regimen_rows(HEROS))
    assert rows["regimen.conditioning"].value == "lymphodepletion"
    assert rows["regimen.conditioning.agents"].value == "cyclophosphamide and fludarabine"
    assert rows["regimen.combination.agents"].value == "pembrolizumab or nivolumab"
    assert rows["regimen.order"].value == "Conditioning, then CAR cell infusion, then Combination (in the source’s order)"
    joined = by_path(tables.regimen_rows(HEROS, agents_apart=False))
    assert joined["regimen.conditioning"].value == "lymphodepletion: cyclophosphamide and fludarabine"


def test_several_doses_read_in_one_row_as_the_source_joins_them():
    row = by_path(tables.regimen_rows(CT))["regimen.dose"]
    assert row.value == "3 or 10 billion CAR+ cells" and row.label == "Dose"
    assert by_path(tables.regimen_rows(HEROS))["regimen.dose"].value == NOT_STATED


def test_a_gap_row_carries_its_note_and_nearby_passage():
    row = by_path(tables.regimen_rows(HEROS))["regimen.route"]
    assert row.gap and not row.stated
    assert row.passages == (HEROS.regimen.route.nearby,)


def test_rows_show_what_a_fact_rests_on():
    claims = [r for r in tables.nci_concept_rows(CT) if r.path.startswith("nci_concept.claims")]
    hedged = [r for r in claims if r.rests_on == "hedged"]
    assert len(hedged) == 2 and all(r.shown_value.startswith("Hedged in the source: ") for r in hedged)
    aims = tables.aim_rows(HEROS)
    assert aims and all(r.shown_value.startswith("Aim: ") for r in aims)


def test_record_fields_are_labelled_as_the_records_never_as_nci_content():
    rows = tables.record_field_rows(CT, LIBRARY.source_of(CT))
    assert [r.label for r in rows][:1] == ["Record field drug_type"]
    assert all("NCI" not in r.label for r in rows)
    assert by_path(rows)["record_fields.drug_category"].value == "CAR M"


def test_ages_read_as_a_range_with_unit():
    assert by_path(tables.eligibility_rows(HEROS))["eligibility.ages"].value == "1 to 25 years"
    assert by_path(tables.eligibility_rows(CT))["eligibility.ages"].value == NOT_STATED
