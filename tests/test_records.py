import re
from pathlib import Path

import pytest

from carbook.data.records import (KNOWN_FIELDS, MAX_DEBRIS_LINES, ParsedRecord, RecordFormatError, detect_format, is_placeholder,
                                  known_field_lines, parse_record, read_record, record_notes)
from carbook.data.sources import read_source

ROOT = Path(__file__).resolve().parents[1]


def test_nci_record_parses_into_its_twelve_fields_in_order():
    record = parse_record((ROOT / "data/sources/cytotargetdb-ct-0525.txt").read_text(encoding="utf-8"))
    assert list(record)[:3] == ["drug_type", "intervention_type", "drug_description"]
    assert len(record) == 12
    assert record["nci_thesaurus_concept_id"] == "C205637"
    assert record["drug_name"] == "CT-0525"
    assert record["nct_id_drug_ref"] == "NCT06254807"
    assert record["drug_category"] == "CAR M"


def test_a_field_name_with_no_value_at_the_very_end_reads_as_an_empty_field_with_its_line():
    record = read_record("drug_name\nCT-0525\ndrug_class\n")
    assert record.fields == {"drug_name": "CT-0525", "drug_class": ""}
    assert record.empty == ["drug_class"] and record.name_lines["drug_class"] == 3
    assert "drug_class" not in record.value_lines and record.last_line == 3


def test_field_name_that_is_not_snake_case_is_refused():
    with pytest.raises(RecordFormatError, match="expected a field name"):
        parse_record("Drug Name\nCT-0525")


def test_a_repeated_field_keeps_both_values_the_first_as_the_field():
    record = read_record("drug_name\nA\ndrug_class\nCellular Therapy\ndrug_name\nB")
    assert record.fields == {"drug_name": "A", "drug_class": "Cellular Therapy"}
    assert [(f.name, f.value, f.name_line, f.value_line) for f in record.repeated] == [("drug_name", "B", 5, 6)]
    assert record.last_line == 6


# --- page debris around the fields ---------------------------------------------------------------

FIXTURES = ROOT / "tests/fixtures/records"
CT_FIELDS = list(parse_record((ROOT / "data/sources/cytotargetdb-ct-0525.txt").read_text(encoding="utf-8")))


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def skipped(record: ParsedRecord) -> list[tuple[int, str]]:
    return [(line.number, line.text) for line in record.skipped]


def test_debris_before_the_first_field_is_skipped_and_reported_with_its_line():
    record = read_record(fixture("examplecel-car-t.txt"))
    assert skipped(record) == [(1, "Skip to main content")]
    assert list(record.fields)[0] == "drug_type" and record.name_lines["drug_type"] == 2
    assert record.fields["drug_name"] == "Examplecel"


def test_debris_before_and_after_the_fields_is_skipped_blank_lines_aside():
    record = read_record(fixture("sampleucel-car-nk.txt"))
    assert skipped(record) == [(1, "Skip to main content"), (28, "Back to top"), (29, "back-to-top")]
    assert record.first_line == 3 and record.last_line == 26
    assert record.fields["nct_id_drug_ref"] == "NCT09990202"


def test_the_record_keeps_the_line_of_each_field_and_value_in_the_file():
    text = fixture("mockacel-car-t.txt")
    record = read_record(text)
    lines = text.split("\n")
    for name, value in record.fields.items():
        assert lines[record.name_lines[name] - 1] == name
        assert lines[record.value_lines[name] - 1].strip() == value


def test_parse_record_gives_the_fields_of_a_record_with_debris_and_the_file_is_not_edited(tmp_path: Path):
    path = tmp_path / "record.txt"
    path.write_bytes((FIXTURES / "sampleucel-car-nk.txt").read_bytes())
    before = path.read_bytes()
    source = read_source(path, "record")
    assert source.record["drug_name"] == "Sampleucel"
    assert [line.number for line in source.parsed_record.skipped] == [1, 28, 29]
    assert path.read_bytes() == before and source.text == before.decode("utf-8")


def test_a_clean_record_gives_the_same_fields_as_before_and_skips_nothing():
    text = (ROOT / "data/sources/cytotargetdb-ct-0525.txt").read_text(encoding="utf-8")
    assert read_record(text).skipped == ()
    assert read_record(text).fields == parse_record(text)


