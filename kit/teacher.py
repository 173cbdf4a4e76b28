"""Teacher labelling: the English teacher's embeddings become the student's regression targets.

Each unique English sentence is encoded once (sentence-transformers already sorts each call by length, so
batches carry little padding), and the vectors go into the kit's embedding cache (:mod:`kit.cache`), keyed
by the teacher's fingerprint and the text. A rerun, another notebook, another language set that shares
English sentences, or an evaluation of the same model reuses them.

Example::

    >>> from kit.teacher import Teacher
    >>> teacher = Teacher("all-MiniLM-L6-v2")                          # doctest: +SKIP
    >>> labelled = teacher.label(parallel_dataset)                     # doctest: +SKIP
    >>> labelled.column_names                                          # doctest: +SKIP
    ['english', 'non_english', 'language', 'label']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from datasets import Dataset

from kit.cache import EmbeddingCache
from kit.sources.encoders import Encoder, as_encoder, check_embeddings, weights_fingerprint

__all__ = ["CombinedTeacher", "Teacher"]

logger = logging.getLogger(__name__)


class Teacher:
    """An English teacher that labels parallel data with cached embeddings.

    Args:
        model: a model name that :func:`kit.sources.load_model` resolves, a ``SentenceTransformer``, or any
            callable ``texts -> (n, dim) array`` (then ``name`` is required, it keys the cache).
        name: the teacher's name (``"<name>@bf16"`` in bf16); defaults to the model name, or to a fingerprint of
            a model's weights. Labels are cached by the encoder's fingerprint (:mod:`kit.cache`), else by the
            model's weights, else (a callable without a ``fingerprint``) by this name.
        normalize: L2-normalise the targets. ``None`` (default) follows the model: True when it ends with
            ``Normalize`` (MiniLM and MPNet do). A student that ends with ``Normalize`` needs unit targets.
        batch_size: encoding batch size.
        cache: keep labels in the embedding cache (:mod:`kit.cache`); ``False`` disables it.
        precision: ``"float32"``, or ``"bf16"`` to encode with bfloat16 weights: 2-3× faster on a GPU or a CPU
            with native bf16 (AVX512-BF16/AMX), and targets that differ from float32 by far less than what
            distillation can fit (see bench/README.md). Labels are cached per precision.

    Example::

        >>> teacher = Teacher("all-MiniLM-L6-v2")                            # doctest: +SKIP
        >>> teacher.encode(["Hello world", "Hello world"]).shape            # doctest: +SKIP
        (2, 384)
    """

    def __init__(
        self,
        model,
        *,
        name: str | None = None,
        normalize: bool | None = None,
        batch_size: int = 128,
        cache: bool = True,
        show_progress_bar: bool = True,
        precision: str = "float32",
    ):
        from sentence_transformers import SentenceTransformer

        weights = weights_fingerprint(model) if isinstance(model, SentenceTransformer) else None
        if isinstance(model, str):
            from kit.sources import get_spec

            spec = get_spec(model)
            name = name or (spec.name if spec else model)
        elif weights is not None:
            name = name or f"model-{weights.removeprefix('weights:')}"
        elif not name:
            raise ValueError("Teacher(model=<callable>) needs name=... to key its label cache")
        self.encoder: Encoder | None = as_encoder(model, name=name, precision=precision)
        self.model = getattr(self.encoder, "model", self.encoder)  # loads a model given by name now
        self.name = f"{name}@bf16" if precision == "bf16" else name
        # The cache key: what the encoder computes; a model object's weights; else the name the caller vouches for.
        suffix = "|bf16" if precision == "bf16" else ""
        self.fingerprint = self.encoder.fingerprint or (
            f"{weights}{suffix}" if weights is not None else f"teacher:{self.name}"
        )
        self.dim = self.encoder.dim
        self.normalize = bool(getattr(self.encoder, "normalizes", False)) if normalize is None else normalize
        self.batch_size = batch_size
        self.show_progress_bar = show_progress_bar
        self.cache = EmbeddingCache() if cache else None
        self.stats = {"requested": 0, "unique": 0, "cached": 0, "encoded": 0}

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self.encoder is None:
            raise RuntimeError(
                f"teacher {self.name!r} was released; {len(texts)} text(s) are not in its label cache: {texts[:2]}"
            )
        progress = self.show_progress_bar and len(texts) > self.batch_size
        out = self.encoder(texts, batch_size=self.batch_size, show_progress_bar=progress)
        return check_embeddings(out, len(texts), self.name)

    def encode(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        """Embeddings of ``texts`` (float32, one row each), encoding each unique uncached text once.

        Keyword arguments of ``SentenceTransformer.encode`` are accepted and ignored, so that
        sentence-transformers' evaluators (``MSEEvaluator(teacher_model=...)``) can use a teacher as it is.
        """
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        cached, missing = (
            self.cache.get(self.fingerprint, unique)
            if self.cache is not None
            else (None, list(range(len(unique))))
        )
        vectors = cached if cached is not None else None
        if missing:
            new_texts = [unique[i] for i in missing]
            new = self._encode(new_texts)
            if self.cache is not None:
                self.cache.put(self.fingerprint, new_texts, new)
            if vectors is None:
                vectors = np.zeros((len(unique), new.shape[1]), dtype=np.float32)
            vectors[missing] = new
        self.stats["requested"] += len(texts)
        self.stats["unique"] += len(unique)
        self.stats["cached"] += len(unique) - len(missing)
        self.stats["encoded"] += len(missing)
        if vectors is None:  # no texts at all
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        if self.normalize:
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        position = {text: i for i, text in enumerate(unique)}
        return vectors[[position[t] for t in texts]]

    def release(self) -> None:
        """Free the model (training no longer needs it); texts already labelled stay available from the cache."""
        self.model = self.encoder = None
        import gc

        gc.collect()

    def label(self, dataset: Dataset, column: str = "english") -> Dataset:
        """Return ``dataset`` with a ``label`` column: the teacher's embedding of ``column``."""
        if column not in dataset.column_names:
            raise KeyError(f"dataset has no column {column!r} (columns: {dataset.column_names})")
        labels = self.encode(dataset[column])
        if "label" in dataset.column_names:
            dataset = dataset.remove_columns("label")
        return dataset.add_column("label", [row for row in labels])


