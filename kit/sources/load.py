"""Loading by name: :func:`load_model` (local folder → offline pack → hub) and :func:`load_encoder` (loaded now)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from kit.errors import ModelNotAvailableError
from kit.sources.encoders import Encoder, SentenceTransformerEncoder, as_encoder
from kit.sources.hub import _from_hub, _HubError
from kit.sources.registry import _known_names, _missing_modules, get_spec

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["check_model_folder", "check_model_name", "load_encoder", "load_model"]

logger = logging.getLogger(__name__)


#: The files a transformers folder may hold its weights in (any one of them).
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


def _json_problem(path: Path) -> str | None:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return f"{path} is not UTF-8 text"
    except ValueError as err:
        return f"{path} is not valid JSON ({err})"
    return None


def _transformer_problem(folder: Path) -> str | None:
    config = folder / "config.json"
    if not config.is_file():
        return f"{folder} has no config.json"
    problem = _json_problem(config)
    if problem:
        return problem
    weights = [folder / name for name in _WEIGHT_FILES if (folder / name).is_file()]
    if not weights:
        return f"{config} has no weights beside it (expected one of {', '.join(_WEIGHT_FILES)})"
    if weights[0].name == "model.safetensors":
        from kit._io import safetensors_problem

        problem = safetensors_problem(weights[0])
        if problem:
            return f"{folder}/{problem}"
    return None


def check_model_folder(path: str | os.PathLike) -> None:
    """Check a model folder's files before loading it: a broken one raises
    :class:`~kit.errors.ModelNotAvailableError` naming the broken file in one sentence.

    Checked: ``modules.json`` (valid JSON, a list of modules), each module's ``config.json`` (valid JSON) and
    the weights beside it (present, and as long as their header says). Reads only small files and headers.
    """
    path = Path(path).expanduser()
    modules_file = path / "modules.json"
    problem = None
    if modules_file.is_file():
        problem = _json_problem(modules_file)
        if problem is None:
            modules = json.loads(modules_file.read_text(encoding="utf-8"))
            if not isinstance(modules, list) or not all(isinstance(m, dict) and "path" in m for m in modules):
                problem = f"{modules_file} is not a list of modules with a 'path' each"
            else:
                transformers = [m for m in modules if str(m.get("type", "")).endswith("Transformer")]
                for module in transformers:
                    problem = _transformer_problem(path / module["path"])
                    if problem:
                        break
    elif (path / "config.json").is_file():
        problem = _transformer_problem(path)
    else:
        problem = f"{path} is neither a SentenceTransformer folder (modules.json) nor a transformers folder (config.json)"
    if problem:
        raise ModelNotAvailableError(f"cannot load the model folder {path}: {problem}")


def check_model_name(name: str | os.PathLike) -> None:
    """For a name that is a folder, or can only be one: :func:`check_model_folder`, or the error that it is
    missing; registry names and hub ids pass (they are resolved when loaded)."""
    text = os.fspath(name)
    path = Path(text).expanduser()
    if path.is_dir():
        check_model_folder(path)
    elif path.exists():
        raise ModelNotAvailableError(f"{path} is a file; pass the model's folder")
    elif _looks_like_path(text):
        raise ModelNotAvailableError(f"no model folder at {path}")


def _load_folder(path: Path, device: str | None) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    check_model_folder(path)
    if (path / "modules.json").is_file():
        return SentenceTransformer(str(path), device=device, trust_remote_code=False, local_files_only=True)
    if (path / "config.json").is_file():
        try:
            from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
        except ImportError:  # sentence-transformers < 6
            from sentence_transformers.models import Pooling, Transformer

        logger.info("%s is a plain transformers folder: adding mean pooling", path)
        transformer = Transformer(str(path))
        pooling = Pooling(transformer.get_embedding_dimension(), "mean")
        return SentenceTransformer(modules=[transformer, pooling], device=device)
    raise AssertionError(
        "unreachable: check_model_folder accepted a folder without modules.json or config.json"
    )


def _looks_like_path(name: str) -> bool:
    """Names that can only be folders (a hub id is ``org/name``, never ``./x``, ``/x``, ``~/x`` or ``C:\\x``)."""
    return name.startswith((".", "/", "~")) or "\\" in name or (len(name) > 1 and name[1] == ":")


def load_model(name_or_path: str | os.PathLike, *, device: str | None = None) -> SentenceTransformer:
    """Load a SentenceTransformer by folder, registry name (offline pack first) or hub id.

    Args:
        name_or_path: a local folder; a registry name such as ``"all-MiniLM-L6-v2"``,
            ``"sentence-transformers/all-mpnet-base-v2"`` or ``"multilingual-e5-small"`` (see :data:`MODELS`);
            or any Hugging Face hub id.
        device: ``"cpu"``, ``"cuda"``, …; ``None`` lets sentence-transformers choose.

    Raises:
        ModelNotAvailableError: with one line that says what to install or set.

    Example::

        >>> model = load_model("multilingual-e5-small")              # doctest: +SKIP
        >>> model.encode(["Merhaba dünya"]).shape                    # doctest: +SKIP
        (1, 384)
    """
    name = os.fspath(name_or_path)
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelNotAvailableError(f"{path} is a file; pass the model's folder")
        return _load_folder(path, device)
    if _looks_like_path(name):
        raise ModelNotAvailableError(f"no model folder at {path}")

    spec = get_spec(name)
    if spec is not None and spec.kind == "encoder":
        raise ModelNotAvailableError(
            f"{spec.name} is a reference encoder, not a SentenceTransformer: use kit.sources.load_encoder({spec.name!r})"
        )
    if spec is not None and not _missing_modules(spec):
        return _load_folder(spec.loader(), device)

    repo_id = spec.hub_id if spec is not None and spec.hub_id else name
    try:
        return _from_hub(repo_id, device)
    except _HubError as err:
        if spec is not None:
            raise ModelNotAvailableError(
                f"{spec.name}: offline pack not installed, and {err}; install the pack: {spec.install}"
            ) from err.__cause__
        raise ModelNotAvailableError(
            f"unknown model {name!r}: not a local folder, not a registry name ({_known_names()}), and {err}"
        ) from err.__cause__


def load_encoder(
    model: str | os.PathLike | SentenceTransformer, *, name: str | None = None, device: str | None = None
) -> Encoder:
    """:func:`~kit.sources.encoders.as_encoder`, loaded now: a missing pack or model fails here, not at the first call.

    Args:
        model: a registry name (``"use-multilingual"``, ``"all-MiniLM-L6-v2"``), folder or hub id, or a
            ``SentenceTransformer`` object (wrapped as it is).
        name: the encoder's ``name`` (default: the registry name, or the string given).
        device: passed to :func:`load_model`.

    Raises:
        ModelNotAvailableError: unknown name (the message lists the known ones) or missing pack.

    Example::

        >>> encoder = load_encoder("use-multilingual")               # doctest: +SKIP
        >>> encoder.name, encoder.dim                                # doctest: +SKIP
        ('use-multilingual', 512)
    """
    if isinstance(model, str | os.PathLike):
        spec = get_spec(os.fspath(model))
        name = name or (spec.name if spec else os.fspath(model))
    encoder = as_encoder(model, name=name, device=device)
    if isinstance(encoder, SentenceTransformerEncoder):
        encoder.model  # noqa: B018 - loads it now
    return encoder
