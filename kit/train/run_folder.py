"""One run folder, one config: what a run folder records, when a rerun may continue it, and which checkpoint.

:func:`~kit.train.distill` writes ``run.json`` into its folder before it trains: the config and the
fingerprint of the settings that decide the weights (:func:`weight_settings`). A rerun into the same folder

- with the same settings resumes from the newest *complete* checkpoint (:func:`newest_complete_checkpoint`)
  and says so; a finished run trains no further step (it is saved and evaluated again);
- with other settings stops with :class:`RunFolderConflictError`, which names the settings that differ and
  the two ways out: another folder, or a restart that moves the old run aside (never deletes it).

So ``results.json`` and ``model/`` always describe weights trained by the config recorded beside them.

Settings that never change the weights (:data:`RECORD_ONLY_FIELDS`) may change between reruns. Everything
else counts, including ``max_steps``, ``epochs`` and ``time_budget_minutes``: the learning-rate schedule
decays to zero at the planned end, so a finished 40-step run continued to 60 steps is not the 60-step run
its record would claim. A longer run needs its own folder.

Example::

    >>> from kit.train import PRESETS
    >>> changed_settings(weight_settings(PRESETS["smoke"]), weight_settings(PRESETS["smoke"].replace(max_steps=60)))
    ['max_steps 40 → 60']
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit._io import output_folder, safetensors_problem, sha256_file, torch_file_problem, write_json
from kit.errors import KitError
from kit.train.config import DistillConfig

__all__ = [
    "RECORD_ONLY_FIELDS",
    "RUN_FILE",
    "RunFolder",
    "RunFolderConflictError",
    "changed_settings",
    "checkpoint_problem",
    "checkpoint_step",
    "newest_complete_checkpoint",
    "open_run_folder",
    "read_record",
    "weight_settings",
]

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
#: What a run writes into its folder: what a restart moves aside.
RUN_ENTRIES = (RUN_FILE, "checkpoints", "model", "results.json")
#: Settings that change what is evaluated, logged, checkpointed or called, never the trained weights: the
#: dev evaluator and logging run in eval mode between steps and draw no training randomness, and a resumed
#: run restores the random state of its checkpoint whatever the save interval was.
RECORD_ONLY_FIELDS = frozenset({"name", "evaluate_tasks", "eval_steps", "save_steps", "logging_steps"})


class RunFolderConflictError(KitError):
    """The output folder holds a run of another config (the message names the differences and the ways out)."""


def weight_settings(config: DistillConfig) -> dict[str, Any]:
    """The settings that decide a run's weights, as JSON values; a TSV data file counts by its SHA-256.

    A TSV is named by its path, which stays the same when its content is edited: the checksum makes a
    changed file a changed config.
    """
    settings = json.loads(json.dumps(dataclasses.asdict(config), default=str))
    for name in RECORD_ONLY_FIELDS:
        settings.pop(name, None)
    sources = [config.data] if Path(config.data).is_file() else config.data.split("+")
    files = {source: sha256_file(source)[:16] for source in sources if Path(source).is_file()}
    if files:
        settings["data_files_sha256"] = files
    return settings


def _fingerprint(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def changed_settings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``"name old → new"`` for each setting that differs, in field order."""

    def show(value: Any) -> str:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ",".join(value) or "(none)"
        return json.dumps(value, ensure_ascii=False) if not isinstance(value, int | float) else str(value)

    names = list(dict.fromkeys([*new, *old]))
    return [f"{n} {show(old.get(n))} → {show(new.get(n))}" for n in names if old.get(n) != new.get(n)]


# ------------------------------------------------------------------------------------------ checkpoints


def checkpoint_problem(folder: str | os.PathLike) -> str | None:
    """Why a checkpoint folder cannot be resumed from (None when it is complete).

    Complete means: ``trainer_state.json`` (the trainer writes it last, so a save cut short by a crash
    lacks it) readable, optimizer and scheduler state and the random state readable archives, the weights
    present and as long as their headers say.
    """
    folder = Path(folder)
    state = folder / "trainer_state.json"
    if not state.is_file():
        return "no trainer_state.json (its save was interrupted)"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "trainer_state.json is damaged"
    for name in ("optimizer.pt", "scheduler.pt"):
        problem = torch_file_problem(folder / name)
        if problem:
            return problem
    rng = sorted(folder.glob("rng_state*.pth"))
    if not rng:
        return "no rng_state.pth"
    weights = sorted(folder.rglob("*.safetensors")) + sorted(folder.rglob("pytorch_model*.bin"))
    if not weights:
        return "no model weights (model.safetensors)"
    for path in rng + weights:
        problem = safetensors_problem(path) if path.suffix == ".safetensors" else torch_file_problem(path)
        if problem:
            return f"{path.relative_to(folder)}: {problem}" if path.parent != folder else problem
    return None


def checkpoint_step(folder: Path) -> int:
    """The step of a ``checkpoint-<step>`` folder."""
    return int(folder.name.removeprefix("checkpoint-"))


