"""The encoder adapter of the figures: a model name, folder, SentenceTransformer or callable → vectors.

(Moved unchanged from the former ``kit/visualize.py``; the kit's encoder adapters are to be unified in one protocol.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kit.errors import KitError

__all__ = ["Encoder", "as_encoder", "embed"]

Encoder = Callable[[list[str]], np.ndarray]


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
