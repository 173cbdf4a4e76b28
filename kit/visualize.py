"""Views of aligned vector spaces: UMAP maps, alignment figures and training curves (interactive plotly).

What the notebooks show, computed here so that each notebook cell stays short:

- :func:`multiway_sentences`: the same sentences in several languages (FLORES-200 devtest, a dev set that the
  leakage guard keeps out of training);
- :func:`map_space` + :func:`space_figure` / :func:`compare_spaces_figure`: a 2-D UMAP of the embeddings,
  coloured by language, translations linked by lines, the sentence on hover; before and after distillation;
- :func:`alignment_metrics` + :func:`alignment_figure`: mean cosine of translation pairs vs random pairs and
  translation-retrieval accuracy, before/after;
- :func:`training_curves` and :class:`LiveCurves`: loss and dev metrics per step, from a run's
  ``results.json`` or live during training;
- :func:`use_offline_renderer`, :func:`save_figure`, :func:`notebook_to_html`: figures that render with no
  internet (plotly.js embedded, never fetched from a CDN), static PNG/SVG through kaleido when a Chrome is
  available, and a clear fallback to HTML when it is not.

Every function takes a model the way the rest of the kit does: a registry name (``"multilingual-e5-small"``),
a model folder, a ``SentenceTransformer``, or any callable ``texts -> (n, dim) array``.

Example::

    >>> from kit import visualize
    >>> sentences = visualize.multiway_sentences(["de", "es"], n=20)           # doctest: +SKIP
    >>> space = visualize.map_space("multilingual-e5-small", sentences)        # doctest: +SKIP
    >>> visualize.space_figure(space).show()                                   # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from transformers import TrainerCallback

from kit.errors import KitError

__all__ = [
    "LiveCurves",
    "LiveFigure",
    "SpaceMap",
    "alignment_figure",
    "alignment_metrics",
    "as_encoder",
    "compare_spaces_figure",
    "difference_figure",
    "embed",
    "figure_bundle",
    "fit_umap",
    "history_rows",
    "language_colour",
    "learning_curve_figure",
    "length_figure",
    "map_space",
    "multiway_sentences",
    "notebook_to_html",
    "pair_metrics",
    "report_figure",
    "save_figure",
    "similarity_figure",
    "space_figure",
    "static_export_available",
    "training_curves",
    "use_offline_renderer",
]

Encoder = Callable[[list[str]], np.ndarray]

#: One colour per language (plotly's qualitative palette); unknown codes get the next free colour.
LANGUAGE_COLOURS: dict[str, str] = {
    "en": "#111111",
    "de": "#636EFA",
    "es": "#EF553B",
    "fr": "#00CC96",
    "it": "#AB63FA",
    "nl": "#FFA15A",
    "ar": "#19D3F3",
    "tr": "#FF6692",
    "pt": "#B6E880",
    "pl": "#FF97FF",
    "ru": "#FECB52",
    "uk": "#1F77B4",
    "ja": "#8C564B",
    "zh": "#BCBD22",
}
_SPARE_COLOURS = ("#17BECF", "#7F7F7F", "#E377C2", "#2CA02C", "#D62728", "#9467BD")


def language_colour(language: str) -> str:
    """The colour of a language code in every figure of the kit.

    >>> language_colour("de")
    '#636EFA'
    """
    if language not in LANGUAGE_COLOURS:
        spare = [c for c in _SPARE_COLOURS if c not in LANGUAGE_COLOURS.values()]
        LANGUAGE_COLOURS[language] = spare[0] if spare else "#7F7F7F"
    return LANGUAGE_COLOURS[language]


# ------------------------------------------------------------------------------------------ encoders


def as_encoder(model: Any) -> Encoder:
    """A callable ``texts -> float32 array`` for a registry name, model folder, SentenceTransformer or callable.

    Names, folders and SentenceTransformers go through :func:`kit.sources.load_encoder`.

    >>> import numpy as np
    >>> as_encoder(lambda texts: np.ones((len(texts), 3)))(["a", "b"]).shape
    (2, 3)
    """
    if getattr(model, "_kit_encoder", False):
        return model
    if isinstance(model, str | os.PathLike) or _is_sentence_transformer(model):
        from kit.sources import load_encoder

        model = load_encoder(model)
    if not callable(model):
        raise KitError(
            f"cannot embed with a {type(model).__name__}: pass a model name, a model folder, a "
            "SentenceTransformer or a callable mapping a list of n texts to an (n, dim) array"
        )

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model(list(texts)), dtype=np.float32)

    encode._kit_encoder = True  # type: ignore[attr-defined]
    return encode


def _is_sentence_transformer(model: Any) -> bool:
    module = sys.modules.get("sentence_transformers")
    return module is not None and isinstance(model, module.SentenceTransformer)


def embed(model: Any, texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts`` (rows), so that a dot product is a cosine similarity.

    >>> import numpy as np
    >>> embed(lambda t: np.array([[3.0, 4.0]] * len(t)), ["x"])
    array([[0.6, 0.8]], dtype=float32)
    """
    vectors = as_encoder(model)(list(texts))
    if vectors.ndim != 2 or len(vectors) != len(texts):
        raise KitError(
            f"the encoder returned shape {vectors.shape} for {len(texts)} texts; expected (n, dim)"
        )
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


