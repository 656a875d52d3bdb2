"""Sphinx extension that sends a reader only the scripts and styles their page uses.

Jupyter Book loads every extension's assets on every page: thebe, copy buttons, toggle buttons,
sphinx-design's tabs, code highlighting, Sphinx's search-highlighting scripts. On a phone each is a
request, and a script in the page head holds back the first paint by a round trip. This extension,
when each page is written:

* keeps an extension's file only on pages whose body has the markup it works on
  (:data:`NEEDED_BY`; the ``carbook_page_assets`` setting adds the book's own, see :func:`setup`);
* puts Sphinx's ``DOCUMENTATION_OPTIONS`` (which the theme's script reads) inline, instead of
  as a script file of its own;
* loads Sphinx's highlighting of search words only when the reader came from a search (the address
  holds ``highlight=``), the search tools only on the search page (the page template, see
  ``book/_templates/layout.html``);
* marks figures ``loading="lazy"`` so that a figure below the first screen loads when scrolled to;
* strips from the theme's stylesheet the Font Awesome icon font and its 2,000 icon rules; the dozen
  icons the theme shows are drawn by ``book/_static/carbook.css`` from inline SVG.

Any other script or style (the book's own, added with ``html_js_files`` / ``html_css_files``, or
``app.add_js_file`` in a page's ``html-page-context``) is left where it was added.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

# An extension's file, with the markup in a page's body it works on (a regular expression).
CODE = r'class="highlight'
NEEDED_BY: dict[str, str] = {
    "sphinx-thebe.js": r"thebe-launch-button|class=\"thebe",
    "sphinx-thebe.css": r"thebe-launch-button|class=\"thebe",
    "clipboard.min.js": CODE,
    "copybutton.js": CODE,
    "copybutton.css": CODE,
    "pygments.css": CODE,
    "togglebutton.js": r'class="[^"]*\btoggle\b|admonition dropdown',
    "togglebutton.css": r'class="[^"]*\btoggle\b|admonition dropdown',
    "design-tabs.js": r"sd-tab-set",
    "sphinx-design.min.css": r'class="[^"]*\bsd-',
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
HIGHLIGHT_SCRIPTS = ("doctools.js", "sphinx_highlight.js")  # Sphinx's, for words a search found
FIGURE_IMAGE = re.compile(r'<img (?=[^>]*class="[^"]*\bcarbook-figure\b)[^>]*>')
PIXEL_SIZE = re.compile(r'\sstyle="width: (\d+)px; height: (\d+)px;"')
# Load the highlighting scripts, in order, only for a reader who arrived from a search result.
HIGHLIGHT_LOADER = """if (new URLSearchParams(location.search).has("highlight")) {{
  for (const src of {sources}) {{
    const script = document.createElement("script");
    script.src = src; script.async = false; document.head.append(script);
  }}
}}"""
THEME_STYLESHEET = Path("_static/styles/pydata-sphinx-theme.css")
# The Font Awesome part of the theme's stylesheet: its fonts and one rule per icon (`content:"\\f0c9"`).
ICON_FONT = re.compile(r"@font-face\{[^}]*Font Awesome[^}]*\}")
ICON_RULE = re.compile(r"(?:\.fa-[a-z0-9-]+:before,?)+\{content:\"[^\"]*\"\}")


def _name(asset: Any) -> str:
    return Path(str(getattr(asset, "filename", asset) or "")).name


def _body(asset: Any) -> str:
    return str(getattr(asset, "attributes", {}).get("body", "") or "")


def _documentation_options(app: Sphinx) -> str:
    """Give the text of Sphinx's ``documentation_options.js`` for this build, rendered once."""
    if not hasattr(app, "carbook_documentation_options"):
        app.carbook_documentation_options = app.builder.templates.render(
            "basic/static/documentation_options.js.jinja", app.builder.globalcontext).strip()
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
    for script in context.get("script_files", []):
        if _name(script) == "documentation_options.js":
            script = type(script)("", body=_documentation_options(app), priority=script.priority)
        elif _name(script) == "sphinx-book-theme.js":
            # it waits for the document itself; deferred, it no longer holds back the first paint
            script = type(script)(script.filename, defer="defer", priority=script.priority)
        if keep(script):
            scripts.append(script)
    if pagename != "search":
        pathto = context["pathto"]
        sources = [pathto(f"_static/{name}", resource=True) for name in HIGHLIGHT_SCRIPTS]
        loader = HIGHLIGHT_LOADER.format(sources="[" + ", ".join(f'"{s}"' for s in sources) + "]")
        scripts.append(type(scripts[0])("", body=loader, priority=900) if scripts else loader)
    context["script_files"] = scripts
    context["css_files"] = [css for css in context.get("css_files", []) if keep(css)]
    if "sphinx-thebe.js" in unused:
        body = THEBE_SETTINGS.sub("", body)
    context["body"] = FIGURE_IMAGE.sub(_lazy_figure, body)


def _lazy_figure(match: re.Match[str]) -> str:
    # Sphinx writes an SVG's size as a style; as width and height attributes it gives the browser the
    # figure's shape before the file arrives (no layout shift) and still lets CSS shrink it on a phone.
    tag = PIXEL_SIZE.sub(r' width="\1" height="\2"', match[0])
    return tag if " loading=" in tag else tag.replace("<img ", '<img loading="lazy" decoding="async" ', 1)


def _strip_icon_font(app: Sphinx, exception: Exception | None) -> None:
    stylesheet = Path(app.outdir) / THEME_STYLESHEET
    if exception is not None or app.builder.format != "html" or not stylesheet.is_file():
        return
    text = stylesheet.read_text(encoding="utf-8")
    stripped = ICON_RULE.sub("", ICON_FONT.sub("", text))
    if stripped != text:
        stylesheet.write_text(stripped, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    # carbook_page_assets: {file name: regular expression}; the book's own script or style is sent
    # only with pages whose body matches (e.g. {"citations.js": "carbook-cite"}).
    app.add_config_value("carbook_page_assets", {}, "html", dict)
    app.connect("html-page-context", _prune, priority=990)  # after the theme and extensions add theirs
    app.connect("build-finished", _strip_icon_font)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
