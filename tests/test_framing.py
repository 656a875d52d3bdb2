"""Statements as the source makes them: a hedge, an attribution, an aim or an example is never dropped."""

from __future__ import annotations

from carbook.data.framing import check_fact, check_nearby, generic_wording, sentences
from carbook.data.sources import SourceDocument

STUDY = SourceDocument("study.txt", (
    "The purpose of this study is to learn whether it is safe to give X cells.\n\n"
    "In another study, investigators found that giving chemotherapy first can improve the effect.\n\n"
    "The new gene makes an antibody specific for HER2. In addition, it contains CD28, which stimulated T cells.\n\n"
    "This may elicit a CTL response against tumor cells.\n\n"
    "Such constructs carry a costimulatory domain (e.g., CD28 or 4-1BB) and are given as CAR T cells (often targeting CD19).\n\n"
    "The receptor uses CD3 zeta or other signalling domains.\n"))


def problems(quote: str, value: str | None, rests_on: str = "statement") -> list[str]:
    return [message for message, _ in check_fact(STUDY, quote, value, rests_on)]


def test_source_is_read_as_sentences_line_by_line():
    texts = [s.text for s in sentences(STUDY)]
    assert "The new gene makes an antibody specific for HER2." in texts
    assert "In addition, it contains CD28, which stimulated T cells." in texts
    assert all(STUDY.normalised[s.start:s.end] == s.text for s in sentences(STUDY))


def test_quote_cut_after_investigators_found_is_refused():
    found = problems("giving chemotherapy first can improve the effect", "chemotherapy first")
    assert found and "investigators found" in found[0]


def test_nearby_passage_cut_after_an_attribution_is_refused_and_whole_sentence_passes():
    assert list(check_nearby(STUDY, "giving chemotherapy first can improve the effect."))
    assert not list(check_nearby(STUDY, "In another study, investigators found that giving chemotherapy first can improve the effect."))


def test_value_governed_by_an_aim_needs_rests_on_aim():
    quote = "The purpose of this study is to learn whether it is safe to give X cells."
    assert any("purpose of this study" in m for m in problems(quote, "whether it is safe to give X cells"))
    assert problems(quote, "whether it is safe to give X cells", "aim") == []


def test_hedged_value_needs_rests_on_hedged_even_with_the_hedge_inside_it():
    quote = "This may elicit a CTL response against tumor cells."
    assert any("may" in m for m in problems(quote, "a CTL response"))
    assert any("may" in m for m in problems(quote, "may elicit a CTL response"))
    assert problems(quote, "may elicit a CTL response", "hedged") == []


def test_a_whole_definition_shown_as_written_may_carry_its_hedges():
    quote = "This may elicit a CTL response against tumor cells."
    assert problems(quote, quote, "definition") == []


def test_example_wording_is_refused_as_support_for_a_product_fact_whatever_it_rests_on():
    quote = "Such constructs carry a costimulatory domain (e.g., CD28 or 4-1BB) and are given as CAR T cells (often targeting CD19)."
    for value, words in (("4-1BB", "e.g."), ("CD28", "e.g."), ("CD19", "often")):
        found = problems(quote, value, "description")
        assert found and words in found[0], value
    assert generic_wording("The receptor uses CD3 zeta or other signalling domains.", "CD3 zeta") == "or other"


def test_a_plain_statement_passes():
    assert problems("In addition, it contains CD28, which stimulated T cells.", "CD28") == []
    assert problems("The new gene makes an antibody specific for HER2.", "HER2") == []
