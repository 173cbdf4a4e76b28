"""ipywidgets explorers for the notebooks.

:class:`NeighbourExplorer`: type a sentence in any language and see its nearest neighbours across languages
in a small multilingual pool, and where it lands on the pool's UMAP map (umap's ``transform`` places the new
point on the existing map). In an aligned space the neighbours of "Ich liebe Musik." are the same sentence
in every language; in an unaligned one they are other German sentences.

The explorer does all of its work in :meth:`NeighbourExplorer.update`, which returns the neighbours and
keeps the figure and the HTML table as attributes, so it can be built and driven without a notebook
front-end (tests, scripts); in a notebook, typing a sentence and pressing Enter calls the same method.

Example::

    >>> from kit import visualize, widgets
    >>> pool = visualize.multiway_sentences(["de", "es", "fr"], n=40)              # doctest: +SKIP
    >>> space = visualize.map_space("multilingual-e5-small", pool)                 # doctest: +SKIP
    >>> explorer = widgets.NeighbourExplorer("multilingual-e5-small", space)       # doctest: +SKIP
    >>> explorer.update("Ich liebe Musik.")[0].language                            # doctest: +SKIP
    'de'
    >>> explorer                                                                   # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from kit.errors import KitError
from kit.sources.encoders import as_encoder, embed
from kit.visualize import SpaceMap, figure_bundle, language_colour, space_figure
from kit.visualize.render import in_kernel

__all__ = ["DEFAULT_EXAMPLES", "Neighbour", "NeighbourExplorer"]

#: Sentences offered in the explorer's drop-down (one per language of the default pool, plus Portuguese).
DEFAULT_EXAMPLES: tuple[str, ...] = (
    "The weather is lovely today.",
    "Ich habe heute keine Zeit.",
    "¿Dónde está la estación de tren?",
    "Les scientifiques ont découvert une nouvelle espèce.",
    "السلام عليكم",
    "Eu gosto muito de música.",
)


@dataclass(frozen=True)
class Neighbour:
    """One pool sentence near the query: its text, language, cosine similarity, translation group and row."""

    text: str
    language: str
    similarity: float
    group: int
    index: int


class NeighbourExplorer:
    """Nearest neighbours across languages, and the query's place on the map, for any typed sentence.

    Args:
        model: the model whose space ``space`` maps (a name, folder, SentenceTransformer or callable).
        space: a :class:`kit.visualize.SpaceMap` of a multilingual pool embedded with ``model``.
        k: how many neighbours to list (a slider changes it).
        examples: sentences offered in a drop-down.

    Attributes after :meth:`update`: ``neighbours`` (list of :class:`Neighbour`), ``point`` (the query's 2-D
    coordinates), ``figure`` (plotly figure: the map plus the query and lines to its neighbours) and the
    widgets ``table`` (HTML) and ``map`` (an ``Output`` that shows the figure in a notebook).
    """

    def __init__(
        self, model: Any, space: SpaceMap, *, k: int = 5, examples: Sequence[str] = DEFAULT_EXAMPLES
    ) -> None:
        self.encoder = as_encoder(model)
        self.space = space
        self.neighbours: list[Neighbour] = []
        self.point: np.ndarray | None = None
        self.figure: go.Figure = space_figure(space, title="Type a sentence to place it on the map")
        self.query = w.Text(
            placeholder="Type a sentence in any language and press Enter",
            description="Sentence:",
            continuous_update=False,
            layout=w.Layout(width="60%"),
        )
        self.examples = w.Dropdown(
            options=["(or pick an example)", *examples], description="", layout=w.Layout(width="30%")
        )
        self.k = w.IntSlider(value=k, min=1, max=max(1, min(20, len(space.texts))), description="neighbours:")
        self.table = w.HTML(value="<i>No sentence yet.</i>")
        self.map = w.Output(layout=w.Layout(width="100%"))
        self.query.observe(lambda change: self.update(change["new"]), names="value")
        self.examples.observe(self._on_example, names="value")
        self.k.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.query, self.examples]), self.k, self.table, self.map])
        self._show_figure()

    # ---------------------------------------------------------------------------------- computing

    def nearest(self, sentence: str, k: int | None = None) -> list[Neighbour]:
        """The ``k`` pool sentences closest (cosine) to ``sentence``, most similar first."""
        s = self.space
        sims = s.vectors @ self._vector(sentence)
        order = np.argsort(-sims)[: k or self.k.value]
        return [Neighbour(s.texts[i], s.languages[i], float(sims[i]), s.groups[i], int(i)) for i in order]

    def place(self, sentence: str) -> np.ndarray:
        """The 2-D coordinates of ``sentence`` on the pool's map (umap ``transform``)."""
        return self.space.transform(self._vector(sentence)[None, :])[0]

    def _vector(self, sentence: str) -> np.ndarray:
        vector = embed(self.encoder, [sentence])[0]
        if vector.shape[0] != self.space.vectors.shape[1]:
            raise KitError(
                f"the model embeds into {vector.shape[0]} dimensions but the map was built from "
                f"{self.space.vectors.shape[1]}-dimensional embeddings: build the SpaceMap with the same model"
            )
        return vector

    def update(self, sentence: str | None = None) -> list[Neighbour]:
        """Recompute everything for ``sentence`` (default: the text box); returns the neighbours."""
        if sentence is None:
            sentence = self.query.value
        sentence = sentence.strip()
        if not sentence:
            return self.neighbours
        if self.query.value != sentence:
            self.query.value = sentence  # fires update once more; the second call recomputes the same
            return self.neighbours
        self.neighbours = self.nearest(sentence)
        self.point = self.place(sentence)
        self.figure = self._figure(sentence)
        self.table.value = self._table_html(sentence)
        self._show_figure()
        return self.neighbours

    # ----------------------------------------------------------------------------------- drawing

    def _on_example(self, change: dict) -> None:
        if change["new"] and not str(change["new"]).startswith("("):
            self.update(change["new"])

    def _figure(self, sentence: str) -> go.Figure:
        fig = space_figure(self.space, title=f"Where “{_short(sentence)}” lands on the map")
        assert self.point is not None
        px, py = float(self.point[0]), float(self.point[1])
        xs: list[float | None] = []
        ys: list[float | None] = []
        for n in self.neighbours:
            xs += [px, float(self.space.coords[n.index, 0]), None]
            ys += [py, float(self.space.coords[n.index, 1]), None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="nearest neighbours",
                hoverinfo="skip",
                line={"color": "#D62728", "width": 1.5, "dash": "dot"},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[px],
                y=[py],
                mode="markers",
                name="your sentence",
                marker={"color": "#D62728", "size": 16, "symbol": "x"},
                hovertext=[html.escape(sentence)],
                hovertemplate="%{hovertext}<extra>your sentence</extra>",
            )
        )
        return fig

    def _table_html(self, sentence: str) -> str:
        rows = "".join(
            f"<tr><td>{rank}</td>"
            f"<td style='color:{language_colour(n.language)};font-weight:bold'>{html.escape(n.language)}</td>"
            f"<td>{n.similarity:.3f}</td><td style='text-align:left'>{html.escape(n.text)}</td></tr>"
            for rank, n in enumerate(self.neighbours, start=1)
        )
        return (
            f"<b>Nearest neighbours of</b> “{html.escape(sentence)}”"
            "<table><tr><th>#</th><th>language</th><th>cosine</th><th style='text-align:left'>sentence</th></tr>"
            f"{rows}</table>"
        )

    def _show_figure(self) -> None:
        # Set the Output widget's outputs from the kernel rather than capturing a display() with
        # ``with self.map:``: a capture makes headless runners (nbclient/papermill) mimic the front-end by
        # sending comm messages on the shell channel, which can make them miss the cell's execute_reply
        # and hang (jupyter/nbclient#312). Setting ``outputs`` renders the same in JupyterLab/Notebook.
        if not in_kernel():
            return
        bundle = figure_bundle(self.figure)
        self.map.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
