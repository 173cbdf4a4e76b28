"""Static figures (plotly): maps of spaces, alignment bars, similarity heatmaps, differences, data summaries."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kit.sources.encoders import as_encoder, embed
from kit.visualize.colours import language_colour
from kit.visualize.maps import SpaceMap

__all__ = [
    "alignment_figure",
    "compare_spaces_figure",
    "difference_figure",
    "length_figure",
    "report_figure",
    "similarity_figure",
    "space_figure",
]


def _hover(text: str, language: str, width: int = 70) -> str:
    wrapped = "<br>".join(html.escape(line) for line in textwrap.wrap(text, width) or [""])
    return f"<b>{html.escape(language)}</b>: {wrapped}"


def _link_segments(space: SpaceMap) -> tuple[list[float | None], list[float | None]]:
    """Line segments joining each sentence to its English version (or to the first language present)."""
    anchor_language = "en" if "en" in space.languages else space.languages[0]
    anchors = {
        g: space.coords[i]
        for i, (lang, g) in enumerate(zip(space.languages, space.groups, strict=True))
        if lang == anchor_language
    }
    xs: list[float | None] = []
    ys: list[float | None] = []
    for i, (lang, g) in enumerate(zip(space.languages, space.groups, strict=True)):
        if lang == anchor_language or g not in anchors:
            continue
        xs += [float(anchors[g][0]), float(space.coords[i, 0]), None]
        ys += [float(anchors[g][1]), float(space.coords[i, 1]), None]
    return xs, ys


def _space_traces(space: SpaceMap, *, link_translations: bool, showlegend: bool) -> list[go.Scatter]:
    traces: list[go.Scatter] = []
    if link_translations:
        xs, ys = _link_segments(space)
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="translations",
                legendgroup="links",
                showlegend=showlegend,
                line={"color": "rgba(120,120,120,0.35)", "width": 1},
                hoverinfo="skip",
            )
        )
    for lang in dict.fromkeys(space.languages):
        rows = [i for i, code in enumerate(space.languages) if code == lang]
        traces.append(
            go.Scatter(
                x=space.coords[rows, 0],
                y=space.coords[rows, 1],
                mode="markers",
                name=lang,
                legendgroup=lang,
                showlegend=showlegend,
                marker={
                    "color": language_colour(lang),
                    "size": 9 if lang == "en" else 7,
                    "symbol": "star" if lang == "en" else "circle",
                    "line": {"width": 0.5, "color": "white"},
                },
                hovertext=[_hover(space.texts[i], lang) for i in rows],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return traces


def _axes_off(fig: go.Figure) -> None:
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)


def space_figure(space: SpaceMap, *, title: str | None = None, link_translations: bool = True) -> go.Figure:
    """One interactive map: a point per sentence, coloured by language, translations linked by lines.

    >>> fig = space_figure(space)                                        # doctest: +SKIP
    >>> fig.write_html("map.html")                                       # doctest: +SKIP
    """
    fig = go.Figure(_space_traces(space, link_translations=link_translations, showlegend=True))
    fig.update_layout(
        title=title or space.label or "UMAP of the embedding space",
        height=560,
        template="plotly_white",
        legend_title_text="language",
    )
    _axes_off(fig)
    return fig


def compare_spaces_figure(
    spaces: Mapping[str, SpaceMap] | Sequence[SpaceMap],
    *,
    title: str = "The same sentences in several languages, before and after distillation",
    link_translations: bool = True,
) -> go.Figure:
    """Maps side by side (e.g. ``{"before": ..., "after": ...}``); one legend for all panels.

    Each panel is its own UMAP (each space has its own geometry): compare how tightly translations cluster,
    not where the clusters lie.

    >>> fig = compare_spaces_figure({"base student": before, "distilled": after})   # doctest: +SKIP
    """
    if not isinstance(spaces, Mapping):
        spaces = {s.label or f"space {i + 1}": s for i, s in enumerate(spaces)}
    labels = list(spaces)
    fig = make_subplots(rows=1, cols=len(labels), subplot_titles=labels, horizontal_spacing=0.04)
    for col, label in enumerate(labels, start=1):
        for trace in _space_traces(spaces[label], link_translations=link_translations, showlegend=col == 1):
            fig.add_trace(trace, row=1, col=col)
    fig.update_layout(
        title=title,
        height=560,
        template="plotly_white",
        legend_title_text="language",
        width=None if len(labels) < 3 else 450 * len(labels),
    )
    _axes_off(fig)
    return fig


# ------------------------------------------------------------------------------------ alignment figure

_ALIGNMENT_LABELS = {
    "translation_cosine": "cosine: translation pairs",
    "random_cosine": "cosine: random pairs",
    "retrieval_accuracy": "retrieval accuracy",
}


def alignment_figure(
    results: Mapping[str, Mapping[str, Any]],
    *,
    title: str = "Alignment of translations, before and after distillation",
) -> go.Figure:
    """Bars of :func:`alignment_metrics` for several models (e.g. ``{"before": m0, "after": m1}``).

    Left: mean cosine of translation pairs vs random pairs (aligned space: high vs low). Right: retrieval
    accuracy (how often the nearest sentence in the other language is the translation). With per-language
    metrics, the right panel shows one bar group per language.

    >>> before = {"translation_cosine": 0.80, "random_cosine": 0.70, "retrieval_accuracy": 0.6}
    >>> after = {"translation_cosine": 0.90, "random_cosine": 0.20, "retrieval_accuracy": 0.9}
    >>> len(alignment_figure({"before": before, "after": after}).data)
    4
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.1,
        subplot_titles=("mean cosine similarity", "translation retrieval accuracy"),
    )
    palette = ("#9AA0A6", "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728")
    for k, (label, metrics) in enumerate(results.items()):
        colour = palette[k % len(palette)]
        keys = ["translation_cosine", "random_cosine"]
        fig.add_trace(
            go.Bar(
                x=[_ALIGNMENT_LABELS[key] for key in keys],
                y=[metrics[key] for key in keys],
                name=label,
                legendgroup=label,
                marker_color=colour,
                text=[f"{metrics[key]:.2f}" for key in keys],
                textposition="outside",
            ),
            row=1,
            col=1,
        )
        per_language = metrics.get("per_language") or {}
        x = [*per_language, "mean"] if per_language else ["mean"]
        y = [m["retrieval_accuracy"] for m in per_language.values()] + [metrics["retrieval_accuracy"]]
        fig.add_trace(
            go.Bar(
                x=x,
                y=y,
                name=label,
                legendgroup=label,
                showlegend=False,
                marker_color=colour,
                text=[f"{v:.0%}" for v in y],
                textposition="outside",
            ),
            row=1,
            col=2,
        )
    fig.update_yaxes(range=[min(0.0, _min_value(results)) * 1.1, 1.1], row=1, col=1)
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%", row=1, col=2)
    fig.update_layout(title=title, barmode="group", height=460, template="plotly_white")
    return fig


