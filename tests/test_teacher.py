"""Teacher labelling: each unique text encoded once, an on-disk cache that is reused, checked and repaired."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from kit.cache import text_key
from kit.teacher import Teacher


class CountingEncoder:
    """A deterministic fake teacher that records what it was asked to encode."""

    dim = 8

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], dtype=np.uint8) for t in texts]
        return np.asarray(rows, dtype=np.float32)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_unique_texts_are_encoded_once_and_reused_by_a_new_teacher(cache_dir):
    encoder = CountingEncoder()
    texts = ["a cat", "a dog", "a cat", "a bird"]
    first = Teacher(encoder, name="fake").encode(texts)
    assert encoder.calls == [["a cat", "a dog", "a bird"]]
    assert np.array_equal(first[0], first[2])
    again = Teacher(encoder, name="fake")
    assert np.array_equal(again.encode(texts), first)
    assert len(encoder.calls) == 1 and again.stats["encoded"] == 0 and again.stats["cached"] == 3


def test_texts_whose_key_ends_with_a_nul_byte_hit_the_cache(cache_dir):
    # NumPy's fixed-width bytes drop trailing NULs: 1 SHA-1 in 256 ends with one, and such texts once missed.
    nul_texts = [t for t in (f"sentence {i}" for i in range(5000)) if text_key(t).endswith(b"\x00")][:3]
    assert nul_texts
    encoder = CountingEncoder()
    Teacher(encoder, name="fake").encode(nul_texts)
    Teacher(encoder, name="fake").encode(nul_texts)
    assert len(encoder.calls) == 1


def test_a_damaged_shard_is_detected_deleted_and_recomputed(cache_dir, caplog):
    encoder = CountingEncoder()
    teacher = Teacher(encoder, name="fake")
    expected = teacher.encode(["x", "y"])
    (shard,) = teacher.cache.folder(teacher.fingerprint).glob("shard-*.npz")
    shard.write_bytes(shard.read_bytes()[:-7])
    again = Teacher(encoder, name="fake").encode(["x", "y"])
    assert np.array_equal(again, expected) and len(encoder.calls) == 2
    assert "corrupt" in caplog.text
    # Rewritten whole: same content, so the same hash-named file, and its bytes match its name again.
    assert hashlib.sha256(shard.read_bytes()).hexdigest().startswith(shard.stem.removeprefix("shard-"))


def test_a_released_teacher_still_serves_its_cache_and_names_what_it_lacks(cache_dir):
    encoder = CountingEncoder()
    teacher = Teacher(encoder, name="fake")
    expected = teacher.encode(["kept"])
    teacher.release()
    assert np.array_equal(teacher.encode(["kept"]), expected)
    with pytest.raises(RuntimeError, match=r"released.*'new'"):
        teacher.encode(["new"])


def test_bf16_labels_are_close_and_cached_apart(cache_dir):
    from kit.sources import load_model

    model = load_model("all-MiniLM-L6-v2")
    texts = ["A man is playing a guitar.", "The weather is lovely today."]
    full = Teacher(model, name="minilm").encode(texts)
    half = Teacher(model, name="minilm", precision="bf16")
    fast = half.encode(texts)
    assert half.name == "minilm@bf16" and half.stats["encoded"] == 2  # not served float32 labels
    assert np.all(np.sum(full * fast, axis=1) > 0.999)
    assert (
        next(model.parameters()).dtype.is_floating_point
        and str(next(model.parameters()).dtype) == "torch.float32"
    )
    with pytest.raises(ValueError, match="precision"):
        Teacher(model, name="minilm", precision="fp8")


def test_a_combined_teacher_is_the_weighted_mean_of_its_teachers_cosines(cache_dir):
    from datasets import Dataset

    from kit.teacher import CombinedTeacher

    a, b = Teacher(CountingEncoder(), name="a"), Teacher(CountingEncoder(), name="b")
    b._encode = lambda texts: np.asarray(CountingEncoder()(texts)[:, ::-1] ** 2)  # another geometry
    combined = CombinedTeacher([a, b], [3, 1])
    assert combined.name == "a*0.75+b*0.25" and combined.dim == 16 and combined.normalize
    texts = ["a cat", "a dog", "the weather"]
    vectors = combined.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)

    def cosines(x):
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        return x @ x.T

    expected = 0.75 * cosines(a.encode(texts)) + 0.25 * cosines(b.encode(texts))
    np.testing.assert_allclose(cosines(vectors), expected, atol=1e-6)
    labelled = combined.label(Dataset.from_dict({"english": texts, "non_english": texts}))
    np.testing.assert_allclose(np.asarray(labelled["label"]), vectors, atol=1e-6)
    with pytest.raises(ValueError, match="weights must be > 0"):
        CombinedTeacher([a, b], [1, 0])


def test_a_combined_teacher_serves_the_dev_evaluator_as_a_single_teacher_does(cache_dir):
    """The dev MSE evaluator calls ``teacher.encode(texts, batch_size=..., ...)``: a combined teacher must take it."""
    from datasets import Dataset

    from kit.teacher import CombinedTeacher
    from kit.train.dev import dev_evaluator

    a, b = Teacher(CountingEncoder(), name="a"), Teacher(CountingEncoder(), name="b")
    combined = CombinedTeacher([a, b], [1, 1])
    dev = Dataset.from_dict({"english": ["a cat", "a dog"], "non_english": ["eine Katze", "ein Hund"]})
    mse = dev_evaluator(dev, combined).evaluators[0]
    np.testing.assert_allclose(mse.source_embeddings, combined.encode(["a cat", "a dog"]), atol=1e-6)
