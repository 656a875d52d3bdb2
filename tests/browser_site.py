"""What the browser tests share: where Chromium is, the local server for the built site, and tabs that
record console errors and failed requests. The fixtures built on these live in conftest.py, so that one
browser serves every test module."""

from __future__ import annotations

import http.server
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import yaml

from conftest import ROOT

CHROMIUM = os.environ.get("CARBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no host but the local server resolves
]
INSTALL_HINT = "install it with `sudo apt-get install chromium` (Debian/Ubuntu), or set CARBOOK_CHROMIUM to a Chromium binary"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

# Searches a reader would make, with the chapter that must come up.
SEARCHES = [("CD28", "book/therapies/heros-3.html"), ("phagocytosis", "book/therapies/ct-0525.html")]

FAILING_IMPACTS = ("critical", "serious")
AA_NORMAL_TEXT = 4.5  # WCAG 2 AA minimum contrast ratio for body text


# --------------------------------------------------------------------------------------------------
# The site: its pages, discovered from the build, served on a local port.


@dataclass
class Site:
    root: Path
    base_url: str
    pages: list[str]  # every page, as a path relative to the site root
    redirects: list[str]  # pages that only forward the reader elsewhere (meta refresh)
    chapters: list[str]  # the pages the table of contents lists, root first

    @property
    def content_pages(self) -> list[str]:
        return [page for page in self.pages if page not in self.redirects]

    def url(self, page: str, query: str = "") -> str:
        return self.base_url + quote(page) + (f"?{query}" if query else "")

    def is_local(self, url: str) -> bool:
        return url.startswith(self.base_url)

    def page_of(self, url: str) -> str | None:
        """Give the page of the site an address names (query and fragment aside), None for other hosts."""
        if not self.is_local(url):
            return None
        path = urlsplit(url).path.lstrip("/")
        return f"{path}index.html" if path.endswith("/") or not path else path


REFRESH = re.compile(r"<meta\s+http-equiv=[\"']?refresh", re.IGNORECASE)


def discover_pages(html_dir: Path) -> list[str]:
    """Give every page of a built site: .html files outside the folders Sphinx keeps assets in."""
    return sorted(
        path.relative_to(html_dir).as_posix()
        for path in html_dir.rglob("*.html")
        if not any(part.startswith("_") for part in path.relative_to(html_dir).parts)
    )


def toc_pages(toc: Path) -> list[str]:
    """Give the built page of every entry of a Jupyter Book ``_toc.yml``, root first."""

    def files(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    yield node[key]
            for value in node.values():
                if isinstance(value, list | dict):
                    yield from files(value)
        elif isinstance(node, list):
            for item in node:
                yield from files(item)

    entries = files(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return [re.sub(r"\.(md|ipynb|rst)$", "", name) + ".html" for name in entries]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser dropping a connection early is no fault of the site


# --------------------------------------------------------------------------------------------------
# Browser, server and tabs.


def _browser_unavailable(reason: str) -> None:
    message = f"{reason}; the browser tests need Chromium: {INSTALL_HINT}"
    if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@dataclass
class Tab:
    """A browser tab on the site that records console errors and failed requests as they happen."""

    site: Site
    page: Any
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    leaving: bool = False  # a page is being left for another: the browser cancels what it still loads

    def open(self, page: str, query: str = "") -> None:
        self.leaving = True
        try:
            response = self.page.goto(self.site.url(page, query), wait_until="load")
        finally:
            self.leaving = False
        if response is None or not response.ok:
            self.failed_requests.append(f"{page} (HTTP {response.status if response else 'no response'})")

    def take_records(self) -> tuple[list[str], list[str], list[str]]:
        records = (list(self.console_errors), list(self.failed_requests), list(self.external_requests))
        for record in (self.console_errors, self.failed_requests, self.external_requests):
            record.clear()
        return records


def new_tab(browser, site: Site, viewport: dict, scheme: str) -> tuple[Any, Tab]:
    """Open a tab in a fresh browser context at ``viewport`` in ``scheme`` ("light" or "dark")."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme, device_scale_factor=1)
    # The theme keeps the reader's choice in localStorage; set it, so the mode does not depend on the OS.
    context.add_init_script(f"localStorage.setItem('mode', '{scheme}'); localStorage.setItem('theme', '{scheme}');")
    tab = Tab(site, context.new_page())

    def on_console(message) -> None:
        if message.type == "error":
            tab.console_errors.append(f"{message.text} [{message.location.get('url', '')}]")

    def on_failure(request) -> None:
        if tab.leaving and request.failure == "net::ERR_ABORTED":
            return  # cancelled because the test opened the next page (a script the last page loads late, say)
        (tab.failed_requests if site.is_local(request.url) else tab.external_requests).append(f"{request.url} ({request.failure})")

    def on_response(response) -> None:
        if site.is_local(response.url) and response.status >= 400:
            tab.failed_requests.append(f"{response.url} (HTTP {response.status})")

    tab.page.on("console", on_console)
    tab.page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught exception: {error}"))
    tab.page.on("requestfailed", on_failure)
    tab.page.on("response", on_response)
    return context, tab


