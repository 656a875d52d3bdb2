"""How to cite the book and its chapters: BibTeX, RIS and CSL-JSON, the ``citation_*`` meta tags that
reference managers (Zotero's page reader among them) read, and the citation a reader copies.

Every citation names the title, the editors (the book's ``author`` in ``_config.yml``), the date of the
build that wrote the page, the book's version, and the address where the book is published when
``_config.yml`` gives it (``html: baseurl``). Nothing else is said of the work: no publisher, no
place, no identifier the book does not have.
"""

from __future__ import annotations

import datetime
import html
import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Work:
    """What a citation says of a page: its title, the book it is part of (None for the book itself), the
    editors, the date of the build, the version, and its address (empty where the book's is not given)."""

    title: str
    book: str | None
    editors: str
    date: datetime.date
    version: str
    address: str = ""

    @property
    def key(self) -> str:
        """A citation key: the title's first words and the year (``carHerosStudy2026``)."""
        words = re.findall(r"[A-Za-z0-9]+", self.title)[:4]
        return "".join([words[0].lower(), *(w.capitalize() for w in words[1:])] if words else ["carbook"]) + str(self.date.year)


def _bibtex_text(value: str) -> str:
    """Give ``value`` for a BibTeX field in braces: its special characters escaped."""
    value = value.replace("\\", r"\textbackslash{}")
    return re.sub(r"([{}&%$#_^~])", r"\\\1", value)


def bibtex(work: Work) -> str:
    """Give the BibTeX entry of ``work``: ``@incollection`` for a chapter, ``@book`` for the book; the
    editors as one name (in double braces: a group, not a person's first and last name)."""
    fields = [("title", _bibtex_text(work.title))]
    if work.book:
        fields.append(("booktitle", _bibtex_text(work.book)))
    fields += [("editor", "{" + _bibtex_text(work.editors) + "}"), ("year", str(work.date.year)),
               ("month", str(work.date.month)), ("date", work.date.isoformat()), ("version", work.version),
               ("note", f"Version {work.version}")]
    if work.address:
        fields.append(("url", work.address))
    kind = "incollection" if work.book else "book"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{work.key},\n{body}\n}}\n"


def ris(work: Work) -> str:
    """Give the RIS record of ``work``: a book section (``CHAP``) or a whole book (``BOOK``)."""
    lines = [("TY", "CHAP" if work.book else "BOOK"), ("TI", work.title)]
    if work.book:
        lines.append(("T2", work.book))
    lines += [("ED", work.editors), ("PY", str(work.date.year)),
              ("DA", work.date.strftime("%Y/%m/%d")), ("ET", f"Version {work.version}")]
    if work.address:
        lines.append(("UR", work.address))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def csl_json(work: Work) -> str:
    """Give the CSL-JSON of ``work`` (a list of one item): a ``chapter`` in its ``container-title``, or a
    ``book``; the editors as a literal name."""
    item = {"id": work.key, "type": "chapter" if work.book else "book", "title": work.title,
            "editor": [{"literal": work.editors}], "issued": {"date-parts": [[work.date.year, work.date.month, work.date.day]]},
            "version": work.version}
    if work.book:
        item["container-title"] = work.book
    if work.address:
        item["URL"] = work.address
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


FORMATS = {"bib": ("BibTeX", bibtex), "ris": ("RIS", ris), "json": ("CSL-JSON", csl_json)}


def reference(work: Work) -> str:
    """Give the citation as a reader copies it, as HTML."""
    date = f"{work.date.day} {work.date:%B %Y}"
    text = f"{html.escape(work.editors)} ({work.date.year}). "
    if work.book:
        text += f"“{html.escape(work.title)}”. In: <cite>{html.escape(work.book)}</cite>"
    else:
        text += f"<cite>{html.escape(work.title)}</cite>"
    text += f", version {html.escape(work.version)}, built {date}."
    if work.address:
        text += f' <a href="{html.escape(work.address)}">{html.escape(work.address)}</a>'
    return text


def meta_tags(work: Work, description: str | None) -> str:
    """Give the page's ``citation_*`` meta tags (and its description): what reference managers read."""
    tags = [("citation_title", work.title)]
    if work.book:
        tags.append(("citation_inbook_title", work.book))
    tags += [("citation_author", work.editors), ("citation_publication_date", work.date.strftime("%Y/%m/%d"))]
    if work.address:
        tags.append(("citation_public_url", work.address))
    if description:
        tags.insert(0, ("description", description))
    return "".join(f'<meta name="{name}" content="{html.escape(value, quote=True)}" />\n' for name, value in tags)


def cite_block(work: Work, files: str, what: str) -> str:
    """Give the "Cite this" block a page ends with: the citation, and its files (``files``: their address
    without the extension, from the page)."""
    links = " · ".join(f'<a href="{files}.{ext}" download>{name}</a>' for ext, (name, _) in FORMATS.items())
    return (f'<details class="cb-cite-this"><summary>Cite this {what}</summary>\n'
            f"<p>{reference(work)}</p>\n<p>Download the citation: {links}</p></details>\n")
