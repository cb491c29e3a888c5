"""Reconstruct the SiQD ensemble from first principles.

Public entry points: :func:`featurize` and :func:`featurize_xyz` (features of any
H-passivated Si cluster), :func:`enumerate_cuts` (the structures), and the command
line ``python -m siqd_utils.reconstruct --out DIR``.
"""

from .cuts import Cut, enumerate_cuts, shape_name
from .features import FEATURE_NAMES, featurize, featurize_xyz
from .lattice import passivate

__all__ = ["Cut", "FEATURE_NAMES", "enumerate_cuts", "featurize", "featurize_xyz", "passivate", "shape_name"]
