"""Parallel data: loaders, their errors, cleaning counts, the leakage guard and the hub's offline error."""

from __future__ import annotations

import time

import datasets
import pytest

from kit import catalog, config, parallel
from kit.errors import DataFormatError, HubUnavailableError, KitError, UnknownLanguageError, UnknownNameError
from kit.parallel import pairs

# Pairs per language in the Tatoeba Challenge v2021-08-07 files (SOURCES.txt line counts).
TATOEBA_LINES = {
    "de": 17565, "es": 16583, "fr": 12681, "it": 17320, "nl": 12696, "ar": 10305, "tr": 13907,
    "pt": 13222, "pl": 10099, "ru": 19425, "uk": 13127, "ja": 13862, "zh": 4450,
}  # fmt: skip


def _write(path, text: str | bytes):
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _ds(rows):
    english, other, langs = zip(*rows, strict=True)
    return pairs._dataset(english, other, langs)


# ---------------------------------------------------------------------------------- Tatoeba Challenge


def test_tatoeba_challenge_counts_match_the_catalog(data_dir):
    ds = parallel.load_tatoeba_challenge()
    assert isinstance(ds, datasets.Dataset)
    assert ds.column_names == ["english", "non_english", "language"]
    counts = parallel.language_counts(ds)
    assert list(counts) == list(parallel.TRAIN_LANGUAGES)
    for lang, n in counts.items():
        assert n == TATOEBA_LINES[lang]
        other = catalog.pair_files("tatoeba-challenge", lang)[1]
        assert n == catalog.get_dataset("tatoeba-challenge").file(other).lines
    first_de = ds[0]
    eng, deu = (
        catalog.data_path("tatoeba-challenge", n) for n in catalog.pair_files("tatoeba-challenge", "de")
    )
    assert first_de["english"] == catalog.read_lines(eng)[0]
    assert first_de["non_english"] == catalog.read_lines(deu)[0]


def test_tatoeba_challenge_extra_languages(data_dir):
    extra = ["pt", "pl", "ru", "uk", "ja", "zh"]
    counts = parallel.language_counts(parallel.load_tatoeba_challenge(extra))
    assert counts == {lang: TATOEBA_LINES[lang] for lang in extra}


def test_tatoeba_challenge_sampling_is_reproducible(data_dir):
    a = parallel.load_tatoeba_challenge("de,fr", max_per_language=50, seed=7)
    b = parallel.load_tatoeba_challenge(["fr", "de"], max_per_language=50, seed=7)
    c = parallel.load_tatoeba_challenge(["de", "fr"], max_per_language=50, seed=8)
    assert parallel.language_counts(a) == {"de": 50, "fr": 50}
    de = [r for r in a.to_list() if r["language"] == "de"]
    assert de == [r for r in b.to_list() if r["language"] == "de"]  # independent of the order of languages
    assert de != [r for r in c.to_list() if r["language"] == "de"]


def test_tatoeba_challenge_rejects_unknown_languages(data_dir):
    with pytest.raises(UnknownLanguageError, match="'languages'"):
        parallel.load_tatoeba_challenge(["de", "xx"])
    with pytest.raises(KitError, match="'en'"):
        parallel.load_tatoeba_challenge(["en"])


# --------------------------------------------------------------------------------- line-aligned / TSV


def test_line_aligned_pairs_keep_unicode_separators(tmp_path):
    eng = _write(tmp_path / "x.en", "Hello.\nA\u2028B\nBye.\n")
    deu = _write(tmp_path / "x.de", "Hallo.\nA\u2028B\nTschüss.\n")
    ds = parallel.load_line_aligned(eng, deu, "deu")
    assert ds.to_list()[1] == {"english": "A\u2028B", "non_english": "A\u2028B", "language": "de"}
    assert len(ds) == 3


