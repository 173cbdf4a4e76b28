"""Distillation end to end: the smoke preset must actually improve the student, resume after kill -9,
train under DDP with two CPU processes, and fail clearly on bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from transformers import TrainerCallback

from kit.errors import KitError
from kit.train import PRESETS, DistillConfig, TrainingDivergedError, distill, preset

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "kit", "distill", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    return env


class AttentionProbe(TrainerCallback):
    """Records, at every training step, whether PyTorch may use its fused flash attention kernel."""

    def __init__(self) -> None:
        self.flash_allowed: list[bool] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.flash_allowed.append(torch.backends.cuda.flash_sdp_enabled())


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke")
    probe = AttentionProbe()
    result = distill(PRESETS["smoke"], out, callbacks=[probe])
    return result, json.loads(result.results_path.read_text()), probe


@pytest.mark.slow
def test_smoke_distillation_improves_the_student(smoke_run):
    result, record, _ = smoke_run
    # Distillation is meant to pull translations onto the teacher's English vectors: the dev MSE falls and
    # finding each sentence's translation gets easier.
    assert record["dev_mse"] < record["baseline"]["dev_mse"] * 0.9
    assert record["dev_translation_accuracy"] > record["baseline"]["dev_translation_accuracy"]
    assert record["steps"] == PRESETS["smoke"].max_steps
    assert result.model_path.joinpath("modules.json").exists()


@pytest.mark.slow
def test_results_file_records_config_counts_and_versions(smoke_run):
    _, record, _ = smoke_run
    assert record["config"]["name"] == "smoke"
    assert record["data"]["train"] == sum(record["data"]["train_per_language"].values()) > 0
    assert set(record["data"]["train_per_language"]) == {"ar", "tr"}
    assert {"torch", "transformers", "sentence_transformers", "datasets"} <= set(record["versions"])
    assert record["wall_time_s"] > 0 and record["peak_rss_mb"] > 0
    assert any("loss" in row for row in record["history"])
    phases = record["peak_rss_mb_by_phase"]
    if phases:  # Linux: the peak of each phase, and the run's peak is the largest of them
        assert {"teacher labels", "training steps", "dev evaluations", "checkpoint saves"} <= set(phases)
        assert record["peak_rss_mb"] == max(phases.values()) > 0


def test_memory_peaks_attribute_an_allocation_to_its_phase():
    from kit.train import MemoryPeaks

    peaks = MemoryPeaks()
    if not peaks.resettable:
        pytest.skip("no /proc/self/clear_refs here: only the whole run's peak is known")
    peaks.mark("before")
    buffer = b"x" * (300 << 20)  # a transient spike, gone before the phase ends
    del buffer
    peaks.mark("spike")
    peaks.mark("after")
    assert peaks.peaks["spike"] > peaks.peaks["before"] + 250
    assert (
        peaks.peaks["after"] < peaks.peaks["spike"] - 250
    )  # reset at the mark: the spike stays in its phase
    assert peaks.overall() == peaks.peaks["spike"]


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="the kernel choice is for CPU training")
def test_cpu_training_steps_use_the_math_attention_kernel(smoke_run):
    # The fused flash kernel's backward is slower on a CPU (bench/bench_levers.py); the steps run without it,
    # and the kernel choice is handed back to PyTorch afterwards (inference is faster with its default).
    _, record, probe = smoke_run
    assert probe.flash_allowed and not any(probe.flash_allowed)
    assert record["attention_kernel"] == "math"
    assert torch.backends.cuda.flash_sdp_enabled()


@pytest.mark.slow
def test_saved_model_reloads_and_embeds_in_the_teachers_space(smoke_run):
    from sentence_transformers import SentenceTransformer

    result, _, _ = smoke_run
    model = SentenceTransformer(str(result.model_path))
    vectors = model.encode(["Good morning.", "Guten Morgen.", "Buenos días."], normalize_embeddings=False)
    assert vectors.shape == (3, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4  # ends with Normalize, like the teacher


@pytest.mark.slow
def test_kill_minus_9_then_rerun_resumes_from_last_checkpoint(tmp_path, tiny_cli):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        _cli(*tiny_cli, "--out", str(out)),
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    first_checkpoint = out / "checkpoints" / "checkpoint-20"
    deadline = time.monotonic() + 600
    while not (first_checkpoint / "trainer_state.json").exists():
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "no checkpoint within 10 minutes"
        time.sleep(0.5)
    time.sleep(1.0)  # let the checkpoint finish writing (the trainer writes trainer_state.json last)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "results.json").exists(), (
        "the run finished before it was killed; the test proves nothing"
    )
    # A kill -9 during the next save (issue 16): checkpoint-40 written up to, not including, the trainer state
    # (which the trainer writes last). The rerun must skip it, say so, and resume from checkpoint-20.
    half_saved = out / "checkpoints" / "checkpoint-40"
    shutil.copytree(first_checkpoint, half_saved)
    (half_saved / "trainer_state.json").unlink()

    done = subprocess.run(_cli(*tiny_cli, "--out", str(out)), env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Skipping {half_saved}: no trainer_state.json" in done.stderr
    assert f"Resuming {out} from checkpoint-20 (step 20)" in done.stderr
    record = json.loads((out / "results.json").read_text())
    assert record["resumed_from"].endswith("checkpoint-20")
    assert record["steps"] == PRESETS["smoke"].max_steps
    # The history is the trainer's log, reloaded from the checkpoint: the rows logged before the kill are kept,
    # and the resumed run continues after the checkpoint instead of starting over (each step logged once).
    steps_logged = [row["step"] for row in record["history"] if "loss" in row]
    assert steps_logged == list(range(5, 41, 5)), steps_logged
    evaluated = [row["step"] for row in record["history"] if "eval_dev_negative_mse" in row]
    assert evaluated == [20, 40], evaluated

    # The same folder with another config (issue 16's first case): one line, exit 2, the finished run untouched.
    results = (out / "results.json").read_bytes()
    other = subprocess.run(
        _cli(*tiny_cli, "--out", str(out), "--languages", "de,fr", "--max-steps", "20"),
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert other.returncode == 2
    assert other.stderr.startswith(f"error: {out} holds a run of another config (languages de → de,fr")
    assert "--restart" in other.stderr and len(other.stderr.strip().splitlines()) == 1
    assert (out / "results.json").read_bytes() == results


@pytest.mark.slow
def test_ddp_two_cpu_processes_gloo(tmp_path, tiny_cli):
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        "29517",
        "-m",
        "kit",
        "distill",
        *tiny_cli,
        "--max-steps",
        "10",
        "--out",
        str(out),
    ]
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((out / "results.json").read_text())
    assert record["steps"] == 10
    assert record["world_size"] == 2
    assert (out / "model" / "modules.json").exists()


@pytest.mark.slow
def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch, tiny):
    from sentence_transformers.sentence_transformer.losses import MSELoss

    original = MSELoss.forward
    calls = {"n": 0}

    def poisoned(self, *args, **kwargs):
        calls["n"] += 1
        loss = original(self, *args, **kwargs)
        return loss * float("nan") if calls["n"] > 25 else loss

    monkeypatch.setattr(MSELoss, "forward", poisoned)
    config = tiny.replace(logging_steps=1)
    with pytest.raises(TrainingDivergedError, match="checkpoint-20"):
        distill(config, tmp_path / "nan")
    checkpoints = sorted(p.name for p in (tmp_path / "nan" / "checkpoints").glob("checkpoint-*"))
    assert checkpoints == ["checkpoint-20"]


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(KitError, match=r"unknown preset 'fast'.*smoke"):
        preset("fast")


def test_cli_reports_errors_in_one_line(tmp_path):
    done = subprocess.run(
        _cli("--preset", "nope", "--out", str(tmp_path)), env=_env(), capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: unknown preset 'nope'")
    assert "Traceback" not in done.stderr
    done = subprocess.run(
        _cli("--preset", "smoke", "--oversample", "ar:2", "--out", str(tmp_path)),
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "argument --oversample: expected language=times" in done.stderr


def test_oversample_argument_parses_language_times():
    from kit.cli import _parse_oversample

    assert _parse_oversample("ar=2, tr=3") == {"ar": 2, "tr": 3}


def test_student_dimension_and_normaliser_mismatch_are_clear():
    from kit.student import StudentConfigError, build_student, check_compatible

    student = build_student("all-MiniLM-L6-v2", teacher_dim=384, normalize=False, freeze_embeddings=False)
    with pytest.raises(StudentConfigError, match="768"):
        check_compatible(student, teacher_dim=768, teacher_normalizes=False)
    with pytest.raises(StudentConfigError, match="Normalize"):
        check_compatible(student, teacher_dim=384, teacher_normalizes=True)
    with pytest.raises(StudentConfigError, match="projection=True"):
        build_student(student, teacher_dim=768, normalize=True, projection=False)


def test_gpu_preset_with_paper_scale_hub_data_fails_cleanly_offline(tmp_path):
    config = preset("gpu")
    assert config.teacher_specs[0].model == "all-mpnet-base-v2" and config.max_seq_length == 128
    talks = config.replace(data="hub:sentence-transformers/parallel-sentences-talks")
    with pytest.raises(KitError, match=r"(?i)hub|offline|reach"):
        distill(talks, tmp_path / "gpu")


def test_config_is_a_plain_dataclass():
    config = DistillConfig(languages=("de",))
    assert config.replace(batch_size=8).batch_size == 8 and config.batch_size == 64


def test_length_grouped_batches_cover_every_pair_once_with_less_padding():
    import random

    import numpy as np
    from datasets import Dataset

    from kit.train import LengthGroupedBatchSampler

    rng = random.Random(0)
    rows = [
        {"english": "e" * rng.randint(2, 200), "non_english": "x" * rng.randint(2, 200), "label": [0.0]}
        for _ in range(3000)
    ]
    sampler = LengthGroupedBatchSampler(Dataset.from_list(rows), 64, False, ["label", "score"], seed=3)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 47
    assert sorted(i for batch in batches for i in batch) == list(range(3000))

    def padding(batch_list):  # share of padded positions when each batch pads to its longest pair
        return np.mean([1 - sampler.lengths[b].mean() / sampler.lengths[b].max() for b in batch_list])

    random_batches = [list(range(i, min(i + 64, 3000))) for i in range(0, 3000, 64)]
    assert padding(batches) < padding(random_batches) / 3
    assert list(sampler) == batches  # same (seed, epoch): same batches, so a resumed run continues exactly
    sampler.set_epoch(1)
    assert list(sampler) != batches


def test_weight_interpolation_moves_back_towards_the_base():
    import torch

    from kit.train import WeightInterpolation

    model = torch.nn.Linear(3, 2)
    frozen = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    model.register_parameter("frozen", frozen)
    base = model.weight.detach().clone()
    wise = WeightInterpolation(model, alpha=0.25)
    with torch.no_grad():
        model.weight.add_(4.0)
    wise.on_train_end(None, None, None, model=model)
    assert torch.allclose(model.weight, base + 1.0)  # base + 0.25 × (trained − base)
    assert torch.equal(model.frozen, torch.ones(2))
    with pytest.raises(KitError, match="wise_alpha"):
        WeightInterpolation(model, alpha=1.5)


def test_quality_curve_excludes_its_own_evaluation_time():
    from types import SimpleNamespace

    from kit.train import QualityCurve

    calls = []

    def slow_metric(model):
        time.sleep(0.3)
        calls.append(model)
        return {"score": float(len(calls))}

    curve = QualityCurve(slow_metric, every_s=0.05)
    args = SimpleNamespace(per_device_train_batch_size=8, gradient_accumulation_steps=1, world_size=1)
    state = SimpleNamespace(global_step=0)
    curve.on_train_begin(args, state, None, model=None)
    for step in range(1, 4):
        time.sleep(0.06)
        state.global_step = step
        curve.on_step_end(args, state, None, model=None)
    curve.on_train_end(args, state, None, model=None)
    assert [row["step"] for row in curve.rows] == [0, 1, 2, 3]
    # Step 3 was scored when it ended and again at the end of training (the final weights may differ, e.g.
    # after WeightInterpolation): the curve keeps the end-of-training score.
    assert len(calls) == 5 and curve.rows[-1]["score"] == 5.0
    assert curve.rows[-1]["pairs"] == 24
    # Four 0.3 s evaluations ran, but the training clock only saw the ~0.18 s of "training".
    assert curve.rows[-1]["train_s"] < 0.3 < curve.clock.paused_s


def test_data_sources_combine_and_each_language_takes_what_exists(data_dir):
    from kit.train import load_parallel_data

    config = DistillConfig(
        data="tatoeba-challenge+stsb-multi-mt", languages=("ar", "nl"), dev_pairs_per_language=5
    )
    train, _dev, counts = load_parallel_data(config, verbose=False)
    english = set(train["english"])
    assert "A man is playing a flute." in english  # stsb-multi-mt, nl
    assert counts["train_per_language"]["ar"] > 9000  # ar comes from Tatoeba alone
    assert counts["train_per_language"]["nl"] > 12000 + 10000
    assert counts["leakage"]  # the guard ran over the combined data


def test_combined_sources_need_not_all_have_the_languages(data_dir):
    """Notebook 3's exercise trains ar and tr on the FAST data "tatoeba-challenge+stsb-multi-mt": stsb-multi-mt has
    neither, so Tatoeba alone gives the pairs (alone, stsb-multi-mt without them is still an error)."""
    from kit.train import load_parallel_data

    config = DistillConfig(
        data="tatoeba-challenge+stsb-multi-mt",
        languages=("ar", "tr"),
        max_pairs_per_language=50,
        dev_pairs_per_language=5,
    )
    _train, _dev, counts = load_parallel_data(config, verbose=False)
    assert counts["train_per_language"] == {"ar": 50, "tr": 50}
    with pytest.raises(KitError, match="stsb-multi-mt"):
        load_parallel_data(config.replace(data="stsb-multi-mt"), verbose=False)


def test_the_same_data_settings_are_prepared_once_per_process_and_a_changed_file_again(data_dir, tmp_path):
    """A notebook shows a config's pairs, then distill prepares the same pairs: the second time is the first's
    result (the same datasets); settings that change the pairs, or a data file that changed, prepare them anew."""
    from kit.train import load_parallel_data

    config = DistillConfig(languages=("nl",), max_pairs_per_language=40, dev_pairs_per_language=5)
    train, dev, counts = load_parallel_data(config, verbose=False)
    again = load_parallel_data(config.replace(name="renamed", learning_rate=1e-3), verbose=False)
    assert again[0] is train and again[1] is dev and again[2] == counts
    again[2]["train"] = -1  # the caller's copy of the counts: the kept ones do not change
    assert load_parallel_data(config, verbose=False)[2]["train"] == 40
    assert len(load_parallel_data(config.replace(max_pairs_per_language=30), verbose=False)[0]) == 30

    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("".join(f"Sentence number {i}.\tZin nummer {i}.\n" for i in range(20)), encoding="utf-8")
    from_file = config.replace(data=str(tsv))
    assert load_parallel_data(from_file, verbose=False)[2]["train"] == 15
    with tsv.open("a", encoding="utf-8") as handle:  # more lines: the file's size changed
        handle.write("".join(f"Another sentence {i}.\tNog een zin {i}.\n" for i in range(10)))
    assert load_parallel_data(from_file, verbose=False)[2]["train"] == 25


def test_oversample_repeats_the_named_languages_outside_the_dev_split(data_dir):
    from kit.train import load_parallel_data

    base = DistillConfig(languages=("ar", "nl"), max_pairs_per_language=300, dev_pairs_per_language=20)
    train, dev, counts = load_parallel_data(base, verbose=False)
    more_train, more_dev, more_counts = load_parallel_data(base.replace(oversample={"ar": 3}), verbose=False)
    assert more_counts["train_per_language"] == {"ar": 900, "nl": 300}
    assert counts["train_per_language"] == {"ar": 300, "nl": 300}
    assert sorted(more_dev["english"]) == sorted(dev["english"])  # dev pairs counted once
    ar_pairs = {
        (e, o)
        for e, o, lang in zip(train["english"], train["non_english"], train["language"], strict=True)
        if lang == "ar"
    }
    assert {(e, o) for e, o in zip(more_train["english"], more_train["non_english"], strict=True)} >= ar_pairs
    assert more_train["language"][:600].count("ar") < 600  # reshuffled, not appended in a block


def test_oversampling_a_language_without_training_pairs_is_an_error(tmp_path):
    from kit.train import load_parallel_data

    tsv = tmp_path / "pt.tsv"
    tsv.write_text("".join(f"Sentence {i}.\tFrase {i}.\n" for i in range(5)), encoding="utf-8")
    config = DistillConfig(data=str(tsv), languages=("pt",), dev_pairs_per_language=10, oversample={"pt": 2})
    with pytest.raises(KitError, match=r"no training pairs for pt .*\(pt 5, .*dev split of 10 per language"):
        load_parallel_data(config, verbose=False)  # all five pairs went to the dev split


def test_config_checks_oversampling_and_micro_batches_when_built():
    from kit.train import PRESETS

    with pytest.raises(KitError, match="whole numbers"):
        DistillConfig(languages=("ar",), oversample={"ar": 1.5})
    with pytest.raises(KitError, match=r"not trained: tr \(languages=ar,nl\)"):
        DistillConfig(languages=("ar", "nl"), oversample={"tr": 2})
    with pytest.raises(KitError, match="must be ≥ 1 and divide batch_size=64"):
        DistillConfig(batch_size=64, micro_batches=3)
    # A preset narrowed to other languages (notebook 06, --languages) drops the oversampling it no longer needs.
    assert PRESETS["cpu"].replace(languages=("pt",)).oversample == {}
    assert PRESETS["cpu"].replace(languages=("tr", "de")).oversample == {"tr": 2}


def test_learning_rate_schedule_fits_the_time_budget(tmp_path):
    import time as clock_time

    from datasets import Dataset
    from sentence_transformers.sentence_transformer.losses import MSELoss

    from kit.sources import load_model
    from kit.train import BudgetAwareTrainer, TimeBudget, training_arguments

    config = DistillConfig(max_steps=1000, warmup_ratio=0.1, learning_rate=1e-4)
    model = load_model("all-MiniLM-L6-v2")
    data = Dataset.from_dict({"english": ["a"], "non_english": ["b"], "label": [[0.0] * 384]})
    budget = TimeBudget(minutes=1)

    def schedule(time_budget):
        trainer = BudgetAwareTrainer(
            time_budget=time_budget,
            model=model,
            args=training_arguments(config, tmp_path),
            train_dataset=data,
            loss=MSELoss(model),
            eval_dataset=data,
        )
        trainer.create_optimizer()
        return trainer.create_scheduler(config.max_steps).lr_lambdas[0]

    by_steps, by_budget = schedule(None), schedule(budget)
    budget.clock.begin()
    assert by_budget(50) == pytest.approx(by_steps(50), abs=0.01)  # early on, steps lead: the same warm-up
    budget.clock.start = clock_time.monotonic() - 30  # half the budget used at step 50
    assert by_steps(50) == pytest.approx(0.5)  # still warming up by steps
    assert by_budget(50) == pytest.approx((1 - 0.5) / 0.9, abs=0.01)  # decaying by time
    budget.clock.start = clock_time.monotonic() - 60
    assert by_budget(60) == 0.0 and by_steps(60) > 0.5  # the budget's end: learning rate 0


def test_micro_batches_keep_the_pairs_per_step(tmp_path):
    from kit.train import training_arguments

    args = training_arguments(DistillConfig(batch_size=64, micro_batches=2), tmp_path)
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps) == (32, 2)


def test_history_rows_are_the_trainers_log_with_the_step_first():
    from kit.train.report import history

    log_history = [
        {"loss": 0.5, "grad_norm": 1.5, "learning_rate": 1e-4, "epoch": 0.1, "step": 5},
        {"eval_dev_negative_mse": -0.2, "eval_runtime": 1.0, "note": "text", "epoch": 0.2, "step": 20},
    ]
    rows = history(log_history)
    assert rows == [
        {"step": 5, "loss": 0.5, "grad_norm": 1.5, "learning_rate": 1e-4, "epoch": 0.1},
        {"step": 20, "eval_dev_negative_mse": -0.2, "eval_runtime": 1.0, "epoch": 0.2},
    ]
    assert all(next(iter(row)) == "step" for row in rows)


def test_self_teacher_is_decoded_in_one_place():
    from kit import lessons
    from kit.train import SELF_TEACHER, teacher_specs

    (spec,) = PRESETS["cpu"].teacher_specs
    assert PRESETS["cpu"].teacher == SELF_TEACHER
    assert (spec.model, spec.name, spec.normalize, spec.is_self) == (
        "multilingual-e5-small",
        "self--multilingual-e5-small",
        True,
        True,
    )
    assert teacher_specs("all-mpnet-base-v2", "x") == (
        ("all-mpnet-base-v2", "all-mpnet-base-v2", None, False, 1.0),
    )
    combined = teacher_specs("self*3+use-multilingual", "x")
    assert [(t.model, t.is_self, t.weight) for t in combined] == [
        ("x", True, 3.0),
        ("use-multilingual", False, 1.0),
    ]
    for bad in ("self*0+use-multilingual", "self*x", "self+", "self*-1"):
        with pytest.raises(KitError, match="argument 'teacher'"):
            PRESETS["smoke"].replace(teacher=bad)
    # The notebooks' FAST config is a preset like the others.
    assert lessons.lesson_config(True) == PRESETS["notebook-fast"]
    assert PRESETS["notebook-fast"].languages == lessons.FAST_LANGUAGES