def test_a_broken_line_inside_the_record_is_refused_at_its_own_line_not_taken_as_debris():
    text = "Skip to main content\n\ndrug_name\nExamplecel\nDrug Class\nCellular Therapy\ndrug_delivery_route\nIntravenous\n"
    with pytest.raises(RecordFormatError) as error:
        read_record(text)
    assert error.value.line == 5
    assert "found 'Drug Class'" in str(error.value)


def test_a_field_without_value_after_debris_reads_as_empty_at_its_own_line():
    record = read_record("Skip to main content\ndrug_name\nExamplecel\r\ndrug_class\r\n")
    assert record.fields == {"drug_name": "Examplecel", "drug_class": ""}
    assert record.name_lines["drug_class"] == 4


def test_line_numbers_count_only_real_line_breaks():
    # U+2028 LINE SEPARATOR inside a value is not a line break for an editor, nor for the record
    record = read_record("drug_name\nExample\u2028cel\ndrug_class\nCellular Therapy")
    assert record.fields["drug_name"] == "Example\u2028cel" and record.name_lines["drug_class"] == 3


def test_long_or_many_lines_before_the_first_field_are_not_debris():
    prose = "This page describes a made-up therapy at some length, in a sentence far longer than any page debris.\n"
    with pytest.raises(RecordFormatError, match="expected a field name"):
        read_record(prose + "drug_name\nExamplecel\n")
    many = "".join(f"Menu item {n}\n" for n in range(MAX_DEBRIS_LINES + 1))
    with pytest.raises(RecordFormatError, match=f"at most {MAX_DEBRIS_LINES} short lines") as error:
        read_record(many + "drug_name\nExamplecel\n")
    assert error.value.line == 1


def test_prose_is_not_a_record():
    with pytest.raises(RecordFormatError, match="no line of the document is a field name"):
        read_record((ROOT / "data/sources/baylor-heros-3.0.txt").read_text(encoding="utf-8"))
    with pytest.raises(RecordFormatError, match="empty"):
        read_record("\n  \n")


# --- record or prose, and why --------------------------------------------------------------------


def test_a_record_with_debris_is_detected_as_a_record_naming_the_lines_skipped():
    guess = detect_format(fixture("sampleucel-car-nk.txt"))
    assert guess.format == "record"
    assert guess.reason == ("a field/value record: 12 fields, lines 3 to 26; skipped 1 line of page debris before the "
                            "first field: line 1 “Skip to main content”; skipped 2 lines of page debris after the last "
                            "field: line 28 “Back to top”, line 29 “back-to-top”")
    assert [line.number for line in guess.skipped] == [1, 28, 29]
    format, reason, lines = guess  # unpacks as (format, reason, skipped_lines)
    assert (format, lines) == ("record", guess.skipped)


def test_a_study_page_is_detected_as_prose_with_the_line_that_is_not_a_field():
    guess = detect_format((ROOT / "data/sources/baylor-heros-3.0.txt").read_text(encoding="utf-8"))
    assert guess.format == "text" and guess.skipped == ()
    assert "line 1: expected a field name" in guess.reason and "'Baylor College of Medicine'" in guess.reason


def test_a_clean_record_is_detected_as_a_record_with_nothing_skipped():
    guess = detect_format((ROOT / "data/sources/cytotargetdb-ct-0525.txt").read_text(encoding="utf-8"))
    assert guess == ("record", "a field/value record: 12 fields, lines 1 to 24", ())


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_every_made_up_record_is_detected_as_a_record(name: str):
    assert detect_format(fixture(name)).format == "record"


# --- placeholders --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "NCI thesaurus definition not available.", "Not available", "N/A", "n/a", "NA", "None", "Unknown", "-", "—", "",
    "Definition is not available", "No definition available.", "Preferred term not provided", "TBD",
])
def test_placeholder_values_are_recognised(value: str):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", [
    "Intravenous", "CAR NK", "Cellular Therapy", "C9990202", "Killer Cells, Natural",
    "Not available outside the trial in Europe", "Upon CAR engagement of the target antigen (not disclosed), the cells lyse",
    "A preparation of autologous T lymphocytes genetically modified to express a chimeric antigen receptor (CAR).",
])
def test_values_that_state_something_are_not_placeholders(value: str):
    assert not is_placeholder(value)


# --- the made-up records show the quirks of real ones --------------------------------------------


