"""Estimator methods for the statistics beyond Wald: robust covariance at fit time,
offsets, prediction intervals, Wald tests.

:class:`StatisticsMixin` is mixed into ``NeuronClassifier`` next to the
inference mixin; it reads the estimator's parameters as ``self.<name>``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted

from ._effects import logit_interval
from ._hypothesis import TestResult, wald_test
from ._robust import check_cov_type, encode_clusters, sandwich

#: Rows per block when :meth:`StatisticsMixin.predict_interval` forms the design.
INTERVAL_BLOCK_ROWS = 65_536


def check_offset(offset: Any, n_samples: int, n_classes: int | None = None) -> NDArray | None:
    """``offset`` as a finite float64 vector of one value per row (None stays None)."""
    if offset is None:
        return None
    if n_classes is not None and n_classes > 2:
        raise ValueError(f"offset is supported for binary models only; y has {n_classes} classes")
    off = np.asarray(offset, dtype=np.float64)
    if off.ndim != 1 or off.shape[0] != n_samples:
        raise ValueError(f"offset must be one value per row ({n_samples} rows), got {off.shape}")
    if not np.all(np.isfinite(off)):
        raise ValueError("offset must be finite (no NaN or infinity)")
    return off


def null_log_likelihood_with_offset(
    y01: NDArray[np.float64], s: NDArray[np.float64], offset: NDArray[np.float64]
) -> float:
    """Log-likelihood of the intercept-plus-offset model (Newton in one variable).

    Exact to rounding: the intercept's score ``sum s (y - sigmoid(b + offset))``
    is monotone in ``b``, solved by safeguarded Newton.
    """
    from ..functions import sigmoid, softplus

    S = float(np.sum(s))
    ybar = float(np.sum(s * y01)) / S
    b = float(np.log(ybar / (1 - ybar))) - float(np.sum(s * offset)) / S
    for _ in range(100):
        p = sigmoid(b + offset)
        g = float(np.sum(s * (y01 - p)))
        h = float(np.sum(s * p * (1 - p)))
        step = g / h
        b += float(np.clip(step, -5.0, 5.0))
        if abs(step) < 1e-14 * max(1.0, abs(b)):
            break
    z = b + offset
    return -float(np.sum(s * (softplus(z) - y01 * z)))


class StatisticsMixin:
    """``cov_type`` at fit time, offsets, :meth:`predict_interval` and :meth:`wald_test`."""

    # ------------------------------------------------------------- fit time
    def _check_statistics_options(self, n_classes: int, cluster: Any, offset: Any) -> None:
        check_cov_type(self.cov_type, n_classes=n_classes, alpha=float(self.alpha), cluster=cluster)
        if self.cov_type != "nonrobust" and self.inference is False:
            raise ValueError(
                f"cov_type={self.cov_type!r} needs the covariance; it cannot be combined "
                "with inference=False"
            )

    def _inference_mode(self) -> Any:
        """A robust ``cov_type`` forces the Hessian pass that ``"auto"`` might skip."""
        return True if self.cov_type != "nonrobust" else self.inference

    def _robust_covariance(self, engine: Any, cluster: Any) -> None:
        """Replace ``inference_.cov`` by the ``cov_type`` sandwich (one more pass)."""
        res = self.inference_
        res.cov_type = self.cov_type
        if self.cov_type == "nonrobust" or res.cov is None:
            return
        groups, n_groups = (None, 0)
        if cluster is not None:
            groups, n_groups = encode_clusters(cluster, engine.n_samples)
            res.extra["n_clusters"] = n_groups
        W = np.asarray(self.coef_, dtype=np.float64)
        b = np.asarray(self.intercept_, dtype=np.float64)
        res.cov = sandwich(
            engine,
            W,
            b,
            res.cov,
            cov_type=self.cov_type,
            fit_intercept=self.fit_intercept,
            nobs=res.nobs,
            groups=groups,
            n_groups=n_groups,
        )

    def _prediction_offset(self, offset: Any, n_samples: int) -> NDArray | None:
        """The offset for prediction: required exactly when the fit had one."""
        check_is_fitted(self)
        fitted_with = getattr(self, "offset_fitted_", False)
        if fitted_with and offset is None:
            raise ValueError(
                "this model was fitted with an offset; pass offset= (one value per row) to predict"
            )
        if not fitted_with and offset is not None:
            raise ValueError(
                "this model was fitted without an offset; offset= applies only to models "
                "fitted with fit(..., offset=...)"
            )
        return check_offset(offset, n_samples)

    def _scaled_out_offset(self, offset: Any) -> None:
        """Torch/CuPy/Dask prediction has no offset: refuse one, and models that need one."""
        check_is_fitted(self)
        if offset is not None or getattr(self, "offset_fitted_", False):
            raise ValueError(
                "offsets are supported on NumPy/SciPy/pandas input only; predict this model "
                "on a NumPy array with offset="
            )

    # ----------------------------------------------------------- intervals
    def predict_interval(self, X: Any, level: float = 0.95, *, offset: Any = None) -> pd.DataFrame:
        """Probability of ``classes_[1]`` with a confidence interval, per row.

        Delta method on the logit scale: ``se_logit = sqrt(x~.T V x~)`` with
        ``V`` the fit's covariance (its ``cov_type``), interval
        ``sigmoid(z -/+ q * se_logit)``, ``q = Phi^-1((1 + level) / 2)``; as
        statsmodels' ``GLM.get_prediction`` and R's ``predict(se.fit=TRUE)``.
        The interval is for the *mean* response (the probability), not for a
        new label.

        Binary models only: with K > 2 classes this raises (a per-class
        interval of softmax probabilities is not defined by a logit-scale
        transform).

        Parameters
        ----------
        X : array_like or sparse CSR matrix, shape (n, d)
            NumPy/SciPy/pandas input.
        level : float, default=0.95
            Coverage, in (0, 1).
        offset : array_like of shape (n,), optional
            Required exactly when the model was fitted with one.

        Returns
        -------
        pandas.DataFrame
            Columns ``proba``, ``se_logit``, ``ci_low``, ``ci_high``; X's index
            when X is a DataFrame.

        Examples
        --------
        >>> from oneneuron import NeuronClassifier
        >>> from oneneuron.datasets import load_exam_scores
        >>> X, y, names = load_exam_scores()
        >>> clf = NeuronClassifier().fit(X, y)
        >>> clf.predict_interval([[45, 85]]).round(3)
           proba  se_logit  ci_low  ci_high
        0  0.776     0.475   0.577    0.898
        """
        check_is_fitted(self, "inference_")
        if len(self.classes_) > 2:
            raise ValueError(
                f"predict_interval is defined for binary models; this one has "
                f"{len(self.classes_)} classes (use predict_proba)"
            )
        res = self.inference_
        res.check_available()
        index = X.index if isinstance(X, pd.DataFrame) else None
        Xv = self._validate_predict(X)
        n = Xv.shape[0]
        off = self._prediction_offset(offset, n)
        W = np.asarray(self.coef_, dtype=np.float64)
        b = np.asarray(self.intercept_, dtype=np.float64)
        parts = []
        for start in range(0, n, INTERVAL_BLOCK_ROWS):
            sl = slice(start, min(start + INTERVAL_BLOCK_ROWS, n))
            Xb = Xv[sl]
            Xd = np.asarray(Xb.todense() if hasattr(Xb, "todense") else Xb, dtype=np.float64)
            z = Xd @ W[0] + b[0] + (0.0 if off is None else off[sl])
            Xt = np.column_stack([np.ones(len(z)), Xd]) if self.fit_intercept else Xd
            parts.append(logit_interval(Xt, z, res.cov, level))
        out = pd.concat(parts, ignore_index=True)
        if index is not None:
            out.index = index
        return out

    # --------------------------------------------------------------- tests
    def wald_test(self, hypothesis: str) -> TestResult:
        """Wald test of linear restrictions on the terms; see :func:`oneneuron.wald_test`.

        Examples
        --------
        >>> from oneneuron import NeuronClassifier
        >>> from oneneuron.datasets import load_exam_scores
        >>> X, y, names = load_exam_scores()
        >>> NeuronClassifier().fit(X, y).wald_test("x0 = 0, x1 = 0").df
        2
        """
        check_is_fitted(self, "inference_")
        return wald_test(self.inference_, hypothesis)
