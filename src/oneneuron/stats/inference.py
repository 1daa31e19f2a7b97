"""Inference for a fitted neuron: standard errors, Wald tests, intervals, likelihood statistics.

The fitted model is read as a logistic regression (one sigmoid neuron) or a
multinomial logit (softmax layer). With ``alpha = 0`` the coefficients are the
maximum-likelihood estimates and their covariance is the inverse of the
observed information, the Hessian of the *summed* negative log-likelihood::

    Cov = H^-1,   H = sum_i s_i * d2 l(y_i, z_i) / d beta^2

``sample_weight`` (times ``class_weight``) acts as **frequency weights**: a row
with weight 3 counts as three identical rows (statsmodels' ``freq_weights``),
so ``nobs = sum_i s_i``. Coefficients, errors, deviances and AIC are R's ``glm`` with
``weights=`` too; R's ``df.residual``, ``df.null`` and ``BIC`` count the rows of
non-zero weight instead (R reads ``weights=`` as prior weights: ``nobs.glm``), so on
a table of counts they are those of R's fit on the table expanded to one row per
count (statsmodels' ``freq_weights`` values). Wald statistics follow: ``z = coef / std_err``,
two-sided ``p_value = 2 * (1 - Phi(|z|))`` and ``coef -/+ Phi^-1((1 + level)/2) * std_err``.

Penalised fits (``alpha > 0``) are labelled ``penalized``: the objective is then
the negative log-posterior under a Gaussian prior ``W' ~ N(0, I / (alpha * nobs))``
on the standardised coefficients, and the covariance is the Laplace
approximation ``(H + alpha * nobs * P)^-1`` (``P`` selects the standardised
weights), so the intervals are approximate Bayesian credible intervals around
a shrunken estimate, not confidence intervals. (Multinomial: the covariance of
the contrasts ``beta_k - beta_0`` from that Hessian over all K classes' blocks,
every class's coefficients uncertain; not the Hessian of classes ``k >= 1`` with
class 0's held at their estimate, which understates the contrasts' errors when
``alpha > 0``. A table against another ``reference_class`` maps it linearly.)

Multinomial models are identified only up to adding one vector to every class.
Like statsmodels' ``MNLogit`` the table reports each class ``k >= 1`` relative to
the first class (``beta_k - beta_0``, "reference" parameterisation), or to the
class named by ``reference_class`` (``beta_k - beta_r``, ``k != r``); the
"sum-to-zero" parameterisation (the estimator's own ``coef_``, centred over
classes) is available too, with the covariance mapped linearly.

``log_likelihood`` is ``sum_i s_i log P(y_i | x_i)`` at the fitted coefficients,
``null_log_likelihood`` that of the intercept-only model (class frequencies;
also for models without intercept, as statsmodels),
McFadden's ``pseudo_r2 = 1 - log_likelihood / null_log_likelihood`` (and Cox and Snell's
and Nagelkerke's from the same two, ``pseudo_r2_cox_snell``, ``pseudo_r2_nagelkerke``),
``aic = -2 log_likelihood + 2 k`` and ``bic = -2 log_likelihood + k log(nobs)``
with ``k`` the number of free parameters. A penalised fit (``alpha > 0``) counts
its effective degrees of freedom instead (``edf``: mgcv's AIC of a penalised GLM,
``tr(H_ll (H_ll + P)^-1)`` over the coefficients it kept; for a pure L1 fit its
non-zero coefficients and intercepts, as statsmodels' ``fit_regularized``), with
``log_likelihood`` the unpenalised one at the penalised estimate; ``df_resid`` is
``nobs - edf``. Where a ridge fit formed no Hessian (``inference=False``, or
``"auto"`` skipping it) its ``edf`` is unknown and ``k`` counts every term; an
elastic net's is then its kept coefficients and intercepts (an upper bound), with K > 2
classes less one for the intercepts and one for each feature kept in every class (a
shift of all K logits that the likelihood does not see: the rank of the kept terms).

The likelihood-ratio test of the model against its null model (statsmodels'
``llr``, ``df_model``, ``llr_pvalue``; R's null and residual deviance) is
``llr = 2 (log_likelihood - null)`` on ``llr_df`` degrees of freedom, every
coefficient but the intercept(s) tested: ``k - B`` with ``B`` blocks
(``k - (K - 1)`` multinomial), ``df_null - df_resid``; a penalised fit's ``edf - B``
where it has ``edf`` (its residual degrees of freedom count the same; an L1 fit's
non-zero slopes, statsmodels' ``fit_regularized`` ``df_model``). The null model is the
one the fit's model nests:

- with an intercept, the intercept-only model (with an ``offset``: intercept plus
  offset, as statsmodels' ``Logit(..., offset=...)`` and ``GLM`` define ``llnull``);
- without an intercept, the model whose linear predictor is 0 (plus any offset),
  ``P = 1/K`` per class, as R's ``glm``; ``llr_df = k``. statsmodels compares
  such a model with the intercept-only model, which it does not nest (its
  ``llr`` can be negative); ``null_log_likelihood`` (McFadden's R²) stays
  statsmodels' intercept-only one.

The chi-squared reference holds for maximum-likelihood fits: a penalised
(``alpha > 0``) or Firth fit reports ``llr`` but a NaN ``llr_pvalue``
(compare nested unpenalised fits with :func:`~oneneuron.stats.lr_test`).

Aliased terms, as R's ``glm`` reports them (``extra["aliased_terms"]``): walking the
terms in order, intercept first, a term that is a linear combination of earlier ones
(a constant column beside the intercept, a full set of dummies with it) is aliased, so
of a dependent set the later column is; it is held at 0 and the other coefficients
are the fit without it. ``cov`` stores zeros in its rows and columns (it adds nothing
to a prediction's variance), ``InferenceResult.covariance()`` and the tables give
NaN (``NA`` in text), and ``k`` counts the rank. A constant column beside the
intercept is held at 0 by every fit, so it is aliased at any ``alpha``.
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..wording import counted
from ._effects import check_level, odds_ratio_table

__all__ = [
    "InferenceResult",
    "InferenceUnavailableError",
    "summary_table",
    "format_summary",
    "COLUMNS",
]


def _plain(label: Any) -> Any:
    """A label as a plain Python value (``'a'``, not ``np.str_('a')``), for messages."""
    return label.item() if isinstance(label, np.generic) else label


def _same_label(a: Any, b: Any) -> bool:
    """Whether two class labels are the same (NumPy and Python types alike)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


