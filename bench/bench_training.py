"""Training benchmark: the kit's ``cpu`` preset against sentence-transformers' reference recipe, same run.

The reference recipe is ``make_multilingual.py`` (examples/.../multilingual): full fine-tune, max_seq_length 128,
batch 64, lr 2e-5, warmup 10 %, fp16 only on a GPU (so float32 here), random batches. Every recipe trains the
same student (multilingual-e5-small) on the same cleaned, leakage-guarded pairs for the same training-time budget,
each in its own process (so peak RSS is its own), and every ``--eval-every`` seconds of training the STS2017
average is measured (evaluation time is excluded from the clock). Recipes:

- ``reference``: the reference recipe with the kit's default English teacher (all-MiniLM-L6-v2);
- ``reference-self``: the reference recipe with the cpu preset's own teacher labels (same data, same student,
  same labels as ``kit``: the difference is engineering alone);
- ``kit``: the ``cpu`` preset as ``make demo`` runs it (its learning-rate schedule fits the time budget).

The reference recipes keep their step schedule (warm-up 10 % of one epoch, then linear decay); the budget only
stops them.

Prints pairs/s, peak RSS, STS2017 at equal time and time-to-quality (base student 74.0, mUSE 78.1) as ratios
against the reference; writes ``training.json``, ``quality_vs_time.html`` and ``.png`` to ``--out``.

Usage::

    python bench/bench_training.py                       # 8 min per recipe, about 35 min in all on 2 cores
    python bench/bench_training.py --minutes 3 --recipes kit,reference-self   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

RECIPES = ("reference", "reference-self", "kit")
THRESHOLDS = {"base student (74.0)": 74.0, "mUSE (78.1)": 78.1}


# What every recipe shares with the kit: the student and the data. Everything else of a reference recipe is
# built from scratch below, not copied from the preset (a copy would inherit its engineering: time budget,
# dropout 0, micro-batches, ...).
SHARED_FIELDS = (
    "student",
    "languages",
    "data",
    "max_pairs_per_language",
    "oversample",
    "dev_pairs_per_language",
    "max_chars",
    "seed",
)


def recipe_config(name: str, minutes: float):
    """The DistillConfig of a recipe: the kit's cpu preset, or the reference recipe on the same data."""
    from kit.train import PRESETS, SELF_TEACHER, DistillConfig

    kit = PRESETS["cpu"]
    common = dict(evaluate_tasks=(), eval_steps=10**9, save_steps=10**9)
    if name == "kit":
        return kit.replace(time_budget_minutes=minutes, **common)
    return DistillConfig(
        name=name,
        teacher="all-MiniLM-L6-v2" if name == "reference" else SELF_TEACHER,
        **{field: getattr(kit, field) for field in SHARED_FIELDS},
        # make_multilingual.py: full fine-tune, fp32 (fp16 only on a GPU), random batches, its step schedule
        # (the worker's TimeBudget only stops it), the model's own dropout.
        max_seq_length=128,
        batch_size=64,
        learning_rate=2e-5,
        warmup_ratio=0.1,
        epochs=1.0,
        freeze_embeddings=False,
        group_by_length=False,
        bf16=False,
        **common,
    )


def worker(name: str, minutes: float, eval_every: float, out: Path) -> None:
    """Train one recipe with a quality curve; write ``out`` (JSON)."""
    from kit.evaluation import evaluate_sts17
    from kit.sources import as_encoder
    from kit.train import QualityCurve, TimeBudget, distill

    def sts17(model) -> dict[str, float]:
        scores = evaluate_sts17(as_encoder(model, name=f"{name}-in-training"), cache=False).scores
        return {"sts17_avg": scores["avg"], "sts17_cross_avg": scores["cross_avg"]}

    config = recipe_config(name, minutes)
    curve = QualityCurve(sts17, every_s=eval_every)
    callbacks = [curve]
    if config.time_budget_minutes is None:  # a reference recipe: stopped by the clock, its schedule untouched
        callbacks.append(TimeBudget(minutes, curve.clock))
    with tempfile.TemporaryDirectory(prefix=f"bench-training-{name}-") as tmp:
        result = distill(config, tmp, resume=False, callbacks=callbacks)
        record = json.loads(result.results_path.read_text(encoding="utf-8"))
    last = curve.rows[-1]
    out.write_text(
        json.dumps(
            {
                "recipe": name,
                "curve": curve.rows,
                "pairs_per_s": last["pairs"] / last["train_s"],
                "peak_rss_mb": record["peak_rss_mb"],
                "config": record["config"],
                "data": {k: v for k, v in record["data"].items() if not isinstance(v, dict)},
                "versions": record["versions"],
            },
            indent=1,
        ),
        encoding="utf-8",
    )


