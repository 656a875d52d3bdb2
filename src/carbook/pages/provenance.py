"""What a reader is told of a source document: what it is, who publishes it, where, and which copy the book holds.

Every page that names a source says it the same way, from ``data/provenance/`` (see
:mod:`carbook.data.provenance`): the chapters' lead, the Sources page, the data package.
"""

from __future__ import annotations

import datetime

from carbook.data.provenance import Change, Provenance, short
from carbook.pages.myst import escape


def date(day: datetime.date) -> str:
    """Give a date as pages write it: ``20 November 2026``."""
    return f"{day.day} {day:%B %Y}"


def described(provenance: Provenance, title: str) -> str:
    """Give, as MyST, what a document is, who publishes it and where, and the date of the book's copy:
    “Heros 3.0”, a study page published by Baylor College of Medicine; the book’s copy of 20 November 2026 (a
    record, which has no title of its own: the drug-database record of CT-0525, published by …)."""
    named = f"“{escape(title)}”" if provenance.title else escape(f"the {provenance.kind} of {title}")
    if provenance.address:
        named = f"[{named}]({provenance.address})"
    by = (f"published by {escape(provenance.publisher)}" if provenance.publisher
          else "its publisher not yet recorded")
    what = f"{escape(_article(provenance.kind))} {by}" if provenance.title else by
    return f"{named}, {what}; the book’s copy of {date(provenance.retrieved)}"


def fields_credit(provenance: Provenance) -> str:
    """Give, as MyST, who a record's fields come from ("Its nci_thesaurus_* fields: the NCI Thesaurus …;
    the other fields: the database's own text"), or nothing where the provenance says nothing of fields."""
    parts = [f"its `{credit.prefix}*` fields carry {escape(credit.credit)}" for credit in provenance.fields]
    if provenance.other_fields and parts:
        parts.append(f"the other fields are {escape(provenance.other_fields)}")
    return "; ".join(parts)


def version(provenance: Provenance) -> str:
    """Give the version of the book's copy as pages show it: its digest's first characters."""
    return f"version {short(provenance.sha256)}"


def last_updated(changes: list[Change]) -> datetime.date | None:
    """Give the date of the last update of a therapy's source, or None where it was never updated."""
    return max((change.date for change in changes), default=None)


def _article(kind: str) -> str:
    return f"an {kind}" if kind[:1].lower() in "aeiou" else f"a {kind}"
