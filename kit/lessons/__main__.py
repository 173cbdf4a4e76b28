"""python -m kit.lessons sync-url: rewrite the notebooks' and README's copies of the repository URL."""

import sys

from kit.lessons.repository import sync_repository_url

if sys.argv[1:] != ["sync-url"]:
    raise SystemExit("usage: python -m kit.lessons sync-url")
for changed_path in sync_repository_url():
    print("rewrote", changed_path)
