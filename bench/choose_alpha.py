"""Choose a finished run's WiSE weight on dev data, without retraining.

A run saves ``model/`` at its ``wise_alpha`` and its last checkpoint at α = 1 (the trained weights); every other
α lies on the line through the two: ``model(α) = model + (α - wise_alpha) / (1 - wise_alpha) · (ckpt - model)``.
Each α is scored on the **dev** task only (``stsb-dev-cross``: en-en and en-X STS on the STSb dev split, and the
translation accuracy of the run's held-out dev pairs); the test sets (STS2017, Tatoeba) are for the one α chosen.

Usage::

    python bench/choose_alpha.py runs/transfer --alphas 1,0.8,0.7,0.6,0.5 --out bench/reports/alpha-transfer.json
    python bench/choose_alpha.py runs/transfer --alphas 0.6 --test     # once, for the chosen α: STS2017 + Tatoeba
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="a finished run folder (results.json, model/, checkpoints/)")
    parser.add_argument("--alphas", default="1,0.8,0.7,0.6,0.5", help="WiSE weights to score (1 = trained)")
    parser.add_argument(
        "--test", action="store_true", help="also score STS2017 and Tatoeba (the chosen α only)"
    )
    parser.add_argument("--out", help="write the rows here as JSON")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.trainer_utils import get_last_checkpoint

    from kit._versions import versions
    from kit.evaluation import evaluate
    from kit.train import DistillConfig
    from kit.train.data import load_parallel_data
    from kit.train.report import _task_languages

    run = Path(args.run)
    record = json.loads((run / "results.json").read_text())
    config = DistillConfig(**{**record["config"], "languages": tuple(record["config"]["languages"])})
    saved_alpha = config.wise_alpha
    if saved_alpha >= 1.0:
        sys.exit(f"{run}: wise_alpha is 1, model/ is the last checkpoint: there is no line to move along")
    model = SentenceTransformer(str(run / "model"), device="cpu")
    checkpoint = get_last_checkpoint(str(run / "checkpoints"))
    trained = SentenceTransformer(checkpoint, device="cpu").state_dict()
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    _, dev, _ = load_parallel_data(config)

    from sentence_transformers.sentence_transformer.evaluation import TranslationEvaluator

    translation = TranslationEvaluator(dev["english"], dev["non_english"], name="dev", batch_size=64)
    languages = _task_languages(config)
    rows = []
    for alpha in [float(a) for a in args.alphas.split(",")]:
        step = (alpha - saved_alpha) / (1.0 - saved_alpha)
        with torch.no_grad():
            model.load_state_dict(
                {k: v + step * (trained[k] - v) if v.is_floating_point() else v for k, v in saved.items()}
            )
        tasks = ["stsb-dev-cross", *(["sts17", "tatoeba"] if args.test else [])]
        # no cache: the weights change in place under one model object
        scores = next(iter(evaluate(model, tasks=tasks, languages=languages, cache=False).summary().values()))
        raw = translation(model)
        row = {
            "alpha": alpha,
            "dev_translation_accuracy": round(
                (raw["dev_src2trg_accuracy"] + raw["dev_trg2src_accuracy"]) / 2, 4
            ),
            **{k: round(v, 2) for k, v in scores.items()},
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.out:
        Path(args.out).write_text(
            json.dumps(
                {
                    "run": str(run),
                    "checkpoint": checkpoint,
                    "config": record["config"],
                    "steps": record["steps"],
                    "rows": rows,
                    "versions": versions(),
                },
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
