"""The kit's one offline rule (kit.config): KIT_OFFLINE=0/1 and HF_HUB_OFFLINE=1 mean the same for every source.

Each source is tried under three settings with the hub's host reachable, so only the setting decides:
``KIT_OFFLINE=1`` and ``HF_HUB_OFFLINE=1`` are offline, ``KIT_OFFLINE=0`` allows the network even with
``HF_HUB_OFFLINE=1`` (and then switches huggingface_hub / datasets online for the call).
"""

from __future__ import annotations

import io

import datasets
import huggingface_hub.constants as hub_constants
import pytest

from kit import catalog, config, parallel
from kit.errors import DataNotFoundError, HubUnavailableError, ModelNotAvailableError
from kit.sources import load_model

SETTINGS = {
    "KIT_OFFLINE=1": ({"KIT_OFFLINE": "1"}, "KIT_OFFLINE=1"),
    "HF_HUB_OFFLINE=1": ({"HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE=1"),
    "KIT_OFFLINE=0 with HF_HUB_OFFLINE=1": ({"KIT_OFFLINE": "0", "HF_HUB_OFFLINE": "1"}, None),
}


@pytest.fixture(params=list(SETTINGS))
def setting(request, monkeypatch):
    """Apply one setting as if the process had started with it; returns the expected reason (None: online)."""
    env, reason = SETTINGS[request.param]
    for var in ("KIT_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    hub_flag = env.get("HF_HUB_OFFLINE") == "1"
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", hub_flag)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", hub_flag)
    monkeypatch.setattr(config, "_reachable", lambda host, port, timeout: True)
    return reason


def test_offline_setting_is_the_rule(setting):
    assert config.offline_setting() == setting
    assert config.offline_reason("https://example.org/x") == setting
    assert config.is_online("https://example.org/x") is (setting is None)


def test_models_follow_the_rule(setting, monkeypatch):
    seen = {}

    class Recorder:
        def __init__(self, *args, **kwargs):
            seen.update(kwargs, hub_offline=hub_constants.HF_HUB_OFFLINE)
            raise OSError("not in the local cache")

    import sentence_transformers

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", Recorder)
    before = hub_constants.HF_HUB_OFFLINE
    with pytest.raises(ModelNotAvailableError) as info:
        load_model("some-org/some-model")
    offline = setting is not None
    assert seen["local_files_only"] is offline and seen["hub_offline"] is offline
    assert (setting or "loading some-org/some-model from the Hugging Face hub failed") in str(info.value)
    assert hub_constants.HF_HUB_OFFLINE is before  # restored after the call


def test_data_files_follow_the_rule(setting, data_dir, tmp_path, monkeypatch):
    import urllib.request

    wanted = data_dir / "sts17" / "STS2017-extended" / "STS.en-en.txt"
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIT_DATA_URL", "https://mirror.example.org/kit-data")
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: io.BytesIO(wanted.read_bytes()))
    if setting is None:
        assert catalog.data_path("sts17", "STS.en-en.txt").read_bytes() == wanted.read_bytes()
    else:
        with pytest.raises(DataNotFoundError, match=setting):
            catalog.data_path("sts17", "STS.en-en.txt")


def test_hub_parallel_sets_follow_the_rule(setting, monkeypatch):
    seen = []

    def fake_load_dataset(name, subset, split):
        seen.append((datasets.config.HF_HUB_OFFLINE, hub_constants.HF_HUB_OFFLINE))
        if datasets.config.HF_HUB_OFFLINE:
            raise ConnectionError("offline and not cached")
        return datasets.Dataset.from_dict({"english": ["Hi."], "non_english": ["Hallo."]})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    if setting is None:
        assert len(parallel.load_hub("org/parallel", languages=["de"])) == 1
        assert seen == [(False, False)]
    else:
        with pytest.raises(HubUnavailableError, match=setting):
            parallel.load_hub("org/parallel", languages=["de"])
        assert seen == [(True, True)]
