"""The built site in a real browser (headless Chromium), as readers meet it on a laptop and a phone.

The site is served from its ``_build/html`` on 127.0.0.1, and its pages are discovered from the
build, so pages added later are tested without changes here. Other hosts do not resolve in the
browser: the site must load entirely from its own files, and a run is the same with or without a
network.

Each page is opened once per way of seeing it (desktop light, desktop dark, phone) and everything the
tests look at is recorded on that visit; the tests then assert on the records. Screenshots of every
page go to ``test-artifacts/screenshots/`` (git ignores it), and the accessibility findings below
the failing level to ``test-artifacts/axe-report.txt``.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from browser_site import (
    AA_NORMAL_TEXT,
    ARTIFACTS,
    DESKTOP,
    FAILING_IMPACTS,
    PHONE,
    SCREENSHOTS,
    SEARCHES,
    Site,
    Tab,
    new_tab,
)
from conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.build]


# --------------------------------------------------------------------------------------------------
# What is recorded on each visit. Each probe runs in the page and gives plain data.

FIGURES_JS = """
() => {
  const describe = (img) => ({src: img.currentSrc.slice(0, 60), complete: img.complete, naturalWidth: img.naturalWidth,
    shownWidth: img.getBoundingClientRect().width, alt: img.getAttribute('alt')});
  const article = document.querySelector('article') || document.body;
  return {
    figures: [...article.querySelectorAll('figure')].map(f => ({id: f.id,
      images: f.querySelectorAll('img').length, svgs: f.querySelectorAll('svg').length})),
    images: [...article.querySelectorAll('img')].map(describe),
  };
}
"""

EAGER_IMAGES_JS = """
() => Promise.all([...document.images].map((image) => { image.loading = 'eager'; return image.decode().catch(() => null); }))
"""

VISIBLE_LINKS_JS = """
(scope) => [...document.querySelectorAll(scope + ' a[href]')]
  .filter(a => a.checkVisibility({visibilityProperty: true, opacityProperty: true}))
  .map(a => a.href)
"""

OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const escaping = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1 || !e.checkVisibility({visibilityProperty: true})) continue;
    let box = e.parentElement;
    while (box && !scrolls(box)) box = box.parentElement;
    if (!box || box === document.documentElement || box === document.body || box.getBoundingClientRect().right > width + 1)
      escaping.push(name(e) + ' reaches ' + Math.round(r.right) + 'px');
  }
  window.scrollTo(10000, window.scrollY);
  const scrolledX = window.scrollX;
  window.scrollTo(0, window.scrollY);
  const tables = [...document.querySelectorAll('article table')].map(t => ({id: t.id,
    tableWidth: t.getBoundingClientRect().width, boxWidth: t.parentElement.clientWidth,
    boxScrolls: scrolls(t.parentElement)}));
  return {scrollWidth: document.documentElement.scrollWidth, width, scrolledX, escaping: escaping.slice(0, 5), tables};
}
"""

CAPTIONS_JS = """
async () => {
  const out = [];
  for (const caption of document.querySelectorAll('article table > caption')) {
    const table = caption.closest('table'), box = table.parentElement;
    const check = (when) => {
      const c = caption.getBoundingClientRect(), b = box.getBoundingClientRect();
      if (c.left < b.left - 1 || c.right > b.right + 1)
        out.push(`${table.id}: caption spans ${Math.round(c.left)}–${Math.round(c.right)}px, `
                 + `its box ${Math.round(b.left)}–${Math.round(b.right)}px (${when})`);
    };
    check('table unscrolled');
    box.scrollLeft = box.scrollWidth;
    await new Promise(requestAnimationFrame);
    check('table scrolled to its end');
    box.scrollLeft = 0;
  }
  return out;
}
"""

# Every visible run of text inside the given elements, with its colour and the colour behind it.
TEXT_COLOURS_JS = """
(selector) => {
  const parse = (c) => {
    const srgb = c.match(/color\\(srgb ([^)]+)\\)/);
    const m = srgb || c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) throw new Error('unparsed colour ' + c);
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    const scale = srgb ? 255 : 1;
    return [p[0] * scale, p[1] * scale, p[2] * scale, p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];  // the canvas behind everything
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const seen = new Set(), runs = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.textContent.trim() || seen.has(element)) continue;
      seen.add(element);
      if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      const back = background(element);
      runs.push({text: node.textContent.trim().slice(0, 60), tag: element.tagName.toLowerCase(),
                 fore: over(parse(getComputedStyle(element).color), back), back});
    }
  }
  return runs;
}
"""


