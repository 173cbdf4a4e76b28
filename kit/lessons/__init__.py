"""What the notebooks do beyond one call into the pipeline, as small functions (so notebook cells stay short).

- runs that cannot be confused: :func:`run_dir` is a config's folder (``<runs>/<config name>``), where
  :func:`kit.train.distill` refuses a run of other settings (``run.json``, :mod:`kit.train.run_folder`);
  :func:`distilled_model` loads a student only if it was trained by the config a notebook expects, and says what
  it loaded (:func:`describe_run`), :func:`finished_run` reads a finished run back (no data, no training);
- the loop in plain sight (notebook 3): :func:`labelled_pairs`, :func:`untrained_student`, :func:`batches`,
  :func:`features`; :func:`compare_objectives` + :func:`objectives_figure` (why fixed targets need no negatives);
- the teacher as a choice: :data:`TEACHERS`, :func:`teacher_table`, :func:`show_budget_curve`;
- :func:`record_metrics`: write a notebook's key numbers as JSON (the notebook tests read them back);
- :func:`write_tsv`, :func:`tatoeba_tsv`: a parallel data set as ``english<TAB>translation`` lines;
- :func:`tatoeba_accuracy`: LASER Tatoeba retrieval accuracy of one model for some languages;
- :func:`learning_curve`: distil with growing amounts of parallel data and measure each student;
- :func:`repository_url`, :func:`sync_repository_url`: the one setting that names the repository (pyproject.toml).

Example::

    >>> from kit import lessons
    >>> lessons.record_metrics(None, {"accuracy": 0.9})
    {'accuracy': 0.9}
"""

from __future__ import annotations

from kit.lessons.data import learning_curve, sts_models, tatoeba_accuracy, tatoeba_tsv, write_tsv
from kit.lessons.examples import EXAMPLES, FAST_LANGUAGES, PAPER_URL
from kit.lessons.loop import (
    OBJECTIVES,
    batches,
    compare_objectives,
    features,
    labelled_pairs,
    objectives_figure,
    untrained_student,
)
from kit.lessons.repository import repository_url, sync_repository_url
from kit.lessons.runs import (
    RunMismatchError,
    Stopwatch,
    describe_config,
    describe_run,
    differences,
    distilled_model,
    extension_config,
    finished_run,
    lesson_config,
    record_metrics,
    run_dir,
    run_record,
)
from kit.lessons.teachers import TEACHERS, show_budget_curve, similarity_grid, teacher_table

__all__ = [
    "EXAMPLES",
    "FAST_LANGUAGES",
    "OBJECTIVES",
    "PAPER_URL",
    "TEACHERS",
    "RunMismatchError",
    "Stopwatch",
    "batches",
    "compare_objectives",
    "describe_config",
    "describe_run",
    "differences",
    "distilled_model",
    "extension_config",
    "features",
    "finished_run",
    "labelled_pairs",
    "learning_curve",
    "lesson_config",
    "objectives_figure",
    "record_metrics",
    "repository_url",
    "run_dir",
    "run_record",
    "show_budget_curve",
    "similarity_grid",
    "sts_models",
    "sync_repository_url",
    "tatoeba_accuracy",
    "tatoeba_tsv",
    "teacher_table",
    "untrained_student",
    "write_tsv",
]
