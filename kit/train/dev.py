"""Dev evaluation during a run: MSE to the teacher and translation accuracy on the held-out dev pairs.

These are the numbers the trainer logs every ``eval_steps`` and ``results.json`` records before
(``baseline``) and after training: ``dev_mse`` (×100, lower is better) and ``dev_translation_accuracy``
(how often a sentence's nearest neighbour on the other side is its translation, mean of both directions).
The dev pairs are a held-out split of the training data, not a test set.
"""

from __future__ import annotations

__all__ = ["dev_evaluator", "dev_metrics"]


def dev_evaluator(dev, teacher):
    """MSE against the teacher + translation accuracy, on the held-out dev pairs (not a test set).

    ``teacher`` is a :class:`kit.teacher.Teacher` (its cached labels are the MSE targets; ``MSEEvaluator``
    calls only its ``encode``).
    """
    from sentence_transformers.sentence_transformer.evaluation import (
        MSEEvaluator,
        SequentialEvaluator,
        TranslationEvaluator,
    )

    english, other = dev["english"], dev["non_english"]
    return SequentialEvaluator(
        [
            MSEEvaluator(english, other, teacher_model=teacher, name="dev", batch_size=64),
            TranslationEvaluator(english, other, name="dev", batch_size=64),
        ]
    )


def dev_metrics(evaluator, model) -> dict[str, float]:
    """Flatten a dev evaluation into ``dev_mse`` (×100) and ``dev_translation_accuracy`` (mean of both ways)."""
    raw = evaluator(model)
    return {
        "dev_mse": -raw["dev_negative_mse"],
        "dev_translation_accuracy": (raw["dev_src2trg_accuracy"] + raw["dev_trg2src_accuracy"]) / 2,
    }
