"""Maps of a space: multi-parallel FLORES sentences embedded and projected to 2-D with UMAP (:class:`SpaceMap`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kit.errors import KitError
from kit.sources.encoders import embed

__all__ = ["SpaceMap", "fit_umap", "map_space", "multiway_sentences"]


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
