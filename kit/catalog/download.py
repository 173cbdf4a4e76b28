"""Getting a file: the data directory first, else a checked, atomic download when the network allows it.

:func:`data_path` is the one way the kit reaches a data file. Whether the network may be used is the kit's
one offline rule, :func:`kit.config.offline_reason`.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable
from pathlib import Path

from kit._io import atomic_write
from kit.catalog.datasets import DataFile, get_dataset
from kit.config import data_dir, offline_reason
from kit.errors import ChecksumMismatchError, DataFormatError, DataNotFoundError

__all__ = ["data_path"]


# -------------------------------------------------------------------------------------- data files


def _mirror_url(f: DataFile) -> str | None:
    base = os.environ.get("KIT_DATA_URL", "").strip()
    if not base:
        return None
    return base.rstrip("/") + "/" + urllib.parse.quote(f.relpath)


def _source_url(f: DataFile) -> str:
    return _mirror_url(f) or f.url


def _missing_message(f: DataFile, why: str) -> str:
    root = data_dir()
    source = _source_url(f)
    if f.member_of and not _mirror_url(f):
        source = f"{source} (member {f.member_of[1]})"
    return (
        f"data file {f.relpath} (data set {f.dataset!r}) is not in the data directory {root} and {why}; "
        f"set KIT_DATA_DIR to a folder that holds {f.relpath}, or put the file at {root / f.relpath} "
        f"(download: {source})"
    )


def data_path(dataset: str, relpath: str, *, download: bool = True) -> Path:
    """The path of a catalog file in the data directory, downloading it first if it is missing.

    ``relpath`` is the file's name within the data set (``"STS.en-de.txt"``) or its path in the data
    directory (``"sts17/STS2017-extended/STS.en-de.txt"``). A missing file is fetched from its public source
    (or ``KIT_DATA_URL``) when the network is reachable, written atomically and checked against the
    catalog's SHA-256; otherwise :class:`~kit.errors.DataNotFoundError` names the file, the data directory,
    ``KIT_DATA_DIR`` and the download URL.

    >>> data_path("sts17", "STS.en-de.txt").name
    'STS.en-de.txt'
    """
    f = get_dataset(dataset).file(relpath)
    target = data_dir() / f.relpath
    if target.is_file():
        return target
    if not download:
        raise DataNotFoundError(_missing_message(f, "download=False was passed"))
    _fetch(f, target)
    return target


def _check(f: DataFile, digest: str, size: int) -> None:
    if not digest.startswith(f.sha256) or size != f.size:
        raise ChecksumMismatchError(
            f"{f.relpath}: the downloaded file has SHA-256 {digest[:12]}… and {size} bytes, the catalog expects "
            f"{f.sha256}… and {f.size} bytes; it was not kept (source: {_source_url(f)})"
        )


def _write_checked(f: DataFile, target: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``target`` atomically; a checksum mismatch leaves nothing behind."""
    digest, size = hashlib.sha256(), 0
    try:
        with atomic_write(target, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            _check(f, digest.hexdigest(), size)
    except PermissionError as err:
        raise _Unavailable(f"cannot be written there ({err.strerror}: {err.filename})") from None


class _Unavailable(Exception):
    """Internal: why a file could not be fetched (becomes a DataNotFoundError naming the requested file)."""


def _fetch(f: DataFile, target: Path) -> None:
    try:
        _fetch_or_explain(f, target)
    except _Unavailable as err:
        raise DataNotFoundError(_missing_message(f, str(err))) from None


def _fetch_or_explain(f: DataFile, target: Path) -> None:
    if f.member_of and not _mirror_url(f):
        archive_name, member = f.member_of
        archive = get_dataset(f.dataset).file(archive_name)
        archive_path = data_dir() / archive.relpath
        if not archive_path.is_file():
            try:
                _fetch_or_explain(archive, archive_path)
            except _Unavailable as err:
                raise _Unavailable(f"neither is its archive {archive.relpath}, which {err}") from None
        _write_checked(f, target, [_read_member(archive_path, member)])
        return
    url = _source_url(f)
    why = offline_reason(url)
    if why:
        raise _Unavailable(f"cannot be downloaded ({why})")
    try:
        response = urllib.request.urlopen(url, timeout=30)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise _Unavailable(f"its download failed ({err})") from None
    with response:
        _write_checked(f, target, iter(lambda: response.read(1 << 20), b""))


def _read_member(archive: Path, member: str) -> bytes:
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                return zf.read(member)
        with tarfile.open(archive, "r:*") as tf:
            handle = tf.extractfile(member)
            if handle is None:
                raise KeyError(member)
            return handle.read()
    except (KeyError, OSError, zipfile.BadZipFile, tarfile.TarError) as err:
        raise DataFormatError(f"{archive}: cannot extract {member} ({err})") from err
