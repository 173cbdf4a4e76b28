"""The embedding cache: the vectors an encoder gave each text, on disk, for teacher labels and evaluation alike.

Vectors are kept per encoder **fingerprint** (:attr:`kit.sources.Encoder.fingerprint`: the registry entry and
its packages, the content of a model folder, or a model's weights), so a rerun, another notebook, another
language selection or the evaluation of the same model reuses every text it has seen, and a changed model
never gets another model's vectors.

Layout: ``$KIT_CACHE_DIR/embeddings/<model>-<fingerprint hash>/shard-<sha256>.npz``, one immutable shard per
write, holding ``fingerprint``, ``keys`` (the SHA-1 of each text, :func:`text_key`) and ``embeddings``
(float32, one row per key). A shard is written atomically and named after the hash of its bytes. On load
every shard is checked (name against content, fingerprint, shapes, dtype, finite values); one that fails,
and any file of an older cache format, is logged, deleted and its texts encoded again: never used.

Example::

    >>> import numpy as np, tempfile
    >>> cache = EmbeddingCache(tempfile.mkdtemp())
    >>> cache.put("test:demo", ["a", "b"], np.ones((2, 3)))
    >>> rows, missing = cache.get("test:demo", ["b", "c"])
    >>> rows.shape, missing
    ((2, 3), [1])
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kit import config
from kit._io import atomic_write

__all__ = ["EmbeddingCache", "text_key"]

logger = logging.getLogger(__name__)

_KEY_BYTES = 20


def text_key(text: str) -> bytes:
    """The cache key of one text: the SHA-1 digest of its UTF-8 bytes.

    >>> len(text_key("Hello"))
    20
    """
    return hashlib.sha1(text.encode("utf-8")).digest()


class _InvalidShard(Exception):
    """Internal: why a shard cannot be trusted."""


class EmbeddingCache:
    """Vectors of texts per encoder fingerprint, on disk under ``root`` (default ``$KIT_CACHE_DIR/embeddings``).

    ``stats`` counts ``hits`` (texts served), ``misses`` (texts not found), ``writes`` (shards written) and
    ``corrupt`` (shards or old-format files dropped).
    """

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else config.cache_dir("embeddings")
        self.stats = {"hits": 0, "misses": 0, "writes": 0, "corrupt": 0}
        # fingerprint -> (text key -> row), loaded on first use
        self._index: dict[str, dict[bytes, np.ndarray]] = {}

    def folder(self, fingerprint: str) -> Path:
        """The folder of one fingerprint's shards (a readable slug of the model, then a hash)."""
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", fingerprint.split("@")[0].split(":")[-1])[-48:] or "model"
        return self.root / f"{slug}-{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}"

    def get(self, fingerprint: str, texts: Sequence[str]) -> tuple[np.ndarray | None, list[int]]:
        """The cached rows of ``texts`` (zeros where missing; ``None`` when none is cached) and the positions
        that are missing."""
        index = self._load(fingerprint)
        rows = [index.get(text_key(text)) for text in texts]
        missing = [i for i, row in enumerate(rows) if row is None]
        self.stats["hits"] += len(texts) - len(missing)
        self.stats["misses"] += len(missing)
        if len(missing) == len(texts):
            return None, missing
        dim = next(row for row in rows if row is not None).shape[0]
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, row in enumerate(rows):
            if row is not None:
                out[i] = row
        return out, missing

    def load(self, fingerprint: str, texts: Sequence[str]) -> np.ndarray | None:
        """The cached rows of ``texts`` when every one is cached, else ``None``."""
        rows, missing = self.get(fingerprint, texts)
        return None if missing else rows

    def put(self, fingerprint: str, texts: Sequence[str], embeddings: np.ndarray) -> None:
        """Add the rows of ``texts`` as one shard (atomic; the file name is the hash of its bytes)."""
        array = np.array(embeddings, dtype=np.float32)  # a copy: the index must not change with the caller's
        if array.ndim != 2 or len(array) != len(texts):
            raise ValueError(f"cannot cache shape {array.shape} for {len(texts)} texts")
        if not len(texts):
            return
        keys = np.frombuffer(b"".join(text_key(t) for t in texts), dtype=np.uint8).reshape(-1, _KEY_BYTES)
        buffer = io.BytesIO()
        np.savez(buffer, fingerprint=np.array(fingerprint), keys=keys, embeddings=array)
        payload = buffer.getvalue()
        folder = self.folder(fingerprint)
        with atomic_write(folder / f"shard-{hashlib.sha256(payload).hexdigest()[:32]}.npz") as handle:
            handle.write(payload)
        self.stats["writes"] += 1
        index = self._load(fingerprint)
        index.update(zip((bytes(k) for k in keys), array, strict=True))

    # ------------------------------------------------------------------------------------------ loading

    def _load(self, fingerprint: str) -> dict[bytes, np.ndarray]:
        if fingerprint in self._index:
            return self._index[fingerprint]
        index: dict[bytes, np.ndarray] = {}
        dim: int | None = None
        folder = self.folder(fingerprint)
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.name.startswith(".") or not path.is_file():  # a write in progress (kit._io.atomic_write)
                continue
            try:
                keys, embeddings = _read_shard(path, fingerprint, dim)
            except _InvalidShard as err:
                logger.warning(
                    "embedding cache: %s is corrupt or outdated (%s); deleting it, its texts will be encoded again",
                    path,
                    err,
                )
                self.stats["corrupt"] += 1
                path.unlink(missing_ok=True)
                continue
            dim = embeddings.shape[1]
            index.update(zip((bytes(k) for k in keys), embeddings, strict=True))
        self._index[fingerprint] = index
        return index


def _read_shard(path: Path, fingerprint: str, dim: int | None) -> tuple[np.ndarray, np.ndarray]:
    """A shard's keys and embeddings, or :class:`_InvalidShard` saying why it cannot be trusted."""
    if not (path.name.startswith("shard-") and path.suffix == ".npz"):
        raise _InvalidShard("not a shard of this cache format: an older cache?")
    try:
        payload = path.read_bytes()
    except OSError as err:
        raise _InvalidShard(f"unreadable: {err}") from None
    expected = path.stem.removeprefix("shard-")
    if hashlib.sha256(payload).hexdigest()[: len(expected)] != expected:
        raise _InvalidShard("its bytes do not match the hash in its name: truncated or altered")
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            owner, keys, embeddings = str(data["fingerprint"]), data["keys"], data["embeddings"]
    except Exception as err:  # any damage means: do not trust it
        raise _InvalidShard(f"not a readable shard: {type(err).__name__}: {err}") from None
    if owner != fingerprint:
        raise _InvalidShard(f"written for another encoder, {owner}")
    if keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != _KEY_BYTES:
        raise _InvalidShard(f"keys of shape {keys.shape} and dtype {keys.dtype}")
    if embeddings.dtype != np.float32 or embeddings.ndim != 2 or len(embeddings) != len(keys):
        raise _InvalidShard(f"embeddings of shape {embeddings.shape} and dtype {embeddings.dtype}")
    if dim is not None and embeddings.shape[1] != dim:
        raise _InvalidShard(f"width {embeddings.shape[1]} where the other shards have {dim}")
    if not np.isfinite(embeddings).all():
        raise _InvalidShard("NaN or infinite values")
    return keys, embeddings
