"""The Hugging Face hub as a model source, under the kit's offline rule (:mod:`kit.config`), with one-line errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kit.config import hub_offline_mode
from kit.errors import KitError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:160]}{'…' if len(text) > 160 else ''}"


class _HubError(Exception):
    """Loading from the hub failed; ``str()`` is one clause for the caller's one-line message."""


def _from_hub(repo_id: str, device: str | None) -> SentenceTransformer:
    """``SentenceTransformer(repo_id)``; when offline, only from the local Hugging Face cache (so it fails fast)."""
    from sentence_transformers import SentenceTransformer

    with hub_offline_mode() as offline:
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
