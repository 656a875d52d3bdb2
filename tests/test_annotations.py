"""Each passage the book quotes as a W3C Web Annotation: selectors that re-anchor in the source's bytes, the
published address as the target, and the reader's link to the passage in the original."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from carbook.data.load import load_library
from carbook.pages import annotations
from carbook.pages.chapter import Chapter
from carbook.pages.sources import used_sentences
from conftest import ROOT

LIBRARY = load_library(ROOT)
DOCUMENTS = sorted({t.source for t in LIBRARY.therapies.values()})


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_selector_re_anchors_once_in_the_source_bytes(document):
    text = (ROOT / "data/sources" / document).read_bytes().decode("utf-8")
    collection = annotations.document_annotations(LIBRARY, document, f"../sources/{document}")
    items = collection["first"]["items"]
    assert len(items) == collection["total"] == len(used_sentences(LIBRARY, document)) > 0
    for item in items:
        for target in [item["target"]]:
            quote, position = target["selector"]
            assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
            whole = quote["prefix"] + quote["exact"] + quote["suffix"]
            assert text.count(whole) == 1, quote
            at = text.index(whole) + len(quote["prefix"])
            assert (at, at + len(quote["exact"])) == (position["start"], position["end"])
            assert text[position["start"]:position["end"]] == quote["exact"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_passage_targets_the_published_address_in_the_state_of_the_books_copy(document):
    collection = annotations.document_annotations(LIBRARY, document, f"../sources/{document}")
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld" and collection["type"] == "AnnotationCollection"
    known = LIBRARY.provenance[document]
    for item in collection["first"]["items"]:
        published = item["target"]
        assert published["source"] == known.address
        assert published["state"] == {"type": "TimeState", "sourceDate": f"{known.retrieved.isoformat()}T00:00:00Z",
                                      "cached": f"../sources/{document}"}
        for body in item["body"]:
            page = body.removeprefix("../../").split("#")[0]
            assert (ROOT / page.replace(".html", ".md")).is_file(), body


def test_a_prefix_and_suffix_grow_until_a_repeated_quote_is_unique():
    text = "one two. the same words. three. the same words. four"
    start = text.rindex("the same words.")
    selector = annotations.quote_selector(text, start, start + len("the same words."))
    whole = selector["prefix"] + selector["exact"] + selector["suffix"]
    assert text.count(whole) == 1 and selector["exact"] == "the same words."


def test_a_text_fragment_gives_a_long_passage_by_its_first_and_last_words_encoded():
    fragment = annotations.text_fragment("Giving chemotherapy before a T cell infusion is called lymphodepletion, "
                                         "in this first-in-human study")
    start, end = fragment.removeprefix("#:~:text=").split(",")
    assert unquote(start) == "Giving chemotherapy before a" and unquote(end) == "in this first-in-human study"
    assert "-" not in start + end  # a hyphen would mark a prefix or suffix
    assert unquote(annotations.text_fragment("HEROS 3.0, a study").removeprefix("#:~:text=")) == "HEROS 3.0, a study"
    assert "," not in annotations.text_fragment("HEROS 3.0, a study").removeprefix("#:~:text=")


def test_each_passage_of_a_chapter_opens_at_its_place_in_the_original():
    chapter = Chapter("heros-3", LIBRARY)
    listing = str(chapter.source_passages())
    address = LIBRARY.provenance["baylor-heros-3.0.txt"].address
    assert listing.count("open at this passage in the original") == listing.count('<li id="p-') > 0
    assert f'href="{address}#:~:text=' in listing


def test_the_data_package_lists_the_annotations_of_each_source(built_book: Path):
    package = json.loads((built_book / "data/datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"] if r["path"].startswith("annotations/")}
    assert paths == {f"annotations/{annotations.file_name(d)}" for d in DOCUMENTS}
    for path in paths:
        collection = json.loads((built_book / "data" / path).read_text(encoding="utf-8"))
        assert collection["total"] > 0
        for item in collection["first"]["items"]:
            for body in item["body"]:
                target = (built_book / "data/annotations" / body.split("#")[0]).resolve()
                assert target.is_file(), body
            assert (built_book / "data/annotations" / item["target"]["state"]["cached"]).resolve().is_file()


def test_a_text_fragment_whose_opening_words_repeat_gives_the_words_before_it():
    fragment = annotations.text_fragment("The purpose of this study is to learn more", before="of the trial. See above.",
                                         unique=False)
    prefix, rest = fragment.removeprefix("#:~:text=").split("-,", 1)
    assert unquote(prefix) == "trial. See above." and unquote(rest) == "The purpose of this study is to learn more"
    assert "-," not in annotations.text_fragment("The purpose of this study", before="words before", unique=True)
