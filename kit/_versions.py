"""The versions of the stack and the machine, recorded in every results file (training runs and evaluations).

Machines of one name differ in kind (an "AMD EPYC" may have native bf16 or only AVX2), and a time budget turns
speed into quality, so the CPU's model numbers and its bf16 support are recorded beside the versions.

>>> from kit._versions import versions
>>> {"kit", "torch", "sentence_transformers"} <= set(versions())
True
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


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
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "torch_threads": str(torch.get_num_threads()),
        **cpu_kind(),
    }


def cpu_kind() -> dict[str, str]:
    """The CPU's model name, family/model numbers and whether it multiplies bf16 natively (Linux; else empty).

    >>> set(cpu_kind()) <= {"cpu_model", "cpu_family_model", "cpu_bf16"}
    True
    """
    from kit.config import cpu_has_native_bf16

    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    vendor = fields.get("vendor_id", "")
    return {
        "cpu_model": fields.get("model name", "unknown"),
        # e.g. AuthenticAMD 25/17 is Zen 4 (AVX512-BF16), GenuineIntel 6/143 Sapphire Rapids (AMX)
        "cpu_family_model": f"{vendor} {fields.get('cpu family', '?')}/{fields.get('model', '?')}",
        "cpu_bf16": "native" if cpu_has_native_bf16() else "emulated (training and labels in float32)",
    }