def test_line_aligned_mismatched_counts_names_files_and_counts(tmp_path):
    eng = _write(tmp_path / "corpus.en", "a\nb\nc\n")
    deu = _write(tmp_path / "corpus.de", "a\nb\n")
    with pytest.raises(DataFormatError) as info:
        parallel.load_line_aligned(eng, deu, "de")
    message = str(info.value)
    assert str(eng) in message and str(deu) in message
    assert "3 lines" in message and "has 2" in message


def test_line_aligned_empty_file(tmp_path):
    eng = _write(tmp_path / "corpus.en", "a\n")
    deu = _write(tmp_path / "corpus.de", b"")
    with pytest.raises(DataFormatError, match=r"corpus\.de: the file is empty"):
        parallel.load_line_aligned(eng, deu, "de")


def test_line_aligned_undecodable_bytes_names_file_and_line(tmp_path):
    eng = _write(tmp_path / "corpus.en", "a\nb\nc\n")
    fra = _write(tmp_path / "corpus.fr", b"a\nb\n\xff\xfe c\n")
    with pytest.raises(DataFormatError) as info:
        parallel.load_line_aligned(eng, fra, "fr")
    assert str(fra) in str(info.value) and "line 3" in str(info.value)


def test_tsv_loads_and_reports_malformed_lines(tmp_path):
    good = _write(tmp_path / "good.tsv", "Hello.\tHola.\nBye.\tAdiós.\n")
    ds = parallel.load_tsv(good, "es")
    assert ds.to_list() == [
        {"english": "Hello.", "non_english": "Hola.", "language": "es"},
        {"english": "Bye.", "non_english": "Adiós.", "language": "es"},
    ]
    no_tab = _write(tmp_path / "no_tab.tsv", "Hello.\tHola.\nBye. Adiós.\n")
    with pytest.raises(DataFormatError) as info:
        parallel.load_tsv(no_tab, "es")
    assert (
        str(no_tab) in str(info.value) and "line 2" in str(info.value) and "found 1 field" in str(info.value)
    )
    three = _write(tmp_path / "three.tsv", "a\tb\nc\td\ne\tf\tg\n")
    with pytest.raises(DataFormatError, match=r"line 3: .*found 3 field"):
        parallel.load_tsv(three, "es")
    with pytest.raises(DataFormatError, match="empty"):
        parallel.load_tsv(_write(tmp_path / "empty.tsv", b""), "es")


# -------------------------------------------------------------------------------------- FLORES / concat


def test_flores_pairs(data_dir):
    ds = parallel.load_flores(["de", "ar"])
    assert parallel.language_counts(ds) == {"de": 1012, "ar": 1012}
    english = list(ds["english"])
    assert english[:1012] == english[1012:]  # multi-parallel: the same English sentences
    with pytest.raises(UnknownNameError, match="devtest"):
        parallel.load_flores(["de"], split="dev")
    with pytest.raises(UnknownLanguageError, match="no English-"):
        parallel.load_flores(["ja"])


def test_concat_sources(tmp_path, data_dir):
    tsv = parallel.load_tsv(_write(tmp_path / "it.tsv", "Hi.\tCiao.\n"), "it")
    ds = parallel.concat([parallel.load_tatoeba_challenge(["nl"], max_per_language=3)], tsv)
    assert parallel.language_counts(ds) == {"nl": 3, "it": 1}
    with pytest.raises(DataFormatError, match="non_english"):
        parallel.concat(tsv, datasets.Dataset.from_dict({"english": ["a"], "language": ["de"]}))


# -------------------------------------------------------------------------------------------- clean


