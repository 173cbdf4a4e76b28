"""The embedding cache (kit.cache): keyed by fingerprint and text, atomic shards, every damage detected."""

from __future__ import annotations

import hashlib
import io
import logging

import numpy as np
import pytest

from kit.cache import EmbeddingCache, text_key


def _shard(cache: EmbeddingCache, fingerprint: str):
    (shard,) = cache.folder(fingerprint).glob("shard-*.npz")
    return shard


def test_rows_come_back_per_text_and_per_fingerprint(tmp_path):
    cache = EmbeddingCache(tmp_path)
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    cache.put("m1", ["a", "b", "c"], vectors)
    rows, missing = cache.get("m1", ["c", "x", "a"])
    assert missing == [1] and np.array_equal(rows[[0, 2]], vectors[[2, 0]])
    assert cache.get("m2", ["a"]) == (None, [0])
    assert cache.folder("m1") != cache.folder("m2")
    assert np.array_equal(EmbeddingCache(tmp_path).load("m1", ["b"]), vectors[[1]])  # from disk
    assert EmbeddingCache(tmp_path).load("m1", ["b", "x"]) is None
    assert cache.stats["writes"] == 1


def test_texts_whose_key_ends_with_a_nul_byte_are_found(tmp_path):
    texts = [t for t in (f"sentence {i}" for i in range(5000)) if text_key(t).endswith(b"\x00")][:3]
    assert texts
    EmbeddingCache(tmp_path).put("m", texts, np.ones((3, 2)))
    assert EmbeddingCache(tmp_path).load("m", texts) is not None


def _nan_shard(path, fingerprint: str) -> None:
    """Rewrite ``path`` as a well-formed shard (name matching its bytes) that holds a NaN."""
    buffer = io.BytesIO()
    keys = np.frombuffer(text_key("a"), dtype=np.uint8).reshape(1, 20)
    np.savez(
        buffer, fingerprint=np.array(fingerprint), keys=keys, embeddings=np.full((1, 2), np.nan, np.float32)
    )
    payload = buffer.getvalue()
    path.unlink()
    (path.parent / f"shard-{hashlib.sha256(payload).hexdigest()[:32]}.npz").write_bytes(payload)


@pytest.mark.parametrize(
    "damage",
    ["truncated", "altered", "nan", "other fingerprint", "old format"],
)
def test_damage_is_logged_deleted_and_recomputed(tmp_path, caplog, damage):
    cache = EmbeddingCache(tmp_path)
    cache.put("m", ["a"], np.ones((1, 2)))
    shard = _shard(cache, "m")
    if damage == "truncated":
        shard.write_bytes(shard.read_bytes()[:-7])
    elif damage == "altered":
        data = bytearray(shard.read_bytes())
        data[-30] ^= 1
        shard.write_bytes(bytes(data))
    elif damage == "nan":
        _nan_shard(shard, "m")
    elif damage == "other fingerprint":
        other = EmbeddingCache(tmp_path / "other")
        other.put("x", ["a"], np.ones((1, 2)))
        shard.unlink()
        _shard(other, "x").rename(cache.folder("m") / _shard(other, "x").name)
    else:  # the evaluation cache's former layout: <hash>.npy + <hash>.json
        shard.unlink()
        (cache.folder("m") / "0123abcd.npy").write_bytes(b"\x93NUMPY")
        (cache.folder("m") / "0123abcd.json").write_text("{}")
    fresh = EmbeddingCache(tmp_path)
    with caplog.at_level(logging.WARNING, logger="kit.cache"):
        assert fresh.get("m", ["a"]) == (None, [0])
    assert fresh.stats["corrupt"] >= 1 and "encoded again" in caplog.text
    assert not any(cache.folder("m").iterdir())  # nothing untrusted is left behind
    fresh.put("m", ["a"], np.ones((1, 2)))
    assert EmbeddingCache(tmp_path).load("m", ["a"]) is not None


def test_a_shard_with_another_width_is_not_mixed_in(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.put("m", ["a"], np.ones((1, 2)))
    cache.put("m", ["b"], np.ones((1, 3)))
    fresh = EmbeddingCache(tmp_path)
    _, missing = fresh.get("m", ["a", "b"])
    assert len(missing) == 1 and fresh.stats["corrupt"] == 1
