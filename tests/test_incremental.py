"""A plain rebuild after a data edit shows the new value and re-executes only the pages that depend on it."""

from __future__ import annotations

import os
import re
import time

import pytest

from conftest import build, copy_book

pytestmark = pytest.mark.build

EXECUTED = re.compile(r"(\S+\.md): Executed notebook")
READ = re.compile(r"reading sources\.\.\. \[\s*\d+%\] (\S+)")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def executed(output: str) -> set[str]:
    return {path.rsplit("/book/", 1)[-1] for path in EXECUTED.findall(output)}


def read(output: str) -> set[str]:
    """Give the pages Sphinx read (re-read) in a build, from its progress lines."""
    return set(READ.findall(COLOUR.sub("", output)))


def test_data_edit_shows_on_rebuild_and_reexecutes_only_dependent_pages(tmp_path):
    root = copy_book(tmp_path / "book")
    first = build(root)
    assert first.returncode == 0, first.stdout[-3000:]
    # the chapters are notebooks; the pages listing every therapy are generated without a kernel
    assert executed(first.stdout + first.stderr) == {"therapies/heros-3.md", "therapies/ct-0525.md"}
    assert {"book/comparison", "book/sources", "book/therapies"} <= read(first.stdout)

    source_pages = sorted((root / "_build/html/book/sources").glob("*.html"))
    written = {page: page.stat().st_mtime_ns for page in source_pages}
    assert len(written) == 2
    # files saved again with the same bytes (touched, checked out again) change nothing: nothing is read again
    later = time.time() + 60
    for path in (root / "data/therapies/ct-0525.yaml", *(root / "data/sources").iterdir()):
        os.utime(path, (later, later))
    unchanged = build(root)
    assert unchanged.returncode == 0
    assert executed(unchanged.stdout + unchanged.stderr) == set()
    assert read(unchanged.stdout) == set()

    data = root / "data/therapies/ct-0525.yaml"
    text = data.read_text(encoding="utf-8")
    edited = text.replace("not_stated: The record gives no age limits.", "not_stated: The record sets no lower or upper age.")
    assert edited != text
    data.write_text(edited, encoding="utf-8")

    rebuilt = build(root)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert executed(rebuilt.stdout + rebuilt.stderr) == {"therapies/ct-0525.md"}
    # the gap's editorial note shows in the chapter alone: no page that lists every therapy is read again
    assert read(rebuilt.stdout) == {"book/therapies/ct-0525"}
    html = (root / "_build/html/book/therapies/ct-0525.html").read_text(encoding="utf-8")
    assert "The record sets no lower or upper age." in html
    assert "The record gives no age limits." not in html
    # the edit changes nothing a source's page shows: none is written again
    assert {page: page.stat().st_mtime_ns for page in source_pages} == written


def test_renamed_therapy_shows_in_every_pages_navigation_without_reexecuting_them(tmp_path):
    root = copy_book(tmp_path / "book")
    assert build(root).returncode == 0
    data = root / "data/therapies/heros-3.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace("  value: HEROS 3.0\n", "  value: HEROS\n", 1), encoding="utf-8")
    # the study's name is in the chapter's heading, which every page's navigation shows

    rebuilt = build(root)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert "therapies/ct-0525.md" not in executed(rebuilt.stdout + rebuilt.stderr)
    # the study's name shows on the pages that list every therapy: those are read again, and show it
    assert {"book/comparison", "book/therapies", "book/therapies/heros-3"} <= read(rebuilt.stdout)
    assert "book/therapies/ct-0525" not in read(rebuilt.stdout)
    assert "(HEROS)" in (root / "_build/html/book/comparison.html").read_text(encoding="utf-8")
    # the page of the study's source names it as the therapy built from it
    assert "(HEROS)</a>" in (root / "_build/html/book/sources/baylor-heros-3-0-txt.html").read_text(encoding="utf-8")
    other = (root / "_build/html/book/therapies/ct-0525.html").read_text(encoding="utf-8")
    assert "HER2 chimeric antigen receptor (CAR) T cells (HEROS study)" in other
    assert "(HEROS 3.0 study)" not in other


def test_a_configuration_change_reaches_the_source_documents_pages_too(tmp_path):
    root = copy_book(tmp_path / "book")
    assert build(root).returncode == 0
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("title: CAR cell therapies — a source-checked reference",
                                   "title: CAR cell therapies, retitled"), encoding="utf-8")
    rebuilt = build(root)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    for page in ("book/intro.html", "book/sources/baylor-heros-3-0-txt.html"):
        html = (root / "_build/html" / page).read_text(encoding="utf-8")
        assert "CAR cell therapies, retitled" in html and "CAR cell therapies — a source-checked reference" not in html, page
