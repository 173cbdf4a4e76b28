"""Issue 16, "Reliability": each case the hostile-but-fair new user found, reproduced, with the sentence or the
recovery it must now get. A run folder never mixes two configs, a crash during a save never blocks the resume,
data is verified where it is used, and every bad argument gets one line (exit code 2) instead of a traceback.

The end-to-end resume after a half-written checkpoint is part of ``test_train.py``'s kill -9 test (it reuses
that test's run); everything here runs without training, except the one test of the end of a run.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
import torch

from kit import catalog
from kit.cli import main
from kit.errors import ChecksumMismatchError, InvalidArgumentError, KitError, ModelNotAvailableError
from kit.train import PRESETS, DistillConfig
from kit.train.run_folder import (
    RunFolderConflictError,
    newest_complete_checkpoint,
    open_run_folder,
    weight_settings,
)

REPO = Path(__file__).resolve().parent.parent
SMOKE = PRESETS["smoke"]


def _error_line(capsys) -> str:
    """The CLI's stderr: exactly one line, ``error: ...``, and no traceback."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def _trained_folder(path: Path, config: DistillConfig) -> Path:
    """A run folder as ``distill`` leaves it: run.json recorded, then a checkpoint, a model, results.json."""
    open_run_folder(path, config)
    (path / "checkpoints" / "checkpoint-40").mkdir(parents=True)
    (path / "model").mkdir()
    (path / "model" / "model.safetensors").write_bytes(b"weights")
    (path / "results.json").write_text(json.dumps({"config": {"languages": list(config.languages)}}))
    return path


# ------------------------------------------------------------------ 1. one run folder, one config


def test_rerun_with_another_config_stops_naming_the_differences_and_the_ways_out(tmp_path, capsys):
    # The case: a smoke run (ar, tr; 40 steps), then --languages de,fr --max-steps 20 into the same folder.
    out = _trained_folder(tmp_path / "reuse", SMOKE)
    before = (out / "results.json").read_text()
    code = main(
        ["distill", "--preset", "smoke", "--out", str(out), "--languages", "de,fr", "--max-steps", "20"]
    )
    line = _error_line(capsys)
    assert code == 2
    assert "languages ar,tr → de,fr" in line and "max_steps 40 → 20" in line
    assert "--out <new folder>" in line and "--restart" in line and str(out) in line
    assert (out / "results.json").read_text() == before  # nothing rewritten beside the old weights


def test_extending_a_finished_run_is_another_config(tmp_path):
    # The learning-rate schedule decays to 0 at max_steps: continuing a finished 40-step run to 60 steps is not
    # the 60-step run results.json would record. The extension needs its own folder.
    out = _trained_folder(tmp_path / "run", SMOKE)
    with pytest.raises(RunFolderConflictError, match="max_steps 40 → 60"):
        open_run_folder(out, SMOKE.replace(max_steps=60))
    with pytest.raises(RunFolderConflictError, match=r"time_budget_minutes null → 5"):
        open_run_folder(out, SMOKE.replace(time_budget_minutes=5))


def test_same_config_continues_and_settings_that_keep_the_weights_may_change(tmp_path):
    out = _trained_folder(tmp_path / "run", SMOKE)
    folder = open_run_folder(out, SMOKE)
    folder.mark_finished(40)
    # Evaluation, logging and checkpoint intervals and the name do not change the weights.
    again = open_run_folder(
        out, SMOKE.replace(name="mine", eval_steps=5, save_steps=10, evaluate_tasks=("sts17",))
    )
    assert again.resume and again.moved_to is None
    assert again.finished_at_step == 40  # a finished run trains no further when rerun
    assert json.loads((out / "run.json").read_text())["config"]["name"] == "mine"


def test_a_folder_whose_run_is_not_recorded_is_not_continued(tmp_path):
    out = tmp_path / "old"
    (out / "checkpoints" / "checkpoint-20").mkdir(parents=True)
    with pytest.raises(RunFolderConflictError, match=r"config is not recorded.*--restart"):
        open_run_folder(out, SMOKE)


