"""Choose a static-student recipe on dev data only: train the ``static`` preset with some fields changed, then
score it on the held-out dev pairs (translation accuracy, MSE against the teacher) and the kit's dev STS task
``stsb-dev-cross`` (STSb dev, English sentence 1 against sentence 2 in en/de/es/fr/it/nl, the pairs that share no
sentence with STS2017). No STS2017 / Tatoeba test figures: those are measured
once, for the chosen recipe (``--test``).

Usage::

    python bench/static_recipes.py --name default
    python bench/static_recipes.py --name contextual --set '{"student": "static:contextual:multilingual-e5-small"}'
    python bench/static_recipes.py --name contrastive --set '{"extra": {"contrastive": 0.05}}'
    python bench/static_recipes.py --name lr0.2 --set '{"learning_rate": 0.2}'
    python bench/static_recipes.py --name random --set '{"student": "static:random:multilingual-e5-small"}'
    python bench/static_recipes.py --name untrimmed --set '{"extra": {"trim_vocabulary": false}}'
    python bench/static_recipes.py --name chosen --test      # + STS2017 and LASER Tatoeba-7, once

Appends one JSON line per run to ``bench/reports/static_recipes.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--set", default="{}", help="JSON: fields of the static preset to change")
    parser.add_argument(
        "--test", action="store_true", help="also STS2017 + LASER Tatoeba-7 (the chosen recipe)"
    )
    parser.add_argument("--runs", default="runs/static_recipes", help="folder for the runs")
    parser.add_argument("--report", default=str(Path(__file__).parent / "reports" / "static_recipes.jsonl"))
    args = parser.parse_args()

    from kit.train import PRESETS, distill

    changes = json.loads(args.set)
    config = PRESETS["static"].replace(
        evaluate_tasks=("stsb-dev-cross", "sts17", "tatoeba") if args.test else ("stsb-dev-cross",),
        save_steps=10**6,
        **changes,
    )
    started = time.time()
    result = distill(config, Path(args.runs) / args.name, resume=False)
    record = json.loads(result.results_path.read_text(encoding="utf-8"))
    size_mb = sum(p.stat().st_size for p in result.model_path.rglob("*") if p.is_file()) / 2**20
    row = {
        "name": args.name,
        "set": changes,
        "steps": record["steps"],
        "train_pairs": record["data"]["train"],
        "wall_s": round(time.time() - started, 1),
        "train_runtime_s": next(
            (h.get("train_runtime") for h in reversed(record["history"]) if "train_runtime" in h), None
        ),
        "dev_translation_accuracy": record["dev_translation_accuracy"],
        "dev_mse": record["dev_mse"],
        "baseline_dev_translation_accuracy": record["baseline"]["dev_translation_accuracy"],
        "baseline_dev_mse": record["baseline"]["dev_mse"],
        "stsb_dev_cross": {k: v for k, v in record.items() if k.startswith("stsb-dev-cross")},
        "baseline_stsb_dev_cross": {
            k: v for k, v in record["baseline"].items() if k.startswith("stsb-dev-cross")
        },
        "vocabulary": result.model[0].num_embeddings,
        "model_mb": round(size_mb, 1),
        "load_average": os.getloadavg(),
    }
    for key in ("sts17_avg", "sts17_cross_avg", "tatoeba"):
        if key in record:
            row[key] = record[key]
            row[f"baseline_{key}"] = record["baseline"].get(key)
    if args.test:
        row["sts17"] = {k: v for k, v in record.items() if k.startswith("sts17_")}
        row["tatoeba_per_language"] = {k: v for k, v in record.items() if k.startswith("tatoeba_")}
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    with open(args.report, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(json.dumps(row, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
