"""Sphinx extension that lets a reader cite the book and each chapter (:mod:`carbook.pages.citing`).

As each page is written: its ``citation_*`` meta tags and a description drawn from its lead (its first
paragraph, whole); "Cite this" entries in the page's download menu; and, at the end of
each chapter and of the introduction, the citation with its BibTeX, RIS and CSL-JSON files (written
into the site's ``cite/`` folder beside the page). The date is that of the build that writes the page
(or ``SOURCE_DATE_EPOCH``, for a reproducible build).
"""

from __future__ import annotations

import datetime
import html
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from carbook.data.paths import CHAPTER_DIR
from carbook.pages import citing
from carbook.pages.pieces import write_changed

FOLDER = "cite"  # in the site: cite/book.bib, cite/book/therapies/<id>.bib, ...


def build_date() -> datetime.date:
    """Give the date of this build: today, or the one ``SOURCE_DATE_EPOCH`` gives (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.date.today()


def _book(app: Sphinx) -> citing.Work:
    from carbook import __version__

    base = app.config.html_baseurl or ""
    return citing.Work(app.config.html_title or app.config.project, None, app.config.author, build_date(), __version__,
                       base)


def _work(app: Sphinx, pagename: str, context: dict[str, Any]) -> citing.Work:
    book = _book(app)
    if pagename == app.config.root_doc:
        return book
    title = html.unescape(re.sub(r"<[^>]+>", "", str(context.get("title", "")))).strip()
    address = f"{book.address.rstrip('/')}/{pagename}.html" if book.address else ""
    return citing.Work(title, book.title, book.editors, book.date, book.version, address)


def description(doctree: Any) -> str | None:
    """Give a page's description: the first paragraph of its lead (else of the page), whole (a search engine
    shortens it visibly, with an ellipsis), its citation markers left out."""
    lead = next((c for c in doctree.findall(nodes.container) if "cb-lead" in c.get("classes", [])), None)
    paragraph = next((lead or doctree).findall(nodes.paragraph), None)
    if paragraph is None:
        return None
    words, marker = [], False
    for node in paragraph.findall(lambda n: isinstance(n, (nodes.Text, nodes.raw))):
        if isinstance(node, nodes.raw):  # inline HTML: a citation marker's tags (its number between them)
            marker = 'class="cb-cite"' in node.astext() or (marker and "</sup>" not in node.astext())
        elif not marker and not isinstance(node.parent, nodes.raw):
            words.append(node.astext())
    return " ".join("".join(words).split()) or None


def add_downloads(context: dict[str, Any], buttons: list[dict[str, str]]) -> None:
    """Add ``buttons`` (as the theme describes a link) to the page's download menu, where the page has one."""
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"] += buttons


def _write_files(outdir: Path, name: str, work: citing.Work) -> None:
    for extension, (_, make) in citing.FORMATS.items():
        write_changed(outdir / FOLDER / f"{name}.{extension}", make(work))


def _cite(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    work = _work(app, pagename, context)
    context["metatags"] = context.get("metatags", "") + citing.meta_tags(work, description(doctree))
    chapter = Path(pagename).parent.as_posix() == CHAPTER_DIR.as_posix()
    own = chapter or pagename == app.config.root_doc
    name = pagename if chapter else "book"
    if own:
        _write_files(Path(app.outdir), name, work)
    files = context["pathto"](f"{FOLDER}/{name}", 1)
    what = "chapter" if chapter else "book"
    add_downloads(context, [{"type": "link", "url": f"{files}.{extension}", "text": f"Cite this {what} ({label})",
                             "tooltip": f"Download the citation of this {what} ({label})", "icon": "fas fa-file",
                             "label": f"cite-{extension}-button"} for extension, (label, _) in citing.FORMATS.items()])
    if own:
        context["body"] = context.get("body", "") + citing.cite_block(work, files, what)


def _remove_old(app: Sphinx, exception: Exception | None) -> None:
    # the citation files of a chapter the book no longer has
    if exception is not None or app.builder.format != "html":
        return
    for path in (Path(app.outdir) / FOLDER / CHAPTER_DIR).glob("*.*"):
        if f"{CHAPTER_DIR.as_posix()}/{path.stem}" not in app.env.found_docs:
            path.unlink()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _cite, priority=510)  # after the theme makes its download menu (501)
    app.connect("build-finished", _remove_old)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
