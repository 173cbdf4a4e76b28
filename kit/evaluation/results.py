"""Result records: one :class:`TaskResult` per (model, task), collected in :class:`EvaluationResults`.

Scores are percentages: Spearman ×100 for STS, accuracy ×100 for retrieval; MSE is ×100 as
sentence-transformers' ``MSEEvaluator`` reports it.

Example::

    >>> from kit.evaluation.results import TaskResult, EvaluationResults
    >>> r = TaskResult("sts17", "m", scores={"en-en": 80.0, "avg": 80.0}, counts={"en-en": 250})
    >>> EvaluationResults([r]).table("sts17").loc["m", "en-en"]
    np.float64(80.0)
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit._io import atomic_write, write_json
from kit._versions import versions


@dataclass
class TaskResult:
    """The scores of one model on one task.

    ``scores`` maps a column (an STS track, a language, ``avg`` ...) to its value; ``counts`` the number of
    pairs behind each column; ``details`` holds extra per-column numbers (e.g. both retrieval directions).
    """

    task: str
    model: str
    scores: dict[str, float]
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    embedding: dict[str, int] = field(default_factory=dict)

    def flat(self) -> dict[str, float]:
        """``{"<task>_<column>": value}``, e.g. ``sts17_avg``, ``sts17_cross_avg``, ``tatoeba_deu``."""
        return {f"{self.task}_{column}": value for column, value in self.scores.items()}


class EvaluationResults:
    """All results of one :func:`kit.evaluation.evaluate` call, with tables and export."""

    def __init__(self, results: list[TaskResult], config: dict[str, Any] | None = None):
        self.results = list(results)
        self.config = dict(config or {})

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        tasks = sorted({r.task for r in self.results})
        models = list(dict.fromkeys(r.model for r in self.results))
        return f"EvaluationResults(models={models}, tasks={tasks})"

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(r.model for r in self.results))

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(r.task for r in self.results))

    def get(self, model: str, task: str) -> TaskResult:
        for r in self.results:
            if r.model == model and r.task == task:
                return r
        raise KeyError(f"no result for model {model!r} on task {task!r}; have {self.models} x {self.tasks}")

    def table(self, task: str) -> pd.DataFrame:
        """Models × columns of one task (columns in the task's order)."""
        rows = [r for r in self.results if r.task == task]
        if not rows:
            raise KeyError(f"no results for task {task!r}; tasks: {', '.join(self.tasks) or 'none'}")
        columns = list(dict.fromkeys(c for r in rows for c in r.scores))
        frame = pd.DataFrame([[r.scores.get(c) for c in columns] for r in rows], columns=columns)
        frame.index = pd.Index([r.model for r in rows], name="model")
        return frame

    def summary(self) -> dict[str, dict[str, float]]:
        """Per model, every score as a flat ``<task>_<column>`` metric."""
        out: dict[str, dict[str, float]] = {}
        for r in self.results:
            out.setdefault(r.model, {}).update(r.flat())
        return out

    def to_frame(self) -> pd.DataFrame:
        """Long format: one row per (model, task, column) with the value and the number of pairs."""
        records = [
            {"model": r.model, "task": r.task, "column": c, "value": v, "n": r.counts.get(c)}
            for r in self.results
            for c, v in r.scores.items()
        ]
        return pd.DataFrame.from_records(records, columns=["model", "task", "column", "value", "n"])

    def to_dict(self) -> dict[str, Any]:
        return {"versions": versions(), "config": self.config, "results": [asdict(r) for r in self.results]}

    def save(self, folder: str | Path, stem: str = "results") -> tuple[Path, Path]:
        """Write ``<stem>.csv`` (long format) and ``<stem>.json`` (scores, counts, config, versions)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, json_path = folder / f"{stem}.csv", folder / f"{stem}.json"
        frame = self.to_frame()
        with atomic_write(csv_path, "w") as handle:
            frame.to_csv(handle, index=False, quoting=csv.QUOTE_MINIMAL, float_format="%.4f")
        write_json(json_path, self.to_dict())
        return csv_path, json_path

    @classmethod
    def load(cls, json_path: str | Path) -> EvaluationResults:
        """Read results written by :meth:`save`."""
        data = json.loads(Path(json_path).read_text(encoding="utf-8"))
        return cls([TaskResult(**r) for r in data["results"]], data.get("config"))
