from pathlib import Path

from carbook import figures
from carbook.load import load_library

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)
HEROS, CT = LIBRARY.therapies["heros-3"], LIBRARY.therapies["ct-0525"]


def test_figures_are_byte_identical_when_drawn_twice():
    assert figures.mechanism_flow(HEROS).svg == figures.mechanism_flow(HEROS).svg
    assert figures.regimen_timeline(CT).svg == figures.regimen_timeline(CT).svg


def test_svg_carries_no_date_and_an_opaque_background():
    svg = figures.regimen_timeline(HEROS).svg.decode()
    assert "<dc:date>" not in svg
    assert "fill: #ffffff" in svg


def test_mechanism_alt_text_lists_every_step_in_order():
    alt = figures.mechanism_flow(CT).alt
    steps = [s.value for s in CT.mechanism.steps]
    positions = [alt.index(step) for step in steps]
    assert positions == sorted(positions)
    assert f"as {len(steps)} statements of the source" in alt


def test_timeline_marks_unstated_stages_and_draws_no_days():
    drawing = figures.regimen_timeline(CT)
    assert "Conditioning: Not stated in the source" in drawing.alt
    assert "CAR cell infusion: single IV infusion" in drawing.alt
    assert "day" not in drawing.alt.lower().replace("days or doses", "")


def arrows_drawn(monkeypatch, draw) -> int:
    drawn = []
    monkeypatch.setattr(figures, "_arrow", lambda *args: drawn.append(args))
    draw()
    return len(drawn)


def test_timeline_joins_stages_by_arrows_only_where_the_source_gives_their_order(monkeypatch):
    # HEROS 3.0 states all three stages and their order; the CT-0525 record states one stage and no order.
    assert arrows_drawn(monkeypatch, lambda: figures.regimen_timeline(HEROS)) == 2
    assert arrows_drawn(monkeypatch, lambda: figures.regimen_timeline(CT)) == 0
    assert "without arrows: the source gives no order" in figures.regimen_timeline(CT).alt
    unordered = HEROS.model_copy(update={"regimen": HEROS.regimen.model_copy(update={"order": CT.regimen.order})})
    assert arrows_drawn(monkeypatch, lambda: figures.regimen_timeline(unordered)) == 0


def test_dose_and_age_figures_only_where_the_source_states_them():
    assert figures.dose_levels(HEROS) is None
    assert figures.age_range(CT) is None
    assert "the 2 dose options stated for CT-0525, 3 or 10 billion CAR+ cells" in figures.dose_levels(CT).alt
    assert "1 to 25 years" in figures.age_range(HEROS).alt


def test_dollar_signs_and_markup_in_data_are_drawn_as_plain_text():
    tricky = HEROS.model_copy(update={"mechanism": HEROS.mechanism.model_copy(update={"steps": [
        HEROS.mechanism.steps[0].model_copy(update={"value": "costs $5 and $x^2$ <script>alert(1)</script>"})]})})
    drawing = figures.mechanism_flow(tricky)
    assert b"<script" not in drawing.svg
    assert "$x^2$ <script>alert(1)</script>" in drawing.alt
