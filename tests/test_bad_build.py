"""Real builds: bad data stops the build with the check's report and no site; data text never becomes markup;
two clean builds give the same bytes."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import build, copy_book

pytestmark = pytest.mark.build

HEROS = "data/therapies/heros-3.yaml"

SCRIPT = "<script>alert(origin)</script>"
IMG = "<img src=x onerror=alert(origin)>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(origin)&lt;/script&gt;"
IMG_ESCAPED = "&lt;img src=x onerror=alert(origin)&gt;"

#: The injected text where it reached a page unescaped, as markup.
INJECTED_MARKUP = re.compile(r"<script>\s*alert\(1\)|<img src=x onerror", re.IGNORECASE)


def edit_text(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def check_report(root: Path) -> list[str]:
    """Give the problem lines ``python -m carbook check`` prints for the book at ``root``."""
    environment = {k: v for k, v in os.environ.items() if k != "CARBOOK_ROOT"}
    result = subprocess.run([sys.executable, "-m", "carbook", "check"], cwd=root, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, result.stdout
    return result.stdout.strip().splitlines()[:-1]


def html_files(root: Path) -> list[Path]:
    return sorted((root / "_build/html").rglob("*.html")) if (root / "_build/html").exists() else []


def assert_stopped_by_the_check(root: Path, result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    expected = check_report(root)
    assert expected, "the check found nothing to report"
    tail = [line.strip() for line in result.stderr.strip().splitlines()[-(len(expected) + 6):]]
    for line in expected:
        assert line in tail, f"{line!r} is not among the last lines of the build's output:\n" + "\n".join(tail)
    assert not (root / "_build/html/index.html").exists()
    assert html_files(root) == [], [p.relative_to(root).as_posix() for p in html_files(root)]


def test_a_failing_cell_fails_the_build_and_leaves_no_site(tmp_path: Path):
    root = copy_book(tmp_path / "book")
    assert build(root).returncode == 0
    edit_text(root, "book/therapies/ct-0525.md", "chapter.regimen()", "chapter.regimen(); 1 / 0")
    result = build(root)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr
    assert html_files(root) == []


# --- bad data ------------------------------------------------------------------------------------


BREAKAGES = {
    "malformed-nct": (HEROS, "    value: NCT04995003\n", "    value: NCT0499500\n"),
    "quote-not-in-source": (HEROS, "    quote: In addition, it contains CD28,", "    quote: In addition, it contains CD137,"),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_bad_data_stops_a_fresh_build_with_the_checks_message_and_no_site(tmp_path: Path, breakage: str):
    root = copy_book(tmp_path / "book")
    edit_text(root, *BREAKAGES[breakage])
    result = build(root)
    assert_stopped_by_the_check(root, result)


def test_bad_data_after_a_good_build_leaves_the_last_finished_site_and_what_it_kept(clean_builds: tuple[Path, Path],
                                                                                   tmp_path: Path):
    root = tmp_path / "book"
    shutil.copytree(clean_builds[0], root, symlinks=True)  # a book folder as a good build left it
    before = {p.relative_to(root): p.read_bytes() for p in (root / "_build").rglob("*")
              if p.is_file() and not p.name.startswith(".carbook-build")}
    assert (root / "_build/html/index.html").is_file()
    edit_text(root, *BREAKAGES["malformed-nct"])
    result = build(root)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "_build/html still holds the last finished book, from before this edit" in output
    for line in check_report(root):
        assert line in output
    after = {p.relative_to(root): p.read_bytes() for p in (root / "_build").rglob("*")
             if p.is_file() and not p.name.startswith(".carbook-build")}
    assert after == before  # the preview stays, and the next build starts from what the last one kept
    edit_text(root, HEROS, "    value: NCT0499500\n", "    value: NCT04995003\n")
    again = build(root)
    assert again.returncode == 0 and "building every page afresh" not in again.stdout + again.stderr


# --- reproducibility -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two clean builds of the same book, each in a folder of its own."""
    first = copy_book(tmp_path_factory.mktemp("first") / "book")
    second = tmp_path_factory.mktemp("second") / "book"
    shutil.copytree(first, second)  # the same files for both, whatever changes in the working tree meanwhile
    roots = []
    for name, root in (("first", first), ("second", second)):
        result = build(root)
        assert result.returncode == 0, f"{name} build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        roots.append(root)
    return roots[0], roots[1]


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_clean_builds_give_byte_identical_sites(clean_builds: tuple[Path, Path]):
    first, second = (digests(root / "_build/html") for root in clean_builds)
    assert any(name.endswith(".html") for name in first)
    assert sorted(first) == sorted(second), {"only in first": sorted(set(first) - set(second)),
                                             "only in second": sorted(set(second) - set(first))}
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing == [], f"files that differ between two clean builds: {differing}"


# --- text from data is escaped -------------------------------------------------------------------


XSS_ID = "xss-1"
XSS_SOURCE = "xss-source.txt"
INJECTED_LINE = f"Injected: {SCRIPT} and {IMG}"


