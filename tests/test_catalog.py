"""The data catalog: file table vs the mirror, missing files, downloads, language codes, line reading."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from pathlib import Path

import pytest

from kit import catalog, config
from kit.errors import (
    ChecksumMismatchError,
    DataFormatError,
    DataNotFoundError,
    UnknownLanguageError,
    UnknownNameError,
)


def _sources_rows(data_dir: Path) -> dict[str, tuple[int | None, int, str]]:
    """relpath → (lines, bytes, sha256-12) as listed in the mirror's SOURCES.txt."""
    rows = {}
    for line in (data_dir / "SOURCES.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("    ") and line.count("\t") == 3:
            path, lines, size, sha = line.strip().split("\t")
            rows[path] = (None if lines == "binary" else int(lines), int(size), sha)
    return rows


@pytest.fixture
def empty_data_dir(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("KIT_DATA_DIR", str(root))
    monkeypatch.setenv("KIT_OFFLINE", "1")
    monkeypatch.delenv("KIT_DATA_URL", raising=False)
    return root


# ------------------------------------------------------------------------------------ the file table


def test_catalog_rows_match_sources_txt(data_dir):
    expected = _sources_rows(data_dir)
    assert len(expected) > 300
    listed = {
        f.relpath: (f.lines, f.size, f.sha256)
        for name in catalog.dataset_names()
        for f in catalog.files(name)
    }
    assert listed == expected


def test_required_datasets_are_known():
    names = catalog.dataset_names()
    for name in ("tatoeba-challenge", "flores200-devtest", "laser-tatoeba", "sts17", "stsb", "stsb-multi-mt"):
        assert name in names
        info = catalog.get_dataset(name)
        assert info.license and info.description and info.hf_id
        assert info.online_source.startswith("https://github.com/")
        assert all(f.url.startswith("https://raw.githubusercontent.com/") for f in info.files)
    assert len(catalog.laser_languages()) == 112
    assert len(catalog.files("sts17")) == 11  # 10 tracks + Readme
    assert catalog.tatoeba_challenge_languages() == sorted(
        ["ara", "deu", "fra", "ita", "nld", "spa", "tur", "por", "pol", "rus", "ukr", "jpn", "cmn_Hans"]
    )


def test_urls_point_at_the_pinned_sources():
    laser = catalog.get_dataset("laser-tatoeba").file("tatoeba.deu-eng.deu")
    assert laser.url == (
        "https://raw.githubusercontent.com/facebookresearch/LASER/74bc6ae7ffb7cba670fe0f428d0ede9f666fb821/"
        "data/tatoeba/v1/tatoeba.deu-eng.deu"
    )
    fra = catalog.get_dataset("tatoeba-challenge").file("eng-fra/tatoeba-test-v2021-08-07.fra")
    assert fra.url.endswith("datasets/helsinki_nlp/tatoeba/testsets/eng-fra/tatoeba-test-v2021-08-07.fra")
    dev = catalog.get_dataset("stsb").file("sts-dev.csv")
    assert dev.member_of == ("Stsbenchmark.tar.gz", "stsbenchmark/sts-dev.csv")
    assert dev.url.endswith("/data/sources/Stsbenchmark.tar.gz")


def test_every_file_is_in_the_mirror_and_verifies(data_dir):
    for name in catalog.dataset_names():
        assert catalog.verify(name) == [], name
        for f in catalog.files(name):
            assert catalog.data_path(name, f.name) == data_dir / f.relpath


def test_data_path_accepts_name_or_data_dir_path(data_dir):
    by_name = catalog.data_path("sts17", "STS.en-de.txt")
    by_path = catalog.data_path("sts17", "sts17/STS2017-extended/STS.en-de.txt")
    assert by_name == by_path == data_dir / "sts17" / "STS2017-extended" / "STS.en-de.txt"


def test_describe_datasets_lists_every_dataset(data_dir):
    text = catalog.describe_datasets(verify=True)
    assert str(data_dir) in text
    for name in catalog.dataset_names():
        info = catalog.get_dataset(name)
        line = next(line for line in text.splitlines() if line.startswith(name + " "))
        assert f"{len(info.files)}/{len(info.files)}" in line
        assert info.license in line
        assert " ok " in line
    assert "problem" not in text


def test_cli_data_command(data_dir, capsys):
    from kit.cli import main

    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert "laser-tatoeba" in out and "226/226" in out


# --------------------------------------------------------------------------------- missing / download


def test_missing_file_offline_names_file_dir_env_and_url(empty_data_dir):
    started = time.monotonic()
    with pytest.raises(DataNotFoundError) as info:
        catalog.data_path("laser-tatoeba", "tatoeba.deu-eng.deu")
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert "\n" not in message
    assert "laser-tatoeba/tatoeba.deu-eng.deu" in message
    assert str(empty_data_dir) in message
    assert "KIT_DATA_DIR" in message
    assert "https://raw.githubusercontent.com/facebookresearch/LASER/" in message
    assert "KIT_OFFLINE=1" in message
    assert not any(empty_data_dir.iterdir())


def test_hf_hub_offline_counts_as_offline(empty_data_dir, monkeypatch):
    monkeypatch.delenv("KIT_OFFLINE")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match="HF_HUB_OFFLINE=1"):
        catalog.data_path("sts17", "STS.en-en.txt")


def test_offline_probe_is_quick_when_hosts_are_unreachable(monkeypatch):
    monkeypatch.delenv("KIT_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(config, "_PROBES", {})
    started = time.monotonic()
    # A name that never resolves (RFC 6761) and a closed local port.
    assert catalog.offline_reason("https://no-such-host.invalid/x", timeout=1.0) is not None
    assert not catalog.is_online("http://127.0.0.1:9/", timeout=1.0)
    assert time.monotonic() - started < 4
    monkeypatch.setenv("KIT_OFFLINE", "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert config.offline_setting() is None  # KIT_OFFLINE=0 overrides HF_HUB_OFFLINE for data downloads
    assert catalog.is_online("file:///anything")


def test_download_from_a_file_mirror(empty_data_dir, data_dir, monkeypatch):
    monkeypatch.setenv("KIT_DATA_URL", data_dir.as_uri())
    path = catalog.data_path("sts17", "STS.en-de.txt")
    assert path == empty_data_dir / "sts17" / "STS2017-extended" / "STS.en-de.txt"
    assert path.read_bytes() == (data_dir / "sts17" / "STS2017-extended" / "STS.en-de.txt").read_bytes()
    assert catalog.verify("sts17", missing_ok=True) == []
    assert len(catalog.verify("sts17")) == 10  # the other files are still missing


@pytest.fixture
def http_mirror(tmp_path, data_dir):
    """A local HTTP server over a small mirror: one good file and one corrupted file."""
    root = tmp_path / "mirror"
    good = root / "sts17" / "STS2017-extended"
    good.mkdir(parents=True)
    shared = data_dir / "sts17" / "STS2017-extended"
    (good / "STS.en-en.txt").write_bytes((shared / "STS.en-en.txt").read_bytes())
    (good / "STS.es-es.txt").write_bytes((shared / "STS.es-es.txt").read_bytes() + b"tampered\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_over_http_checks_the_checksum(data_dir, http_mirror, tmp_path, monkeypatch):
    target_dir = tmp_path / "data"
    monkeypatch.setenv("KIT_DATA_DIR", str(target_dir))
    monkeypatch.setenv("KIT_OFFLINE", "0")
    monkeypatch.setenv("KIT_DATA_URL", http_mirror)
    monkeypatch.setattr(config, "_PROBES", {})

    path = catalog.data_path("sts17", "STS.en-en.txt")
    assert path.read_bytes() == (data_dir / "sts17/STS2017-extended/STS.en-en.txt").read_bytes()

    with pytest.raises(ChecksumMismatchError, match=r"STS\.es-es\.txt") as info:
        catalog.data_path("sts17", "STS.es-es.txt")
    assert "5482fac30aa3" in str(info.value)
    folder = target_dir / "sts17" / "STS2017-extended"
    assert sorted(p.name for p in folder.iterdir()) == ["STS.en-en.txt"]  # no partial or temp file left

    with pytest.raises(DataNotFoundError, match="download failed"):
        catalog.data_path("sts17", "STS.ar-ar.txt")  # 404 on the mirror


def test_archive_members_are_extracted_offline(empty_data_dir, data_dir):
    (empty_data_dir / "stsb" / "original").mkdir(parents=True)
    shutil.copy(data_dir / "stsb/original/Stsbenchmark.tar.gz", empty_data_dir / "stsb/original/")
    path = catalog.data_path("stsb", "sts-dev.csv")
    assert path.read_bytes() == (data_dir / "stsb/original/sts-dev.csv").read_bytes()
    assert catalog.verify("stsb", missing_ok=True) == []


def test_missing_archive_member_names_the_archive(empty_data_dir):
    with pytest.raises(DataNotFoundError) as info:
        catalog.data_path("sts17-semeval", "STS2017.gs/STS.gs.track5.en-en.txt")
    message = str(info.value)
    assert "STS.gs.track5.en-en.txt" in message and "Sts2017.gs.zip" in message and "KIT_DATA_DIR" in message


def test_verify_reports_checksum_and_line_count_problems(empty_data_dir, data_dir):
    folder = empty_data_dir / "sts17" / "STS2017-extended"
    folder.mkdir(parents=True)
    original = (data_dir / "sts17/STS2017-extended/STS.en-de.txt").read_bytes()
    (folder / "STS.en-de.txt").write_bytes(original.replace(b"\n", b" ", 1))  # same size, one line fewer
    problems = catalog.verify("sts17", missing_ok=True)
    assert any("STS.en-de.txt: SHA-256" in p for p in problems)
    assert any("STS.en-de.txt: 249 lines, expected 250" in p for p in problems)
    text = catalog.describe_datasets(verify=True)
    assert "2 problem(s)" in text and "STS.en-de.txt: 249 lines" in text


# ------------------------------------------------------------------------------------- unknown names


def test_unknown_dataset_lists_known_names():
    with pytest.raises(UnknownNameError) as info:
        catalog.data_path("laser-tatoba", "x")
    message = str(info.value)
    assert "'laser-tatoba'" in message and "did you mean 'laser-tatoeba'" in message
    for name in catalog.dataset_names():
        assert name in message


def test_unknown_file_suggests_close_names():
    with pytest.raises(UnknownNameError, match=r"STS\.en-de\.txt"):
        catalog.data_path("sts17", "STS.en-dee.txt")


def test_unknown_language_names_argument_and_known_codes():
    with pytest.raises(UnknownLanguageError) as info:
        catalog.to_iso3("xx")
    message = str(info.value)
    assert "'xx'" in message and "'code'" in message
    for code in ("de", "es", "fr", "it", "nl", "ar", "tr", "zh"):
        assert code in message
    with pytest.raises(UnknownLanguageError, match="'languages'"):
        catalog.normalize_language("klingon", argument="languages")
    with pytest.raises(UnknownLanguageError, match="no English-"):
        catalog.pair_files("flores200-devtest", "ja")  # a known language the FLORES mirror lacks


# ------------------------------------------------------------------------------------ language codes


def test_language_code_mappings():
    expected = {
        "de": "deu", "es": "spa", "fr": "fra", "it": "ita", "nl": "nld", "ar": "ara", "tr": "tur",
        "pt": "por", "pl": "pol", "ru": "rus", "uk": "ukr", "ja": "jpn", "zh": "cmn", "en": "eng",
    }  # fmt: skip
    for iso1, iso3 in expected.items():
        assert catalog.to_iso3(iso1) == iso3
        assert catalog.to_iso1(iso3) == iso1
        assert catalog.to_iso1(iso1.upper()) == iso1
    assert catalog.flores_code("ar") == "arb_Arab"
    assert catalog.to_iso1("arb_Arab") == "ar"
    assert catalog.tatoeba_challenge_code("zh") == "cmn_Hans"
    assert catalog.laser_code("zh") == "cmn"
    assert catalog.laser_code("ar") == "ara"


def test_pair_files_cover_every_catalog_pair(data_dir):
    for lang in ("de", "es", "fr", "it", "nl", "ar", "tr", "pt", "pl", "ru", "uk", "ja", "zh"):
        english, other = catalog.pair_files("tatoeba-challenge", lang)
        assert catalog.data_path("tatoeba-challenge", english).is_file()
        assert catalog.data_path("tatoeba-challenge", other).is_file()
        for name in catalog.pair_files("laser-tatoeba", lang):
            assert catalog.data_path("laser-tatoeba", name).is_file()
    assert catalog.pair_files("tatoeba-challenge", "ar")[1] == "ara-eng/tatoeba-test-v2021-08-07.ara"
    for lang in ("de", "es", "fr", "it", "nl", "ar", "tr"):
        assert catalog.data_path(
            "flores200-devtest", catalog.pair_files("flores200-devtest", lang)[1]
        ).is_file()


# ------------------------------------------------------------------------------------------ read_lines


def test_read_lines_keeps_unicode_line_separators(tmp_path):
    path = tmp_path / "sep.txt"
    path.write_bytes("first\u2028half\nsecond\u2029x\u0085y\r\nthird".encode())
    lines = catalog.read_lines(path)
    assert lines == ["first\u2028half", "second\u2029x\u0085y", "third"]
    assert len(path.read_text(encoding="utf-8").splitlines()) != len(lines)  # the pitfall read_lines avoids


def test_read_lines_edge_cases(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert catalog.read_lines(empty) == []
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfa\n\nb\n")
    assert catalog.read_lines(bom) == ["a", "", "b"]
    with pytest.raises(DataNotFoundError, match=r"nope\.txt"):
        catalog.read_lines(tmp_path / "nope.txt")


def test_read_lines_reports_file_and_line_of_bad_bytes(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("ok\nfine\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(DataFormatError) as info:
        catalog.read_lines(path)
    message = str(info.value)
    assert str(path) in message and "line 3" in message and "0xe9" in message


def test_mirror_file_with_line_separator_keeps_its_count(data_dir):
    name = "eng-pol/tatoeba-test-v2021-08-07.pol"
    path = catalog.data_path("tatoeba-challenge", name)
    text = path.read_text(encoding="utf-8")
    assert any(sep in text for sep in ("\u2028", "\u2029", "\u0085"))
    expected = catalog.get_dataset("tatoeba-challenge").file(name).lines
    assert len(catalog.read_lines(path)) == expected == 10099
    assert len(text.splitlines()) != expected
