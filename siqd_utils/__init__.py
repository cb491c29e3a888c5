"""Utilities for the SiQD book.

Subpackages and modules
-----------------------
reconstruct
    Builds the reconstructed silicon quantum-dot ensemble from first principles
    (lattice cuts, passivation, features, tight-binding gaps, Stokes shift).
data
    Loads and validates the shipped ensemble (or a user's CSV).
ils
    Iterative Label Spreading (clustering with an automatic cluster count).
bands, preprocessing, models, plots, metrics
    The study's colour bands, feature pipeline, neural-network searches and figures.
book
    The command-line runner that executes the chapters and builds the book.
"""

__version__ = "0.1.0"