def luminance(rgb) -> float:
    """Give the WCAG 2 relative luminance of an sRGB colour with 0–255 channels."""

    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: float, b: float) -> float:
    """Give the WCAG 2 contrast ratio of two relative luminances."""
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def darkest_share(colours: list[tuple[int, tuple[int, int, int]]], share: float) -> float:
    """Give the luminance below which ``share`` of the pixels lie, from (pixel count, colour) pairs."""
    levels = sorted((luminance(colour), count) for count, colour in colours)
    wanted, seen = share * sum(count for _, count in levels), 0
    for level, count in levels:
        seen += count
        if seen >= wanted:
            return level
    return levels[-1][0]


def figure_contrasts(tab: Tab) -> list[dict]:
    """Give, for each figure image as drawn on screen, its background and ink luminance and their contrast."""
    from PIL import Image

    found = []
    images = tab.page.locator("article figure img")
    for index in range(images.count()):
        shot = Image.open(io.BytesIO(images.nth(index).screenshot())).convert("RGB")
        colours = shot.getcolors(shot.width * shot.height)
        paper = luminance(max(colours)[1])  # the commonest colour is the figure's background
        ink = darkest_share(colours, 0.005)  # the darkest half percent of pixels: lines and lettering
        found.append({"index": index + 1, "paper": paper, "ink": ink, "contrast": contrast(paper, ink)})
    return found


def axe_violations(tab: Tab) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(tab.page).response["violations"]


def screenshot(folder: str) -> Callable[[Tab, str], str]:
    def take(tab: Tab, page: str) -> str:
        path = SCREENSHOTS / folder / Path(page).with_suffix(".png")
        path.parent.mkdir(parents=True, exist_ok=True)
        tab.page.evaluate("window.scrollTo(0, 0)")
        tab.page.screenshot(path=str(path), full_page=True)
        return str(path)

    return take


def evaluate(script: str, *args: Any) -> Callable[[Tab, str], Any]:
    return lambda tab, page: tab.page.evaluate(script, *args)


@dataclass
class Visit:
    """What one page showed at one viewport and colour scheme."""

    console_errors: list[str]
    failed_requests: list[str]
    external_requests: list[str]
    found: dict[str, Any]


def survey(browser, site: Site, viewport: dict, scheme: str, probes: dict[str, Callable[[Tab, str], Any]]) -> dict[str, Visit]:
    """Open every page of the site and run the probes on each page that is not a redirect."""
    context, tab = new_tab(browser, site, viewport, scheme)
    visits = {}
    try:
        for page in site.pages:
            tab.open(page)
            found = {}
            if page in site.redirects:
                tab.page.wait_for_load_state("networkidle")
            else:
                # figures below the first screen are lazy: load them all, so that every probe sees them
                tab.page.evaluate(EAGER_IMAGES_JS)
                found = {name: probe(tab, page) for name, probe in probes.items()}
            visits[page] = Visit(*tab.take_records(), found)
    finally:
        context.close()
    return visits


