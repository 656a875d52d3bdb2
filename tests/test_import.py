"""Importing real-world field/value records with `carbook new`: a complete data file that builds at once,
states nothing the record does not, and leaves to the editor only what needs judgement."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from carbook.data.importer import import_record
from carbook.data.load import check_library
from carbook.data.facts import Fact, value_in_quote
from carbook.data.sources import read_source
from carbook.scaffold import ScaffoldError, new_therapy
from conftest import build, copy_book

FIXTURES = Path(__file__).parent / "fixtures" / "records"
RECORDS = sorted(FIXTURES.glob("*.txt"))


def carbook(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "carbook", *args], cwd=root, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def imported_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the book with every test record imported by `carbook new`."""
    root = copy_book(tmp_path_factory.mktemp("imported"))
    for record in RECORDS:
        result = carbook(root, "new", record.stem, "--source", str(record))
        assert result.returncode == 0, result.stderr
    return root


def test_new_says_which_format_it_chose_and_which_debris_lines_it_skipped(tmp_path):
    root = copy_book(tmp_path)
    result = carbook(root, "new", "sampleucel-car-nk", "--source", str(FIXTURES / "sampleucel-car-nk.txt"))
    assert "read as a field/value record" in result.stdout
    assert "line 1 “Skip to main content”" in result.stdout and "line 28 “Back to top”" in result.stdout
    assert (root / "data/sources/sampleucel-drug-record.txt").read_bytes() == (FIXTURES / "sampleucel-car-nk.txt").read_bytes()
    assert "stored as data/sources/sampleucel-drug-record.txt (named from the record's product, “Sampleucel”)" in result.stdout


def test_a_record_is_stored_under_its_drug_name_and_the_kind_of_document_never_its_scratch_name(tmp_path):
    root = copy_book(tmp_path / "book")
    scratch = tmp_path / "download (3).txt"
    scratch.write_bytes((FIXTURES / "demoleucel-car-nk.txt").read_bytes())
    written = new_therapy(root, "demoleucel", scratch)
    assert written[0] == root / "data/sources/demoleucel-drug-record.txt"
    assert written[0].read_bytes() == scratch.read_bytes()
    assert "source: demoleucel-drug-record.txt" in (root / "data/therapies/demoleucel.yaml").read_text(encoding="utf-8")


def test_the_name_argument_names_the_stored_source(tmp_path):
    root = copy_book(tmp_path / "book")
    written = new_therapy(root, "demoleucel", FIXTURES / "demoleucel-car-nk.txt", name="demoleucel-record-2026.txt")
    assert written[0].name == "demoleucel-record-2026.txt"


def test_two_records_of_one_generic_name_in_different_trials_get_two_sources(tmp_path):
    root = copy_book(tmp_path / "book")
    first = new_therapy(root, "generic-auto", FIXTURES / "generic-car-t-autologous.txt")[0]
    second = new_therapy(root, "generic-allo", FIXTURES / "generic-car-t-allogeneic.txt")[0]
    assert (first.name, second.name) == ("car-t-cell-therapy-drug-record.txt", "car-t-cell-therapy-nct09990404-drug-record.txt")


def test_a_record_that_repeats_a_therapy_of_the_book_is_refused_naming_both_files(tmp_path):
    root = copy_book(tmp_path / "book")
    new_therapy(root, "demoleucel", FIXTURES / "demoleucel-car-nk.txt")
    again = tmp_path / "demoleucel-again.txt"
    again.write_bytes(b"Skip to main content\n" + (FIXTURES / "demoleucel-car-nk.txt").read_bytes())
    with pytest.raises(ScaffoldError) as error:
        new_therapy(root, "demoleucel-2", again)
    message = str(error.value)
    assert str(again) in message and "data/sources/demoleucel-drug-record.txt" in message
    assert "NCT09990505" in message and "“Demoleucel”" in message
    assert not (root / "data/therapies/demoleucel-2.yaml").exists()


def test_every_imported_record_passes_check_with_only_a_short_to_do(imported_book):
    result = carbook(imported_book, "check")
    assert result.returncode == 0, result.stdout
    todo = [line for line in result.stdout.splitlines()
            if line.startswith("data/therapies/") and ": to do: " in line and ": to do: glossary:" not in line]
    assert len(todo) <= 3 * len(RECORDS)  # the import's own, besides the glossary entries their new terms ask for
    assert "All data files are valid." in result.stdout


