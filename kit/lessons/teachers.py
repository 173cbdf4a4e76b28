"""The teacher as a choice: the teachers' table, the CPU-budget curve, similarity grids of example sentences."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kit.lessons.repository import repository_url


def similarity_grid(
    models: Mapping[str, Any], english: Sequence[str], translations: Sequence[str], *, title: str
):
    """One cosine heatmap per model (English rows × translation columns), side by side, and per model the mean
    of the diagonal (translation pairs) and of the rest (other pairs), computed from the same vectors."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from kit.sources import embed

    fig = make_subplots(rows=1, cols=len(models), subplot_titles=list(models), horizontal_spacing=0.12)
    means = {}
    for col, (label, model) in enumerate(models.items(), start=1):
        sims = (embed(model, english) @ embed(model, translations).T).round(2)
        n = len(sims)
        means[label] = {
            "diagonal": float(sims.trace() / n),
            "other": float((sims.sum() - sims.trace()) / (n * n - n)),
        }
        short = [t if len(t) <= 28 else t[:27] + "…" for t in translations]
        fig.add_trace(
            go.Heatmap(
                z=sims, x=short, y=[t if len(t) <= 28 else t[:27] + "…" for t in english], zmin=-0.2, zmax=1,
                colorscale="Viridis", text=sims, texttemplate="%{text:.2f}", showscale=col == len(models),
            ),
            row=1, col=col,
        )  # fmt: skip
        fig.update_yaxes(autorange="reversed", showticklabels=col == 1, row=1, col=col)
    fig.update_layout(title=title, height=140 + 45 * len(english), template="plotly_white")
    return fig, means


# ------------------------------------------------------------------------------------ the teacher is a choice

#: The teachers the notebooks compare, with what the kit measured for each *as it is* (before any training):
#: STS2017 (Spearman ×100: average of 10 tracks, of the 7 cross-lingual ones, en-en) and the dev task
#: ``stsb-dev-cross`` (average of en-X). Sources: kit.evaluation.published.MEASURED_STS17 and bench/README.md
#: "Teachers" (both measured offline on a 2-core CPU; ``python -m kit evaluate`` reproduces the single models).
TEACHERS: dict[str, dict[str, Any]] = {
    "English teacher (the paper's kind)": {
        "teacher": "all-MiniLM-L6-v2",
        "used by": "notebook-fast (FAST = True)",
        "sts17_avg": 35.7, "sts17_cross_avg": 24.1, "sts17_en-en": 87.6, "dev_en_x": 40.93,
        "source": "kit.evaluation.published (measured); dev: kit.evaluation.evaluate(..., 'stsb-dev-cross')",
    },
    "self-teacher (the student's own English side)": {
        "teacher": "self (multilingual-e5-small)",
        "used by": "cpu (FAST = False, make demo)",
        "sts17_avg": 74.05, "sts17_cross_avg": 70.39, "sts17_en-en": 87.25, "dev_en_x": 76.61,
        "source": "bench/README.md, Teachers",
    },
    "stronger teacher: mUSE": {
        "teacher": "use-multilingual",
        "used by": "(evaluation reference)",
        "sts17_avg": 78.10, "sts17_cross_avg": 77.29, "sts17_en-en": 85.10, "dev_en_x": 77.50,
        "source": "bench/README.md, Teachers",
    },
    "combined: self × 0.6 + mUSE × 0.4": {
        "teacher": "self*0.6+use-multilingual*0.4",
        "used by": "transfer (candidate, not yet measured trained)",
        "sts17_avg": 80.03, "sts17_cross_avg": 79.15, "sts17_en-en": 87.43, "dev_en_x": 79.68,
        "source": "bench/README.md, Teachers",
    },
}  # fmt: skip


def teacher_table(
    evaluate: Sequence[str] = (), *, tasks: str = "sts17,stsb-dev-cross", highlight: str | None = None
):
    """:data:`TEACHERS` as a table; the teachers named in ``evaluate`` (by their ``teacher`` value, single models
    only) are scored now on ``tasks`` instead (STS2017 and the dev task: about a minute per model on a CPU,
    cached afterwards; a task left out keeps the measured figure). ``highlight``: a ``teacher`` value whose row
    is marked ``◀ this run``."""
    import pandas as pd

    rows = {label: dict(entry) for label, entry in TEACHERS.items()}
    for label, row in rows.items():
        name = row["teacher"].split(" ")[0]
        if name in evaluate:
            from kit.evaluation import evaluate as run_evaluation

            model = "multilingual-e5-small" if name == "self" else name
            flat = next(iter(run_evaluation({label: model}, tasks=tasks).summary().values()))
            scored = {
                "sts17_avg": flat.get("sts17_avg"), "sts17_cross_avg": flat.get("sts17_cross_avg"),
                "sts17_en-en": flat.get("sts17_en-en"), "dev_en_x": flat.get("stsb-dev-cross_cross_avg"),
            }  # fmt: skip
            row.update({key: value for key, value in scored.items() if value is not None})
            row["source"] = f"evaluated now ({tasks})"
        if highlight is not None:
            row["this run"] = (
                "◀ this run" if highlight in (row["teacher"], row["teacher"].split(" ")[0]) else ""
            )
    columns = {
        "sts17_avg": "STS2017 avg", "sts17_cross_avg": "STS2017 cross-lingual", "sts17_en-en": "STS2017 en-en",
        "dev_en_x": "dev en-X (stsb-dev-cross)",
    }  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index").rename(columns=columns)


def show_budget_curve(path: str | os.PathLike | None = None) -> None:
    """Display ``bench/reports/quality_vs_time.png`` (STS2017 against minutes of CPU training: the paper's recipe
    with an English teacher against the ``cpu`` preset's self-teacher) when this checkout has it; otherwise say
    where it lives."""
    path = (
        Path(path)
        if path
        else Path(__file__).resolve().parents[2] / "bench" / "reports" / "quality_vs_time.png"
    )
    if not path.is_file():
        print(
            f"{path.name} is not in this installation; it is in the repository: {repository_url()}/blob/main/bench/reports/"
        )
        return
    from IPython.display import Image, display

    print(f"{path} (from bench/README.md; not measured by this notebook):")
    display(Image(filename=str(path), width=820))