@pytest.fixture(scope="session")
def screenshots_folder() -> Path:
    """Give the screenshots folder, emptied first so it shows only this run's pages."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def desktop(browser, site, screenshots_folder) -> dict[str, Visit]:
    return survey(browser, site, DESKTOP, "light", {
        "screenshot": screenshot("desktop"),  # first, before any probe scrolls the page
        "figures": evaluate(FIGURES_JS),
        "sidebar": evaluate(VISIBLE_LINKS_JS, ".bd-sidebar-primary"),
        "axe": lambda tab, page: axe_violations(tab),
    })


@pytest.fixture(scope="session")
def desktop_dark(browser, site, screenshots_folder) -> dict[str, Visit]:
    return survey(browser, site, DESKTOP, "dark", {
        "screenshot": screenshot("desktop-dark"),
        "theme": evaluate("document.documentElement.dataset.theme"),
        "text": evaluate(TEXT_COLOURS_JS, "article table, article figcaption"),
        "figures": lambda tab, page: figure_contrasts(tab),
        "axe": lambda tab, page: axe_violations(tab),
    })


@pytest.fixture(scope="session")
def phone(browser, site, screenshots_folder) -> dict[str, Visit]:
    return survey(browser, site, PHONE, "light", {
        "screenshot": screenshot("phone"),
        "overflow": evaluate(OVERFLOW_JS),
        "captions": evaluate(CAPTIONS_JS),
    })


def content(visits: dict[str, Visit]) -> dict[str, Visit]:
    return {page: visit for page, visit in visits.items() if visit.found}


# --------------------------------------------------------------------------------------------------
# Tests


def test_site_has_pages_and_its_table_of_contents_was_built(site):
    assert site.content_pages, "no pages found in the built site"
    missing = [page for page in site.chapters if page not in site.pages]
    assert not missing, f"_toc.yml lists pages the build did not write: {missing}"


def test_every_page_loads_without_console_errors_or_failed_local_requests(desktop, desktop_dark, phone):
    seen: dict[str, list[str]] = {}  # each problem, with the pages (and ways of viewing them) it shows on
    for mode, visits in (("desktop", desktop), ("desktop dark", desktop_dark), ("phone", phone)):
        for page, visit in visits.items():
            problems = [f"console error: {text}" for text in visit.console_errors]
            problems += [f"failed request: {request}" for request in visit.failed_requests]
            problems += [f"request to another host: {request}" for request in visit.external_requests]
            for problem in problems:
                seen.setdefault(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1", problem), []).append(f"{page} ({mode})")
    assert not seen, "\n".join(f"{problem}\n    on {len(where)} page views: {', '.join(where[:4])}{', …' if len(where) > 4 else ''}"
                                for problem, where in seen.items())


def test_every_figure_has_rendered_and_has_alt_text(desktop):
    problems, figures = [], 0
    for page, visit in content(desktop).items():
        found = visit.found["figures"]
        figures += len(found["figures"])
        problems += [f"{page}: figure {f['id']!r} has no image" for f in found["figures"] if not f["images"] + f["svgs"]]
        for image in found["images"]:
            if not (image["complete"] and image["naturalWidth"] > 0 and image["shownWidth"] > 0):
                problems.append(f"{page}: image {image['src']}… has not rendered ({image})")
            if not (image["alt"] or "").strip():
                problems.append(f"{page}: image {image['src']}… has no alt text")
    assert figures > 0, "no page of the site has a figure"
    assert not problems, "\n".join(problems)


def test_sidebar_reaches_every_chapter_from_every_page(site, desktop):
    problems = []
    for page, visit in content(desktop).items():
        reached = {site.page_of(url) for url in visit.found["sidebar"]}
        missing = [chapter for chapter in site.chapters if chapter not in reached]
        if missing:
            problems.append(f"{page}: the sidebar shows no link to {missing}")
    assert not problems, "\n".join(problems)


def open_menu(tab, site) -> set[str]:
    """Press the page's menu button; give the pages the menu dialog it opens links to."""
    tab.page.locator(".primary-toggle:visible").first.click()
    tab.page.wait_for_function("document.querySelector('#pst-primary-sidebar-modal').open", timeout=3000)
    return {site.page_of(url) for url in tab.page.evaluate(VISIBLE_LINKS_JS, "#pst-primary-sidebar-modal")}


def test_phone_menu_button_opens_the_sidebar_and_reaches_every_chapter(site, open_tab):
    tab = open_tab(PHONE)
    tab.open(site.chapters[0])
    assert not tab.page.locator(".bd-sidebar-primary nav a").first.is_visible(), "the sidebar covers the page on a phone"
    reached = open_menu(tab, site)
    missing = [chapter for chapter in site.chapters if chapter not in reached]
    assert not missing, f"the phone menu shows no link to {missing}"
    links = tab.page.locator("#pst-primary-sidebar-modal a[href]")
    targets = [site.page_of(url) for url in links.evaluate_all("links => links.map(a => a.href)")]
    links.nth(targets.index(site.chapters[-1])).click()
    tab.page.wait_for_load_state("load")
    assert site.page_of(tab.page.url) == site.chapters[-1]


