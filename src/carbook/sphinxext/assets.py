"""Sphinx extension that sends a reader only the scripts and styles their page uses.

Jupyter Book loads every extension's assets on every page: thebe, copy buttons, toggle buttons,
sphinx-design's tabs, code highlighting, Sphinx's search-highlighting scripts. On a phone each is a
request, and a script in the page head holds back the first paint by a round trip. This extension,
when each page is written:

* keeps an extension's file only on pages whose body has the markup it works on
  (:data:`NEEDED_BY`; the ``carbook_page_assets`` setting does the same for the book's own files);
* defers the extension scripts that wait for the document anyway (:data:`DEFERRED`), loads the
  theme's own once the page is painted (:data:`AFTER_PAINT`), and (with the page template) puts the
  scripts before the stylesheets, so that parsing never waits for the styles;
* links the page's stylesheets as one file (a bundle, written after the build), and puts in the
  page the rules of it that the page's markup uses (:class:`FirstStyles`): a phone paints as soon
  as the HTML is in, and the whole bundle follows without holding the paint back;
* puts inline Sphinx's ``DOCUMENTATION_OPTIONS`` (which the theme's script reads), the book's SVG
  icon, and a few lines that open the theme's download menu (in place of Bootstrap's 80 kB script);
* loads Sphinx's highlighting of search words only when the reader came from a search (the page
  template, ``book/_templates/layout.html``, leaves the search tools and index to the search page,
  fontawesome.js and Bootstrap's script out altogether);
* marks figures ``loading="lazy"``, with their width and height as attributes: a figure below the
  first screen loads when scrolled to, and none moves the text when it arrives.

After the build it writes lean copies of the theme's and extensions' stylesheets, which pages link:
without the Font Awesome font and its 2,000 icon rules (:mod:`carbook.sphinxext.icons` draws the dozen
icons the theme shows as inline SVG), and without the rules for components the site does not have
(:mod:`carbook.sphinxext.unused_css`). An edit to a file in ``book/_static/`` writes every page again, so that
Sphinx copies it (it copies static files only when it writes a page).

Any other script or style (the book's own, added with ``html_js_files`` / ``html_css_files``, or
with ``app.add_js_file`` / ``app.add_css_file`` in a page's ``html-page-context``, which adds it to
that page only) is left where it was added.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import posixpath
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from carbook.data import kept

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
AFTER_PAINT_LOADER = """document.addEventListener("DOMContentLoaded", () => requestAnimationFrame(() => setTimeout(() => {{
  for (const src of {sources}) {{
    const script = document.createElement("script");
    script.src = src; document.body.append(script);
  }}
}})));"""
HIGHLIGHT_SCRIPTS = ("doctools.js", "sphinx_highlight.js")  # Sphinx's, for words a search found
FIGURE_IMAGE = re.compile(r'<img (?=[^>]*class="[^"]*\bcarbook-figure\b)[^>]*>')
PIXEL_SIZE = re.compile(r'\sstyle="width: (\d+)px; height: (\d+)px;"')
# Load the highlighting scripts, in order, only for a reader who arrived from a search result (Sphinx's
# search page leaves the words in localStorage; older links carry them as ?highlight=).
HIGHLIGHT_LOADER = """if (localStorage.getItem("sphinx_highlight_terms") || new URLSearchParams(location.search).has("highlight")) {{
  for (const src of {sources}) {{
    const script = document.createElement("script");
    script.src = src; script.async = false; document.head.append(script);
  }}
}}"""
# The theme's one drop-down menu (download / print), opened and closed as Bootstrap's script would: its
# 80 kB are not sent for this. Tooltips fall back to the buttons' own titles.
MENUS = """document.addEventListener("click", (event) => {
  const toggle = event.target.closest('[data-bs-toggle="dropdown"]');
  for (const open of document.querySelectorAll('[data-bs-toggle="dropdown"][aria-expanded="true"]')) {
    if (open !== toggle) { open.setAttribute("aria-expanded", "false"); open.nextElementSibling.classList.remove("show"); }
  }
  if (toggle) toggle.setAttribute("aria-expanded", String(toggle.nextElementSibling.classList.toggle("show")));
});
document.addEventListener("keydown", (event) => {
  const open = document.querySelector('[data-bs-toggle="dropdown"][aria-expanded="true"]');
  if (event.key === "Escape" && open) { open.click(); open.focus(); }
});"""
# The theme's and extensions' stylesheets carry rules for components this site lacks; pages link a lean
# copy of each (name.lean.css), beside it so that its relative addresses still hold, without those rules
# (carbook.sphinxext.unused_css). The originals stay as Sphinx copies them; the book's own stylesheets are not touched.
LEAN = ("styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css", "sphinx-design.min.css", "mystnb.*.css")


def lean_name(name: str) -> str | None:
    """Give the name of the lean copy of a stylesheet in _static/ (None for one that has none)."""
    if name.endswith(".lean.css") or not any(fnmatch.fnmatchcase(name, pattern) for pattern in LEAN):
        return None
    return name.removesuffix(".css") + ".lean.css"


# All of a page's local stylesheets go to the reader as one file, in their order: a phone fetches one
# file before its first paint instead of six. Its name comes from the files in it; the page lists them.
BUNDLE_DIR = "_static/styles"  # beside the theme's stylesheet, whose relative addresses it keeps
BUNDLE_LINK = re.compile(r'<link data-carbook-bundle="([^"]*)"[^>]*?href="([^"?]*)(?:\?v=[0-9A-Za-z]+)?"')
RELATIVE_URL = re.compile(r"""url\(\s*(['"]?)(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^'")]+)\1\s*\)""")
# The theme's own stylesheets, first on every page (the page template names no stylesheet itself).
THEME_STYLES = ("_static/basic.css", "_static/styles/pydata-sphinx-theme.lean.css")

# The Font Awesome part of the theme's stylesheet: its fonts and one rule per icon (`content:"\\f0c9"`).
ICON_FONT = re.compile(r"@font-face\{[^}]*Font Awesome[^}]*\}")
ICON_RULE = re.compile(r"(?:\.fa-[a-z0-9-]+:before,?)+\{content:\"[^\"]*\"\}")


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


def _write_bundle_files(outdir: Path, bundles: dict[str, list[str]]) -> dict[str, str]:
    """Write each bundle (by file name, with the stylesheets it joins: their texts joined, relative
    addresses rebased); give their digests."""
    digests = {}
    for name, files in sorted(bundles.items()):
        parts = []
        for file in files:
            source = outdir / file
            if not source.is_file():
                continue  # a stylesheet a page names but no extension wrote: as Sphinx would, skip it
            folder = posixpath.dirname(file)
            parts.append(RELATIVE_URL.sub(lambda m, folder=folder: "url({0}{1}{0})".format(
                m[1], posixpath.relpath(posixpath.normpath(posixpath.join(folder, m[2])), BUNDLE_DIR)),
                source.read_text(encoding="utf-8")))
        text = "\n".join(parts)
        target = outdir / BUNDLE_DIR / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        digests[name] = hashlib.sha256(text.encode()).hexdigest()[:8]
    return digests


def _lean(css: Any) -> Any:
    name = str(getattr(css, "filename", "") or "")
    prefix = "_static/" if name.startswith("_static/") else ""
    lean = lean_name(name.removeprefix(prefix))
    return type(css)(prefix + lean, priority=css.priority, **css.attributes) if lean else css


def _favicon(app: Sphinx) -> str:
    """Give the book's SVG icon as a data address: one request fewer on every page."""
    if not hasattr(app, "carbook_favicon"):
        svg = (Path(app.srcdir) / app.config.html_favicon).read_bytes()
        app.carbook_favicon = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return app.carbook_favicon


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
    if pagename != "search":
        pathto = context["pathto"]
        sources = [pathto(f"_static/{name}", resource=True) for name in HIGHLIGHT_SCRIPTS]
        loader = HIGHLIGHT_LOADER.format(sources="[" + ", ".join(f'"{s}"' for s in sources) + "]")
        scripts.append(type(scripts[0])("", body=loader, priority=900) if scripts else loader)
    pathto = context["pathto"]
    sources = [pathto(src if src.startswith("_static/") else f"_static/{src}", resource=True) for src in after_paint]
    loader = AFTER_PAINT_LOADER.format(sources="[" + ", ".join(f'"{src}"' for src in sources) + "]")
    scripts.append(type(scripts[0])("", body=loader, priority=900) if scripts else loader)
    context["script_files"] = scripts
    # in the order Sphinx would write them (by priority, then as added), since one file now holds them
    styles = sorted((_lean(css) for css in context.get("css_files", []) if keep(css)), key=lambda css: css.priority)
    if styles:
        styles = [type(styles[0])(name, priority=0) for name in THEME_STYLES] + styles
    context["css_files"] = _bundle(styles)
    scripts.append(type(scripts[0])("", body=MENUS, priority=900) if scripts else MENUS)
    if app.config.html_favicon and str(app.config.html_favicon).endswith(".svg"):
        context["favicon_url"] = _favicon(app)
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


def _lighten_stylesheets(app: Sphinx, exception: Exception | None) -> None:
    # Sphinx has copied the theme's and extensions' files into _static/; write their lean copies from
    # what the site as built now uses (all its pages and scripts).
    static = Path(app.outdir) / "_static"
    originals = sorted({p for pattern in LEAN for p in static.glob(pattern) if lean_name(p.relative_to(static).as_posix())})
    if exception is not None or app.builder.format != "html" or not originals:
        return
    if getattr(app, "carbook_pages_written", None) == 0:
        return  # no page written, so no page, stylesheet or script changed (Sphinx copies them only then)
    from carbook.sphinxext import unused_css

    outdir = Path(app.outdir)
    scan = SiteScan(outdir, unused_css)
    pages = sorted(outdir.rglob("*.html"))
    used = scan.words([*pages, *sorted(static.rglob("*.js"))])
    versions = {}
    texts = {original: ICON_RULE.sub("", ICON_FONT.sub("", original.read_text(encoding="utf-8"))) for original in originals}
    digests = {original: hashlib.sha256(text.encode()).hexdigest() for original, text in texts.items()}
    # The lean copies are made again only when the originals, or which of their classes the site uses,
    # changed: new words in a page's text alone leave them as they are.
    known = scan.before.get("classes", {})
    sheets = {original: None if digests[original] in known else unused_css.Stylesheet(texts[original]) for original in originals}
    scan.classes = {digests[o]: known[digests[o]] if sheets[o] is None else sheets[o].classes for o in originals}
    relevant = used & frozenset().union(*scan.classes.values())
    scan.lean_key = (hashlib.sha256("\0".join(sorted(relevant)).encode()).hexdigest(),
                     tuple((o.relative_to(static).as_posix(), digests[o]) for o in originals))
    for original in originals:
        lean = static / lean_name(original.relative_to(static).as_posix())
        if scan.before.get("lean_key") == scan.lean_key and lean.is_file():
            lighter = lean.read_text(encoding="utf-8")
        else:
            lighter = (sheets[original] or unused_css.Stylesheet(texts[original])).keep(used)
        if not lean.is_file() or lean.read_text(encoding="utf-8") != lighter:
            lean.write_text(lighter, encoding="utf-8")
        versions[lean.name] = hashlib.sha256(lighter.encode()).hexdigest()[:8]
    bundles = scan.bundles(pages)
    versions.update(_write_bundle_files(outdir, bundles))
    for old in (outdir / BUNDLE_DIR).glob("bundle-*.css"):
        if old.name not in bundles:
            old.unlink()  # no page links it any more (its page now uses other stylesheets, or is gone)
    # Each page names the lean copies and bundles with their content's digest (?v=), so a browser never
    # keeps an older copy that lacks rules a page now needs; the pages were written before the copies were.
    link = re.compile(r'(href="[^"]*?)(%s)(?:\?v=[0-9A-Za-z]+)?"' % "|".join(re.escape(name) for name in versions))
    first_styles = FirstStyles(outdir, unused_css, scan.before.get("sheets", {}))
    for page in scan.to_finish(pages, versions):
        text = page.read_text(encoding="utf-8")
        linked = first_styles.inline(page, link.sub(lambda m: f'{m[1]}{m[2]}?v={versions[m[2]]}"', text))
        if linked != text:
            page.write_text(linked, encoding="utf-8")
        scan.finished(page)
    scan.sheets = first_styles.parsed
    scan.save(versions)


class SiteScan:
    """What the finishing step needs of each file of the built site, kept from one build to the next.

    Its words (the class names it may use) and the stylesheet bundles it links are read again only
    from a file whose size or time changed, that is, one this build wrote; a page already finished
    for the same stylesheets is left as it is. An edit to one therapy then costs the pages it
    rewrote, not the whole site."""

    def __init__(self, outdir: Path, unused_css: Any):
        self.outdir, self.unused_css = outdir, unused_css
        self.path = outdir.parent / ".carbook" / "site-scan.pickle"  # beside the site, not in it
        from carbook.data.snapshot import code_digest

        self.code = code_digest()  # what is kept was worked out by this package's code
        before = kept.read(self.path)
        # absent, unreadable or from other code: scan every file
        fresh = isinstance(before, dict) and before.get("code") == self.code
        self.before = before if fresh else {"versions": None, "files": {}, "finished": {}}
        self.files: dict[str, tuple] = {}
        self.finished_at: dict[str, tuple] = {}
        self.lean_key: tuple | None = None  # what the lean stylesheets were made from
        self.classes: dict[str, frozenset[str]] = {}  # the classes of each stylesheet they are made from, by digest
        self.sheets: dict[str, Any] = {}  # bundles read into rules, by the digest of their text

    @staticmethod
    def _stat(path: Path) -> tuple[int, int]:
        status = path.stat()
        return status.st_size, status.st_mtime_ns

    def _entry(self, path: Path) -> tuple:
        name = path.relative_to(self.outdir).as_posix()
        if name not in self.files:
            stat = self._stat(path)
            kept = self.before["files"].get(name)
            if kept is not None and kept[0] == stat:
                self.files[name] = kept
            else:
                text = path.read_text(encoding="utf-8", errors="ignore")
                plain = STYLE_GROUP.sub("", text) if path.suffix == ".html" else text  # its own markup only
                self.files[name] = (stat, frozenset(self.unused_css.WORD.findall(plain)),
                                    tuple(BUNDLE_LINK.findall(text)) if path.suffix == ".html" else ())
        return self.files[name]

    def words(self, files: list[Path]) -> set[str]:
        """Give every word of the files (the class names their markup and scripts may use)."""
        return set().union(*(self._entry(path)[1] for path in files))

    def bundles(self, pages: list[Path]) -> dict[str, list[str]]:
        """Give each bundle the pages link, by file name, with the stylesheets it joins."""
        return {Path(href).name: names.split() for page in pages for names, href in self._entry(page)[2]}

    def to_finish(self, pages: list[Path], versions: dict[str, str]) -> list[Path]:
        """Give the pages not yet finished for these stylesheet versions (all, when a stylesheet changed)."""
        if self.before["versions"] != versions:
            return pages
        done = self.before["finished"]
        return [page for page in pages if done.get(page.relative_to(self.outdir).as_posix()) != self._stat(page)]

    def finished(self, page: Path) -> None:
        """Note that ``page`` is finished as it now is (finishing changes neither its words nor its bundles)."""
        name, stat = page.relative_to(self.outdir).as_posix(), self._stat(page)
        self.finished_at[name] = stat
        if name in self.files:
            self.files[name] = (stat, *self.files[name][1:])

    def save(self, versions: dict[str, str]) -> None:
        """Keep what was read, for the next build."""
        finished = {**{name: stat for name, stat in self.before["finished"].items() if name in self.files},
                    **self.finished_at}
        if not kept.write(self.path, {"code": self.code, "versions": versions, "files": self.files, "finished": finished,
                                      "lean_key": self.lean_key, "sheets": self.sheets, "classes": self.classes}):
            self.path.unlink(missing_ok=True)


# A page's stylesheet bundle as it is linked: blocking as Sphinx writes it, or as FirstStyles rewrote it.
STYLE_GROUP = re.compile(r'(?:<style data-carbook-first>.*?</style>\s*)?'
                         r'<link data-carbook-bundle="([^"]*)"[^>]*?href="([^"]*)"[^>]*>'
                         r'(?:\s*<noscript><link [^>]*></noscript>)?', re.DOTALL)


class FirstStyles:
    """Puts in each page's head the rules of its stylesheet bundle that the page's own markup can use,
    and loads the whole bundle without holding back the first paint.

    A phone then paints the page as soon as its HTML has arrived, instead of after one more round
    trip for the stylesheet and its download. The whole bundle, which also has the rules for classes
    that the theme's scripts add later, arrives meanwhile and is cached for the next page; without
    JavaScript it is linked as usual. Pages alike (the chapters) share the rules worked out once."""

    def __init__(self, outdir: Path, unused_css: Any, parsed: dict[str, Any] | None = None):
        self.outdir, self.unused_css = outdir, unused_css
        self.known = parsed or {}  # bundles read by an earlier build, by the digest of their text
        self.parsed: dict[str, Any] = {}  # those this build's pages link
        self.sheets: dict[Path, Any] = {}
        self.rules: dict[tuple[Path, frozenset[str], str], str] = {}

    def inline(self, page: Path, html: str) -> str:
        """Give ``html`` (of the file ``page``) with its bundle's rules inline and the bundle loaded late."""
        match = STYLE_GROUP.search(html)
        if match is None:
            return html
        names, href = match[1], match[2]
        bundle = (page.parent / href.split("?")[0]).resolve()
        if not bundle.is_file():
            return html
        sheet = self.sheets.get(bundle)
        if sheet is None:
            text = bundle.read_text(encoding="utf-8")
            digest = hashlib.sha256(text.encode()).hexdigest()
            sheet = self.known.get(digest) or self.unused_css.Stylesheet(text)
            self.sheets[bundle] = self.parsed[digest] = sheet
        rest = html[:match.start()] + html[match.end():]
        used = frozenset(self.unused_css.WORD.findall(rest)) & sheet.classes
        properties = frozenset(self.unused_css.VAR.findall(rest))  # custom properties the page itself uses
        folder = posixpath.relpath(page.parent.as_posix(), self.outdir.as_posix())
        key = (bundle, used, properties, folder)
        if key not in self.rules:
            home = posixpath.relpath(bundle.parent.as_posix(), self.outdir.as_posix())
            self.rules[key] = RELATIVE_URL.sub(lambda m: "url({0}{1}{0})".format(
                m[1], posixpath.relpath(posixpath.normpath(posixpath.join(home, m[2])), folder)),
                sheet.keep(used, properties))
        group = (f'<style data-carbook-first>{self.rules[key]}</style>\n'
                 f'<link data-carbook-bundle="{names}" rel="stylesheet" type="text/css" href="{href}" media="print" '
                 """onload="this.media='all'; this.onload=null" />\n"""
                 f'<noscript><link rel="stylesheet" type="text/css" href="{href}" /></noscript>')
        return html[:match.start()] + group + html[match.end():]


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


def setup(app: Sphinx) -> dict[str, Any]:
    # carbook_page_assets: {file name: regular expression}; the book's own script or style is sent
    # only with pages whose body matches (e.g. {"citations.js": "carbook-cite"}).
    app.add_config_value("carbook_page_assets", {}, "html", dict)
    app.connect("html-page-context", _prune, priority=990)  # after the theme and extensions add theirs
    app.connect("builder-inited", _no_page_yet)
    app.connect("html-page-context", _count_page)
    app.connect("env-get-updated", _static_changed)
    app.connect("build-finished", _lighten_stylesheets, priority=900)  # after the theme rewrites pygments.css
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
