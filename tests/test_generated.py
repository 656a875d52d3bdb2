"""The pages that list every therapy: generated without a kernel, from parts kept between builds, and
judged by what they show."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from carbook.sphinxext import publish
from carbook.sphinxext.generated import Texts, sections, substitutions_digest
from carbook.data import kept
from carbook.data.load import load_library
from carbook.pages import pieces as pieces_module
from carbook.pages import shared
from carbook.pages.pieces import Pieces
from conftest import build, copy_book

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library(ROOT)


def counting(value: str):
    calls = []

    def make() -> str:
        calls.append(value)
        return value
    return make, calls


def test_a_kept_part_is_taken_while_its_inputs_are_unchanged_and_made_again_when_they_change(tmp_path):
    first = Pieces(tmp_path)
    make, calls = counting("table A")
    assert first.get("table", ("therapy-a", "digest-1"), make) == "table A"
    first.save()

    again = Pieces(tmp_path)
    assert again.get("table", ("therapy-a", "digest-1"), make) == "table A"
    assert calls == ["table A"] and again.made == 0
    remade, remade_calls = counting("table A, edited")
    assert again.get("table", ("therapy-a", "digest-2"), remade) == "table A, edited"
    assert remade_calls == ["table A, edited"] and again.made == 1


def test_parts_kept_by_other_code_are_not_taken(tmp_path, monkeypatch):
    first = Pieces(tmp_path)
    first.get("table", ("x",), lambda: "old code's table")
    first.save()
    monkeypatch.setattr(kept, "code_digest", lambda: "another version of the package")
    assert Pieces(tmp_path).get("table", ("x",), lambda: "new code's table") == "new code's table"


def test_a_build_keeps_the_parts_of_kinds_it_did_not_ask_for(tmp_path):
    first = Pieces(tmp_path)
    first.get("fact-rows", ("a",), lambda: ["row"])
    first.get("table", ("a",), lambda: "table")
    first.save()
    second = Pieces(tmp_path)  # asks for tables only
    second.get("table", ("b",), lambda: "other table")
    second.save()
    third = Pieces(tmp_path)
    assert third.get("fact-rows", ("a",), lambda: ["made again"]) == ["row"]
    assert third.get("table", ("a",), lambda: "made again") == "made again"  # replaced by the one asked for


def test_pages_from_kept_parts_are_the_pages_made_afresh(tmp_path):
    library = dataclasses.replace(LIBRARY)
    afresh = (shared.comparison(library), publish.facts_csv(library))
    first = Pieces(tmp_path)
    assert (shared.comparison(library, first), publish.facts_csv(library, first)) == afresh
    first.save()
    kept = Pieces(tmp_path)
    assert (shared.comparison(library, kept), publish.facts_csv(library, kept)) == afresh
    assert kept.made == 0


def test_a_kept_file_is_written_again_only_when_its_inputs_or_the_file_itself_changed(tmp_path):
    path = tmp_path / "site/therapies/a.json"
    made = []

    def make(text):
        return lambda: made.append(text) or text

    first = Pieces(tmp_path)
    first.file("therapy-json", ("a", "1"), path, make("one"))
    first.save()
    assert path.read_text(encoding="utf-8") == "one"
    second = Pieces(tmp_path)
    second.file("therapy-json", ("a", "1"), path, make("not made"))  # same inputs, file untouched: left alone
    second.save()
    assert made == ["one"] and second.made == 0
    assert b"one" not in (tmp_path / pieces_module.PIECES).read_bytes(), "a kept file's text was kept, not its size and time"
    path.write_text("changed by hand", encoding="utf-8")
    third = Pieces(tmp_path)
    third.file("therapy-json", ("a", "1"), path, make("one"))  # the file changed since: made and written again
    assert path.read_text(encoding="utf-8") == "one"
    third.file("therapy-json", ("a", "2"), path, make("two"))  # other inputs: made again
    assert path.read_text(encoding="utf-8") == "two" and made == ["one", "one", "two"]


def test_a_page_digest_changes_with_what_its_sections_show_and_with_the_substitutions(tmp_path):
    one = dataclasses.replace(LIBRARY, therapies={"heros-3": LIBRARY.therapies["heros-3"]})
    everything = Texts(lambda: LIBRARY, lambda: Pieces(tmp_path))
    fewer = Texts(lambda: one, lambda: Pieces(tmp_path))
    substitutions = substitutions_digest({"therapy_count": "2"})
    assert everything.digest(["comparison"], substitutions) != fewer.digest(["comparison"], substitutions)
    assert everything.digest(["glossary"], substitutions) == fewer.digest(["glossary"], substitutions)
    assert everything.digest([], substitutions) != everything.digest([], substitutions_digest({"therapy_count": "1"}))


def test_every_section_gives_myst_text_for_the_library():
    kept = pieces_module.none()
    for name, section in sections().items():
        text = section(LIBRARY, kept)
        assert isinstance(text, str) and text.strip(), name


@pytest.mark.build
def test_a_block_naming_no_section_fails_the_build_saying_where_and_which_sections_there_are(tmp_path):
    root = copy_book(tmp_path / "book")
    page = root / "book/comparison.md"
    text = page.read_text(encoding="utf-8")
    assert "```{carbook} comparison\n" in text
    page.write_text(text.replace("```{carbook} comparison\n", "```{carbook} comparisons\n"), encoding="utf-8")
    line = text[:text.index("```{carbook} comparison")].count("\n") + 1

    result = build(root)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"book/comparison.md:{line}" in output
    assert "no section 'comparisons'" in output and "comparison, downloads, glossary" in output
    assert "Traceback" not in output
