"""A page's first styles: the rules its head carries are those its first paint needs, read from its markup."""

from __future__ import annotations

from carbook.sphinxext import first_paint, stylesheets, unused_css

MENU = ('<div class="dropdown"><button class="btn">Download</button>'
        '<ul class="dropdown-menu"><li><a class="dropdown-item" href="#">.md</a></li></ul></div>')


def test_what_a_closed_menu_or_dialog_holds_is_not_shown_but_the_element_closing_it_is():
    markup = first_paint.read(f'<p class="lead">x</p>{MENU}<dialog id="search"><form class="bd-search"></form></dialog>'
                              '<dialog open><p class="note">y</p></dialog><div hidden><span class="later">z</span></div>'
                              '<div class="visually hidden" title="open"><b class="kept">k</b></div>')
    shown = {(e.name, *sorted(e.classes)) for e in markup.shown}
    assert {("p", "lead"), ("ul", "dropdown-menu"), ("dialog",), ("p", "note"), ("div",), ("b", "kept")} <= shown
    assert not {("a", "dropdown-item"), ("form", "bd-search"), ("span", "later")} & shown
    # their words still count, for the selectors that name them as ancestors
    assert {"dropdown-item", "bd-search", "later", "search"} <= markup.words


def test_words_in_scripts_and_prose_are_not_markup_but_a_loaded_script_may_add_elements():
    html = ('<!-- <dialog class="old"> --><p class="x">the words tooltip and search</p><script>el.classList.add("show")</script>'
            '<script defer src="../_static/copybutton.js?v=1"></script>')
    assert first_paint.script_sources(html) == ["../_static/copybutton.js"]
    markup = first_paint.read(html)
    assert {"p", "x"} <= markup.words and not {"tooltip", "search", "show", "old", "dialog"} & markup.words
    assert markup.shows(unused_css.Subject("p", frozenset({"x"}), None))  # a tag in a comment hides nothing
    added = first_paint.script_adds('el.insertAdjacentHTML("afterend", `<button class="copybtn">`); '
                                    'const tip = document.createElement("div")')
    assert {"button", "div"} <= added.names and "pre" not in added.names and {"copybtn", "tip"} <= added.words
    scripted = first_paint.read(html, added)
    in_article = (unused_css.Subject(None, frozenset({"bd-article"}), None), unused_css.Subject("button", frozenset({"copybtn"}), None))
    assert scripted.shows(*in_article)  # anywhere in the page
    assert not scripted.shows(unused_css.Subject("pre", frozenset(), None))  # no script writes a <pre>
    assert first_paint.script_adds("node.cloneNode(true)").names == {first_paint.ANY}
    # a quoted word is an element only when it is an element's name: a search index quotes every word of a book
    index = first_paint.script_adds('Search.setIndex({"terms": {"antigen": [1], "monocytes": [2], "table": [3]}})')
    assert index.names == {"table"} and {"antigen", "monocytes"} <= index.words
    assert first_paint.script_adds('customElements.define("cb-tip", class extends HTMLElement {})').names == {"cb-tip"}


def test_a_rule_for_elements_in_others_is_for_a_page_that_shows_them_so():
    markup = first_paint.read('<header class="bd-header"></header><nav class="bd-links"><ul class="nav"><li><a>x</a>'
                              '</li></ul></nav><div class="answer"><ul><li><ul class="inner"><li>y</li></ul></li></ul>'
                              '<table class="table"><tr><td>a</td><td>b</td></tr></table>')
    sheet = unused_css.Stylesheet(".bd-header ul.nav>li{margin:0}nav.bd-links ul ul{padding:0}.bd-links .nav>li a{color:red}"
                                  ".answer ul ul li{margin:1px}.answer :is(p,b)~ul .inner{margin:2px}"
                                  ".table td~td{border:0}.table tr+tr td{border:1px}")
    assert sheet.keep(markup.words, set(), markup.within(sheet.classes)) == (
        ".bd-links .nav>li a{color:red}.answer ul ul li{margin:1px}.answer :is(p,b)~ul .inner{margin:2px}"
        ".table td~td{border:0}.table tr+tr td{border:1px}")  # a sibling is not asked for


def test_a_closed_details_shows_its_summary_only():
    markup = first_paint.read('<details class="q"><summary class="ask"><b>Why?</b></summary><p class="answer">So.</p></details>'
                              '<details open><p class="shown">Open.</p></details>')
    shown = {(e.name, *sorted(e.classes)) for e in markup.shown}
    assert {("details", "q"), ("summary", "ask"), ("b",), ("p", "shown")} <= shown and ("p", "answer") not in shown


def test_a_table_written_without_its_body_has_one():
    markup = first_paint.read('<table class="indextable"><tr><td><ul><li>a</li></ul></td></tr></table>')
    assert markup.shows(unused_css.Subject("tbody", frozenset(), None)) and "tbody" in markup.words


