"""The PDF edition: the whole built book as one PDF, printed offline by Chromium.

The pages of the built site are joined, in the book's order, into one print page: a title page with the
date and the version, the contents with page numbers, the introduction, every chapter, the comparison,
the glossary, and the Sources (the list, then each document with its provenance). Each page keeps its
own words, tables, figures (SVG, printed as vectors) and citation markers; a marker leads to the
chapter's numbered list of source passages, which prints each passage once, as the web page does.
Self-check answers are gathered at the end of their chapter. Links within the book lead within the
PDF; links to other sites stay links.

Chromium prints it (Playwright's ``page.pdf``, the same browser the tests drive), twice: the first
print tells on which page each part starts, the second prints the contents with those numbers. The
layout is checked at the paper's width before printing: nothing may stick out past the page's edge.
"""

from __future__ import annotations

import contextlib
import html
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PDF_NAME = "car-cell-therapies.pdf"  # in the site, beside index.html
PRINT_CSS = Path(__file__).parent / "templates/print.css"
PAPERS = ("A4", "Letter")
CHROMIUM = Path("/usr/bin/chromium")
#: What of a page's article the PDF leaves out: what only works on screen, and the parts of the page's frame.
LEFT_OUT = ("script, style, link, noscript, a.headerlink, .cb-compare-controls, details.cb-cite-this, a.cb-qlink, "
            ".sd-summary-state-marker")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


class EditionError(Exception):
    """The PDF could not be made: what is wrong and how to fix it."""


@dataclass
class Part:
    """One page of the site as the PDF prints it."""

    page: str  # the page's path in the site (book/therapies/ct-0525.html)
    title: str
    body: str  # its article, made ready for print


def pages(site: Path, root: Path) -> list[str]:
    """Give the site's pages the PDF prints, in order: the introduction, the chapters, the comparison, the
    glossary, the Sources page and each source document's page."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    if not isinstance(toc, dict) or "root" not in toc:
        raise EditionError("_toc.yml names no root page: build the book first (make book), which checks it")
    listed = [toc["root"], *(c["file"] for part in toc.get("parts", []) for c in part.get("chapters", []))]
    order = [doc for doc in listed if doc.startswith("book/therapies/")]
    order += [doc for doc in ("book/comparison", "book/glossary", "book/sources") if doc in listed]
    found = [f"{doc}.html" for doc in [toc["root"], *order]]
    found += sorted(p.relative_to(site).as_posix() for p in (site / "book/sources").glob("*.html"))
    missing = [page for page in found if not (site / page).is_file()]
    if missing:
        raise EditionError(f"the built site lacks {', '.join(missing)}: build the book first (make book)")
    return found


def anchor_of(page: str) -> str:
    """Give the prefix of a page's anchors in the PDF (``book-therapies-ct-0525``)."""
    return re.sub(r"[^a-z0-9]+", "-", page.removesuffix(".html").lower()).strip("-")