def _min_value(results: Mapping[str, Mapping[str, Any]]) -> float:
    return min(float(m[k]) for m in results.values() for k in ("translation_cosine", "random_cosine"))


def similarity_figure(
    model: Any,
    sentences: Sequence[str],
    candidates: Mapping[str, Sequence[str]],
    *,
    title: str = "Cosine similarity",
) -> go.Figure:
    """Heatmaps of the cosine similarity of ``sentences`` (rows) with each list of ``candidates`` (columns).

    With ``candidates = {"paraphrases": [...], "German": [...]}`` aligned with ``sentences``, a good
    space has a bright diagonal in every panel: each sentence is closest to its own paraphrase/translation.

    >>> import numpy as np
    >>> fig = similarity_figure(lambda t: np.eye(3)[: len(t)], ["a", "b"], {"same": ["a", "b"]})
    >>> fig.data[0].z.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    encoder = as_encoder(model)
    rows = embed(encoder, sentences)
    fig = make_subplots(rows=1, cols=len(candidates), subplot_titles=list(candidates), horizontal_spacing=0.2)
    for col, texts in enumerate(candidates.values(), start=1):
        sims = (rows @ embed(encoder, texts).T).round(2)
        fig.add_trace(
            go.Heatmap(
                z=sims,
                x=[_short(t) for t in texts],
                y=[_short(t) for t in sentences],
                zmin=-0.2,
                zmax=1,
                colorscale="Viridis",
                text=sims,
                texttemplate="%{text:.2f}",
                showscale=col == 1,
                hovertemplate="%{y}<br>%{x}<br>cosine %{z:.2f}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(autorange="reversed", showticklabels=col == 1, row=1, col=col)
    fig.update_layout(title=title, height=140 + 45 * len(sentences), template="plotly_white")
    return fig


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def difference_figure(after: Mapping[str, float], before: Mapping[str, float], *, title: str) -> go.Figure:
    """Bars of ``after - before`` per key (keys of ``after`` that ``before`` has): green up, red down.

    >>> difference_figure({"en-de": 40.0, "en-en": 80.0}, {"en-de": 30.0, "en-en": 81.0}, title="x").data[0].y
    (10.0, -1.0)
    """
    keys = [k for k in after if k in before]
    delta = [float(after[k]) - float(before[k]) for k in keys]
    fig = go.Figure(go.Bar(x=keys, y=delta, marker_color=["#2CA02C" if d > 0 else "#D62728" for d in delta]))
    fig.update_layout(title=title, height=360, template="plotly_white")
    return fig


# ------------------------------------------------------------------------------------- data figures


def length_figure(dataset: Any, *, title: str = "Sentence length (characters)") -> go.Figure:
    """Box plots of sentence lengths per language, English side beside the other side.

    ``dataset`` has the columns ``english``, ``non_english`` and ``language`` (see :mod:`kit.parallel`).

    >>> fig = length_figure({"english": ["Hi.", "Hello there."], "non_english": ["Hallo.", "Hallo da."],
    ...                      "language": ["de", "de"]})
    >>> [t.name for t in fig.data]
    ['English side', 'other side']
    """
    languages = list(dataset["language"])
    english = [len(t) for t in dataset["english"]]
    other = [len(t) for t in dataset["non_english"]]
    fig = go.Figure(
        [
            go.Box(x=languages, y=english, name="English side", marker_color="#555555", boxpoints=False),
            go.Box(x=languages, y=other, name="other side", marker_color="#1F77B4", boxpoints=False),
        ]
    )
    fig.update_layout(
        title=title, boxmode="group", yaxis_title="characters", height=380, template="plotly_white"
    )
    return fig


def report_figure(report: Any, *, title: str = "Pairs per language after each step") -> go.Figure:
    """Grouped bars of a :class:`kit.parallel.ParallelReport`: pairs per language after every step.

    >>> from kit.parallel import ParallelReport
    >>> r = ParallelReport(); r.add("loaded", {"de": 10}); r.add("empty", {"de": 9})
    >>> report_figure(r).data[0].y
    (10, 9)
    """
    steps = [name for name, _ in report.steps]
    fig = go.Figure(
        [
            go.Bar(
                x=steps,
                y=[counts.get(lang, 0) for _, counts in report.steps],
                name=lang,
                marker_color=language_colour(lang),
            )
            for lang in report.languages
        ]
    )
    fig.update_layout(title=title, barmode="group", yaxis_title="pairs", height=380, template="plotly_white")
    return fig