# ------------------------------------------------------------------------------------------- metrics


def pair_metrics(english_vectors: np.ndarray, translation_vectors: np.ndarray) -> dict[str, float]:
    """The numbers of :func:`alignment_metrics` from unit-length embeddings whose row i are translations.

    >>> import numpy as np
    >>> pair_metrics(np.eye(3), np.eye(3))["retrieval_accuracy"]
    1.0
    """
    sims = np.asarray(english_vectors, dtype=np.float64) @ np.asarray(translation_vectors, dtype=np.float64).T
    n = len(sims)
    if n < 2 or sims.shape != (n, n):
        raise KitError(
            f"alignment needs at least 2 aligned pairs of rows; got a {sims.shape} similarity matrix"
        )
    diagonal = np.diag(sims)
    off_diagonal = (sims.sum() - diagonal.sum()) / (n * n - n)
    rows = np.arange(n)
    en_to_x = float(np.mean(sims.argmax(axis=1) == rows))
    x_to_en = float(np.mean(sims.argmax(axis=0) == rows))
    return {
        "translation_cosine": float(diagonal.mean()),
        "random_cosine": float(off_diagonal),
        "gap": float(diagonal.mean() - off_diagonal),
        "retrieval_accuracy": (en_to_x + x_to_en) / 2,
        "retrieval_en_to_x": en_to_x,
        "retrieval_x_to_en": x_to_en,
        "pairs": n,
    }


