"""Pages built from all the data, written by the build itself: no kernel, and read again only when they change.

The book's shared pages (introduction, Therapies, comparison, glossary, data, Sources) list every
therapy. Each is a plain MyST page whose generated part stands as a block of its own::

    ```{carbook} comparison
    ```

As Sphinx reads such a page, the block becomes the MyST text the named section (:func:`sections`)
gives for the book's checked library, parsed in place (:class:`Section`). Nothing is executed for
these pages.

Whether a page is read again is judged by what it would show, not by which files changed: the build
keeps a digest of each page's generated text (and of the substitutions every page may use), and after
an edit to the data it works the texts out afresh and re-reads only the pages whose digest differs.
An edit to one therapy of hundreds re-reads its chapter and only those shared pages that show what
was edited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def sections() -> dict[str, Callable[[Any, Any], str]]:
    """Give each section a shared page can show, by the name its ``{carbook}`` block gives: a function of
    the library and the parts kept from the last build (:class:`carbook.pages.pieces.Pieces`)."""
    from carbook.pages import index, shared, sources

    return {
        "overview": lambda library, pieces: shared.overview(library),
        "therapies": lambda library, pieces: index.index_page(library),
        "comparison": shared.comparison,
        "answer": lambda library, pieces, *rows: shared.comparison_answer(library, list(rows)),
        "glossary": lambda library, pieces: shared.glossary(library),
        "downloads": lambda library, pieces: shared.downloads(library),
        "sources": lambda library, pieces: sources.appendix(library),
    }


class Texts:
    """The generated text of each section for one library, each worked out once.

    ``library`` gives the checked library, and ``pieces`` the parts kept from the last build, when a
    section first needs them: a page with no block, or a build that generates nothing, loads neither."""

    def __init__(self, library: Callable[[], Any], pieces: Callable[[], Any]):
        self._library, self._pieces = library, pieces  # pieces: the parts kept between builds
        self._known: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        """Give section ``name``'s MyST text."""
        if name not in self._known:
            section, *arguments = name.split()
            self._known[name] = str(sections()[section](self._library(), self._pieces(), *arguments))
        return self._known[name]

    def digest(self, names: list[str], substitutions: str) -> str:
        """Give the digest of what a page with these blocks shows from the data: the blocks' texts and
        the substitutions (``substitutions``: their :func:`substitutions_digest`)."""
        digest = hashlib.sha256(substitutions.encode())
        for name in names:
            digest.update(f"\0{name}\0".encode())
            digest.update(self(name).encode())
        return digest.hexdigest()


def substitutions_digest(values: Mapping[str, Any]) -> str:
    """Give a digest of the substitution values pages may use (``{{ therapy_count }}`` and the like)."""
    def plain(value: Any) -> Any:
        return {key: plain(value[key]) for key in value} if isinstance(value, Mapping) else value

    return hashlib.sha256(json.dumps(plain(values), sort_keys=True, default=str).encode()).hexdigest()


class Section(SphinxDirective):
    """The ``{carbook}`` block: the named section's text from the data, parsed where the block stands.

    It is set in a container styled as a notebook cell's output, as the chapters' generated parts are;
    a heading inside it is a heading of the text, not a section of the page's contents."""

    required_arguments = 1
    optional_arguments = 20  # what the section is made from, such as the rows an answer gives
    has_content = False

    def run(self) -> list[nodes.Node]:
        name = " ".join(self.arguments)
        known = sections()
        if self.arguments[0] not in known:
            raise self.error(f"{{carbook}} block: the book has no section {self.arguments[0]!r}; name one of: "
                             f"{', '.join(sorted(known))} (for example ```{{carbook}} comparison```)")
        self.env.carbook_sections.setdefault(self.env.docname, []).append(name)
        try:
            text = self.env.app.carbook_texts(name)
        except KeyError as error:  # an argument the section does not know, such as a row an answer names
            raise self.error(f"{{carbook}} block {name!r}: {error.args[0]}") from None
        container = nodes.container(classes=["cell_output"])
        self.state.nested_parse(StringList(text.splitlines(), source=f"{{carbook}} {name}"), 0, container)
        return [container]
