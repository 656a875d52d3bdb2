"""Sphinx extension that writes a page per source document (``book/sources/<slug>.html``).

A source document is read in full on its own page, with the theme's page template: the Sources page
lists them all, one line each, so neither it nor any other page grows with the text of the whole field.
The pages come from Sphinx's ``html-collect-pages`` event; a link to a source (``{ref}`` to its label
``source-<slug>``, as :func:`carbook.pages.myst.source_link` writes it) is resolved to its page through
the ``missing-reference`` event, which Sphinx raises for a label no document defines.

A page is written again only when its body or what every page shows around it (the configuration,
the sidebar's titles, the styles) changed since the last build: an edit to one therapy of thousands
writes its source's page alone.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterator

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from carbook.data import paths
from carbook.pages.myst import slug

logger = logging.getLogger(__name__)


def _known(app: Sphinx) -> set[str]:
    """Give the slugs of the book's source documents, from the folder that holds them (read once per build)."""
    known = getattr(app, "carbook_source_slugs", None)
    if known is None:
        folder = Path(app.srcdir) / paths.SOURCE_DIR
        known = app.carbook_source_slugs = {slug(p.name) for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    return known


def _link(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a ``{ref}`` to a source's label as a link to its page; leave every other reference alone."""
    from carbook.pages.sources import FOLDER

    target = node.get("reftarget", "")
    if node.get("refdomain") != "std" or node.get("reftype") != "ref" or not target.startswith("source-"):
        return None
    name = target.removeprefix("source-")
    if name not in _known(app):
        return None
    reference = nodes.reference("", "", internal=True,
                                refuri=app.builder.get_relative_uri(node["refdoc"], f"{FOLDER}/{name}"))
    reference += contnode
    return reference


def _surroundings(app: Sphinx) -> str:
    """Give a digest of what every page shows around its body: the configuration Sphinx writes pages with
    (theme, title, settings such as ``carbook_pdf``), the files they link (static files, templates) and the
    titles of the book's pages (the sidebar)."""
    info = getattr(app.builder, "build_info", None)
    titles = sorted((doc, title.astext()) for doc, title in app.env.titles.items())
    parts = (getattr(info, "config_hash", ""), getattr(info, "tags_hash", ""),
             getattr(app.env, "carbook_site_files", ""), repr(titles))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Give each source page to write: its name, its title and body, and the theme's page template; only the
    pages whose text changed since they were written, or all of them when what surrounds every page's
    body changed (or the folder is gone)."""
    if app.builder.format != "html":
        return
    from carbook.pages import sources
    from carbook.sphinxext.sphinx_ext import book_library, kept_pieces

    folder = Path(app.outdir) / sources.FOLDER
    pieces = kept_pieces(app)
    around = _surroundings(app)
    everything = not pieces.seen("source-pages-around", (around,)) or not folder.is_dir()
    if app.carbook_library is None and not everything:
        return  # the data did not change, nor what every page shows around its body
    library = book_library(app)
    pages: dict[str, str] = {}
    for name in sorted(library.sources):
        page = sources.page_name(name)
        if page in pages:
            logger.warning(f"data/sources/{name} and data/sources/{pages[page]} would share the page {page}.html: "
                           "rename one of them (file names that differ only in punctuation or case)",
                           type="carbook", subtype="source")
            continue
        pages[page] = name
        made: list[str] = []  # the body, where this build made it

        def body_digest(name: str = name, made: list[str] = made) -> str:
            made.append(sources.source_page(library, name))
            return hashlib.sha256(made[0].encode()).hexdigest()

        # What the page shows, by digest (its text is not kept): made again only where what it is made from
        # changed, and the page written again only where what it shows changed.
        shows = pieces.get("source-page-shows", (page, *sources.inputs(library, name, pieces)), body_digest)
        written = pieces.seen("source-page-written", (page, shows))
        if everything or not written or not (Path(app.outdir) / f"{page}.html").is_file():
            body = made[0] if made else sources.source_page(library, name)
            yield page, {"title": name, "body": body, "display_toc": False}, "page.html"
    for path in folder.glob("*.html") if folder.is_dir() else []:
        if f"{sources.FOLDER}/{path.stem}" not in pages:  # a source the book no longer holds
            path.unlink()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", _link)
    app.connect("html-collect-pages", _pages)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
