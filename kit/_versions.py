"""The versions of the stack, recorded in every results file (training runs and evaluations alike).

>>> from kit._versions import versions
>>> {"kit", "torch", "sentence_transformers"} <= set(versions())
True
"""

from __future__ import annotations

import os
import platform


def versions() -> dict[str, str]:
    """Versions of the stack that produced a result, and the machine it ran on."""
    import datasets
    import numpy
    import pandas
    import sentence_transformers
    import torch
    import transformers

    import kit

    return {
        "kit": kit.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "datasets": datasets.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "platform": platform.platform(),
        "cpu_count": str(os.cpu_count()),
        "cuda": torch.version.cuda or "none",
    }