def newest_complete_checkpoint(checkpoints: str | os.PathLike) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest complete checkpoint under ``checkpoints`` (None if there is none), and the newer ones
    skipped with the reason each was skipped."""
    folder = Path(checkpoints)
    found = [
        p for p in folder.glob("checkpoint-*") if p.is_dir() and p.name.removeprefix("checkpoint-").isdigit()
    ]
    skipped = []
    for candidate in sorted(found, key=checkpoint_step, reverse=True):
        problem = checkpoint_problem(candidate)
        if problem is None:
            return candidate, skipped
        skipped.append((candidate, problem))
    return None, skipped


# ------------------------------------------------------------------------------------------ the folder


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def _holds_run(path: Path) -> bool:
    """Whether ``path`` holds trained weights or their record (an empty ``run.json`` folder holds nothing)."""
    return (
        (path / "results.json").exists()
        or (path / "model").exists()
        or any((path / "checkpoints").glob("checkpoint-*"))
    )


def read_record(path: Path) -> dict[str, Any] | None:
    """The ``run.json`` of the run folder ``path`` (fingerprint, weight settings, config); None if it has none."""
    try:
        record = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "fingerprint" in record else None


def _ways_out(path: Path) -> str:
    return (
        f"train it in another folder (--out <new folder>, or another out_dir), or start over with --restart "
        f"(restart=True), which moves the old run aside to {path.name}.<date-time> beside it, never deleting it"
    )


@dataclass
class RunFolder:
    """A run's output folder, checked against its config by :func:`open_run_folder`."""

    path: Path
    #: where a restart moved the earlier run
    moved_to: Path | None = None
    #: the step a finished run of this config ended at (a rerun trains no further)
    finished_at_step: int | None = None
    #: whether training continues from the newest complete checkpoint (False: from the first step)
    resume: bool = True

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    def resume_checkpoint(self) -> Path | None:
        """The newest complete checkpoint to continue from, saying which it takes and which it skipped."""
        if not self.resume:
            return None
        checkpoint, skipped = newest_complete_checkpoint(self.checkpoints)
        for folder, why in skipped:
            logger.warning("Skipping %s: %s", folder, why)
        if checkpoint is None:
            if skipped:
                logger.warning(
                    "No complete checkpoint in %s: training starts from the first step", self.checkpoints
                )
            return None
        step = checkpoint_step(checkpoint)
        if self.finished_at_step is not None and step >= self.finished_at_step:
            logger.warning(
                "Resuming %s from %s: the run finished at step %d, so no step is trained; the model is saved "
                "and evaluated again",
                self.path,
                checkpoint.name,
                self.finished_at_step,
            )
        elif self.finished_at_step is not None:
            logger.warning(
                "Resuming %s from %s (step %d): the run finished at step %d, and trains to it again",
                self.path,
                checkpoint.name,
                step,
                self.finished_at_step,
            )
        else:
            logger.warning("Resuming %s from %s (step %d)", self.path, checkpoint.name, step)
        return checkpoint

    def mark_finished(self, step: int) -> None:
        """Record that training ended at ``step``: a rerun of this config then trains no further."""
        if _is_main_process():
            record = read_record(self.path) or {}
            write_json(self.path / RUN_FILE, {**record, "finished_at_step": step})


def open_run_folder(
    out_dir: str | os.PathLike, config: DistillConfig, *, restart: bool = False, resume: bool = True
) -> RunFolder:
    """Check that ``out_dir`` can hold ``config``'s run, and record the config in it (``run.json``).

    - a folder without a run: the config is recorded, training starts from the first step;
    - a run of the same weight settings: it continues from its newest complete checkpoint;
    - a run of other settings, or one whose config is not recorded: :class:`RunFolderConflictError`;
    - ``restart``: the old run's entries move into a sibling folder ``<name>.<date-time>`` first, never deleted;
    - ``resume=False``: the old run's checkpoints, model and results are deleted and training starts from the
      first step (for throwaway folders, such as :func:`kit.lessons.learning_curve`'s).

    Raises :class:`~kit.errors.KitError` naming the folder when it cannot be created or written.
    """
    path = output_folder(out_dir, "out_dir")
    settings = weight_settings(config)
    fingerprint = _fingerprint(settings)
    record = read_record(path)
    main = _is_main_process()
    folder = RunFolder(path, resume=resume)
    holds_run = _holds_run(path)
    if restart and holds_run:
        # Only the main process moves files; under torchrun the others start from the first step as it does.
        folder.moved_to = _move_aside(path) if main else None
        folder.resume = False
    elif holds_run and not resume:
        if main:
            for name in RUN_ENTRIES[1:]:
                _remove(path / name)
    elif holds_run:
        if record is None:
            raise RunFolderConflictError(
                f"{path} holds a run whose config is not recorded (no readable {RUN_FILE}: an older kit's run, or "
                f"not the kit's), so it cannot be continued; {_ways_out(path)}"
            )
        if record["fingerprint"] != fingerprint:
            changes = "; ".join(changed_settings(record.get("weights", {}), settings))
            raise RunFolderConflictError(
                f"{path} holds a run of another config ({changes or 'different settings'}), and results.json "
                f"and model/ must describe the weights beside them; {_ways_out(path)}"
            )
        folder.finished_at_step = record.get("finished_at_step")
    if main:
        write_json(
            path / RUN_FILE,
            {
                "fingerprint": fingerprint,
                "weights": settings,
                "config": json.loads(json.dumps(dataclasses.asdict(config), default=str)),
                "finished_at_step": folder.finished_at_step,
            },
        )
    return folder


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _move_aside(path: Path) -> Path:
    """Move a run's entries into a new sibling folder ``<name>.<date-time>``; other files stay."""
    path = Path(os.path.abspath(path))  # "." has no name to put a date-time after
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.parent / f"{path.name}.{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = path.parent / f"{path.name}.{stamp}-{n}"
    target.mkdir()
    for name in RUN_ENTRIES:
        if (path / name).exists():
            os.replace(path / name, target / name)
    logger.warning("Moved the earlier run in %s aside to %s", path, target)
    return target