def test_a_run_that_stopped_before_training_does_not_block_another_config(tmp_path):
    # run.json is written before the data loads; a run that failed there left no weights to protect.
    out = tmp_path / "run"
    open_run_folder(out, SMOKE.replace(languages=("pt",)))
    folder = open_run_folder(out, SMOKE)
    assert json.loads((out / "run.json").read_text())["config"]["languages"] == ["ar", "tr"]
    assert folder.finished_at_step is None


def test_restart_moves_the_old_run_aside_and_deletes_nothing(tmp_path):
    out = _trained_folder(tmp_path / "reuse", SMOKE)
    (out / "notes.txt").write_text("mine")
    folder = open_run_folder(out, SMOKE.replace(languages=("de",)), restart=True)
    old = folder.moved_to
    assert old is not None and old.parent == out.parent and old.name.startswith("reuse.")
    assert sorted(p.name for p in old.iterdir()) == ["checkpoints", "model", "results.json", "run.json"]
    assert (old / "model" / "model.safetensors").read_bytes() == b"weights"
    assert json.loads((old / "run.json").read_text())["config"]["languages"] == ["ar", "tr"]
    # The folder now holds the new config only (and the user's own file).
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "run.json"]
    assert json.loads((out / "run.json").read_text())["config"]["languages"] == ["de"]
    assert not folder.resume


def test_restart_of_the_current_folder_moves_it_beside_itself(tmp_path, monkeypatch):
    out = _trained_folder(tmp_path / "here", SMOKE)
    monkeypatch.chdir(out)
    folder = open_run_folder(".", SMOKE, restart=True)
    assert folder.moved_to is not None and folder.moved_to.parent == tmp_path
    assert folder.moved_to.name.startswith("here.") and (folder.moved_to / "model").is_dir()


def test_cli_has_restart():
    from kit.cli import build_parser

    args = build_parser().parse_args(["distill", "--out", "x", "--restart"])
    assert args.restart is True


def test_resume_false_replaces_the_run_it_holds(tmp_path):
    # The Python API's throwaway folders (learning_curve): start over, the old weights and record removed.
    out = _trained_folder(tmp_path / "curve", SMOKE)
    folder = open_run_folder(out, SMOKE.replace(languages=("pt",)), resume=False)
    assert not folder.resume and folder.resume_checkpoint() is None
    assert sorted(p.name for p in out.iterdir()) == ["run.json"]


def test_an_edited_tsv_is_another_config(tmp_path):
    tsv = tmp_path / "pt.tsv"
    tsv.write_text("Hello.\tOlá.\n", encoding="utf-8")
    config = DistillConfig(data=str(tsv), languages=("pt",))
    before = weight_settings(config)
    tsv.write_text("Hello.\tOi.\n", encoding="utf-8")
    assert weight_settings(config) != before  # same path, other pairs


# -------------------------------------------------------------- 2. crash-safe checkpoints


def _checkpoint(folder: Path, step: int) -> Path:
    """A checkpoint with the files the trainer writes, in their real formats (tiny tensors)."""
    from safetensors.torch import save_file

    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    save_file({"w": torch.zeros(4, 4)}, str(path / "model.safetensors"))
    torch.save({"state": {}}, path / "optimizer.pt")
    torch.save({"last_epoch": step}, path / "scheduler.pt")
    torch.save({"cpu": torch.get_rng_state()}, path / "rng_state.pth")
    (path / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return path


def test_resume_takes_the_newest_complete_checkpoint_and_says_which_it_skipped(tmp_path, caplog):
    out = tmp_path / "k9save"
    open_run_folder(out, SMOKE)
    checkpoints = out / "checkpoints"
    _checkpoint(checkpoints, 20)
    # kill -9 while checkpoint-60 was written: everything but the trainer state, which the trainer writes last
    (_checkpoint(checkpoints, 60) / "trainer_state.json").unlink()
    # and a checkpoint whose weights were cut short
    weights = _checkpoint(checkpoints, 40) / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])

    folder = open_run_folder(out, SMOKE)
    with caplog.at_level(logging.WARNING, logger="kit.train.run_folder"):
        chosen = folder.resume_checkpoint()
    assert chosen == checkpoints / "checkpoint-20"
    said = caplog.text
    assert "Skipping" in said and "checkpoint-60: no trainer_state.json" in said
    assert "checkpoint-40: model.safetensors is truncated" in said
    assert "Resuming" in said and "checkpoint-20 (step 20)" in said


