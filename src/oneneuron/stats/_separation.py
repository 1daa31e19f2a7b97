"""Diagnose (quasi-)complete separation with a linear program, after the fit, once.

The maximum-likelihood estimate of a logit (binary or multinomial) fails to
exist exactly when some non-zero direction ``B`` (one row per class ``k >= 1``,
class 0 fixed at zero) gives every row a non-negative margin::

    m_ij = (B[y_i] - B[j]) . x_i >= 0     for every row i and class j != y_i

(Albert & Anderson 1984). Along such a direction the likelihood increases
forever. The rows whose margins are all strictly positive are predicted
perfectly; if every row is, the separation is *complete*, otherwise
*quasi-complete*. Two LPs decide it (bounded ``-1 <= B <= 1``):

1. maximise ``sum_ij m_ij`` subject to ``m_ij >= 0``: optimum 0 means no separation,
   and so does an optimum whose margins are all 0 to within ``MARGIN_TOL`` plus
   ``FLAT_FACTOR`` times the LP's largest violation of ``m_ij >= 0`` (a direction in
   which the design is flat: nearly collinear columns);
2. maximise ``t`` subject to ``m_ij >= t``, ``t <= 1``: ``t > 0`` means complete.

The design is the model's own standardised one, ``[1, (x - mu) / sigma]``, so
that the tolerances are scale free. Rows with zero weight are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linprog

from ..objective import separated_rows

#: Margin (on the standardised design, ``|B| <= 1``) above which a row counts as separated.
MARGIN_TOL = 1e-7
#: A direction whose largest margin is at most ``MARGIN_TOL`` plus this many times its
#: largest violation of ``m >= 0`` (the LP's feasibility tolerance at work) is a flat
#: direction of the design, not a separating one: three classes on columns equal to
#: 1e-8 relative gave margins from -8.7e-8 to 1.001e-7, and a true separating direction
#: has margins many orders above its violations.
FLAT_FACTOR = 10.0
#: The fit looks suspicious when a standardised coefficient exceeds this.
SUSPICIOUS_COEF = 8.0
#: ... or when its mean cross-entropy is below this (a near-perfect fit; only the
#: one-pass check of the fitted logits is made then).
SUSPICIOUS_LOSS = 1e-3
#: The LP runs only when the scaled Hessian's condition number exceeds this (or the
#: Hessian is unknown): along a separating direction the curvature vanishes like the
#: fitted probabilities of the separated rows, ``exp(-margin)``, while a strong but
#: ordinary effect keeps the curvature of the rows near its boundary.
FLAT_HESSIAN_COND = 1e6
#: Skip the LP (``separation_ = "not checked"``) when ``rows * (classes - 1) * terms``
#: exceeds this: the design is materialised densely and HiGHS time grows with it.
MAX_LP_SIZE = 1_000_000


@dataclass
class Separation:
    """Outcome: ``kind`` in {"none", "quasi-complete", "complete"}, rows and direction."""

    kind: str
    n_separated: int
    n_rows: int
    direction: NDArray[np.float64] | None  # (K - 1, p) standardised, max |.| = 1


def looks_suspicious(
    theta_std: NDArray[np.float64],
    converged: bool,
    *,
    loss: float = np.inf,
    n_rows: int | None = None,
    n_params: int = 0,
) -> bool:
    """Cheap trigger of the separation check, from d-sized facts of the fit.

    Huge standardised coefficients, no convergence, a near-perfect fit (mean
    cross-entropy ``loss`` below ``SUSPICIOUS_LOSS``), or no more rows of positive
    weight than parameters (then some direction separates almost surely).
    """
    big = big_coefficients(theta_std)
    few_rows = n_rows is not None and n_rows <= n_params
    return big or not converged or loss < SUSPICIOUS_LOSS or few_rows


def big_coefficients(theta_std: NDArray[np.float64]) -> bool:
    """Whether a standardised coefficient exceeds ``SUSPICIOUS_COEF`` (also the trigger of
    the check of a penalised fit: its estimates exist, but on separated data only the
    penalty holds them)."""
    return bool(np.maximum.reduce(np.abs(theta_std), axis=None, initial=0.0) > SUSPICIOUS_COEF)


def hessian_is_flat(hessian_scaled_cond: float | None) -> bool:
    """Whether the LP is worth running: the Hessian is unknown or nearly singular.

    ``hessian_scaled_cond`` is the condition number of the Hessian scaled to unit
    diagonal (None when no Hessian was computed).
    """
    return hessian_scaled_cond is None or not hessian_scaled_cond <= FLAT_HESSIAN_COND


def fitted_certificate(
    Z: NDArray[np.float64], y: NDArray[np.intp], weight: NDArray[np.float64]
) -> bool:
    """Whether the fitted logits ``Z`` (n, m) already separate every weighted row strictly.

    Binary ``m = 1``: ``sign(z_i) = 2 y_i - 1``; multinomial: the true class's logit
    beats every other. A ``True`` proves complete separation without an LP (one pass).
    """
    right, rows = separated_rows(Z, y, weight)
    return right == rows


def direction_from_fit(W: NDArray[np.float64], b: NDArray[np.float64], fit_intercept: bool) -> Any:
    """The fitted standardised coefficients as a separating direction (reference class 0)."""
    full = np.column_stack([b, W]) if fit_intercept else W
    D = full if full.shape[0] == 1 else full[1:] - full[0]
    return D / np.max(np.abs(D))


def design(X: Any, mean: NDArray, scale: NDArray, fit_intercept: bool) -> Any:
    """``[1, (x - mu) / sigma]`` (dense) or ``x / sigma`` (no intercept; sparse kept sparse)."""
    if sp.issparse(X):
        if fit_intercept:
            Xd = (np.asarray(X.todense(), dtype=np.float64) - mean) / scale
            return np.column_stack([np.ones(X.shape[0]), Xd])
        return sp.csr_matrix(X, dtype=np.float64) @ sp.diags(1.0 / scale)
    Xd = (np.asarray(X, dtype=np.float64) - mean) / scale
    return np.column_stack([np.ones(X.shape[0]), Xd]) if fit_intercept else Xd


def _margin_matrix(Xt: Any, y: NDArray[np.intp], K: int) -> Any:
    """Sparse ``A`` with ``A @ vec(B) = margins`` (rows: (i, j != y_i); B rows: classes 1..K-1)."""
    n, p = Xt.shape
    Xs = sp.csr_matrix(Xt)
    blocks = []
    for j in range(K):  # rows i with y_i != j: margin (B[y_i] - B[j]) . x_i
        rows = np.flatnonzero(y != j)
        if rows.size == 0:
            continue
        Xr = Xs[rows]
        cols = []
        for k in range(1, K):
            sign = (y[rows] == k).astype(np.float64) - float(j == k)
            cols.append(sp.diags(sign) @ Xr)
        blocks.append((rows, sp.hstack(cols, format="csr")))
    A = sp.vstack([b for _, b in blocks], format="csr")
    row_of = np.concatenate([r for r, _ in blocks])
    return A, row_of


def detect(Xt: Any, y: NDArray[np.intp], K: int, weight: NDArray[np.float64]) -> Separation:
    """Run the two LPs of the module doc on the standardised design ``Xt`` (n, p)."""
    keep = weight > 0
    Xt, y = Xt[keep], y[keep]
    n, p = Xt.shape
    A, row_of = _margin_matrix(Xt, y, K)
    q = (K - 1) * p
    bounds = [(-1.0, 1.0)] * q
    c = -np.asarray(A.sum(axis=0)).ravel()
    res = linprog(c, A_ub=-A, b_ub=np.zeros(A.shape[0]), bounds=bounds, method="highs")
    if res.status != 0 or -res.fun <= MARGIN_TOL:
        return Separation("none", 0, n, None)
    beta = res.x
    margins = A @ beta
    violation = max(0.0, -float(np.min(margins, initial=0.0)))
    if not np.max(margins, initial=0.0) > MARGIN_TOL + FLAT_FACTOR * violation:
        # every margin within the tolerance of 0, or no larger than the LP's own violations
        # of m >= 0 several times over: a direction along which the design is (nearly)
        # flat, i.e. columns that are combinations of others to within the LP's
        # feasibility tolerance (about 1e-7), not separation; there a sum of many tiny
        # margins can pass the objective's test
        return Separation("none", 0, n, None)
    worst = np.full(n, np.inf)
    np.minimum.at(worst, row_of, margins)
    n_sep = int(np.sum(worst > MARGIN_TOL))
    if n_sep == n:
        return Separation("complete", n, n, _unit(beta.reshape(K - 1, p)))
    # complete after all? maximise t with margins >= t
    A2 = sp.hstack([-A, np.ones((A.shape[0], 1))], format="csr")
    c2 = np.zeros(q + 1)
    c2[-1] = -1.0
    res2 = linprog(
        c2, A_ub=A2, b_ub=np.zeros(A.shape[0]), bounds=bounds + [(None, 1.0)], method="highs"
    )
    kind = "quasi-complete"
    if res2.status == 0 and -res2.fun > MARGIN_TOL:
        kind, beta, n_sep = "complete", res2.x[:q], n
    # multinomial: possibly no row has every margin positive (a class absent from some
    # rows' pattern runs to -inf while each of those rows ties with another class)
    return Separation(kind, n_sep, n, _unit(beta.reshape(K - 1, p)))


def _unit(D: NDArray[np.float64]) -> NDArray[np.float64]:
    return D / np.max(np.abs(D))


def describe(
    sep: Separation, terms: list[str], classes: list[Any], top: int = 3, alpha: float = 0.0
) -> str:
    """The warning text: kind, rows, the largest components of the direction, the fix.

    With ``alpha > 0`` (a penalised fit) it says what the estimates are then, without
    the fix (the caller names it).
    """
    assert sep.direction is not None
    D = sep.direction
    flat = np.argsort(-np.abs(D).ravel(), kind="stable")[:top]
    n_parts = int(np.count_nonzero(np.abs(D) >= 1e-6))
    parts = []
    for idx in flat:
        k, t = divmod(int(idx), D.shape[1])
        if abs(D[k, t]) < 1e-6:
            continue
        name = terms[t] if D.shape[0] == 1 else f"{terms[t]}[{classes[k + 1]!r}]"
        parts.append(f"{D[k, t]:+.3g}*{name}")
    where = (
        f"the direction {' '.join(parts)}"
        if n_parts <= len(parts)
        else f"a direction whose largest components ({len(parts)} of {n_parts}) are "
        f"{' '.join(parts)} ..."
    )
    rows = (
        f"{sep.n_separated} of {sep.n_rows} rows are predicted perfectly along {where}"
        if sep.n_separated
        else f"no row is predicted perfectly, but along {where} the likelihood rises "
        "without bound (some class's probability falls to 0 on rows of other classes)"
    )
    if alpha > 0:
        return (
            f"the classes are {sep.kind}ly separated: {rows} (standardised features); "
            f"with alpha={alpha:g} the estimates are finite only through the penalty, so "
            "they and their standard errors are set by alpha, not by the data (Wald "
            "p-values of the separating columns tend to 1 as alpha falls)"
        )
    return (
        f"the classes are {sep.kind}ly separated: {rows} (standardised features); "
        "the maximum-likelihood coefficients do not exist and the reported ones are finite only "
        "because the solver stopped, so standard errors are meaningless. "
        "Use alpha > 0 for finite, unique estimates"
        + (
            ", or firth=True for Firth's bias-reduced ones with p-values."
            if len(classes) == 2
            else "."
        )
    )
