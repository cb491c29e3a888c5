"""What the chapters report: metrics files, tables and verdicts.

:mod:`~siqd_utils.report.metrics`
    Each chapter's headline numbers, written to ``<build>/metrics/<chapter>.json`` (schema, atomic writes).
:mod:`~siqd_utils.report.tables`
    The tables the chapters show and export, and the atomic CSV/JSON writers.
:mod:`~siqd_utils.report.verdicts`
    Every threshold and verdict sentence of the book, defined once; the chapters call them.
"""
