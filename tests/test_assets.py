"""What a page sends its reader: figures as files of their own, and only the scripts and styles it uses."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

from carbook.sphinxext import assets, stylesheets
from carbook.sphinxext import unused_css
from carbook.pages.myst import Drawing
from carbook.pages.myst import FIGURE_DIR, figure

SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="432pt" height="216pt" viewBox="0 0 432 216"></svg>\n'


@pytest.fixture
def book_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CARBOOK_ROOT", str(tmp_path))
    return tmp_path


def test_figure_is_written_once_under_a_name_from_its_bytes_with_its_size_in_pixels(book_root):
    text = figure(Drawing(SVG, "A bar."), "Caption.", "fig-x")
    files = list((book_root / FIGURE_DIR).iterdir())
    assert len(files) == 1 and files[0].read_bytes() == SVG
    assert text.startswith(f"````{{figure}} /{FIGURE_DIR.as_posix()}/{files[0].name}\n")
    assert "\nwidth: 576\nheight: 288\n" in text  # 432 pt × 216 pt at 4/3 px per pt
    assert '\nalt: "A bar."\n' in text and "\nname: fig-x\n" in text
    assert figure(Drawing(SVG, "Other alt."), "Other caption.", "fig-y").splitlines()[0] == text.splitlines()[0]
    figure(Drawing(SVG.replace(b"216pt", b"200pt"), "A bar."), "Caption.", "fig-z")
    assert len(list((book_root / FIGURE_DIR).iterdir())) == 2


def test_figure_without_a_size_is_refused(book_root):
    with pytest.raises(ValueError, match="no width and height"):
        figure(Drawing(b"<svg></svg>", "A bar."), "Caption.", "fig-x")


def page(body: str, pagename: str = "book/page", **config: object):
    """Give the scripts, styles and body that carbook.sphinxext.assets leaves a page with this body."""
    app = SimpleNamespace(config=SimpleNamespace(carbook_page_assets=config.get("own", {}), html_favicon=None),
                          carbook_documentation_options="const DOCUMENTATION_OPTIONS = {};")
    scripts = [_JavaScript(name, priority=500) for name in (
        "documentation_options.js", "doctools.js", "sphinx_highlight.js", "clipboard.min.js", "copybutton.js",
        "togglebutton.js", "design-tabs.js", "sphinx-thebe.js", "citations.js", "theme-extra.js",
        "scripts/sphinx-book-theme.js")]
    scripts.append(_JavaScript("", body="var togglebuttonSelector = '.toggle';"))
    styles = [_CascadingStyleSheet(f"_static/{name}") for name in (
        "pygments.css", "togglebutton.css", "copybutton.css", "sphinx-design.min.css", "sphinx-thebe.css",
        "styles/sphinx-book-theme.css", "carbook.css", "citations.css")]
    context = {"body": body, "script_files": scripts, "css_files": styles,
               "pathto": lambda name, resource=False: f"../{name}"}
    assets._prune(app, pagename, "page.html", context, None)
    assert len(context["css_files"]) == 1, "the page's stylesheets are not one file"
    bundled = context["css_files"][0].attributes["data-carbook-bundle"].split()
    assert bundled[:2] == list(assets.THEME_STYLES)
    files = [Path(str(a.filename)).name for a in context["script_files"] if a.filename] + [Path(n).name for n in bundled]
    inline = [a.attributes.get("body", "") for a in context["script_files"] if not a.filename]
    return files, inline, context["body"]


def test_a_page_of_prose_gets_none_of_the_extensions_files_but_keeps_the_books_own():
    files, inline, _ = page("<p>Prose only.</p>")
    assert sorted(files) == ["basic.css", "carbook-page.js", "carbook.css", "citations.css", "citations.js",
                             "pydata-sphinx-theme.lean.css", "sphinx-book-theme.lean.css", "theme-extra.js"]
    assert inline == ["const DOCUMENTATION_OPTIONS = {};"]  # inline, before the scripts that read it
    assert "carbook-page.js" in files


def test_each_extension_file_comes_with_the_markup_it_works_on():
    assert {"clipboard.min.js", "copybutton.js", "copybutton.css", "pygments.css"} <= set(
        page('<div class="highlight-python notranslate"><div class="highlight"><pre>x</pre></div></div>')[0])
    assert {"sphinx-design.min.lean.css"} <= set(page('<details class="sd-sphinx-override sd-dropdown">')[0])
    assert "design-tabs.js" in page('<div class="sd-tab-set docutils">')[0]
    assert "pygments.css" not in page('<div class="highlight-text notranslate"><div class="highlight"><pre>x</pre>')[0]
    files, inline, _ = page('<div class="toggle docutils container">')
    assert {"togglebutton.js", "togglebutton.css"} <= set(files)
    assert any("togglebuttonSelector" in text for text in inline)


def test_a_books_own_file_can_be_limited_to_the_pages_that_use_it():
    own = {"citations.js": "carbook-cite", "citations.css": "carbook-cite"}
    assert "citations.js" not in page("<p>No citations.</p>", own=own)[0]
    assert {"citations.js", "citations.css"} <= set(page('<a class="carbook-cite" href="#c1">1</a>', own=own)[0])


def test_the_search_page_keeps_sphinxs_search_scripts():
    files, inline, _ = page("<p>Search</p>", pagename="search")
    assert {"doctools.js", "sphinx_highlight.js"} <= set(files)
    assert not any('has("highlight")' in text for text in inline)


def test_figures_are_lazy_with_width_and_height_attributes():
    body = '<img alt="A." class="carbook-figure" src="../_images/f.svg" style="width: 461px; height: 428px;" /><img src="x.png" />'
    _, _, out = page(body)
    assert out == ('<img loading="lazy" decoding="async" alt="A." class="carbook-figure" src="../_images/f.svg"'
                   ' width="461" height="428" /><img src="x.png" />')


def test_pages_link_a_lean_copy_of_the_theme_stylesheet_without_icon_font_or_rules_no_file_uses(tmp_path):
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    original = ('/*! Licence */a{color:red}@font-face{font-family:Font Awesome\\ 6 Free;src:url(x.woff2)}'
                '.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}.fa-lg{font-size:1.25em}'
                '.unused,.used{margin:0}@media (min-width:960px){.unused{color:blue}}')
    (static / "styles/pydata-sphinx-theme.css").write_text(original, encoding="utf-8")
    (tmp_path / "page.html").write_text('<link href="_static/styles/pydata-sphinx-theme.lean.css?v=0ld" rel="stylesheet" />'
                                        '<p class="used fa-lg"><a href="#">x</a></p>', encoding="utf-8")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    stylesheets.lighten_stylesheets(app, None)
    assert (static / "styles/pydata-sphinx-theme.css").read_text(encoding="utf-8") == original
    lean = (static / "styles/pydata-sphinx-theme.lean.css").read_text(encoding="utf-8")
    assert lean == "/*! Licence */a{color:red}.fa-lg{font-size:1.25em}.used{margin:0}"
    digest = hashlib.sha256(lean.encode()).hexdigest()[:8]
    assert f'pydata-sphinx-theme.lean.css?v={digest}"' in (tmp_path / "page.html").read_text(encoding="utf-8")
    files, _, _ = page("<p>x</p>")
    assert "sphinx-book-theme.css" not in files
    assert stylesheets.lean_name("mystnb.0a1b.css") == "mystnb.0a1b.lean.css" and stylesheets.lean_name("mystnb.0a1b.lean.css") is None
    assert stylesheets.lean_name("carbook.css") is None


def test_a_bundle_joins_its_files_in_order_with_their_relative_addresses_kept(tmp_path):
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "basic.css").write_text("a{background:url(file.png)}", encoding="utf-8")
    (static / "styles/theme.css").write_text('b{background:url("../x/y.svg")}c{d:url(data:image/png;base64,AA)}',
                                             encoding="utf-8")
    page_html = tmp_path / "page.html"
    page_html.write_text('<link data-carbook-bundle="_static/basic.css _static/styles/theme.css" rel="stylesheet"'
                         ' type="text/css" href="_static/styles/bundle-1.css" />', encoding="utf-8")
    digests = stylesheets._write_bundle_files(tmp_path, stylesheets.SiteScan(tmp_path, unused_css).bundles([page_html]))
    text = (static / "styles/bundle-1.css").read_text(encoding="utf-8")
    assert text == 'a{background:url(../file.png)}\nb{background:url("../x/y.svg")}c{d:url(data:image/png;base64,AA)}'
    assert digests == {"bundle-1.css": hashlib.sha256(text.encode()).hexdigest()[:8]}


def test_rules_are_kept_for_classes_a_script_adds_and_classes_a_selector_only_excludes():
    css = ".dropdown-menu.show{display:block}p:not(.gone){margin:0}.gone{x:1}:is(.gone,.kept) a{y:1}[class~=gone]{z:1}"
    used = unused_css.WORD.findall('<ul class="dropdown-menu"></ul><script>e.classList.add("show")</script><p class="kept">'
                                   '<a href="#">x</a>')
    assert unused_css.purge(css, set(used)) == (".dropdown-menu.show{display:block}p:not(.gone){margin:0}"
                                                ":is(.gone,.kept) a{y:1}[class~=gone]{z:1}")


def test_a_rule_for_an_element_or_id_no_page_or_script_has_is_dropped():
    css = ("table td{a:1}blockquote>p{b:1}#pst-back-to-top{c:1}#other{d:1}a:hover::before{e:1}"
           ":root{f:1}*{g:1}p:not(table){h:1}svg|a{i:1}foreignObject{j:1}")
    used = unused_css.WORD.findall('<p id="pst-back-to-top"><a href="#">x</a></p><script>document.createElement("td")</script>')
    assert unused_css.purge(css, set(used)) == ("#pst-back-to-top{c:1}a:hover::before{e:1}:root{f:1}*{g:1}"
                                                "p:not(table){h:1}svg|a{i:1}foreignObject{j:1}")


def test_first_styles_keep_only_the_custom_properties_a_kept_rule_or_the_page_uses():
    css = (':root{--used:1px;--unused:2px;--chain:var(--deep);--deep:red;--from-page:0;--alone:3}'
           '@media (prefers-color-scheme:dark){:root{--used:2px;--gone:1}}.x{margin:var(--used);color:var(--chain)}'
           '.gone{padding:var(--alone)}.y{background:url("data:image/svg+xml;utf8,<svg>;</svg>");--unused:1}'
           '@keyframes k{to{width:var(--in-keyframes)}}:root{--in-keyframes:1}')
    sheet = unused_css.Stylesheet(css.replace(".x{", ".x{animation:k 1s;"))
    assert sheet.keep({"x", "y"}, {"--from-page"}) == (
        ':root{--used:1px;--chain:var(--deep);--deep:red;--from-page:0}'
        '@media (prefers-color-scheme:dark){:root{--used:2px}}.x{animation:k 1s;margin:var(--used);color:var(--chain)}'
        '.y{background:url("data:image/svg+xml;utf8,<svg>;</svg>")}'
        '@keyframes k{to{width:var(--in-keyframes)}}:root{--in-keyframes:1}')
    assert "--unused:2px" in sheet.keep({"x", "y"})  # without a page's properties, all are kept
    # an animation no kept rule runs goes, and so do the custom properties only it used
    assert "keyframes" not in unused_css.Stylesheet(css).keep({"x", "y"}, {"--from-page"})
    assert "--in-keyframes" not in unused_css.Stylesheet(css).keep({"x", "y"}, {"--from-page"})


def test_first_styles_leave_out_animations_nothing_runs_and_the_rules_for_printing():
    css = ('.spin{animation:fa-spin 2s}@keyframes fa-spin{to{transform:rotate(1turn)}}'
           '@keyframes sd-fade-in{to{opacity:1}}.p{color:red}@media print{.p{color:black}}')
    sheet = unused_css.Stylesheet(css)
    assert sheet.keep({"p"}, set()) == ".p{color:red}"  # a page's first styles
    assert sheet.keep({"p", "spin"}, set()) == (".spin{animation:fa-spin 2s}@keyframes fa-spin{to{transform:rotate(1turn)}}"
                                                ".p{color:red}")
    # the site's lean stylesheet keeps printing, and an animation a script names
    assert sheet.keep({"p", "sd-fade-in"}) == "@keyframes sd-fade-in{to{opacity:1}}.p{color:red}@media print{.p{color:black}}"


def test_strings_comments_and_nested_blocks_are_read_whole():
    css = '/* a { */.a[title="}{"]{content:"{"}@supports (display:grid){@media print{.b{c:d}.a{e:f}}}'
    assert unused_css.purge(css, {"a"}) == '.a[title="}{"]{content:"{"}@supports (display:grid){@media print{.a{e:f}}}'


def test_a_page_carries_the_bundle_rules_its_markup_uses_and_loads_the_whole_bundle_without_waiting(tmp_path):
    (tmp_path / "_static/styles").mkdir(parents=True)
    (tmp_path / "_static/styles/bundle-1.css").write_text(
        "p{margin:0}.used{color:red}.added-by-script{color:blue}.x{background:url(../img/a.png)}"
        "@media print{.used{color:black}}", encoding="utf-8")
    page = tmp_path / "book/page.html"
    page.parent.mkdir()
    link = '<link data-carbook-bundle="_static/a.css" rel="stylesheet" type="text/css" href="../_static/styles/bundle-1.css?v=1" />'
    page.write_text(f"<head>{link}</head><body><p class=\"used x\">x</p></body>", encoding="utf-8")
    first = stylesheets.FirstStyles(tmp_path, unused_css)
    html = first.inline(page, page.read_text(encoding="utf-8"))
    head = html.split("</head>")[0]
    # the rules for printing come with the whole bundle, loaded before anyone prints
    assert head.startswith("<head><style data-carbook-first>p{margin:0}.used{color:red}.x{background:url(../_static/img/a.png)}"
                           "</style>")
    assert "added-by-script" not in head.split("</style>")[0]  # its rule comes with the whole bundle
    assert ('href="../_static/styles/bundle-1.css?v=1" media="print" onload="this.media=\'all\'; this.onload=null" />' in head)
    assert '<noscript><link rel="stylesheet" type="text/css" href="../_static/styles/bundle-1.css?v=1" /></noscript>' in head
    assert first.inline(page, html) == html  # a page written by an earlier build comes out the same
    assert stylesheets.BUNDLE_LINK.findall(html) == [("_static/a.css", "../_static/styles/bundle-1.css")]  # still found


def test_the_theme_scripts_and_search_highlighting_are_left_to_the_page_script():
    files, _, _ = page("<p>x</p>")
    assert not {"sphinx-book-theme.js", "pydata-sphinx-theme.js", "doctools.js", "sphinx_highlight.js"} & set(files)
    app = SimpleNamespace(config=SimpleNamespace(carbook_page_assets={}), carbook_documentation_options="")
    for pagename in ("book/page", "search"):
        context = {"body": "<p>x</p>", "css_files": [], "pathto": lambda name, resource=False: f"../{name}",
                   "script_files": [_JavaScript("documentation_options.js"), _JavaScript("scripts/sphinx-book-theme.js"),
                                    _JavaScript("doctools.js"), _JavaScript("sphinx_highlight.js")]}
        assets._prune(app, pagename, "page.html", context, None)
        [script] = [s for s in context["script_files"] if str(s.filename).endswith("carbook-page.js")]
        assert script.attributes["defer"] == "defer"
        assert script.attributes["data-after-paint"] == "scripts/sphinx-book-theme.js scripts/pydata-sphinx-theme.js"
        # the search page loads Sphinx's search tools itself
        assert script.attributes.get("data-highlight") == (None if pagename == "search" else "doctools.js sphinx_highlight.js")


def _site(tmp_path: Path) -> tuple[SimpleNamespace, Path, Path]:
    outdir = tmp_path / "_build/html"
    (outdir / "_static/styles").mkdir(parents=True)
    (outdir / "_static/styles/pydata-sphinx-theme.css").write_text(".a{color:red}.b{color:blue}", encoding="utf-8")
    pages = []
    for name, cls in (("one.html", "a"), ("two.html", "a")):
        pages.append(outdir / name)
        _write_page(outdir / name, cls)
    return SimpleNamespace(outdir=str(outdir), builder=SimpleNamespace(format="html")), *pages


def _write_page(path: Path, cls: str) -> None:
    # as Sphinx writes a page: the bundle linked the blocking way, without its version
    path.write_text('<head><link data-carbook-bundle="_static/styles/pydata-sphinx-theme.lean.css" rel="stylesheet" '
                    'type="text/css" href="_static/styles/bundle-1.css" /></head>'
                    f'<body><p class="{cls}">x</p></body>', encoding="utf-8")


def test_finishing_rereads_only_the_pages_a_build_wrote_unless_a_stylesheet_changed(tmp_path):
    app, one, two = _site(tmp_path)
    stylesheets.lighten_stylesheets(app, None)
    finished = one.read_text(encoding="utf-8")
    assert "data-carbook-first" in finished and "bundle-1.css?v=" in finished
    stat = one.stat().st_mtime_ns
    _write_page(two, "a")  # rewritten by a build, using nothing new
    stylesheets.lighten_stylesheets(app, None)
    assert one.stat().st_mtime_ns == stat, "a page the build did not write was rewritten"
    assert two.read_text(encoding="utf-8") == finished
    _write_page(two, "b")  # now it uses a rule the site did not use before: the stylesheets change
    stylesheets.lighten_stylesheets(app, None)
    version = re.search(r"bundle-1\.css\?v=(\w+)", two.read_text(encoding="utf-8"))[1]
    assert f"bundle-1.css?v={version}" in one.read_text(encoding="utf-8"), "a page links an older bundle"
    assert ".b{color:blue}" in (Path(app.outdir) / "_static/styles/bundle-1.css").read_text(encoding="utf-8")


def test_what_finishing_kept_is_worked_out_again_when_the_package_code_changes(tmp_path, monkeypatch):
    from carbook.data import kept

    app, one, two = _site(tmp_path)
    stylesheets.lighten_stylesheets(app, None)
    assert stylesheets.SiteScan(Path(app.outdir), unused_css).before["files"], "the first build kept nothing"
    monkeypatch.setattr(kept, "code_digest", lambda: "other code")
    scan = stylesheets.SiteScan(Path(app.outdir), unused_css)
    assert scan.before == {"versions": None, "files": {}, "finished": {}}
    assert scan.to_finish([one, two], {"bundle-1.css": "x"}) == [one, two]


def test_a_bundle_no_page_links_any_more_is_removed_from_the_site(tmp_path):
    app, one, two = _site(tmp_path)
    stale = Path(app.outdir) / assets.BUNDLE_DIR / "bundle-0ld.css"
    stale.write_text(".a{color:red}", encoding="utf-8")
    stylesheets.lighten_stylesheets(app, None)
    assert not stale.exists()
    assert (Path(app.outdir) / assets.BUNDLE_DIR / "bundle-1.css").is_file()


def test_what_finishing_keeps_of_a_page_is_the_words_a_selector_needs_not_its_whole_text(tmp_path):
    app, one, _ = _site(tmp_path)
    one.write_text(one.read_text(encoding="utf-8").replace(">x<", ">lymphodepletion fludarabine cyclophosphamide<"),
                   encoding="utf-8")
    stylesheets.lighten_stylesheets(app, None)
    kept_words = stylesheets.SiteScan(Path(app.outdir), unused_css).before["files"]["one.html"][1]
    assert kept_words == {"a"}  # the stylesheet's selectors need "a" and "b"; the page's other words are not kept