def test_clean_counts_each_step():
    rows = [
        ("  Hello.  ", " Hallo. ", "de"),  # kept (stripped)
        ("Hello.", "Hallo.", "de"),  # duplicate of the first after stripping
        ("", "Leer", "de"),  # empty
        ("Only English", "   ", "de"),  # empty after stripping
        ("x" * 11, "kurz", "de"),  # too long
        ("y" * 10, "z" * 10, "de"),  # exactly max_chars: kept
        ("Hello.", "Bonjour.", "fr"),  # kept: another language
        ("Hello.", "Bonjour.", "fr"),  # duplicate
    ]
    cleaned, report = parallel.clean(_ds(rows), max_chars=10)
    assert cleaned.to_list() == [
        {"english": "Hello.", "non_english": "Hallo.", "language": "de"},
        {"english": "y" * 10, "non_english": "z" * 10, "language": "de"},
        {"english": "Hello.", "non_english": "Bonjour.", "language": "fr"},
    ]
    assert report.counts("loaded") == {"de": 6, "fr": 2}
    assert report.dropped() == {
        "empty": {"de": 2, "fr": 0},
        "too long": {"de": 1, "fr": 0},
        "duplicate": {"de": 1, "fr": 1},
    }
    assert report.counts() == {"de": 2, "fr": 1}
    as_dict = report.to_dict()
    assert [s["step"] for s in as_dict["steps"]] == ["loaded", "empty", "too long", "duplicate"]
    assert [s["dropped_total"] for s in as_dict["steps"]] == [0, 2, 1, 2]
    text = str(report)
    assert text.splitlines()[0].split() == ["step", "de", "fr", "total", "dropped"]
    assert text.splitlines()[-1].split() == ["duplicate", "2", "1", "3", "2"]
    frame = report.to_frame()
    assert frame.loc["too long", "de"] == 3 and frame.loc["duplicate", "total"] == 3


def test_clean_everything_dropped():
    cleaned, report = parallel.clean(_ds([(" ", "x", "de")]))
    assert len(cleaned) == 0 and cleaned.column_names == list(parallel.COLUMNS)
    assert report.counts() == {"de": 0}


# ------------------------------------------------------------------------------------- leakage guard


def test_drop_leaks_removes_planted_evaluation_sentences(data_dir):
    laser_eng, laser_deu = (
        catalog.data_path("laser-tatoeba", n) for n in catalog.pair_files("laser-tatoeba", "de")
    )
    planted_english = catalog.read_lines(laser_eng)[10]
    planted_german = catalog.read_lines(laser_deu)[20]
    sts_line = catalog.read_lines(catalog.data_path("sts17", "STS.en-de.txt"))[5].split("\t")
    flores_german = catalog.read_lines(catalog.data_path("flores200-devtest", "deu_Latn.devtest"))[3]
    rows = [
        ("  " + planted_english.upper() + " ", "irgendwas Neues", "de"),  # case/whitespace differ
        ("Something new entirely, 1.", planted_german, "de"),
        (sts_line[0], "etwas", "de"),
        ("Some English.", sts_line[1], "de"),
        ("A novel sentence about zebras, 2.", flores_german, "de"),
        ("A pair no evaluation set contains, 3.", "Ein Paar, das kein Testset enthält, 3.", "de"),
        ("Yet another unseen sentence, 4.", "Noch ein ungesehener Satz, 4.", "de"),
    ]
    kept, report = parallel.drop_leaks(_ds(rows))
    assert list(kept["english"]) == [
        "A pair no evaluation set contains, 3.",
        "Yet another unseen sentence, 4.",
    ]
    assert report.dropped() == {
        "leak: laser-tatoeba": {"de": 2},
        "leak: sts17": {"de": 2},
        "leak: flores200-devtest": {"de": 1},
    }
    only_laser, _ = parallel.drop_leaks(_ds(rows), eval_sets=["laser-tatoeba"])
    assert len(only_laser) == 5


