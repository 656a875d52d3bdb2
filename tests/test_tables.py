from pathlib import Path

from carbook import tables
from carbook.load import load_library
from carbook.models import NOT_STATED

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
HEROS, CT = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]


def rows(frame):
    return {row["Fact"]: row for _, row in frame.iterrows()}


def test_every_row_has_a_passage_from_its_source():
    for therapy in (HEROS, CT):
        for section in tables.SECTIONS:
            frame = tables.section_table(therapy, section)
            assert list(frame.columns) == tables.FACT_COLUMNS
            source = LIBRARY.source_of(therapy)
            for passage in frame["Source passage"]:
                assert passage.document == therapy.source
                assert passage.quote is None or source.contains(passage.quote)


def test_regimen_table_keeps_the_sources_order_and_agents():
    frame = tables.section_table(HEROS, "Regimen")
    pairs = list(zip(frame["Fact"], frame["Value"]))
    assert pairs[:3] == [("Conditioning", "lymphodepletion"), ("Conditioning: agent", "cyclophosphamide"),
                         ("Conditioning: agent", "fludarabine")]
    assert ("Combination: agent", "nivolumab") in pairs
    assert rows(frame)["Dose"]["Value"] == NOT_STATED


def test_a_stage_row_shows_only_what_its_own_passage_states():
    # The lymphodepletion passage names no drug; each agent has a row with the passage that names it.
    table = rows(tables.section_table(HEROS, "Regimen"))
    assert table["Conditioning"]["Value"] == "lymphodepletion"
    assert "cyclophosphamide" not in table["Conditioning"]["Source passage"].quote
    agents = tables.section_table(HEROS, "Regimen").query("Fact == 'Conditioning: agent'")
    assert all(value in cited.quote for value, cited in zip(agents["Value"], agents["Source passage"]))
    assert tables.display_value(HEROS.regimen.conditioning) == "lymphodepletion: cyclophosphamide and fludarabine"


def test_gap_row_says_not_stated_and_shows_the_nearby_passage():
    row = rows(tables.section_table(HEROS, "NCI concept"))["NCI Thesaurus concept"]
    assert row["Value"] == NOT_STATED
    assert "Nearby, the source says: “NCT#/ ID: NCT04995003”" in str(row["Source passage"])


def test_alternative_doses_show_as_options_with_number_and_unit():
    # The record gives "3 or 10 billion CAR+ cells" for a single infusion: one of them, not two doses.
    table = rows(tables.section_table(CT, "Regimen"))
    assert table["Dose option 1"]["Value"] == "3 billion CAR+ cells"
    assert table["Dose option 2"]["Value"] == "10 billion CAR+ cells"
    assert "Dose 1" not in table
    assert table["Route"]["Value"] == "Intravenous"


def test_several_doses_read_in_one_cell_as_the_source_joins_them():
    assert tables.display_fact(CT, "regimen.dose", CT.regimen.dose) == "3 or 10 billion CAR+ cells"
    both = CT.regimen.model_copy(update={"dose_joined_by": "and"})
    assert both.dose_phrase() == "3 and 10 billion CAR+ cells"
    assert tables.display_fact(HEROS, "regimen.dose", HEROS.regimen.dose) == NOT_STATED


def test_ages_read_as_a_range_with_unit():
    assert rows(tables.section_table(HEROS, "Eligibility"))["Ages"]["Value"] == "1 to 25 years"
    assert rows(tables.section_table(CT, "Eligibility"))["Ages"]["Value"] == NOT_STATED
