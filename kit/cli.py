"""Command line: ``python -m kit <command>``.

Commands::

    python -m kit distill  --preset smoke|cpu|static|gpu|notebook-fast --out DIR [--restart] [--teacher ...] [--student ...]
    python -m kit evaluate --model A --model B [--tasks sts17,stsb,tatoeba] [--out results/]
    python -m kit models   # the model names the kit resolves, and whether each is available offline
    python -m kit data     # the data sets of the catalog, and whether each is present in the data dir
    python -m kit export MODEL_DIR --format onnx-int8|onnx|sentence-transformers --out DIR

Each command is a thin wrapper over the same functions the notebooks call.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["COMMANDS", "build_parser", "main"]


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="evaluate encoders on STS2017 / STSb / Tatoeba and compare with the paper"
    )
    p.add_argument(
        "--model", action="append", required=True, help="model name, folder, or registry name (repeatable)"
    )
    p.add_argument(
        "--tasks",
        default="sts17",
        help="comma-separated: sts17, stsb, stsb-dev-cross (the dev task recipes are chosen on), tatoeba, flores "
        "(default: sts17)",
    )
    p.add_argument(
        "--languages",
        default=None,
        help="comma-separated ISO 639-1/639-3 codes for stsb/tatoeba/flores, or 'all' "
        "(default: each task's own; tatoeba: ara,deu,fra,ita,nld,spa,tur)",
    )
    p.add_argument("--batch-size", type=int, default=32, help="encoding batch size (default: 32)")
    p.add_argument("--teacher", default=None, help="teacher model for the flores MSE (e.g. all-MiniLM-L6-v2)")
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write cached evaluation embeddings"
    )
    p.add_argument(
        "--bf16",
        action="store_true",
        help="bfloat16 weights (SentenceTransformers): ~2.5x faster on AVX512-BF16/AMX CPUs, scores within tenths",
    )
    p.add_argument("--progress", action="store_true", help="show a progress bar while encoding")
    p.add_argument(
        "--figure", action="store_true", help="with --out: also write sts17_comparison.html (plotly)"
    )
    p.add_argument("--out", default=None, help="folder for CSV + JSON results")


def _run_evaluate(args: argparse.Namespace) -> int:
    from kit._io import output_folder
    from kit.errors import InvalidArgumentError
    from kit.evaluation import run_cli_evaluate

    if args.batch_size < 1:
        raise InvalidArgumentError("--batch-size", args.batch_size, "a whole number ≥ 1")
    if args.out:  # checked now, not after the whole evaluation
        output_folder(args.out, "--out")
    return run_cli_evaluate(args)


def _add_distill(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("distill", help="distil a multilingual student from an English teacher")
    p.add_argument(
        "--preset",
        default="smoke",
        help="smoke | cpu | static | transfer | gpu | notebook-fast (kit/train/config.py)",
    )
    p.add_argument(
        "--out",
        required=True,
        help="output folder (run.json, model, checkpoints, results.json); a rerun with the same settings resumes",
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="move the run the --out folder holds aside to <folder>.<date-time> (never deleted) and start over",
    )
    p.add_argument(
        "--teacher",
        default=None,
        help="teacher: a model name, 'self' (the student's own English side), or several combined with '+' and "
        "optional weights, e.g. 'self*0.6+use-multilingual*0.4' (default: the preset's)",
    )
    p.add_argument("--student", default=None, help="student model name (default: the preset's)")
    p.add_argument("--languages", default=None, help="comma-separated ISO codes, e.g. de,es,fr")
    p.add_argument("--data", default=None, help="tatoeba-challenge | hub:<dataset id> | path to a TSV file")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many optimizer steps")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument(
        "--time-budget",
        type=float,
        default=None,
        help="stop training after this many minutes (the learning-rate schedule fits the budget)",
    )
    p.add_argument(
        "--oversample",
        default=None,
        help="repeat some languages' pairs, e.g. ar=2,tr=2 (weak or small languages)",
    )


def _parse_oversample(text: str) -> dict[str, int]:
    """``"ar=2,tr=3"`` → ``{"ar": 2, "tr": 3}``, with an error naming the argument.

    >>> _parse_oversample("ar=2, tr=3")
    {'ar': 2, 'tr': 3}
    """
    from kit.errors import KitError

    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        lang, _, times = item.partition("=")
        if not times.strip().isdigit():
            raise KitError(f"argument --oversample: expected language=times, e.g. ar=2,tr=2; got {item!r}")
        out[lang.strip()] = int(times)
    return out


#: distill's command-line arguments and the config fields they set.
_DISTILL_ARGUMENTS = {
    "teacher": "teacher",
    "student": "student",
    "data": "data",
    "max_steps": "max_steps",
    "batch_size": "batch_size",
    "learning_rate": "learning_rate",
    "time_budget_minutes": "time_budget",
    "languages": "languages",
    "oversample": "oversample",
}


def _run_distill(args: argparse.Namespace) -> int:
    """``python -m kit distill``: the preset with the arguments' changes, trained; the report printed."""
    from kit._io import output_folder
    from kit.errors import InvalidArgumentError
    from kit.train import distill, preset, sts17_report

    config = preset(args.preset)
    changes: dict[str, Any] = {
        field: getattr(args, attr)
        for field, attr in _DISTILL_ARGUMENTS.items()
        if field not in ("languages", "oversample") and getattr(args, attr, None) is not None
    }
    if args.languages is not None:  # --languages "" is an error, not the preset's languages
        changes["languages"] = tuple(code.strip() for code in args.languages.split(",") if code.strip())
    if args.oversample:
        changes["oversample"] = _parse_oversample(args.oversample)
    try:
        config = config.replace(**changes)
    except InvalidArgumentError as err:
        attr = _DISTILL_ARGUMENTS.get(err.argument)
        if attr is None:
            raise
        raise err.renamed("--" + attr.replace("_", "-"), getattr(args, attr)) from None
    output_folder(args.out, "--out")
    result = distill(config, args.out, restart=args.restart)
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun only rank 0 writes results.json and reports
        return 0
    record = json.loads(result.results_path.read_text(encoding="utf-8"))
    print(f"model: {result.model_path}\nresults: {result.results_path}")
    if "sts17_avg" in record:
        print(sts17_report(record))
    for key in ("dev_translation_accuracy", "dev_mse", "tatoeba"):
        if key in record:
            print(
                f"{key:>26}: {record[key]:8.3f}   (base student {record['baseline'].get(key, float('nan')):.3f})"
            )
    print(
        f"{'wall time':>26}: {record['wall_time_s'] / 60:8.1f} min   peak RSS {record['peak_rss_mb'] / 1024:.2f} GB"
    )
    if record.get("peak_rss_mb_by_phase"):
        phases = ", ".join(f"{k} {v / 1024:.2f}" for k, v in record["peak_rss_mb_by_phase"].items())
        print(f"{'peak RSS by phase (GB)':>26}: {phases}")
    return 0