def alignment_metrics(
    model: Any,
    english: Sequence[str],
    translations: Sequence[str] | Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """How well a model aligns translations: the numbers behind :func:`alignment_figure`.

    Returns ``translation_cosine`` (mean cosine of each English sentence and its translation),
    ``random_cosine`` (mean cosine of all non-matching English/translation pairs), ``gap`` (their
    difference), ``retrieval_accuracy`` (fraction of sentences whose nearest neighbour on the other side is
    their translation, mean of both directions, as sentence-transformers' ``TranslationEvaluator`` and the
    ``dev_translation_accuracy`` of :mod:`kit.train`) and ``pairs``. With ``translations`` as
    ``{language: sentences}`` the numbers are averaged over languages and ``per_language`` holds each one's.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0); table = {w: rng.normal(size=8) for w in "abcd"}
    >>> same = lambda texts: np.stack([table[t.lower()] for t in texts])
    >>> m = alignment_metrics(same, ["a", "b", "c", "d"], ["A", "B", "C", "D"])
    >>> round(m["translation_cosine"], 3), m["retrieval_accuracy"]
    (1.0, 1.0)
    """
    encoder = as_encoder(model)
    single = not isinstance(translations, Mapping)
    groups = {"x": translations} if single else dict(translations)
    if not groups:
        raise KitError("translations is an empty mapping; pass {language: sentences}")
    for lang, sentences in groups.items():
        if len(sentences) != len(english):
            raise KitError(
                f"{len(english)} English sentences but {len(sentences)} translations"
                + ("" if single else f" for {lang!r}")
                + "; pass aligned pairs"
            )
    english_vectors = embed(encoder, english)
    per_language = {lang: pair_metrics(english_vectors, embed(encoder, s)) for lang, s in groups.items()}
    if single:
        return per_language["x"]
    keys = [k for k in next(iter(per_language.values())) if k != "pairs"]
    out: dict[str, Any] = {k: float(np.mean([m[k] for m in per_language.values()])) for k in keys}
    out["pairs"] = sum(m["pairs"] for m in per_language.values())
    out["per_language"] = per_language
    return out


# ------------------------------------------------------------------------------------------ sentences


def multiway_sentences(
    languages: Iterable[str] = ("de", "es", "fr", "ar"), n: int = 40, *, seed: int = 0
) -> dict[str, list[str]]:
    """``n`` FLORES-200 devtest sentences in English and each of ``languages``, aligned by position.

    FLORES is a dev set: the leakage guard removes its sentences from training data, so what the map shows
    was never trained on. Sentences are drawn at random (reproducible for a ``seed``), shortest half first
    preferred so that hover texts stay readable.

    >>> s = multiway_sentences(["de"], n=3)                              # doctest: +SKIP
    >>> list(s), len(s["de"])                                            # doctest: +SKIP
    (['en', 'de'], 3)
    """
    from kit import parallel

    languages = [lang for lang in dict.fromkeys(languages) if lang != "en"]
    pairs = parallel.load_flores(languages)
    by_language: dict[str, list[str]] = {}
    english: list[str] = []
    for row in pairs:
        by_language.setdefault(row["language"], []).append(row["non_english"])
        if row["language"] == languages[0]:
            english.append(row["english"])
    total = len(english)
    if n > total:
        raise KitError(f"FLORES-200 devtest has {total} sentences; asked for n={n}")
    # Prefer shorter sentences (hover text), then sample reproducibly among them.
    shortest = sorted(range(total), key=lambda i: len(english[i]))[: max(n, total // 2)]
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(shortest, size=n, replace=False).tolist())
    out = {"en": [english[i] for i in chosen]}
    for lang in languages:
        out[lang] = [by_language[lang][i] for i in chosen]
    return out


# -------------------------------------------------------------------------------------------- UMAP


@dataclass
class SpaceMap:
    """Sentences, their embeddings and a fitted 2-D UMAP projection of them.

    ``groups[i]`` is the position of sentence ``i`` in its language: equal groups are translations of each
    other. ``transform`` places new embeddings on the same map.
    """

    texts: list[str]
    languages: list[str]
    groups: list[int]
    vectors: np.ndarray
    coords: np.ndarray
    reducer: Any
    label: str = ""

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """2-D coordinates of new (unit-length) embeddings on this map (umap's ``transform``)."""
        import warnings as _warnings

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            return np.asarray(self.reducer.transform(np.atleast_2d(vectors)))


def fit_umap(
    vectors: np.ndarray, *, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 42
) -> tuple[np.ndarray, Any]:
    """2-D UMAP (cosine metric) of ``vectors``: the coordinates and the fitted reducer (for ``transform``).

    >>> import numpy as np
    >>> coords, reducer = fit_umap(np.random.default_rng(0).normal(size=(40, 8)))   # doctest: +SKIP
    >>> coords.shape                                                                # doctest: +SKIP
    (40, 2)
    """
    import umap

    n_neighbors = max(2, min(n_neighbors, len(vectors) - 1))
    reducer = umap.UMAP(
        n_components=2, n_neighbors=n_neighbors, min_dist=min_dist, metric="cosine", random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state" and numba chatter
        coords = reducer.fit_transform(np.asarray(vectors, dtype=np.float32))
    return np.asarray(coords), reducer


def map_space(
    model: Any,
    sentences: Mapping[str, Sequence[str]],
    *,
    label: str = "",
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    seed: int = 42,
) -> SpaceMap:
    """Embed ``{language: sentences}`` (aligned by position) with ``model`` and fit a 2-D UMAP of them.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> fake = lambda texts: rng.normal(size=(len(texts), 16))
    >>> space = map_space(fake, {"en": ["a", "b", "c"] * 4, "de": ["x", "y", "z"] * 4})   # doctest: +SKIP
    >>> space.coords.shape                                                               # doctest: +SKIP
    (24, 2)
    """
    texts, languages, groups = [], [], []
    for lang, items in sentences.items():
        for i, text in enumerate(items):
            texts.append(text)
            languages.append(lang)
            groups.append(i)
    if len(texts) < 4:
        raise KitError(f"a map needs at least 4 sentences, got {len(texts)}")
    vectors = embed(model, texts)
    coords, reducer = fit_umap(vectors, n_neighbors=n_neighbors, min_dist=min_dist, seed=seed)
    return SpaceMap(texts, languages, groups, vectors, coords, reducer, label)


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


# ------------------------------------------------------------------------------------ training curves


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


def _in_kernel() -> bool:
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return bool(shell) and hasattr(shell, "kernel")


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
        if not _in_kernel():
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


# ------------------------------------------------------------------------------------------ rendering


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
