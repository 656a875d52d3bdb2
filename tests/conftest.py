"""Shared fixtures: a copy of the book in a temporary folder, and that copy built once per session."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carbook.data import paths

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))
_STARTED = time.time()  # reports older than this run are not this run's


def copy_book(destination: Path) -> Path:
    """Copy what the book is built from (config, pages, data) into ``destination``; give its path."""
    return paths.copy_book(ROOT, destination)


def copy_data(destination: Path) -> Path:
    """Copy the data and the book's configuration (no pages) into ``destination``; give its path."""
    return paths.copy_book(ROOT, destination, ("_config.yml", "_toc.yml", "data"))


def squash(text: str) -> str:
    """Give text as the tests compare it: runs of whitespace as one space, none before , . ; : (a linked term
    is a text node of its own), and typographic quotes as plain ones, so that a passage and the same words
    on a page compare equal whichever quotation marks each is typed with."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s+", " ", text)).strip()


def record_source_version(root: Path, source: str) -> None:
    """Record the bytes of ``data/sources/<source>`` as its version in its provenance file, as if that copy had
    been brought in properly: for tests that write a source in another form on purpose."""
    import hashlib
    import re

    provenance = root / "data/provenance" / f"{source}.yaml"
    digest = hashlib.sha256((root / "data/sources" / source).read_bytes()).hexdigest()
    provenance.write_text(re.sub(r"(?m)^sha256: .*$", f"sha256: {digest}", provenance.read_text(encoding="utf-8")),
                          encoding="utf-8")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A copy of the book's data and configuration that a test may break."""
    return copy_data(tmp_path)


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``jupyter-book build`` on ``root`` with warnings as errors; give the finished process."""
    return subprocess.run(
        [JUPYTER_BOOK, "build", str(root), "-W", "-n", "--keep-going", *extra],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=900,
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Give the ``_build/html`` folder of a clean build of a copy of the book."""
    root = copy_book(tmp_path_factory.mktemp("book"))
    result = build(root)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return root / "_build" / "html"


#: Fixtures that build the book, or drive a browser: a test using one carries the marker, whatever it declares,
#: so that `-m "not build"` (make test-fast) never builds.
_MARKED_BY_FIXTURE = {"built_book": ("build",), "site": ("build", "browser"), "browser": ("browser",),
                      "open_tab": ("build", "browser"), "chromium_path": ("browser",)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by what its fixtures do: one that builds the book is ``build``, one that drives
    Chromium is ``browser``."""
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            for marker in _MARKED_BY_FIXTURE.get(fixture, ()):
                if marker not in item.keywords:
                    item.add_marker(marker)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """End the run with one line saying whether the whole suite passed, and where its reports are."""
    stats = terminalreporter.stats
    counts = {kind: len(stats.get(kind, [])) for kind in ("passed", "failed", "error", "skipped")}
    verdict = "all tests passed" if exitstatus == 0 else "TESTS FAILED"
    terminalreporter.write_sep("=", f"{verdict}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n),
                               green=exitstatus == 0, red=exitstatus != 0, bold=True)
    artifacts = ROOT / "test-artifacts"
    for report, what in ((artifacts / "axe-report.txt", "accessibility findings (axe-core)"),
                         (artifacts / "screenshots", "screenshots of every page")):
        if report.exists() and report.stat().st_mtime >= _STARTED:
            terminalreporter.write_line(f"{what}: {report.relative_to(ROOT)}")


# --- the browser: one Chromium for every browser test module, serving the built site --------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Give the Chromium binary; skip the browser tests without it, or fail them when CI=true."""
    from browser_site import CHROMIUM, _browser_unavailable

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _browser_unavailable("Playwright for Python is not installed (pip install -r requirements.lock)")
    if not Path(CHROMIUM).is_file():
        _browser_unavailable(f"there is no Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    """Give the one headless Chromium of the test session."""
    from playwright.sync_api import sync_playwright

    from browser_site import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site(chromium_path: str, built_book: Path):
    """Serve the built site on 127.0.0.1 at a free port; give its address and pages."""
    import functools
    import threading

    from browser_site import REFRESH, QuietHandler, QuietServer, Site, discover_pages, toc_pages

    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_book)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    pages = discover_pages(built_book)
    redirects = [page for page in pages if REFRESH.search((built_book / page).read_text(encoding="utf-8"))]
    chapters = toc_pages(built_book.parent.parent / "_toc.yml")
    try:
        yield Site(built_book, f"http://127.0.0.1:{server.server_address[1]}/", pages, redirects, chapters)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def open_tab(browser, site):
    """Give a function that opens a tab at a viewport size in light or dark mode, closed after the test."""
    from browser_site import DESKTOP, new_tab

    contexts = []

    def opener(viewport: dict = DESKTOP, scheme: str = "light"):
        context, tab = new_tab(browser, site, viewport, scheme)
        contexts.append(context)
        return tab

    yield opener
    for context in contexts:
        context.close()
