"""The one setting that names the repository (pyproject.toml) and the notebooks' copies of it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from kit.errors import KitError


def _pyproject() -> Path:
    return Path(__file__).resolve().parents[2] / "pyproject.toml"


def repository_url() -> str:
    """The repository's address: ``[project.urls] Repository`` of pyproject.toml (of the installed package's
    metadata when there is no pyproject.toml beside the kit)."""
    path = _pyproject()
    if path.is_file():
        found = re.search(r'^Repository\s*=\s*"([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            return found.group(1).rstrip("/")
    from importlib.metadata import metadata

    for entry in metadata("polyglot-distill").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip().rstrip("/")
    raise KitError("the package metadata names no Repository URL")


_COLAB = re.compile(r"https://colab\.research\.google\.com/github/[^/\s)]+/[^/\s)]+/blob/")
_INSTALL = re.compile(r"git\+https?://[^\s\"')>\\]+")


def sync_repository_url(root: str | os.PathLike | None = None) -> list[Path]:
    """Rewrite the Colab badges and ``git+`` install URLs of the notebooks and the README to :func:`repository_url`
    (run after changing it in pyproject.toml: ``python -m kit.lessons sync-url``). Returns the files changed."""
    root = Path(root) if root else _pyproject().parent
    url = repository_url()
    owner_repo = url.split("github.com/", 1)[-1]
    changed = []
    for path in [root / "README.md", *sorted((root / "notebooks").rglob("*.ipynb"))]:
        text = path.read_text(encoding="utf-8")
        new = _COLAB.sub(f"https://colab.research.google.com/github/{owner_repo}/blob/", text)
        new = _INSTALL.sub(f"git+{url}", new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed
