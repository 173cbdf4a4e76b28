"""The parallel data report: pairs per language after every step (load → clean → leakage guard ...)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import datasets

from kit.errors import UnknownNameError
from kit.parallel.pairs import language_counts

__all__ = ["ParallelReport"]


@dataclass
class ParallelReport:
    """Pairs per language after every step of a pipeline (load → clean → leakage guard ...).

    ``steps`` holds ``(step name, {language: pairs})``; what a step dropped is the difference with the step
    before. Print it for a small table; :meth:`to_dict` / :meth:`to_frame` for JSON and notebooks.

    >>> report = ParallelReport()
    >>> report.add("loaded", {"de": 2})
    >>> report.add("empty", {"de": 1})
    >>> report.dropped()
    {'empty': {'de': 1}}
    >>> print(report)
    step    de  total  dropped
    loaded   2      2
    empty    1      1        1
    """

    steps: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    @classmethod
    def of(cls, ds: datasets.Dataset, step: str = "loaded") -> ParallelReport:
        """A report whose first step counts ``ds``."""
        report = cls()
        report.add(step, ds)
        return report

    def add(self, step: str, data: datasets.Dataset | Mapping[str, int]) -> None:
        """Record the pairs per language after ``step`` (a data set, or its counts)."""
        counts = dict(data) if isinstance(data, Mapping) else language_counts(data)
        self.steps.append((step, counts))

    @property
    def languages(self) -> list[str]:
        """Every language seen in any step, in order of first appearance."""
        out: list[str] = []
        for _, counts in self.steps:
            out += [lang for lang in counts if lang not in out]
        return out

    def counts(self, step: str | None = None) -> dict[str, int]:
        """Pairs per language after ``step`` (default: the last step)."""
        if step is None:
            return dict(self.steps[-1][1]) if self.steps else {}
        for name, counts in self.steps:
            if name == step:
                return dict(counts)
        raise UnknownNameError(f"no step {step!r} in this report; steps: {[s for s, _ in self.steps]}")

    def dropped(self) -> dict[str, dict[str, int]]:
        """Pairs each step removed, per language (steps after the first)."""
        out = {}
        for (_, before), (name, after) in zip(self.steps, self.steps[1:], strict=False):
            out[name] = {lang: before.get(lang, 0) - after.get(lang, 0) for lang in before}
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every step with its pairs per language, total and what it dropped."""
        dropped = self.dropped()
        return {
            "steps": [
                {
                    "step": name,
                    "pairs": sum(counts.values()),
                    "per_language": dict(counts),
                    "dropped": dropped.get(name, {}),
                    "dropped_total": sum(dropped.get(name, {}).values()),
                }
                for name, counts in self.steps
            ]
        }

    def to_frame(self):
        """A pandas DataFrame: one row per step, one column per language, plus total and dropped."""
        import pandas as pd

        langs = self.languages
        dropped = self.dropped()
        rows = []
        for name, counts in self.steps:
            row = {lang: counts.get(lang, 0) for lang in langs}
            row["total"] = sum(counts.values())
            row["dropped"] = sum(dropped[name].values()) if name in dropped else None
            rows.append(row)
        frame = pd.DataFrame(rows, index=[name for name, _ in self.steps])
        frame.index.name = "step"
        return frame

    def __str__(self) -> str:
        langs = self.languages
        dropped = self.dropped()
        table = [["step", *langs, "total", "dropped"]]
        for name, counts in self.steps:
            lost = dropped.get(name)
            table.append(
                [
                    name,
                    *(str(counts.get(lang, 0)) for lang in langs),
                    str(sum(counts.values())),
                    "" if lost is None else str(sum(lost.values())),
                ]
            )
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = []
        for row in table:
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()
