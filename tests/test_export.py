"""Export (kit.export): ONNX fp32 / int8 round trips close to the PyTorch student, and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kit.export import ExportError, export

REPO = Path(__file__).resolve().parent.parent
TEXTS = [
    "Where is the train station?",
    "Wo ist der Bahnhof?",
    "The cat sleeps on the sofa all afternoon.",
    "Le chat dort sur le canapé.",
    "İstasyon nerede?",
    "x",
]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


def test_unknown_format_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="unknown export format 'tflite'; choose one of onnx, onnx-int8"):
        export("all-MiniLM-L6-v2", tmp_path / "out", "tflite")


def test_missing_backend_says_what_to_install(tmp_path, monkeypatch):
    import kit.export

    monkeypatch.setattr(kit.export, "_missing", lambda module: module == "onnxruntime")
    with pytest.raises(
        ExportError, match=r"needs onnxruntime \(not installed\): pip install 'polyglot-distill\[export\]'"
    ):
        export("all-MiniLM-L6-v2", tmp_path / "out", "onnx-int8")


def test_cli_prints_one_line_for_a_bad_format(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kit",
            "export",
            "all-MiniLM-L6-v2",
            "--format",
            "tflite",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: unknown export format 'tflite'")


@pytest.fixture(scope="module")
def minilm():
    from kit.sources import load_model

    return load_model("all-MiniLM-L6-v2", device="cpu")


def test_a_static_student_exports_as_a_plain_folder_not_onnx(tmp_path, minilm):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize

    from kit.static import static_from_transformer

    static = SentenceTransformer(modules=[static_from_transformer(minilm), Normalize()], device="cpu")
    pytest.importorskip("onnxruntime")
    with pytest.raises(ExportError, match=r"starts with StaticEmbedding.*--format sentence-transformers"):
        export(static, tmp_path / "onnx", "onnx")
    out = export(static, tmp_path / "plain", "sentence-transformers")
    np.testing.assert_allclose(
        SentenceTransformer(str(out), device="cpu").encode(TEXTS), static.encode(TEXTS), atol=1e-6
    )


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "floor"), [("onnx", 0.9999), ("onnx-int8", 0.97)])
def test_exported_model_loads_with_the_onnx_backend_and_embeds_like_pytorch(tmp_path, minilm, fmt, floor):
    from sentence_transformers import SentenceTransformer

    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    out = export(minilm, tmp_path / fmt, fmt)
    assert not (out / "model.safetensors").exists()  # the ONNX file replaces the torch weights
    onnx = SentenceTransformer(str(out), backend="onnx", trust_remote_code=True, device="cpu")
    assert type(onnx[0]).__name__ == "OnnxTransformer"
    cosines = _cosines(onnx.encode(TEXTS), minilm.encode(TEXTS))
    assert cosines.min() >= floor, cosines
