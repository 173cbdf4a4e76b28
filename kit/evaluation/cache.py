"""On-disk cache of evaluation-set embeddings, one entry per (model fingerprint, list of texts).

An entry is two files under ``$KIT_CACHE_DIR/embeddings/<model>-<fingerprint hash>/``:
``<text hash>.npy`` (float32, one row per text) and ``<text hash>.json`` (fingerprint, row count, width,
dtype, SHA-256 of the ``.npy`` bytes). Both are written atomically with :mod:`kit._io`, the ``.json`` last, so
it marks a complete entry. On load every field is checked (file hash, dtype, 2-D shape, row count, width,
finite values); an entry that fails is reported, deleted and recomputed, never used.

Only encoders with a stable identity are cached: a registry name, a model folder, or an object that carries
a ``fingerprint`` string. A model object without one (e.g. a student in the middle of training) is simply
encoded each time.

Example::

    >>> from kit.evaluation.cache import EmbeddingCache
    >>> cache = EmbeddingCache()                                               # doctest: +SKIP
    >>> cache.load("folder:/models/x@1a2b", ["a", "b"]) is None               # doctest: +SKIP
    True
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kit import config
from kit._io import atomic_write, write_json
from kit.errors import CacheCorruptError

logger = logging.getLogger(__name__)

FORMAT = 1


def texts_hash(texts: Sequence[str]) -> str:
    """SHA-256 of an ordered list of texts (length-prefixed, so no separator can collide)."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


class EmbeddingCache:
    """Embeddings of text lists per model fingerprint, validated on every load.

    ``stats`` counts ``hits``, ``misses``, ``writes`` and ``corrupt`` entries (detected and dropped).
    """

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else config.cache_dir("embeddings")
        self.stats = {"hits": 0, "misses": 0, "writes": 0, "corrupt": 0}

    def paths(self, fingerprint: str, texts: Sequence[str]) -> tuple[Path, Path]:
        """The ``.npy`` and ``.json`` paths of an entry."""
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", fingerprint.split("@")[0].split(":")[-1])[-48:] or "model"
        folder = self.root / f"{slug}-{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}"
        stem = texts_hash(texts)[:32]
        return folder / f"{stem}.npy", folder / f"{stem}.json"

    def load(self, fingerprint: str, texts: Sequence[str]) -> np.ndarray | None:
        """The cached embeddings of ``texts`` or ``None`` (missing, or corrupt: then the entry is deleted)."""
        npy, meta_path = self.paths(fingerprint, texts)
        if not meta_path.exists():
            self.stats["misses"] += 1
            return None
        try:
            array = self._read(npy, meta_path, fingerprint, len(texts))
        except CacheCorruptError as err:
            logger.warning("%s; recomputing", err)
            self.stats["corrupt"] += 1
            self.stats["misses"] += 1
            for path in (meta_path, npy):
                path.unlink(missing_ok=True)
            return None
        self.stats["hits"] += 1
        return array

    @staticmethod
    def _read(npy: Path, meta_path: Path, fingerprint: str, rows: int) -> np.ndarray:
        def bad(why: str) -> CacheCorruptError:
            return CacheCorruptError(f"embedding cache entry {npy} is invalid ({why})")

        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            payload = npy.read_bytes()
        except (OSError, ValueError) as err:
            raise bad(f"unreadable: {err}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise bad("unknown metadata format")
        if meta.get("fingerprint") != fingerprint:
            raise bad("written for another model")
        if hashlib.sha256(payload).hexdigest() != meta.get("sha256"):
            raise bad("file hash differs from its metadata: truncated or altered")
        try:
            array = np.load(io.BytesIO(payload), allow_pickle=False)
        except (OSError, ValueError) as err:
            raise bad(f"not a .npy array: {err}") from None
        if array.dtype != np.float32 or meta.get("dtype") != "float32":
            raise bad(f"dtype {array.dtype}, expected float32")
        if array.ndim != 2 or array.shape != (rows, meta.get("dim")) or meta.get("rows") != rows:
            raise bad(f"shape {array.shape}, expected ({rows}, {meta.get('dim')})")
        if not np.isfinite(array).all():
            raise bad("non-finite values")
        return array

    def save(self, fingerprint: str, texts: Sequence[str], embeddings: np.ndarray) -> None:
        """Store ``embeddings`` (one float32 row per text) atomically."""
        array = np.ascontiguousarray(embeddings, dtype=np.float32)
        if array.ndim != 2 or len(array) != len(texts):
            raise ValueError(f"cannot cache shape {array.shape} for {len(texts)} texts")
        npy, meta_path = self.paths(fingerprint, texts)
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        payload = buffer.getvalue()
        with atomic_write(npy, "wb") as handle:
            handle.write(payload)
        write_json(
            meta_path,
            {
                "format": FORMAT,
                "fingerprint": fingerprint,
                "rows": int(array.shape[0]),
                "dim": int(array.shape[1]),
                "dtype": "float32",
                "sha256": hashlib.sha256(payload).hexdigest(),
                "texts_sha256": texts_hash(texts),
            },
        )
        self.stats["writes"] += 1
