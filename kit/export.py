"""Export a distilled student for fast CPU inference: ONNX (fp32 or int8) or a plain sentence-transformers folder.

::

    python -m kit export runs/demo/model --format onnx-int8 --out runs/demo/model-int8
    python -m kit export runs/static/model --format sentence-transformers --out runs/static/export

The ONNX folder is the student's sentence-transformers folder with its transformer replaced by an ONNX Runtime
session (``onnx/model.onnx``, or ``onnx/model_qint8_avx2.onnx`` for int8: dynamic quantisation, int8 weights,
activations quantised at run time). It loads with::

    SentenceTransformer(path, backend="onnx", trust_remote_code=True)   # or kit.export.load_exported(path)

``trust_remote_code=True`` because the first module is the kit's :class:`OnnxTransformer`: sentence-transformers'
own ONNX backend goes through ``optimum-onnx``, whose only release (0.1.0) requires ``transformers<4.58`` while
the kit pins transformers 5; exporting with ``torch.onnx`` (dynamo, ``onnxscript``) and running with ``onnxruntime`` needs neither.
``model_kwargs={"file_name": ...}`` picks another ``.onnx`` file in the folder, as with the library's backend.

A static student needs no export: it already is a plain sentence-transformers folder of a token table and a
tokenizer (``--format sentence-transformers`` re-saves it, e.g. after loading from a run's checkpoint).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules.input_module import InputModule

from kit.errors import KitError

logger = logging.getLogger(__name__)

FORMATS = ("onnx", "onnx-int8", "sentence-transformers")
INSTALL = "pip install 'polyglot-distill[export]' (or: pip install onnx==1.23.2 onnxruntime==1.32.0 onnxscript==0.7.2)"
INT8_FILE = "onnx/model_qint8_avx2.onnx"
FP32_FILE = "onnx/model.onnx"


class ExportError(KitError, ValueError):
    """An export that cannot be written: unknown format, missing backend package, unsupported model."""


def _require_onnx(
    modules: tuple[str, ...] = ("onnx", "onnxruntime", "onnxscript"), what: str = "ONNX export"
) -> None:
    missing = [name for name in modules if _missing(name)]
    if missing:
        raise ExportError(f"{what} needs {', '.join(missing)} (not installed): {INSTALL}")


def _missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


class _LastHiddenState(torch.nn.Module):
    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def export(
    model: str | os.PathLike | SentenceTransformer, out: str | os.PathLike, fmt: str = "onnx-int8"
) -> Path:
    """Write ``model`` (a folder, a registry name or a SentenceTransformer) to ``out`` in format ``fmt``.

    Raises:
        ExportError: an unknown format, a missing backend package (the message says what to install), or an
            ONNX export of a model whose first module is not a transformer (a static student).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt != "sentence-transformers":
        _require_onnx()
    if not isinstance(model, SentenceTransformer):
        from kit.sources import load_model

        model = load_model(model, device="cpu")
    out = Path(out)
    if fmt == "sentence-transformers":
        model.save(str(out))
        return out
    first = model[0]
    if type(first).__name__ != "Transformer":
        raise ExportError(
            f"ONNX export wants a transformer student; this model starts with {type(first).__name__} "
            "(a static student is already fast on a CPU: --format sentence-transformers)"
        )
    model.save(str(out))
    for weights in ("model.safetensors", "pytorch_model.bin"):  # the ONNX file replaces the torch weights
        (out / weights).unlink(missing_ok=True)
    (out / "onnx").mkdir(exist_ok=True)
    _export_onnx(first, out / FP32_FILE)
    file_name = FP32_FILE
    if fmt == "onnx-int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # int8 weights, one scale per output channel. Per-tensor scales lost accuracy (MiniLM, cosine to PyTorch:
        # mean 0.955 signed per-tensor, 0.992 per-channel); signed weights are ONNX Runtime's fast path on CPUs
        # with VNNI (Zen 4, Xeon since Cascade Lake): the make-demo student at batch 32 on 2 threads ran 2.02x
        # PyTorch with signed and 1.26x with unsigned weights, both at cosine 0.998 to PyTorch (bench/README.md).
        quantize_dynamic(
            str(out / FP32_FILE), str(out / INT8_FILE), weight_type=QuantType.QInt8, per_channel=True
        )
        (out / FP32_FILE).unlink()
        file_name = INT8_FILE
    modules = json.loads((out / "modules.json").read_text(encoding="utf-8"))
    modules[0]["type"] = f"{OnnxTransformer.__module__}.{OnnxTransformer.__name__}"
    (out / "modules.json").write_text(json.dumps(modules, indent=2), encoding="utf-8")
    config = {"file_name": file_name, "max_seq_length": first.max_seq_length}
    (out / OnnxTransformer.config_file_name).write_text(json.dumps(config, indent=2), encoding="utf-8")
    logger.info("Exported %s (%.0f MB)", out / file_name, (out / file_name).stat().st_size / 2**20)
    return out