def value_at(curve: list[dict], seconds: float) -> float:
    """STS2017 average of the last evaluation at or before ``seconds`` of training."""
    return [row for row in curve if row["train_s"] <= seconds + 1][-1]["sts17_avg"]


def time_to(curve: list[dict], threshold: float) -> float | None:
    """Training seconds until the STS2017 average passes ``threshold`` (the untrained step 0 does not count)."""
    hit = [row["train_s"] for row in curve if row["step"] > 0 and row["sts17_avg"] > threshold]
    return hit[0] if hit else None


def report(runs: dict[str, dict], minutes: float, out: Path) -> None:
    import plotly.graph_objects as go

    from kit.visualize import save_figure

    base = runs.get("reference-self") or runs.get("reference")
    references = [name for name in ("reference", "reference-self") if name in runs]
    print(f"\n== training, {minutes:g} min of training per recipe (STS2017 avg every eval)")
    header = f"{'recipe':<16}{'pairs/s':>9}{'×' + base['recipe']:>17}{'peak RSS':>10}{'STS17 @T':>10}"
    print(header + "".join(f"{'Δ ' + ref:>17}" for ref in references))
    horizon = min(run["curve"][-1]["train_s"] for run in runs.values())
    for name, run in runs.items():
        ratio = run["pairs_per_s"] / base["pairs_per_s"]
        at = value_at(run["curve"], horizon)
        deltas = "".join(f"{at - value_at(runs[ref]['curve'], horizon):+17.2f}" for ref in references)
        print(
            f"{name:<16}{run['pairs_per_s']:9.1f}{ratio:16.2f}×{run['peak_rss_mb'] / 1024:9.2f}G{at:10.2f}{deltas}"
        )
    print(f"(STS17 @T: the last score at or before T = {horizon:.0f} s of training, the shortest run)")
    print("\n== time to quality (seconds of training until STS2017 avg ≥ threshold)")
    print(f"{'recipe':<16}" + "".join(f"{label:>24}" for label in THRESHOLDS))
    for name, run in runs.items():
        cells = []
        for threshold in THRESHOLDS.values():
            hit = time_to(run["curve"], threshold)
            cells.append(f"{hit:.0f} s" if hit is not None else f"not reached in {minutes:g} min")
        print(f"{name:<16}" + "".join(f"{cell:>24}" for cell in cells))

    fig = go.Figure()
    for name, run in runs.items():
        xs = [row["train_s"] / 60 for row in run["curve"]]
        fig.add_trace(
            go.Scatter(x=xs, y=[row["sts17_avg"] for row in run["curve"]], mode="lines+markers", name=name)
        )
    for label, threshold in THRESHOLDS.items():
        fig.add_hline(y=threshold, line_dash="dot", annotation_text=label)
    fig.update_layout(
        title="STS2017 average vs training time (2 CPU cores)",
        xaxis_title="minutes of training",
        yaxis_title="STS2017 avg (Spearman ×100)",
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "training.json").write_text(
        json.dumps({"minutes": minutes, "runs": runs}, indent=1), encoding="utf-8"
    )
    print(f"\nwrote {out / 'training.json'}, {save_figure(fig, out / 'quality_vs_time.html')}", end="")
    print(f", {save_figure(fig, out / 'quality_vs_time.png')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="training-time budget per recipe")
    parser.add_argument(
        "--eval-every", type=float, default=90.0, help="seconds of training between STS2017 evals"
    )
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--report", help="only print the report of an earlier run's training.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.minutes, args.eval_every, Path(args.json))
        return
    if args.report:
        earlier = json.loads(Path(args.report).read_text(encoding="utf-8"))
        report(earlier["runs"], earlier["minutes"], Path(args.out))
        return
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-training-") as tmp:
        for name in args.recipes.split(","):
            if name not in RECIPES:
                raise SystemExit(f"unknown recipe {name!r}; choose from {', '.join(RECIPES)}")
            path = Path(tmp) / f"{name}.json"
            print(f"-- {name}: training {args.minutes:g} min", flush=True)
            cmd = [sys.executable, __file__, "--worker", name, "--json", str(path)]
            cmd += ["--minutes", str(args.minutes), "--eval-every", str(args.eval_every)]
            subprocess.run(cmd, check=True)
            runs[name] = json.loads(path.read_text(encoding="utf-8"))
    report(runs, args.minutes, Path(args.out))


if __name__ == "__main__":
    main()
