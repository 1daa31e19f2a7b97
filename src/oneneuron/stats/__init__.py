"""Statistics of a fitted neuron: inference results, fit-time covariance, separation.

The estimator keeps no reference to X, so what inference needs is computed at
the end of ``fit`` (:func:`compute_inference`) and kept as an
:class:`InferenceResult`, which makes the tables (:mod:`oneneuron.stats.inference`).

=========================  ==========================================================
``InferenceResult``        coefficients, covariance, likelihood statistics; tables
``compute_inference``      fit-time statistics, separation check, covariance
``HessianRecorder``        remembers Newton's last Hessian, so inference can reuse it
``format_summary``         the coefficient table as text
``summary_table``          the coefficient table as a DataFrame
=========================  ==========================================================
"""

from __future__ import annotations

from ._fit import HessianRecorder, compute_inference
from .inference import (
    COLUMNS,
    InferenceResult,
    InferenceUnavailableError,
    format_summary,
    summary_table,
)

__all__ = [
    "COLUMNS",
    "HessianRecorder",
    "InferenceResult",
    "InferenceUnavailableError",
    "compute_inference",
    "format_summary",
    "summary_table",
]
