"""The Hugging Face hub as a model source: offline settings, a quick reachability probe, one-line errors."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from kit._io import can_connect
from kit.errors import KitError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


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