def test_no_page_shows_a_contents_button_without_contents_for_it_to_open(site):
    pages = sorted(site.root.rglob("*.html"))
    dead = [page.relative_to(site.root).as_posix() for page in pages
            if "secondary-toggle" in (text := page.read_text(encoding="utf-8")) and 'id="pst-secondary-sidebar"' not in text]
    assert not dead, f"a contents button that opens nothing on {dead}"


@pytest.mark.parametrize("width", [PHONE["width"], 800], ids=["phone", "tablet"])
def test_sidebar_off_the_screen_is_not_laid_out_and_the_menu_button_still_shows_it(site, open_tab, width):
    tab = open_tab({"width": width, "height": 812})
    tab.open(site.chapters[0])
    assert tab.page.evaluate("getComputedStyle(document.querySelector('#pst-primary-sidebar')).display") == "none"
    reached = open_menu(tab, site)
    assert set(site.chapters) <= reached, f"the menu shows {reached}"
    tab.page.keyboard.press("Escape")
    tab.page.wait_for_function("!document.querySelector('#pst-primary-sidebar-modal').open", timeout=3000)
    tab.page.set_viewport_size(DESKTOP)  # a window made wide again shows the sidebar beside the text
    tab.page.locator("#pst-primary-sidebar nav a").first.wait_for(state="visible", timeout=3000)


@pytest.mark.parametrize("term, chapter", SEARCHES, ids=[term for term, _ in SEARCHES])
def test_search_finds_term_and_links_to_its_chapter(site, open_tab, term, chapter):
    tab = open_tab(DESKTOP)
    tab.open("search.html", urlencode({"q": term}))
    tab.page.wait_for_selector("#search-results .search-summary", timeout=10000)
    results = tab.page.locator("#search-results ul.search li a")
    pages = [site.page_of(url) for url in results.evaluate_all("links => links.map(a => a.href)")]
    assert chapter in pages, f"searching {term!r} gives {pages}, not {chapter}"
    assert all(page in site.pages for page in pages), f"search results link to pages the site lacks: {pages}"
    results.nth(pages.index(chapter)).click()
    tab.page.wait_for_load_state("load")
    assert site.page_of(tab.page.url) == chapter
    assert term.lower() in tab.page.locator("article").inner_text().lower()


def test_no_page_scrolls_sideways_on_a_phone(phone):
    problems = []
    for page, visit in content(phone).items():
        found = visit.found["overflow"]
        if found["scrollWidth"] > found["width"] or found["scrolledX"] > 0:
            problems.append(f"{page}: the page is {found['scrollWidth']}px wide on a {found['width']}px screen")
        problems += [f"{page}: {what}, past the screen and outside any scrolling box" for what in found["escaping"]]
        for table in found["tables"]:
            if table["tableWidth"] > table["boxWidth"] + 1 and not table["boxScrolls"]:
                problems.append(f"{page}: table {table['id']!r} is wider than its box, which does not scroll")
    assert not problems, "\n".join(problems)


def test_table_captions_stay_whole_on_a_phone_while_the_table_scrolls(phone):
    problems = [f"{page}: {problem}" for page, visit in content(phone).items() for problem in visit.found["captions"]]
    assert not problems, "\n".join(problems)


def test_dark_mode_keeps_tables_and_captions_legible(desktop_dark):
    problems, runs = [], 0
    for page, visit in content(desktop_dark).items():
        assert visit.found["theme"] == "dark", f"{page} did not switch to dark mode"
        for run in visit.found["text"]:
            runs += 1
            ratio = contrast(luminance(run["fore"]), luminance(run["back"]))
            if ratio < AA_NORMAL_TEXT:
                problems.append(f"{page}: <{run['tag']}> {run['text']!r}: contrast {ratio:.2f} "
                                f"(text {run['fore'][:3]} on {run['back'][:3]})")
    assert runs > 0, "no table or caption text found"
    assert not problems, "\n".join(problems)


def test_dark_mode_keeps_figures_legible(desktop_dark):
    problems, figures = [], 0
    for page, visit in content(desktop_dark).items():
        for figure in visit.found["figures"]:
            figures += 1
            if figure["contrast"] < AA_NORMAL_TEXT or figure["paper"] < 0.4:
                problems.append(f"{page}: figure {figure['index']}: ink at contrast {figure['contrast']:.2f} "
                                f"on a background of luminance {figure['paper']:.2f}")
    assert figures > 0, "no figure found"
    assert not problems, "\n".join(problems)


def test_axe_finds_no_serious_or_critical_violations_in_light_or_dark_mode(desktop, desktop_dark):
    failing, minor = [], []
    for scheme, visits in (("light", desktop), ("dark", desktop_dark)):
        for page, visit in content(visits).items():
            for violation in visit.found["axe"]:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                line = (f"{page} [{scheme}] {violation['impact']}: {violation['id']}: {violation['help']} "
                        f"({len(violation['nodes'])} element(s), e.g. {targets})")
                (failing if violation["impact"] in FAILING_IMPACTS else minor).append(line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.txt").write_text(
        "axe-core findings that fail the tests (serious, critical):\n" + ("\n".join(failing) or "none")
        + "\n\nother findings (moderate, minor):\n" + ("\n".join(minor) or "none") + "\n",
        encoding="utf-8",
    )
    assert not failing, "\n".join(failing)


def test_screenshots_of_every_page_at_desktop_and_phone_width(site, desktop, desktop_dark, phone):
    from PIL import Image

    for folder, visits, width in (("desktop", desktop, DESKTOP["width"]), ("desktop-dark", desktop_dark, DESKTOP["width"]),
                                  ("phone", phone, PHONE["width"])):
        for page in site.content_pages:
            path = Path(visits[page].found["screenshot"])
            assert path == SCREENSHOTS / folder / Path(page).with_suffix(".png")
            with Image.open(path) as image:
                assert image.width == width, f"{path} is {image.width}px wide, not {width}px"
                assert image.height >= PHONE["height"] // 2, f"{path} is only {image.height}px tall"


# --------------------------------------------------------------------------------------------------
# Weight and speed on a phone: what a page costs a reader, and the features that must keep working
# with less.

PAGE_BUDGET_BYTES = 300 * 1024  # on the wire, gzip-compressed as a static host sends text
PAGE_BUDGET_REQUESTS = 12
COMPRESSED = {".html", ".css", ".js", ".svg", ".json", ".txt", ".csv"}
# Files that no page outside the search page needs: the icon script and font, the search index, thebe.
NEVER_LOADED = ("fontawesome.js", "/webfonts/", "searchindex.js", "searchtools.js", "sphinx-thebe", "bootstrap.js")

LAYOUT_SHIFT_JS = """
window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value;
}).observe({type: 'layout-shift', buffered: true});
"""


def wire_size(path: Path) -> int:
    """Give the bytes a static host sends for a file: text gzip-compressed, the rest as it is."""
    data = path.read_bytes()
    return len(gzip.compress(data, compresslevel=6)) if path.suffix in COMPRESSED else len(data)


@pytest.fixture(scope="session")
def first_loads(browser, site: Site) -> dict[str, list[str]]:
    """Give, for every page of the table of contents, the local files it fetched in a new phone tab
    (empty cache) until the network was idle."""
    loads = {}
    for page in site.chapters:
        context = browser.new_context(viewport=PHONE, device_scale_factor=1)
        fetched: list[str] = []
        try:
            tab = context.new_page()
            tab.on("request", lambda request, fetched=fetched: fetched.append(request.url))
            tab.goto(site.url(page), wait_until="load")
            tab.wait_for_load_state("networkidle")
        finally:
            context.close()
        loads[page] = [address for address in fetched if site.is_local(address)]
    return loads


def test_every_page_loads_in_at_most_12_requests_and_300_kib_on_a_phone(site, first_loads):
    problems = []
    for page, fetched in first_loads.items():
        files = [site.page_of(address) for address in fetched]
        sizes = {name: wire_size(site.root / name) for name in files}
        total = sum(sizes.values())
        if len(files) > PAGE_BUDGET_REQUESTS or total > PAGE_BUDGET_BYTES:
            heaviest = ", ".join(f"{name} {size // 1024} KiB" for name, size in sorted(sizes.items(), key=lambda i: -i[1])[:5])
            problems.append(f"{page}: {len(files)} requests, {total / 1024:.0f} KiB ({heaviest})")
    assert not problems, "\n".join(problems)


