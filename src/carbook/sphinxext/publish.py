"""Publish the curated data as a Frictionless Data Package: facts as CSV, each therapy as JSON,
the JSON Schema of the data format, the source documents themselves, and the passages the book
quotes from each as W3C Web Annotations (:mod:`carbook.pages.annotations`)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

from carbook import __version__
from carbook.data.load import Library
from carbook.pages import annotations, sources
from carbook.pages.labels import LABELS
from carbook.pages.pieces import Pieces, none, write_changed
from carbook.data.models import Therapy
from carbook.pages.tables import Row, all_rows

PACKAGE_NAME = "car-cell-therapies"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International (the curated data; each source document keeps its own terms)",
}

#: The columns of facts.csv, with their Table Schema types and descriptions.
FACT_FIELDS: list[tuple[str, str, str]] = [
    ("therapy", "string", "Therapy id, as in data/therapies/<id>.yaml."),
    ("section", "string", "Chapter section that shows the fact."),
    ("path", "string", "Where the fact is in the therapy's data (dotted path), the key of labels.json."),
    ("fact", "string", "What the fact is: its one label on every page (labels.json)."),
    ("value", "string", "The value as the chapter shows it; 'Not stated in the source' for a gap."),
    ("rests_on", "string", "What the fact rests on: statement, identifier, definition, description, aim, finding, hedged or naming."),
    ("number", "number", "The number, for a dose or an age limit."),
    ("unit", "string", "The unit of the number."),
    ("stated", "boolean", "False where the source is silent."),
    ("source_document", "string", "File name of the source document (see sources/)."),
    ("record_field", "string", "Field of a record source the value was parsed from."),
    ("quote", "string", "Verbatim passage of the source that states the fact (or, for a gap, the nearby passage)."),
    ("note", "string", "For a gap: what the source leaves out, in editorial words."),
    ("source_version", "string", "The version of the source document the row was checked against: sha256:<digest of its bytes>."),
]


def fact_rows(library: Library, pieces: Pieces | None = None) -> list[dict[str, Any]]:
    """Give one row per fact the chapters show, in page order, with its passage (a therapy's rows taken
    from ``pieces`` where it and its source are unchanged)."""
    pieces = pieces or none()
    rows = []
    for therapy in library.therapies.values():
        source = library.source_of(therapy)
        known = library.provenance_of(therapy)
        version = known.version if known else None
        rows += pieces.get("fact-rows", (therapy.id, pieces.of(therapy), pieces.of(source.text), version),
                           lambda: [{**_row(therapy, section, row), "source_version": version}
                                    for section, row in all_rows(therapy, source)])
    return rows


def _row(therapy: Therapy, section: str, row: Row) -> dict[str, Any]:
    return {
        "therapy": therapy.id,
        "section": section,
        "path": row.path,
        "fact": row.label,
        "value": row.value,
        "rests_on": row.rests_on if row.stated else None,
        "number": row.number,
        "unit": row.unit,
        "stated": row.stated,
        "source_document": therapy.source,
        "record_field": row.record_field,
        "quote": " ".join(row.passages) or None,
        "note": row.gap,
    }


def facts_csv(library: Library, pieces: Pieces | None = None) -> str:
    """Give facts.csv as text: a header row, then :func:`fact_rows`; empty cells where a column does not apply."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[name for name, _, _ in FACT_FIELDS], lineterminator="\n")
    writer.writeheader()
    for row in fact_rows(library, pieces):
        writer.writerow({k: ("true" if v is True else "false" if v is False else "" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def descriptor(library: Library) -> dict[str, Any]:
    """Give datapackage.json: the resources with the facts table's schema, the sources and the licence."""
    documents = sorted({t.source for t in library.therapies.values()})
    resources: list[dict[str, Any]] = [
        {
            "name": "facts",
            "path": "facts.csv",
            "title": "Every fact the book shows, with the passage that states it",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [{"name": n, "type": t, "description": d} for n, t, d in FACT_FIELDS],
                "missingValues": [""],
            },
        },
        *(
            {"name": f"therapy-{t.id}", "path": f"therapies/{t.id}.json", "title": f"{t.name.value}: the structured data",
             "format": "json", "mediatype": "application/json", "encoding": "utf-8"}
            for t in library.therapies.values()
        ),
        {"name": "labels", "path": "labels.json", "title": "The one label of each fact, by its dotted path",
         "format": "json", "mediatype": "application/json", "encoding": "utf-8"},
        {"name": "therapy-schema", "path": "schema/therapy.json", "title": "JSON Schema of a therapy's data",
         "format": "json", "mediatype": "application/json", "encoding": "utf-8"},
        *(
            {"name": f"annotations-{Path(d).stem.lower().replace('.', '-')}", "path": f"annotations/{annotations.file_name(d)}",
             "title": f"The passages of {d} the book quotes, as W3C Web Annotations", "format": "jsonld",
             "mediatype": "application/ld+json", "encoding": "utf-8"}
            for d in documents
        ),
        *(
            {"name": f"source-{Path(d).stem.lower().replace('.', '-')}", "path": f"sources/{d}",
             "title": _source_title(library, d), "format": "txt", "mediatype": "text/plain", "encoding": "utf-8",
             **({"hash": f"sha256:{library.provenance[d].sha256}"} if d in library.provenance else {})}
            for d in documents
        ),
    ]
    return {
        "name": PACKAGE_NAME,
        "title": "CAR cell therapies: source-checked facts",
        "description": "Facts on CAR cell therapies, each with the verbatim passage of its source document that states it.",
        "version": __version__,
        "licenses": [LICENSE],
        "sources": [_source_entry(library, d) for d in documents],
        "resources": resources,
    }


def _source_title(library: Library, document: str) -> str:
    known = library.provenance.get(document)
    title = library.source_title(document)
    return f"{title} ({known.kind}{', ' + known.publisher if known.publisher else ''})" if known else f"Source document {document}"


def _source_entry(library: Library, document: str) -> dict[str, Any]:
    """Give a source's entry in the descriptor's ``sources``: its title, its path in the package, its version
    (the digest of the bytes the facts were checked against), where it is published and the copy's date."""
    known = library.provenance.get(document)
    entry: dict[str, Any] = {"title": _source_title(library, document), "path": f"sources/{document}"}
    if known:
        entry["version"] = known.version
        entry["retrieved"] = known.retrieved.isoformat()
        if known.address:
            entry["address"] = known.address
        if known.publisher:
            entry["publisher"] = known.publisher
        if known.fields:
            entry["fields"] = [{"prefix": credit.prefix, "credit": credit.credit} for credit in known.fields]
        if known.other_fields:
            entry["other_fields"] = known.other_fields
        if known.history:
            entry["earlier_versions"] = [{"version": f"sha256:{v.sha256}", "retrieved": v.retrieved.isoformat()}
                                         for v in known.history]
    return entry


def write_package(library: Library, folder: Path, pieces: Pieces | None = None) -> Path:
    """Write the data package into ``folder``; give the descriptor's path. Only the files whose content
    changed are written, and the files of therapies and sources the book no longer holds are removed.
    ``pieces``: the parts kept from the last build (each therapy's facts, file and annotations)."""
    pieces = pieces or none()
    documents = sorted({t.source for t in library.therapies.values()})
    written: set[str] = set()

    def put(name: str, text: str) -> None:  # each file as it is made: the package is never held whole in memory
        written.add(name)
        write_changed(folder / name, text)

    put("facts.csv", facts_csv(library, pieces))
    for therapy in library.therapies.values():
        changes = library.changes.get(therapy.id, [])

        def record(therapy: Therapy = therapy, changes: list = changes) -> str:
            data = therapy.model_dump(mode="json", exclude_none=True)
            if changes:  # the therapy's change log: each update of its source, each fact it touched
                data["changes"] = [change.model_dump(mode="json") for change in changes]
            return _compact(data)  # one per therapy

        inputs = (therapy.id, pieces.of(therapy), *(change.model_dump_json() for change in changes))
        written.add(name := f"therapies/{therapy.id}.json")
        pieces.file("therapy-json", inputs, folder / name, record)
    put("labels.json", _json(LABELS))
    put("schema/therapy.json", _json(Therapy.model_json_schema()))
    for document in documents:
        written.add(name := f"annotations/{annotations.file_name(document)}")
        pieces.file(  # compact: one per source document
            "annotations", sources.inputs(library, document, pieces), folder / name, lambda document=document: _compact(
                annotations.document_annotations(library, document, f"../sources/{document}")))
    put("datapackage.json", _compact(descriptor(library)))  # compact, as the files it lists: three for each therapy
    copies = {f"sources/{document}": library.sources[document].path for document in documents}
    for name, original in copies.items():
        path = folder / name
        if not path.is_file() or path.read_bytes() != original.read_bytes():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original, path)
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in written and name not in copies:
            path.unlink()  # a therapy or source the book no longer holds
    return folder / "datapackage.json"


def write_comparison(library: Library, folder: Path, pieces: Pieces | None = None) -> None:
    """Write what the comparison page's script loads into ``folder``: ``index.json`` (the therapies to choose
    from and the rows) and a file per therapy with its column (taken from ``pieces`` where the therapy, its
    source and its name are unchanged); a file whose content is unchanged is left as it is, and the file of
    a therapy no longer in the book is removed."""
    from carbook.pages import compare

    pieces = pieces or none()
    folder.mkdir(parents=True, exist_ok=True)
    names = compare.column_names(library)
    written: set[str] = set()

    def put(name: str, text: str) -> None:  # each file as it is made
        written.add(name)
        write_changed(folder / name, text)

    put("index.json", json.dumps(compare.index_json(library), ensure_ascii=False, separators=(",", ":")))
    for therapy in library.therapies.values():
        inputs = (therapy.id, names[therapy.id], pieces.of(therapy), pieces.of(library.source_of(therapy).text))
        written.add(name := f"{therapy.id}.json")
        pieces.file("comparison-column", inputs, folder / name,
                    lambda therapy=therapy: json.dumps(compare.column_json(library, therapy, names[therapy.id]),
                                                       ensure_ascii=False, separators=(",", ":")))
    for old in folder.glob("*.json"):
        if old.name not in written:
            old.unlink()


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _compact(data: Any) -> str:
    """Give ``data`` as JSON with no space: for the files the package has one of per therapy or source."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
