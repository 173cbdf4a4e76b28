"""Alignment metrics: how close translations are, compared with random pairs, and retrieval accuracy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kit.errors import KitError
from kit.sources.encoders import as_encoder, embed

__all__ = ["alignment_metrics", "pair_metrics"]


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
