"""Static students (kit.static): built from a transformer's own token table, trained by the same distillation,
trimmed to the tokens the data uses, with clear errors for what cannot work."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from kit.static import StaticInitError, base_model, build_static_student, parse, static_from_transformer


def test_static_names_parse_and_unknown_inits_are_clear_errors():
    assert parse("static:multilingual-e5-small") == ("transformer", "multilingual-e5-small")
    assert parse("static:random:all-MiniLM-L6-v2") == ("random", "all-MiniLM-L6-v2")
    assert parse("static:contextual:all-MiniLM-L6-v2") == ("contextual", "all-MiniLM-L6-v2")
    assert base_model("static:random:multilingual-e5-small") == "multilingual-e5-small"
    with pytest.raises(StaticInitError, match=r"unknown static init 'glove:x'.*static:random:<model>"):
        parse("static:glove:x")
    with pytest.raises(StaticInitError, match="names no model"):
        parse("static:random:")
    with pytest.raises(StaticInitError, match="not a static student name"):
        parse("multilingual-e5-small")


@pytest.fixture(scope="module")
def minilm():
    from kit.sources import load_model

    return load_model("all-MiniLM-L6-v2", device="cpu")


def test_static_student_starts_from_the_transformers_input_table(minilm):
    static = static_from_transformer(minilm, name="all-MiniLM-L6-v2")
    table = minilm[0].auto_model.get_input_embeddings().weight
    assert static.embedding.weight.shape == table.shape
    assert torch.equal(static.embedding.weight, table)
    assert (
        static.embedding.weight.data_ptr() != table.data_ptr()
    )  # a copy: training it leaves the model alone
    features = static.preprocess(["the cat"])
    expected = table[features["input_ids"]].mean(0)
    assert torch.allclose(static(features)["sentence_embedding"][0], expected, atol=1e-6)


def test_contextual_rows_are_the_transformers_embedding_of_each_token_alone(minilm):
    from kit.static import contextual_table

    words = ["cat", "house", "running"]
    ids = [minilm[0].tokenizer.convert_tokens_to_ids(w) for w in words]
    table = contextual_table(minilm, ids, batch_size=2)  # two batches
    assert table.shape == (3, 384)
    # A one-word sentence is encoded as [CLS] word [SEP]: its row is where the transformer puts that sentence.
    encoded = minilm.encode(words, convert_to_tensor=True)
    cosine = torch.nn.functional.cosine_similarity(table, encoded)
    assert torch.all(cosine > 0.9999), cosine
    assert not torch.allclose(table.norm(dim=1), torch.ones(3))  # rows keep their norms (no Normalize)


def test_a_tokenizer_that_is_not_fast_is_a_clear_error(minilm, monkeypatch):
    class SlowTokenizer:  # what a sentencepiece/python tokenizer looks like here: no Rust backend
        is_fast = False

    monkeypatch.setattr(type(minilm[0]), "tokenizer", property(lambda self: SlowTokenizer()))
    with pytest.raises(StaticInitError, match=r"needs a fast .*SlowTokenizer"):
        static_from_transformer(minilm, name="slow")


def test_trimming_needs_a_unigram_tokenizer(minilm):
    from sentence_transformers import SentenceTransformer

    from kit.static import trim_vocabulary

    model = SentenceTransformer(modules=[static_from_transformer(minilm)], device="cpu")
    with pytest.raises(StaticInitError, match=r"Unigram tokenizers .*not WordPiece"):
        trim_vocabulary(model, ["the cat"])


@pytest.fixture(scope="module")
def e5_static():
    return build_static_student("static:multilingual-e5-small")


@pytest.mark.slow
def test_trimmed_vocabulary_keeps_the_embeddings_of_the_texts_it_was_trimmed_on(e5_static):
    import copy

    from kit.static import coverage, trim_vocabulary

    texts = ["Where is the station?", "Wo ist der Bahnhof?", "İstasyon nerede?", "أين المحطة؟"]
    model = copy.deepcopy(e5_static)
    before = model.encode(texts, convert_to_numpy=True)
    report = trim_vocabulary(model, texts)
    assert report.tokens_after < 1000 < report.tokens_before == 250002
    assert report.megabytes_after < report.megabytes_before / 100
    np.testing.assert_allclose(model.encode(texts, convert_to_numpy=True), before, atol=1e-6)
    # Unseen words made of seen characters still tokenise without <unk>: single characters are kept.
    assert coverage(model, ["Bahnhofstation", "Wo ist der station"]) == 1.0
    assert coverage(model, ["駅はどこですか"]) <= 0.5  # only the word marker "▁"; unseen characters: <unk>


@pytest.fixture(scope="module")
def static_run(tmp_path_factory):
    from kit.train import PRESETS, distill

    config = PRESETS["smoke"].replace(
        student="static:multilingual-e5-small",
        batch_size=64,
        learning_rate=0.05,
        weight_decay=0.0,
        group_by_length=False,
        max_steps=40,
    )
    result = distill(config, tmp_path_factory.mktemp("static"))
    return result, json.loads(result.results_path.read_text())


@pytest.mark.slow
def test_small_static_distillation_raises_dev_accuracy_and_lowers_mse(static_run):
    result, record = static_run
    assert [type(m).__name__ for m in result.model] == ["StaticEmbedding", "Normalize"]
    # Measured: 0.18 → 0.24 accuracy, MSE×100 0.49 → 0.06 in 40 steps (a static student needs many more).
    assert result.metrics["dev_translation_accuracy"] > result.baseline["dev_translation_accuracy"] + 0.03
    assert result.metrics["dev_mse"] < result.baseline["dev_mse"]
    vocabulary = record["static_vocabulary"]
    assert vocabulary["tokens_after"] < vocabulary["tokens_before"] / 10
    assert record["teacher_labels"]  # the self-teacher: the transformer the static student started from


@pytest.mark.slow
def test_saved_static_student_reloads_as_a_plain_sentence_transformer(static_run):
    from sentence_transformers import SentenceTransformer

    result, _ = static_run
    reloaded = SentenceTransformer(str(result.model_path), device="cpu")
    texts = ["Good morning.", "Günaydın."]
    np.testing.assert_allclose(reloaded.encode(texts), result.model.encode(texts), atol=1e-6)


@pytest.mark.slow
def test_contextual_init_starts_closer_to_the_transformer_than_its_input_table(e5_static):
    import copy

    from kit.sources import load_model
    from kit.static import trim_vocabulary

    texts = ["Where is the station?", "Wo ist der Bahnhof?", "İstasyon nerede?", "The cat sleeps."]
    contextual = build_static_student("static:contextual:multilingual-e5-small", texts=texts)
    assert contextual.static_vocabulary["tokens_after"] < 1000  # trimmed first: only these rows were computed
    table = copy.deepcopy(e5_static)
    trim_vocabulary(table, texts)
    target = load_model("multilingual-e5-small").encode(texts, convert_to_tensor=True)

    def cosine(model):
        return torch.nn.functional.cosine_similarity(model.encode(texts, convert_to_tensor=True), target)

    assert cosine(contextual).mean() > cosine(table).mean() + 0.1
