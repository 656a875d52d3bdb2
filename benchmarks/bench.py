"""Build-time benchmark of the book, run by ``make bench`` (not part of ``make test``).

Measures, in one run and with the commands alternated so that machine drift cancels out:

* this book: cold build, rebuild with nothing changed, rebuild after one therapy's data changed;
* the same for the Jupyter Book sample book (``jupyter-book create``) and a one-page book (the floor);
* the cold build of copies of this book with 2, 50 and 200 therapies (the real two plus clones of
  ``ct-0525``, each with a source, name, NCI code and trial identifier of its own), the rebuild
  after the same one-therapy edit in each, the peak memory of a cold build (the build and its
  kernels together, in an untimed build of its own: sampling every process's memory slows the build
  it watches) and its largest page;
* a floor for any one-therapy edit: the rebuild after touching only that therapy's chapter page, which
  re-executes that one notebook and nothing else;
* what a reader on a phone meets (:mod:`reader`): each chapter's weight and requests, DOMContentLoaded
  and largest paint under Slow 4G with a 4× slower CPU, side by side with the sample book's first page,
  alternated over the rounds; and Lighthouse 12's mobile performance and accessibility scores.

Every build is ``jupyter-book build <dir>`` as a subprocess, in a temporary copy; nothing in the
working tree is touched. The book and the ``carbook`` package are snapshotted once at the start (from
the working tree, or from a commit with ``--ref``) and the builds import that snapshot, so edits made
while the benchmark runs do not mix into it. It prints the medians, the four target ratios with
PASS/MISS, and the machine. Usage::

    python benchmarks/bench.py              # 3 rounds, 2/50/200 therapies
    python benchmarks/bench.py --rounds 5
    python benchmarks/bench.py --quick      # 1 round, 2/50 therapies
    python benchmarks/bench.py --ref HEAD   # the last commit instead of the working tree
    python benchmarks/bench.py --reader     # only what a reader meets (about 2 minutes)
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil
import yaml

from carbook import synthetic
from carbook.data import paths

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # reader.py, beside this file
SNAPSHOT_PARTS = (*paths.BOOK_PARTS, "src")
JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))
ROOT = REPO  # what the books are copied from; main() points it at the snapshot

# Targets from the issue.
COLD_VS_SAMPLE = 1.5  # book cold build ≤ 1.5 × sample book cold build
NOCHANGE_VS_FLOOR = 1.2  # book no-change rebuild ≤ 1.2 × one-page book rebuild
SECONDS_PER_THERAPY = 0.1  # marginal cold-build cost of one therapy, from 2 to the largest count
# one-therapy edit rebuild / that book's cold build: ≤ 0.1 × from 200 therapies, ≤ 0.05 × from 2,000
EDIT_VS_COLD = {200: 0.1, 2000: 0.05}
CHAPTER_GZIP_GROWTH = 0.10  # a chapter's gzip size at the largest count, within 10 % of its size at the smallest
SITE_MB_AT_2000 = 300  # the whole site, growing linearly
PEAK_MEMORY_MB = 1024  # at the largest count: the cold build and its kernels together
LARGEST_PAGE_MIB = 1.0  # at the largest count: the largest HTML page of the site
# Reader targets: each chapter on a phone, against the sample book's first page measured in the same run.
PAGE_KIB = 300  # on the wire (gzip)
PAGE_REQUESTS = 12
DCL_VS_SAMPLE = 0.35
LCP_VS_SAMPLE = 0.5
LIGHTHOUSE_PERFORMANCE = 0.95
LIGHTHOUSE_ACCESSIBILITY = 1.0
SAMPLE_PAGE = "intro.html"  # the sample book's first page (its index.html forwards to it)

# The one-therapy edit: a trial identifier corrected in ct-0525's source and data (and the source's recorded
# digest, as `python -m carbook update` records a new version).
EDIT_FILE = "data/therapies/ct-0525.yaml"
EDIT_OLD = "NCT06254807"
EDIT_NEW = "NCT06254870"
EDITED_THERAPY = "ct-0525"

EXECUTED = re.compile(r"(\S+\.(?:md|ipynb)): Executed notebook in ([0-9.]+) seconds")


# --- builds --------------------------------------------------------------------------------------


@dataclass
class Build:
    """One timed ``jupyter-book build``."""

    seconds: float  # wall clock
    cpu: float  # user + system seconds of the build and every process it waited for (its kernels)
    executed: dict[str, float]  # page (relative to the book root) -> seconds its notebook took
    peak_mb: float = 0.0  # the most memory the build and its kernels held together (PSS), sampled
    largest_page: tuple[str, int] = ("", 0)  # the site's largest HTML page and its size in bytes
    site_bytes: int = 0  # every file of the built site
    chapter_gzip: int = 0  # the edited therapy's chapter page, gzip-compressed as a server sends it
    pages_over: int = 0  # HTML pages over LARGEST_PAGE_MIB

    @property
    def kernel_seconds(self) -> float:
        return sum(self.executed.values())


def build(root: Path, watch_memory: bool = False) -> Build:
    """Run ``jupyter-book build root`` and time it; stop the benchmark if the build fails. With
    ``watch_memory``, also sample the memory of the build's processes (which slows the build: time
    such a build for its memory only)."""
    env = {k: v for k, v in os.environ.items() if k != "CARBOOK_ROOT"}  # each copy finds its own root
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen([JUPYTER_BOOK, "build", str(root)], stdout=out, stderr=subprocess.STDOUT,
                                   text=True, cwd=root, env=env)
        if watch_memory:
            peak = _watch_memory(process)
        else:
            process.wait()
            peak = 0.0
        seconds = time.perf_counter() - start
        out.seek(0)
        output = out.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        sys.exit(f"build of {root} failed (exit {process.returncode}):\n{output[-4000:]}")
    executed = {}
    for path, took in EXECUTED.findall(output):
        try:
            page = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            page = path
        executed[page] = float(took)
    pages = [(p.stat().st_size, p.relative_to(root / "_build/html").as_posix())
             for p in (root / "_build/html").rglob("*.html")]
    size, name = max(pages, default=(0, ""))
    site = sum(p.stat().st_size for p in (root / "_build/html").rglob("*") if p.is_file())
    chapter = root / f"_build/html/book/therapies/{EDITED_THERAPY}.html"
    zipped = len(gzip.compress(chapter.read_bytes(), 6)) if chapter.is_file() else 0
    over = sum(1 for bytes_, _ in pages if bytes_ > LARGEST_PAGE_MIB * 2**20)
    return Build(seconds, cpu, executed, peak, (name, size), site, zipped, over)


def _watch_memory(process: subprocess.Popen, every: float = 0.2) -> float:
    """Wait for ``process`` to end; give the most memory (MB) it and its descendants held at once.

    Each process counts its proportional set size (PSS): memory it shares with others (pages a forked
    writer shares with the build, the libraries every kernel maps) is divided among them, not counted
    once per process as resident sizes would."""
    peak = 0
    try:
        parent = psutil.Process(process.pid)
    except psutil.NoSuchProcess:
        parent = None
    while process.poll() is None:
        total = 0
        if parent is not None:
            try:
                tree = [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                tree = []
            for member in tree:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, FileNotFoundError):
                    total += member.memory_full_info().pss
        peak = max(peak, total)
        time.sleep(every)
    process.wait()
    return peak / 2**20


# --- the books -------------------------------------------------------------------------------


def copy_book(destination: Path) -> Path:
    """Copy what this book is built from (config, pages, data) into ``destination``."""
    return paths.copy_book(ROOT, destination)


def sample_book(destination: Path) -> Path:
    """Create the Jupyter Book sample book in ``destination``."""
    result = subprocess.run([JUPYTER_BOOK, "create", str(destination)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"jupyter-book create failed:\n{result.stdout}\n{result.stderr}")
    return destination


def one_page_book(destination: Path) -> Path:
    """Write the smallest book: one page of text, no code."""
    destination.mkdir(parents=True)
    (destination / "_config.yml").write_text("title: One page\nauthor: Nobody\n", encoding="utf-8")
    (destination / "_toc.yml").write_text("format: jb-book\nroot: index\n", encoding="utf-8")
    (destination / "index.md").write_text("# One page\n\nA single page of text.\n", encoding="utf-8")
    return destination


def edit_book(root: Path) -> None:
    data = root / EDIT_FILE
    source = root / "data/sources" / yaml.safe_load(data.read_text(encoding="utf-8"))["source"]
    for path in (data, source):
        text = path.read_text(encoding="utf-8")
        if EDIT_OLD not in text:
            sys.exit(f"{path.relative_to(root)} no longer contains {EDIT_OLD!r}; update EDIT_OLD in {Path(__file__).name}")
        path.write_text(text.replace(EDIT_OLD, EDIT_NEW), encoding="utf-8")
    told = root / "data/provenance" / f"{source.name}.yaml"
    if told.is_file():
        told.write_text(synthetic.recording(told.read_text(encoding="utf-8"), source.read_bytes()), encoding="utf-8")


def touch_chapter(root: Path) -> None:
    # Re-reads and re-executes the edited therapy's chapter alone: no data changes, no shared page.
    path = root / f"book/therapies/{EDITED_THERAPY}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")


def edit_sample(root: Path) -> None:
    # The sample's MyST notebook: like a therapy chapter, a page whose code runs.
    path = root / "markdown-notebooks.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")


def edit_one_page(root: Path) -> None:
    path = root / "index.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")


@dataclass(frozen=True)
class Subject:
    name: str
    make: object  # (destination) -> root
    edit: object  # (root) -> None
    edit_label: str


SUBJECTS = (
    Subject("book", copy_book, edit_book, "ct-0525's trial identifier corrected in its source and data"),
    Subject("sample", sample_book, edit_sample, "markdown-notebooks.md: one sentence added"),
    Subject("one-page", one_page_book, edit_one_page, "index.md: one sentence added"),
)
STAGES = ("cold", "no-change", "edit")


def with_therapies(destination: Path, total: int) -> Path:
    """A copy of this book grown to ``total`` therapies (:func:`carbook.synthetic.grow`)."""
    root = copy_book(destination)
    try:
        synthetic.grow(root, total)
    except ValueError as error:
        sys.exit(str(error))
    return root


def snapshot(destination: Path, ref: str | None) -> str:
    """Copy the book and the package into ``destination``; give a description of what was copied."""
    git = lambda *a: subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=False)  # noqa: E731
    if ref:
        archive = git("archive", "--format=tar", ref, *SNAPSHOT_PARTS)
        if archive.returncode != 0:
            sys.exit(f"git archive {ref} failed: {archive.stderr.decode(errors='replace')}")
        destination.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):  # Python ≥ 3.11.4
                tar.extractall(destination, filter="data")
            else:
                tar.extractall(destination)
        commit = git("rev-parse", "--short", ref).stdout.decode().strip()
        return f"commit {commit} ({ref})"
    destination.mkdir(parents=True)
    paths.copy_book(REPO, destination, SNAPSHOT_PARTS)
    head = git("rev-parse", "--short", "HEAD").stdout.decode().strip() or "?"
    dirty = git("status", "--porcelain", "--", *SNAPSHOT_PARTS).stdout.decode().strip()
    return f"working tree at {head}" + (" with uncommitted changes" if dirty else "")


# --- running ---------------------------------------------------------------------------------


@dataclass
class Results:
    times: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cpu: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    executed: dict[tuple[str, str], list[dict[str, float]]] = field(default_factory=dict)
    kernel: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    chapter_only: list[Build] = field(default_factory=list)
    therapies: dict[int, list[float]] = field(default_factory=dict)
    therapies_edit: dict[int, list[float]] = field(default_factory=dict)
    therapies_cpu: dict[int, list[float]] = field(default_factory=dict)
    therapies_kernel: dict[int, list[float]] = field(default_factory=dict)
    therapies_peak_mb: dict[int, list[float]] = field(default_factory=dict)
    therapies_largest_page: dict[int, tuple[str, int]] = field(default_factory=dict)
    therapies_site: dict[int, Build] = field(default_factory=dict)  # the sizes of the first cold build

    def add(self, key: tuple[str, str], b: Build) -> None:
        self.times.setdefault(key, []).append(b.seconds)
        self.cpu.setdefault(key, []).append(b.cpu)
        self.executed.setdefault(key, []).append(b.executed)
        self.kernel.setdefault(key, []).append(b.kernel_seconds)

    def median(self, key: tuple[str, str], cpu: bool = False) -> float:
        return statistics.median((self.cpu if cpu else self.times)[key])


def rotate(items: list | tuple, by: int) -> list:
    items = list(items)
    by %= len(items)
    return items[by:] + items[:by]


def run(rounds: int, counts: list[int], work: Path) -> Results:
    results = Results()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731

    # Warm the disk cache and byte-code caches once (Sphinx, the theme, a kernel); not measured.
    log("warm-up (not measured) ...")
    build(with_therapies(work / "warmup", 2))
    shutil.rmtree(work / "warmup")

    for r in range(rounds):
        round_dir = work / f"round-{r + 1}"
        roots = {}
        subjects = rotate(SUBJECTS, r)  # the order changes from round to round
        for stage in STAGES:
            for s in subjects:
                if stage == "cold":
                    roots[s.name] = s.make(round_dir / s.name)
                elif stage == "edit":
                    s.edit(roots[s.name])
                b = build(roots[s.name])
                results.add((s.name, stage), b)
                log(f"round {r + 1}/{rounds}  {s.name:<9} {stage:<10} {b.seconds:7.2f} s ({b.cpu:6.2f} s CPU)"
                    f"  executed: {', '.join(sorted(b.executed)) or '-'}")
        touch_chapter(roots["book"])
        b = build(roots["book"])
        results.chapter_only.append(b)
        log(f"round {r + 1}/{rounds}  book      chapter page only {b.seconds:7.2f} s"
            f"  executed: {', '.join(sorted(b.executed)) or '-'}")
        for total in rotate(counts, r):
            root = with_therapies(round_dir / f"therapies-{total}", total)
            b = build(root)
            results.therapies.setdefault(total, []).append(b.seconds)
            results.therapies_cpu.setdefault(total, []).append(b.cpu)
            results.therapies_kernel.setdefault(total, []).append(b.kernel_seconds)
            if r == 0:  # peak memory, in an untimed cold build of its own (sampling it slows a build)
                probe = with_therapies(round_dir / f"memory-{total}", total)
                results.therapies_peak_mb.setdefault(total, []).append(build(probe, watch_memory=True).peak_mb)
                shutil.rmtree(probe)
            results.therapies_site.setdefault(total, b)
            results.therapies_largest_page[total] = max(results.therapies_largest_page.get(total, ("", 0)),
                                                        b.largest_page, key=lambda page: page[1])
            peak = results.therapies_peak_mb[total][0]
            log(f"round {r + 1}/{rounds}  {total:>3} therapies, cold {b.seconds:7.2f} s ({b.cpu:6.2f} s CPU)"
                f"  ({len(b.executed)} notebooks, {b.kernel_seconds:.2f} s executing; peak {peak:.0f} MB;"
                f" largest page {b.largest_page[0]} {b.largest_page[1] / 1024:.0f} KiB)")
            edit_book(root)
            e = build(root)
            results.therapies_edit.setdefault(total, []).append(e.seconds)
            log(f"round {r + 1}/{rounds}  {total:>3} therapies, edit {e.seconds:7.2f} s  ({len(e.executed)} notebooks)")
            shutil.rmtree(root)
        shutil.rmtree(round_dir)
    return results


# --- what a reader meets ---------------------------------------------------------------------


@dataclass
class ReaderResults:
    visits: dict[str, list] = field(default_factory=dict)  # "book:page" / "sample:page" -> reader.Visit per round
    scores: dict[str, object] = field(default_factory=dict)  # same keys -> reader.Scores (or None)


# A throttled page load varies by about a fifth from one load to the next (the CPU slowdown is applied in
# slices, and the browser's other processes share the cores); medians of this many loads per page
# move by a few hundredths of the ratio between runs, where medians of five moved by a tenth.
READER_ROUNDS = 11


def reader_run(rounds: int, work: Path) -> ReaderResults:
    """Build this book and the sample book once, then load their pages on a throttled phone, alternating."""
    import reader
    from playwright.sync_api import sync_playwright

    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    log("reader: building this book and the sample book ...")
    book = copy_book(work / "reader-book")
    sample = sample_book(work / "reader-sample")
    build(book)
    build(sample)
    sites = {"book": book / "_build/html", "sample": sample / "_build/html"}
    chapters = sorted(p.relative_to(sites["book"]).as_posix() for p in (sites["book"] / "book/therapies").glob("*.html"))
    pages = [("book", page) for page in chapters] + [("sample", SAMPLE_PAGE)]
    results = ReaderResults()
    with sync_playwright() as playwright, reader.StaticHost(sites["book"]) as book_host, \
            reader.StaticHost(sites["sample"]) as sample_host:
        hosts = {"book": book_host, "sample": sample_host}
        browser = reader.launch(playwright)
        for r in range(rounds):
            for site, page in rotate(pages, r):
                v = reader.visit(browser, hosts[site].url(page))
                results.visits.setdefault(f"{site}:{page}", []).append(v)
                log(f"reader round {r + 1}/{rounds}  {site:<6} {page:<32} {v.bytes / 1024:6.0f} KiB {v.requests:3d} requests"
                    f"  DOMContentLoaded {v.dom_content_loaded:5.2f} s  largest paint {v.largest_paint:5.2f} s")
        browser.close()
        cli = reader.lighthouse_cli(log)
        for site, page in pages:
            key = f"{site}:{page}"
            try:
                results.scores[key] = reader.lighthouse(cli, hosts[site].url(page)) if cli else None
            except RuntimeError as error:
                log(str(error))
                results.scores[key] = None
            scores = results.scores[key]
            if scores:
                log(f"lighthouse  {site:<6} {page:<32} performance {scores.performance:.2f}  accessibility {scores.accessibility:.2f}")
    shutil.rmtree(work / "reader-book")
    shutil.rmtree(work / "reader-sample")
    return results


def reader_report(results: ReaderResults) -> None:
    med = lambda key, what: statistics.median(getattr(v, what) for v in results.visits[key])  # noqa: E731
    sample = f"sample:{SAMPLE_PAGE}"
    print("What a reader meets: a phone (375×812), cache off, gzip; Slow 4G (400 kB/s, 150 ms) and a 4× slower CPU")
    import reader

    lighthouse = reader.LIGHTHOUSE_DIR / "node_modules/lighthouse/package.json"
    lighthouse_version = json.loads(lighthouse.read_text())["version"] if lighthouse.is_file() else "?"
    print(f"  {tool_version(reader.CHROMIUM, '--version')}, Playwright {version('playwright')}, "
          f"Node {tool_version('node', '--version')}, Lighthouse {lighthouse_version}")
    print(f"  medians over {len(results.visits[sample])} rounds, alternated; Lighthouse mobile (its simulated throttling)")
    print(f"  {'page':<40}{'KiB':>7}{'requests':>10}{'DCL s':>8}{'LCP s':>8}{'LH perf':>9}{'LH a11y':>9}   Lighthouse FCP / LCP / TBT / CLS"
          "   (LCP of single loads, lowest–highest)")
    for key in results.visits:
        scores = results.scores.get(key)
        lh = (f"{scores.performance:>9.2f}{scores.accessibility:>9.2f}   "
              + " / ".join(f"{scores.metrics.get(m, float('nan')):.2f}" for m in (
                  "first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"))
              ) if scores else f"{'-':>9}{'-':>9}"
        paints = [v.largest_paint for v in results.visits[key]]
        print(f"  {key:<40}{med(key, 'bytes') / 1024:7.0f}{med(key, 'requests'):10.0f}{med(key, 'dom_content_loaded'):8.2f}"
              f"{med(key, 'largest_paint'):8.2f}{lh}   ({min(paints):.2f}–{max(paints):.2f})")
    print()
    print("Reader targets (each chapter; speed as a ratio of the sample page's medians in this run)")
    for key in (k for k in results.visits if k != sample):
        page = key.split(":", 1)[1]
        kib, requests = med(key, "bytes") / 1024, med(key, "requests")
        dcl = med(key, "dom_content_loaded") / med(sample, "dom_content_loaded")
        lcp = med(key, "largest_paint") / med(sample, "largest_paint")
        print(f"  {verdict(kib <= PAGE_KIB and requests <= PAGE_REQUESTS)}  {page}: {kib:.0f} KiB in {requests:.0f} requests"
              f"   target ≤ {PAGE_KIB} KiB in ≤ {PAGE_REQUESTS}")
        print(f"  {verdict(dcl <= DCL_VS_SAMPLE)}  {page}: DOMContentLoaded {dcl:.2f} × the sample's   target ≤ {DCL_VS_SAMPLE}")
        print(f"  {verdict(lcp <= LCP_VS_SAMPLE)}  {page}: largest paint {lcp:.2f} × the sample's   target ≤ {LCP_VS_SAMPLE}")
        scores = results.scores.get(key)
        if scores is None:
            print(f"  MISS  {page}: Lighthouse did not run")
            continue
        print(f"  {verdict(scores.performance >= LIGHTHOUSE_PERFORMANCE)}  {page}: Lighthouse performance "
              f"{scores.performance:.2f}   target ≥ {LIGHTHOUSE_PERFORMANCE}")
        print(f"  {verdict(scores.accessibility >= LIGHTHOUSE_ACCESSIBILITY)}  {page}: Lighthouse accessibility "
              f"{scores.accessibility:.2f}   target {LIGHTHOUSE_ACCESSIBILITY}"
              + (f"  (failing: {', '.join(scores.failing_audits)})" if scores.failing_audits else ""))
    print()


# --- reporting -------------------------------------------------------------------------------


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y on x."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def tool_version(*command: str) -> str:
    """Give the first line a program prints of its version, or "?"."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError:
        return "?"
    return (result.stdout.strip() or "?").splitlines()[0]


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def report(results: Results, rounds: int, code: str, load: tuple[float, float]) -> None:
    print()
    print(f"Code: {code}")
    print("Machine")
    print(f"  cores: {os.cpu_count()}   Python {platform.python_version()}   "
          f"jupyter-book {version('jupyter-book')}   Sphinx {version('sphinx')}   myst-nb {version('myst-nb')}")
    print(f"  {platform.platform()}   rounds: {rounds}   "
          f"load average (1 min) before the run {load[0]:.2f}, at its end {load[1]:.2f} (the run itself adds ~1)")
    if load[0] > 0.5 * (os.cpu_count() or 1):
        print("  note: other work was running; wall-clock figures may be inflated, CPU seconds less so")
    print()
    print("Median seconds of `jupyter-book build`: wall clock / CPU (build and kernels) / executing notebooks")
    print(f"  {'':<10}" + "".join(f"{stage:>24}" for stage in STAGES))
    for s in SUBJECTS:
        cells = []
        for stage in STAGES:
            key = (s.name, stage)
            cells.append(f"{results.median(key):6.2f} /{results.median(key, cpu=True):6.2f} /"
                         f"{statistics.median(results.kernel[key]):6.2f}")
        print(f"  {s.name:<10}" + "".join(f"{c:>24}" for c in cells))
    print("  edits: " + "; ".join(f"{s.name}: {s.edit_label}" for s in SUBJECTS))
    print()
    print("Pages whose notebook was executed")
    for s in SUBJECTS:
        for stage in STAGES:
            seen = {", ".join(sorted(e)) or "-" for e in results.executed[(s.name, stage)]}
            print(f"  {s.name:<10}{stage:<11}{' | '.join(sorted(seen))}")
    print()

    per_therapy = per_therapy_cpu = float("nan")
    if results.therapies:
        print("Cold build by number of therapies (the real 2 plus distinct clones of ct-0525)")
        points, cpu_points = [], []
        for total in sorted(results.therapies):
            m = statistics.median(results.therapies[total])
            c = statistics.median(results.therapies_cpu[total])
            k = statistics.median(results.therapies_kernel[total])
            points.append((total, m))
            cpu_points.append((total, c))
            e = statistics.median(results.therapies_edit[total])
            page, size = results.therapies_largest_page[total]
            print(f"  {total:>3} therapies {m:8.2f} s wall {c:8.2f} s CPU {k:8.2f} s executing notebooks   "
                  f"one-therapy edit {e:6.2f} s = {e / m:.2f} × cold   "
                  f"peak {max(results.therapies_peak_mb[total]):5.0f} MB   largest page {page} {size / 1024:.0f} KiB   "
                  f"(cold wall per round: {', '.join(f'{t:.2f}' for t in results.therapies[total])})")
        if len(points) > 1:
            per_therapy, per_therapy_cpu = slope(points), slope(cpu_points)
        print(f"  marginal cost (least-squares slope): {per_therapy:.2f} s wall, {per_therapy_cpu:.2f} s CPU "
              "per added therapy")
        print()

    # A one-therapy edit must re-execute that therapy's chapter and no other therapy's chapter; pages
    # outside book/therapies/ are built from all the data, so they depend on every therapy.
    chapter = f"book/therapies/{EDITED_THERAPY}.md"
    edit_runs = results.executed[("book", "edit")]
    reexecuted = set().union(*edit_runs)
    other_chapters = {p for p in reexecuted if p.startswith("book/therapies/") and p != chapter}
    shared = sorted(reexecuted - other_chapters - {chapter})
    only_dependent = all(chapter in e for e in edit_runs) and not other_chapters

    def ratio(a: tuple[str, str], b: tuple[str, str]) -> tuple[float, str]:
        paired = [x / y for x, y in zip(results.times[a], results.times[b])]
        cpu = results.median(a, cpu=True) / results.median(b, cpu=True)
        return results.median(a) / results.median(b), (
            f"CPU {cpu:.2f}; per round {', '.join(f'{q:.2f}' for q in paired)}")

    rows = [
        ("cold build / sample book cold build", *ratio(("book", "cold"), ("sample", "cold")), COLD_VS_SAMPLE),
        ("no-change rebuild / one-page book rebuild", *ratio(("book", "no-change"), ("one-page", "no-change")),
         NOCHANGE_VS_FLOOR),
    ]
    floor = statistics.median(b.seconds for b in results.chapter_only)
    print(f"Floor of a one-therapy edit: touching only {chapter} re-executes "
          f"{' | '.join(sorted({', '.join(sorted(b.executed)) or '-' for b in results.chapter_only}))}; "
          f"{floor:.2f} s = {floor / results.median(('book', 'cold')):.2f} × cold")
    print()
    print("Targets (verdict on wall-clock medians)")
    for label, value, detail, target in rows:
        print(f"  {verdict(value <= target)}  {label:<42} {value:5.2f}   target ≤ {target:<4}  ({detail})")
    print(f"  {verdict(only_dependent)}  one-therapy edit re-executes only pages that depend on it: its chapter "
          f"{'yes' if all(chapter in e for e in edit_runs) else 'NO'}, other chapters "
          f"{', '.join(sorted(other_chapters)) or 'none'}, pages built from all data {', '.join(shared) or 'none'}")
    if per_therapy == per_therapy:  # not NaN
        print(f"  {verdict(per_therapy <= SECONDS_PER_THERAPY)}  {'cold-build seconds per added therapy':<42} "
              f"{per_therapy:5.2f}   target ≤ {SECONDS_PER_THERAPY:<4}  (CPU {per_therapy_cpu:.2f})")
    if results.therapies:
        for total in sorted(results.therapies):
            target = min((t for n, t in EDIT_VS_COLD.items() if total >= n), default=None)
            if target is None:
                continue
            cold = statistics.median(results.therapies[total])
            edit = statistics.median(results.therapies_edit[total])
            print(f"  {verdict(edit / cold <= target)}  {f'{total} therapies: one-therapy edit / cold build':<42} "
                  f"{edit / cold:5.2f}   target ≤ {target:<4}  ({edit:.2f} s / {cold:.2f} s)")
        top, least = max(results.therapies), min(results.therapies)
        peak = max(results.therapies_peak_mb[top])
        page, size = results.therapies_largest_page[top]
        over = results.therapies_site[top].pages_over
        print(f"  {verdict(peak <= PEAK_MEMORY_MB)}  {f'{top} therapies: peak memory (MB)':<42} "
              f"{peak:5.0f}   target ≤ {PEAK_MEMORY_MB:<4}  (the build and its kernels together)")
        print(f"  {verdict(size / 2**20 <= LARGEST_PAGE_MIB)}  {f'{top} therapies: largest page (MiB)':<42} "
              f"{size / 2**20:5.2f}   target ≤ {LARGEST_PAGE_MIB:<4}  ({page}; {over} pages over)")
        small, large = results.therapies_site[least].chapter_gzip, results.therapies_site[top].chapter_gzip
        growth = large / small - 1 if small else float("nan")
        print(f"  {verdict(growth <= CHAPTER_GZIP_GROWTH)}  {f'chapter gzip size, {top} vs {least} therapies':<42} "
              f"{growth:+5.0%}   target ≤ +{CHAPTER_GZIP_GROWTH:.0%}  ({large / 1024:.1f} KiB vs {small / 1024:.1f} KiB)")
        small_mb, large_mb = (results.therapies_site[n].site_bytes / 1e6 for n in (least, top))
        at_2000 = large_mb if top == 2000 or top == least else small_mb + (large_mb - small_mb) / (top - least) * (2000 - least)
        print(f"  {verdict(at_2000 <= SITE_MB_AT_2000)}  {'whole site at 2,000 therapies (MB)':<42} "
              f"{at_2000:5.0f}   target ≤ {SITE_MB_AT_2000:<4}  ({'measured' if top == 2000 else 'extrapolated'}; "
              f"{small_mb:.1f} MB at {least}, {large_mb:.1f} MB at {top})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of alternated builds (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 round, and 2 and 10 therapies only")
    parser.add_argument("--ref", help="benchmark this git commit instead of the working tree")
    parser.add_argument("--therapies", type=int, nargs="+", metavar="N",
                        help="therapy counts for the scaling builds (default 2 50 200)")
    parser.add_argument("--reader", action="store_true", help="only what a reader meets; no build timings")
    parser.add_argument("--no-reader", action="store_true", help="only build timings")
    parser.add_argument("--reader-rounds", type=int, default=READER_ROUNDS,
                        help=f"page loads per page, alternated (default {READER_ROUNDS}; 3 with --quick)")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    counts = args.therapies or ([2, 50] if args.quick else [2, 50, 200])
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    if not Path(JUPYTER_BOOK).exists():
        parser.error(f"no jupyter-book next to {sys.executable}; run with the project's .venv/bin/python")
    global ROOT
    with tempfile.TemporaryDirectory(prefix="carbook-bench-") as tmp:
        started = time.perf_counter()
        code = snapshot(Path(tmp) / "snapshot", args.ref)
        ROOT = Path(tmp) / "snapshot"
        load_start = os.getloadavg()[0]
        if not args.no_reader:
            reader_results = reader_run(3 if args.quick else max(args.reader_rounds, 1), Path(tmp))
        if not args.reader:
            results = run(rounds, sorted(set(counts)), Path(tmp))
            report(results, rounds, code, (load_start, os.getloadavg()[0]))
        else:
            print(f"\nCode: {code}\nMachine: {os.cpu_count()} cores, {platform.platform()}")
        print()
        if not args.no_reader:
            reader_report(reader_results)
        print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
