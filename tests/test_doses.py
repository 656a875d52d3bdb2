"""Cell doses are read from a passage where their form is unambiguous, and never guessed at otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from carbook.data.doses import DoseStatement, UnclearDose, find_doses, parse_doses
from carbook.data.facts import format_number, value_in_quote
from carbook.data.records import parse_record

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests/fixtures/records"


def description(path: Path) -> str:
    return parse_record(path.read_text(encoding="utf-8"))["drug_description"]


def only(passage: str) -> DoseStatement:
    statement = parse_doses(passage)
    assert statement is not None, find_doses(passage)
    return statement


# --- the forms a dose is written in --------------------------------------------------------------


def test_alternatives_with_a_word_scale_give_two_doses_with_the_unit_the_data_file_writes():
    statement = only(description(ROOT / "data/sources/cytotargetdb-ct-0525.txt"))
    assert statement.text == "3 or 10 billion CAR+ cells" and statement.joined_by == "or"
    data = yaml.safe_load((ROOT / "data/therapies/ct-0525.yaml").read_text(encoding="utf-8"))
    written = [(dose["value"], dose["unit"]) for dose in data["regimen"]["dose"]]
    assert [(dose.low, dose.unit) for dose in statement.doses] == written == [(3, "billion CAR+ cells"), (10, "billion CAR+ cells")]
    assert [dose.low_value for dose in statement.doses] == [3e9, 10e9]
    assert data["regimen"]["dose_joined_by"] == statement.joined_by


def test_a_range_with_a_power_of_ten_applies_it_to_both_ends():
    [dose] = only(description(FIXTURES / "sampleucel-car-nk.txt")).doses
    assert (dose.low, dose.high, dose.exponent) == (0.5, 3, 9)
    assert (dose.low_value, dose.high_value) == (5e8, 3e9)
    assert dose.unit == "×10^9 CAR-positive natural killer (NK) cells"
    assert dose.cells == "CAR-positive natural killer (NK) cells"
    assert dose.text == "0.5–3×10^9 CAR-positive natural killer (NK) cells"
    assert not dose.per_kg and not dose.approximate


def test_an_approximate_per_kg_range_is_marked_both():
    [dose] = only(description(FIXTURES / "examplecel-car-t.txt")).doses
    assert (dose.low, dose.high, dose.exponent, dose.unit) == (1, 2, 6, "×10^6 cells/kg")
    assert dose.per_kg and dose.approximate
    assert dose.text == "~1–2×10^6 cells/kg"


@pytest.mark.parametrize(("passage", "low", "exponent", "unit"), [
    ("one IV infusion of 1 x 10^8 CAR+ T cells.", 1, 8, "x 10^8 CAR+ T cells"),
    ("three weekly IV infusions of 2 x 10e6 CAR NK cells/kg.", 2, 6, "x 10e6 CAR NK cells/kg"),
    ("a dose of 2.5×10⁸ CAR T cells", 2.5, 8, "×10⁸ CAR T cells"),
    ("1e6 cells/kg", 1, 6, "e6 cells/kg"),
    ("3 doses of 10^6 cells each", 1, 6, "10^6 cells"),
    ("about 3 million cells", 3, 6, "million cells"),
    ("given on day 0 as 1×10^6 cells/kg", 1, 6, "×10^6 cells/kg"),
    ("1,000,000 CAR T cells", 1_000_000, 0, "CAR T cells"),
    ("2\u00a0×\u00a010^6 CAR\u2011T cells per kg body weight", 2, 6, "×\u00a010^6 CAR\u2011T cells per kg body weight"),
])
def test_single_doses_in_their_usual_forms(passage: str, low: float, exponent: int, unit: str):
    [dose] = only(passage).doses
    assert (dose.low, dose.high, dose.exponent, dose.unit) == (low, None, exponent, unit)


@pytest.mark.parametrize("passage", ["1-2×10^6 cells", "1 to 2 ×10^6 cells", "between 1 and 2 × 10^6 cells", "1\u20112 x 10^6 cells"])
def test_ranges_in_their_usual_forms(passage: str):
    [dose] = only(passage).doses
    assert (dose.low, dose.high, dose.exponent) == (1, 2, 6)


def test_several_doses_all_given_are_joined_by_and():
    statement = only("dose levels of 1, 3 and 10 million CAR T cells")
    assert [dose.low for dose in statement.doses] == [1, 3, 10] and statement.joined_by == "and"


def test_alternatives_that_each_repeat_the_unit_are_one_statement():
    statement = only("1×10^6 cells/kg or 3×10^6 cells/kg, by weight")
    assert [dose.low for dose in statement.doses] == [1, 3] and statement.joined_by == "or"
    assert statement.text == "1×10^6 cells/kg or 3×10^6 cells/kg"


# --- what is not guessed at ----------------------------------------------------------------------


@pytest.mark.parametrize(("passage", "reason"), [
    ("escalating doses of up to 5×10^8 CAR T cells", "'up to' makes it a bound"),
    ("≥1×10^6 cells", "'≥' makes it a bound"),
    ("at least 2 million CAR T cells", "'at least' makes it a bound"),
    ("10e6 cells", "may mean 10×10^6 or 10^6"),
    ("2 × 106 cells/kg", "lost the power of ten's raised form"),
    ("1, 3, 10 million cells", "commas alone"),
    ("on day 0, 1×10^6 cells/kg", "commas alone"),  # "0, 1" reads as a list as well
    ("1 or 3 and 10 million cells", "both by 'or' and by 'and'"),
    ("5–3×10^9 cells", "low end is not below its high end"),
    ("500 million to 3 billion cells", "different powers of ten"),
    ("1×10^6 or 3 cells", "power of ten on an earlier number but not on the last"),
    ("1,5 × 10^6 cells", "a number just before it"),
    ("1x10^6/kg", "names no cells"),
])
def test_a_dose_that_could_be_read_two_ways_gives_none_with_the_reason(passage: str, reason: str):
    assert parse_doses(passage) is None
    [unclear] = find_doses(passage)
    assert isinstance(unclear, UnclearDose) and reason in unclear.reason
    assert passage[unclear.start:unclear.end] == unclear.text


def test_the_fixture_with_only_a_bound_gives_no_dose():
    assert parse_doses(description(FIXTURES / "mockacel-car-t.txt")) is None


def test_two_different_dose_statements_in_a_passage_give_none():
    passage = "1×10^6 cells/kg on day 0, then 2×10^8 CAR T cells on day 14"
    assert len(find_doses(passage)) == 2 and parse_doses(passage) is None


@pytest.mark.parametrize("passage", [
    "CD19", "a 4-1BB costimulatory domain in the cells", "IL-15 secreting CAR NK cells", "CD4+ and CD8+ T cells",
    "NCT06254807", "a phase 1 trial for ages 18 years to 25 years", "HER2 (ErbB2; HER-2) positive cells", "",
])
def test_numbers_that_count_no_cells_are_not_doses(passage: str):
    assert find_doses(passage) == []
    assert parse_doses(passage) is None


def test_the_real_study_page_states_no_dose():
    assert find_doses((ROOT / "data/sources/baylor-heros-3.0.txt").read_text(encoding="utf-8")) == []


# --- properties -----------------------------------------------------------------------------------

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
CELLS = ["cells", "CAR+ cells", "CAR T cells", "CAR-positive natural killer (NK) cells", "CAR\u2011NK cells", "viable T cells"]
DASHES = ["-", "–", "\u2011", "—", " to ", " – "]
PER_KG = ["", "/kg", " per kg", "/kg body weight"]
APPROXIMATE = ["", "~", "approximately "]
BEFORE = ["", "administered as a single IV infusion of ", "given at (", "Patients receive ", "the dose was "]
AFTER = ["", ".", ")", " after lymphodepletion.", " per infusion;", ", given once"]


@st.composite
def numbers(draw: st.DrawFn) -> tuple[str, float]:
    whole = draw(st.integers(0, 999))
    tenth = draw(st.one_of(st.none(), st.integers(1, 9)))
    if whole == 0 and tenth is None:
        whole = 1
    text = str(whole) if tenth is None else f"{whole}.{tenth}"
    return text, float(text)


@st.composite
def scales(draw: st.DrawFn) -> tuple[str, int]:
    power = draw(st.integers(3, 12))
    form = draw(st.sampled_from(["", "×10^{n}", " x 10^{n}", "x10^{n}", " × 10{sup}", " x 10e{n}", " million", " billion"]))
    exponent = {" million": 6, " billion": 9, "": 0}.get(form, power)
    return form.format(n=power, sup=str(power).translate(SUPERSCRIPT)), exponent


@st.composite
def dose_texts(draw: st.DrawFn) -> tuple[str, dict]:
    low_text, low = draw(numbers())
    high = draw(st.one_of(st.none(), numbers().filter(lambda n: n[1] > low)))
    scale, exponent = draw(scales())
    cells = draw(st.sampled_from(CELLS))
    per_kg = draw(st.sampled_from(PER_KG))
    approximate = draw(st.sampled_from(APPROXIMATE))
    amount = low_text if high is None else f"{low_text}{draw(st.sampled_from(DASHES))}{high[0]}"
    text = f"{approximate}{amount}{scale} {cells}{per_kg}"
    expected = dict(low=low, high=None if high is None else high[1], exponent=exponent, cells=cells,
                    per_kg=bool(per_kg), approximate=bool(approximate), text=text)
    return text, expected


@settings(max_examples=300, deadline=None, database=None)
@given(dose_texts(), st.sampled_from(BEFORE), st.sampled_from(AFTER))
def test_a_dose_written_in_any_unambiguous_form_is_read_back_exactly(dose: tuple[str, dict], before: str, after: str):
    text, expected = dose
    passage = before + text + after
    statement = only(passage)
    [found] = statement.doses
    assert {key: getattr(found, key) for key in expected} == expected
    assert passage[statement.start:statement.end] == text
    assert found.low_value == pytest.approx(expected["low"] * 10**expected["exponent"])


@settings(max_examples=200, deadline=None, database=None)
@given(dose_texts())
def test_a_parsed_dose_passes_the_books_check_that_its_numbers_and_unit_are_written_in_the_quote(dose: tuple[str, dict]):
    text, _ = dose
    [found] = only(text).doses
    assert value_in_quote(format_number(found.low), text)
    assert found.high is None or value_in_quote(format_number(found.high), text)
    assert value_in_quote(found.unit, text)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(numbers(), min_size=2, max_size=4, unique_by=lambda n: n[1]), st.sampled_from(["or", "and"]), scales(),
       st.sampled_from(CELLS))
def test_listed_doses_share_the_scale_and_unit_written_after_the_last(listed, word: str, scale: tuple[str, int], cells: str):
    texts = [text for text, _ in listed]
    amounts = (", ".join(texts[:-1]) + f" {word} " + texts[-1]) if len(texts) > 2 else f"{texts[0]} {word} {texts[1]}"
    statement = only(f"infusions of {amounts}{scale[0]} {cells}.")
    assert [dose.low for dose in statement.doses] == [number for _, number in listed]
    assert statement.joined_by == word
    assert {dose.exponent for dose in statement.doses} == {scale[1]}
    assert len({dose.unit for dose in statement.doses}) == 1


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(list("0123456789 .,;:-–~^x×/()+eE") + ["10", "cells", " or ", " and ", "kg", " million ",
                                                                       "up to ", "CAR T ", "per "]), max_size=40).map("".join))
def test_any_text_gives_statements_that_stand_where_they_say_and_never_fails(passage: str):
    for item in find_doses(passage):
        assert passage[item.start:item.end] == item.text
        if isinstance(item, DoseStatement):
            for dose in item.doses:
                assert dose.low > 0 and (dose.high is None or dose.high > dose.low)
                assert dose.text == item.text


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(st.characters(blacklist_categories=("Nd", "No")), max_size=80))
def test_text_without_digits_states_no_dose(passage: str):
    assert find_doses(passage) == []
