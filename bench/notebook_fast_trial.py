"""One trial of the notebooks' FAST recipe: distil a variant of the ``notebook-fast`` preset and measure it the way
notebook 4 does (40 unseen FLORES-200 sentences per language: mean translation-pair cosine, random-pair cosine,
retrieval accuracy per language), before and after.

    python bench/notebook_fast_trial.py '{"learning_rate": 5e-4}' lr5e-4   # changes as JSON, a name

Appends one JSON line to ``runs/notebook-fast-trials/results.jsonl`` and prints it. How the preset was chosen:
bench/README.md, "notebook-fast".
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

OUT = Path("runs/notebook-fast-trials")


def main(changes: dict, name: str) -> dict:
    from kit import visualize
    from kit.train import PRESETS, distill

    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    config = PRESETS["notebook-fast"].replace(**changes)
    started = time.perf_counter()
    result = distill(config, OUT / name, resume=False)
    sentences = visualize.multiway_sentences(config.languages, n=40)
    english, translations = sentences["en"], {k: v for k, v in sentences.items() if k != "en"}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    row = {
        "name": name,
        "changes": changes,
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "steps": result.metrics["steps"],
        "dev_accuracy": [
            result.baseline["dev_translation_accuracy"],
            result.metrics["dev_translation_accuracy"],
        ],
    }
    for label, model in (("before", config.student), ("after", str(result.model_path))):
        m = visualize.alignment_metrics(model, english, translations)
        row[label] = {
            "translation_cosine": round(m["translation_cosine"], 3),
            "random_cosine": round(m["random_cosine"], 3),
            "retrieval": {k: round(v["retrieval_accuracy"], 3) for k, v in m["per_language"].items()},
        }
    with open(OUT / "results.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(json.dumps(row))
    return row


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "changes", nargs="?", default="{}", help="fields of the notebook-fast preset, as JSON"
    )
    parser.add_argument("name", nargs="?", default="preset", help="the trial's name (its run folder)")
    args = parser.parse_args()
    main(json.loads(args.changes), args.name)
