"""Training curves: a run's logged rows as figures, drawn once or live in a notebook cell while it trains."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots
from transformers import TrainerCallback

from kit.errors import KitError
from kit.visualize.colours import language_colour
from kit.visualize.render import in_kernel

__all__ = ["LiveCurves", "LiveFigure", "history_rows", "learning_curve_figure", "training_curves"]


def history_rows(source: Any) -> list[dict[str, float]]:
    """Logged rows of a run from a callback with ``rows`` (:class:`LiveCurves`), a list of rows, a results dict,
    a ``results.json`` path or a run folder.

    >>> history_rows([{"step": 5, "loss": 0.1}])
    [{'step': 5, 'loss': 0.1}]
    """
    if hasattr(source, "rows"):
        return list(source.rows)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        path = path / "results.json" if path.is_dir() else path
        source = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(source, Mapping):
        if "history" not in source:
            raise KitError(
                "this results dict has no 'history'; pass a results.json written by kit.train.distill"
            )
        return list(source["history"])
    return [dict(row) for row in source]


def _series(rows: list[dict[str, float]], key: str, scale: float = 1.0) -> tuple[list[float], list[float]]:
    points = [(row["step"], row[key] * scale) for row in rows if key in row and "step" in row]
    return [p[0] for p in points], [p[1] for p in points]


def _curve_panels(rows: list[dict[str, float]]) -> list[tuple[str, list[tuple[str, str, float]]]]:
    """The panels of :func:`training_curves`: (title, [(name, key, scale), ...]) for the keys present."""
    keys = {k for row in rows for k in row}
    losses = [
        (name, key, 1.0) for name, key in (("train loss", "loss"), ("eval loss", "eval_loss")) if key in keys
    ]
    mse = [
        (k.removeprefix("eval_").removesuffix("_negative_mse") + " MSE ×100", k, -1.0)
        for k in sorted(keys)
        if k.endswith("negative_mse")
    ]
    accuracy_keys = sorted(k for k in keys if k.endswith("accuracy"))
    # sentence-transformers logs both retrieval directions and their mean: the mean is enough for a curve
    accuracy_keys = [k for k in accuracy_keys if k.endswith("mean_accuracy")] or accuracy_keys
    accuracy = [(k.removeprefix("eval_").replace("_", " "), k, 1.0) for k in accuracy_keys]
    panels = [
        ("loss", losses),
        ("dev MSE ×100 (lower is better)", mse),
        ("dev translation accuracy (higher is better)", accuracy),
    ]
    return [(title, series) for title, series in panels if series]


def training_curves(source: Any, *, title: str = "Distillation: training curves") -> go.Figure:
    """Loss, dev MSE (×100) and dev translation accuracy per step (see :func:`history_rows` for sources).

    >>> rows = [{"step": 5, "loss": 0.02}, {"step": 10, "loss": 0.01, "eval_dev_negative_mse": -0.5}]
    >>> [trace.name for trace in training_curves(rows).data]
    ['train loss', 'dev MSE ×100']
    """
    rows = history_rows(source)
    panels = _curve_panels(rows) or [("loss", [])]
    fig = make_subplots(
        rows=1, cols=len(panels), subplot_titles=[t for t, _ in panels], horizontal_spacing=0.08
    )
    for col, (_, series) in enumerate(panels, start=1):
        for name, key, scale in series:
            x, y = _series(rows, key, scale)
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=name), row=1, col=col)
        fig.update_xaxes(title_text="step", row=1, col=col)
    fig.update_layout(title=title, height=380, template="plotly_white")
    return fig


def learning_curve_figure(
    rows: Sequence[Mapping[str, Any]], metric: str, *, title: str = "How much parallel data is enough?"
) -> go.Figure:
    """``metric`` (e.g. Tatoeba accuracy of one language) against the number of training pairs.

    ``rows`` as :func:`kit.lessons.learning_curve` returns them: ``{"pairs": n, metric: value, ...}``.

    >>> learning_curve_figure([{"pairs": 0, "pt": 0.3}, {"pairs": 100, "pt": 0.4}], "pt").data[0].y
    (0.3, 0.4)
    """
    fig = go.Figure(
        go.Scatter(
            x=[row["pairs"] for row in rows],
            y=[row[metric] for row in rows],
            mode="lines+markers+text",
            text=[f"{row[metric]:.0%}" for row in rows],
            textposition="top center",
            name=metric,
            line={"color": language_colour(metric)},
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="training pairs (0 = the untrained student)",
        yaxis_title=f"{metric} accuracy",
        yaxis_tickformat=".0%",
        height=400,
        template="plotly_white",
    )
    return fig


class LiveFigure:
    """A figure that redraws in its notebook cell each time a row arrives: ``live(row)``.

    ``draw(rows) -> Figure`` builds the figure from all rows so far. Outside a notebook it only collects rows.

    >>> live = LiveFigure(lambda rows: learning_curve_figure(rows, "pt"))
    >>> live({"pairs": 0, "pt": 0.3}); live.rows
    [{'pairs': 0, 'pt': 0.3}]
    """

    def __init__(self, draw: Callable[[list[dict[str, Any]]], go.Figure]) -> None:
        self.draw = draw
        self.rows: list[dict[str, Any]] = []
        self._handle: Any = None

    def __call__(self, row: Mapping[str, Any]) -> None:
        self.rows.append(dict(row))
        self.redraw()

    def redraw(self) -> None:
        """Show (first call) or update (later calls) the figure in the current notebook cell."""
        if not in_kernel():
            return
        from IPython.display import display

        fig = self.draw(self.rows)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)


class LiveCurves(TrainerCallback):
    """A trainer callback that redraws :func:`training_curves` in the notebook after every log / evaluation.

    Pass it to :func:`kit.train.distill` (``callbacks=[LiveCurves()]``). Outside a notebook it only collects
    rows (``.rows``), so the same code runs in scripts and tests.

    >>> from kit.train import PRESETS, distill
    >>> live = LiveCurves()
    >>> result = distill(PRESETS["smoke"], "runs/smoke", callbacks=[live])   # doctest: +SKIP
    """

    def __init__(self, title: str = "Distillation: live training curves") -> None:
        self.title = title
        self.figure = LiveFigure(lambda rows: training_curves(rows, title=self.title))

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.figure.rows

    def on_log(self, args, state, control, logs=None, **kwargs):
        numbers = {k: v for k, v in (logs or {}).items() if isinstance(v, int | float)}
        if numbers:
            self.figure({"step": state.global_step, **numbers})
