"""Inference speed of the three students a user can ship, in one run: the static student, the ONNX-int8 export
of the transformer student, and the PyTorch transformer student, on the same sentences, at 1 and 2 threads.

Speeds are printed as ratios against the PyTorch student measured in the same run (absolute sentences/s depend
on the machine and its load); quality (STS2017 avg / cross-lingual avg, LASER Tatoeba over the 7 training
languages) is printed beside. The int8 export is written by ``kit.export`` if ``--onnx-int8`` is not given.

Usage::

    python bench/bench_inference.py --static runs/static/model --transformer runs/demo/model
    python bench/bench_inference.py --static runs/static/model --transformer multilingual-e5-small --sentences 2000
    python bench/bench_inference.py ... --formats static,onnx-int8,onnx,pytorch --no-quality

Writes ``bench/reports/inference.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

LANGUAGES = ("ar", "de", "es", "fr", "it", "nl", "tr")


def load_models(args, scratch: Path) -> dict:
    from kit.export import INT8_FILE, export, load_exported
    from kit.sources import load_model

    formats = args.formats.split(",")
    models = {}
    if "static" in formats:
        models["static"] = load_model(args.static, device="cpu")
    if "pytorch" in formats:
        models["pytorch"] = load_model(args.transformer, device="cpu")
    for fmt in ("onnx-int8", "onnx"):
        if fmt not in formats:
            continue
        folder = args.onnx_int8 if fmt == "onnx-int8" else None
        if not folder:
            started = time.perf_counter()
            folder = export(args.transformer, scratch / fmt, fmt)
            print(f"exported {fmt} in {time.perf_counter() - started:.0f} s", flush=True)
        kwargs = {"model_kwargs": {"file_name": INT8_FILE}} if fmt == "onnx-int8" else {}
        models[fmt] = load_exported(folder, **kwargs)
    return models


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--static", default="runs/static/model", help="static student folder")
    parser.add_argument("--transformer", default="runs/demo/model", help="transformer student folder or name")
    parser.add_argument("--onnx-int8", default=None, help="an existing onnx-int8 export of --transformer")
    parser.add_argument("--formats", default="static,onnx-int8,pytorch")
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-quality", action="store_true", help="speed only")
    parser.add_argument("--out", default=str(Path(__file__).parent / "reports" / "inference.json"))
    args = parser.parse_args()

    import torch

    from kit.static import benchmark_sentences, throughput

    texts = benchmark_sentences(LANGUAGES, args.sentences)
    with tempfile.TemporaryDirectory() as scratch:
        models = load_models(args, Path(scratch))
        speed: dict[str, dict[str, float]] = {}
        for threads in (int(t) for t in args.threads.split(",")):
            for name, model in models.items():  # the same sentences, one model after the other
                rate = throughput(model, texts, batch_size=args.batch_size, threads=threads)
                speed.setdefault(name, {})[f"{threads}_threads"] = rate
                print(f"{threads} thread(s) {name:>10}: {rate:9.1f} sentences/s", flush=True)
        quality = {}
        if not args.no_quality:
            from kit.evaluation import evaluate

            torch.set_num_threads(max(1, os.cpu_count() or 1))
            results = evaluate(models, tasks="sts17,tatoeba", cache=False)
            quality = results.summary()
    reference = speed.get("pytorch")
    rows = []
    for name in models:
        row = {"model": name, **{f"sentences_per_s_{k}": round(v, 1) for k, v in speed[name].items()}}
        if reference:
            row.update({f"ratio_{k}": round(v / reference[k], 2) for k, v in speed[name].items()})
        for key in ("sts17_avg", "sts17_cross_avg", "tatoeba_avg"):
            if key in quality.get(name, {}):
                row[key] = round(quality[name][key], 2)
        rows.append(row)
    record = {
        "sentences": len(texts),
        "batch_size": args.batch_size,
        "static": args.static,
        "transformer": args.transformer,
        "rows": rows,
        "load_average": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    columns = list(dict.fromkeys(key for row in rows for key in row))
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    print(f"written: {args.out} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
