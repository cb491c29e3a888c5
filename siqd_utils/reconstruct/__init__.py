"""Reconstruct the SiQD ensemble from first principles, and featurize anyone's SiQDs.

Public entry points: :func:`featurize` and :func:`featurize_xyz` (features of any
H-passivated Si cluster), :func:`facet_analysis` (its facet families and fractions),
:func:`featurize_files` (a table from structure files), :func:`enumerate_cuts` (the
structures), and the command line ``python -m siqd_utils.reconstruct {build,featurize,choices}``.
"""

from .cuts import Cut, enumerate_cuts
from .facets import FACET_METHODS, FacetAnalysis, FacetEstimateWarning, facet_analysis, shape_name
from .features import DEFAULT_DIAMETER, DIAMETERS, FEATURE_NAMES, StructureError, analyse, featurize, featurize_xyz
from .featurize_table import FeaturizeError, featurize_files
from .lattice import passivate

__all__ = ["Cut", "DEFAULT_DIAMETER", "DIAMETERS", "FACET_METHODS", "FEATURE_NAMES", "FacetAnalysis",
           "FacetEstimateWarning", "FeaturizeError", "StructureError", "analyse", "enumerate_cuts", "facet_analysis", "featurize",
           "featurize_files", "featurize_xyz", "passivate", "shape_name"]
