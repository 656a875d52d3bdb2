"""Sphinx extension that links the PDF edition (:mod:`carbook.edition`) from every page's download menu and
from the introduction, in a build made for it.

``make pdf`` builds the book with ``CARBOOK_PDF=1`` (the ``carbook_pdf`` setting), then prints it into
the site. Any other build leaves the link out. Every build removes the PDF an earlier one left in the
site, so that no page links a PDF of other data: only a print that succeeds puts one back. The setting
is part of the pages' configuration: when it changes, every page is written again (the source
documents' pages too, :mod:`carbook.sphinxext.source_pages`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from carbook.edition import PDF_NAME
from carbook.sphinxext.cite_this import add_downloads


def _link(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if app.builder.format != "html" or not app.config.carbook_pdf:
        return
    address = context["pathto"](PDF_NAME, 1)
    add_downloads(context, [{"type": "link", "url": address, "text": "Whole book (PDF)",
                             "tooltip": "Download the whole book as one PDF, to print or read offline",
                             "icon": "fas fa-file-pdf", "label": "book-pdf-button"}])
    if pagename == app.config.root_doc:
        context["body"] = context.get("body", "") + (
            f'<p class="cb-pdf">The whole book is also one PDF, to print or read offline: <a href="{address}">'
            f"{PDF_NAME}</a> (each chapter with its source passages as endnotes, and the answers to its questions).</p>\n")


def _remove_old(app: Sphinx, exception: Exception | None) -> None:
    # Every build removes the PDF it finds: it was printed from the pages as they were before this build.
    # `make pdf` prints it afresh after its build; a print that fails leaves none to be taken for this one.
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / PDF_NAME).unlink(missing_ok=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("carbook_pdf", os.environ.get("CARBOOK_PDF") == "1", "html", bool)
    app.connect("html-page-context", _link, priority=505)  # after the theme makes its download menu (501), before "Cite this"
    app.connect("build-finished", _remove_old)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
