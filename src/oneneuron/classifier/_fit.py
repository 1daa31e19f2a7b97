"""How ``NeuronClassifier`` runs a fit: solver choice, starting point, solvers, results.

Kept apart from the estimator's public face (``estimator.py``); a mixin so that
the methods still read the estimator's parameters as ``self.<name>``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from .engines import subsample_engine
from .exceptions import ConvergenceWarning
from .objective import LinearLoss
from .optim import OPTIMIZERS
from .solvers import Trace, gradient_descent, lbfgs, minibatch_descent, newton
from .solvers.subsampled import subsampled_newton

#: ``solver="auto"``: Newton-type solvers when the parameter vector is at most this long
#: (their Hessian costs ``p**2`` per row), L-BFGS beyond.
AUTO_NEWTON_MAX_PARAMS = 200
#: Rows of the subsample of ``"subsampled-newton"``; tall data (more than four times
#: this) uses it under ``"auto"``.
SUBSAMPLE_ROWS = 20_000
_FIRST_ORDER = ("gd", "sgd")
_SOLVERS = {"auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd"}


class _FitMixin:
    """Solver selection, initialisation, the solver call and the fitted attributes."""

    def _check_solver_options(self, solver: str, n_classes: int) -> None:
        """Never accept a parameter and ignore it: options of other solvers raise."""
        if solver not in _FIRST_ORDER and self.learning_rate is not None:
            raise ValueError(f"learning_rate is used by solver='gd' or 'sgd' only, not {solver!r}")
        if solver != "sgd":
            for name in ("optimizer", "batch_size"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} is used by solver='sgd' only, not {solver!r}")
        if n_classes > 2 and self.threshold != 0.5:
            raise ValueError(
                f"threshold={self.threshold} applies to binary problems only; "
                f"y has {n_classes} classes"
            )

    def _resolve_solver(self, K: int, X: Any) -> str:
        if self.solver != "auto":
            return self.solver
        m = K if K > 2 else 1
        n_params = m * (X.shape[1] + int(self.fit_intercept))
        if n_params > AUTO_NEWTON_MAX_PARAMS or (self.alpha == 0 and X.shape[0] < n_params):
            return "lbfgs"  # the Hessian is expensive, or singular (fewer rows than parameters)
        return "subsampled-newton" if X.shape[0] > 4 * SUBSAMPLE_ROWS else "newton"

    def _previous_solution(self) -> tuple[Any, ...] | None:
        if self.warm_start and hasattr(self, "coef_"):
            return self.classes_, self.coef_.astype(np.float64), self.intercept_.astype(np.float64)
        return None

    def _initial_theta(
        self, problem: LinearLoss, prev: Any, solver: str, y_idx: NDArray, s: NDArray, K: int
    ) -> NDArray[np.float64]:
        m = problem.n_outputs
        if prev is not None:
            classes, W, b = prev
            if np.array_equal(classes, self.classes_) and W.shape == (m, problem.n_features):
                theta = problem.from_raw(W, b)
                return _center_classes(theta, problem)
            raise ValueError(
                "warm_start needs the same classes and number of features as the previous fit"
            )
        theta = np.zeros(problem.n_params)
        if self.fit_intercept and solver not in _FIRST_ORDER:
            freq = np.bincount(y_idx, weights=s, minlength=K) / np.sum(s)
            freq = np.clip(freq, 1e-12, None)
            if m == 1:
                theta[-1] = np.log(freq[1] / freq[0])
            else:
                theta[-m:] = np.log(freq) - np.mean(np.log(freq))
        return theta

    def _rng(self) -> np.random.Generator:
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            rs = rs.randint(2**31)
        return np.random.default_rng(0 if rs is None else rs)

    def _run_solver(self, solver: str, problem: LinearLoss, theta0: NDArray, data: tuple) -> Any:
        X, target, s = data
        n = X.shape[0]
        trace = Trace(record_path=self.record_path)
        opts = {"max_iter": self.max_iter, "tol": self.tol, "trace": trace}
        if solver == "gd":
            lr = 0.1 if self.learning_rate is None else self.learning_rate
            return gradient_descent(problem, theta0, learning_rate=lr, **opts)
        if solver == "sgd":
            lr = 0.01 if self.learning_rate is None else self.learning_rate
            opt = OPTIMIZERS[self.optimizer or "adam"](lr)
            bs = self.batch_size or 32
            return minibatch_descent(
                problem, theta0, optimizer=opt, n_samples=n, batch_size=bs, rng=self._rng(), **opts
            )
        if solver == "lbfgs":
            return lbfgs(problem, theta0, **opts)
        gauge = _softmax_gauge(problem) if problem.multinomial else None
        if solver == "subsampled-newton" and n > SUBSAMPLE_ROWS:
            rows = np.flatnonzero(self._rng().random(n) < SUBSAMPLE_ROWS / n)  # ~Bernoulli rows
            sub_engine = subsample_engine(X, target, s, rows, problem.multinomial)
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

    def _store_result(self, problem: LinearLoss, result: Any, solver: str, dtype: Any) -> None:
        W, b = problem.to_raw(result.theta)
        self.coef_ = W.astype(dtype)
        self.intercept_ = b.astype(dtype)
        self.n_iter_ = int(result.n_iter)
        self.converged_ = bool(result.converged)
        self.grad_norm_ = float(result.grad_norm)
        self.loss_ = float(result.loss)
        sub_passes = result.extra.get("sub_passes", 0.0) * result.extra.get("sub_fraction", 0.0)
        self.n_passes_ = float(problem.n_passes) + sub_passes
        self.solver_ = solver
        tr = result.trace
        self.history_ = {
            "loss": np.asarray(tr.loss),
            "grad_norm": np.asarray(tr.grad_norm),
            "n_passes": np.asarray(tr.n_passes),
        }
        if self.record_path and tr.path:
            raw = [problem.to_raw(t) for t in tr.path]
            self.history_["coef"] = np.stack([w for w, _ in raw])
            self.history_["intercept"] = np.stack([c for _, c in raw])
        if not result.converged:
            if solver in _FIRST_ORDER:
                hint = "increase max_iter or learning_rate, or use solver='lbfgs'"
            else:
                hint = "increase max_iter, or set alpha > 0 if the classes are separable"
            why = f" ({result.message})" if result.message else ""
            warnings.warn(
                f"solver {solver!r} stopped after {result.n_iter} iterations with "
                f"max|grad| = {result.grad_norm:.3g} > tol = {self.tol:.3g}{why}; {hint}",
                ConvergenceWarning,
                stacklevel=4,
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
