"""Sphinx extension that sends a reader only the scripts and styles their page uses.

Jupyter Book loads every extension's assets on every page: thebe, copy buttons, toggle buttons,
sphinx-design's tabs, code highlighting, Sphinx's search-highlighting scripts. On a phone each is a
request, and a script in the page head holds back the first paint by a round trip. This extension,
when each page is written:

* keeps an extension's file only on pages whose body has the markup it works on
  (:data:`NEEDED_BY`; the ``carbook_page_assets`` setting does the same for the book's own files);
* defers the extension scripts that wait for the document anyway (:data:`DEFERRED`), has the
  theme's own loaded once the page is painted (:data:`AFTER_PAINT`), and (with the page template) puts
  the scripts before the stylesheets, so that parsing never waits for the styles;
* links the page's stylesheets as one file (a bundle, written after the build), and puts in the
  page the rules of it that the page's markup uses (:class:`FirstStyles`): a phone paints as soon
  as the HTML is in, and the whole bundle follows without holding the paint back;
* puts inline Sphinx's ``DOCUMENTATION_OPTIONS`` (which the theme's script reads);
* gives every page one small deferred script of its own, shared by all pages and kept by the browser
  (``static/carbook-page.js``): it opens the theme's download menu (in place of Bootstrap's 80 kB
  script), loads the theme's scripts once the page is painted, and Sphinx's highlighting of search words
  only when the reader came from a search (the page template, ``book/_templates/layout.html``, leaves
  the search tools and index to the search page, fontawesome.js and Bootstrap's script out altogether);
* marks figures ``loading="lazy"``, with their width and height as attributes: a figure below the
  first screen loads when scrolled to, and none moves the text when it arrives.

After the build, :mod:`carbook.sphinxext.stylesheets` writes lean copies of the theme's and extensions'
stylesheets, which pages link:
without the Font Awesome font and its 2,000 icon rules (:mod:`carbook.sphinxext.icons` draws the dozen
icons the theme shows as inline SVG), and without the rules for components the site does not have
(:mod:`carbook.sphinxext.unused_css`). An edit to a file in ``book/_static/`` writes every page again, so that
Sphinx copies it (it copies static files only when it writes a page).

Any other script or style (the book's own, added with ``html_js_files`` / ``html_css_files``, or
with ``app.add_js_file`` / ``app.add_css_file`` in a page's ``html-page-context``, which adds it to
that page only) is left where it was added.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from carbook.sphinxext.stylesheets import BUNDLE_DIR, lean_name, lighten_stylesheets

# An extension's file, with the markup in a page's body it works on (a regular expression).
CODE = r'class="highlight'
NEEDED_BY: dict[str, str] = {
    "sphinx-thebe.js": r"thebe-launch-button|class=\"thebe",
    "sphinx-thebe.css": r"thebe-launch-button|class=\"thebe",
    "clipboard.min.js": CODE,
    "copybutton.js": CODE,
    "copybutton.css": CODE,
    "pygments.css": r'class="[^"]*\bhighlight-(?!text\b|none\b)',  # code in a language: coloured tokens
    "togglebutton.js": r'class="[^"]*\btoggle\b|admonition dropdown',
    "togglebutton.css": r'class="[^"]*\btoggle\b|admonition dropdown',
    "design-tabs.js": r"sd-tab-set",
    "sphinx-design.min.css": r'class="[^"]*\bsd-',
    "mystnb.css": r'class="[^"]*\b(?:cell|output)\b',  # notebook cells and their outputs
}
# Inline scripts that only configure one of those files go with it: (start of the body, file).
CONFIGURES = [
    ("let toggleHint", "togglebutton.js"),
    ("let toggleOpenOnPrint", "togglebutton.js"),
    ("var togglebuttonSelector", "togglebutton.js"),
    ("const THEBE_JS_URL", "sphinx-thebe.js"),
]
# sphinx-thebe writes its settings into every page's body; they serve only its launch button.
THEBE_SETTINGS = re.compile(r'\s*<script type="text/x-thebe-config">.*?</script>\s*<script>kernelName = [^<]*</script>',
                            re.DOTALL)
# Scripts the extensions put in the page head that wait for the document to be read before they act.
DEFERRED = {"clipboard.min.js", "copybutton.js", "togglebutton.js", "design-tabs.js"}  # in this order
# The theme's scripts (buttons, menus, the theme switch) load once the whole page has been read and
# painted, so that running them never holds back the first paint of the page's text; each sets itself
# up whenever it arrives.
AFTER_PAINT = {"sphinx-book-theme.js"}
THEME_SCRIPT = "_static/scripts/pydata-sphinx-theme.js"  # the page template leaves it to this
HIGHLIGHT_SCRIPTS = ("doctools.js", "sphinx_highlight.js")  # Sphinx's, for words a search found
FIGURE_IMAGE = re.compile(r'<img (?=[^>]*class="[^"]*\bcarbook-figure\b)[^>]*>')
PIXEL_SIZE = re.compile(r'\sstyle="width: (\d+)px; height: (\d+)px;"')
# What every page runs (the download menu; the theme's scripts after the paint; search highlighting), in
# one file that pages share and browsers keep: it loads the scripts each page names in its data-* attributes.
PAGE_SCRIPT = "carbook-page.js"
STATIC = Path(__file__).parent / "static"  # this extension's own files, copied into _static/
# The theme's own stylesheets, first on every page (the page template names no stylesheet itself).
THEME_STYLES = ("_static/basic.css", "_static/styles/pydata-sphinx-theme.lean.css")

def _name(asset: Any) -> str:
    name = Path(str(getattr(asset, "filename", asset) or "")).name
    return "mystnb.css" if re.fullmatch(r"mystnb\.[0-9a-f]+\.css", name) else name  # myst-nb names it by a hash


def _body(asset: Any) -> str:
    return str(getattr(asset, "attributes", {}).get("body", "") or "")


def _bundle(styles: list[Any]) -> list[Any]:
    """Give the page's stylesheets with its local ones (no address, no media) replaced by one bundle."""
    local = [css for css in styles if "://" not in str(css.filename)
             and set(css.attributes) <= {"rel", "type"} and str(css.filename).startswith("_static/")]
    if len(local) < 2:
        return styles
    names = " ".join(str(css.filename) for css in local)
    bundle = f"{BUNDLE_DIR}/bundle-{hashlib.sha256(names.encode()).hexdigest()[:12]}.css"
    first = styles.index(local[0])
    rest = [css for css in styles if css not in local]
    link = type(local[0])(bundle, priority=local[0].priority, **{"data-carbook-bundle": names})
    return rest[:first] + [link] + rest[first:]


