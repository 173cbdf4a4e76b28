"""Comparison tables: this run's rows beside the published and measured reference rows.

- :func:`comparison_table` → a pandas DataFrame (models × STS2017 columns, plus ``kind`` and ``source``),
- :func:`to_markdown` → a Markdown table (a small formatter: ``DataFrame.to_markdown`` needs ``tabulate``,
  which the kit does not depend on),
- :func:`comparison_figure` → a plotly heatmap (models × tracks) or grouped bars.

Example::

    >>> from kit.evaluation.tables import comparison_table, to_markdown
    >>> table = comparison_table()             # reference rows only
    >>> print(to_markdown(table, columns=["en-en", "avg"]).splitlines()[0])
    | model | en-en | avg |
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from kit.evaluation.published import measured_baseline, reference_rows
from kit.evaluation.results import EvaluationResults
from kit.evaluation.sts import STS17_TRACKS

STS17_COLUMNS: tuple[str, ...] = (*STS17_TRACKS, "avg", "cross_avg")


def comparison_table(
    results: EvaluationResults | None = None,
    task: str = "sts17",
    include: Sequence[str] = ("published", "measured"),
) -> pd.DataFrame:
    """This run's rows (``kind="this run"``) followed by the reference rows of ``include``.

    For a task without reference numbers (stsb, tatoeba, flores) it is this run's table with a ``kind``.
    """
    rows: list[dict[str, Any]] = []
    if results is not None and task in results.tasks:
        for r in results.results:
            if r.task == task:
                rows.append({"model": r.model, "kind": "this run", **r.scores, "source": "this run"})
    if task == "sts17":
        for ref in reference_rows(tuple(include)):
            rows.append({"model": ref.model, "kind": ref.kind, **ref.scores, "source": ref.source})
        columns = list(STS17_COLUMNS)
    else:
        columns = list(dict.fromkeys(c for row in rows for c in row if c not in ("model", "kind", "source")))
    frame = pd.DataFrame(rows, columns=["model", "kind", *columns, "source"])
    return frame.set_index("model")


def baseline_deltas(results: EvaluationResults) -> pd.DataFrame:
    """This run minus the kit's measured STS2017 baseline, for every model that has one (tracks + avg)."""
    out = {}
    if "sts17" not in results.tasks:
        return pd.DataFrame(columns=list(STS17_COLUMNS))
    for r in results.results:
        ref = measured_baseline(r.model) if r.task == "sts17" else None
        if ref is not None:
            out[r.model] = {c: r.scores[c] - ref.scores[c] for c in STS17_COLUMNS if c in r.scores}
    frame = pd.DataFrame.from_dict(out, orient="index", columns=list(STS17_COLUMNS))
    frame.index.name = "model"
    return frame


def _cell(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = f"{value:.{digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0"
    return str(value).replace("|", "\\|")


def to_markdown(frame: pd.DataFrame, digits: int = 1, columns: Sequence[str] | None = None) -> str:
    """A GitHub Markdown table of ``frame`` (index first; numbers with ``digits`` decimals, blanks for NaN)."""
    columns = list(columns) if columns is not None else list(frame.columns)
    header = [frame.index.name or "", *columns]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in columns]
    lines = [
        "| " + " | ".join(header) + " |",
        "|---|" + "".join("---:|" if n else "---|" for n in numeric),
    ]
    for label, row in frame[columns].iterrows():
        lines.append(
            "| " + " | ".join([_cell(label, digits), *(_cell(row[c], digits) for c in columns)]) + " |"
        )
    return "\n".join(lines)


def comparison_figure(
    table: pd.DataFrame,
    kind: str = "heatmap",
    columns: Sequence[str] | None = None,
    title: str = "STS2017: Spearman x100, this run vs reference",
):
    """A plotly figure of a comparison table: ``"heatmap"`` (models × columns) or ``"bars"`` (grouped)."""
    import plotly.graph_objects as go

    columns = (
        list(columns) if columns is not None else [c for c in table.columns if c not in ("kind", "source")]
    )
    values = table[columns].astype(float)
    labels = [f"{m} ({k})" if k != "this run" else m for m, k in zip(table.index, table["kind"], strict=True)]
    if kind == "heatmap":
        text = [[_cell(v, 1) for v in row] for row in values.to_numpy().tolist()]
        fig = go.Figure(
            go.Heatmap(
                z=values.to_numpy(),
                x=columns,
                y=labels,
                text=text,
                texttemplate="%{text}",
                colorscale="RdYlGn",
                zmin=0,
                zmax=100,
                colorbar={"title": "x100"},
                hoverongaps=False,
            )
        )
        fig.update_yaxes(autorange="reversed")
        fig.update_layout(height=120 + 32 * len(labels))
    elif kind == "bars":
        fig = go.Figure(
            [go.Bar(name=label, x=columns, y=values.iloc[i].tolist()) for i, label in enumerate(labels)]
        )
        fig.update_layout(barmode="group", yaxis_title="x100")
    else:
        raise ValueError(f"kind must be 'heatmap' or 'bars', not {kind!r}")
    fig.update_layout(title=title, template="plotly_white")
    return fig