def test_drop_leaks_on_tatoeba_challenge_leaves_no_laser_pair(data_dir):
    ds = parallel.load_tatoeba_challenge(["nl", "ar"])
    kept, report = parallel.drop_leaks(ds, eval_sets=["laser-tatoeba"])
    dropped = report.dropped()["leak: laser-tatoeba"]
    assert dropped["nl"] > 100 and dropped["ar"] > 295  # the known overlap of these two pairs
    laser = {
        parallel.normalize_for_matching(s) for s in parallel.eval_sentences("laser-tatoeba", ["nl", "ar"])
    }
    for row in kept.to_list():
        assert parallel.normalize_for_matching(row["english"]) not in laser
        assert parallel.normalize_for_matching(row["non_english"]) not in laser
    assert len(kept) == len(ds) - dropped["nl"] - dropped["ar"]


def test_eval_sentences(data_dir):
    sts_de = parallel.eval_sentences("sts17", ["de"])
    en_de = catalog.read_lines(catalog.data_path("sts17", "STS.en-de.txt"))[0].split("\t")
    ar_ar = catalog.read_lines(catalog.data_path("sts17", "STS.ar-ar.txt"))[0].split("\t")
    assert en_de[0] in sts_de and en_de[1] in sts_de
    assert ar_ar[0] not in sts_de and ar_ar[0] in parallel.eval_sentences("sts17")
    assert len(parallel.eval_sentences("laser-tatoeba")) > len(
        parallel.eval_sentences("laser-tatoeba", ["de"])
    )
    assert len(parallel.eval_sentences("flores200-devtest", ["de"])) > 2000
    assert parallel.eval_sentences("stsb")
    with pytest.raises(UnknownNameError, match="eval_sentences"):
        parallel.eval_sentences("tatoeba-challenge")


# ----------------------------------------------------------------------------------------------- hub


def test_load_hub_offline_error_is_one_clear_line(data_dir):
    started = time.monotonic()
    with pytest.raises(HubUnavailableError) as info:
        parallel.load_hub("sentence-transformers/parallel-sentences-talks", subsets=["en-de"])
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert "\n" not in message
    assert "sentence-transformers/parallel-sentences-talks" in message and "'en-de'" in message
    assert "hub" in message and "load_tatoeba_challenge" in message and "load_tsv" in message


def test_load_hub_without_offline_flags_does_not_hang(monkeypatch):
    """No offline setting at all: the quick reachability probe switches datasets to offline mode."""
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("KIT_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")  # never resolves
    monkeypatch.setattr(config, "_PROBES", {})
    started = time.monotonic()
    with pytest.raises(HubUnavailableError, match="unreachable"):
        parallel.load_hub(languages=["de"])
    assert time.monotonic() - started < 15
    assert datasets.config.HF_HUB_OFFLINE is False  # restored


def test_load_hub_uses_languages_for_subsets(monkeypatch):
    seen = []

    def fake_load_dataset(name, subset, split):
        seen.append((name, subset, split))
        return datasets.Dataset.from_dict({"english": ["Hi.", "Bye."], "non_english": ["Hallo.", "Tschüss."]})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    ds = parallel.load_hub("org/parallel", languages=["de", "fra"], max_per_language=1)
    assert seen == [("org/parallel", "en-de", "train"), ("org/parallel", "en-fr", "train")]
    assert parallel.language_counts(ds) == {"de": 1, "fr": 1}


def test_stsb_translations_are_row_aligned_pairs(data_dir):
    ds = parallel.load_stsb_translations(["de", "nl"])
    assert parallel.language_counts(ds) == {"de": 11498, "nl": 11498}
    first = ds[0]
    assert first["english"] == "A plane is taking off." and first["language"] == "de"
    # Row i of each side comes from row i of the files: sentence2 of row 1 follows sentence1 of row 1.
    assert ds[1]["english"] == "An air plane is taking off."


def test_stsb_translations_reject_or_skip_languages_it_lacks(data_dir):
    with pytest.raises(UnknownLanguageError, match=r"argument 'languages'.*no ar"):
        parallel.load_stsb_translations(["ar", "de"])
    assert set(parallel.load_stsb_translations(["ar", "de"], skip_missing=True)["language"]) == {"de"}
