"""What a reader on a phone meets: page weight, requests and speed of built books, run by ``make bench``.

Each book's ``_build/html`` is served on 127.0.0.1 the way a static host sends it (text gzip-compressed
when the browser asks for it). Chromium, driven by Playwright, opens a page on a phone viewport
(375×812) with the cache off; through the Chrome DevTools Protocol the network is slowed to Slow 4G
(400 kB/s, 150 ms round trip) and the CPU 4×. It records the bytes on the wire and the requests until the
page has loaded and the network has been quiet, DOMContentLoaded and the largest contentful paint.
Lighthouse 12 (from the npm registry, run with Node and Debian's Chromium) scores the same pages for
mobile performance and accessibility. Usage on its own::

    python benchmarks/reader.py _build/html book/therapies/heros-3.html [other-site page ...]
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("CARBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 375, "height": 812}
# Slow 4G as the issue measures it: 400 kB/s down, 150 ms round trip; CPU 4× slower.
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 400 * 1024, "uploadThroughput": 400 * 1024}
CPU_SLOWDOWN = 4
QUIET_MS = 1000  # the network counts as done after this long with no request in flight

LIGHTHOUSE_VERSION = "12"
LIGHTHOUSE_DIR = Path(__file__).resolve().parents[1] / ".venv" / "lighthouse"  # git ignores .venv
COMPRESSED = {".html", ".css", ".js", ".svg", ".json", ".txt", ".csv", ".map", ".xml", ".inv"}


class StaticHostHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files as a static host does: text gzip-compressed for a browser that accepts it."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def send_head(self):  # noqa: ANN201 - the base class's signature
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (path.suffix not in COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return _Body(body)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, *_: object) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


class StaticHost:
    """A static host for one built site on 127.0.0.1; ``url(page)`` gives a page's address."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(StaticHostHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StaticHost:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, page: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{page}"


@dataclass
class Visit:
    """One page load under Slow 4G and a 4× slower CPU, on a phone, with the cache off."""

    bytes: int  # on the wire (compressed), every response until the network was quiet
    requests: int
    dom_content_loaded: float  # seconds from navigation start
    largest_paint: float  # seconds from navigation start
    by_request: dict[str, int] = field(default_factory=dict)  # address -> bytes on the wire


LCP_JS = """
() => new Promise((resolve) => {
  let last = 0;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) last = e.startTime; })
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve(last), 200);
})
"""
DCL_JS = "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"


def visit(browser, url: str) -> Visit:
    """Load ``url`` once in a fresh phone-sized tab, throttled; give what it cost and how fast it painted."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.setdefault(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)
        page.wait_for_timeout(QUIET_MS)
        dcl = page.evaluate(DCL_JS) / 1000
        lcp = page.evaluate(LCP_JS) / 1000
    finally:
        context.close()
    by_request = {urls.get(rid, rid): size for rid, size in sizes.items() if not urls.get(rid, "").startswith("data:")}
    return Visit(sum(by_request.values()), len(by_request), dcl, lcp, by_request)


def median_visit(browser, url: str, runs: int) -> tuple[Visit, list[Visit]]:
    """Load ``url`` ``runs`` times; give a visit of the medians (the first run's requests) and every run."""
    visits = [visit(browser, url) for _ in range(runs)]
    first = visits[0]
    return Visit(int(statistics.median(v.bytes for v in visits)), int(statistics.median(v.requests for v in visits)),
                 statistics.median(v.dom_content_loaded for v in visits),
                 statistics.median(v.largest_paint for v in visits), first.by_request), visits


def launch(playwright):
    """Give a headless Debian Chromium, or stop with how to install it."""
    if not Path(CHROMIUM).is_file():
        sys.exit(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`, or set CARBOOK_CHROMIUM")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# --- Lighthouse ----------------------------------------------------------------------------------


def lighthouse_cli(log=print) -> Path | None:
    """Give Lighthouse's command-line script, installing lighthouse@12 from npm first if it is absent."""
    cli = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
    if cli.is_file():
        return cli
    if not shutil.which("npm"):
        log("  Lighthouse skipped: no npm (install Node.js 20 and npm)")
        return None
    log(f"  installing lighthouse@{LIGHTHOUSE_VERSION} from npm into {LIGHTHOUSE_DIR} (once) ...")
    LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", f"lighthouse@{LIGHTHOUSE_VERSION}"],
                            cwd=LIGHTHOUSE_DIR, capture_output=True, text=True)
    if result.returncode != 0 or not cli.is_file():
        log(f"  Lighthouse skipped: npm install failed:\n{result.stderr[-2000:]}")
        return None
    return cli


@dataclass
class Scores:
    performance: float
    accessibility: float
    metrics: dict[str, float]  # Lighthouse's simulated metrics, in seconds (CLS unitless)
    failing_audits: list[str]  # accessibility audits that failed


def lighthouse(cli: Path, url: str) -> Scores:
    """Run Lighthouse (mobile, its default simulated throttling) on ``url``; give its scores."""
    with tempfile.TemporaryDirectory(prefix="carbook-lighthouse-") as tmp:
        report = Path(tmp) / "report.json"
        flags = " ".join(["--headless=new", *CHROMIUM_ARGS, f"--user-data-dir={tmp}/profile"])
        result = subprocess.run(
            ["node", str(cli), url, "--only-categories=performance,accessibility", "--output=json",
             f"--output-path={report}", "--quiet", f"--chrome-flags={flags}"],
            capture_output=True, text=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
        if result.returncode != 0 or not report.is_file():
            raise RuntimeError(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
        data = json.loads(report.read_text(encoding="utf-8"))
    audits = data["audits"]
    metrics = {name: audits[name]["numericValue"] / (1 if name == "cumulative-layout-shift" else 1000)
               for name in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                            "cumulative-layout-shift", "speed-index", "interactive") if name in audits}
    accessibility = data["categories"]["accessibility"]
    failing = [ref["id"] for ref in accessibility["auditRefs"]
               if audits[ref["id"]].get("score") is not None and audits[ref["id"]]["score"] < 1 and ref["weight"] > 0]
    return Scores(data["categories"]["performance"]["score"], accessibility["score"], metrics, failing)


# --- on its own ---------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    if len(argv) < 2 or len(argv) % 2:
        print(__doc__)
        return 2
    cli = lighthouse_cli()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for site, page in zip(argv[::2], argv[1::2]):
            with StaticHost(Path(site)) as host:
                median, _ = median_visit(browser, host.url(page), 3)
                print(f"{site} {page}: {median.bytes / 1024:.0f} KiB in {median.requests} requests, "
                      f"DOMContentLoaded {median.dom_content_loaded:.2f} s, largest paint {median.largest_paint:.2f} s")
                for address, size in sorted(median.by_request.items(), key=lambda item: -item[1]):
                    print(f"    {size / 1024:7.1f} KiB  {address.split('/', 3)[-1]}")
                if cli:
                    scores = lighthouse(cli, host.url(page))
                    print(f"  Lighthouse: performance {scores.performance:.2f}, accessibility {scores.accessibility:.2f}"
                          f" {scores.failing_audits or ''}; "
                          + ", ".join(f"{k} {v:.2f}" for k, v in scores.metrics.items()))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
