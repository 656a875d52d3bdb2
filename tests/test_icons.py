"""The theme's icons reach the reader drawn in the page: no icon script, font or image file."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from carbook.sphinxext import icons

THEME_SWITCH = '<i class="theme-switch fa-solid fa-moon fa-lg" data-mode="dark" title="Dark"></i>'


def test_an_icon_becomes_inline_svg_that_keeps_its_classes_and_attributes():
    svg = icons.draw(f"<button>{THEME_SWITCH}</button>")
    view_box, path = icons.ICONS["moon"]
    assert svg == (f'<button><svg class="theme-switch fa-solid fa-moon fa-lg" data-mode="dark" title="Dark" '
                   f'viewBox="{view_box}" fill="currentColor" aria-hidden="true" focusable="false">'
                   f'<path d="{path}"/></svg></button>')


def test_span_and_fas_icons_are_drawn_and_other_elements_are_left_alone():
    html = ('<span class="fa-solid fa-bars"></span><i class="fas fa-file-pdf"></i>'
            '<i class="emphasis">fa-bars</i><span class="fa-solid fa-list">text</span>')
    drawn = icons.draw(html)
    assert drawn.count("<svg ") == 2
    assert f'<path d="{icons.ICONS["bars"][1]}"/>' in drawn and f'<path d="{icons.ICONS["file-pdf"][1]}"/>' in drawn
    assert drawn.endswith('<i class="emphasis">fa-bars</i><span class="fa-solid fa-list">text</span>')


def test_a_shape_a_page_draws_twice_is_written_once_and_both_drawings_use_it():
    search = '<i class="fa-solid fa-magnifying-glass"></i>'
    chevron = '<svg class="sd-octicon" viewBox="0 0 24 24"><path d="M8.7 18.8l5.7-6.8z"></path></svg>'
    drawn = icons.draw(f'<html><body class="x"><header>{search}</header><form>{search}</form>{THEME_SWITCH}'
                       f'<details>{chevron}</details><details>{chevron}</details></body></html>')
    path = icons.ICONS["magnifying-glass"][1]
    assert drawn.count(path) == 1 and drawn.count('<use href="#cb-shape-magnifying-glass"/>') == 2
    assert drawn.count("M8.7 18.8l5.7-6.8z") == 1 and drawn.count('<use href="#cb-shape-1"/>') == 2
    assert drawn.startswith(f'<html><body class="x">\n<svg aria-hidden="true" style="display:none"><defs>'
                            f'<path id="cb-shape-magnifying-glass" d="{path}"/><path id="cb-shape-1" d="M8.7 18.8l5.7-6.8z"/>'
                            f'</defs></svg><header>')
    assert f'<path d="{icons.ICONS["moon"][1]}"/>' in drawn  # drawn once: where it is


def test_the_indentation_of_a_template_is_cut_but_not_what_a_page_shows_verbatim():
    from carbook.sphinxext import whitespace

    html = '<div>\n    <p>a\n      b</p>  \n\n  <pre>x\n    y\n\n</pre>\n  <script>\n  let a = 1;\n</script>\n</div>'
    assert whitespace.collapse(html) == '<div>\n<p>a\nb</p>\n<pre>x\n    y\n\n</pre>\n<script>\n  let a = 1;\n</script>\n</div>'


def test_an_icon_without_a_shape_is_refused_with_its_name():
    with pytest.raises(icons.UnknownIcon, match="^xmark$"):
        icons.draw('<i class="fa-solid fa-xmark fa-lg"></i>')


def test_a_page_with_an_icon_without_a_shape_warns_with_the_page_and_how_to_add_it(caplog):
    templates = icons.IconTemplates()
    templates.environment = SimpleNamespace(
        get_template=lambda name: SimpleNamespace(render=lambda context: '<i class="fa-solid fa-xmark"></i>'))
    with caplog.at_level(logging.WARNING):
        output = templates.render("page.html", {"pagename": "book/intro"})
    assert output == '<i class="fa-solid fa-xmark"></i>'
    assert "book/intro" in caplog.text and "fa-xmark" in caplog.text and "ICONS in src/carbook/sphinxext/icons.py" in caplog.text


def test_every_page_of_the_built_book_has_its_icons_drawn_and_no_icon_element_left(built_book: Path):
    pages = sorted(built_book.rglob("*.html"))
    left = [page.relative_to(built_book).as_posix() for page in pages
            if icons.ICON_ELEMENT.search(page.read_text(encoding="utf-8"))]
    assert not left, f"icon elements not drawn in {left}"
    chapter = (built_book / "book" / "therapies" / "heros-3.html").read_text(encoding="utf-8")
    drawn = re.findall(r'<svg class="([^"]*)"', chapter)
    assert any("fa-bars" in cls for cls in drawn) and any("theme-switch" in cls for cls in drawn), drawn