def test_damaged_optimizer_or_missing_state_files_make_a_checkpoint_incomplete(tmp_path):
    from kit.train.run_folder import checkpoint_problem

    good = _checkpoint(tmp_path, 10)
    assert checkpoint_problem(good) is None
    optimizer = _checkpoint(tmp_path, 20) / "optimizer.pt"
    optimizer.write_bytes(optimizer.read_bytes()[:100])
    assert checkpoint_problem(optimizer.parent) == "optimizer.pt is truncated or damaged"
    (_checkpoint(tmp_path, 30) / "scheduler.pt").unlink()
    assert checkpoint_problem(tmp_path / "checkpoint-30") == "no scheduler.pt"
    (tmp_path / "checkpoint-40").mkdir()  # the folder of a save that died at once
    assert newest_complete_checkpoint(tmp_path) == (
        good,
        [
            (tmp_path / "checkpoint-40", "no trainer_state.json (its save was interrupted)"),
            (tmp_path / "checkpoint-30", "no scheduler.pt"),
            (tmp_path / "checkpoint-20", "optimizer.pt is truncated or damaged"),
        ],
    )


# -------------------------------------------------------------- 3. data verified where it is used


@pytest.fixture
def damaged_data_dir(tmp_path, data_dir, monkeypatch):
    """A copy of the sts17 data set with STS.en-de.txt cut to its first 100 of 250 lines (at a line boundary:
    the parser cannot notice)."""
    root = tmp_path / "data"
    shutil.copytree(data_dir / "sts17", root / "sts17")
    damaged = root / "sts17" / "STS2017-extended" / "STS.en-de.txt"
    lines = damaged.read_bytes().split(b"\n")
    damaged.write_bytes(b"\n".join(lines[:100]) + b"\n")
    monkeypatch.setenv("KIT_DATA_DIR", str(root))
    monkeypatch.setenv("KIT_OFFLINE", "1")
    return damaged


def test_a_damaged_data_file_stops_its_first_use_with_both_sums_and_the_remedy(damaged_data_dir):
    f = catalog.get_dataset("sts17").file("STS.en-de.txt")
    with pytest.raises(ChecksumMismatchError) as info:
        catalog.data_path("sts17", "STS.en-de.txt")
    message = str(info.value)
    assert str(damaged_data_dir) in message
    assert f"{f.size} bytes and {f.sha256}…" in message  # expected
    assert f"{damaged_data_dir.stat().st_size} bytes and SHA-256 " in message  # found
    assert "restore it" in message and "kit data --verify" in message
    # The intact files of the same data set are served.
    assert catalog.data_path("sts17", "STS.en-en.txt").is_file()


def test_evaluate_on_a_damaged_file_gives_no_table(damaged_data_dir):
    # The case: exit 0 and en-de 72.0 instead of 77.8. Now: one line, exit 2, before the model loads.
    done = subprocess.run(
        [sys.executable, "-m", "kit", "evaluate", "--model", "multilingual-e5-small", "--tasks", "sts17"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "en-de" not in done.stdout
    assert (
        f"error: data file {damaged_data_dir}" in done.stderr and "does not match the catalog" in done.stderr
    )


def test_a_checked_file_is_not_read_again_until_it_changes(tmp_path, data_dir, monkeypatch):
    from kit.catalog import download

    root = tmp_path / "data"
    shutil.copytree(data_dir / "sts17", root / "sts17")
    monkeypatch.setenv("KIT_DATA_DIR", str(root))
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path / "cache"))
    path = catalog.data_path("sts17", "STS.en-de.txt")  # checked once: SHA-256 of the whole file
    reads = []
    monkeypatch.setattr(download, "sha256_file", lambda p: reads.append(p) or "0" * 64)
    monkeypatch.setattr(download, "_CHECKED", {})  # a new process: only the note in the cache dir is left
    assert catalog.data_path("sts17", "STS.en-de.txt") == path
    assert reads == []  # a warm run reads nothing
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # the file changed
    with pytest.raises(ChecksumMismatchError):
        catalog.data_path("sts17", "STS.en-de.txt")
    assert reads == [path]


