"""A course site: a folder's notebooks as pages, and an index page.

Every notebook is executed and written as a page whose widgets play and whose formulas
render with no kernel and no network; the index page shows a screenshot of each.

    mlgraph export-site notebooks/ -o site/

The site is plain files (open ``site/index.html``, or host the folder anywhere).
Controls that run Python (sliders that re-trace, the trainer's play) carry a "needs a
running kernel" note: on a static page they move but nothing answers.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mlgraph.export import copy_assets, execute, html_exporter

__all__ = ["Page", "SiteError", "add_kernel_notes", "export_site", "index_html",
           "find_notebooks", "notebook_summary", "notebook_title"]

#: Written into the output folder; lists the files a re-export may replace.
MANIFEST = ".mlgraph-site.json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

#: anywidget classes (their ``_anywidget_id``) whose controls run Python.
KERNEL_WIDGETS = {
    "mlgraph.training_widget.TrainingWidget": (
        "training runs in Python, so play, step, reset and the settings do nothing "
        "here; the picture is the state when this page was built."
    ),
}
#: ipywidgets models that only lay out or display: they work on a static page.
STATIC_CONTROLS = {
    "AccordionModel", "BoxModel", "GridBoxModel", "HBoxModel", "VBoxModel",
    "StackModel", "TabModel", "HTMLModel", "HTMLMathModel", "LabelModel",
    "ImageModel", "FloatProgressModel", "IntProgressModel", "LinkModel",
    "DirectionalLinkModel",
}
_NOTE = (
    '<div class="mlgraph-kernel-note" role="note" style="margin: 6px 0; padding: 8px '
    "12px; border-left: 5px solid #b45309; background: #fff7e6; color: #3b2606; "
    'font: 15px/1.45 system-ui, sans-serif;"><strong>Needs a running kernel:</strong> '
    "{what} Open this notebook in JupyterLab or on Binder to use them.</div>"
)


class SiteError(RuntimeError):
    """A notebook could not be exported; the message names it and the failing cell."""


@dataclass
class Page:
    """One exported notebook.

    Attributes:
        source: the notebook's path.
        page: the page's file name in the site, e.g. ``01_computation_graphs.html``.
        title: the notebook's first ``#`` heading (else its file name).
        summary: the first paragraph after the title (Markdown markers removed).
        widgets: how many widget outputs the page has.
        kernel_notes: how many of them carry a "needs a running kernel" note.
        seconds: how long executing the notebook took.
        thumbnail: the screenshot's path in the site (``thumbs/….png``), or None.
    """

    source: Path
    page: str
    title: str
    summary: str
    widgets: int
    kernel_notes: int
    seconds: float
    thumbnail: str | None = None


def find_notebooks(source: str | Path) -> list[Path]:
    """The notebooks to export, by name.

    `source` itself, or the ``*.ipynb`` in the folder `source`.

    Raises:
        FileNotFoundError: if `source` does not exist or holds no notebook.
    """
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise FileNotFoundError(f"{source} does not exist: pass a folder of notebooks "
                                "(e.g. notebooks/) or a .ipynb file.")
    found = sorted(p for p in source.glob("*.ipynb") if p.is_file())
    if not found:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {source}/.")
    return found


def _markdown(nb: Any) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def notebook_title(nb: Any, fallback: str) -> str:
    """The text of the first level-1 heading (``# …``), else `fallback`."""
    for text in _markdown(nb):
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip() or fallback
    return fallback


def notebook_summary(nb: Any, limit: int = 280) -> str:
    """The first paragraph after the title, with ``**``/``*``/backticks removed."""
    for text in _markdown(nb):
        for para in re.split(r"\n\s*\n", text):
            para = para.strip()
            html_block = para.startswith("<") and para.endswith(">")
            if para and not html_block and not para.startswith(("#", "|", "!", "```")):
                para = re.sub(r"\*\*|__|`", "", " ".join(para.split()))
                return para if len(para) <= limit else para[: limit - 1].rstrip() + "…"
    return ""


def _refs(value: Any) -> list[str]:
    """Model ids referenced by a widget state value ("IPY_MODEL_…", "anywidget:…")."""
    if isinstance(value, str):
        for prefix in ("IPY_MODEL_", "anywidget:"):
            if value.startswith(prefix):
                return [value[len(prefix):]]
        return []
    if isinstance(value, list | tuple):
        return [r for v in value for r in _refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    return []


def _kernel_needs(root: str, state: dict[str, Any]) -> list[str]:
    """What in the widget tree under `root` needs a kernel, as phrases for the note."""
    controls: list[str] = []
    widgets: list[str] = []
    seen, todo = set(), [root]
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in state:
            continue
        seen.add(mid)
        model = state[mid]
        s = model.get("state", {})
        name = model.get("model_name", "")
        if model.get("model_module") == "@jupyter-widgets/controls" and not (
            name in STATIC_CONTROLS or name.endswith("StyleModel")
        ):
            kind = re.sub(r"Model$", "", name)
            label = s.get("description") or ""
            controls.append(f"{kind} {label}".strip())
        why = KERNEL_WIDGETS.get(s.get("_anywidget_id", ""))
        if why:
            widgets.append(why)
        todo.extend(r for k, v in s.items() if k not in ("layout", "style")
                    for r in _refs(v))
    if controls:
        listed = ", ".join(sorted(set(controls)))
        widgets.insert(0, f"the controls ({listed}) re-run Python code, so on this "
                       "page they move but nothing changes.")
    return widgets


def add_kernel_notes(nb: Any) -> tuple[int, int]:
    """Put a "needs a running kernel" note before each widget that runs Python.

    Returns:
        (widget outputs, notes added).
    """
    import nbformat

    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    views = notes = 0
    for cell in nb.cells:
        outputs = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view:
                views += 1
                needs = _kernel_needs(view.get("model_id", ""), state)
                if needs:
                    notes += 1
                    what = " ".join(html.escape(n[:1].upper() + n[1:]) for n in needs)
                    outputs.append(nbformat.v4.new_output(
                        "display_data", data={"text/html": _NOTE.format(what=what)}))
            outputs.append(out)
        if cell.cell_type == "code":
            cell.outputs = outputs
    return views, notes


def link_pages(nb: Any, names: dict[str, str]) -> None:
    """In Markdown cells, point links to exported notebooks at their pages.

    ``01_x.ipynb`` → ``01_x.html``, keeping any ``#anchor``.
    """

    def swap(m: re.Match) -> str:
        target = names.get(m.group(2).removeprefix("./"))
        return m.group(1) + target + (m.group(3) or "") if target else m.group(0)

    pattern = re.compile(r"""(\]\(|href=["'])([^)"'#\s]+\.ipynb)(#[^)"'\s]*)?""")
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = pattern.sub(swap, cell.source)


def local_files(nb: Any, folder: Path) -> list[str]:
    """Files next to the notebook that its Markdown shows, relative to `folder`.

    Images as ``![](images/a.png)`` or ``<img src="…">``; remote and missing ones and
    any outside `folder` are left out.
    """
    found = []
    pattern = re.compile(r"""!\[[^\]]*\]\(\s*<?([^)>\s]+)"""
                         r"""|<img[^>]*\bsrc=["']([^"']+)""")
    root = folder.resolve()
    for text in _markdown(nb):
        for m in pattern.finditer(text):
            ref = (m.group(1) or m.group(2)).split("#")[0].split("?")[0]
            if not ref or re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I) or ref[0] == "/":
                continue
            path = (folder / ref).resolve()
            if path.is_file() and root in path.parents:
                found.append(path.relative_to(root).as_posix())
    return sorted(set(found))


def _prepare_output(output: Path) -> None:
    """Make `output` ready: new, empty, or a site written before (whose files go)."""
    manifest = output / MANIFEST
    if output.exists() and not output.is_dir():
        raise FileExistsError(f"{output} is a file: pass a folder for the site.")
    if output.is_dir() and any(output.iterdir()):
        if not manifest.exists():
            raise FileExistsError(
                f"{output}/ is not empty and was not written by mlgraph export-site; "
                "nothing was changed. Pass a new or empty folder with -o."
            )
        for rel in json.loads(manifest.read_text(encoding="utf-8"))["files"]:
            target = (output / rel).resolve()
            if output.resolve() in target.parents and target.is_file():
                target.unlink()
    output.mkdir(parents=True, exist_ok=True)


def export_site(
    source: str | Path,
    output: str | Path,
    *,
    title: str = "mlgraph course",
    timeout: int = 300,
    thumbnails: bool = True,
    log: Callable[[str], None] = print,
) -> list[Page]:
    """Execute every notebook in `source` and write the course site to `output`.

    Args:
        source: a folder of notebooks (``*.ipynb``, by name) or one notebook.
        output: the site's folder (new, empty, or written by an earlier export).
        title: the index page's heading.
        timeout: seconds one cell may run.
        thumbnails: take a screenshot of every page with headless Chromium for the
            index (skipped, with a message saying how to get them, if Chromium or
            playwright is missing).
        log: where progress lines go.

    Returns:
        The pages, in index order.

    Raises:
        SiteError: if a notebook fails to execute (all are tried; the message lists
            every failure); no index is written then.
        FileExistsError: if `output` holds files not written by an earlier export.
    """
    import nbformat
    from nbconvert.preprocessors import CellExecutionError

    notebooks = find_notebooks(source)
    output = Path(output)
    _prepare_output(output)
    names = {nb.name: nb.with_suffix(".html").name for nb in notebooks}
    written: list[str] = []
    pages: list[Page] = []
    failures: list[str] = []
    exporter = html_exporter()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            execute(nb, path.parent, timeout)
        except CellExecutionError as err:
            failures.append(f"{path}: {err.ename}: {err.evalue}")
            log(f"FAILED {path}")
            continue
        seconds = time.perf_counter() - start
        views, notes = add_kernel_notes(nb)
        link_pages(nb, names)
        for rel in local_files(nb, path.parent):
            (output / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path.parent / rel, output / rel)
            written.append(rel)
        title_text = notebook_title(nb, path.stem)
        nb.metadata["title"] = title_text  # the page's <title> (escaped by nbconvert)
        body, _ = exporter.from_notebook_node(nb)
        page = names[path.name]
        (output / page).write_text(body, encoding="utf-8")
        written.append(page)
        pages.append(Page(path, page, title_text, notebook_summary(nb), views, notes,
                          seconds))
        log(f"{page}: executed in {seconds:.1f} s, {views} widgets"
            + (f", {notes} need a kernel" if notes else ""))
    written += [p.name for p in copy_assets(output)]
    _write_manifest(output, written)
    if failures:
        raise SiteError("these notebooks failed to execute, so the site has no index "
                        "page:\n  " + "\n  ".join(failures))
    if thumbnails:
        from mlgraph.export.thumbnails import take_thumbnails

        for page in take_thumbnails(output, pages, log=log):
            written.append(page)
    (output / "index.html").write_text(index_html(pages, title), encoding="utf-8")
    written.append("index.html")
    _write_manifest(output, written)
    log(f"wrote {output / 'index.html'} ({len(pages)} pages)")
    return pages


def _write_manifest(output: Path, written: list[str]) -> None:
    (output / MANIFEST).write_text(
        json.dumps({"files": sorted(set(written))}, indent=1), encoding="utf-8"
    )


def _href(name: str) -> str:
    return html.escape(quote(name), quote=True)


_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<script src="mathjax.js"></script>
<style>
body {{ margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: #1c1c1c; background: #f6f7f9; }}
header, main, footer {{ max-width: 1200px; margin: 0 auto; padding: 0 24px; }}
header h1 {{ font-size: 34px; margin: 28px 0 6px; }}
header p, footer {{ color: #404040; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr));
        gap: 22px; margin-top: 22px; }}
.card {{ background: #fff; border: 1px solid #d0d4da; border-radius: 8px;
         overflow: hidden; display: flex; flex-direction: column; }}
.card img, .card .nothumb {{ display: block; width: 100%; aspect-ratio: 16 / 9;
         object-fit: cover; object-position: top; border-bottom: 1px solid #d0d4da; }}
.card .nothumb {{ display: flex; align-items: center; justify-content: center;
         background: #eceff3; color: #404040; font-size: 15px; padding: 0 16px;
         box-sizing: border-box; text-align: center; }}
.card h2 {{ font-size: 21px; margin: 12px 16px 4px; }}
.card h2 a {{ color: #0b4f9c; text-decoration: none; }}
.card h2 a:hover, .card h2 a:focus {{ text-decoration: underline; }}
.card p {{ margin: 4px 16px; }}
.card .meta {{ color: #4a4a4a; font-size: 14px; margin: auto 16px 12px;
         padding-top: 8px; }}
footer {{ margin: 28px auto; font-size: 14px; }}
</style></head>
<body>
<header><h1>{title}</h1>
<p>Every lecture notebook, executed. The graph widgets play in your browser with no
kernel and no network: press ▶ or step with ← →. Controls marked
<em>needs a running kernel</em> (sliders that re-trace, the trainer) work in JupyterLab
or on Binder.</p></header>
<main>
{cards}
</main>
<footer>Built with mlgraph {version}.</footer>
</body></html>
"""

_CARD = """<article class="card" data-mlgraph-page="{page_attr}">
<a href="{href}" tabindex="-1" aria-hidden="true">{image}</a>
<h2><a href="{href}">{title}</a></h2>
<p>{summary}</p>
<p class="meta">{file} · {widgets} · executed in {seconds:.1f} s</p>
</article>"""


def index_html(pages: list[Page], title: str = "mlgraph course") -> str:
    """The index page: one card per page (screenshot, title, summary).

    Every string from a notebook (titles, summaries, file names) is escaped: it is text.
    """
    import mlgraph

    esc = html.escape
    cards = []
    for p in pages:
        if p.thumbnail:
            image = (f'<img src="{_href(p.thumbnail)}" '
                     f'alt="Screenshot of {esc(p.title)}" loading="lazy">')
        else:
            image = ('<div class="nothumb">No screenshot: export again where Chromium '
                     "and playwright are installed.</div>")
        n = p.widgets
        widgets = "no widgets" if n == 0 else f"{n} widget{'s' if n != 1 else ''}"
        cards.append(_CARD.format(
            page_attr=esc(p.page), href=_href(p.page), image=image, title=esc(p.title),
            summary=esc(p.summary), file=esc(p.source.name), widgets=widgets,
            seconds=p.seconds,
        ))
    return _INDEX.format(title=esc(title), cards="\n".join(cards),
                         version=esc(mlgraph.__version__))


def pages_json(pages: list[Page]) -> str:
    """The pages as JSON (for scripts and the CLI's ``--json``)."""
    return json.dumps([{**asdict(p), "source": str(p.source)} for p in pages], indent=1)
