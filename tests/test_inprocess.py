"""The book built by Sphinx in this process (``sphinx.testing``), with the configuration Jupyter Book makes
from ``_config.yml``: the extension's pages, links and records, checked without a ``jupyter-book`` run."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from conftest import copy_book

JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Give the Sphinx application that built a copy of the book, and what it warned."""
    root = copy_book(tmp_path_factory.mktemp("inprocess") / "book")
    # conf.py as Jupyter Book writes it from _config.yml (what `jupyter-book build` hands to Sphinx)
    subprocess.run([JUPYTER_BOOK, "config", "sphinx", str(root)], check=True, capture_output=True)
    warnings = io.StringIO()
    app = SphinxTestApp("html", srcdir=root, builddir=root / "_build", warning=warnings, status=io.StringIO(),
                        confoverrides={"nb_execution_cache_path": str(root / "_build/.jupyter_cache")})
    app.build()
    yield app, warnings.getvalue()
    app.cleanup()


def page(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / name).read_text(encoding="utf-8"), "html.parser")


def test_the_book_builds_in_process_without_a_warning(app):
    built, warnings = app
    assert warnings == ""
    assert (Path(built.outdir) / "book/therapies/ct-0525.html").is_file()


def test_each_source_link_leads_to_the_page_of_its_source(app):
    built, _ = app
    chapter = page(built, "book/therapies/heros-3.html")
    links = {a["href"] for a in chapter.select("article a.cb-in-source")}
    assert links and {link.split("#")[0] for link in links} == {"../sources/baylor-heros-3-0-txt.html"}
    source = page(built, "book/sources/baylor-heros-3-0-txt.html")
    marks = {m["id"] for m in source.select("mark[id^=src-]")}
    assert {link.split("#")[1] for link in links} <= marks
    glossary = page(built, "book/glossary.html")
    linked = {a["href"] for a in glossary.select("article a[href*='sources/']")}
    assert linked and linked <= {"sources/baylor-heros-3-0-txt.html", "sources/cytotargetdb-ct-0525-txt.html"}


def test_the_environment_records_what_each_page_was_read_with_and_what_it_shows(app):
    built, _ = app
    env = built.env
    assert set(env.carbook_read_with) == set(env.found_docs)
    shown = env.carbook_generated
    assert "book/therapies/ct-0525" not in shown  # a chapter is judged by its files
    assert shown["book/sources"][0] == ["sources"] and shown["book/comparison"][0][0] == "comparison"
