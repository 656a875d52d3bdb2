from pathlib import Path

import pytest

from carbook.records import RecordFormatError, parse_record

ROOT = Path(__file__).resolve().parents[1]


def test_nci_record_parses_into_its_twelve_fields_in_order():
    record = parse_record((ROOT / "data/sources/nci-ct-0525.txt").read_text(encoding="utf-8"))
    assert list(record)[:3] == ["drug_type", "intervention_type", "drug_description"]
    assert len(record) == 12
    assert record["nci_thesaurus_concept_id"] == "C205637"
    assert record["drug_name"] == "CT-0525"
    assert record["nct_id_drug_ref"] == "NCT06254807"
    assert record["drug_category"] == "CAR M"


def test_field_without_value_is_refused_with_its_line():
    with pytest.raises(RecordFormatError) as error:
        parse_record("drug_name\nCT-0525\ndrug_class\n")
    assert error.value.line == 3
    assert "'drug_class' has no value" in str(error.value)


def test_field_name_that_is_not_snake_case_is_refused():
    with pytest.raises(RecordFormatError, match="expected a field name"):
        parse_record("Drug Name\nCT-0525")


def test_repeated_field_is_refused():
    with pytest.raises(RecordFormatError, match="appears twice"):
        parse_record("drug_name\nA\ndrug_name\nB")