#: Columns of :meth:`InferenceResult.table`.
COLUMNS = ("coef", "std_err", "z", "p_value", "ci_low", "ci_high")
PARAMETERIZATIONS = ("reference", "sum-to-zero")


def percent(level: float) -> str:
    """A confidence level as a percentage with the digits it has: 95%, 99.5%, 99.9%.

    Examples
    --------
    >>> from oneneuron.stats import percent
    >>> percent(0.95), percent(0.995)
    ('95%', '99.5%')
    """
    return f"{100 * level:.6g}%"


@functools.cache
def _chi2_sf() -> Any:
    """SciPy's ``chdtrc``, the function ``scipy.stats.chi2.sf`` evaluates (same values)
    without the ~70 us of its argument handling: every fit reads a p-value
    (``llr_pvalue_``). Imported on first use, not with this module: reading a model file
    needs no SciPy."""
    from scipy.special import chdtrc

    return chdtrc


class InferenceUnavailableError(ValueError, AttributeError):
    """No covariance for this fit; the message names the cause and the fix.

    Also an ``AttributeError`` (as scikit-learn's ``NotFittedError``), so that
    ``hasattr(clf, "covariance_")`` is simply False.
    """


@dataclass
class InferenceResult:
    """Everything inference needs, detached from the data (JSON-able through :meth:`to_dict`).

    Attributes
    ----------
    terms : list of str
        ``"intercept"`` (when fitted) then the feature names.
    classes : list
        All class labels; ``classes[0]`` is the reference class.
    coef : ndarray of shape (B, p)
        Reference-parameterised coefficients in term order: ``B = 1`` block
        (binary: the log-odds of ``classes[1]``) or ``K - 1`` blocks
        (``beta_k - beta_0``), original feature scale.
    cov : ndarray of shape (B * p, B * p) or None
        Their covariance (blocks in order, terms within), or None when it was
        not computed; then ``reason`` says why.
    log_likelihood, null_log_likelihood, nobs : float
    alpha : float
        The fit's L2 strength; ``penalized = alpha > 0``.
    separation : str
        ``"none"``, ``"quasi-complete"``, ``"complete"`` or ``"not checked"``.
    reason : str
        Why ``cov`` is None (empty otherwise).
    cov_type : str
        How ``cov`` was computed: ``"nonrobust"`` (inverse Hessian) or a sandwich,
        ``"HC0"``..``"HC3"``, ``"cluster"`` (see :mod:`oneneuron.stats._robust`).
    cov_root : ndarray of shape (B * p, B * p) or None
        A factor ``L`` with ``cov = L @ L.T``, kept where the covariance came from the
        weighted design's QR factor (nearly collinear columns: ``L = R^-1 / sqrt(N)``;
        a robust ``cov_type``'s sandwich ``sqrt(c) L R_M'``, with ``R_M`` the QR factor
        of the score rows mapped by that ``L``, see :mod:`oneneuron.stats._robust`).
        Every variance of a combination ``a' cov a`` (a prediction's, a Wald test's, a
        marginal effect's) is then formed as ``|L' a|^2`` (:meth:`quadratic`), as R's
        ``predict.glm`` forms it: ``cov``'s entries there are of the size of the
        collinear columns' variances (1e13 for columns equal to 1e-8 relative), and
        ``a' cov a`` of a prediction, about 1e-3, would be their rounding.

    Examples
    --------
    >>> import json
    >>> from oneneuron import NeuronClassifier
    >>> from oneneuron.datasets import load_exam_scores
    >>> from oneneuron.stats import InferenceResult
    >>> X, y, names = load_exam_scores()
    >>> res = NeuronClassifier().fit(X, y).inference_
    >>> back = InferenceResult.from_dict(json.loads(json.dumps(res.to_dict())))
    >>> back.table()["std_err"].round(4).tolist(), round(back.pseudo_r2, 4)
    ([5.7986, 0.048, 0.0486], 0.6976)
    """

    terms: list[str]
    classes: list[Any]
    coef: NDArray[np.float64]
    cov: NDArray[np.float64] | None
    log_likelihood: float
    null_log_likelihood: float
    nobs: float
    alpha: float = 0.0
    separation: str = "not checked"
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    cov_type: str = "nonrobust"
    cov_root: NDArray[np.float64] | None = None

    def quadratic(self, A: NDArray[np.float64]) -> NDArray[np.float64]:
        """``A @ cov @ A.T``: from :attr:`cov_root` where the fit kept one (see there)."""
        assert self.cov is not None
        if self.cov_root is None:
            return A @ self.cov @ A.T
        B = A @ self.cov_root
        return B @ B.T

    # ------------------------------------------------------------ statistics
    @property
    def penalized(self) -> bool:
        """Whether the fit had ``alpha > 0`` (then intervals are Bayesian, see module doc)."""
        return self.alpha > 0

    @property
    def n_params(self) -> int:
        """``k``: free parameters, ``B * (p - aliased)``: terms that are linear combinations
        of others (``extra["aliased"]``, found when the Hessian was formed) add none, so
        that ``k`` is the design's rank per block, as statsmodels and R count it.

        A fit that formed no Hessian (``inference=False``, or ``"auto"`` skipping it)
        does not know its rank: ``k`` then counts every term, and so do AIC, BIC and
        :func:`~oneneuron.stats.lr_test`'s degrees of freedom.

        A class whose rows all weigh 0 (``sample_weight``, ``class_weight``) is not
        in the data: with ``K'`` classes of positive weight, ``B = K' - 1``
        (the model of those classes, whose likelihood the fit's equals).
        """
        aliased = int(self.extra.get("aliased", 0))
        return int(self.n_blocks * (self.coef.shape[1] - aliased))

    @property
    def n_blocks(self) -> int:
        """Blocks of free parameters: 1 (binary), else the classes of positive weight - 1."""
        if not self.multinomial:
            return 1
        return max(self.n_weighted_classes - 1, 1)

    @property
    def n_weighted_classes(self) -> int:
        """The classes with rows of positive weight (all, where the fit's record lacks them)."""
        sums = (self.extra.get("data") or {}).get("class_sums")
        if sums is None:
            return len(self.classes)
        return int(np.count_nonzero(np.asarray(sums, dtype=np.float64) > 0))

    @property
    def pseudo_r2(self) -> float:
        """McFadden's ``1 - log_likelihood / null_log_likelihood``."""
        if self.null_log_likelihood == 0:
            return float("nan")
        return 1.0 - self.log_likelihood / self.null_log_likelihood

    @property
    def pseudo_r2_cox_snell(self) -> float:
        """Cox and Snell's ``1 - exp(2 (null_log_likelihood - log_likelihood) / nobs)``
        (statsmodels' ``pseudo_rsquared(kind="cs")``; the same intercept-only null
        as :attr:`pseudo_r2`). Below 1 even for a perfect fit: see
        :attr:`pseudo_r2_nagelkerke`. Minus infinity, without an overflow warning, for a
        fit so far below the null model (a diverged descent) that the exponential
        overflows."""
        if self.nobs <= 0:
            return float("nan")
        gap = 2.0 * (float(self.null_log_likelihood) - float(self.log_likelihood)) / self.nobs
        try:
            return -math.expm1(gap)
        except OverflowError:
            return float("-inf")

    @property
    def pseudo_r2_nagelkerke(self) -> float:
        """Nagelkerke's (Cragg and Uhler's) :attr:`pseudo_r2_cox_snell` divided by its
        largest value, ``1 - exp(2 null_log_likelihood / nobs)``, so that a perfect fit
        has 1 (R's ``DescTools::PseudoR2(which="Nagelkerke")``)."""
        top = -np.expm1(2.0 * self.null_log_likelihood / self.nobs) if self.nobs > 0 else 0.0
        if top <= 0:
            return float("nan")
        return float(self.pseudo_r2_cox_snell / top)

    @property
    def has_intercept(self) -> bool:
        """Whether the model has an intercept (read from the terms for older records)."""
        if "fit_intercept" in self.extra:
            return bool(self.extra["fit_intercept"])
        return bool(self.terms) and self.terms[0] == "intercept"

    @property
    def llr_null_log_likelihood(self) -> float:
        """Log-likelihood of the null model of :attr:`llr` (see module doc): the
        intercept-only model, or without intercept the zero model (NaN where a
        record older than this statistic lacks it)."""
        if self.has_intercept:
            return float(self.null_log_likelihood)
        return float(self.extra.get("zero_log_likelihood", float("nan")))

    @property
    def llr(self) -> float:
        """Likelihood-ratio statistic ``2 (log_likelihood - null)`` against the null model."""
        return 2.0 * (self.log_likelihood - self.llr_null_log_likelihood)

    @property
    def llr_df(self) -> float:
        """Degrees of freedom of :attr:`llr`: the free parameters less the intercepts
        (an ``int``), :attr:`df_null` less :attr:`df_resid` (R's and statsmodels'
        ``df_model``). A penalised fit that formed its effective degrees of freedom
        counts those (:attr:`model_df`; a float, an L1 fit's non-zero coefficients as
        statsmodels' ``fit_regularized``), as its residual degrees of freedom do."""
        return self._llr_df(self.n_params)

    def _llr_df(self, k: int) -> float:
        """:attr:`llr_df` with ``k`` the free parameters (:attr:`n_params`)."""
        intercepts = self.n_blocks if self.has_intercept else 0
        if self.penalized and self.extra.get("edf") is not None:
            return self._model_df(k) - intercepts
        return k - intercepts

    @property
    def llr_pvalue(self) -> float:
        """``P(chi2(llr_df) > llr)``; NaN for penalised and Firth fits (see module doc)."""
        return self._llr_pvalue(self.llr_df, self.llr)

    def _llr_pvalue(self, df: float, llr: float) -> float:
        """:attr:`llr_pvalue` from :attr:`llr_df` and :attr:`llr`."""
        if self.penalized or self.extra.get("firth") or df <= 0:
            return float("nan")
        return float(_chi2_sf()(df, max(llr, 0.0)))

    @property
    def deviance(self) -> float:
        """R's residual deviance, ``-2 log_likelihood`` (individual rows: a saturated model's
        log-likelihood is 0)."""
        return -2.0 * self.log_likelihood

    @property
    def null_deviance(self) -> float:
        """R's null deviance: ``-2`` times the log-likelihood of :attr:`llr`'s null model."""
        return -2.0 * self.llr_null_log_likelihood

    @property
    def df_resid(self) -> float:
        """R's ``df.residual``: ``nobs - k`` (the weights' sum less the free parameters;
        with ``sample_weight``, R's on the rows expanded one per count, statsmodels'
        ``freq_weights`` value: R's own ``glm(weights=)`` counts rows, see above).

        A penalised fit (``alpha > 0``) that formed its Hessian counts its effective
        degrees of freedom instead of ``k`` (``extra["edf"]``, mgcv's
        ``tr(H_ll (H_ll + P)^-1)``: see :func:`oneneuron.stats._fit.effective_df`),
        never more than the rows can carry: ``nobs - k`` was negative with more
        columns than rows. Without the Hessian (``inference=False``) ``k`` counts
        every term, as :attr:`n_params` says.
        """
        return self._df_resid(self.n_params)

    def _df_resid(self, k: int) -> float:
        """:attr:`df_resid` with ``k`` the free parameters (:attr:`n_params`)."""
        return self.nobs - self._model_df(k)

    @property
    def model_df(self) -> float:
        """The parameters AIC, BIC and :attr:`df_resid` count: :attr:`n_params`, or a
        penalised fit's effective degrees of freedom (``extra["edf"]``, mgcv's; a pure
        L1 fit's non-zero coefficients and intercepts, statsmodels' ``fit_regularized``
        count) where the fit formed them."""
        return self._model_df(self.n_params)

    def _model_df(self, k: int) -> float:
        """:attr:`model_df` with ``k`` the free parameters (:attr:`n_params`)."""
        edf = self.extra.get("edf")
        if self.penalized and edf is not None:
            return float(edf)
        return float(k)

    @property
    def df_null(self) -> float:
        """R's ``df.null``: ``nobs`` less the intercepts (``nobs`` without one)."""
        return self.nobs - (self.n_blocks if self.has_intercept else 0)

    @property
    def aic(self) -> float:
        """``-2 log_likelihood + 2 k``, ``k`` the :attr:`model_df` (a penalised fit's
        effective degrees of freedom, see module doc)."""
        return -2.0 * self.log_likelihood + 2.0 * self.model_df

    @property
    def bic(self) -> float:
        """``-2 log_likelihood + k log(nobs)``, ``k`` the :attr:`model_df`."""
        return -2.0 * self.log_likelihood + self.model_df * float(np.log(self.nobs))

    @property
    def multinomial(self) -> bool:
        """More than two classes."""
        return len(self.classes) > 2

    def fit_statistics(self) -> dict[str, Any]:
        """The likelihood statistics an estimator stores, by the names of its attributes.

        ``pseudo_r2`` (and its Cox-Snell and Nagelkerke variants), ``aic``, ``bic``,
        ``llr``, ``llr_df``, ``llr_pvalue``, ``deviance``, ``null_deviance``, ``df_resid``
        and ``df_null``: the properties of the same names, each by its formula, with
        ``k`` (:attr:`n_params`), the blocks and the null model's log-likelihood read
        once (every fit reads them all, and each property alone reads those again: a
        tenth of a tiny fit's time).

        Examples
        --------
        >>> import numpy as np
        >>> from oneneuron.stats import InferenceResult
        >>> res = InferenceResult(["intercept", "x0"], [0, 1], np.zeros((1, 2)), None,
        ...                       -10.0, -12.0, 20.0)
        >>> stats = res.fit_statistics()
        >>> stats["aic"] == res.aic and stats["llr_df"] == res.llr_df == 1
        True
        """
        llf, k, nb = self.log_likelihood, self.n_params, self.n_blocks
        null = self.llr_null_log_likelihood
        df = self._llr_df(k)
        llr = 2.0 * (llf - null)
        k_ic = self._model_df(k)  # a penalised fit's effective degrees of freedom
        return {
            "pseudo_r2": self.pseudo_r2,
            "pseudo_r2_cox_snell": self.pseudo_r2_cox_snell,
            "pseudo_r2_nagelkerke": self.pseudo_r2_nagelkerke,
            "aic": -2.0 * llf + 2.0 * k_ic,
            "bic": -2.0 * llf + k_ic * float(np.log(self.nobs)),
            "llr": llr,
            "llr_df": df,
            "llr_pvalue": self._llr_pvalue(df, llr),
            "deviance": -2.0 * llf,
            "null_deviance": -2.0 * null,
            "df_resid": self.nobs - k_ic,
            "df_null": self.nobs - (nb if self.has_intercept else 0),
        }

    def check_available(self) -> None:
        """Raise :class:`InferenceUnavailableError` (naming cause and fix) without a covariance."""
        if self.cov is None:
            raise InferenceUnavailableError(f"no standard errors for this fit: {self.reason}")

    def covariance(
        self, parameterization: str = "reference", reference_class: Any = None
    ) -> NDArray[np.float64]:
        """Covariance of the parameters in the chosen parameterisation (see module doc)."""
        self.check_available()
        assert self.cov is not None
        M = self._map(parameterization, reference_class)
        cov = self.quadratic(M)
        na = self.aliased_positions(parameterization, reference_class)
        cov[na, :] = np.nan  # R's NA: an aliased coefficient has no variance
        cov[:, na] = np.nan
        return cov

    def aliased_positions(
        self, parameterization: str = "reference", reference_class: Any = None
    ) -> NDArray[np.intp]:
        """Positions, in :meth:`params`' raveled layout, of the aliased terms' coefficients
        (``extra["aliased_terms"]``: terms that are linear combinations of earlier ones,
        held at 0, NA in the tables as R's ``glm`` prints them), in every block."""
        terms = np.asarray(self.extra.get("aliased_terms", []), dtype=np.intp)
        blocks = len(self.params(parameterization, reference_class))
        p = len(self.terms)
        return (np.arange(blocks)[:, None] * p + terms).ravel()

    def params(
        self, parameterization: str = "reference", reference_class: Any = None
    ) -> NDArray[np.float64]:
        """Coefficients as a (blocks, terms) array in the chosen parameterisation."""
        M = self._map(parameterization, reference_class)
        return (M @ self.coef.ravel()).reshape(-1, len(self.terms))

    def block_labels(
        self, parameterization: str = "reference", reference_class: Any = None
    ) -> list[Any]:
        """The class of each block: every class but the reference (``classes[0]``, or
        ``reference_class``), or all classes (sum-to-zero)."""
        self._map(parameterization, reference_class)
        if parameterization == "sum-to-zero" and self.multinomial:
            return list(self.classes)
        r = self.reference_index(reference_class)
        return [c for i, c in enumerate(self.classes) if i != r]

    def reference_index(self, reference_class: Any = None) -> int:
        """Position in ``classes`` of the reference class: 0 by default (``classes[0]``, as
        statsmodels' ``MNLogit`` on sorted labels), else that of ``reference_class``."""
        if reference_class is None:
            return 0
        hits = [i for i, c in enumerate(self.classes) if _same_label(c, reference_class)]
        if not hits:
            raise ValueError(
                f"reference_class {reference_class!r} is not a class of the model; its "
                f"classes are {[_plain(c) for c in self.classes]}"
            )
        return hits[0]

    def _map(self, parameterization: str, reference_class: Any = None) -> NDArray[np.float64]:
        if parameterization not in PARAMETERIZATIONS:
            raise ValueError(
                f"parameterization must be one of {PARAMETERIZATIONS}, got {parameterization!r}"
            )
        B, p = self.coef.shape
        if parameterization == "sum-to-zero" and reference_class is not None:
            raise ValueError(
                "reference_class applies to the reference parameterisation; the sum-to-zero "
                "one compares each class with the mean of all classes"
            )
        r = self.reference_index(reference_class)
        if parameterization == "reference" and r == 0:
            return np.eye(B * p)
        if parameterization == "reference":  # theta_k - theta_r, k != r, with theta_0 = 0
            E = np.vstack([np.zeros((1, B)), np.eye(B)])  # theta_k in the stored blocks
            C = np.array([E[k] - E[r] for k in range(B + 1) if k != r])
            return np.kron(C, np.eye(p))
        if not self.multinomial:
            return np.eye(B * p)
        K = B + 1
        # centred_k = ref_k - mean_j ref_j with ref_0 = 0: C = [0; I] - (1/K) ones
        C = np.vstack([np.zeros((1, B)), np.eye(B)]) - np.ones((K, B)) / K
        return np.kron(C, np.eye(p))

    def table(
        self, level: float = 0.95, parameterization: str = "reference", reference_class: Any = None
    ) -> pd.DataFrame:
        """The coefficient table; see :func:`summary_table`."""
        return summary_table(
            self, level=level, parameterization=parameterization, reference_class=reference_class
        )

    def caption(
        self, level: float = 0.95, parameterization: str = "reference", reference_class: Any = None
    ) -> str:
        """One-paragraph description of the model, fit statistics and what the intervals mean."""
        K = len(self.classes)
        r = self.reference_index(reference_class)
        ref = _plain(self.classes[r])
        if self.multinomial:
            kind = f"multinomial logit, {K} classes"
            if parameterization == "reference":
                param = f"log-odds of each class relative to reference class {ref!r}"
            else:
                param = "sum-to-zero over classes (softmax logits, coef_ of the estimator)"
        else:
            kind = "binary logit"
            param = f"log-odds of {_plain(self.classes[1 - r])!r} (reference {ref!r})"
        if self.penalized:
            how = (
                f"PENALIZED fit (alpha={self.alpha:g}): coefficients are shrunk; std_err and "
                f"{percent(level)} intervals are Laplace-approximate Bayesian (Gaussian prior), "
                "not frequentist"
            )
        elif self.extra.get("firth"):
            how = (
                "Firth penalised likelihood (Jeffreys prior), binary; std_err from the inverse "
                "Fisher information, p-values by penalised likelihood ratio (as R's logistf), "
                f"Wald {percent(level)} intervals "
                "(summary(ci='profile', X=..., y=...) for profile ones)"
            )
        else:
            how = (
                "maximum likelihood"
                if self.extra.get("converged", True)
                else "NOT CONVERGED: the solver stopped before the likelihood's maximum, and "
                "the coefficients and standard errors are where it stopped (allow more iterations)"
            ) + f"; Wald z tests and {percent(level)} confidence intervals"
        if self.cov_type != "nonrobust":
            what = (
                f"cluster-robust sandwich over {self.extra.get('n_clusters', '?')} clusters"
                if self.cov_type == "cluster"
                else "heteroskedasticity-robust sandwich"
            )
            how += f"; covariance {self.cov_type} ({what})"
        lines = [
            f"{kind}: {param}",
            how,
            f"nobs={self.nobs:g}  log-likelihood={self.log_likelihood:.6g}  "
            f"null={self.null_log_likelihood:.6g}  pseudo-R2(McFadden)={self.pseudo_r2:.4f}  "
            f"AIC={self.aic:.6g}  BIC={self.bic:.6g}",
            self._llr_line(),
        ]
        if self.extra.get("dropped"):  # R: "(4 observations deleted due to missingness)"
            lines.append(
                f"({counted(self.extra['dropped'], 'row')} with missing values "
                f"{'was' if self.extra['dropped'] == 1 else 'were'} left out of the fit)"
            )
        if self.separation not in ("none", "not checked"):
            lines.append(f"WARNING: {self.separation} separation; estimates do not exist")
        if self.extra.get("aliased_terms"):  # R: "(1 not defined because of singularities)"
            names = [repr(self.terms[j]) for j in self.extra["aliased_terms"]]
            lines.append(
                f"NOTE: {counted(len(names), 'term')} not defined because of singularities, "
                f"aliased (NA; 0 in predictions): {', '.join(names)}"
                + (f" ({self.extra['aliased_note']})" if self.extra.get("aliased_note") else "")
            )
        if self.extra.get("note"):
            lines.append(f"NOTE: {self.extra['note']}")
        return "\n".join(lines)

    def _llr_line(self) -> str:
        """R's deviances and the likelihood-ratio test against the null model."""
        offset = bool(self.extra.get("offset"))
        if self.has_intercept:
            null = "intercept + offset" if offset else "intercept-only"
        else:
            null = "offset-only" if offset else f"all-zero (P=1/{len(self.classes)})"
        devs = (  # R's null deviance is that of the llr's null model
            f"null deviance={self.null_deviance:.6g} on {self.df_null:g} df  "
            f"residual deviance={self.deviance:.6g} on {self.df_resid:g} df  "
        )
        p = self.llr_pvalue
        test = (  # below 1e-300 a p-value is 0 or subnormal: a bound, as R's "< 2.2e-16"
            (f"p={p:.4g}" if p >= 1e-300 else "p<1e-300")
            if np.isfinite(p)
            else "no chi-squared p-value (not a maximum-likelihood fit)"
        )
        return f"{devs}LR chi2({self.llr_df:g})={self.llr:.6g} vs {null} model, {test}"

    def interval_caption(self, level: float = 0.95) -> str:
        """What ``predict_interval``'s intervals are: delta-method confidence intervals of
        the predicted probability for a maximum-likelihood fit; for a penalised fit
        (``alpha > 0``) Laplace-approximate Bayesian intervals around shrunken
        coefficients, as the summary, ``wald_test`` and ``margeff`` say."""
        text = (
            f"{percent(level)} intervals of the predicted probability (delta method on the "
            f"logit scale, {self.cov_type} covariance)"
        )
        if self.penalized:
            text += (
                f"; PENALIZED fit (alpha={self.alpha:g}): from the Laplace-approximate "
                "covariance around shrunken coefficients, approximate Bayesian credible "
                "intervals, not frequentist"
            )
        return text

    def to_text(
        self, level: float = 0.95, parameterization: str = "reference", reference_class: Any = None
    ) -> str:
        """Plain-text caption and table for the terminal (what ``oneneuron evaluate`` prints)."""
        return format_summary(
            self, level=level, parameterization=parameterization, reference_class=reference_class
        )

    def __str__(self) -> str:
        if self.cov is None:
            return self.caption() + f"\n(no standard errors: {self.reason})"
        return self.to_text()

    def _repr_html_(self) -> str:
        cap = "<br>".join(html.escape(line) for line in self.caption().splitlines())
        if self.cov is None:
            return f"<p>{cap}<br><i>no standard errors: {html.escape(self.reason)}</i></p>"
        body = self.table().to_html(float_format=lambda v: f"{v:.4g}", na_rep="NA")
        return f"<div><p>{cap}</p>{body}</div>"

    # ---------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (``json.dumps`` works); inverse of :meth:`from_dict`."""
        return {
            "terms": list(self.terms),
            # each label as a plain value: a NumPy text array would drop trailing NULs
            "classes": [c.item() if isinstance(c, np.generic) else c for c in self.classes],
            "coef": self.coef.tolist(),
            "cov": None if self.cov is None else self.cov.tolist(),
            "log_likelihood": float(self.log_likelihood),
            "null_log_likelihood": float(self.null_log_likelihood),
            "nobs": float(self.nobs),
            "alpha": float(self.alpha),
            "separation": self.separation,
            "reason": self.reason,
            "extra": dict(self.extra),
            "cov_type": self.cov_type,
            # only where kept (nearly collinear columns): other files stay as they were
            **({} if self.cov_root is None else {"cov_root": self.cov_root.tolist()}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InferenceResult:
        """Rebuild from :meth:`to_dict` output (e.g. after a JSON round trip)."""
        cov, root = data.get("cov"), data.get("cov_root")
        return cls(
            terms=list(data["terms"]),
            classes=list(data["classes"]),
            coef=np.asarray(data["coef"], dtype=np.float64).reshape(-1, len(data["terms"])),
            cov=None if cov is None else np.asarray(cov, dtype=np.float64),
            log_likelihood=float(data["log_likelihood"]),
            null_log_likelihood=float(data["null_log_likelihood"]),
            nobs=float(data["nobs"]),
            alpha=float(data.get("alpha", 0.0)),
            separation=str(data.get("separation", "not checked")),
            reason=str(data.get("reason", "")),
            extra=dict(data.get("extra", {})),
            cov_type=str(data.get("cov_type", "nonrobust")),
            cov_root=None if root is None else np.asarray(root, dtype=np.float64),
        )


def summary_table(
    result: InferenceResult,
    level: float = 0.95,
    parameterization: str = "reference",
    exp: bool = False,
    reference_class: Any = None,
) -> pd.DataFrame:
    """Coefficient table with columns ``coef, std_err, z, p_value, ci_low, ci_high``.

    Indexed by term (binary) or by ``(class, term)`` (multinomial). A ``penalized``
    flag and the caption are kept in ``DataFrame.attrs``. ``exp=True`` reports
    odds ratios, ``odds_ratio = exp(coef)`` (K > 2: relative-risk ratios,
    ``relative_risk_ratio``, as Stata's ``mlogit, rrr``; ``exp_coef`` in the
    sum-to-zero parameterisation), the delta method's ``exp(coef) * std_err``,
    ``exp`` of the interval bounds, ``z`` and ``p_value`` unchanged (as Stata's
    ``logit, or``).

    ``reference_class`` (reference parameterisation): the class every other class
    is compared with, ``classes[0]`` by default (the first in sorted order, as
    ``classes_``; statsmodels and R take the first level of the response, which
    for a pandas Categorical may be another class: pass it here). Binary: the
    log-odds of the other class.
    """
    level = check_level(level)
    from scipy import stats  # here, not at import: reading a model file needs no SciPy

    result.check_available()
    coef = result.params(parameterization, reference_class).ravel()
    cov = result.covariance(parameterization, reference_class)
    with np.errstate(invalid="ignore"):  # (NaN: an aliased term's)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / se
    p = 2.0 * stats.norm.sf(np.abs(z))
    if result.extra.get("lr_p_values") is not None:  # Firth: penalised likelihood ratio
        p = np.asarray(result.extra["lr_p_values"], dtype=np.float64)
    q = float(stats.norm.ppf(0.5 + level / 2.0))
    coef = coef.copy()
    coef[result.aliased_positions(parameterization, reference_class)] = np.nan  # R: NA
    data = {"coef": coef, "std_err": se, "z": z, "p_value": p}
    data["ci_low"], data["ci_high"] = coef - q * se, coef + q * se
    if result.multinomial:
        labels = result.block_labels(parameterization, reference_class)
        index = pd.MultiIndex.from_product([labels, result.terms], names=["class", "term"])
    else:
        index = pd.Index(result.terms, name="term")
    df = pd.DataFrame(data, index=index, columns=list(COLUMNS))
    df.attrs["penalized"] = result.penalized
    df.attrs["parameterization"] = parameterization
    df.attrs["caption"] = result.caption(level, parameterization, reference_class)
    if exp:
        df = odds_ratio_table(df)  # its caption names them (relative-risk ratios for K > 2)
    return df


def format_summary(
    result: InferenceResult,
    level: float = 0.95,
    parameterization: str = "reference",
    exp: bool = False,
    reference_class: Any = None,
) -> str:
    """Caption plus the table as aligned plain text (4 significant digits; an odds ratio
    and its interval near 1 with 4 of their difference from 1: ``1.000003033``)."""
    df = summary_table(result, level, parameterization, exp, reference_class)
    lo, hi = f"[{(1 - level) / 2:.6g}", f"{(1 + level) / 2:.6g}]"  # 0.9975, not 0.998
    ratios = [df.columns[0], "ci_low", "ci_high"] if exp else []
    df = df.rename(columns={"ci_low": lo, "ci_high": hi})
    shown = {c: ratio_text for c in ({lo, hi, ratios[0]} if exp else ())}
    body = df.to_string(
        formatters=shown or None, float_format=lambda v: f"{v:.4g}", na_rep="NA"
    )  # R's NA
    return df.attrs["caption"] + "\n" + body


def ratio_text(v: float) -> str:
    """A ratio (odds ratio, its interval) with 4 significant digits of its distance from 1
    where 4 of its own would print 1: ``1.000003033``, not ``1``; NaN as R's ``NA``.

    Examples
    --------
    >>> ratio_text(1.0000030331), ratio_text(2.5), ratio_text(0.99998)
    ('1.000003033', '2.5', '0.99998000')
    """
    if v != v:
        return "NA"
    gap = abs(v - 1.0)
    if gap == 0.0 or gap >= 5e-4 or not np.isfinite(v):
        return f"{v:.4g}"
    return f"{v:.{int(-np.floor(np.log10(gap))) + 3}f}"
