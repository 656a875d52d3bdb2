"""A paraphrased value may reword its passage, but not change or add a number, identifier, name or unit,
nor drop the frame (aim, earlier finding, hedge) its passage puts on it."""

from __future__ import annotations

from carbook.data.paraphrase import check, checked_tokens, unwritten
from carbook.data.sources import SourceDocument

NK_PAGE = SourceDocument("nk.txt", (
    "Example study of CD19 CAR NK cells in adults (EXAMPLE-NK)\n\n"
    "Once the CAR binds CD19, the NK cells release perforin and granzyme. The NK cells may also secrete cytokines.\n\n"
    "The investigators have found that NK cells can be given from a donor. They want to see if the cells last longer.\n\n"
    "Each patient receives 3 or 10 billion CAR+ cells at Baylor College of Medicine.\n\n"
    "Age requirements: 18 years to 70 years (adult)\n\nIRB: H-49271\n"))


def problems(quote: str, value: str, rests_on: str = "statement") -> list[str]:
    return [message for message, _ in check(NK_PAGE, quote, value, rests_on)]


def test_numbers_identifiers_names_and_units_of_a_value_are_the_words_checked():
    tokens = checked_tokens("Patients at Baylor get 3 billion CAR+ cells of CD19-directed NK cells (IRB H-49271)")
    assert [(t.text, t.kind) for t in tokens] == [
        ("Baylor", "name"), ("3", "number"), ("billion", "unit"), ("CAR+", "unit"), ("cells", "unit"),
        ("CD19", "identifier"), ("NK", "identifier"), ("IRB", "identifier"), ("H-49271", "identifier")]


def test_the_first_word_of_a_value_or_of_its_sentences_is_no_proper_name():
    assert checked_tokens("Cells kill. Then they last") == []


def test_swapped_digits_of_an_identifier_are_refused_with_the_quotes_closest_identifier():
    assert problems("IRB: H-49271", "H-49217") == [
        "the paraphrased value gives 'H-49217', which its quote does not write (the quote has 'H-49271')"]


def test_a_number_must_be_written_whole_not_as_a_digit_of_another():
    quote = "Each patient receives 3 or 10 billion CAR+ cells at Baylor College of Medicine."
    assert problems(quote, "1 billion CAR+ cells") == [
        "the paraphrased value gives '1', which its quote does not write (the quote has '10')"]
    assert problems(quote, "either 3 or 10 billion CAR+ cells") == []


def test_a_unit_after_a_number_must_be_the_quotes():
    quote = "Age requirements: 18 years to 70 years (adult)"
    assert problems(quote, "adults from 18 to 70 years old") == []
    assert problems(quote, "18 to 70 months") == ["the paraphrased value gives 'months', which its quote does not write"]


def test_a_dose_per_kilogram_may_say_per_for_the_quotes_slash():
    page = SourceDocument("dose.txt", "Each patient receives 2 mg/kg of the drug.\n")
    assert [m for m, _ in check(page, "Each patient receives 2 mg/kg of the drug.", "2 mg per kg", "statement")] == []
    assert [m for m, _ in check(page, "Each patient receives 2 mg/kg of the drug.", "2 g per kg", "statement")] == [
        "the paraphrased value gives 'g', which its quote does not write"]


def test_a_proper_name_or_acronym_the_quote_does_not_write_is_refused():
    quote = "Each patient receives 3 or 10 billion CAR+ cells at Baylor College of Medicine."
    assert problems(quote, "3 billion CAR+ cells at Houston") == [
        "the paraphrased value gives 'Houston', which its quote does not write"]
    assert problems("the NK cells release perforin and granzyme", "the NKT cells release perforin") == [
        "the paraphrased value gives 'NKT', which its quote does not write (the quote has 'NK')"]


def test_case_typography_and_a_plural_s_are_no_difference():
    assert unwritten("the nk cells release Perforin", "the NK cells release perforin and granzyme") == []
    assert unwritten("CD19\u2011directed cells", "Once the CAR binds CD19, the NK cells") == []


def test_a_hedged_passage_paraphrased_without_its_hedge_is_refused():
    quote = "The NK cells may also secrete cytokines."
    assert problems(quote, "the NK cells secrete cytokines") == [
        "the quote hedges with “may”, which the paraphrased value drops"]
    [(_, fix)] = check(NK_PAGE, quote, "the NK cells secrete cytokines", "statement")
    assert fix == "keep the hedge in the value or set rests_on: hedged"


def test_a_paraphrase_keeps_its_hedge_in_its_words_or_by_resting_on_it():
    quote = "The NK cells may also secrete cytokines."
    assert problems(quote, "the NK cells might secrete cytokines") == []
    assert problems(quote, "the NK cells secrete cytokines", rests_on="hedged") == []


def test_an_aim_or_an_earlier_finding_before_the_quote_in_its_sentence_is_kept_too():
    assert problems("NK cells can be given from a donor", "NK cells from donors can be given") == [
        "the quote's sentence reports it as an earlier finding with “investigators have found”, which the paraphrased value drops"]
    assert problems("the cells last longer", "longer-lasting cells") == [
        "the quote's sentence frames it as an aim with “want to see if”, which the paraphrased value drops"]
    assert problems("the cells last longer", "longer-lasting cells", rests_on="aim") == []


def test_a_frame_later_in_the_sentence_does_not_govern_the_passage_before_it():
    assert problems("Once the CAR binds CD19, the NK cells release perforin", "after binding CD19 the NK cells release perforin") == []
