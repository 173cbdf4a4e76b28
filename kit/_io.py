"""Small file helpers shared by the caches: atomic writes and checksums.

Every cache the kit writes (converted models, teacher labels, evaluation embeddings) goes through
:func:`atomic_write` / :func:`atomic_dir`, so an interrupted run never leaves a half-written file that a later
run would trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file beside ``path``; on success rename it over ``path`` (atomic on POSIX)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path`` as a whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_write(path, "w") as handle:
        json.dump(obj, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def file_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the ``with`` block.

    Serialises cache builds between processes that share a cache directory. On platforms without ``fcntl``
    (Windows) it does nothing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def can_connect(host: str, port: int, timeout: float) -> bool:
    """Can a TCP connection to host:port be opened within ``timeout`` seconds (name lookup included)?"""
    result: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    # getaddrinfo ignores socket timeouts, so the attempt runs in a daemon thread we stop waiting for.
    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def output_folder(path: str | os.PathLike, argument: str) -> Path:
    """Create the folder ``path`` (and its parents) and check that files can be written in it.

    Runs before any data or model is loaded, so that a bad output folder costs nothing: an existing file, a
    path under a file or a folder without write permission raises :class:`~kit.errors.KitError` naming
    ``argument`` (``"--out"`` on the command line) and the path.

    >>> import tempfile, pathlib
    >>> folder = output_folder(pathlib.Path(tempfile.mkdtemp()) / "runs" / "a", "--out")
    >>> folder.is_dir()
    True
    """
    from kit.errors import KitError

    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise KitError(f"argument {argument}: {path} is a file, not a folder; pass a folder path")
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise KitError(f"argument {argument}: {path} is under {blocking}, which is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        why = f"{err.strerror}: {err.filename}" if err.strerror and err.filename else str(err)
        raise KitError(
            f"argument {argument}: cannot write in {path} ({why}); pass a folder you can write to"
        ) from None
    return path


def safetensors_problem(path: str | os.PathLike) -> str | None:
    """Why a ``.safetensors`` file cannot be loaded (truncated, bad header), or None; reads only its header.

    A safetensors file is an 8-byte header length, a JSON header of tensor offsets, then the tensor bytes: a
    file cut short by a crash is shorter than its header says.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            length = int.from_bytes(handle.read(8), "little")
            if size < 8 or length > size - 8:
                return f"{path.name} is truncated ({size} bytes)"
            header = json.loads(handle.read(length))
    except (OSError, ValueError) as err:
        return f"{path.name} cannot be read ({err})"
    end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    if size != 8 + length + end:
        return f"{path.name} is truncated ({size} bytes, its header describes {8 + length + end})"
    return None


def torch_file_problem(path: str | os.PathLike) -> str | None:
    """Why a ``torch.save`` file (a zip archive) is damaged, or None; reads only the archive's directory."""
    import zipfile

    path = Path(path)
    if not path.is_file():
        return f"no {path.name}"
    if not zipfile.is_zipfile(path):
        return f"{path.name} is truncated or damaged"
    return None
