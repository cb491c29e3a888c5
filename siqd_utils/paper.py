"""The study's reported numbers (Parker & Barnard 2021), read from ``paper_results.yml``."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

__all__ = ["load_paper_results"]


@lru_cache(maxsize=1)
def _cached() -> dict:
    text = resources.files("siqd_utils").joinpath("paper_results.yml").read_text()
    return yaml.safe_load(text)


def load_paper_results() -> dict:
    """Return the paper's numbers as a nested dict (a fresh copy each call)."""
    import copy

    return copy.deepcopy(_cached())
