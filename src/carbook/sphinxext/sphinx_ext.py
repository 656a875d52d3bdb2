"""Sphinx extension that keeps the book true to its data.

* Before anything is read, every data file is checked; bad data stops the build with the problems
  listed as ``file:line: field: what is wrong — how to fix it``.
* Names from the data reach page text through MyST substitutions (``{{ therapies["ct-0525"].name }}``),
  set from the data at each build, so a name is typed once.
* After a good build, the data is published inside the site as a Frictionless Data Package (``data/``).
* Each page records the files it is built from: a therapy chapter depends on its data file, its
  source document and the package code. A page is re-read when one of them changes; the notebook
  pages to be re-read are executed afresh, several at a time, before reading
  (:mod:`carbook.sphinxext.execute`), so a plain ``jupyter-book build .`` is never stale and re-executes
  only the pages an edit affects. When the data changed and passed its check, the kernels for that
  start at once, and every kernel is shut down before the build ends.
* The other pages, which list every therapy, are built without a kernel: each ``{carbook}`` block
  stands for text generated from the checked data, parsed where it stands; after a data edit such a
  page is re-read only when that text (or a substitution) changed (:mod:`carbook.sphinxext.generated`).
* Whether a page is re-read is judged by content (:mod:`carbook.sphinxext.freshness`): a page whose
  source or dependencies have other bytes than when it was last read is read again, whatever their
  modification times say; a file saved, touched or checked out again with the same bytes re-reads
  nothing that depends on it (the dependencies are not Sphinx's, which it would judge by time).
* One build of a folder runs at a time, a build that was killed is followed by a complete one, and a
  build stopped by a signal or by an unwritable output leaves no partial site (:mod:`carbook.sphinxext.buildguard`).
"""

from __future__ import annotations

import logging as std_logging

import dataclasses
import gc
import hashlib
from pathlib import Path
from typing import Any

import markupsafe
from sphinx.application import Sphinx
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging

from carbook.sphinxext import faults, generated
from carbook.sphinxext.buildguard import BuildGuard, cannot_write, discard, write_problem
from carbook.sphinxext.execute import (PageFailed, execute_outdated, hand_outputs_to_myst_nb, start_kernels,
                                   stop_execution, wait_for_page)
from carbook.sphinxext.freshness import Digests, changed_pages
from carbook.sphinxext.inputs import book_inputs, dependencies_of, fingerprint_of, is_chapter
from carbook.sphinxext.large_book import write_in_parallel
from carbook.data.paths import CHAPTER_DIR, SOURCE_DIR

# The data model (pydantic) and the publishing code are imported only when the data changed, so a
# rebuild with nothing to do stays close to a plain Sphinx rebuild.

logger = logging.getLogger(__name__)

COVERAGE_LINES = 12  # therapies up to which the build prints each one's source coverage

PUBLISHED_DATA = "data"  # the data package's folder inside the built site
COMPARISON_DATA = "book/comparison"  # the comparison page's columns, loaded by its script (carbook-compare.js)


def _discard_output(app: Sphinx) -> None:
    """Remove the HTML output and saved state, so no earlier, now stale, book is left looking current."""
    discard((Path(app.outdir), Path(app.doctreedir)))