class CombinedTeacher:
    """Several teachers as one: each teacher's unit vectors, scaled by √weight, side by side.

    The cosine of two combined vectors is then the weighted mean of the teachers' cosines, so a student that
    imitates the combination inherits e.g. mUSE's cross-lingual geometry *and* the student's own English
    (``"self+use-multilingual"``). Weights are normalised to sum to 1, so the targets are unit vectors.

    Example::

        >>> combined = CombinedTeacher([Teacher("use-multilingual"), Teacher("all-MiniLM-L6-v2")], [0.6, 0.4])  # doctest: +SKIP
        >>> combined.dim, combined.name                                                   # doctest: +SKIP
        (896, 'use-multilingual*0.6+all-MiniLM-L6-v2*0.4')
    """

    normalize = True

    def __init__(self, teachers: Sequence[Teacher], weights: Sequence[float]):
        if len(teachers) < 2 or len(teachers) != len(weights):
            raise ValueError(
                f"CombinedTeacher needs ≥ 2 teachers with one weight each, got {len(teachers)}/{len(weights)}"
            )
        if any(w <= 0 for w in weights):
            raise ValueError(f"CombinedTeacher weights must be > 0, got {list(weights)}")
        total = float(sum(weights))
        self.teachers = list(teachers)
        self.weights = [w / total for w in weights]
        self.name = "+".join(f"{t.name}*{w:g}" for t, w in zip(self.teachers, self.weights, strict=True))
        self.dim = sum(int(t.dim) for t in self.teachers)

    @property
    def stats(self) -> dict[str, dict[str, int]]:
        return {t.name: t.stats for t in self.teachers}

    def encode(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        """The teachers' unit vectors of ``texts``, each scaled by √weight, concatenated (unit norm).

        Like :meth:`Teacher.encode`, keyword arguments of ``SentenceTransformer.encode`` are accepted and ignored,
        so the dev evaluator (``MSEEvaluator(teacher_model=...)``) can use a combined teacher as it is.
        """
        parts = []
        for teacher, weight in zip(self.teachers, self.weights, strict=True):
            vectors = teacher.encode(texts)
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            parts.append(np.sqrt(weight) * vectors)
        return np.concatenate(parts, axis=1).astype(np.float32)

    def release(self) -> None:
        for teacher in self.teachers:
            teacher.release()

    label = Teacher.label
