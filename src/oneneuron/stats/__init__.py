"""Statistics of a fitted neuron: inference results, fit-time covariance, separation.

The estimator keeps no reference to X, so what inference needs is computed at
the end of ``fit`` (:func:`compute_inference`) and kept as an
:class:`InferenceResult`, which makes the tables (:mod:`oneneuron.stats.inference`).

===========================  ==========================================================
``InferenceResult``          coefficients, covariance, likelihood statistics; tables
``compute_inference``        fit-time statistics, separation check, covariance
``HessianRecorder``          remembers Newton's last Hessian, so inference can reuse it
``format_summary``           the coefficient table as text
``percent``                  a confidence level as its percentage (99.5%)
``summary_table``            the coefficient table as a DataFrame
``COV_TYPES``                covariance choices: nonrobust, HC0-HC3, cluster (``_robust``)
``lr_test``, ``wald_test``   likelihood-ratio and Wald chi-squared tests (``_hypothesis``)
``wald_terms``               joint Wald test of each term, R's ``car::Anova`` type III
``logit_interval``           delta-method intervals of predicted probabilities (``_effects``)
``margeff_table``            marginal effects with delta-method errors (``_margins``)
``profile_intervals``        profile-likelihood confidence intervals (``_profile``)
``anova``                    sequential analysis of deviance over terms (``_anova``)
``training_rows``            the training rows as the fit used them (its ``missing=``)
``named_columns``            weights, offsets and clusters named as columns of a table
``relaxed_view``             a ``relax=True`` model's refit and X on its kept columns
``separation_fixes``         separation's remedies, with the settings they cannot go with
``diagnostics``              residuals, leverage, Cook's distance (``_diagnostics``)
``goodness_of_fit``          grouped deviance and Pearson tests over covariate patterns
``hosmer_lemeshow``          Hosmer and Lemeshow's statistic over bins of fitted probability
``firth_inference``          Firth's bias-reduced logistic regression (``_firth``)
===========================  ==========================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from ._anova import anova
    from ._diagnostics import diagnostics
    from ._effects import logit_interval, odds_ratio_table
    from ._firth import firth_inference
    from ._fit import (
        HessianRecorder,
        compute_inference,
        named_columns,
        relaxed_view,
        separation_fixes,
        term_names,
        training_rows,
    )
    from ._gof import goodness_of_fit, hosmer_lemeshow
    from ._hypothesis import ChiSquareTest, lr_test, wald_terms, wald_test
    from ._margins import margeff_table
    from ._profile import profile_intervals
    from ._robust import COV_TYPES, check_cov_type
    from .inference import (
        COLUMNS,
        InferenceResult,
        InferenceUnavailableError,
        format_summary,
        percent,
        summary_table,
    )

#: Public names and their modules, imported on first use (SciPy, pandas and scikit-learn load only
#: when a name that needs them is used; the command line's predict needs none).
_LAZY = {
    "anova": "_anova",
    "diagnostics": "_diagnostics",
    "logit_interval": "_effects",
    "odds_ratio_table": "_effects",
    "firth_inference": "_firth",
    "goodness_of_fit": "_gof",
    "hosmer_lemeshow": "_gof",
    "HessianRecorder": "_fit",
    "compute_inference": "_fit",
    "term_names": "_fit",
    "training_rows": "_fit",
    "named_columns": "_fit",
    "relaxed_view": "_fit",
    "separation_fixes": "_fit",
    "ChiSquareTest": "_hypothesis",
    "lr_test": "_hypothesis",
    "wald_test": "_hypothesis",
    "wald_terms": "_hypothesis",
    "margeff_table": "_margins",
    "profile_intervals": "_profile",
    "COV_TYPES": "_robust",
    "check_cov_type": "_robust",
    "COLUMNS": "inference",
    "InferenceResult": "inference",
    "InferenceUnavailableError": "inference",
    "format_summary": "inference",
    "percent": "inference",
    "summary_table": "inference",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "COLUMNS",
    "anova",
    "COV_TYPES",
    "ChiSquareTest",
    "check_cov_type",
    "diagnostics",
    "firth_inference",
    "goodness_of_fit",
    "hosmer_lemeshow",
    "term_names",
    "training_rows",
    "named_columns",
    "relaxed_view",
    "separation_fixes",
    "logit_interval",
    "lr_test",
    "margeff_table",
    "odds_ratio_table",
    "profile_intervals",
    "wald_test",
    "wald_terms",
    "HessianRecorder",
    "InferenceResult",
    "InferenceUnavailableError",
    "compute_inference",
    "format_summary",
    "percent",
    "summary_table",
]
