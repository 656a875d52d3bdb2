"""Figures draw what the source states and nothing else: every text a figure draws is a stated value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carbook.pages import figures
from carbook.pages.compare import stated_counts
from carbook.pages.labels import label
from carbook.data.load import load_library
from carbook.data.facts import NOT_STATED, SEQUENCE_WORDS
from carbook.pages.tables import display_value, regimen_stages

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
HEROS, CT = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]


def arrows_drawn(monkeypatch, draw) -> int:
    drawn = []
    monkeypatch.setattr(figures, "_arrow", lambda *args: drawn.append(args))
    draw()
    return len(drawn)


def test_figures_are_byte_identical_when_drawn_twice():
    assert figures.mechanism_flow(CT).svg == figures.mechanism_flow(CT).svg
    assert figures.regimen_timeline(HEROS).svg == figures.regimen_timeline(HEROS).svg


def test_svg_carries_no_date_and_an_opaque_background():
    svg = figures.regimen_timeline(HEROS).svg.decode()
    assert "<dc:date>" not in svg
    assert "fill: #ffffff" in svg


def test_mechanism_figure_draws_the_statements_of_how_the_cells_act_and_the_sources_joining_words_only():
    drawing = figures.mechanism_flow(CT)
    statements = [step.value for step in CT.mechanism.actions()]
    assert len(statements) == 5
    # the boxes hold the statements; the only other words are the source's own: "After infusion", "which", "that"
    assert sorted(drawing.texts) == sorted([*statements, "After infusion", "which", "that"])


def test_mechanism_figure_draws_no_aim_finding_or_naming():
    # HEROS 3.0 says how the cells act only as an earlier finding and an aim: neither is drawn as a step.
    assert HEROS.mechanism.actions() == []
    assert [step.rests_on for step in HEROS.mechanism.steps] == ["finding", "aim"]


def test_a_relative_clause_is_a_plain_line_and_only_an_order_word_is_an_arrow(monkeypatch):
    groups = figures.mechanism_groups(CT)
    assert [len(texts) for texts, _ in groups] == [1, 1, 1, 2]  # "… functions, while presenting …" side by side
    assert [link.kind for _, link in groups] == ["none", "arrow", "line", "line"]  # after; which; that
    assert [link.label for _, link in groups[1:]] == ["After infusion", "which", "that"]
    assert arrows_drawn(monkeypatch, lambda: figures.mechanism_flow(CT)) == 1


ORDER_WORDS = re.compile(r"\b(after|then|before|first|leads to)\b", re.IGNORECASE)


@pytest.mark.parametrize("draw", [lambda: figures.mechanism_flow(CT), lambda: figures.regimen_timeline(HEROS)],
                         ids=["ct-0525 mechanism", "heros-3 regimen"])
def test_every_arrow_is_licensed_by_an_order_or_cause_word_of_its_passage(draw):
    drawing = draw()
    assert drawing.arrows, "the figure draws arrows; each must say what licenses it"
    for words, passage in drawing.arrows:
        assert words in SEQUENCE_WORDS, f"{words!r} is not an order or cause word"
        assert ORDER_WORDS.search(passage) and re.search(rf"\b{words}\b", passage, re.IGNORECASE)
        assert any(LIBRARY.source_of(t).contains(passage) for t in (CT, HEROS))


def test_the_ct_0525_mechanism_arrow_is_the_records_after_infusion():
    assert figures.mechanism_flow(CT).arrows == (("after", "After infusion, CAR engagement of HER2 on tumor cells activates the monocytes"),)


def test_no_figure_draws_the_named_parts_of_a_receptor_as_if_they_were_the_whole():
    assert not hasattr(figures, "construct")


def test_regimen_figure_draws_stage_labels_and_stated_values_only():
    drawing = figures.regimen_timeline(HEROS)
    allowed = {label(path) for path, _, _ in regimen_stages(HEROS)} | {display_value(s) for _, _, s in regimen_stages(HEROS)}
    assert set(drawing.texts) <= allowed | {NOT_STATED}
    assert "lymphodepletion: cyclophosphamide and fludarabine" in drawing.texts


def test_no_regimen_sequence_is_drawn_for_a_source_that_gives_none(monkeypatch):
    assert figures.regimen_timeline(CT) is None
    assert arrows_drawn(monkeypatch, lambda: figures.regimen_timeline(HEROS)) == 2


def test_age_figure_ticks_only_at_the_stated_ages():
    drawing = figures.age_range(HEROS)
    assert set(drawing.texts) == {"1", "25", "Age (years)", "1 to 25 years"}
    assert figures.age_range(CT) is None


def test_stated_counts_draws_facet_labels_and_counts_only_and_does_not_grow_with_the_book():
    counts = stated_counts(LIBRARY)
    drawing = figures.stated_counts(counts, len(LIBRARY.therapies))
    allowed = set(counts.index) | {str(int(c)) for c in counts} | {"0", "2", "therapies whose source states it (of 2)"}
    assert set(drawing.texts) <= allowed and set(counts.index) <= set(drawing.texts)
    doubled = figures.stated_counts(counts * 100, 200)
    assert len(doubled.svg) < 1.2 * len(drawing.svg)


def test_dollar_signs_and_markup_in_data_are_drawn_as_plain_text():
    step = CT.mechanism.steps[0].model_copy(update={"value": "costs $5 and $x^2$ <script>alert(1)</script>"})
    tricky = CT.model_copy(update={"mechanism": CT.mechanism.model_copy(update={"steps": [step]})})
    drawing = figures.mechanism_flow(tricky)
    assert b"<script" not in drawing.svg
    assert "$x^2$ <script>alert(1)</script>" in drawing.alt


def test_a_figure_kept_by_what_it_draws_is_taken_again_without_drawing(tmp_path, monkeypatch):
    first = figures.mechanism_flow(CT, figures.Drawings(tmp_path))
    monkeypatch.setattr(figures, "_flow", lambda *args: (_ for _ in ()).throw(AssertionError("drawn again")))
    again = figures.mechanism_flow(CT, figures.Drawings(tmp_path))
    assert again == first  # the same SVG, alt text and drawn texts


def test_a_figure_with_other_boxes_is_drawn_afresh(tmp_path):
    kept = figures.Drawings(tmp_path)
    made = []

    def draw(text: str):
        made.append(text)
        return figures.Drawing(text.encode(), text)

    assert kept.get("flow", ("box A",), lambda: draw("A")).alt == "A"
    assert kept.get("flow", ("box A",), lambda: draw("A again")).alt == "A"
    assert kept.get("flow", ("box B",), lambda: draw("B")).alt == "B"
    assert made == ["A", "B"]
