"""kit.lessons: a config's run folder, models checked against the config a notebook expects (through the run
folder's run.json), the hand-written distillation loss equal to sentence-transformers' MSELoss, the repository
URL setting."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from kit import lessons
from kit.errors import KitError
from kit.train import PRESETS, distill
from kit.train.run_folder import RunFolderConflictError, open_run_folder


def _fake_run(folder: Path, config) -> Path:
    """A finished run folder as kit.train.distill leaves it: run.json (written by the kit's own run-folder rule),
    results.json and model/."""
    open_run_folder(folder, config)
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "modules.json").write_text("[]")
    record = {"steps": 3, "wall_time_s": 1.0, "config": dataclasses.asdict(config), "data": {"train": 9}}
    (folder / "results.json").write_text(json.dumps(record))
    return folder / "model"


def test_run_dir_is_the_configs_name_under_runs():
    assert lessons.run_dir("runs/x", PRESETS["notebook-fast"]) == Path("runs/x/notebook-fast")
    assert lessons.run_dir("runs/x", PRESETS["cpu"].replace(name="my run/2")) == Path("runs/x/my_run_2")


def test_distilled_model_uses_the_run_of_its_config_and_says_so(tmp_path, capsys):
    fast = PRESETS["notebook-fast"]
    model = _fake_run(lessons.run_dir(tmp_path, fast), fast)
    # settings that never change the weights (evaluation, logging) may differ
    assert lessons.distilled_model(None, fast.replace(eval_steps=7), tmp_path) == model
    printed = capsys.readouterr().out
    assert str(model) in printed and "'notebook-fast'" in printed and "all-MiniLM-L6-v2" in printed
    assert "3 steps of 32 pairs" in printed


def test_distilled_model_refuses_a_model_of_another_config(tmp_path):
    cpu_model = _fake_run(tmp_path / "some-run", PRESETS["cpu"])
    with pytest.raises(
        lessons.RunMismatchError, match=r'student "multilingual-e5-small" → "all-MiniLM-L6-v2"'
    ):
        lessons.distilled_model(cpu_model, PRESETS["notebook-fast"], tmp_path)


def test_distilled_model_without_a_run_says_which_notebook_to_run(tmp_path):
    _fake_run(lessons.run_dir(tmp_path, PRESETS["cpu"]), PRESETS["cpu"])
    with pytest.raises(KitError, match=r"no finished run of config 'notebook-fast'.*Run notebook 3"):
        lessons.distilled_model(None, PRESETS["notebook-fast"], tmp_path, train_if_missing=False)


def test_a_config_folder_holding_a_run_of_other_settings_is_an_error(tmp_path):
    fast = PRESETS["notebook-fast"]
    _fake_run(lessons.run_dir(tmp_path, fast), fast.replace(max_steps=7))
    with pytest.raises(lessons.RunMismatchError, match="max_steps 7 → 120"):
        lessons.distilled_model(None, fast, tmp_path)


def test_rerunning_notebook_3_with_another_config_in_its_folder_stops_with_the_differences(tmp_path):
    """What notebook 3's exercises rely on: the same RUN_DIR with a changed config is refused, naming the change
    and the ways out, before any data or model is loaded."""
    fast = PRESETS["notebook-fast"]
    _fake_run(lessons.run_dir(tmp_path, fast), fast)
    with pytest.raises(RunFolderConflictError, match=r"languages de,es,fr → ar,tr.*restart"):
        distill(fast.replace(languages=("ar", "tr")), lessons.run_dir(tmp_path, fast))


def test_extension_config_counts_the_pairs_left_for_training(tmp_path):
    """Notebook 6: a TSV of 20 pairs keeps a fifth for dev and says how many pairs are left to train on."""
    tsv = lessons.write_tsv(
        {"english": [f"Sentence number {i} of my file." for i in range(20)],
         "non_english": [f"Frase número {i} do meu ficheiro." for i in range(20)]},
        tmp_path / "mine.tsv",
    )  # fmt: skip
    config, available = lessons.extension_config(True, tsv, "pt")
    assert (config.data, config.languages, config.dev_pairs_per_language) == (str(tsv), ("pt",), 4)
    assert available == 16 and config.max_pairs_per_language is None


def test_batches_cycle_through_shuffled_pairs():
    pairs = {"english": list("abcde"), "non_english": list("ABCDE"), "label": np.eye(5).tolist()}
    got = list(lessons.batches(pairs, 2, steps=4, seed=3))
    assert [len(e) for e, _, _ in got] == [2, 2, 1, 2]
    assert all(x == [s.upper() for s in e] for e, x, _ in got)  # pairs stay together
    english, _, target = got[0]
    assert target.shape == (2, 5) and [int(row.argmax()) for row in target] == [
        "abcde".index(s) for s in english
    ]


@pytest.mark.slow
def test_the_hand_written_loss_is_sentence_transformers_mse_loss():
    """Notebook 3's formula, ½[MSE(s(en), t) + MSE(s(x), t)], equals MSELoss on the same batch (to 1e-6)."""
    import torch
    import torch.nn.functional as F
    from sentence_transformers.sentence_transformer.losses import MSELoss

    from kit.student import build_student

    student = build_student("all-MiniLM-L6-v2", teacher_dim=384, normalize=True).eval()
    english = ["The cat sleeps on the sofa.", "I need to buy milk.", "It is raining again."]
    translation = ["Die Katze schläft auf dem Sofa.", "Ich muss Milch kaufen.", "Es regnet schon wieder."]
    target = F.normalize(torch.randn(3, 384, generator=torch.Generator().manual_seed(0)), dim=-1)

    def embed(texts):
        return student(lessons.features(student, [texts])[0])["sentence_embedding"]

    with torch.no_grad():
        ours = (F.mse_loss(embed(english), target) + F.mse_loss(embed(translation), target)) / 2
        library = MSELoss(student)(lessons.features(student, [english, translation]), target)
        written_sum = F.mse_loss(embed(english), target) + F.mse_loss(embed(translation), target)
    assert ours.item() == pytest.approx(library.item(), abs=1e-6)
    assert written_sum.item() == pytest.approx(2 * library.item(), abs=1e-6)  # the sum is twice the loss


def test_repository_url_is_pyprojects_and_sync_rewrites_stale_copies(tmp_path):
    url = lessons.repository_url()
    assert url.startswith("https://github.com/")
    (tmp_path / "notebooks").mkdir()
    stale = "[b](https://colab.research.google.com/github/old/place/blob/main/notebooks/x.ipynb) git+https://github.com/old/place\\"
    (tmp_path / "notebooks" / "x.ipynb").write_text(stale)
    (tmp_path / "README.md").write_text("pip install git+https://github.com/old/place\n")
    changed = lessons.sync_repository_url(tmp_path)
    assert len(changed) == 2
    text = (tmp_path / "notebooks" / "x.ipynb").read_text()
    owner_repo = url.split("github.com/")[1]
    assert f"github/{owner_repo}/blob/" in text and f"git+{url}\\" in text and "old/place" not in text
