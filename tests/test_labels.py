"""One name per fact: chapters, comparison, introduction, facts.csv and labels.json agree."""

from __future__ import annotations

import json
from pathlib import Path

from carbook.pages import compare
from carbook.pages import shared as pages
from carbook.sphinxext import publish
from carbook.pages import tables
from carbook.pages.labels import LABELS, label
from carbook.data.load import load_library

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)


def test_every_row_of_every_chapter_uses_the_registry_label_of_its_path():
    for therapy in LIBRARY.therapies.values():
        for _, row in tables.all_rows(therapy, LIBRARY.source_of(therapy)):
            if not row.path.startswith("record_fields."):
                assert row.label == label(row.path), row.path


def test_comparison_and_introduction_use_the_registry_labels():
    assert [lbl for lbl, _ in compare.FACETS] == [label(path) for path in compare.FACET_PATHS]
    overview = pages.overview(LIBRARY)
    header = next(line for line in overview.splitlines() if line.startswith("| "))  # the table's header row
    assert label("modality") in header and label("cell_type") in header


def test_facts_csv_labels_match_the_registry_and_the_published_labels(tmp_path):
    rows = publish.fact_rows(LIBRARY)
    for row in rows:
        if not row["path"].startswith("record_fields."):
            assert row["fact"] == label(row["path"])
    publish.write_package(LIBRARY, tmp_path / "data")
    assert json.loads((tmp_path / "data" / "labels.json").read_text(encoding="utf-8")) == LABELS


def test_a_fact_has_one_label_on_one_page():
    # CAR M (drug_category) is the record's field only, not also the modality
    ct = LIBRARY.therapies["ct-0525"]
    labels_of_car_m = {row.label for _, row in tables.all_rows(ct, LIBRARY.source_of(ct)) if row.value == "CAR M"}
    assert labels_of_car_m == {"Record field drug_category"}


def test_no_package_folder_is_named_like_generated_output():
    package = Path(__file__).resolve().parents[1] / "src/carbook"
    named = [p.name for p in package.rglob("*") if p.is_dir() and p.name in ("build", "dist", "out", "output", "_build")]
    assert named == []