def test_no_field_the_record_has_is_retyped(imported_book):
    library, _ = check_library(imported_book)
    for record in RECORDS:
        text = (imported_book / f"data/therapies/{record.stem}.yaml").read_text(encoding="utf-8")
        therapy = library.therapies[record.stem]
        assert "record_field: drug_name" in text or therapy.name.record_field
        if "nct_id_drug_ref" in library.source_of(therapy).record:
            assert therapy.trial.nct_id.record_field == "nct_id_drug_ref"


def test_generic_and_example_wording_never_becomes_a_fact():
    autologous = import_record("g", read_source(FIXTURES / "generic-car-t-autologous.txt", "record")).data
    assert "not_stated" in autologous["target_antigen"]  # "(often targeting CD19)" is no target
    example = import_record("e", read_source(FIXTURES / "examplecel-car-t.txt", "record")).data
    assert "not_stated" in example["car_components"]  # "(e.g., CD28 or 4-1BB)" names no component of this product


def test_an_undisclosed_target_is_a_gap_in_the_records_own_words():
    data = import_record("s", read_source(FIXTURES / "sampleucel-car-nk.txt", "record")).data
    assert "not_stated" in data["target_antigen"]
    assert "(not disclosed)" in data["target_antigen"]["nearby"]


def test_a_code_without_a_term_and_a_placeholder_definition_stand_on_their_own():
    data = import_record("s", read_source(FIXTURES / "sampleucel-car-nk.txt", "record")).data
    concept = data["nci_concept"]
    assert concept["code"]["record_field"] == "nci_thesaurus_concept_id"
    assert "not_stated" in concept["preferred_term"] and "not_stated" in concept["definition"]
    assert any("placeholder" in item["reason"] for item in data["not_used"])


def test_dose_ranges_and_per_kg_doses_keep_their_numbers_and_units():
    nk = import_record("s", read_source(FIXTURES / "sampleucel-car-nk.txt", "record")).data["regimen"]["dose"]
    assert (nk[0]["value"], nk[0]["high"]) == (0.5, 3) and "CAR-positive natural killer (NK) cells" in nk[0]["unit"]
    per_kg = import_record("e", read_source(FIXTURES / "examplecel-car-t.txt", "record")).data["regimen"]["dose"]
    assert (per_kg[0]["value"], per_kg[0]["high"], per_kg[0]["approximate"]) == (1, 2, True)
    assert per_kg[0]["unit"].endswith("cells/kg")


def test_a_bound_is_not_read_as_a_dose():
    data = import_record("m", read_source(FIXTURES / "mockacel-car-t.txt", "record"))
    assert "not_stated" in data.data["regimen"]["dose"]
    assert any("regimen.dose" in item for item in data.review)


@pytest.mark.build
def test_imported_records_build_into_chapters_comparison_and_facts_stating_only_what_the_records_state(imported_book):
    result = build(imported_book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = imported_book / "_build" / "html"
    library, _ = check_library(imported_book)
    # the comparison shows the first therapy of each modality, and offers every one to choose
    choices = json.loads((html / "book/comparison/index.json").read_text(encoding="utf-8"))["therapies"]
    for record in RECORDS:
        chapter = (html / f"book/therapies/{record.stem}.html").read_text(encoding="utf-8")
        assert "Not stated in the source" in chapter
        assert record.stem in [therapy_id for therapy_id, _, _ in choices]
        assert (html / f"book/comparison/{record.stem}.json").is_file()
    # two records share the generic name "CAR T-cell therapy": the comparison tells them apart
    assert sum(name.startswith("CAR T-cell therapy · NCT") for _, name, _ in choices) == 2
    # the non-breaking hyphen of the record is on the page as the record writes it
    assert "CAR‑NK" in (html / "book/therapies/sampleucel-car-nk.html").read_text(encoding="utf-8")
    with (html / "data/facts.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["therapy"] in {r.stem for r in RECORDS}]
    stated = [row for row in rows if row["stated"] == "true"]
    assert stated
    for row in stated:
        source = library.sources[row["source_document"]]
        assert source.contains(row["quote"]), row
        try:
            fact = library.therapies[row["therapy"]].fact_at(row["path"])
        except LookupError:
            fact = None  # a record field shown as it is, or a row made of several facts
        if row["path"] == "regimen.order":
            fact = None  # the row names the stated stages in the order its quote gives them
        if isinstance(fact, Fact) and not fact.paraphrase:
            assert value_in_quote(row["value"], row["quote"]), row