def _check_data(app: Sphinx) -> None:
    root = Path(app.srcdir)
    inputs = book_inputs(root)
    # Every input is read and digested here, once, before anything runs: a page records these digests
    # when it is read, so an edit made while the build runs is seen by the next build.
    app.carbook_digests = Digests(root)
    fingerprint = fingerprint_of(inputs, app.carbook_digests)
    state = getattr(app.env, "carbook_state", None)
    app.carbook_library = None
    app.carbook_pages_read = 0
    app.carbook_pieces = None  # parts of the shared pages and the data package kept between builds (_pieces)
    app.carbook_texts = generated.Texts(lambda: book_library(app), lambda: kept_pieces(app))  # made when first needed
    if state is None or state["fingerprint"] != fingerprint:
        # inputs changed since the last good build (or there was none): check everything again
        from carbook.pages import substitutions
        from carbook.data import snapshot
        from carbook.data.load import check_library
        from carbook.data.problems import DataProblems

        faults.reached("checking-data")
        checked = snapshot.checked_files(root)
        library, problems = check_library(root, checked=checked)  # changed files only
        if problems:
            report = DataProblems(problems).report()
            # a clean stop: the report is the whole story, no traceback
            # Stopped before anything is written: the site there, if any, is the last finished one (a build
            # that did not finish has had its output removed), and what the build keeps for the next stays.
            kept = (Path(app.outdir) / "index.html").is_file()
            site = (f" {Path(app.outdir).relative_to(Path(app.srcdir)).as_posix()} still holds the last finished book,"
                    " from before this edit." if kept else "")
            app.carbook_guard.stop(f"{report}\n\nThe book was not built.{site} Fix the data and build again;"
                                   " `python -m carbook check` checks the data alone.", status=2, keep_output=True)
        app.carbook_library = library
        from carbook.data.coverage import coverage_report

        # a therapy taken unchanged from the last build keeps its line of the report
        known = {entry.therapy.id: entry.coverage for entry in checked.values()
                 if entry.coverage and library.therapies.get(entry.therapy.id) is entry.therapy}
        report = dict(zip(library.therapies, coverage_report(library, known)))
        snapshot.save(root, library, report)  # the pages listing every therapy take it instead of loading it again
        _log_coverage(report, fresh=[therapy_id for therapy_id in report if therapy_id not in known])
        _log_todo(app, library)
        values = substitutions.for_library(library)
        state = {
            "fingerprint": fingerprint,
            "substitutions": values,
            "substitutions_digest": generated.substitutions_digest(values),
            "therapy_sources": {t.id: (SOURCE_DIR / t.source).as_posix() for t in library.therapies.values()},
        }
        app.env.carbook_state = state
        start_kernels(app)  # pages will be re-executed: start their kernels while Sphinx works out which
        faults.reached("starting-kernels")
    values = {**app.env.myst_config.substitutions, **state["substitutions"]}
    app.env.myst_config = dataclasses.replace(app.env.myst_config, substitutions=values)
    app.env.carbook_inputs_now = {**inputs, "therapy_sources": state["therapy_sources"]}


def _log_coverage(report: dict[str, str], fresh: list[str]) -> None:
    # A line per therapy while the book is small; a book of hundreds gets the lines of the therapies
    # checked afresh (those an edit touched), and one line for all the others.
    shown = list(report) if len(report) <= COVERAGE_LINES else fresh if len(fresh) <= COVERAGE_LINES else []
    for therapy_id in shown:
        logger.info(f"source coverage: {report[therapy_id]}")
    if len(shown) < len(report):
        logger.info(f"source coverage: every sentence of the sources of all {len(report)} therapies is accounted for "
                    "(`python -m carbook check` gives a line for each)")


def _log_todo(app: Sphinx, library: Any) -> None:
    # Items left for an editor do not stop a build, but every build says them, and publishing refuses them.
    from carbook.cli import todo_lines

    todo = todo_lines(library, kept_pieces(app))
    for line in todo[:COVERAGE_LINES]:
        logger.info(f"to judge: {line}")
    if len(todo) > COVERAGE_LINES:
        logger.info(f"to judge: {len(todo) - COVERAGE_LINES} more (`python -m carbook check` lists them all)")
    if todo:
        logger.info(f"{len(todo)} item{'s' if len(todo) != 1 else ''} left for an editor to judge; "
                    "`make publish` refuses until none is")


def book_library(app: Sphinx) -> Any:
    """Give the library this build checked (or, when the data did not change, the one the last build kept)."""
    if app.carbook_library is not None:
        return app.carbook_library
    if getattr(app, "carbook_kept_library", None) is None:
        from carbook.data.load import load_library

        app.carbook_kept_library = load_library(Path(app.srcdir), kept=True)
    return app.carbook_kept_library


def kept_pieces(app: Sphinx) -> Any:
    """Give the parts of the shared pages and the data package the last build kept (saved when the build ends)."""
    if app.carbook_pieces is None:
        from carbook.pages.pieces import Pieces

        app.carbook_pieces = Pieces(Path(app.srcdir))
    return app.carbook_pieces


def _note_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    faults.reached("reading")
    _executed(app, docname)  # its outputs are cached before myst-nb looks for them
    app.env.carbook_sections[docname] = []  # the {carbook} blocks it holds (generated.Section)
    app.carbook_pages_read += 1
    dependencies = dependencies_of(docname, app.env.carbook_inputs_now)
    # What this page is read with, by content; compared at the next build (see _outdated). Not noted as
    # Sphinx's dependencies: Sphinx would re-read the page whenever one is newer, even with the same bytes
    # (every chapter after a branch switch that touches the package's files).
    app.env.carbook_read_with[docname] = app.carbook_digests.of([app.env.doc2path(docname, False), *dependencies])


