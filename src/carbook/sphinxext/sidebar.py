"""Sphinx extension that writes the sidebar's list of pages once per build, not once per page.

The theme builds each page's sidebar by resolving the whole table of contents for that page and
rewriting it with BeautifulSoup: work that grows with the book on every page, so a book of n pages
costs n² (about 40 s of a 200-therapy build, more than the chapters' code). This extension reads the
book's table of contents (``_toc.yml``, as sphinx-external-toc gives it) once, and each page's
sidebar is that list with the page's links made relative to it and the page itself marked current:
the same markup the theme writes (``book/_templates/sbt-sidebar-nav.html`` puts it in place).

A table of contents this list cannot show as the theme would (a chapter with sections of its own,
a glob, a link to another site) leaves the sidebar to the theme.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sphinx.application import Sphinx

Part = tuple[str, list[tuple[str, str]]]  # a caption, and its pages: (docname, title as HTML)


def book_parts(app: Sphinx) -> list[Part] | None:
    """Give the sidebar's parts, each a caption and its pages in order; None where the theme must draw it."""
    site_map = getattr(app.config, "external_site_map", None)
    if site_map is None:
        return None
    parts: list[Part] = []
    for tree in site_map.root.subtrees:
        if len(tree.files()) != len(tree.items):  # a glob or a link
            return None
        pages = []
        for docname in tree.files():
            document = site_map[docname] if docname in site_map else None
            if document is not None and document.subtrees:  # sections under a chapter
                return None
            title = document.title if document is not None and document.title else None
            if title is None:
                node = app.env.titles.get(docname)
                if node is None:
                    return None
                title = node.astext()
            pages.append((docname, escape(title, quote=False)))
        parts.append((escape(tree.caption or "", quote=False), pages))
    return parts


#: A part of more pages than this lists only the page being read, then a link to the page that lists them all
#: (:data:`INDEX_PAGE`): a sidebar on every page that listed 2,000 chapters would make each page a book of its own.
MOST_LISTED = 24
INDEX_PAGE = "book/therapies"  # the Therapies page, a light table of every therapy with filters


def sidebar_html(parts: list[Part], pagename: str, uri: Any) -> str:
    """Give the sidebar's lists for ``pagename``; ``uri(docname)`` gives a page's link relative to it. A part
    of more than :data:`MOST_LISTED` pages shows the page being read, if it is one of them, and a link to
    the Therapies page for the others."""
    html = []
    for caption, pages in parts:
        current_part = any(docname == pagename for docname, _ in pages)
        if caption:
            html.append(f'<p aria-level="2" class="caption" role="heading"><span class="caption-text">{caption}</span></p>')
        html.append(f'<ul class="{"current " if current_part else ""}nav bd-sidenav">')
        shown = pages if len(pages) <= MOST_LISTED else [(d, t) for d, t in pages if d == pagename]
        if len(shown) < len(pages):
            html.append(f'<li class="toctree-l1"><a class="reference internal" href="{escape(uri(INDEX_PAGE))}">'
                        f'All {len(pages)}, on the Therapies page</a></li>')
        for docname, title in shown:
            if docname == pagename:
                html.append(f'<li class="toctree-l1 current active"><a class="current reference internal" href="#">{title}</a></li>')
            else:
                html.append(f'<li class="toctree-l1"><a class="reference internal" href="{escape(uri(docname))}">{title}</a></li>')
        html.append("</ul>")
    return "\n".join(html) + "\n"


def _sidebar(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    parts = getattr(app, "carbook_sidebar_parts", False)
    if parts is False:
        parts = app.carbook_sidebar_parts = book_parts(app)
    if parts is not None:
        context["carbook_sidebar"] = sidebar_html(parts, pagename,
                                                  lambda docname: app.builder.get_relative_uri(pagename, docname))


def _forget(app: Sphinx, env: Any, docnames: Any) -> None:
    app.carbook_sidebar_parts = False  # titles may have changed: work the parts out again when writing


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-before-read-docs", _forget)
    app.connect("html-page-context", _sidebar, priority=400)  # before the theme renders its sidebar templates
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
