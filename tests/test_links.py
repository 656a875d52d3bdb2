"""Links of the built site, read from its files: every internal link, anchor and stylesheet reference
resolves, and links to trial and concept registries use their canonical address.

No network: external links are not fetched, only checked against the address patterns below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.build

# Attributes that make the browser fetch or navigate to another address.
LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "source": "src"}
NON_FILE_SCHEMES = {"data", "mailto", "javascript", "tel"}

CSS_REFERENCE = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)|url\(\s*["']?([^"')]+?)["']?\s*\)""")

# Canonical addresses of the registries the book cites, and the hosts they (or older forms) live on.
CANONICAL = {
    "ClinicalTrials.gov": (
        {"clinicaltrials.gov", "www.clinicaltrials.gov", "classic.clinicaltrials.gov", "beta.clinicaltrials.gov"},
        re.compile(r"https://clinicaltrials\.gov/study/NCT\d{8}"),
        "https://clinicaltrials.gov/study/NCT…",
    ),
    "NCI Thesaurus": (
        {"evsexplore.semantics.cancer.gov", "ncit.nci.nih.gov", "ncithesaurus.nci.nih.gov", "nciterms.nci.nih.gov"},
        re.compile(r"https://evsexplore\.semantics\.cancer\.gov/evsexplore/concept/ncit/C\d+"),
        "https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/C…",
    ),
}


def html_pages(site: Path) -> list[Path]:
    """Give the site's pages: every .html file outside the folders Sphinx keeps its assets in."""
    return sorted(p for p in site.rglob("*.html") if not any(part.startswith("_") for part in p.relative_to(site).parts))


def references(page: Path) -> Iterator[tuple[str, str]]:
    """Give (element, address) for every address a page links to or loads."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for tag, attribute in LINK_ATTRIBUTES.items():
        for element in soup.find_all(tag):
            address = element.get(attribute)
            if address is not None:
                yield tag, address.strip()
    refresh = soup.find("meta", attrs={"http-equiv": re.compile("^refresh$", re.I)})
    if refresh and "url=" in refresh.get("content", "").lower():
        yield "meta refresh", refresh["content"].split("=", 1)[1].strip()


def is_external(address: str) -> bool:
    parts = urlsplit(address)
    return bool(parts.scheme or parts.netloc)


def anchors(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    """Give the fragment targets (ids and named anchors) of a page."""
    if page not in cache:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        cache[page] = {e["id"] for e in soup.find_all(id=True)} | {a["name"] for a in soup.find_all("a", attrs={"name": True})}
    return cache[page]


def resolve(site: Path, base: Path, path: str) -> Path | None:
    """Give the file a relative address names, or None when it points outside the site."""
    target = (base.parent / unquote(path)).resolve() if path else base.resolve()
    if target.is_dir():
        target = target / "index.html"
    try:
        target.relative_to(site.resolve())
    except ValueError:
        return None
    return target


def broken_internal_links(site: Path) -> list[str]:
    """Give one line per internal link, anchor or loaded file of the site's pages that does not resolve."""
    problems: list[str] = []
    cache: dict[Path, set[str]] = {}
    for page in html_pages(site):
        name = page.relative_to(site).as_posix()
        for tag, address in references(page):
            parts = urlsplit(address)
            if parts.scheme in NON_FILE_SCHEMES or is_external(address):
                continue
            target = resolve(site, page, parts.path)
            if target is None or not target.is_file():
                problems.append(f"{name}: <{tag}> {address!r} names no file of the site")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in anchors(target, cache):
                problems.append(f"{name}: <{tag}> {address!r}: {target.relative_to(site.resolve()).as_posix()} has no id {fragment!r}")
    return problems


def stylesheet_problems(site: Path) -> list[str]:
    """Give one line per @import or url() of a stylesheet the pages load that names a missing file."""
    sheets: set[Path] = set()
    for page in html_pages(site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for link in soup.find_all("link", rel="stylesheet"):
            address = link.get("href", "")
            if not is_external(address):
                target = resolve(site, page, urlsplit(address).path)
                if target is not None and target.is_file():
                    sheets.add(target)
    problems: list[str] = []
    seen: set[Path] = set()
    while sheets:
        sheet = sheets.pop()
        seen.add(sheet)
        for match in CSS_REFERENCE.finditer(sheet.read_text(encoding="utf-8")):
            address = match.group(1) or match.group(2)
            if urlsplit(address).scheme in NON_FILE_SCHEMES or is_external(address) or address.startswith("#"):
                continue
            target = resolve(site, sheet, urlsplit(address).path)
            if target is None or not target.is_file():
                problems.append(f"{sheet.relative_to(site.resolve()).as_posix()}: {address!r} names no file of the site")
            elif target.suffix == ".css" and target not in seen:
                sheets.add(target)
    return problems


def external_links(site: Path) -> list[tuple[str, str]]:
    """Give (page, address) for every http(s) link on the site's pages."""
    found = []
    for page in html_pages(site):
        for tag, address in references(page):
            if tag == "a" and urlsplit(address).scheme in ("http", "https"):
                found.append((page.relative_to(site).as_posix(), address))
    return found


def non_canonical(links: list[tuple[str, str]]) -> list[str]:
    """Give one line per link to a known registry that does not use the registry's canonical address."""
    problems = []
    for page, address in links:
        host = (urlsplit(address).hostname or "").lower()
        for registry, (hosts, pattern, form) in CANONICAL.items():
            if host in hosts and not pattern.fullmatch(address):
                problems.append(f"{page}: {address} is not the canonical {registry} address {form}")
    return problems


def test_every_internal_link_anchor_and_loaded_file_resolves(built_book):
    assert html_pages(built_book), "the built site has no pages"
    problems = broken_internal_links(built_book)
    assert not problems, "broken internal links:\n" + "\n".join(problems)


def test_citation_markers_and_source_links_are_among_the_links_checked(built_book):
    """The chapters' markers lead to their passage entries, and each entry to its highlight in the Sources
    appendix: both kinds are internal links, so the check above covers them; here, that there are some."""
    chapters = sorted((built_book / "book/therapies").glob("*.html"))
    assert chapters
    for chapter in chapters:
        addresses = [address for tag, address in references(chapter) if tag == "a"]
        assert any(address.startswith("#p-") for address in addresses), chapter.name
        assert any(address.startswith("../sources/") and "#src-" in address for address in addresses), chapter.name


def test_stylesheets_reference_only_files_that_exist(built_book):
    problems = stylesheet_problems(built_book)
    assert not problems, "stylesheets reference missing files:\n" + "\n".join(problems)


def test_registry_links_use_canonical_addresses(built_book):
    problems = non_canonical(external_links(built_book))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "address, canonical",
    [
        ("https://clinicaltrials.gov/study/NCT04995003", True),
        ("https://clinicaltrials.gov/ct2/show/NCT04995003", False),
        ("https://www.clinicaltrials.gov/study/NCT04995003", False),
        ("http://clinicaltrials.gov/study/NCT04995003", False),
        ("https://clinicaltrials.gov/study/NCT0499500", False),
        ("https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/C205637", True),
        ("https://ncit.nci.nih.gov/ncitbrowser/ConceptReport.jsp?dictionary=NCI_Thesaurus&code=C205637", False),
        ("https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/205637", False),
        ("https://example.org/anything", True),
    ],
)
def test_registry_link_check_accepts_only_the_canonical_form(address, canonical):
    assert (not non_canonical([("page.html", address)])) is canonical
