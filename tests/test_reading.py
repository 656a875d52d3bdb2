"""A chapter as a reader meets it in Chromium: a lead at a glance, a short page, each passage once, and
citation markers that show their passage to mouse, keyboard and touch alike."""

from __future__ import annotations

import re

import pytest

from browser_site import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.build]

CHAPTERS = ["book/therapies/heros-3.html", "book/therapies/ct-0525.html"]
MAX_HEIGHT_BEFORE_SELF_CHECK = 2700  # px at 1280 px wide
FIRST_SCREEN = 900  # px

#: What the first screen of each chapter must show: cell type and modality, target, regimen or route and
#: dose, and who may take part (or that the source does not say).
LEAD_FACTS = {
    "book/therapies/heros-3.html": ["T cells", "CAR T cell", "HER2", "cyclophosphamide and fludarabine",
                                    "pembrolizumab or nivolumab", "advanced sarcoma", "1 to 25 years"],
    "book/therapies/ct-0525.html": ["monocytes", "CAR monocytes", "HER2", "single IV infusion",
                                    "3 or 10 billion CAR+ cells", "Intravenous", "macrophages",
                                    "condition, ages and other criteria: not stated in the record"],
}

VISIBLE_TEXT_BEFORE = """
(limit) => {
  const h = [...document.querySelectorAll('article h2')].find(e => e.textContent.includes('Check yourself'));
  return h ? h.getBoundingClientRect().top + window.scrollY : document.body.scrollHeight;
}
"""

FIRST_SCREEN_TEXT = """
(limit) => {
  const article = document.querySelector('article');
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  let text = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange(); range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.height && box.top + window.scrollY < limit) text += node.textContent;
  }
  return text.replace(/\\s+/g, ' ');
}
"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_is_at_most_2700_px_tall_before_its_self_check(open_tab, chapter):
    tab = open_tab(DESKTOP)
    tab.open(chapter)
    assert tab.page.evaluate(VISIBLE_TEXT_BEFORE) <= MAX_HEIGHT_BEFORE_SELF_CHECK


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_lead_facts_are_in_the_first_900_px(open_tab, chapter):
    tab = open_tab(DESKTOP)
    tab.open(chapter)
    text = tab.page.evaluate(FIRST_SCREEN_TEXT, FIRST_SCREEN)
    missing = [fact for fact in LEAD_FACTS[chapter] if fact not in text]
    assert not missing, f"not in the first {FIRST_SCREEN} px: {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_passage_of_60_characters_or_more_is_shown_twice(open_tab, chapter):
    tab = open_tab(DESKTOP)
    tab.open(chapter)
    text = re.sub(r"\s+", " ", tab.page.inner_text("article"))
    passages = tab.page.eval_on_selector_all(
        "ol.cb-passages li", "items => items.map(li => li.dataset.passage || li.querySelector('q').textContent)")
    assert passages
    repeated = [p for p in passages if len(p) >= 60 and text.count(p) > 1]
    assert not repeated


def tip_text(tab) -> str:
    tip = tab.page.locator("#cb-cite-tip")
    return tip.inner_text() if tip.count() and tip.is_visible() else ""


def first_marker(tab):
    return tab.page.locator(".cb-lead sup.cb-cite a").first


def passage_of(tab, marker) -> str:
    target = marker.get_attribute("href").lstrip("#")
    return tab.page.evaluate(
        "(id) => { const li = document.getElementById(id); return li.dataset.passage || li.querySelector('q').textContent; }",
        target)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_hovering_a_marker_shows_its_passage(open_tab, chapter):
    tab = open_tab(DESKTOP)
    tab.open(chapter)
    marker = first_marker(tab)
    marker.hover()
    assert passage_of(tab, marker) in tip_text(tab)
    tab.page.mouse.move(5, 5)
    assert tip_text(tab) == ""


def test_tab_then_enter_on_a_marker_shows_its_passage_and_leads_to_its_entry(open_tab):
    tab = open_tab(DESKTOP)
    tab.open(CHAPTERS[0])
    marker = first_marker(tab)
    marker.focus()  # where Tab lands on it
    assert passage_of(tab, marker) in tip_text(tab)
    tab.page.keyboard.press("Enter")
    target = marker.get_attribute("href")
    tab.page.wait_for_function("(hash) => location.hash === hash", arg=target)
    entry = tab.page.locator(target.replace("#", "#", 1))
    assert entry.is_visible() and entry.bounding_box()["y"] < DESKTOP["height"]


def test_keyboard_reaches_a_marker_with_tab(open_tab):
    tab = open_tab(DESKTOP)
    tab.open(CHAPTERS[1])
    for _ in range(80):
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("() => !!document.activeElement.closest('.cb-cite')"):
            break
    assert tab.page.evaluate("() => !!document.activeElement.closest('.cb-cite')")
    assert tip_text(tab)


def test_tapping_a_marker_on_a_phone_shows_its_passage_before_following_it(browser, site):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(site.url(CHAPTERS[1]))
        marker = page.locator(".cb-lead sup.cb-cite a").first
        marker.tap()
        tip = page.locator("#cb-cite-tip")
        assert tip.is_visible() and len(tip.inner_text()) > 5
        assert page.evaluate("location.hash") == ""  # the first tap shows; it does not jump away
        box = tip.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    finally:
        context.close()


def test_passages_print_in_full_and_the_tip_never_prints(open_tab):
    tab = open_tab(DESKTOP)
    tab.open(CHAPTERS[0])
    first_marker(tab).hover()
    tab.page.emulate_media(media="print")
    assert not tab.page.locator("#cb-cite-tip").is_visible()
    assert tab.page.locator("ol.cb-passages li").first.is_visible()


def test_each_passage_links_to_its_highlighted_place_in_the_sources_appendix(open_tab):
    tab = open_tab(DESKTOP)
    tab.open(CHAPTERS[0])
    link = tab.page.locator("ol.cb-passages li a.cb-in-source").first
    href = link.get_attribute("href")
    link.click()
    tab.page.wait_for_load_state("load")
    fragment = href.split("#", 1)[1]
    mark = tab.page.locator(f"mark#{fragment}")
    assert mark.count() == 1 and mark.is_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_marker_is_a_touch_target_of_at_least_24_px(open_tab, viewport):
    tab = open_tab(viewport)
    tab.open(CHAPTERS[1])
    sizes = tab.page.eval_on_selector_all(
        "sup.cb-cite a", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })")
    assert sizes and all(width >= 24 and height >= 24 for width, height in sizes), min(sizes)