def test_data_verify_exits_2_on_damaged_missing_or_empty_data(
    damaged_data_dir, tmp_path, monkeypatch, capsys
):
    assert main(["data", "--verify"]) == 2
    line = _error_line(capsys)
    assert "1 damaged file(s): sts17/STS2017-extended/STS.en-de.txt: 9790 bytes, expected 23745" in line
    assert "missing" in line  # the other data sets are not in this copy
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    assert main(["data", "--verify"]) == 2
    assert "missing" in _error_line(capsys)
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path / "nowhere"))
    assert main(["data", "--verify"]) == 2
    assert f"the data directory {tmp_path / 'nowhere'} does not exist" in _error_line(capsys)


def test_data_verify_passes_on_the_intact_mirror(data_dir, capsys):
    assert main(["data", "--verify"]) == 0
    assert capsys.readouterr().err == ""


# -------------------------------------------------------------- 4./5. arguments: one line, exit code 2


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("--batch-size", "0", "a whole number ≥ 1"),
        ("--batch-size", "-4", "a whole number ≥ 1"),
        ("--learning-rate", "-1e-4", "a number > 0"),
        ("--learning-rate", "0", "a number > 0"),
        ("--max-steps", "0", "-1 (train for epochs) or a whole number ≥ 1"),
        ("--max-steps", "-3", "-1 (train for epochs) or a whole number ≥ 1"),
        ("--time-budget", "0", "minutes > 0"),
        ("--time-budget", "-1", "minutes > 0"),
        ("--languages", "", "one or more language codes"),
        ("--languages", " , ", "one or more language codes"),
        ("--oversample", "ar=0", "whole numbers ≥ 1"),
    ],
)
def test_out_of_range_arguments_are_one_line_before_anything_loads(
    argument, value, allowed, tmp_path, capsys
):
    out = tmp_path / "run"
    assert main(["distill", "--preset", "smoke", "--out", str(out), f"{argument}={value}"]) == 2
    line = _error_line(capsys)
    assert line.startswith(f"error: argument {argument}: ") and "is not allowed; expected " + allowed in line
    assert not out.exists()  # stopped before the output folder, the data or a model


def test_data_naming_a_folder_or_nothing(tmp_path, capsys):
    assert main(["distill", "--out", str(tmp_path / "run"), "--data", str(tmp_path)]) == 2
    assert f"argument --data: '{tmp_path}' is not allowed" in _error_line(capsys)
    assert main(["distill", "--out", str(tmp_path / "run"), "--data", "tatoeba"]) == 2
    assert "'tatoeba': no file there" in _error_line(capsys)


def test_config_fields_have_ranges():
    for field, value in [
        ("batch_size", 0),
        ("learning_rate", float("nan")),
        ("max_steps", -2),
        ("epochs", 0),
        ("warmup_ratio", 1.0),  # transformers 5 reads warmup_steps ≥ 1 as a step count
        ("dev_pairs_per_language", 0),
        ("dropout", 1.0),
        ("seed", -1),
        ("wise_alpha", 1.5),
        ("languages", ()),
        ("max_pairs_per_language", 0),
        ("eval_steps", 0),
    ]:
        with pytest.raises(InvalidArgumentError, match=rf"argument '{field}': .* is not allowed; expected"):
            SMOKE.replace(**{field: value})
    assert SMOKE.replace(max_steps=-1, time_budget_minutes=0.5, dropout=0.0).max_steps == -1