def _prepared(site: Path, page: str, included: set[str]) -> Part:
    """Give a page's article as the PDF prints it: ids made unique in the book, links within the book led to
    their place in the PDF, figures found from the print page, interactive parts left out or opened, and
    the answers of the self-check gathered at its end."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup.body
    prefix = anchor_of(page)
    for unwanted in article.select(LEFT_OUT):
        unwanted.decompose()
    for details in article.select("details:not([id^=q-])"):
        details["open"] = ""
    for tag in article.select("[id]"):
        tag["id"] = f"{prefix}--{tag['id']}"
    folder = posixpath.dirname(page)
    for link in article.select("a[href]"):
        href = link["href"]
        if re.match(r"[a-z][a-z0-9+.-]*:", href):
            continue  # another site (or mail): stays a link to it
        target, _, fragment = href.partition("#")
        target_page = posixpath.normpath(posixpath.join(folder, target)) if target else page
        if target_page in included:
            link["href"] = f"#{anchor_of(target_page)}--{fragment}" if fragment else f"#{anchor_of(target_page)}"
        else:
            link.unwrap()  # a file of the site (a download): the PDF shows its words
    for image in article.select("img[src]"):
        image["src"] = (site / folder / image["src"]).resolve().as_uri()
        image.attrs.pop("loading", None)
    answers = []
    for number, question in enumerate(article.select(f"details[id^={prefix}--q-]"), start=1):
        asked = question.select_one(".sd-summary-text") or question.summary
        answer = question.select_one(".sd-summary-content")
        block = soup.new_tag("div", attrs={"class": "cb-question", "id": question["id"]})
        block.append(BeautifulSoup(f"<p>{asked.decode_contents()}</p>", "html.parser"))
        if answer is not None:
            answers.append((number, question["id"], answer.decode_contents()))
        question.replace_with(block)
    heading = article.find("h1")
    title = " ".join(heading.get_text(" ").split()) if heading is not None else page
    body = article.decode_contents()
    if answers:
        items = "".join(f'<li value="{n}"><a href="#{q}">Question {n}</a>: {a}</li>' for n, q, a in answers)
        body += f'<section class="cb-answers"><h2>Answers to the questions</h2><ol>{items}</ol></section>'
    return Part(page, title, body)


def print_page(parts: list[Part], title: str, editors: str, version: str, date: str, numbers: dict[str, int] | None) -> str:
    """Give the whole print page: the title page, the contents (with page numbers once known, else with a
    mark per part that tells on which page it starts), and each part from a new page."""
    css = PRINT_CSS.read_text(encoding="utf-8")
    contents = "".join(
        f'<li><a href="#{anchor_of(p.page)}">{html.escape(p.title)}</a>'
        f'<span class="cb-page">{numbers.get(p.page, "") if numbers else "000"}</span></li>' for p in parts)
    body = "".join(
        f'<section class="cb-part" id="{anchor_of(p.page)}">'
        f'{"" if numbers else f"<span class=cb-mark>@@{i}@@</span>"}{p.body}</section>' for i, p in enumerate(parts))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{css}</style></head><body>"
            f'<section class="cb-title-page"><h1 class="cb-book-title">{html.escape(title)}</h1>'
            f'<p class="cb-editors">{html.escape(editors)}</p>'
            f'<p class="cb-version">Version {html.escape(version)}, built {html.escape(date)}</p></section>'
            f'<nav class="cb-contents"><h2>Contents</h2><ol>{contents}</ol></nav>{body}</body></html>')


def _starts(pdf: Path) -> dict[int, int]:
    """Give, for each part of the first print, the number of the page it starts on (1 = the title page)."""
    from pypdf import PdfReader

    found: dict[int, int] = {}
    for number, sheet in enumerate(PdfReader(pdf).pages, start=1):
        for mark in re.findall(r"@@(\d+)@@", sheet.extract_text() or ""):
            found.setdefault(int(mark), number)
    return found


def make(site: Path, root: Path, output: Path, paper: str = "A4", browser: Any = None) -> Path:
    """Print the built ``site`` of the book at ``root`` as one PDF at ``output``; give its path (``browser``: a
    Playwright browser to print with, else Chromium is started for it). Raises
    :class:`EditionError` where the site is not built, Chromium or a library is missing, or a page's layout
    sticks out past the paper's edge."""
    from carbook import __version__
    from carbook.sphinxext.cite_this import build_date

    for module, package in (("bs4", "beautifulsoup4"), ("playwright", "playwright"), ("pypdf", "pypdf")):
        try:
            __import__(module)
        except ImportError:
            raise EditionError(f"the PDF needs {package}: install the pinned set (pip install --require-hashes -r "
                               "requirements.lock, as make does)") from None

    if paper not in PAPERS:
        raise EditionError(f"unknown paper {paper!r}: use one of {', '.join(PAPERS)}")
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    order = pages(site, root)
    parts = [_prepared(site, page, set(order)) for page in order]
    day = build_date()
    meta = (config.get("title", "The book"), config.get("author", ""), __version__, f"{day.day} {day:%B %Y}")
    output.parent.mkdir(parents=True, exist_ok=True)
    work = output.parent / "print.html"
    work.write_text(print_page(parts, *meta, numbers=None), encoding="utf-8")
    with contextlib.nullcontext(browser) if browser is not None else _browser() as chromium:
        tab = chromium.new_page()
        _print(tab, work, output, paper)
        starts = _starts(output)
        absent = [parts[i].title for i in range(len(parts)) if i not in starts]
        if absent:
            raise EditionError(f"the first print lost the start of {', '.join(absent)}")
        work.write_text(print_page(parts, *meta, numbers={p.page: starts[i] for i, p in enumerate(parts)}),
                        encoding="utf-8")
        _print(tab, work, output, paper)
        tab.close()
    return output


def _print(tab: Any, work: Path, output: Path, paper: str) -> None:
    tab.goto(work.as_uri())
    tab.emulate_media(media="print")
    width = {"A4": 210, "Letter": 215.9}[paper] - 2 * 18  # the page's width less its margins (print.css), in mm
    tab.set_viewport_size({"width": round(width / 25.4 * 96), "height": 1000})
    sticking_out = tab.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.closest('.cb-mark')).slice(0, 5).map(e => e.outerHTML.slice(0, 120))""")
    if sticking_out:
        raise EditionError(f"on {paper} paper these stick out past the page's edge: {sticking_out}")
    tab.pdf(path=str(output), format=paper, print_background=True, prefer_css_page_size=False,
            margin={"top": "18mm", "bottom": "20mm", "left": "18mm", "right": "18mm"},
            display_header_footer=True, header_template="<span></span>",
            footer_template='<div style="font-size:8pt;width:100%;text-align:center;"><span class="pageNumber"></span></div>')


class _browser:
    """Chromium, started with Playwright for one print and closed after it."""

    def __enter__(self) -> Any:
        from playwright.sync_api import sync_playwright

        if not CHROMIUM.is_file():
            raise EditionError(f"the PDF is printed by Chromium, which is not at {CHROMIUM}: install it "
                               "(on Debian or Ubuntu: apt-get install chromium)")
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        return self._browser

    def __exit__(self, *exc: object) -> None:
        self._browser.close()
        self._playwright.stop()


def publish(root: Path, paper: str = "A4", browser: Any = None) -> Path:
    """Print the book built at ``root/_build/html`` and put the PDF into the site; give its path there."""
    site = root / "_build/html"
    made = make(site, root, root / "_build/pdf" / PDF_NAME, paper, browser)
    target = site / PDF_NAME
    shutil.copyfile(made, target)
    return target
