"""Sphinx extension that keeps the book true to its data.

* Before anything is read, every data file is checked; bad data stops the build with the problems
  listed as ``file:line: field: what is wrong — how to fix it``.
* Names from the data reach page text through MyST substitutions (``{{ therapies["ct-0525"].name }}``),
  set from the data at each build, so a name is typed once.
* After a good build, the data is published inside the site as a Frictionless Data Package (``data/``).
* Each page declares the files it is built from: a therapy chapter depends on its data file, its
  source document and the package code; other pages on all data. Sphinx re-reads a page when one of
  them changes; the notebook pages to be re-read are executed afresh, several at a time, before
  reading (:mod:`carbook.execute`), so a plain ``jupyter-book build .`` is never stale and
  re-executes only the pages an edit affects. When the data changed and passed its check, the
  kernels for that start at once, and every kernel is shut down before the build ends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import sys
from pathlib import Path
from typing import Any

import markupsafe
from sphinx.application import Sphinx
from sphinx.util import logging

from .execute import execute_outdated, start_kernels, stop_kernels
from .paths import CHAPTER_DIR, SOURCE_DIR, THERAPY_DIR

# The data model (pydantic) and the publishing code are imported only when the data changed, so a
# rebuild with nothing to do stays close to a plain Sphinx rebuild.

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
PUBLISHED_DATA = "data"  # the data package's folder inside the built site


def _discard_output(app: Sphinx) -> None:
    """Remove the HTML output and saved state, so no earlier, now stale, book is left looking current."""
    for folder in (Path(app.outdir), Path(app.doctreedir)):
        shutil.rmtree(folder, ignore_errors=True)


def _inputs(root: Path) -> dict[str, Any]:
    """Give the book's input files by kind, as paths relative to ``root`` (absolute for the package)."""
    def files(folder: Path, pattern: str) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in (root / folder).glob(pattern))

    return {
        "therapies": files(THERAPY_DIR, "*.yaml"),
        "data": files(Path("data"), "*.yaml"),
        "sources": files(SOURCE_DIR, "*"),
        "code": sorted(str(p) for p in PACKAGE_DIR.glob("*.py")),
    }


def _dependencies(docname: str, inputs: dict[str, Any]) -> list[str]:
    code = inputs["code"]
    chapter = Path(docname)
    if chapter.parent.as_posix() == CHAPTER_DIR.as_posix():
        data_file = (THERAPY_DIR / f"{chapter.name}.yaml").as_posix()
        source = inputs["therapy_sources"].get(chapter.name)
        return [data_file, *([source] if source else []), *inputs["data"], *code]
    return [*inputs["therapies"], *inputs["data"], *inputs["sources"], *code]


def _fingerprint(root: Path, inputs: dict[str, Any]) -> str:
    """Give a hash of every input file's name and bytes (data, sources, TOC, package code)."""
    digest = hashlib.sha256()
    names = [*inputs["therapies"], *inputs["data"], *inputs["sources"], *inputs["code"], "_toc.yml"]
    for name in sorted(set(names)):
        path = root / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(missing)") + b"\0")
    return digest.hexdigest()


def _check_data(app: Sphinx) -> None:
    root = Path(app.srcdir)
    inputs = _inputs(root)
    fingerprint = _fingerprint(root, inputs)
    state = getattr(app.env, "carbook_state", None)
    app.carbook_library = None
    if state is None or state["fingerprint"] != fingerprint:
        # inputs changed since the last good build (or there was none): check everything again
        from . import substitutions
        from .load import check_library
        from .problems import DataProblems

        library, problems = check_library(root)
        if problems:
            _discard_output(app)
            report = DataProblems(problems).report()
            sys.stderr.write(f"\n{report}\n\nThe book was not built. Fix the data and build again;"
                             " `python -m carbook check` checks the data alone.\n")
            raise SystemExit(2)  # a clean stop: the report above is the whole story, no traceback
        app.carbook_library = library
        from .coverage import coverage_report

        for line in coverage_report(library):
            logger.info(f"source coverage: {line}")
        state = {
            "fingerprint": fingerprint,
            "substitutions": substitutions.for_library(library),
            "therapy_sources": {t.id: (SOURCE_DIR / t.source).as_posix() for t in library.therapies.values()},
        }
        app.env.carbook_state = state
        start_kernels(app)  # pages will be re-executed: start their kernels while Sphinx works out which
    values = {**app.env.myst_config.substitutions, **state["substitutions"]}
    app.env.myst_config = dataclasses.replace(app.env.myst_config, substitutions=values)
    app.env.carbook_inputs_now = {**inputs, "therapy_sources": state["therapy_sources"]}


def _note_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    for dependency in _dependencies(docname, app.env.carbook_inputs_now):
        app.env.note_dependency(dependency)


def _titles(env: Any) -> dict[str, str]:
    return {doc: title.astext() for doc, title in env.titles.items()}


def _outdated(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    app.carbook_titles_before = _titles(env)
    # A data file added or removed changes no existing file's mtime: re-read the pages that list all data.
    before = getattr(env, "carbook_inputs", None)
    now = env.carbook_inputs_now
    env.carbook_inputs = now
    if before is None or before == now:
        return []
    chapter_prefix = CHAPTER_DIR.as_posix() + "/"
    return [doc for doc in env.found_docs if not doc.startswith(chapter_prefix)]


def _retitled(app: Sphinx, env: Any) -> list[str]:
    # Every page's sidebar and previous/next links show other pages' titles (which come from the data):
    # when a re-read page's title changed, write every page again (writing only; nothing is re-executed).
    before = getattr(app, "carbook_titles_before", {})
    if any(before.get(doc, title) != title for doc, title in _titles(env).items()):
        return sorted(env.found_docs)
    return []


def _inline_scripts_once(app: Sphinx) -> None:
    # Sphinx < 8.2 writes an inline script registered after the builder starts twice on each page (its
    # filename None on one path, "" on the other; sphinx-doc/sphinx#13402), so a page redeclares a
    # `const` and logs an error. Registering every such script with "" makes the two paths agree.
    add_js_file = getattr(app.builder, "add_js_file", None)
    if add_js_file is not None:
        app.builder.add_js_file = lambda filename, **kwargs: add_js_file(filename or "", **kwargs)


def _escape_page_titles(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    # The theme prints these raw in its print-only header; titles come from the data, so escape them.
    for key in ("pagetitle", "root_title"):
        if isinstance(context.get(key), str):
            context[key] = str(markupsafe.escape(context[key]))


def _finish(app: Sphinx, exception: Exception | None) -> None:
    stop_kernels(app)
    if exception is not None:
        _discard_output(app)
    elif app.builder.format == "html":
        folder = Path(app.outdir) / PUBLISHED_DATA
        library = app.carbook_library
        if library is None and (folder / "datapackage.json").is_file():
            return  # the data did not change since the package was written
        from .load import load_library
        from .publish import write_package

        write_package(library or load_library(Path(app.srcdir)), folder)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _inline_scripts_once, priority=100)  # before extensions add their scripts
    app.connect("builder-inited", _check_data, priority=900)  # after myst creates its config
    app.connect("env-before-read-docs", execute_outdated)
    app.connect("source-read", _note_dependencies)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-get-updated", _retitled)
    app.connect("html-page-context", _escape_page_titles, priority=900)
    app.connect("build-finished", _finish)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
