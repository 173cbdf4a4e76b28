"""The kit's environment: where it reads data, where it keeps its caches, and whether it may use the network.

Three environment variables steer everything, so that notebooks, the CLI and the tests agree:

- ``KIT_DATA_DIR``: the data directory (default: ``data/`` of the repository checkout, or
  ``~/.local/share/polyglot-distill`` when the kit is installed without one). The tests and ``make`` point it
  at a read-only mirror such as ``../shared/data``.
- ``KIT_CACHE_DIR``: converted models, teacher labels and evaluation embeddings (default: the user's cache
  directory, e.g. ``~/.cache/polyglot-distill``).
- ``KIT_OFFLINE``: the one offline rule of every source (models, data files, hub data sets), see
  :func:`offline_setting`: ``1`` means offline, ``0`` allows the network even when ``HF_HUB_OFFLINE=1``;
  unset, huggingface_hub's own offline mode (``HF_HUB_OFFLINE``) decides.

Example::

    >>> from kit.config import data_dir, cache_dir
    >>> data_dir().name  # doctest: +SKIP
    'data'
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from kit._io import can_connect

__all__ = [
    "APP_NAME",
    "cache_dir",
    "cpu_has_native_bf16",
    "data_dir",
    "hub_endpoint",
    "hub_offline_mode",
    "is_online",
    "offline_reason",
    "offline_setting",
]

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


# ------------------------------------------------------------------------------------------- offline

_TRUE = {"1", "true", "yes", "on"}
_PROBE_TTL_S = 300.0
# (host, port) → (when probed, reachable): the one host-probe cache of the kit.
_PROBES: dict[tuple[str, int], tuple[float, bool]] = {}


def offline_setting() -> str | None:
    """The setting that puts the kit offline (``"KIT_OFFLINE=1"``, ...), or ``None`` when the network may be used.

    ``KIT_OFFLINE`` decides when it is set: ``1``/``true``/``yes``/``on`` → offline, anything else (``0``) →
    online, even when ``HF_HUB_OFFLINE=1``. Unset, huggingface_hub's own offline mode decides:
    ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) in the environment, or
    ``huggingface_hub.constants.HF_HUB_OFFLINE``.

    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"KIT_OFFLINE": "1"}):
    ...     offline_setting()
    'KIT_OFFLINE=1'
    >>> with mock.patch.dict("os.environ", {"KIT_OFFLINE": "0", "HF_HUB_OFFLINE": "1"}):
    ...     offline_setting() is None
    True
    """
    kit = os.environ.get("KIT_OFFLINE", "").strip()
    if kit:
        return f"KIT_OFFLINE={kit}" if kit.lower() in _TRUE else None
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        value = os.environ.get(var, "").strip()
        if value.lower() in _TRUE:
            return f"{var}={value}"
    import huggingface_hub.constants as hub_constants

    return "huggingface_hub offline mode (HF_HUB_OFFLINE)" if hub_constants.HF_HUB_OFFLINE else None


def hub_endpoint() -> str:
    """The Hugging Face hub's URL: ``$HF_ENDPOINT``, else ``https://huggingface.co``."""
    return os.environ.get("HF_ENDPOINT") or "https://huggingface.co"


def _reachable(host: str, port: int, timeout: float) -> bool:
    """Can ``host:port`` be reached? Remembered for five minutes; assumed yes behind a proxy (a direct probe
    says nothing about what the proxy reaches)."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    key, now = (host, port), time.monotonic()
    cached = _PROBES.get(key)
    if cached is None or now - cached[0] > _PROBE_TTL_S:
        cached = (now, can_connect(host, port, timeout))
        _PROBES[key] = cached
    return cached[1]


def offline_reason(url: str | None = None, timeout: float = 2.0) -> str | None:
    """Why ``url`` (default: the hub) cannot be fetched now, or ``None`` when it can.

    The reason is :func:`offline_setting`, else an unreachable host (``"<host> is unreachable"``; one quick
    TCP probe, at most ``timeout`` seconds, remembered for five minutes). ``file://`` URLs are always reachable.

    >>> offline_reason("file:///tmp/mirror") is None
    True
    """
    parsed = urllib.parse.urlparse(url or hub_endpoint())
    if parsed.scheme == "file":
        return None
    setting = offline_setting()
    if setting:
        return setting
    host = parsed.hostname or ""
    port = parsed.port or (80 if parsed.scheme == "http" else 443)
    return None if _reachable(host, port, timeout) else f"{host} is unreachable"


def is_online(url: str | None = None, timeout: float = 2.0) -> bool:
    """Whether ``url`` (default: the hub) can be fetched now: no offline setting and its host answers.

    >>> isinstance(is_online(), bool)
    True
    """
    return offline_reason(url, timeout) is None


@contextlib.contextmanager
def hub_offline_mode(timeout: float = 3.0) -> Iterator[str | None]:
    """Run hub code (``datasets``, ``huggingface_hub``, transformers) under the kit's offline rule.

    Yields :func:`offline_reason` for the hub. Meanwhile the libraries' own offline flags follow it: on when
    the kit is offline or the hub unreachable (a cached copy is still used, and a missing one fails at once
    instead of after several retries), off when ``KIT_OFFLINE=0`` allows the network; restored afterwards.

    >>> with hub_offline_mode() as reason:  # doctest: +SKIP
    ...     reason
    'HF_HUB_OFFLINE=1'
    """
    import huggingface_hub.constants as hub_constants

    reason = offline_reason(hub_endpoint(), timeout)
    allowed = os.environ.get("KIT_OFFLINE", "").strip() and not reason
    if not reason and not allowed:  # nothing to change: the libraries' own settings already say online
        yield None
        return
    # datasets copies the flag when it is imported; one imported later reads the value set here.
    datasets_config = sys.modules.get("datasets.config")
    saved = (hub_constants.HF_HUB_OFFLINE, getattr(datasets_config, "HF_HUB_OFFLINE", None))
    hub_constants.HF_HUB_OFFLINE = bool(reason)
    if datasets_config is not None:
        datasets_config.HF_HUB_OFFLINE = bool(reason)
    try:
        yield reason
    finally:
        hub_constants.HF_HUB_OFFLINE = saved[0]
        if datasets_config is not None:
            datasets_config.HF_HUB_OFFLINE = saved[1]
