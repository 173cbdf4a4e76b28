"""Any encoder → the embeddings of an evaluation's text sets, computed once per unique text and cached.

The kit evaluates every kind of model the same way: :func:`kit.sources.as_encoder` turns a registry name, a
model folder, a ``SentenceTransformer`` or a plain callable ``texts -> (n, dim) array`` (such as mUSE) into an
:class:`~kit.sources.Encoder`.

Why precomputed embeddings: sentence-transformers' evaluators (``EmbeddingSimilarityEvaluator``,
``TranslationEvaluator``, ``MSEEvaluator``) do all their encoding through one call,
``model.encode(sentences, batch_size=..., convert_to_numpy=...)``, and otherwise touch only
``model.similarity_fn_name`` and ``model.model_card_data.set_evaluation_metrics``. So instead of wrapping
each encoder type in a fake ``SentenceTransformer`` (which would still re-encode every sentence that occurs
in several tracks and could not be cached), the kit encodes the union of all texts of an evaluation once —
deduplicated, sorted by length, batched, cached on disk — and hands the evaluators a
:class:`PrecomputedModel` whose ``encode`` looks the rows up. The metrics are the library's own code.

Example::

    >>> from kit.sources import as_encoder
    >>> from kit.evaluation.embeddings import embed_sets
    >>> model = embed_sets(as_encoder("all-MiniLM-L6-v2"), {"demo": ["a cat", "a dog"]})["demo"]  # doctest: +SKIP
    >>> model.encode(["a dog"]).shape                                           # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from kit.cache import EmbeddingCache
from kit.errors import EncoderOutputError
from kit.sources.encoders import Encoder, check_embeddings

__all__ = ["PrecomputedModel", "embed_sets", "encode_texts"]

logger = logging.getLogger(__name__)

#: Texts per encoder call: ``batch_size`` times this (the encoder batches within a call).
CHUNK_BATCHES = 64


def encode_texts(
    encoder: Encoder, texts: Sequence[str], batch_size: int = 32, progress: bool = False
) -> np.ndarray:
    """Embed unique ``texts``: longest first in batches (little padding), rows returned in input order.

    sentence-transformers sorts by length inside each ``encode`` call already; plain callables (mUSE) do
    not, so the kit sorts once, for every encoder, and passes length-homogeneous chunks.
    """
    texts = list(texts)
    if not texts:
        raise EncoderOutputError(f"nothing to encode for {encoder.name!r}")
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    chunk = max(1, batch_size * CHUNK_BATCHES)
    starts = range(0, len(order), chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"encoding {len(texts)} texts ({encoder.name})", unit="chunk")
    out: np.ndarray | None = None
    for start in starts:
        idx = order[start : start + chunk]
        block = check_embeddings(
            encoder([texts[i] for i in idx], batch_size=batch_size), len(idx), encoder.name
        )
        if out is None:
            out = np.empty((len(texts), block.shape[1]), dtype=np.float32)
        elif block.shape[1] != out.shape[1]:
            raise EncoderOutputError(
                f"encoder {encoder.name!r} returned width {block.shape[1]} after width {out.shape[1]}"
            )
        out[idx] = block
    assert out is not None
    return out


class _NoModelCard:
    """Stands in for ``model_card_data``: evaluators record metrics there; nothing to record here."""

    def set_evaluation_metrics(self, *args: Any, **kwargs: Any) -> None:
        return None


class PrecomputedModel:
    """Precomputed embeddings that sentence-transformers' evaluators accept in place of a model.

    ``encode`` returns the stored rows of the requested sentences (as a float32 array, or as a list of
    tensors when ``convert_to_numpy=False``, as ``TranslationEvaluator`` asks). Similarity is cosine.
    """

    similarity_fn_name = "cosine"

    def __init__(self, name: str, texts: Sequence[str], embeddings: np.ndarray):
        self.name = name
        self.texts = list(texts)
        self.embeddings = embeddings
        self._row = {text: i for i, text in enumerate(self.texts)}
        self.model_card_data = _NoModelCard()

    @property
    def dim(self) -> int:
        return int(self.embeddings.shape[1])

    def rows(self, sentences: Iterable[str]) -> np.ndarray:
        try:
            return self.embeddings[[self._row[s] for s in sentences]]
        except KeyError as err:
            raise KeyError(f"sentence not among the precomputed embeddings of {self.name!r}: {err}") from None

    def encode(
        self,
        sentences: str | Sequence[str],
        convert_to_numpy: bool = True,
        truncate_dim: int | None = None,
        precision: str | None = None,
        normalize_embeddings: bool = False,
        **_: Any,
    ):
        single = isinstance(sentences, str)
        array = self.rows([sentences] if single else sentences)
        if truncate_dim is not None or precision not in (None, "float32"):
            raise NotImplementedError("precomputed embeddings support neither truncate_dim nor quantization")
        if normalize_embeddings:
            array = array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)
        if not convert_to_numpy:
            import torch

            tensors = list(torch.from_numpy(np.ascontiguousarray(array)))
            return tensors[0] if single else tensors
        return array[0] if single else array


def embed_sets(
    encoder: Encoder,
    sets: Mapping[str, Sequence[str]],
    *,
    batch_size: int = 32,
    cache: EmbeddingCache | bool | None = True,
    progress: bool = False,
    stats: dict[str, int] | None = None,
) -> dict[str, PrecomputedModel]:
    """Embeddings of several text sets (e.g. one per Tatoeba language), one :class:`PrecomputedModel` each.

    Texts already in the embedding cache (:mod:`kit.cache`, for encoders with a fingerprint) are read from
    it; the rest of all sets are encoded together in one length-sorted pass over their unique texts.
    """
    store: EmbeddingCache | None
    if not encoder.fingerprint or cache is False:
        store = None
    else:
        store = cache if isinstance(cache, EmbeddingCache) else EmbeddingCache()
    uniques = {key: list(dict.fromkeys(texts)) for key, texts in sets.items()}
    found: dict[str, np.ndarray] = {}  # text -> its cached row
    missing: list[str] = []
    for unique in uniques.values():
        if store is None:
            missing += unique
            continue
        rows, absent = store.get(encoder.fingerprint, unique)
        absent = set(absent)
        for i, text in enumerate(unique):
            if i in absent:
                missing.append(text)
            else:
                found[text] = rows[i]
    missing = list(dict.fromkeys(missing))
    if missing:
        vectors = encode_texts(encoder, missing, batch_size=batch_size, progress=progress)
        if store is not None:
            store.put(encoder.fingerprint, missing, vectors)
        found.update(zip(missing, vectors, strict=True))
    if stats is not None:
        encoded = set(missing)
        touched = sum(1 for unique in uniques.values() if encoded.intersection(unique))
        stats["sets_cached"] = stats.get("sets_cached", 0) + len(sets) - touched
        stats["sets_encoded"] = stats.get("sets_encoded", 0) + touched
        stats["texts_encoded"] = stats.get("texts_encoded", 0) + len(missing)
    return {
        key: PrecomputedModel(encoder.name, unique, np.stack([found[t] for t in unique]).astype(np.float32))
        for key, unique in uniques.items()
    }
