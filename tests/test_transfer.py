"""Teacher transfer on a small scale: the student inherits a better teacher's quality on a language pair.

The paper's promise in CI time. all-MiniLM-L6-v2 is an English model: its English-German similarities on the
dev STS task are poor. mUSE (``use-multilingual``) is good at English-German. Distilling MiniLM towards mUSE on a
few hundred German pairs must raise MiniLM's own English-German dev score, measured on the dev STS task (not
only the MSE the training minimises).
"""

from __future__ import annotations

import json

import pytest

from kit.evaluation import evaluate_for_results
from kit.train import PRESETS, distill

PAIR = "stsb-dev-cross_en-de"


@pytest.mark.slow
def test_a_better_teacher_lifts_the_students_dev_sts_on_its_language_pair(tmp_path):
    config = PRESETS["smoke"].replace(
        name="transfer-smoke",
        teacher="use-multilingual",
        student="all-MiniLM-L6-v2",
        languages=("de",),
        max_pairs_per_language=800,
        dev_pairs_per_language=100,
        max_seq_length=64,
        batch_size=32,
        learning_rate=5e-4,
        max_steps=80,
        fit_projection=True,  # MiniLM's 384 dimensions into mUSE's 512, fitted in closed form first
        freeze_embeddings=False,  # German word pieces of an English vocabulary must move too
        evaluate_tasks=("stsb-dev-cross",),
    )
    teacher = evaluate_for_results("use-multilingual", tasks=["stsb-dev-cross"], languages=["de"])[PAIR]

    result = distill(config, tmp_path / "run")
    record = json.loads(result.results_path.read_text())
    before, after = record["baseline"][PAIR], record[PAIR]

    assert teacher > before + 10, "the premise: the teacher is much better than the student on en-de"
    # Measured: 40.6 -> 47.2 (teacher 77.7) in 80 steps, 48.0 in 120; 240 steps on 2,000 pairs reach 51.6. The self-teacher
    # (MiniLM's own English) in the same 120 steps raises translation accuracy but not en-de STS (40.6 -> 37.5):
    # the gain here is the teacher's, not alignment alone.
    assert after > before + 4, f"en-de dev STS {before:.1f} -> {after:.1f} (teacher {teacher:.1f})"
    assert record["dev_mse"] < record["baseline"]["dev_mse"]
    # Inherited, not invented: the student approaches its teacher, it does not pass it by much.
    assert after < teacher + 5
