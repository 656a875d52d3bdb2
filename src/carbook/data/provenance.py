"""Where each source document comes from, and which version of it the book holds.

``data/provenance/<file name>.yaml`` gives, once for each document of ``data/sources/``, its title, publisher, kind,
the address where it is published, the date the book's copy was taken and the SHA-256 of the copy's
bytes; for a field/value record, who each field's text comes from (the CT-0525 record's
``nci_thesaurus_*`` fields carry NCI Thesaurus content, the rest is the database's own text); and the
versions it replaced (``history``), each with its digest and date. The check compares every source's
bytes with its recorded digest, so a document edited in place, or replaced without
``python -m carbook update``, stops the build.

``data/changes/<id>.yaml`` is a therapy's change log: one entry per update of its source, with the date,
the old and new versions and each fact the update touched, with its value before.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import Annotated, Iterator, Literal

from pydantic import Field, StringConstraints

from carbook.data.facts import Strict, Text

PROVENANCE_DIR = Path("data/provenance")
RECORD_KIND = "drug-database record"  # the kind of a field/value record `carbook new` imports
CHANGES_DIR = Path("data/changes")


def provenance_file(source: str) -> Path:
    """Give the path, relative to the book, of the provenance file of source document ``source``."""
    return PROVENANCE_DIR / f"{source}.yaml"

Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Address = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class Version(Strict):
    """One version of a document: the SHA-256 of its bytes and the date the book's copy was taken."""

    sha256: Digest
    retrieved: datetime.date


class FieldCredit(Strict):
    """Who the text of a record's fields comes from, for the fields whose names begin with ``prefix``."""

    prefix: Text
    credit: Text = Field(description="Who the fields' text comes from, as a page names it (e.g. NCI Thesaurus).")


class Provenance(Strict):
    """A source document as the book describes it to readers."""

    title: Text | None = Field(default=None, description="The document's title; left out for a record, whose title is "
                                                        "the product it names (its drug_name field).")
    publisher: Text | None = Field(default=None, description="Who publishes the document (left out: `check` asks for it).")
    kind: Text = Field(description="What the document is: a study page, a drug-database record …")
    address: Address | None = Field(default=None, description="Where the document is published (left out: `check` asks for it).")
    retrieved: datetime.date = Field(description="The date the book's copy was taken.")
    sha256: Digest = Field(description="The SHA-256 of the copy's bytes: the version the book's facts are checked against.")
    fields: list[FieldCredit] = Field(default_factory=list, description="For a record: who some of its fields come from.")
    other_fields: Text | None = Field(default=None, description="For a record: who the other fields come from.")
    history: list[Version] = Field(default_factory=list, description="The versions this copy replaced, oldest first.")

    @property
    def version(self) -> str:
        """Give the version as the data package and facts.csv name it: ``sha256:<digest>``."""
        return f"sha256:{self.sha256}"

    def credit_of(self, field: str) -> str | None:
        """Give who a record field's text comes from (None for prose, or a record that says nothing of it)."""
        for credit in self.fields:
            if field.startswith(credit.prefix):
                return credit.credit
        return self.other_fields


class FactChange(Strict):
    """A fact an update touched: where it is, what the old version's passage said, and its value before."""

    path: Text
    status: Literal["changed", "gone"]
    before: Text = Field(description="The fact's value as the chapter showed it before the update.")
    passage: Text = Field(description="The old version's passage the fact quoted.")


class Change(Strict):
    """One update of a therapy's source."""

    date: datetime.date
    source: Text
    old: Digest
    new: Digest
    facts: list[FactChange] = Field(default_factory=list)


class ChangeLog(Strict):
    changes: list[Change] = Field(default_factory=list)


def missing(provenance: Provenance) -> list[str]:
    """Give what an editor still has to record of a document's provenance (its publisher, its address)."""
    return [name for name in ("publisher", "address") if getattr(provenance, name) is None]


def write_new(root: Path, source: str, title: str, kind: str, retrieved: datetime.date) -> Path:
    """Write the provenance of a document just added to ``data/sources/``: its title, kind, the date of the
    copy and its digest; its publisher and address are left for an editor (``check`` lists them). A
    document already in the book keeps the provenance it has. Give the file's path."""
    import yaml

    path = root / provenance_file(source)
    if path.is_file():
        return path  # the document is already in the book: its provenance stays as it is
    provenance = Provenance(title=None if kind == RECORD_KIND else title, kind=kind, retrieved=retrieved,
                            sha256=digest((root / "data/sources" / source).read_bytes()))
    header = (f"# Where the source document data/sources/{source} comes from, typed once. Add its publisher and the\n"
              "# address where it is published (`python -m carbook check` lists them until then).\n")
    body = yaml.safe_dump(provenance.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
                          sort_keys=False, allow_unicode=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body, encoding="utf-8")
    return path


def digest(data: bytes) -> str:
    """Give the SHA-256 of ``data`` as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def short(sha256: str) -> str:
    """Give the first 12 characters of a digest, as pages show a version."""
    return sha256[:12]


def check_bytes(root: Path, name: str, provenance: Provenance | None) -> Iterator[tuple[str, str]]:
    """Give ``(message, fix)`` when source ``name`` has no provenance, or its bytes are not the version
    recorded for it (edited in place, replaced by hand, or an update interrupted before it finished). The
    check lists a missing provenance as an item for an editor; a wrong version stops the build."""
    path = root / "data/sources" / name
    if provenance is None:
        yield (f"data/sources/{name} has no provenance",
               f"write {provenance_file(name).as_posix()} with its title, publisher, kind, address, retrieved date "
               f"and sha256 (the SHA-256 of its bytes: `sha256sum data/sources/{name}`)")
        return
    try:
        actual = digest(path.read_bytes())
    except OSError:
        return  # a missing source is reported where a therapy names it
    if actual == provenance.sha256:
        return
    pending = path.with_name(path.name + ".new")
    if pending.is_file() and digest(pending.read_bytes()) == provenance.sha256:
        yield (f"an update of data/sources/{name} did not finish: its new version is recorded but still waits in "
               f"{pending.name}", f"run `python -m carbook update <id> --source {pending.as_posix()}` again to finish it")
        return
    yield (f"data/sources/{name} is not the version the book records: its bytes have sha256 {actual}, "
           f"{provenance_file(name).as_posix()} records {provenance.sha256}",
           "never edit a source in place: restore it, or bring the new version in with "
           "`python -m carbook update <id> --source <new file>`, which checks every fact against it")
