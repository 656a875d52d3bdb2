"""Quotes match the source's typography: a quote typed with plain characters matches the source's own.

Real records write "Gene‑modified" with U+2011 NON-BREAKING HYPHEN, ranges with en dashes, "×" for
times and non-breaking spaces before units. A quote typed with "-", "x" and spaces must match them;
a page shows the passage in the source's characters; and a quote that does not match is told apart
from the source by code point, since the two may look the same on screen.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from conftest import record_source_version
from hypothesis import given, settings
from hypothesis import strategies as st

from carbook.data.load import check
from carbook.data.facts import value_in_quote
from carbook.data.sources import PLAIN_FORMS, SourceDocument, describe_character, normalise

ROOT = Path(__file__).resolve().parents[1]
CT_SOURCE = "data/sources/cytotargetdb-ct-0525.txt"

RECORD = SourceDocument(
    "record.txt",
    "intervention_type\nGene\u2011modified allogeneic cellular immunotherapy\n"
    "drug_description\nAllogeneic CAR\u2011NK cells given at 0.5\u20133\u00d710^9 CAR-positive natural killer (NK) cells;"
    " the \u201ctarget antigen\u201d is the donor\u2019s choice, 10\u00a0mg and 5\u202fmL.\n",
    "record",
)


# --- typographic variants match their plain forms ------------------------------------------------


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"])
def test_a_quote_typed_with_a_hyphen_matches_any_unicode_hyphen_or_dash_of_the_source(dash: str):
    source = SourceDocument("s.txt", f"Gene{dash}modified cells")
    assert source.contains("Gene-modified cells")
    assert source.contains(f"Gene{dash}modified")


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u202f", "\u2007", "\u3000"])
def test_a_plain_space_matches_a_non_breaking_or_thin_space_and_back(space: str):
    assert SourceDocument("s.txt", f"10{space}mg per dose").contains("10 mg per")
    assert SourceDocument("s.txt", "10 mg per dose").contains(f"10{space}mg")


def test_straight_quotes_match_curly_ones_and_x_matches_the_times_sign():
    assert RECORD.contains('the "target antigen" is the donor\'s choice')
    assert RECORD.contains("0.5-3x10^9 CAR-positive")
    assert RECORD.contains("Gene-modified allogeneic cellular immunotherapy")
    assert RECORD.contains("Allogeneic CAR-NK cells")


def test_a_curly_quote_typed_by_the_editor_matches_a_straight_one_in_the_source():
    source = SourceDocument("s.txt", 'It said "no" and it\'s final -- 3 x 4')
    assert source.contains("It said \u201cno\u201d and it\u2019s final")
    assert source.contains("3 \u00d7 4")


def test_case_still_counts_in_a_quote():
    assert not RECORD.contains("gene-modified allogeneic")


def test_superscript_digits_are_not_folded_into_plain_digits():
    # "10⁹" and "109" are different numbers: no folding may make one match the other
    source = SourceDocument("s.txt", "a dose of 3×10⁹ cells")
    assert not source.contains("3x109 cells")
    assert source.contains("3x10⁹ cells")


def test_an_accented_letter_matches_its_decomposed_spelling():
    assert SourceDocument("s.txt", "caf\u0065\u0301 au lait").contains("caf\u00e9 au lait")
    assert SourceDocument("s.txt", "caf\u00e9 au lait").contains("cafe\u0301 au")


def test_a_quote_must_not_stop_inside_a_character_of_the_source():
    assert not SourceDocument("s.txt", "un caf\u00e9").contains("un cafe")
    assert not SourceDocument("s.txt", "un cafe\u0301").contains("un cafe")
    assert not SourceDocument("s.txt", "and so on\u2026").contains("so on..")
    assert SourceDocument("s.txt", ".\u2026").verbatim("...") == "\u2026"
    assert SourceDocument("s.txt", "un caf\u00e9 noir").difference("un cafe") is None  # too short to place
    assert SourceDocument("s.txt", "prendre un caf\u00e9 noir").difference("prendre un cafe").startswith(
        "the source has '\u00e9' (U+00E9 LATIN SMALL LETTER E WITH ACUTE) where the quote has 'e'")


def test_an_invisible_soft_hyphen_in_the_source_does_not_break_a_quote():
    assert SourceDocument("s.txt", "immuno\u00adtherapy of choice").contains("immunotherapy of choice")


def test_normalise_gives_the_plain_form_of_every_typographic_variant():
    assert normalise("Gene\u2011modified\u00a0 CAR\u2013NK \u201ccells\u201d \u00d7 2\u2026") == 'Gene-modified CAR-NK "cells" x 2...'
    assert normalise("  plain ascii\n\ttext ") == "plain ascii text"
    assert all(len(plain) <= 3 for plain in PLAIN_FORMS.values())


# --- pages show the source's own characters ------------------------------------------------------


def test_verbatim_gives_the_passage_in_the_sources_own_characters():
    shown = RECORD.verbatim("Gene-modified allogeneic cellular immunotherapy")
    assert shown == "Gene\u2011modified allogeneic cellular immunotherapy"
    assert RECORD.verbatim("0.5-3x10^9 CAR-positive") == "0.5\u20133\u00d710^9 CAR-positive"
    assert RECORD.verbatim('the "target antigen"') == "the \u201ctarget antigen\u201d"


def test_verbatim_normalises_whitespace_but_keeps_a_lone_non_breaking_space():
    assert RECORD.verbatim("immunotherapy drug_description Allogeneic") == "immunotherapy drug_description Allogeneic"
    assert RECORD.verbatim("10 mg and 5 mL") == "10\u00a0mg and 5\u202fmL"


def test_verbatim_prefers_an_occurrence_written_as_typed():
    source = SourceDocument("s.txt", "CAR\u2011NK cells first; later CAR-NK cells")
    assert source.verbatim("CAR-NK cells") == "CAR-NK cells"
    assert source.verbatim("CAR\u2013NK cells") == "CAR\u2011NK cells"  # neither as typed: the first


def test_verbatim_of_a_passage_not_in_the_source_is_refused():
    with pytest.raises(ValueError, match="not found in record.txt"):
        RECORD.verbatim("autologous monocytes")


def test_closest_passage_is_shown_in_the_sources_characters():
    assert RECORD.closest_passage("Gene-modified autologous cellular immunotherapy") == \
        "Gene\u2011modified allogeneic cellular immunotherapy"


# --- a failed match names the differing character by code point ----------------------------------


def test_a_character_that_only_looks_like_the_sources_is_named_by_code_point():
    # U+2043 HYPHEN BULLET is not a hyphen: it looks like one, and the message tells them apart
    difference = RECORD.difference("Gene\u2043modified allogeneic")
    assert difference == ("the source has '\u2011' (U+2011 NON-BREAKING HYPHEN) where the quote has "
                          "'\u2043' (U+2043 HYPHEN BULLET), at character 5 of the quote, before “modified allogeneic”")


def test_a_changed_letter_is_named_with_both_code_points_and_where_it_is():
    difference = RECORD.difference("Gene-modified allogenéic cellular")
    assert difference == ("the source has 'e' (U+0065 LATIN SMALL LETTER E) where the quote has "
                          "'é' (U+00E9 LATIN SMALL LETTER E WITH ACUTE), at character 22 of the quote, "
                          "after “Gene‑modified allogen”")


def test_a_character_the_quote_adds_or_leaves_out_is_named():
    assert RECORD.difference("Allogeneic CAR-NK cells given at 0.5-3x10^9 CAR-positive natural killer (NK cells").startswith(
        "the source has ')' (U+0029 RIGHT PARENTHESIS), which the quote leaves out")
    assert RECORD.difference("Allogeneic CAR--NK cells given").startswith(
        "the quote has '-' (U+002D HYPHEN-MINUS), which the source does not have, at character 16 of the quote")


def test_a_quote_that_is_another_text_altogether_gets_no_character_hint():
    assert RECORD.difference("Autologous peripheral blood monocytes") is None
    assert RECORD.difference("Gene-modified allogeneic") is None  # it matches


def test_characters_that_do_not_show_are_named_by_code_point_alone():
    assert describe_character("\u00a0") == "U+00A0 NO-BREAK SPACE"
    assert describe_character("\n") == "U+000A LINE FEED"
    assert describe_character("\u00ad") == "U+00AD SOFT HYPHEN"
    assert describe_character("x") == "'x' (U+0078 LATIN SMALL LETTER X)"


# --- values written in their quotes --------------------------------------------------------------


def test_a_value_is_written_in_its_quote_whatever_the_typography():
    quote = "Gene\u2011modified allogeneic CAR\u2011NK cells at 0.5\u20133\u00d710^9 cells"
    assert value_in_quote("Gene-modified", quote)
    assert value_in_quote("CAR\u2013NK", quote)
    assert value_in_quote("0.5", quote) and value_in_quote("3", quote)
    assert value_in_quote("x10^9 cells", quote)


def test_a_number_is_not_found_as_the_base_or_power_of_ten():
    assert not value_in_quote("10", "0.5–3×10^9 cells")
    assert not value_in_quote("9", "0.5–3×10^9 cells")
    assert not value_in_quote("10", "2.5×10⁸ cells")
    assert value_in_quote("10", "3 or 10 billion CAR+ cells")


# --- the build's check ----------------------------------------------------------------------------


def _with_source_text(book: Path, change) -> None:
    path = book / CT_SOURCE
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    record_source_version(book, path.name)  # a copy written this way on purpose, not edited in place


def test_quotes_typed_with_hyphens_pass_against_a_record_written_with_non_breaking_hyphens(book: Path):
    _with_source_text(book, lambda text: text.replace("HER2-positive", "HER2\u2011positive").replace("Gene-modified", "Gene\u2011modified"))
    assert check(book) == []


def test_a_record_with_page_debris_loads_and_its_quotes_still_match(book: Path):
    _with_source_text(book, lambda text: "Skip to main content\n\n" + text + "\nBack to top\n")
    assert check(book) == []


def test_a_failed_quote_names_the_differing_character_in_its_fix(book: Path):
    _with_source_text(book, lambda text: text.replace("HER2-positive", "HER2\u2011positive"))
    path = book / "data/therapies/ct-0525.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["mechanism"]["effector"]["quote"] = "eliminate HER2\u2043positive cells via phagocytosis"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    [problem] = check(book)
    assert problem.field == "mechanism.effector.quote"
    assert problem.message == "quote not found in cytotargetdb-ct-0525.txt"
    assert ("the source has '\u2011' (U+2011 NON-BREAKING HYPHEN) where the quote has '\u2043' (U+2043 HYPHEN BULLET), "
            "at character 15 of the quote, before “positive cells via phagocytosi…”") in problem.fix
    assert problem.fix.endswith("closest passage: “After infusion, CAR engagement of HER2 on tumor cells activates the monocytes, "
                                "which traffic to tumors and differentiate into macrophages that eliminate HER2\u2011positive cells "
                                "via phagocytosis and other cytotoxic effector functions, while presenting tumor antigens and "
                                "reshaping the tumor microenvironment to promote secondary adaptive immune responses.”")


# --- properties -----------------------------------------------------------------------------------

#: Text a source may hold: letters, digits, punctuation, and the typographic variants with their plain forms.
SOURCE_CHARACTERS = string.ascii_letters + string.digits + " .,;()-'\"x\n" + "".join(PLAIN_FORMS) + "\u00a0\u2009\u202f"


def plain_typed(text: str) -> str:
    """The passage as an editor would type it: every typographic variant in its plain form."""
    return "".join(PLAIN_FORMS.get(character, character) for character in text)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(SOURCE_CHARACTERS, min_size=1, max_size=80), st.data())
def test_any_passage_of_the_source_typed_plainly_is_found_and_shown_as_the_source_writes_it(text: str, data: st.DataObject):
    start = data.draw(st.integers(0, len(text) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(text)), label="end")
    passage = text[start:end]
    source = SourceDocument("s.txt", text)
    typed = plain_typed(passage)
    if not normalise(typed):
        return  # only whitespace or invisible characters: nothing to quote
    assert source.contains(typed)
    shown = source.verbatim(typed)
    assert normalise(shown) == normalise(typed)
    assert normalise(shown) in normalise(text)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(SOURCE_CHARACTERS, max_size=40), st.text(SOURCE_CHARACTERS, max_size=12))
def test_a_quote_is_contained_exactly_when_a_passage_of_the_source_has_its_plain_form(text: str, quote: str):
    source = SourceDocument("s.txt", text)
    plain = normalise(quote)
    passages = {normalise(text[i:j]) for i in range(len(text)) for j in range(i + 1, len(text) + 1)}
    assert source.contains(quote) == (bool(plain) and plain in passages)
    if not source.contains(quote):
        difference = source.difference(quote)
        assert difference is None or "U+" in difference
