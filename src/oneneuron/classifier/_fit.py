"""How ``NeuronClassifier`` runs a fit: solver choice, starting point, solvers, results.

Plain functions of the estimator (they read its parameters and set its fitted
attributes); :func:`fit` is the whole sequence for any kind of input, which
:meth:`NeuronClassifier.fit` calls. The estimator's public face stays in
``_estimator.py``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from ..engines import (
    FitData,
    blas_threads,
    coordinate_stats,
    make_engine,
    prepare,
    subsample_engine,
)
from ..exceptions import ConvergenceWarning
from ..objective import SMALL_DENSE_ENTRIES, LinearLoss, SmallDenseLoss
from ..optim import OPTIMIZERS
from ..solvers import Trace, gradient_descent, lbfgs, minibatch_descent, newton
from ..solvers.subsampled import subsampled_newton
from ..stats import HessianRecorder, check_cov_type, compute_inference

#: ``solver="auto"``: Newton-type solvers when the parameter vector is at most this long
#: (their Hessian costs ``p**2`` per row), L-BFGS beyond.
AUTO_NEWTON_MAX_PARAMS = 200
#: Rows of the subsample of ``"subsampled-newton"``; tall data (more than four times
#: this) uses it under ``"auto"``.
SUBSAMPLE_ROWS = 20_000
_FIRST_ORDER = ("gd", "sgd")
_SOLVERS = {"auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd"}


def fit(
    est: Any, X: Any, y: Any, sample_weight: Any, cluster: Any = None, offset: Any = None
) -> Any:
    """Fit ``est`` (a ``NeuronClassifier``) on any kind of input; returns ``est``.

    The same steps for every engine: the engine prepares the data where it lives
    (:func:`oneneuron.prepare`), the solver runs on the host with
    d-sized vectors, and the statistics for inference are made at the end.
    """
    prev = previous_solution(est)
    data = prepare(
        X,
        y,
        sample_weight,
        class_weight=est.class_weight,
        standardize=est.standardize,
        center=est.fit_intercept,
    )
    est.classes_ = data.classes
    est.n_features_in_ = data.n_features
    if data.feature_names is not None:
        est.feature_names_in_ = data.feature_names
    elif hasattr(est, "feature_names_in_"):
        del est.feature_names_in_
    K = len(data.classes)
    off = check_statistics_options(est, data, cluster, offset)
    solver = resolve_solver(est, K, data.X)
    check_solver_options(est, solver, K)
    if data.kind == "dask" and solver == "sgd":
        raise ValueError(
            "solver='sgd' is not supported on Dask input (a random minibatch costs a full "
            "pass there); use solver 'newton', 'lbfgs' or 'gd'"
        )
    est.mean_, est.scale_ = data.mean, data.scale
    options = dict(data.engine_options, **({"offset": off} if off is not None else {}))
    engine = make_engine(data.X, data.target, data.weights, data.multinomial, **options)
    center, scale, raw_penalty = est.mean_, est.scale_, False
    if data.kind == "numpy" and not est.standardize and est.fit_intercept and solver == "lbfgs":
        # Standardise for the solver only, penalising the raw W (as glum does): the
        # objective is unchanged, but L-BFGS converges much faster in these
        # coordinates. Newton is affine-invariant and gd/sgd must follow the
        # tutorial's raw-coordinate path, so they keep the raw coordinates.
        center, scale = coordinate_stats(data.X, data.sample_weight)
        raw_penalty = True
    m = K if data.multinomial else 1
    loss_class = LinearLoss
    if m == 1 and data.kind == "numpy" and isinstance(data.X, np.ndarray):
        if data.n_samples * (data.n_features + 1) <= SMALL_DENSE_ENTRIES:
            loss_class = SmallDenseLoss  # same objective, no per-iteration engine overhead
    problem = HessianRecorder(
        loss_class(engine, m, float(est.alpha), center, scale, est.fit_intercept, raw_penalty)
    )
    y_idx, s = data.class_counts()
    theta0 = initial_theta(est, problem, prev, solver, y_idx, s, K)
    with blas_threads(engine):
        result = run_solver(est, solver, problem, theta0, data)
        store_result(est, problem, result, solver, data.dtype)
        inference = compute_inference(
            est, problem, result, s, y_idx, est.inference, 5, offset=off, cluster=cluster
        )
    est._set_inference(inference)
    est.has_offset_ = off is not None
    est.n_samples_fit_ = int(engine.n_samples)
    return est


def check_statistics_options(est: Any, data: FitData, cluster: Any, offset: Any) -> Any:
    """Check ``cov_type``, ``cluster`` and ``offset`` against the data; the offset as float64.

    Robust covariances and offsets need the rows in memory (NumPy/SciPy input);
    offsets are for binary models.
    """
    K = len(data.classes)
    check_cov_type(est.cov_type, n_classes=K, alpha=float(est.alpha), cluster=cluster)
    if est.cov_type != "nonrobust" and est.inference is False:
        raise ValueError(
            f"cov_type={est.cov_type!r} needs the covariance; it cannot be combined with "
            "inference=False"
        )
    if data.kind != "numpy" and (est.cov_type != "nonrobust" or offset is not None):
        raise ValueError(
            f"cov_type={est.cov_type!r} and offset= need NumPy/SciPy/pandas input; this X is "
            "a torch/CuPy or Dask array (use cov_type='nonrobust' and no offset)"
        )
    return check_offset(offset, data.n_samples, K)


def check_offset(offset: Any, n_samples: int, n_classes: int = 2) -> NDArray | None:
    """``offset`` as a finite float64 vector of one value per row (None stays None)."""
    if offset is None:
        return None
    if n_classes > 2:
        raise ValueError(f"offset is supported for binary models only; y has {n_classes} classes")
    off = np.asarray(offset, dtype=np.float64)
    if off.ndim != 1 or off.shape[0] != n_samples:
        raise ValueError(f"offset must be one value per row ({n_samples} rows), got {off.shape}")
    if not np.all(np.isfinite(off)):
        raise ValueError("offset must be finite (no NaN or infinity)")
    return off


def check_solver_options(est: Any, solver: str, n_classes: int) -> None:
    """Never accept a parameter and ignore it: options of other solvers raise."""
    if solver not in _FIRST_ORDER and est.learning_rate is not None:
        raise ValueError(f"learning_rate is used by solver='gd' or 'sgd' only, not {solver!r}")
    if solver != "sgd":
        for name in ("optimizer", "batch_size"):
            if getattr(est, name) is not None:
                raise ValueError(f"{name} is used by solver='sgd' only, not {solver!r}")
    if n_classes > 2 and est.threshold != 0.5:
        raise ValueError(
            f"threshold={est.threshold} applies to binary problems only; y has {n_classes} classes"
        )


def resolve_solver(est: Any, K: int, X: Any) -> str:
    """The solver ``"auto"`` stands for on this data (see ``NeuronClassifier``)."""
    if est.solver != "auto":
        return est.solver
    m = K if K > 2 else 1
    n_params = m * (X.shape[1] + int(est.fit_intercept))
    if n_params > AUTO_NEWTON_MAX_PARAMS or (est.alpha == 0 and X.shape[0] < n_params):
        return "lbfgs"  # the Hessian is expensive, or singular (fewer rows than parameters)
    return "subsampled-newton" if X.shape[0] > 4 * SUBSAMPLE_ROWS else "newton"


def previous_solution(est: Any) -> tuple[Any, ...] | None:
    """``(classes, W, b)`` of the previous fit when ``warm_start`` applies, else None."""
    if est.warm_start and hasattr(est, "coef_"):
        return est.classes_, est.coef_.astype(np.float64), est.intercept_.astype(np.float64)
    return None


def initial_theta(
    est: Any, problem: LinearLoss, prev: Any, solver: str, y_idx: NDArray, s: NDArray, K: int
) -> NDArray[np.float64]:
    """The warm start, or zeros with the intercept at the log-odds (Newton, L-BFGS)."""
    m = problem.n_outputs
    if prev is not None:
        classes, W, b = prev
        if np.array_equal(classes, est.classes_) and W.shape == (m, problem.n_features):
            theta = problem.from_raw(W, b)
            return _center_classes(theta, problem)
        raise ValueError(
            "warm_start needs the same classes and number of features as the previous fit"
        )
    theta = np.zeros(problem.n_params)
    if est.fit_intercept and solver not in _FIRST_ORDER:
        freq = np.bincount(y_idx, weights=s, minlength=K) / np.sum(s)
        freq = np.clip(freq, 1e-12, None)
        if m == 1:
            theta[-1] = np.log(freq[1] / freq[0])
        else:
            theta[-m:] = np.log(freq) - np.mean(np.log(freq))
    return theta


def make_rng(random_state: Any) -> np.random.Generator:
    """A Generator from ``random_state`` (None: a fixed seed, so fits are repeatable)."""
    rs = random_state
    if isinstance(rs, np.random.RandomState):
        rs = rs.randint(2**31)
    return np.random.default_rng(0 if rs is None else rs)


def run_solver(est: Any, solver: str, problem: LinearLoss, theta0: NDArray, data: FitData) -> Any:
    """Run ``solver`` from ``theta0`` with the estimator's options; the solver's result."""
    n = data.n_samples
    trace = Trace(record_path=est.record_path)
    opts = {"max_iter": est.max_iter, "tol": est.tol, "trace": trace}
    if solver == "gd":
        lr = 0.1 if est.learning_rate is None else est.learning_rate
        return gradient_descent(problem, theta0, learning_rate=lr, **opts)
    if solver == "sgd":
        lr = 0.01 if est.learning_rate is None else est.learning_rate
        opt = OPTIMIZERS[est.optimizer or "adam"](lr)
        bs = est.batch_size or 32
        rng = make_rng(est.random_state)
        return minibatch_descent(
            problem, theta0, optimizer=opt, n_samples=n, batch_size=bs, rng=rng, **opts
        )
    if solver == "lbfgs":
        return lbfgs(problem, theta0, **opts)
    gauge = _softmax_gauge(problem) if problem.multinomial else None
    if solver == "subsampled-newton" and n > SUBSAMPLE_ROWS:
        rows = np.flatnonzero(make_rng(est.random_state).random(n) < SUBSAMPLE_ROWS / n)
        sub_engine = subsample_engine(
            data.X,
            data.target,
            data.weights,
            rows,
            problem.multinomial,
            offset=getattr(problem.engine, "offset", None),
        )
        sub = LinearLoss(
            sub_engine,
            problem.n_outputs,
            problem.alpha,
            problem.mean,
            problem.scale,
            problem.fit_intercept,
        )
        result = subsampled_newton(problem, sub, theta0, gauge=gauge, **opts)
        result.extra["sub_fraction"] = len(rows) / n
        return result
    return newton(problem, theta0, gauge=gauge, **opts)


def store_result(est: Any, problem: LinearLoss, result: Any, solver: str, dtype: Any) -> None:
    """Set the fitted attributes (original scale, X's dtype); warn if not converged."""
    W, b = problem.to_raw(result.theta)
    est.coef_ = W.astype(dtype)
    est.intercept_ = b.astype(dtype)
    est.n_iter_ = int(result.n_iter)
    est.converged_ = bool(result.converged)
    est.grad_norm_ = float(result.grad_norm)
    est.loss_ = float(result.loss)
    sub_passes = result.extra.get("sub_passes", 0.0) * result.extra.get("sub_fraction", 0.0)
    est.n_passes_ = float(problem.n_passes) + sub_passes
    est.solver_ = solver
    tr = result.trace
    est.history_ = {
        "loss": np.asarray(tr.loss),
        "grad_norm": np.asarray(tr.grad_norm),
        "n_passes": np.asarray(tr.n_passes),
    }
    if est.record_path and tr.path:
        raw = [problem.to_raw(t) for t in tr.path]
        est.history_["coef"] = np.stack([w for w, _ in raw])
        est.history_["intercept"] = np.stack([c for _, c in raw])
    if not result.converged:
        if solver in _FIRST_ORDER:
            hint = "increase max_iter or learning_rate, or use solver='lbfgs'"
        else:
            hint = "increase max_iter, or set alpha > 0 if the classes are separable"
        why = f" ({result.message})" if result.message else ""
        warnings.warn(
            f"solver {solver!r} stopped after {result.n_iter} iterations with "
            f"max|grad| = {result.grad_norm:.3g} > tol = {est.tol:.3g}{why}; {hint}",
            ConvergenceWarning,
            stacklevel=5,
        )


def _center_classes(theta: NDArray[np.float64], problem: LinearLoss) -> NDArray[np.float64]:
    """Remove the per-feature mean over classes (softmax is invariant to it)."""
    if not problem.multinomial:
        return theta
    m, d = problem.n_outputs, problem.n_features
    Wp, bp = problem.unpack(theta)
    parts = [(Wp - Wp.mean(axis=0)).ravel()]
    if problem.fit_intercept:
        parts.append(bp - bp.mean())
    del m, d
    return np.concatenate(parts)


def _softmax_gauge(problem: LinearLoss) -> NDArray[np.float64]:
    """``kron(ones(K, K), I)`` per block: penalises only the flat softmax directions."""
    K, d = problem.n_outputs, problem.n_features
    blocks = [np.kron(np.ones((K, K)), np.eye(d))]
    if problem.fit_intercept:
        blocks.append(np.ones((K, K)))

    return scipy.linalg.block_diag(*blocks) / K