def add_injected_therapy(root: Path) -> None:
    """Add a third therapy whose data and source carry markup, in fields that must still validate.

    Its source is the HEROS page plus a line of markup; the markup goes where text may be editorial (a
    ``paraphrase``-marked value, ``not_stated`` notes, questions) or is quoted from that source."""
    source = (root / "data/sources/baylor-heros-3.0.txt").read_text(encoding="utf-8")
    (root / "data/sources" / XSS_SOURCE).write_text(f"{source}\n\n{INJECTED_LINE}\n", encoding="utf-8")

    data = yaml.safe_load((root / HEROS).read_text(encoding="utf-8"))
    data["id"] = XSS_ID
    data["source"] = XSS_SOURCE
    data["name"].update(value=SCRIPT, paraphrase="test")  # headings, captions, alt text, overview and comparison
    data["study"].update(value=f"{IMG} trial", paraphrase="test")  # the heading
    data["title"].update(value=IMG, paraphrase="test")
    # a value and a quote written in the source: the lead and the at-a-glance table; the modality's own passage
    # is still shown, under also_stated, so that every sentence of the source stays accounted for
    data["also_stated"].append({"quote": data["modality"]["quote"], "rests_on": "naming"})
    data["modality"] = {"value": IMG, "quote": INJECTED_LINE}
    data["mechanism"]["steps"][0].update(value=f"{SCRIPT} {IMG}", paraphrase="test")  # the mechanism table (an earlier finding)
    data["car_components"][0].update(value=f"{SCRIPT} {IMG}", paraphrase="test")  # the mechanism table and the comparison
    data["trial"]["status"] = {"not_stated": f"{SCRIPT} {IMG}", "nearby": SCRIPT}
    data["regimen"]["route"] = {"not_stated": f"{SCRIPT} {IMG}", "nearby": SCRIPT}  # a gap's note in a table
    data["regimen"]["dose"] = {"not_stated": f"Gap note {SCRIPT}", "nearby": INJECTED_LINE}  # the prose of a gap
    if "questions" in data:
        data["questions"][0]["question"] = f"{IMG} Which drugs?"
    (root / f"data/therapies/{XSS_ID}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    chapter = (root / "book/therapies/heros-3.md").read_text(encoding="utf-8").replace("heros-3", XSS_ID)
    (root / f"book/therapies/{XSS_ID}.md").write_text(chapter, encoding="utf-8")
    edit_text(root, "_toc.yml", "      - file: book/therapies/ct-0525\n",
              f"      - file: book/therapies/ct-0525\n      - file: book/therapies/{XSS_ID}\n")

    glossary = root / "data/glossary.yaml"
    if glossary.exists():
        terms = yaml.safe_load(glossary.read_text(encoding="utf-8"))
        terms["terms"].append({"term": "injected entry", "editorial": f"{SCRIPT.replace('alert', 'confirm')} {IMG}"})
        glossary.write_text(yaml.safe_dump(terms, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def injected_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_book(tmp_path_factory.mktemp("injected") / "book")
    real_sources = {p.name: p.read_bytes() for p in (root / "data/sources").iterdir()}
    add_injected_therapy(root)
    result = build(root)
    assert result.returncode == 0, f"build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    for name, content in real_sources.items():
        assert (root / "data/sources" / name).read_bytes() == content
    return root / "_build/html"


def test_no_page_gains_markup_from_data(injected_site: Path):
    pages = sorted(injected_site.rglob("*.html"))
    assert pages
    unsafe = {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        found = [html[max(0, m.start() - 40):m.end() + 20] for m in INJECTED_MARKUP.finditer(html)]
        found += [str(s)[:80] for s in soup.find_all("script") if "alert(1)" in (s.string or "")]
        found += [str(e)[:80] for e in soup.find_all(True) if "onerror" in e.attrs or (e.name == "img" and e.get("src") == "x")]
        if found:
            unsafe[page.relative_to(injected_site).as_posix()] = found
    assert unsafe == {}


@pytest.mark.parametrize("page", [f"book/therapies/{XSS_ID}.html", "book/intro.html", "book/sources/xss-source-txt.html"])
def test_injected_text_shows_escaped_as_text(injected_site: Path, page: str):
    html = (injected_site / page).read_text(encoding="utf-8")
    assert SCRIPT_ESCAPED in html
    assert IMG_ESCAPED in html
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    assert SCRIPT in text and IMG in text


def test_injected_text_in_chapter_heading_tables_gap_prose_and_figures(injected_site: Path):
    soup = BeautifulSoup((injected_site / f"book/therapies/{XSS_ID}.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article") or soup
    assert SCRIPT in article.find("h1").get_text()  # the heading, via substitutions
    cells = [td.get_text(" ", strip=True) for td in article.find_all("td")]
    # a mechanism statement as a table value, shown as the editors' wording with its passage beside it
    assert any(cell.startswith(f"Earlier studies found: {SCRIPT} {IMG}") and "the editors’ wording" in cell
               for cell in cells), cells
    assert f"Not stated in the source. {SCRIPT} {IMG}" in cells  # a gap note
    assert f"Gap note {SCRIPT}" in article.get_text(" ")  # the dose gap as prose
    passages = [q.get_text() for q in article.select("q.cb-passage")]
    assert INJECTED_LINE in passages  # a quote holding markup, in the list of source passages
    lead = article.select_one(".cb-lead").get_text(" ")
    assert SCRIPT in lead and IMG in lead  # the product and its modality in the lead
    figures = [img for img in article.find_all("img") if (img.get("src") or "").endswith(".svg")]
    assert figures
    assert any(SCRIPT in (img.get("alt") or "") for img in figures)
    for img in figures:
        svg = ElementTree.fromstring((injected_site / "book/therapies" / img["src"]).read_bytes())
        assert not [e for e in svg.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "foreignObject")]


def test_injected_text_in_the_sources_appendix_and_glossary(injected_site: Path):
    sources = (injected_site / "book/sources/xss-source-txt.html").read_text(encoding="utf-8")
    anchor = BeautifulSoup(sources, "html.parser").find(id="source-xss-source-txt")
    assert anchor is not None
    block = anchor.find_next("pre", class_="carbook-source")  # the document under its heading, verbatim
    assert INJECTED_LINE in block.get_text()
    glossary = injected_site / "book/glossary.html"
    if glossary.exists():
        html = glossary.read_text(encoding="utf-8")
        assert SCRIPT_ESCAPED in html and IMG_ESCAPED in html