def _add_models(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("models", help="list the model names the kit resolves and where each would come from")


def _run_models(args: argparse.Namespace) -> int:
    from kit.sources import describe_models

    print(describe_models())
    return 0


def _add_data(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="list the data sets of the catalog and check the data directory")
    p.add_argument(
        "--verify",
        action="store_true",
        help="check every file's checksum; exit 2 if a file is missing or damaged (or the data dir is)",
    )


def _run_data(args: argparse.Namespace) -> int:
    from kit.catalog import data_problems, describe_datasets
    from kit.config import data_dir
    from kit.errors import KitError

    print(describe_datasets(verify=args.verify))
    if args.verify:
        problems = data_problems()
        if problems and not data_dir().is_dir():
            raise KitError(f"data --verify: {problems[0]}")
        missing = [p for p in problems if p.endswith(": missing")]
        damaged = [p for p in problems if p not in missing]
        if problems:
            parts = []
            if damaged:
                files = dict.fromkeys(problem.split(": ", 1)[0] for problem in damaged)
                more = f"; and {len(damaged) - 3} more" if len(damaged) > 3 else ""
                parts.append(f"{len(files)} damaged file(s): {'; '.join(damaged[:3])}{more}")
            if missing:
                parts.append(f"{len(missing)} file(s) missing, e.g. {missing[0].removesuffix(': missing')}")
            raise KitError(f"data --verify found problems: {' / '.join(parts)} (the table above lists them)")
    return 0


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="export a student for fast CPU inference (ONNX, int8) or as a plain folder"
    )
    p.add_argument("model", help="model folder (e.g. runs/demo/model) or registry name")
    p.add_argument(
        "--format",
        default="onnx-int8",
        help="onnx-int8 (default) | onnx | sentence-transformers (a static student's folder as it is)",
    )
    p.add_argument("--out", required=True, help="output folder")


def _run_export(args: argparse.Namespace) -> int:
    from kit.export import export

    out = export(args.model, args.out, args.format)
    print(f"exported: {out}")
    if args.format.startswith("onnx"):
        print(f'load with: SentenceTransformer("{out}", backend="onnx", trust_remote_code=True)')
    return 0


COMMANDS = {
    "evaluate": (_add_evaluate, _run_evaluate),
    "distill": (_add_distill, _run_distill),
    "models": (_add_models, _run_models),
    "data": (_add_data, _run_data),
    "export": (_add_export, _run_export),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kit", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for add, _ in COMMANDS.values():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from kit.errors import KitError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command][1](args)
    except KitError as err:
        # Expected, user-fixable problems print one clear line, not a traceback.
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
