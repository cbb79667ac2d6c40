"""Screenshots of exported pages with headless Chromium (through playwright).

Each is taken with every network request blocked, once the widgets are drawn and
MathJax is done.

Chromium is looked up in ``$MLGRAPH_CHROMIUM``, then on PATH (chromium,
chromium-browser, google-chrome). Without it (or without playwright) the index has no
thumbnails and `missing` says how to get them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["PAGE_READY_JS", "block_network", "find_chromium", "missing",
           "open_page", "take_thumbnails", "wait_until_ready"]

VIEWPORT = {"width": 1280, "height": 720}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome",
                  "google-chrome-stable")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]

#: True once every widget view of an nbconvert page is rendered and every graph widget
#: it holds (counted from the embedded widget state) has laid out its graph. Only the
#: children of ipywidgets containers (``IPY_MODEL_`` references) count: a widget that an
#: anywidget view draws itself (the trainer's graph tab) appears only when opened.
PAGE_READY_JS = """() => {
  const stateTag = document.querySelector(
    'script[type="application/vnd.jupyter.widget-state+json"]');
  const views = [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')];
  if (!stateTag || !views.length) return true;
  const state = JSON.parse(stateTag.textContent).state;
  const refs = (v) => typeof v === 'string'
    ? (v.startsWith('IPY_MODEL_') ? [v.slice(10)] : [])
    : Array.isArray(v) ? v.flatMap(refs)
    : (v && typeof v === 'object') ? Object.values(v).flatMap(refs) : [];
  let expected = 0;
  for (const tag of views) {
    const seen = new Set(), todo = [JSON.parse(tag.textContent).model_id];
    while (todo.length) {
      const id = todo.pop();
      if (seen.has(id) || !state[id]) continue;
      seen.add(id);
      const s = state[id].state || {};
      if (s._anywidget_id === 'mlgraph.widget.GraphWidget') expected += 1;
      for (const [k, v] of Object.entries(s)) {
        if (k !== 'layout' && k !== 'style') todo.push(...refs(v));
      }
    }
    const area = tag.previousElementSibling;
    if (!area || !area.classList.contains('widget-subarea')
        || !area.childElementCount) return false;
  }
  const graphs = [...document.querySelectorAll('.mlgraph')];
  return graphs.length >= expected
    && graphs.every((g) => g.getAttribute('data-mlgraph-ready') === '1');
}"""


def find_chromium() -> str | None:
    """A Chromium binary, or None.

    ``$MLGRAPH_CHROMIUM``, else the first of CHROMIUM_NAMES on PATH.
    """
    env = os.environ.get("MLGRAPH_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why thumbnails cannot be taken here, with how to fix it; None if they can."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return ("thumbnails skipped: playwright is not installed. "
                "Run `pip install mlgraph[export]` (or `pip install playwright`).")
    if find_chromium() is None:
        return ("thumbnails skipped: no Chromium found (looked at $MLGRAPH_CHROMIUM "
                f"and for {', '.join(CHROMIUM_NAMES)} on PATH). On Debian/Ubuntu run "
                "`apt-get install chromium`, or point MLGRAPH_CHROMIUM at a Chrome or "
                "Chromium binary, then export again.")
    return None


def block_network(page: Any) -> list[str]:
    """Abort every request that is not file:, blob: or data:; returns their URLs."""
    blocked: list[str] = []

    def handle(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "blob:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def wait_until_ready(page: Any, timeout_ms: int = 90_000) -> None:
    """Wait for the widgets (`PAGE_READY_JS`) and for MathJax's typesetting."""
    page.wait_for_function(PAGE_READY_JS, timeout=timeout_ms, polling=250)
    page.evaluate("async () => { if (window.mlgraphMathReady) "
                  "await window.mlgraphMathReady; }")


class open_page:  # noqa: N801 - used as a context manager, like open()
    """A headless Chromium: ``with open_page() as new_page:``.

    Its ``new_page()`` gives pages at 1280×720 with the network blocked.
    """

    def __init__(self, chromium: str | None = None) -> None:
        self.chromium = chromium or find_chromium()

    def __enter__(self) -> Callable[[], Any]:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._profile = tempfile.mkdtemp(prefix="mlgraph-chromium-")
        self._ctx = self._pw.chromium.launch_persistent_context(
            self._profile, executable_path=self.chromium, headless=True,
            args=CHROMIUM_ARGS, viewport=VIEWPORT,
        )

        def new_page() -> Any:
            page = self._ctx.new_page()
            block_network(page)
            return page

        return new_page

    def __exit__(self, *exc: object) -> None:
        self._ctx.close()
        self._pw.stop()
        shutil.rmtree(self._profile, ignore_errors=True)


def _scroll_to_first_figure(page: Any) -> None:
    page.evaluate("""() => {
      const el = document.querySelector(
        '.widget-subarea, .jp-OutputArea-output img, .jp-OutputArea-output svg');
      if (el) window.scrollTo(0, Math.max(0, el.getBoundingClientRect().top
                                          + window.scrollY - 150));
    }""")


def take_thumbnails(
    site: Path, pages: list[Any], log: Callable[[str], None] = print
) -> Iterator[str]:
    """Screenshot every page of `site` into ``thumbs/``; yields the files written.

    Each at 1280×720, at its first widget or figure; each page's ``thumbnail`` is set.

    Chromium runs in a child process, so this works from a notebook (whose asyncio
    loop playwright's sync API refuses) and beside a caller's own playwright.
    """
    why = missing()
    if why:
        log(why)
        return
    cmd = [sys.executable, "-m", "mlgraph.export.thumbnails", str(site),
           *(p.page for p in pages)]
    run = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=120 + 120 * len(pages))
    shots = {}
    for line in run.stdout.splitlines():
        page, _, rel = line.partition("\t")
        if rel:
            shots[page] = rel
        elif line:
            log(line)
    if run.returncode:
        log(f"thumbnails failed: {run.stderr.strip()[-2000:]}")
    for p in pages:
        if p.page in shots:
            p.thumbnail = shots[p.page]
            yield shots[p.page]


def _screenshots(site: Path, names: list[str]) -> None:
    """The child process: one screenshot per page, printing "page<TAB>file"."""
    (site / "thumbs").mkdir(exist_ok=True)
    with open_page() as new_page:
        for name in names:
            page = new_page()
            try:
                page.goto((site / name).resolve().as_uri())
                try:
                    wait_until_ready(page)
                except Exception as err:  # a thumbnail of what is there, and say so
                    print(f"{name}: not ready after 90 s ({type(err).__name__}); "
                          "screenshot taken anyway", flush=True)
                _scroll_to_first_figure(page)
                rel = f"thumbs/{Path(name).stem}.png"
                page.screenshot(path=str(site / rel))
                print(f"{name}\t{rel}", flush=True)
            finally:
                page.close()


if __name__ == "__main__":
    _screenshots(Path(sys.argv[1]), sys.argv[2:])
