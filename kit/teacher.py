"""Teacher labelling: the English teacher's embeddings become the student's regression targets.

Each unique English sentence is encoded once (sentence-transformers already sorts each call by length, so
batches carry little padding), and the vectors go into an on-disk cache keyed by the teacher and the text.
A rerun, another notebook, or another language set that shares English sentences reuses them.

The cache is a folder per teacher of immutable shards ``shard-<sha256>.npz`` holding ``keys`` (SHA-1 of
each text) and ``embeddings``. A shard is written atomically and its name is the hash of its bytes, so a
truncated or altered shard is detected on load, reported, deleted and recomputed, never silently used.

Example::

    >>> from kit.teacher import Teacher
    >>> teacher = Teacher("all-MiniLM-L6-v2")                          # doctest: +SKIP
    >>> labelled = teacher.label(parallel_dataset)                     # doctest: +SKIP
    >>> labelled.column_names                                          # doctest: +SKIP
    ['english', 'non_english', 'language', 'label']
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset

from kit import config
from kit._io import atomic_write
from kit.sources.encoders import Encoder, as_encoder, check_embeddings, weights_fingerprint

logger = logging.getLogger(__name__)


def text_key(text: str) -> bytes:
    """The cache key of one text (SHA-1 digest of its UTF-8 bytes)."""
    return hashlib.sha1(text.encode("utf-8")).digest()


def _digests(keys: np.ndarray) -> list[bytes]:
    """The 20-byte keys of a shard. NumPy's ``S20`` strips trailing NUL bytes (1 digest in 256 ends with
    one), so pad them back: otherwise those texts would never hit the cache."""
    return [key.ljust(20, b"\x00") for key in keys.tolist()]


class LabelCache:
    """Embeddings of texts for one teacher, on disk, validated on load."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._index: dict[bytes, np.ndarray] | None = None
        self.dim: int | None = None

    def _load(self) -> dict[bytes, np.ndarray]:
        if self._index is not None:
            return self._index
        index: dict[bytes, np.ndarray] = {}
        for shard in sorted(self.folder.glob("shard-*.npz")):
            payload = shard.read_bytes()
            expected = shard.stem.removeprefix("shard-")
            try:
                if hashlib.sha256(payload).hexdigest()[: len(expected)] != expected:
                    raise ValueError("content does not match the hash in its name")
                with np.load(io.BytesIO(payload), allow_pickle=False) as data:
                    keys, embeddings = data["keys"], data["embeddings"]
                if keys.ndim != 1 or embeddings.ndim != 2 or len(keys) != len(embeddings):
                    raise ValueError(f"inconsistent shapes {keys.shape} / {embeddings.shape}")
                if self.dim is not None and embeddings.shape[1] != self.dim:
                    raise ValueError(f"dimension {embeddings.shape[1]} differs from {self.dim}")
            except Exception as err:  # any damage means: do not trust it, rebuild what it held
                logger.warning(
                    "Teacher cache shard %s is corrupt (%s); deleting it, its texts will be re-encoded.",
                    shard,
                    err,
                )
                shard.unlink(missing_ok=True)
                continue
            self.dim = embeddings.shape[1]
            index.update(zip(_digests(keys), embeddings, strict=True))
        self._index = index
        return index

    def __len__(self) -> int:
        return len(self._load())

    def get(self, texts: Sequence[str]) -> tuple[np.ndarray | None, list[int]]:
        """Cached rows for ``texts`` (None where missing) and the positions that are missing."""
        index = self._load()
        missing = [i for i, text in enumerate(texts) if text_key(text) not in index]
        if not index or len(missing) == len(texts):
            return None, missing
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            row = index.get(text_key(text))
            if row is not None:
                out[i] = row
        return out, missing

    def put(self, texts: Sequence[str], embeddings: np.ndarray) -> None:
        """Add one shard (atomic write; the file name is the hash of its bytes)."""
        if not len(texts):
            return
        embeddings = np.asarray(embeddings, dtype=np.float32)
        keys = np.array([text_key(t) for t in texts], dtype="S20")
        buffer = io.BytesIO()
        np.savez(buffer, keys=keys, embeddings=embeddings)
        payload = buffer.getvalue()
        path = self.folder / f"shard-{hashlib.sha256(payload).hexdigest()[:32]}.npz"
        with atomic_write(path) as handle:
            handle.write(payload)
        index = self._load()
        index.update(zip(_digests(keys), embeddings, strict=True))
        self.dim = embeddings.shape[1]


class Teacher:
    """An English teacher that labels parallel data with cached embeddings.

    Args:
        model: a model name that :func:`kit.sources.load_model` resolves, a ``SentenceTransformer``, or any
            callable ``texts -> (n, dim) array`` (then ``name`` is required, it keys the cache).
        name: cache id; defaults to the model name, or to a fingerprint of a model's weights.
        normalize: L2-normalise the targets. ``None`` (default) follows the model: True when it ends with
            ``Normalize`` (MiniLM and MPNet do). A student that ends with ``Normalize`` needs unit targets.
        batch_size: encoding batch size.
        cache: keep labels on disk under ``$KIT_CACHE_DIR/teacher-labels/<name>``; ``False`` disables it.
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
        if isinstance(model, str):
            from kit.sources import get_spec

            spec = get_spec(model)
            name = name or (spec.name if spec else model)
        elif not name:
            from sentence_transformers import SentenceTransformer

            if not isinstance(model, SentenceTransformer):
                raise ValueError("Teacher(model=<callable>) needs name=... to key its label cache")
            name = f"model-{weights_fingerprint(model).removeprefix('weights:')}"
        self.encoder: Encoder | None = as_encoder(model, name=name, precision=precision)
        self.model = getattr(self.encoder, "model", self.encoder)  # loads a model given by name now
        self.name = f"{name}@bf16" if precision == "bf16" else name
        self.dim = self.encoder.dim
        self.normalize = bool(getattr(self.encoder, "normalizes", False)) if normalize is None else normalize
        self.batch_size = batch_size
        self.show_progress_bar = show_progress_bar
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.name)
        self.cache = LabelCache(config.cache_dir("teacher-labels", safe)) if cache else None
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
            self.cache.get(unique) if self.cache is not None else (None, list(range(len(unique))))
        )
        vectors = cached if cached is not None else None
        if missing:
            new_texts = [unique[i] for i in missing]
            new = self._encode(new_texts)
            if self.cache is not None:
                self.cache.put(new_texts, new)
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

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The teachers' unit vectors of ``texts``, each scaled by √weight, concatenated (unit norm)."""
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
