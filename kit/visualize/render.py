"""Rendering with no internet: plotly.js embedded (never from a CDN), static export, self-contained HTML."""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

__all__ = [
    "figure_bundle",
    "in_kernel",
    "notebook_to_html",
    "save_figure",
    "static_export_available",
    "use_offline_renderer",
]


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (where figures and widgets can be displayed).

    >>> in_kernel()
    False
    """
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return bool(shell) and hasattr(shell, "kernel")


_CDN_MATHJAX = re.compile(r'<script src="https?://[^"]*mathjax[^"]*"></script>', re.IGNORECASE)


def _offline_notebook_renderer():
    """plotly's ``notebook`` renderer (plotly.js embedded once per notebook) without MathJax from a CDN."""
    from plotly.io.base_renderers import NotebookRenderer

    class OfflineNotebookRenderer(NotebookRenderer):
        def to_mimebundle(self, fig_dict):
            bundle = super().to_mimebundle(fig_dict)
            # plotly's HtmlRenderer hard-codes include_mathjax="cdn"; the kit's figures use no LaTeX.
            bundle["text/html"] = _CDN_MATHJAX.sub("", bundle["text/html"])
            return bundle

    return OfflineNotebookRenderer(connected=False)


def use_offline_renderer() -> str:
    """Make figures render with no internet, in JupyterLab, classic Notebook, VS Code and exported HTML.

    Sets plotly's default renderer to ``plotly_mimetype+kit_offline``: JupyterLab draws the plotly mimetype;
    ``kit_offline`` adds a ``text/html`` version that uses a copy of plotly.js embedded in the notebook (no
    CDN, no MathJax download), which is what nbconvert's HTML export and static viewers show. On Colab the
    Colab renderer is kept. Returns the renderer now in use.

    >>> use_offline_renderer() in ("plotly_mimetype+kit_offline", "colab")
    True
    """
    import plotly.io as pio

    if "google.colab" in sys.modules:
        pio.renderers.default = "colab"
        return pio.renderers.default
    pio.renderers["kit_offline"] = _offline_notebook_renderer()
    pio.renderers.default = "plotly_mimetype+kit_offline"
    return pio.renderers.default


def figure_bundle(fig: go.Figure) -> dict[str, Any]:
    """The mime bundle ``display(fig)`` would show with the current default renderers, without re-embedding
    plotly.js (``fig._repr_mimebundle_`` re-activates the renderers on every call). For widgets that set
    their outputs directly (see :class:`kit.widgets.NeighbourExplorer`).

    >>> sorted(figure_bundle(go.Figure()))                             # doctest: +SKIP
    ['application/vnd.plotly.v1+json', 'text/html']
    """
    import plotly.io as pio

    fig_dict = fig.to_dict()
    bundle: dict[str, Any] = {}
    for name in (pio.renderers.default or "").split("+"):
        try:
            renderer = pio.renderers[name]
        except (KeyError, ValueError):
            continue
        if hasattr(renderer, "to_mimebundle"):
            bundle.update(renderer.to_mimebundle(fig_dict))
    return bundle or pio.renderers["plotly_mimetype"].to_mimebundle(fig_dict)


def static_export_available() -> bool:
    """Whether plotly can write PNG/SVG/PDF here (kaleido 1.x needs a Chrome or Chromium it can find)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return _find_chrome() is not None


def _find_chrome() -> str | None:
    try:
        from choreographer.browsers.chromium import Chromium

        path = Chromium.find_browser(skip_local=False)  # type: ignore[attr-defined]
        if path:
            return str(path)
    except Exception:
        pass
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def save_figure(
    fig: go.Figure,
    path: str | os.PathLike,
    *,
    width: int = 1100,
    height: int | None = None,
    scale: float = 2.0,
) -> Path:
    """Write ``fig`` to ``path``: ``.html`` always works (plotly.js embedded, opens offline); ``.png``,
    ``.svg``, ``.pdf`` go through kaleido, which needs Chrome. Without one, writes ``<path>.html`` instead,
    warns how to enable static export, and returns the path actually written.

    >>> out = save_figure(fig, "figures/alignment.png")                   # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".html", ".htm"):
        fig.write_html(str(path), include_plotlyjs=True, include_mathjax=False)
        return path
    try:
        fig.write_image(str(path), width=width, height=height or fig.layout.height or 560, scale=scale)
        return path
    except Exception as err:  # kaleido missing, or no Chrome for it to drive
        fallback = path.with_suffix(".html")
        fig.write_html(str(fallback), include_plotlyjs=True, include_mathjax=False)
        reason = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
        warnings.warn(
            f"static image export failed ({type(err).__name__}: {reason}); wrote interactive {fallback} instead. "
            "kaleido 1.x needs Chrome/Chromium: install one (e.g. `apt-get install chromium`, or "
            "`plotly_get_chrome`) to write PNG/SVG/PDF.",
            stacklevel=2,
        )
        return fallback


_REMOTE_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>', re.IGNORECASE)


def notebook_to_html(notebook: str | os.PathLike, html_path: str | os.PathLike) -> Path:
    """Export an executed notebook to one self-contained HTML file that renders with no internet.

    Uses nbconvert's ``lab`` template, minus what it would fetch from a CDN: the ``<script src="https://...">``
    tags of require.js and MathJax (no output of the kit needs them; the lessons use no LaTeX) and the saved
    widget state (widgets need a live kernel; their text fallback is shown). Figures drawn with
    :func:`use_offline_renderer` carry their own plotly.js.

    >>> notebook_to_html("executed/04_aligned_spaces.ipynb", "04.html")  # doctest: +SKIP
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata.pop("widgets", None)
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    body = _REMOTE_SCRIPT.sub("", body)
    out = Path(html_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out
