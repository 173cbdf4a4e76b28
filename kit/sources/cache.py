"""The converted-model cache: a folder per model under ``cache_dir("models")``, built once, verified on load.

:func:`_cached_build` builds into a temporary folder that replaces the old one only when complete, with a
manifest (:data:`MANIFEST`) of SHA-256 sums of its files and of the source files it was built from;
:func:`_verify_cache` checks it before every use, so that a damaged cache is rebuilt, never used.
Bump :data:`CACHE_FORMAT` when a converter's output changes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kit import __version__
from kit._io import atomic_dir, file_lock, sha256_file, write_json
from kit.config import cache_dir
from kit.errors import CacheCorruptError

__all__ = ["CACHE_FORMAT", "MANIFEST"]

logger = logging.getLogger(__name__)

MANIFEST = "kit-manifest.json"
# Bump when a converter's output changes; a cache built by another format is rebuilt.
CACHE_FORMAT = 1


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