def test_unknown_evaluation_task_fails_before_loading(tmp_path):
    from kit.train import distill

    with pytest.raises(InvalidArgumentError, match=r"argument 'evaluate_tasks'.*sts17"):
        distill(SMOKE.replace(evaluate_tasks=("sts2017",)), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_out_naming_a_file_a_path_under_a_file_or_an_unwritable_folder(tmp_path, capsys, monkeypatch):
    a_file = tmp_path / "results.txt"
    a_file.write_text("x")
    assert main(["distill", "--out", str(a_file)]) == 2
    assert f"argument --out: {a_file} is a file, not a folder" in _error_line(capsys)
    assert main(["distill", "--out", str(a_file / "run")]) == 2
    assert f"is under {a_file}, which is a file" in _error_line(capsys)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes anywhere: make the folder refuse as a read-only mount would
        real_mkdir = Path.mkdir

        def refuse(self, *args, **kwargs):
            if self == locked / "run":
                raise PermissionError(13, "Permission denied", str(self))
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", refuse)
    assert main(["distill", "--out", str(locked / "run")]) == 2
    assert f"argument --out: cannot write in {locked / 'run'} (Permission denied" in _error_line(capsys)


def test_evaluate_out_is_checked_before_the_evaluation(tmp_path, capsys):
    a_file = tmp_path / "table.csv"
    a_file.write_text("x")
    assert main(["evaluate", "--model", "multilingual-e5-small", "--out", str(a_file)]) == 2
    assert f"argument --out: {a_file} is a file" in _error_line(capsys)  # no "texts encoded": nothing ran
    assert main(["evaluate", "--model", "multilingual-e5-small", "--batch-size", "0"]) == 2
    assert "argument --batch-size: 0 is not allowed" in _error_line(capsys)


def test_exit_code_2_from_the_real_command(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "kit", "distill", "--out", str(tmp_path / "r"), "--batch-size", "0"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr == "error: argument --batch-size: 0 is not allowed; expected a whole number ≥ 1\n"


@pytest.fixture
def small_model_folder(tmp_path):
    """A copy of all-MiniLM-L6-v2's folder (the offline pack), to break."""
    from kit.sources import get_spec

    folder = tmp_path / "model"
    shutil.copytree(get_spec("all-MiniLM-L6-v2").loader(), folder)
    return folder


def test_a_model_folder_with_a_broken_modules_json_names_the_file(small_model_folder, tmp_path, capsys):
    (small_model_folder / "modules.json").write_text('[{"idx": 0, "path": ""')  # cut short
    with pytest.raises(ModelNotAvailableError, match=r"modules\.json is not valid JSON"):
        catalog_free_load(small_model_folder)
    code = main(["distill", "--student", str(small_model_folder), "--out", str(tmp_path / "run")])
    assert code == 2
    assert f"{small_model_folder}/modules.json is not valid JSON" in _error_line(capsys)


def test_a_config_json_without_weights_names_the_file(small_model_folder, capsys):
    shutil.rmtree(small_model_folder / "1_Pooling")  # a plain transformers folder: config.json, no weights
    (small_model_folder / "modules.json").unlink()
    (small_model_folder / "model.safetensors").unlink()
    assert main(["evaluate", "--model", str(small_model_folder), "--tasks", "sts17"]) == 2
    line = _error_line(capsys)
    assert f"{small_model_folder}/config.json has no weights beside it" in line


def catalog_free_load(folder: Path):
    from kit.sources import load_model

    return load_model(folder)


def test_a_tsv_header_row_is_not_a_pair(tmp_path):
    from kit.parallel import load_tsv

    tsv = tmp_path / "pt.tsv"
    tsv.write_text("english\ttranslation\nHello.\tOlá.\nsource\ttarget\n", encoding="utf-8")
    pairs = load_tsv(tsv, "pt")
    assert pairs["english"] == ["Hello.", "source"]  # only the first row can be a header
    tsv.write_text("English\tInglês\nHello.\tOlá.\n", encoding="utf-8")
    assert len(load_tsv(tsv, "pt")) == 2  # a sentence pair that happens to be one word each


def test_a_tsv_too_small_for_its_dev_split_is_an_error(tmp_path):
    from kit.train import load_parallel_data

    tsv = tmp_path / "pt.tsv"
    tsv.write_text(
        "".join(f"This is sentence {i}.\tEsta é a frase {i}.\n" for i in range(120)), encoding="utf-8"
    )
    config = SMOKE.replace(data=str(tsv), languages=("pt",))  # smoke's dev split: 150 pairs per language
    with pytest.raises(
        KitError, match=r"no training pairs for pt .* \(pt 120, .*dev split of 150 per language"
    ):
        load_parallel_data(config, verbose=False)


# -------------------------------------------------------------- 6. a symlinked data directory


def test_a_symlinked_data_dir_is_shown_as_given(data_dir, tmp_path, monkeypatch):
    link = tmp_path / "shared-link"
    link.symlink_to(data_dir.resolve(), target_is_directory=True)
    monkeypatch.setenv("KIT_DATA_DIR", str(link))
    from kit.config import data_dir as kit_data_dir

    assert kit_data_dir() == link
    assert (
        catalog.data_path("sts17", "STS.en-de.txt") == link / "sts17" / "STS2017-extended" / "STS.en-de.txt"
    )
    assert catalog.describe_datasets().splitlines()[0].startswith(f"data directory: {link} ")


# -------------------------------------------------------------- 8. memory at the end of a run


@pytest.mark.slow
def test_final_evaluation_runs_after_the_trainer_is_freed_and_a_rerun_trains_no_more(
    tmp_path, monkeypatch, caplog, tiny
):
    from transformers import TrainerCallback

    from kit.train import BudgetAwareTrainer, DistillResult, distill, pipeline
    from kit.train.report import RECORD_FIELDS

    class Probe(TrainerCallback):
        optimizer = None

        def on_train_begin(self, args, state, control, optimizer=None, **kwargs):
            if optimizer is not None:
                Probe.optimizer = weakref.ref(optimizer)

    alive = []

    def final_evaluation(model, config):
        gc.collect()
        trainers = any(isinstance(o, BudgetAwareTrainer) for o in gc.get_objects())
        alive.append((Probe.optimizer() is not None, trainers))
        return {"sts17_avg": 50.0}

    monkeypatch.setattr(pipeline, "final_evaluation", final_evaluation)
    # 2 steps of a 40-step epoch: the end is not an epoch boundary, where the trainer's resume would train on.
    config = tiny.replace(max_steps=2, evaluate_tasks=("sts17",))
    out = tmp_path / "run"
    result = distill(config, out, callbacks=[Probe()])
    # The distilled and the base student are evaluated with no trainer or optimizer state alive.
    assert alive == [(False, False), (False, False)]
    record = json.loads(result.results_path.read_text())
    phases = record["peak_rss_mb_by_phase"]
    if phases:  # Linux: the table in results.json ends with the evaluations, each its own phase
        assert list(phases)[-3:] == ["end of training", "final evaluation", "baseline evaluation"]
    assert json.loads((out / "run.json").read_text())["finished_at_step"] == record["steps"] == 2

    # The same config again: it says it resumes, and from which checkpoint; the finished run trains no step.
    weights = (out / "model" / "model.safetensors").read_bytes()
    with caplog.at_level(logging.WARNING, logger="kit.train.run_folder"):
        again = distill(config, out)
    assert (
        f"Resuming {out} from checkpoint-2: the run finished at step 2, so no step is trained" in caplog.text
    )
    record = json.loads(again.results_path.read_text())
    assert record["steps"] == 2 and record["resumed_from"].endswith("checkpoint-2")
    assert (out / "model" / "model.safetensors").read_bytes() == weights
    assert sorted(p.name for p in (out / "checkpoints").glob("checkpoint-*")) == ["checkpoint-2"]

    # Read back without data, labels or training: the same metrics, baseline and weights; the record's other
    # entries (config, data counts, ...) are not metrics.
    loaded = DistillResult.load(out)
    assert loaded.metrics == again.metrics and loaded.baseline == again.baseline
    assert set(record) - set(loaded.metrics) == set(RECORD_FIELDS)
    assert loaded.model_path == out / "model" and len(loaded.model.encode(["ein Satz"])[0]) > 0
    with pytest.raises(KitError, match=rf"{tmp_path / 'empty'} holds no finished run"):
        DistillResult.load(tmp_path / "empty")
