"""Quality of a training recipe: train one config, then score its snapshots at several WiSE weights.

This is how the ``cpu`` preset was chosen (the table in bench/README.md): a run keeps the trainable weights
every ``--every`` steps with the training time they took, and each snapshot is then evaluated on STS2017 (and
the last one on LASER Tatoeba over the 7 training languages) at each interpolation weight ``alpha`` between
the base student (0) and the trained one (1). ``--set`` overrides fields of the ``cpu`` preset (JSON).

Usage::

    python bench/recipe_quality.py --set '{"max_steps": 300}' --every 100 --alphas 1,0.6
    python bench/recipe_quality.py --set '{"data": "tatoeba-challenge", "bf16": false, "group_by_length": false}'
    python bench/recipe_quality.py --keep-layers 0,2,4,6,8,10 --alphas 1,0.7,0   # a layer-dropped student

With ``--keep-layers`` the student is the preset's with only those transformer layers (bench/layer_drop.py), and
a self-teacher becomes the full student: the smaller one learns the full one's space, as well as the alignment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def train_with_snapshots(overrides: dict, every: int, folder: Path) -> list[Path]:
    import time

    import torch
    from transformers import TrainerCallback

    from kit.train import PRESETS, distill

    class Snapshots(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.monotonic()

        def on_step_end(self, args, state, control, model=None, **kwargs):
            if state.global_step % every == 0:
                self._save(state.global_step, model)

        def on_train_end(self, args, state, control, model=None, **kwargs):
            # The last step, whether max_steps or the time budget ended training.
            self._save(state.global_step, model)

        def _save(self, step, model):
            path = folder / f"snapshot-{step:06d}.pt"
            if not path.exists():
                trained = {k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad}
                record = {"step": step, "train_s": time.monotonic() - self.start, "state": trained}
                torch.save(record, path)

    config = PRESETS["cpu"].replace(**{"evaluate_tasks": (), "wise_alpha": 1.0, **overrides})
    distill(config, folder / "run", resume=False, callbacks=[Snapshots()])
    return sorted(folder.glob("snapshot-*.pt"))


def score(snapshots: list[Path], alphas: list[float], student: str) -> list[dict]:
    import torch

    from kit.evaluation import TRAINING_LANGUAGES, evaluate_sts17, evaluate_tatoeba
    from kit.sources import as_encoder
    from kit.student import build_student
    from kit.train import interpolate_weights

    model = build_student(student, teacher_dim=384, normalize=True, max_seq_length=128)
    base = {k: v.detach().clone() for k, v in model.named_parameters()}
    rows = []
    for path in snapshots:
        snapshot = torch.load(path)
        for alpha in alphas:
            interpolate_weights(model, base, snapshot["state"], alpha)
            encoder = as_encoder(model, name=f"{path.stem}-alpha{alpha}")
            row = {"step": snapshot["step"], "train_s": round(snapshot["train_s"]), "alpha": alpha}
            row.update({k: round(v, 2) for k, v in evaluate_sts17(encoder, cache=False).scores.items()})
            if path == snapshots[-1]:
                tatoeba = evaluate_tatoeba(encoder, languages=TRAINING_LANGUAGES, cache=False)
                row["tatoeba7"] = round(tatoeba.scores["avg"], 2)
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="{}", help="JSON overrides of the cpu preset")
    parser.add_argument("--every", type=int, default=200, help="snapshot every N steps")
    parser.add_argument("--alphas", default="1,0.6", help="WiSE weights to score (1 = trained weights)")
    parser.add_argument("--keep-layers", help="train a layer-dropped student: the layers to keep, e.g. 0,2,4")
    parser.add_argument("--out", help="write the rows here as JSON")
    args = parser.parse_args()
    overrides = json.loads(args.set)
    # Import everything scoring needs before training: a run of half an hour must not be lost to an import.
    import kit.evaluation
    import kit.student  # noqa: F401
    from kit.train import PRESETS

    with tempfile.TemporaryDirectory(prefix="recipe-quality-") as tmp:
        if args.keep_layers:
            from layer_drop import layer_dropped_student, parse_layers

            full = PRESETS["cpu"].replace(**overrides)
            # The layer-dropped student learns the full one: "self" must name the full student.
            overrides["teacher"] = "+".join(f"{spec.model}*{spec.weight:g}" for spec in full.teacher_specs)
            keep = parse_layers(args.keep_layers)
            overrides["student"] = str(layer_dropped_student(full.student, keep, Path(tmp) / "student"))
            print(
                f"student: {full.student}, layers {keep}; teacher: {overrides.get('teacher', full.teacher)}"
            )
        snapshots = train_with_snapshots(overrides, args.every, Path(tmp))
        student = PRESETS["cpu"].replace(**overrides).student
        rows = score(snapshots, [float(a) for a in args.alphas.split(",")], student)
    if args.out:
        Path(args.out).write_text(
            json.dumps({"set": overrides, "keep_layers": args.keep_layers, "rows": rows}, indent=1),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