def test_no_page_but_search_loads_the_icon_script_the_search_index_bootstrap_or_thebe(first_loads):
    problems = [f"{page}: {loaded}" for page, fetched in first_loads.items()
                if (loaded := [address for address in fetched if any(name in address for name in NEVER_LOADED)])]
    assert not problems, "\n".join(problems)


def test_figures_are_separate_svg_files_with_size_loaded_lazily_and_nothing_shifts(site, open_tab):
    pages = [page for page in site.content_pages if 'class="carbook-figure"' in (site.root / page).read_text(encoding="utf-8")]
    assert pages, "no page has a figure"
    problems = []
    for page in pages:
        tab = open_tab(PHONE)
        tab.page.add_init_script(LAYOUT_SHIFT_JS)
        tab.open(page)
        figures = tab.page.locator("article img.carbook-figure")
        for index in range(figures.count()):
            image = figures.nth(index)
            found = image.evaluate("i => ({src: i.getAttribute('src'), loading: i.loading, width: i.getAttribute('width'),"
                                   " height: i.getAttribute('height'), alt: i.alt})")
            if not (found["src"].endswith(".svg") and found["loading"] == "lazy" and found["width"] and found["height"]
                    and found["alt"].strip()):
                problems.append(f"{page}: figure {index + 1} is not a lazy SVG file with width, height and alt: {found}")
            image.scroll_into_view_if_needed()
            tab.page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle(), timeout=10000)
        tab.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        tab.page.wait_for_timeout(200)
        shift = tab.page.evaluate("window.__layoutShift")
        if shift > 0.01:
            problems.append(f"{page}: the layout shifted by {shift:.3f} while it loaded and was scrolled")
    assert not problems, "\n".join(problems)