def test_first_styles_leave_out_the_rules_of_a_readers_act_and_of_elements_not_shown():
    css = ('.btn{padding:0}.btn:hover{color:red}a:focus-visible{outline:0}.btn:not(:hover){color:blue}'
           '.dropdown-menu{display:none}.dropdown-item{display:block}.lead.btn{margin:0}.lead{margin:1px}')
    sheet = unused_css.Stylesheet(css)
    markup = first_paint.read(f'<p class="lead">x</p>{MENU}').within(sheet.classes)
    assert sheet.keep(markup.words, markup.properties, markup) == (
        ".btn{padding:0}.btn:not(:hover){color:blue}.dropdown-menu{display:none}.lead{margin:1px}")
    # the page's whole stylesheet (the lean copy) keeps them all
    assert sheet.keep(markup.words) == css


def test_a_page_carries_the_rules_for_what_its_loaded_scripts_add(tmp_path):
    (tmp_path / "_static/styles").mkdir(parents=True)
    (tmp_path / "_static/styles/bundle-1.css").write_text("p{margin:0}button.copybtn{width:1em}.o-tip{opacity:0}",
                                                          encoding="utf-8")
    (tmp_path / "_static/copybutton.js").write_text(
        'const b = document.createElement("button"); b.className = "copybtn"', encoding="utf-8")
    page = tmp_path / "book/page.html"
    page.parent.mkdir()
    link = '<link data-carbook-bundle="_static/a.css" rel="stylesheet" type="text/css" href="../_static/styles/bundle-1.css?v=1" />'
    script = '<script defer="defer" src="../_static/copybutton.js?v=2"></script>'
    page.write_text(f"<head>{link}{script}</head><body><p>x</p></body>", encoding="utf-8")
    html = stylesheets.FirstStyles(tmp_path, unused_css).inline(page, page.read_text(encoding="utf-8"))
    assert "<style data-carbook-first>p{margin:0}button.copybtn{width:1em}</style>" in html


def test_first_styles_keep_a_licence_notice_the_joined_stylesheets_repeat_once():
    notice = "/*! Font Awesome Free, CC BY 4.0 */"
    sheet = unused_css.Stylesheet(f"{notice}.a{{color:red}}{notice}.b{{color:blue}}/*! another */")
    assert sheet.keep({"a", "b"}, set()) == f"{notice}.a{{color:red}}.b{{color:blue}}/*! another */"
    assert sheet.keep({"a", "b"}).count(notice) == 2  # the whole stylesheet is left as it is


def test_first_styles_lose_comments_and_spaces_but_keep_licences_strings_and_empty_properties():
    css = ('/*! MIT licence */\n:root {\n  /* palettes */\n  --gap: ;\n  --x : 1px ;\n}\n'
           'div.body p,\n  div.body li {\n    content: "a  /* b */ ;";\n    margin: 0 auto;\n}\n.a :hover { width: calc(1px + 2px) }')
    assert unused_css.minified(css) == ('/*! MIT licence */ :root{ --gap: ;--x : 1px;}div.body p,div.body li{'
                                        'content: "a  /* b */ ;";margin: 0 auto;}.a :hover{width: calc(1px + 2px)}')


def test_a_rule_asking_for_an_attribute_is_for_an_element_that_has_it_or_a_script_may_give_it():
    html = ('<html data-theme="auto"><body><div class="menu"><dialog id="d"></dialog><input type="search"></div>'
            '<script>document.documentElement.dataset.mode = "dark"</script></body></html>')
    sheet = unused_css.Stylesheet("[data-bs-theme=dark]{color:red}html[data-theme=dark]{color:blue}html:not([data-theme]){color:green}"
                                  "#d[open]{margin:0}[type=search]{padding:0}html[data-mode=dark] .menu{border:0}"
                                  "[list]:not([type=date])::-webkit-calendar-picker-indicator{display:none}")
    markup = first_paint.read(html, first_paint.script_adds('document.createElement("p").setAttribute("list", "x")'))
    kept = sheet.keep(markup.words, set(), markup.within(sheet.classes, sheet.attributes))
    # no element has data-bs-theme, the html element has data-theme, the dialog is not open; the page's script
    # sets data-mode (dataset.mode), and the one it loads writes "list", so an element it adds may have it
    assert kept == ("html[data-theme=dark]{color:blue}[type=search]{padding:0}html[data-mode=dark] .menu{border:0}"
                    "[list]:not([type=date])::-webkit-calendar-picker-indicator{display:none}")


def test_a_rule_for_an_attribute_s_absence_holds_unless_a_script_may_remove_it():
    sheet = unused_css.Stylesheet("html:not([data-theme]){color:green}details:not([open])>p{margin:0}")
    page = '<html data-theme="auto"><body><details><summary>s</summary></details>{}</body></html>'
    for script, kept in (('<script>document.documentElement.dataset.theme = "dark"</script>', ""),
                         ("<script>delete document.documentElement.dataset.theme</script>", "html:not([data-theme]){color:green}"),
                         ('<script>el.removeAttribute("data-theme")</script>', "html:not([data-theme]){color:green}")):
        markup = first_paint.read(page.format(script))
        assert sheet.keep(markup.words, set(), markup.within(sheet.classes, sheet.attributes)) == kept, script
    assert first_paint.script_adds("details.open = false").removed == {"open"}
