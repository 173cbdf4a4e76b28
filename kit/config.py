"""Where the kit reads data and keeps its caches.

Two environment variables steer everything, so that notebooks, the CLI and the tests agree:

- ``KIT_DATA_DIR``: the data directory (default: ``data/`` of the repository checkout, or
  ``~/.local/share/polyglot-distill`` when the kit is installed without one). The tests and ``make`` point it
  at a read-only mirror such as ``../shared/data``.
- ``KIT_CACHE_DIR``: converted models, teacher labels and evaluation embeddings (default: the user's cache
  directory, e.g. ``~/.cache/polyglot-distill``).

Example::

    >>> from kit.config import data_dir, cache_dir
    >>> data_dir().name  # doctest: +SKIP
    'data'
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "polyglot-distill"
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data directory: ``$KIT_DATA_DIR``, else the checkout's ``data/``, else a per-user folder.

    ``$KIT_DATA_DIR`` is made absolute but not resolved: a data directory reached through a symbolic link is
    shown, and its files named, under the path the user gave.
    """
    env = os.environ.get("KIT_DATA_DIR")
    if env:
        return Path(env).expanduser().absolute()
    in_repo = REPO_ROOT / "data"
    if (REPO_ROOT / "pyproject.toml").exists() and in_repo.is_dir():
        return in_repo
    return Path(platformdirs.user_data_dir(APP_NAME))


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated, slow."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def cache_dir(*parts: str) -> Path:
    """A folder under ``$KIT_CACHE_DIR`` (default: the user's cache dir), created on demand."""
    root = Path(os.environ.get("KIT_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME)).expanduser()
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