# Where each element shown is drawn (tag, class, box): what a reader would see move if it changed. What a closed
# <details> holds has boxes, but is not drawn (checkVisibility).
BOXES_JS = """[...document.querySelectorAll('body *')].filter(e => e.getClientRects().length && e.checkVisibility()).map(e => {
    const box = e.getBoundingClientRect();
    return [e.tagName, e.id, ...[box.x, box.y, box.width, box.height].map(Math.round)].join(' ');
})"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_rules_in_a_page_lay_it_out_as_its_whole_stylesheet_does(site, open_tab, viewport):
    # A page paints from the rules in its head; when its stylesheet arrives nothing may move.
    # every page with rules in its head, of the chapters (built alike) one
    chapter = site.chapters[1]
    pages = [page for page in site.content_pages if "<style data-carbook-first>" in (site.root / page).read_text(encoding="utf-8")
             and (page == chapter or page not in site.chapters or not page.startswith("book/therapies/"))]
    assert chapter in pages and "book/comparison.html" in pages
    problems = []
    for page in pages:
        boxes = []
        for stylesheet in (False, True):
            tab = open_tab(viewport)
            if not stylesheet:
                tab.page.route("**/bundle-*.css*", lambda route: route.abort())
            tab.open(page)
            tab.page.evaluate("document.fonts.ready")
            tab.page.wait_for_timeout(500)  # the theme's scripts, which run once the page has painted
            boxes.append(tab.page.evaluate(BOXES_JS))
            tab.page.close()
        moved = [f"{alone}  ->  {whole}" for alone, whole in zip(*boxes, strict=False) if alone != whole]
        if moved or len(boxes[0]) != len(boxes[1]):
            problems.append(f"{page}: {len(moved)} elements move or change size once the stylesheet arrives, "
                            f"{len(boxes[0])} vs {len(boxes[1])} shown: {moved[:3]}")
    assert not problems, "\n".join(problems)


def test_header_icons_are_drawn_and_the_theme_button_switches_light_and_dark(site, open_tab):
    tab = open_tab(DESKTOP, "light")
    tab.open(site.chapters[0])
    icons = tab.page.evaluate("""[...document.querySelectorAll('.bd-header-article .fa-solid, .bd-header-article .fas')]
        .filter(i => i.checkVisibility())
        .map(i => ({tag: i.tagName, cls: i.getAttribute('class'), width: i.getBoundingClientRect().width,
                    shape: i.querySelector('path')?.getAttribute('d')?.length ?? 0, fill: getComputedStyle(i).fill}))""")
    assert len(icons) >= 3, icons
    assert all(icon["tag"] == "svg" and icon["width"] >= 10 and icon["shape"] > 50 for icon in icons), icons
    assert all(icon["fill"] not in ("none", "rgba(0, 0, 0, 0)") for icon in icons), icons
    button = tab.page.locator(".theme-switch-button:visible").first
    seen = set()
    for _ in range(3):
        button.click()
        seen.add(tab.page.evaluate("document.documentElement.dataset.theme"))
    assert {"light", "dark"} <= seen, f"the theme button went through {seen}"


def test_self_check_dropdown_opens_on_a_click(site, open_tab):
    pages = [page for page in site.chapters if "sd-dropdown" in (site.root / page).read_text(encoding="utf-8")]
    assert pages, "no page has a dropdown"
    tab = open_tab(PHONE)
    tab.open(pages[0])
    dropdown = tab.page.locator("article details.sd-dropdown").first
    body = dropdown.locator(".sd-summary-content")
    dropdown.locator("summary").scroll_into_view_if_needed()
    assert not body.is_visible()
    dropdown.locator("summary").click()
    assert body.is_visible() and body.inner_text().strip()


def test_a_chapter_reached_from_search_highlights_the_word(site, open_tab):
    term, chapter = SEARCHES[0]
    tab = open_tab(DESKTOP)
    tab.open("search.html", urlencode({"q": term}))
    tab.page.wait_for_selector("#search-results ul.search li a", timeout=10000)
    tab.page.locator("#search-results ul.search li a").first.wait_for()
    tab.open(chapter)
    tab.page.wait_for_selector("article span.highlighted", timeout=5000)
    assert term.lower() in tab.page.locator("article span.highlighted").first.inner_text().lower()


def test_print_button_prints_the_page_without_its_navigation(site, open_tab):
    tab = open_tab(DESKTOP)
    tab.open(site.chapters[1])
    tab.page.evaluate("window.print = () => { window.__printed = true; }")
    tab.page.locator(".dropdown-download-buttons > button").click()
    source = tab.page.locator(".dropdown-download-buttons a.btn-download-source-button")
    assert source.is_visible(), "the download menu did not open"
    assert tab.page.request.get(source.evaluate("a => a.href")).ok, "the page's source file is not downloadable"
    tab.page.locator(".dropdown-download-buttons .btn-download-pdf-button").click()
    assert tab.page.evaluate("window.__printed === true"), "the print button did not print"
    menu = tab.page.locator(".dropdown-download-buttons .dropdown-menu")
    box, width = menu.bounding_box(), tab.page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"the open menu runs off the screen: {box}"
    tab.page.mouse.move(0, 600)  # the theme also shows the menu while the pointer is over its button
    tab.page.keyboard.press("Escape")
    assert not source.is_visible(), "Escape did not close the download menu"
    tab.page.emulate_media(media="print")
    assert tab.page.locator("article table").first.is_visible()
    assert not tab.page.locator(".bd-sidebar-primary").is_visible()
    assert not tab.page.locator(".bd-header-article").is_visible()


@pytest.mark.parametrize("ci, outcome", [("", "skipped"), ("true", "error")], ids=["locally", "under-CI"])
def test_missing_chromium_skips_with_install_hint_locally_and_fails_under_ci(ci, outcome, tmp_path):
    env = {**os.environ, "CARBOOK_CHROMIUM": str(tmp_path / "no-chromium"), "CI": ci}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-k", "site_has_pages", "-rsE", "-p", "no:cacheprovider"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )
    assert re.search(rf"\b1 {outcome}\b", run.stdout), run.stdout[-2000:]
    assert "apt-get install chromium" in run.stdout
    assert (run.returncode == 0) == (outcome == "skipped")