def records() -> dict[str, dict[str, str]]:
    return {p.name: parse_record(p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.txt"))}


def test_the_made_up_records_use_the_field_names_of_the_real_record_and_describe_nothing_real():
    for name, record in records().items():
        assert set(record) <= set(CT_FIELDS) | {"drug_mesh_term"}, name
        assert re.fullmatch(r"NCT0999\d{4}", record["nct_id_drug_ref"]), name
        if "nci_thesaurus_concept_id" in record:
            assert re.fullmatch(r"C999\d+", record["nci_thesaurus_concept_id"]), name
        assert {"drug_type", "intervention_type", "drug_name"} <= set(record), name


def test_the_made_up_records_cover_the_quirks_of_real_records():
    found = records()
    texts = {p.name: p.read_text(encoding="utf-8") for p in FIXTURES.glob("*.txt")}
    categories = {record["drug_category"] for record in found.values()}
    assert categories == {"CAR T", "CAR NK"}
    assert sum(1 for text in texts.values() if text.startswith("Skip to main content")) >= 3
    assert any(read_record(text).skipped and read_record(text).last_line < len(text.strip().split("\n")) for text in texts.values())
    assert [r["drug_name"] for r in found.values()].count("CAR T-cell therapy") == 2
    code_without_term = [n for n, r in found.items() if "nci_thesaurus_concept_id" in r and "nci_thesaurus_preferred_term" not in r]
    assert code_without_term == ["sampleucel-car-nk.txt"]
    assert is_placeholder(found["sampleucel-car-nk.txt"]["nci_thesaurus_definition"])
    missing = [n for n, r in found.items() if "nci_thesaurus_concept_id" not in r]
    assert missing == ["generic-car-t-autologous.txt"]
    every = "\n".join(texts.values())
    for quirk in ("\u2011", "Gene\u2011modified", "CAR\u2011NK", "0.5–3×10^9 CAR-positive natural killer (NK) cells",
                  "~1–2×10^6 cells/kg", "(e.g., CD28 or 4-1BB)", "(often targeting CD19)",
                  "the target antigen (not disclosed)", "a tumor-associated antigen", "allogeneic", "autologous"):
        assert quirk in every, quirk


# --- records in whatever shape they come -----------------------------------------------------------

SHAPES = FIXTURES / "shapes"


def shape(name: str) -> str:
    """A made-up record of tests/fixtures/records/shapes/, decoded as the importer decodes it (BOM and CR kept)."""
    return (SHAPES / name).read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", sorted(p.name for p in SHAPES.glob("*.txt")))
def test_no_record_shape_is_read_as_prose(name: str):
    guess = detect_format(shape(name))
    assert guess.format == "record", guess.reason


def test_an_empty_field_followed_by_the_next_field_name_and_back_to_top_after_the_last_field():
    record = read_record(shape("orderucel-car-nk.txt"))
    assert record.fields["drug_mesh_term"] == "" and record.empty == ["drug_mesh_term"]
    assert record.name_lines["drug_mesh_term"] == 21 and record.name_lines["drug_name"] == 22
    assert record.fields["drug_name"] == "Orderucel" and record.fields["nct_id_drug_ref"] == "NCT09990707"
    assert [(line.number, line.text, line.reason) for line in record.skipped] == [
        (26, "Back to top", "page debris after the last field")]


def test_fields_in_any_order_and_an_empty_field_at_the_very_end():
    record = read_record(shape("shuffleucel-car-t.txt"))
    assert list(record.fields)[:3] == ["drug_name", "nct_id_drug_ref", "drug_category"]
    assert list(record.fields)[-1] == "drug_mesh_term" and record.empty == ["drug_mesh_term"]
    assert record.last_line == record.name_lines["drug_mesh_term"] == 23
    assert [(line.number, line.reason) for line in record.skipped] == [(1, "page debris before the first field")]


def test_a_field_given_twice_keeps_both_and_says_so_with_both_lines():
    record = read_record(shape("twiceucel-car-t.txt"))
    assert record.fields["drug_mesh_term"] == "Receptors, Chimeric Antigen"
    assert [(f.name, f.value, f.name_line) for f in record.repeated] == [("drug_mesh_term", "T-Lymphocytes", 19)]
    assert ("drug_mesh_term is given twice (lines 11 and 19): both are kept; the data takes the first and shows the "
            "second, “T-Lymphocytes”, as also stated") in record_notes(record)


def test_back_to_top_run_together_with_its_link_text_is_skipped():
    record = read_record(shape("twiceucel-car-t.txt"))
    assert [(line.number, line.text) for line in record.skipped] == [(25, "Back to topback-to-top")]


def test_fields_the_importer_does_not_know_are_kept_and_reported():
    record = read_record(shape("unknownucel-car-m.txt"))
    assert record.unknown == ["drug_developer", "drug_synonym"]
    assert record.fields["drug_developer"] == "Example Biologics, a made-up company"
    assert "drug_synonym (line 21) is not a field the importer knows: kept, and shown on the chapter as a field of the record" \
        in record_notes(record)
    assert set(record.fields) - set(record.unknown) <= KNOWN_FIELDS


def test_an_unknown_field_right_after_an_empty_field_is_a_field_not_a_value():
    record = read_record("drug_name\nExamplecel\ndrug_class\ndrug_developer\nExample Biologics\n")
    assert record.fields == {"drug_name": "Examplecel", "drug_class": "", "drug_developer": "Example Biologics"}


def test_a_lower_case_one_word_value_stays_a_value():
    record = read_record("drug_delivery_route\nintravenous\ndrug_name\nExamplecel\n")
    assert record.fields == {"drug_delivery_route": "intravenous", "drug_name": "Examplecel"}


def test_a_page_link_where_a_value_would_be_leaves_the_field_empty_and_is_skipped_with_its_reason():
    record = read_record("drug_name\nExamplecel\ndrug_class\nBack to top\ndrug_delivery_route\nIntravenous\n")
    assert record.fields == {"drug_name": "Examplecel", "drug_class": "", "drug_delivery_route": "Intravenous"}
    assert [(line.number, line.text) for line in record.skipped] == [(4, "Back to top")]
    assert "so the field before it is empty" in record.skipped[0].reason
    last = read_record("drug_name\nExamplecel\nnct_id_drug_ref\n\nBack to top\n")
    assert last.fields["nct_id_drug_ref"] == "" and [line.number for line in last.skipped] == [5]


def test_a_byte_order_mark_and_crlf_line_ends_are_read_past_and_said():
    text = shape("bomucel-car-nk.txt")
    assert text.startswith("\ufeffSkip to main content\r\n")
    record = read_record(text)
    assert record.fields["drug_type"] == "RELEVANT_DRUG" and record.name_lines["drug_type"] == 2
    assert [(line.number, line.text) for line in record.skipped] == [(1, "Skip to main content"), (22, "Back to topback-to-top")]
    assert all("\r" not in value and "\ufeff" not in value for value in record.fields.values())
    notes = record_notes(record)
    assert "line 1 starts with a byte-order mark (U+FEFF): read past it; the stored copy keeps it" in notes
    assert "the lines end in CR LF (Windows line ends): read as line breaks; the stored copy keeps them" in notes


def test_non_breaking_hyphens_in_values_are_kept_as_written():
    record = read_record(shape("bomucel-car-nk.txt"))
    assert record.fields["intervention_type"] == "Gene\u2011modified allogeneic cellular immunotherapy"
    assert "anti\u2011CD38" in record.fields["drug_description"]


def test_every_skipped_line_is_named_with_its_number_and_reason():
    notes = record_notes(read_record(shape("bomucel-car-nk.txt")))
    assert notes[:2] == ["skipped line 1 “Skip to main content”: page debris before the first field",
                         "skipped line 22 “Back to topback-to-top”: page debris after the last field"]


def test_quotes_match_a_source_with_a_byte_order_mark_and_crlf_and_show_its_own_characters(tmp_path: Path):
    path = tmp_path / "record.txt"
    path.write_bytes((SHAPES / "bomucel-car-nk.txt").read_bytes())
    source = read_source(path, "record")
    assert source.record["drug_name"] == "Bomucel"
    typed = "Gene-modified allogeneic cellular immunotherapy"  # as an editor types it, with a plain hyphen
    assert source.contains(typed) and source.verbatim(typed) == "Gene\u2011modified allogeneic cellular immunotherapy"
    assert source.contains("Intravenous drug_mechanism_of_action")  # a CR LF is whitespace like any line break
    assert not source.contains("\ufeff")
    assert path.read_bytes() == (SHAPES / "bomucel-car-nk.txt").read_bytes()


def test_a_record_read_in_the_middle_still_fails_at_its_line_and_still_reads_like_a_record():
    text = "drug_name\nExamplecel\nDrug Class\nCellular Therapy\ndrug_delivery_route\nIntravenous\n"
    assert detect_format(text).format == "text" and "line 3" in detect_format(text).reason
    assert known_field_lines(text) == 2
    assert known_field_lines((ROOT / "data/sources/baylor-heros-3.0.txt").read_text(encoding="utf-8")) == 0