def _lean(css: Any) -> Any:
    name = str(getattr(css, "filename", "") or "")
    prefix = "_static/" if name.startswith("_static/") else ""
    lean = lean_name(name.removeprefix(prefix))
    return type(css)(prefix + lean, priority=css.priority, **css.attributes) if lean else css


def _documentation_options(app: Sphinx) -> str:
    """Give the text of Sphinx's ``documentation_options.js`` for this build, rendered once."""
    if not hasattr(app, "carbook_documentation_options"):
        text = app.builder.templates.render("basic/static/documentation_options.js.jinja", app.builder.globalcontext)
        app.carbook_documentation_options = re.sub(r"\s*\n\s*", " ", text.strip())  # one line: an object of plain values
    return app.carbook_documentation_options


def _prune(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    body = context.get("body", "")
    needed = {**NEEDED_BY, **app.config.carbook_page_assets}
    unused = {name for name, marker in needed.items() if not re.search(marker, body)}
    configures = [(start, name) for start, name in CONFIGURES if name in unused]

    def keep(asset: Any) -> bool:
        name, text = _name(asset), _body(asset)
        if name in unused or name in HIGHLIGHT_SCRIPTS and pagename != "search":
            return False
        return not any(text.startswith(start) for start, _ in configures)

    scripts = []
    after_paint = [THEME_SCRIPT]
    for script in context.get("script_files", []):
        if _name(script) == "documentation_options.js":
            script = type(script)("", body=_documentation_options(app), priority=script.priority)
        elif _name(script) in AFTER_PAINT:
            after_paint.insert(0, str(script.filename))
            continue
        elif _name(script) in DEFERRED:
            # each waits for the document itself; deferred, it no longer holds back the first paint
            script = type(script)(script.filename, **{**script.attributes, "defer": "defer"}, priority=script.priority)
        if keep(script):
            scripts.append(script)
    # the theme's scripts and Sphinx's highlighting, named from _static/, where the page script is
    loads = {"data-after-paint": " ".join(src.removeprefix("_static/") for src in after_paint)}
    if pagename != "search":
        loads["data-highlight"] = " ".join(HIGHLIGHT_SCRIPTS)
    script_type = type(context["script_files"][0]) if context.get("script_files") else None
    if script_type is not None:
        scripts.append(script_type(f"_static/{PAGE_SCRIPT}", defer="defer", priority=900, **loads))
    context["script_files"] = scripts
    # in the order Sphinx would write them (by priority, then as added), since one file now holds them
    styles = sorted((_lean(css) for css in context.get("css_files", []) if keep(css)), key=lambda css: css.priority)
    if styles:
        styles = [type(styles[0])(name, priority=0) for name in THEME_STYLES] + styles
    context["css_files"] = _bundle(styles)
    if "sphinx-thebe.js" in unused:
        body = THEBE_SETTINGS.sub("", body)
    context["body"] = FIGURE_IMAGE.sub(_lazy_figure, body)


def _count_page(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    app.carbook_pages_written = getattr(app, "carbook_pages_written", 0) + 1


def _no_page_yet(app: Sphinx) -> None:
    app.carbook_pages_written = 0


def _lazy_figure(match: re.Match[str]) -> str:
    # Sphinx writes an SVG's size as a style; as width and height attributes it gives the browser the
    # figure's shape before the file arrives (no layout shift) and still lets CSS shrink it on a phone.
    tag = PIXEL_SIZE.sub(r' width="\1" height="\2"', match[0])
    return tag if " loading=" in tag else tag.replace("<img ", '<img loading="lazy" decoding="async" ', 1)


def _static_fingerprint(app: Sphinx) -> str:
    digest = hashlib.sha256()
    for folder in app.config.html_static_path:
        for path in sorted(p for p in (Path(app.confdir) / folder).rglob("*") if p.is_file()):
            digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _static_changed(app: Sphinx, env: Any) -> list[str]:
    # Sphinx copies _static/ only when it writes some page: an edit to the book's stylesheet alone would
    # leave the old one in the site. Write every page again then (writing only; nothing is re-executed).
    fingerprint = _static_fingerprint(app)
    before, env.carbook_static = getattr(env, "carbook_static", None), fingerprint
    return sorted(env.found_docs) if before not in (None, fingerprint) else []


def _add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> dict[str, Any]:
    # carbook_page_assets: {file name: regular expression}; the book's own script or style is sent
    # only with pages whose body matches (e.g. {"citations.js": "carbook-cite"}).
    app.add_config_value("carbook_page_assets", {}, "html", dict)
    app.connect("html-page-context", _prune, priority=990)  # after the theme and extensions add theirs
    app.connect("builder-inited", _no_page_yet)
    app.connect("builder-inited", _add_static)
    app.connect("html-page-context", _count_page)
    app.connect("env-get-updated", _static_changed)
    app.connect("build-finished", lighten_stylesheets, priority=900)  # after the theme rewrites pygments.css
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
