"""Student construction helpers."""

from __future__ import annotations

import pytest
import torch

from kit.errors import KitError


def _forward(model, texts):
    features = model.tokenize(texts)
    return model(features)["sentence_embedding"]


def test_set_dropout_zero_makes_training_mode_deterministic():
    from kit.sources import load_model
    from kit.student import set_dropout

    model = load_model("all-MiniLM-L6-v2")
    model.train()
    texts = ["The cat sleeps on the sofa.", "Where is the train station?"]
    torch.manual_seed(0)
    with torch.no_grad():
        noisy = _forward(model, texts), _forward(model, texts)
    assert not torch.allclose(*noisy)  # dropout is on in training mode by default
    assert set_dropout(model, 0.0) > 0
    with torch.no_grad():
        clean = _forward(model, texts), _forward(model, texts)
    assert torch.equal(*clean)
    with pytest.raises(KitError, match="dropout must be within"):
        set_dropout(model, 1.0)
