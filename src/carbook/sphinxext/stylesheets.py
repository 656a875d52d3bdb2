"""Writing the site's stylesheets after the build: lean copies of the theme's and extensions' stylesheets,
without the Font Awesome font and its icon rules and without the rules for components the site does
not have (:mod:`carbook.sphinxext.unused_css`); each page's stylesheets joined as one bundle; and in
each page's head the rules of its bundle that the page's own markup uses (:class:`FirstStyles`).
Pages link each file with its content's digest. What was worked out is kept for the next build
(:class:`SiteScan`), so an edit to one therapy costs the pages it rewrote.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from carbook.data import kept
from carbook.sphinxext import first_paint
from carbook.pages.pieces import write_changed

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
# The Font Awesome part of the theme's stylesheet: its fonts and one rule per icon (`content:"\\f0c9"`).
ICON_FONT = re.compile(r"@font-face\{[^}]*Font Awesome[^}]*\}")
ICON_RULE = re.compile(r"(?:\.fa-[a-z0-9-]+:before,?)+\{content:\"[^\"]*\"\}")


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
        write_changed(outdir / BUNDLE_DIR / name, text)
        digests[name] = hashlib.sha256(text.encode()).hexdigest()[:8]
    return digests


def lighten_stylesheets(app: Sphinx, exception: Exception | None) -> None:
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
    versions = {}
    texts = {original: ICON_RULE.sub("", ICON_FONT.sub("", original.read_text(encoding="utf-8"))) for original in originals}
    digests = {original: hashlib.sha256(text.encode()).hexdigest() for original, text in texts.items()}
    # The lean copies are made again only when the originals, or which of their classes the site uses,
    # changed: new words in a page's text alone leave them as they are.
    known = scan.before.get("classes", {})
    sheets = {original: None if digests[original] in known else unused_css.Stylesheet(texts[original]) for original in originals}
    scan.classes = {digests[o]: known[digests[o]] if sheets[o] is None else sheets[o].classes for o in originals}
    used = scan.words([*pages, *sorted(static.rglob("*.js"))], frozenset().union(*scan.classes.values()))
    scan.lean_key = (hashlib.sha256("\0".join(sorted(used)).encode()).hexdigest(),
                     tuple((o.relative_to(static).as_posix(), digests[o]) for o in originals))
    for original in originals:
        lean = static / lean_name(original.relative_to(static).as_posix())
        if scan.before.get("lean_key") == scan.lean_key and lean.is_file():
            lighter = lean.read_text(encoding="utf-8")  # as the last build wrote it
        else:
            lighter = (sheets[original] or unused_css.Stylesheet(texts[original])).keep(used)
            write_changed(lean, lighter)
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
        linked = link.sub(lambda m: f'{m[1]}{m[2]}?v={versions[m[2]]}"', text)
        if not page.relative_to(outdir).as_posix().startswith(LINKED_ONLY):
            linked = first_styles.inline(page, linked)
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
        self.path = outdir.parent / kept.FOLDER.name / "site-scan.pickle"  # beside the site, not in it
        before = kept.load(self.path)
        # absent, unreadable or from other code: scan every file
        self.before = before if isinstance(before, dict) else {"versions": None, "files": {}, "finished": {}}
        self.files: dict[str, tuple] = {}
        self._vocabulary: frozenset[str] = frozenset()
        self.vocabulary_key = ""  # the words a file's entry keeps: those some selector of the stylesheets needs
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
                self.files[name] = (stat, frozenset(self.unused_css.WORD.findall(plain)) & self._vocabulary,
                                    tuple(BUNDLE_LINK.findall(text)) if path.suffix == ".html" else ())
        return self.files[name]

    def words(self, files: list[Path], vocabulary: frozenset[str]) -> set[str]:
        """Give the words of ``vocabulary`` (what the stylesheets' selectors need) that occur in the files:
        the class names, ids and elements their markup and scripts may use.

        A file's entry keeps only those words (a few hundred, not every word of its text), so the scan of a
        site of thousands of pages stays small; entries kept for another vocabulary are read again."""
        self._vocabulary = vocabulary
        self.vocabulary_key = hashlib.sha256("\0".join(sorted(vocabulary)).encode()).hexdigest()
        if self.before.get("vocabulary_key") != self.vocabulary_key:
            self.before["files"] = {}
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
        kept.save(self.path, {"versions": versions, "files": self.files, "finished": finished,
                              "vocabulary_key": self.vocabulary_key,
                              "lean_key": self.lean_key, "sheets": self.sheets, "classes": self.classes})


# Pages that link their stylesheets as Sphinx writes them, without the first rules in the page: the source
# documents' pages, one per source (a few thousand in a book of the whole field), read far less often than
# the chapters; inline, the rules would add some 50 kB to each.
LINKED_ONLY = ("book/sources/",)

# A page's stylesheet bundle as it is linked: blocking as Sphinx writes it, or as FirstStyles rewrote it.
STYLE_GROUP = re.compile(r'(?:<style data-carbook-first>.*?</style>\s*)?'
                         r'<link data-carbook-bundle="([^"]*)"[^>]*?href="([^"]*)"[^>]*>'
                         r'(?:\s*<noscript><link [^>]*></noscript>)?', re.DOTALL)


class FirstStyles:
    """Puts in each page's head the rules of its stylesheet bundle that the page's markup needs for its
    first paint (:mod:`carbook.sphinxext.first_paint`), and loads the whole bundle without holding back
    that paint.

    A phone then paints the page as soon as its HTML has arrived, instead of after one more round
    trip for the stylesheet and its download. The whole bundle, which also has the rules for classes
    that the theme's scripts add later, arrives meanwhile and is cached for the next page; without
    JavaScript it is linked as usual. Pages alike (the chapters) share the rules worked out once."""

    def __init__(self, outdir: Path, unused_css: Any, parsed: dict[str, Any] | None = None):
        self.outdir, self.unused_css = outdir, unused_css
        self.known = parsed or {}  # bundles read by an earlier build, by the digest of their text
        self.parsed: dict[str, Any] = {}  # those this build's pages link
        self.sheets: dict[Path, Any] = {}
        self.rules: dict[tuple[Path, first_paint.Markup, str], str] = {}
        self.scripts: dict[Path, first_paint.Scripted] = {}

    def _scripted(self, script: Path) -> first_paint.Scripted:
        """Give what a script of the site may add to a page (nothing for one it does not have)."""
        script = script.resolve()
        if script not in self.scripts:
            text = script.read_text(encoding="utf-8", errors="ignore") if script.is_file() else ""
            self.scripts[script] = first_paint.script_adds(text)
        return self.scripts[script]

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
        scripted = first_paint.together([self._scripted(page.parent / src) for src in first_paint.script_sources(rest)])
        markup = first_paint.read(rest, scripted).within(sheet.classes, sheet.attributes)
        folder = posixpath.relpath(page.parent.as_posix(), self.outdir.as_posix())
        key = (bundle, markup, folder)
        if key not in self.rules:
            home = posixpath.relpath(bundle.parent.as_posix(), self.outdir.as_posix())
            self.rules[key] = RELATIVE_URL.sub(lambda m: "url({0}{1}{0})".format(
                m[1], posixpath.relpath(posixpath.normpath(posixpath.join(home, m[2])), folder)),
                self.unused_css.minified(sheet.keep(markup.words, markup.properties, markup)))
        group = (f'<style data-carbook-first>{self.rules[key]}</style>\n'
                 f'<link data-carbook-bundle="{names}" rel="stylesheet" type="text/css" href="{href}" media="print" '
                 """onload="this.media='all'; this.onload=null" />\n"""
                 f'<noscript><link rel="stylesheet" type="text/css" href="{href}" /></noscript>')
        return html[:match.start()] + group + html[match.end():]
