"""How Sphinx reads and writes a book of thousands of pages within the memory of one machine.

Sphinx keeps every page it read, and the bytes of every page it read back, until the build ends; in a
large book both are let go as soon as they have served (:func:`forget_read_doctrees`,
:func:`forget_written_doctree`). Many pages are written by several processes (:func:`write_in_parallel`),
each a fork of the build, which the garbage collector is kept from copying whole
(:func:`freeze_before_writers`). No setting or event controls those stores or the writers' memory:
each step is taken from a documented event.
"""

from __future__ import annotations

import gc
from typing import Any

from sphinx.application import Sphinx

from carbook.sphinxext.kernels import usable_cores

PARALLEL_WRITING_FROM = 64  # pages to write from which they are written in parallel, and let go once used


def forget_read_doctrees(app: Sphinx, docname: str, source: list[str]) -> None:
    # Sphinx keeps every page it read in memory until it writes it (about 1 MB for a chapter): at 2,000
    # chapters, 2 GB, which each parallel writer then inherits. A large book's pages are read back from
    # the doctree files Sphinx wrote instead; the store is emptied as each page starts to be read.
    store = getattr(app.env, "_write_doc_doctree_cache", None)
    if store and len(app.env.found_docs) >= PARALLEL_WRITING_FROM:
        store.clear()


def forget_written_doctree(app: Sphinx, doctree: Any, docname: str) -> None:
    # Sphinx also keeps the bytes of each page's doctree file it read back, for the rest of the build; a page
    # is written once, so a large book's are let go as soon as the page is resolved for writing.
    if len(app.env.found_docs) >= PARALLEL_WRITING_FROM:
        getattr(app.env, "_pickled_doctree_cache", {}).pop(docname, None)


def write_in_parallel(app: Sphinx, pages: int) -> None:
    """Have Sphinx write ``pages`` pages in several processes when they are many (the kernels are gone by
    then, so nothing but Sphinx runs beside them); a few are written in this process alone: starting the
    writers would cost more than it saves."""
    cores = usable_cores()
    if cores > 1 and app.parallel <= 1 and pages >= PARALLEL_WRITING_FROM:
        app.parallel = cores + 1  # this process resolves each page while the others write


def freeze_before_writers(app: Sphinx, builder: Any) -> None:
    # Each parallel writer is a fork of this process. Python's garbage collector, run in a writer, would
    # walk (and so copy) every object the build holds: a copy of most of its memory per writer. Frozen,
    # they are left out of its walks, as the gc module's documentation advises before forking.
    if app.parallel > 1:
        gc.collect()
        gc.freeze()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("source-read", forget_read_doctrees)
    app.connect("doctree-resolved", forget_written_doctree)
    app.connect("write-started", freeze_before_writers)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