class PageRecords(EnvironmentCollector):
    """Keeps, in Sphinx's environment, what each page was read with (the digests of its files) and what a
    page built from all the data shows from it (its ``{carbook}`` blocks and their digest); Sphinx forgets
    a page's records when the page is read again and merges those of parallel readers."""

    records = ("carbook_read_with", "carbook_generated")

    def clear_doc(self, app: Sphinx, env: Any, docname: str) -> None:
        for record in self.records:
            getattr(env, record, {}).pop(docname, None)

    def merge_other(self, app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
        for record in self.records:
            kept, theirs = getattr(env, record), getattr(other, record, {})
            kept.update({doc: theirs[doc] for doc in docnames if doc in theirs})

    def process_doc(self, app: Sphinx, doctree: Any) -> None:
        # What a page built from all data shows from it: the texts of its {carbook} blocks and the substitutions.
        docname = app.env.docname
        if not is_chapter(docname):
            names = app.env.carbook_sections.pop(docname, [])
            digest = app.carbook_texts.digest(names, app.env.carbook_state["substitutions_digest"])
            app.env.carbook_generated[docname] = (names, digest)


def _titles(env: Any) -> dict[str, str]:
    return {doc: title.astext() for doc, title in env.titles.items()}


def _outdated(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    app.carbook_titles_before = _titles(env)
    if not hasattr(env, "carbook_read_with"):
        env.carbook_read_with = {}
    if not hasattr(env, "carbook_generated"):
        env.carbook_generated = {}
    env.carbook_sections = {}
    # A page whose own file or dependencies have other bytes than when it was read (whatever their
    # mtimes), or that was read without this record, is read again.
    read_with = {doc: files for doc, files in env.carbook_read_with.items() if doc in env.found_docs}
    outdated = changed_pages(read_with, app.carbook_digests)
    outdated.update(doc for doc in env.all_docs if doc in env.found_docs and doc not in read_with)
    if app.carbook_library is not None:
        # The data changed: a page built from all of it is read again only if it now shows other text.
        texts = app.carbook_texts
        substitutions = env.carbook_state["substitutions_digest"]
        for doc, (names, digest) in env.carbook_generated.items():
            if doc in env.found_docs and doc not in outdated and texts.digest(names, substitutions) != digest:
                outdated.add(doc)
    # A data file added or removed changes no existing file: re-read the pages that list all data.
    before = getattr(env, "carbook_inputs", None)
    now = env.carbook_inputs_now
    env.carbook_inputs = now
    if before is not None and before != now:
        chapter_prefix = CHAPTER_DIR.as_posix() + "/"
        outdated.update(doc for doc in env.found_docs if not doc.startswith(chapter_prefix))
    return sorted(outdated)


def _execute(app: Sphinx, env: Any, docnames: list[str]) -> None:
    execute_outdated(app, env, docnames)  # in the background; reorders docnames to the order it executes them


def _executed(app: Sphinx, docname: str) -> None:
    try:
        wait_for_page(app, docname)
    except PageFailed as failure:
        app.carbook_guard.stop(f"{failure}\n\nThe book was not built.")


def _read_all(app: Sphinx, env: Any) -> list[str]:
    stop_execution(app)  # every page is read: nothing more to execute
    return []


def _site_files(app: Sphinx) -> str:
    """Give a digest of the files Sphinx copies into the site or renders pages with (static, extra, templates)."""
    root = Path(app.confdir)
    digest = hashlib.sha256()
    for folder in [*app.config.html_static_path, *app.config.html_extra_path, *app.config.templates_path]:
        base = root / folder
        files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base]
        for path in files:
            digest.update(f"{path}\0{app.carbook_digests(str(path))}\0".encode())
    return digest.hexdigest()


def _rewrite(app: Sphinx, env: Any) -> list[str]:
    # Every page's sidebar and previous/next links show other pages' titles (which come from the data):
    # when a re-read page's title changed, write every page again (writing only; nothing is re-executed).
    before = getattr(app, "carbook_titles_before", {})
    retitled = any(before.get(doc, title) != title for doc, title in _titles(env).items())
    # Sphinx copies static files only in a build that writes a page, and pages link them with a
    # checksum: when one changed (by content), write every page again, which copies them too.
    site_files, env.carbook_site_files = getattr(env, "carbook_site_files", None), _site_files(app)
    if retitled or site_files not in (None, env.carbook_site_files):
        write_in_parallel(app, len(env.found_docs))
        return sorted(env.found_docs)
    write_in_parallel(app, app.carbook_pages_read)
    return []


def _inline_scripts_once(app: Sphinx) -> None:
    # Sphinx < 8.2 writes an inline script registered after the builder starts twice on each page (its
    # filename None on one path, "" on the other; sphinx-doc/sphinx#13402), so a page redeclares a
    # `const` and logs an error. Registering every such script with "" makes the two paths agree.
    add_js_file = getattr(app.builder, "add_js_file", None)
    if add_js_file is not None:
        app.builder.add_js_file = lambda filename, **kwargs: add_js_file(filename or "", **kwargs)


def _escape_page_titles(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    faults.reached("writing")
    # The theme prints these raw in its print-only header; titles come from the data, so escape them.
    for key in ("pagetitle", "root_title"):
        if isinstance(context.get(key), str):
            context[key] = str(markupsafe.escape(context[key]))


def _finish(app: Sphinx, exception: Exception | None) -> None:
    stop_execution(app)
    guard = app.carbook_guard
    if exception is not None:
        problem = write_problem(exception)
        if problem is not None:  # a full disk or a read-only folder: say which, not a traceback
            guard.stop(cannot_write(problem, guard.state_dir))
        _discard_output(app)
        guard.end()
        return
    try:
        _publish(app)
    except OSError as error:
        guard.stop(cannot_write(error, guard.state_dir) if write_problem(error) else
                   f"carbook: the data package could not be written: {error}")
    if app.carbook_pieces is not None:
        app.carbook_pieces.save()
    guard.end()
    # The build's objects live until the process ends: keep the collector from walking them all once
    # more as Python shuts down.
    gc.freeze()


def _publish(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    folder = Path(app.outdir) / PUBLISHED_DATA
    if app.carbook_library is None and (folder / "datapackage.json").is_file():
        return  # the data did not change since the package was written
    from carbook.sphinxext.publish import write_comparison, write_package

    faults.reached("publishing")
    write_package(book_library(app), folder, kept_pieces(app))  # the library checked, or the one a page loaded
    write_comparison(book_library(app), Path(app.outdir) / COMPARISON_DATA, kept_pieces(app))


def _saved(app: Sphinx, env: Any) -> None:
    faults.reached("saved")


def _finishing(app: Sphinx) -> list[Any]:
    faults.reached("finishing")
    return []


class _NoParserSettings(std_logging.Filter):
    """Leaves out the parsers' full settings, which MyST and MyST-NB print as two lines of about 1,000
    characters each at every build: an editor reads the build's output for what changed and what is wrong."""

    def filter(self, record: std_logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and ("myst v%s:" in record.msg or "myst-nb v%s:" in record.msg))


def setup(app: Sphinx) -> dict[str, Any]:
    for name in ("sphinx.myst_parser.sphinx_ext.main", "sphinx.myst_nb.sphinx_ext"):
        std_logging.getLogger(name).addFilter(_NoParserSettings())
    # First of all, before Sphinx loads its saved state: wait for any other build of this folder, and
    # start afresh if the last one was killed.
    app.carbook_guard = BuildGuard(app)
    app.carbook_guard.begin()
    hand_outputs_to_myst_nb()
    app.connect("builder-inited", _inline_scripts_once, priority=100)  # before extensions add their scripts
    app.connect("builder-inited", _check_data, priority=900)  # after myst creates its config
    app.connect("env-get-outdated", _outdated)
    app.connect("env-before-read-docs", _execute)
    app.connect("source-read", _note_dependencies)
    app.connect("env-updated", _read_all, priority=100)
    app.connect("env-get-updated", _rewrite)
    app.connect("env-check-consistency", _saved)
    app.connect("html-page-context", _escape_page_titles, priority=900)
    app.connect("html-collect-pages", _finishing)
    app.connect("build-finished", _finish)
    app.add_directive("carbook", generated.Section)
    app.setup_extension("carbook.sphinxext.plain_table")  # the Therapies index's thousands of rows, set as text
    app.add_env_collector(PageRecords)
    app.setup_extension("carbook.sphinxext.large_book")  # a book of thousands of pages, within memory
    # env_version 3: pages record what they were read with (carbook_read_with) and what they show from the
    # data (carbook_generated); older saved state is dropped
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 3}