@torch.no_grad()
def _export_onnx(transformer, path: Path) -> None:
    """torch.onnx's dynamo exporter (the TorchScript one, ``dynamo=False``, mis-traces transformers 5's
    attention masks: outputs off by >1.0 on the very inputs it traced)."""
    network = _LastHiddenState(transformer.auto_model.eval().float()).eval()
    sample = transformer.tokenizer(
        ["a short sentence", "a second, somewhat longer sentence"], padding=True, return_tensors="pt"
    )
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")
    torch.onnx.export(
        network,
        (sample["input_ids"], sample["attention_mask"]),
        str(path),
        dynamo=True,
        input_names=["input_ids", "attention_mask"],
        output_names=["token_embeddings"],
        dynamic_shapes={"input_ids": {0: batch, 1: sequence}, "attention_mask": {0: batch, 1: sequence}},
        external_data=False,
        verbose=False,
    )


def load_exported(
    path: str | os.PathLike, *, threads: int | None = None, **kwargs: Any
) -> SentenceTransformer:
    """Load a folder :func:`export` wrote (``threads``: ONNX Runtime's intra-op threads, default torch's)."""
    model = SentenceTransformer(str(path), backend="onnx", trust_remote_code=True, device="cpu", **kwargs)
    if threads is not None:
        model[0].set_threads(threads)
    return model


class OnnxTransformer(InputModule):
    """A sentence-transformers input module that runs an exported transformer with ONNX Runtime.

    Outputs ``token_embeddings`` and ``attention_mask`` like ``Transformer``, so the saved ``Pooling`` (and
    ``Dense`` / ``Normalize``) modules that follow it are unchanged.
    """

    config_file_name = "onnx_config.json"
    config_keys: ClassVar[list[str]] = ["file_name", "max_seq_length"]

    def __init__(
        self, folder: str, file_name: str = FP32_FILE, max_seq_length: int | None = None, threads=None
    ):
        super().__init__()
        _require_onnx(("onnxruntime",), "an exported ONNX model")
        from transformers import AutoTokenizer

        self.folder = str(folder)
        self.file_name = file_name
        self.max_seq_length = max_seq_length
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder)
        self.set_threads(threads or torch.get_num_threads())

    def set_threads(self, threads: int) -> None:
        """(Re)create the ONNX Runtime session with ``threads`` intra-op threads."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        path = str(Path(self.folder) / self.file_name)
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.threads = threads

    def preprocess(self, inputs, prompt: str | None = None, **kwargs) -> dict[str, torch.Tensor]:
        texts = self._prepend_prompt(list(inputs), prompt) if prompt else list(inputs)
        return dict(
            self.tokenizer(
                texts, padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="pt"
            )
        )

    def forward(self, features: dict[str, torch.Tensor], **kwargs) -> dict[str, torch.Tensor]:
        feeds = {
            name: features[name].cpu().numpy().astype(np.int64) for name in ("input_ids", "attention_mask")
        }
        (hidden,) = self.session.run(None, feeds)
        features["token_embeddings"] = torch.from_numpy(hidden)
        return features

    def get_embedding_dimension(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])

    def save(self, output_path: str, *args, **kwargs) -> None:
        target = Path(output_path) / self.file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = Path(self.folder) / self.file_name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        self.tokenizer.save_pretrained(output_path)
        self.save_config(output_path)

    @classmethod
    def load(cls, model_name_or_path: str, subfolder: str = "", model_kwargs: dict | None = None, **kwargs):
        folder = Path(model_name_or_path) / subfolder
        if not folder.is_dir():
            raise ExportError(f"{folder}: an exported ONNX model loads from a local folder")
        config = json.loads((folder / cls.config_file_name).read_text(encoding="utf-8"))
        options = dict(model_kwargs or {})
        file_name = options.get("file_name", config["file_name"])
        if not (folder / file_name).is_file():
            found = sorted(p.relative_to(folder).as_posix() for p in folder.glob("**/*.onnx"))
            raise ExportError(f"{folder} has no {file_name}; its ONNX files: {', '.join(found) or 'none'}")
        return cls(str(folder), file_name=file_name, max_seq_length=config.get("max_seq_length"))
