"""CPU benchmark: oneneuron beside scikit-learn, glum and statsmodels on the SAME objective.

Run with ``make bench`` (or ``python benchmarks/cpu.py [--quick] [--sizes ...]``).

Objective (every solver): mean log-loss + (alpha/2)||w||^2 on the raw features,
intercept unpenalised, alpha = 1/n (scikit-learn's default ``C=1``).
statsmodels has no L2 logistic fit, so it is compared on the unpenalised
objective (alpha = 0) against a oneneuron fit of that objective.

For each solver the tolerance is tightened along a ladder until its objective is
within ``GAP`` of the best objective any solver reached (a Newton reference fit at
tol=1e-12, outside the timings); the time of that first run is reported. Times are
medians of ``--repeat`` runs. "passes" is time divided by the time of one read of
X (the memory-bandwidth floor, measured in the same run); for oneneuron the passes
it counted are shown too. Ratios peer/oneneuron are what to quote: this machine is
shared and absolute times are noisy.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from oneneuron import NeuronClassifier
from oneneuron.engines import NumpyEngine
from oneneuron.objective import LinearLoss

GAP = 1e-9
LADDER = (1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 1e-9, 1e-10, 1e-12)
SIZES = {
    "200x1": (200, 1, "dense64"),
    "100kx20": (100_000, 20, "dense64"),
    "1Mx100": (1_000_000, 100, "dense64"),
    "1Mx100-f32": (1_000_000, 100, "dense32"),
    "50kx2000": (50_000, 2000, "dense64"),
    "sparse500kx100k": (500_000, 100_000, "sparse"),
}


def make_data(n: int, d: int, kind: str, seed: int = 0) -> tuple[Any, np.ndarray]:
    """Correlated unit-scale features (AR(1), rho 0.5); y from a logistic model.

    Unit scale is the friendly case for first-order peers (scikit-learn's L-BFGS
    needs ~40 passes' worth at 1M x 100, as the speed issue measured); features of
    mixed scales make them far slower, while Newton-type solvers do not care.
    """
    rng = np.random.default_rng(seed)
    if kind == "sparse":
        nnz = 30
        cols = rng.integers(0, d, size=(n, nnz))
        vals = rng.standard_normal((n, nnz))
        X = sp.csr_matrix(
            (vals.ravel(), cols.ravel(), np.arange(0, n * nnz + 1, nnz)), shape=(n, d)
        )
        X.sum_duplicates()
        beta = rng.standard_normal(d) * 0.5
    else:
        X = np.empty((n, d))
        X[:, 0] = rng.standard_normal(n)
        for j in range(1, d):
            X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * rng.standard_normal(n)
        beta = rng.standard_normal(d) / np.sqrt(d)
    z = np.asarray(X @ beta).ravel() + 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    if kind == "dense32":
        X = X.astype(np.float32)
    return X, y


def objective(X: Any, y: np.ndarray, alpha: float) -> Callable[[np.ndarray, np.ndarray], float]:
    """The benchmark objective at raw-scale (coef, intercept), evaluated in float64."""
    Xf = X.astype(np.float64) if X.dtype != np.float64 else X
    eng = NumpyEngine(Xf, y.astype(np.float64), np.ones(len(y)), multinomial=False)
    d = X.shape[1]
    prob = LinearLoss(eng, 1, alpha, np.zeros(d), np.ones(d), True)
    return lambda coef, b: prob.loss(prob.from_raw(np.ravel(coef), np.ravel(b)))


def read_floor(X: Any, repeat: int = 5) -> float:
    """Seconds to read X once (column sums: one streaming pass)."""
    data = X.data if sp.issparse(X) else X
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        np.add.reduce(data, axis=0)
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def timed(fit: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    ts, out = [], None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fit()
        ts.append(time.perf_counter() - t0)
        if ts[-1] > 5:  # slow peers: one run is enough
            break
    return float(np.median(ts)), out


# --- the solvers: each returns a fit(tol) -> (coef, intercept, info) -----------------
def oneneuron_fit(X: Any, y: np.ndarray, alpha: float) -> Callable[[float], Any]:
    def fit(tol: float) -> Any:
        c = NeuronClassifier(alpha=alpha, standardize=False, tol=tol, inference=False).fit(X, y)
        return c.coef_, c.intercept_, f"{c.solver_}, {c.n_passes_:.1f} counted passes"

    return fit


def sklearn_fit(X: Any, y: np.ndarray, alpha: float, solver: str) -> Callable[[float], Any]:
    from sklearn.linear_model import LogisticRegression

    C = np.inf if alpha == 0 else 1.0 / (len(y) * alpha)

    def fit(tol: float) -> Any:
        m = LogisticRegression(C=C, solver=solver, tol=tol, max_iter=10_000).fit(X, y)
        return m.coef_, m.intercept_, f"{int(np.max(m.n_iter_))} iterations"

    return fit


def glum_fit(X: Any, y: np.ndarray, alpha: float) -> Callable[[float], Any]:
    from glum import GeneralizedLinearRegressor

    solver = "lbfgs" if sp.issparse(X) or X.shape[1] > 500 else "irls-cd"

    def fit(tol: float) -> Any:
        m = GeneralizedLinearRegressor(
            family="binomial",
            alpha=alpha,
            l1_ratio=0.0,
            solver=solver,
            gradient_tol=tol,
            max_iter=10_000,
        ).fit(X, y)
        return m.coef_, m.intercept_, f"{solver}, {m.n_iter_} iterations"

    return fit


def statsmodels_fit(X: Any, y: np.ndarray) -> Callable[[float], Any]:
    import statsmodels.api as sm

    def fit(tol: float) -> Any:
        Xc = sm.add_constant(np.asarray(X, dtype=np.float64), has_constant="add")
        r = sm.Logit(y, Xc).fit(method="newton", tol=tol, maxiter=200, disp=0)
        return r.params[1:], r.params[:1], f"newton, {r.mle_retvals['iterations']} iterations"

    return fit


def run_solver(
    name: str, fit: Callable[[float], Any], f: Callable, best: float, repeat: int
) -> dict:
    for tol in LADDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            secs, (coef, b, info) = timed(lambda tol=tol: fit(tol), repeat)
        gap = f(coef, b) - best
        if gap <= GAP:
            break
    return {"solver": name, "seconds": secs, "gap": gap, "tol": tol, "info": info}


def peak_extra_memory(X: Any, y: np.ndarray, alpha: float) -> float:
    """Peak bytes allocated during a oneneuron fit, as a fraction of X's bytes."""
    nbytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sp.issparse(X) else X.nbytes
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NeuronClassifier(alpha=alpha, standardize=False, tol=1e-8).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / nbytes


def bench_size(label: str, n: int, d: int, kind: str, repeat: int, peers: list[str]) -> list[dict]:
    X, y = make_data(n, d, kind)
    floor = read_floor(X)
    rows = []
    objectives = [("L2 alpha=1/n", 1.0 / n)]
    if kind != "sparse" and "statsmodels" in peers and n * d <= 2e8:
        objectives.append(("unpenalised", 0.0))
    for obj_name, alpha in objectives:
        f = objective(X, y, alpha)
        ref = NeuronClassifier(alpha=alpha, standardize=False, tol=1e-12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref.fit(X.astype(np.float64) if kind == "dense32" else X, y)
        best = f(ref.coef_, ref.intercept_)
        solvers = [("oneneuron", oneneuron_fit(X, y, alpha))]
        if alpha > 0:
            if "sklearn" in peers:
                solvers.append(("sklearn lbfgs", sklearn_fit(X, y, alpha, "lbfgs")))
                if d <= 2000 and not sp.issparse(X):
                    solvers.append(
                        ("sklearn newton-cholesky", sklearn_fit(X, y, alpha, "newton-cholesky"))
                    )
            if "glum" in peers:
                solvers.append(("glum", glum_fit(X, y, alpha)))
        elif "statsmodels" in peers:
            solvers.append(("statsmodels", statsmodels_fit(X, y)))
        results = [run_solver(name, fit, f, best, repeat) for name, fit in solvers]
        ours = results[0]["seconds"]
        for r in results:
            r.update(
                size=label,
                objective=obj_name,
                passes=r["seconds"] / floor,
                ratio=r["seconds"] / ours,
            )
        rows += results
    rows[0]["memory"] = peak_extra_memory(X, y, 1.0 / n)
    return rows


def print_table(rows: list[dict]) -> None:
    print(
        f"{'size':<16} {'objective':<13} {'solver':<24} {'time':>8} {'passes':>7} {'gap':>9} "
        f"{'peer/ours':>9}  notes"
    )
    for r in rows:
        mem = f"; peak extra memory {r['memory']:.1%} of X" if "memory" in r else ""
        print(
            f"{r['size']:<16} {r['objective']:<13} {r['solver']:<24} {r['seconds']:8.4f} "
            f"{r['passes']:7.1f} {r['gap']:9.1e} {r['ratio']:9.1f}  tol={r['tol']:.0e}; "
            f"{r['info']}{mem}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", nargs="*", default=["sklearn", "glum", "statsmodels"])
    args = ap.parse_args()
    rows = []
    for label in args.sizes:
        n, d, kind = SIZES[label]
        size_rows = bench_size(label, n, d, kind, args.repeat, args.peers)
        print_table(size_rows)
        print(flush=True)
        rows += size_rows
    print("Summary (median seconds; ratio = peer time / oneneuron time on the same objective):")
    print_table(rows)


if __name__ == "__main__":
    main()
