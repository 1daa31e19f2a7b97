"""CPU benchmark: oneneuron beside scikit-learn, glum and statsmodels on the SAME objective.

Run with ``make bench`` (or ``python benchmarks/cpu.py [--sizes ...] [--dists ...]``). The
first line says which path the in-memory fits take (the fused numba kernels after a plain
install; the NumPy block path where numba cannot load) and what numba's first-call compile
costs with and without its on-disk cache.

Objective (every solver): mean log-loss + (alpha/2)||w||^2 on the raw features,
intercept unpenalised, alpha = 1/n (scikit-learn's default ``C=1``).
statsmodels has no L2 logistic fit, so it is compared on the unpenalised
objective (alpha = 0) against a oneneuron fit of that objective.

Dense data comes in two feature distributions: ``correlated`` (AR(1), rho 0.5) and
``isotropic`` (independent unit normals, where first-order peers are at their best).

Each solver is measured two ways. ``ladder``: the tolerance is tightened along a ladder
(1e-4, 3e-5, 1e-5, ...) until its objective is within ``GAP`` of the best objective any
solver reached (a Newton reference fit at tol=1e-12, outside the timings); the time of
that first run is timed. ``defaults``: each library's own default settings, once; the
gap it leaves is shown (on the 200 x 1 unpenalised objective: statsmodels
``Logit(...).fit()`` plus its standard errors against oneneuron's default fit, which
computes them). Times are medians of ``--repeat`` rounds in which every solver of a row
group runs once in turn (alternating, so that the shared machine's changing load hits
all of them alike).
"passes" is time divided by the time of one read of X (the memory-bandwidth floor,
measured in the same run); for oneneuron the passes it counted are shown too. Ratios
peer/oneneuron are what to quote: this machine is shared and absolute times are noisy.
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
#: From 1e-4 for every solver (as benchmarks/penalty.py): starting at 1e-6 held the
#: solvers that are already within GAP at a looser tolerance to more iterations than
#: the objective needs (oneneuron at 100k x 20: 1.5e-10 at tol=1e-4 in 4 passes, 6 at 1e-6).
LADDER = (1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 1e-9, 1e-10, 1e-12)
SIZES = {
    "200x1": (200, 1, "dense64"),
    "100kx20": (100_000, 20, "dense64"),
    "1Mx100": (1_000_000, 100, "dense64"),
    "1Mx100-f32": (1_000_000, 100, "dense32"),
    "50kx2000": (50_000, 2000, "dense64"),
    "sparse500kx100k": (500_000, 100_000, "sparse"),
}


DISTS = ("correlated", "isotropic")
#: Peers left out at a size unless ``--all-peers``: each was at least 5x slower than the
#: fastest peer there in the previous full run (README), and at these sizes every run of
#: its tolerance ladder costs minutes on a shared 2-core machine.
SLOW_PEERS = {  # newton-cholesky at 1M x 100: 400-700 s a fit on the shared machine
    "1Mx100": ("glum", "sklearn newton-cholesky"),
    "1Mx100-f32": ("glum", "sklearn newton-cholesky"),
    "50kx2000": ("sklearn newton-cholesky", "glum defaults"),  # glum's default: 6-10 min
    # glum's default solver forms the p x p Hessian: 74.5 GiB at p = 100k, it cannot run
    # here (its ladder way sets solver="lbfgs" and runs)
    "sparse500kx100k": ("glum defaults",),
}


def make_data(
    n: int, d: int, kind: str, dist: str = "correlated", seed: int = 0
) -> tuple[Any, np.ndarray]:
    """Unit-scale features, correlated (AR(1), rho 0.5) or isotropic; y from a logistic model.

    Unit scale is the friendly case for first-order peers (scikit-learn's L-BFGS
    needs ~40 passes' worth at 1M x 100 correlated, ~6 iterations isotropic);
    features of mixed scales make them far slower, while Newton-type solvers do not care.
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
        X = rng.standard_normal((n, d))
        if dist == "correlated":
            for j in range(1, d):
                X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * X[:, j]
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


# --- the solvers: each returns a fit(tol) -> (coef, intercept, info) -----------------
# A fit(tol) with tol=None runs the library's defaults (only the objective is set).
def oneneuron_fit(X: Any, y: np.ndarray, alpha: float) -> Callable[[float | None], Any]:
    def fit(tol: float | None) -> Any:
        opts = {} if tol is None else {"tol": tol}
        c = NeuronClassifier(alpha=alpha, standardize=False, inference=False, **opts).fit(X, y)
        return c.coef_, c.intercept_, f"{c.solver_}, {c.n_passes_:.1f} counted passes"

    return fit


def oneneuron_default_fit(X: Any, y: np.ndarray) -> Callable[[float | None], Any]:
    """The unpenalised default fit, standard errors included (like statsmodels' Logit)."""

    def fit(tol: float | None) -> Any:
        c = NeuronClassifier(**({} if tol is None else {"tol": tol})).fit(X, y)
        assert c.inference_.cov is not None
        return c.coef_, c.intercept_, f"{c.solver_}, with standard errors"

    return fit


def sklearn_fit(X: Any, y: np.ndarray, alpha: float, solver: str) -> Callable[[float], Any]:
    from sklearn.linear_model import LogisticRegression

    C = np.inf if alpha == 0 else 1.0 / (len(y) * alpha)

    def fit(tol: float | None) -> Any:
        opts = {} if tol is None else {"tol": tol, "max_iter": 10_000}
        m = LogisticRegression(C=C, solver=solver, **opts).fit(X, y)
        return m.coef_, m.intercept_, f"{int(np.max(m.n_iter_))} iterations"

    return fit


def glum_fit(X: Any, y: np.ndarray, alpha: float) -> Callable[[float], Any]:
    from glum import GeneralizedLinearRegressor

    solver = "lbfgs" if sp.issparse(X) or X.shape[1] > 500 else "irls-cd"

    def fit(tol: float | None) -> Any:
        opts = {} if tol is None else {"gradient_tol": tol, "max_iter": 10_000, "solver": solver}
        m = GeneralizedLinearRegressor(family="binomial", alpha=alpha, l1_ratio=0.0, **opts).fit(
            X, y
        )
        return m.coef_, m.intercept_, f"{solver}, {m.n_iter_} iterations"

    return fit


def statsmodels_fit(X: Any, y: np.ndarray) -> Callable[[float], Any]:
    import statsmodels.api as sm

    def fit(tol: float | None) -> Any:
        Xc = sm.add_constant(np.asarray(X, dtype=np.float64), has_constant="add")
        opts = {} if tol is None else {"method": "newton", "tol": tol, "maxiter": 200}
        r = sm.Logit(y, Xc).fit(disp=0, **opts)
        se = r.bse if tol is None else None  # like for like with oneneuron's default fit
        what = "with standard errors" if se is not None else "newton"
        return r.params[1:], r.params[:1], f"{what}, {r.mle_retvals['iterations']} iterations"

    return fit


def run_solver(
    name: str, fit: Callable[[float | None], Any], f: Callable, best: float, way: str
) -> dict:
    """The first tolerance of the ladder whose fit is within ``GAP`` (one untimed fit each)."""
    for tol in (None,) if way == "defaults" else LADDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            coef, b, info = fit(tol)
        gap = f(coef, b) - best
        if gap <= GAP:
            break
    return {"solver": name, "gap": gap, "tol": tol, "info": info, "way": way, "fit": fit}


def time_alternately(results: list[dict], repeat: int, collect_each: bool = True) -> None:
    """Median seconds of each solver at its chosen tolerance, the solvers timed in turn.

    Round ``r`` times every solver once, so that a change of the machine's load
    (it is shared) hits all of them alike and the ratios stay comparable. A fast
    fit is repeated within its turn until 0.2 s have passed (the median of those). The
    garbage collector is off while a fit is timed, as ``timeit`` does, and runs before
    each fit (``collect_each``: walking every object also evicts X from the caches, so
    each fit reads X from memory) or, for tiny X, before each turn only (a collection
    cost more than a 0.5 ms fit, and made the 200 x 1 rows take minutes).
    """
    times: list[list[float]] = [[] for _ in results]
    for _ in range(repeat):
        for r, ts in zip(results, times, strict=True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                inner = []
                gc.collect()
                gc.disable()  # off while timing, as timeit does
                try:
                    while not inner or (sum(inner) < 0.2 and len(inner) < 100):
                        if collect_each and inner:
                            gc.collect()
                        t0 = time.perf_counter()
                        r["fit"](r["tol"])
                        inner.append(time.perf_counter() - t0)
                finally:
                    gc.enable()
            ts.append(float(np.median(inner)))
    for r, ts in zip(results, times, strict=True):
        r["seconds"] = float(np.median(ts))
        del r["fit"]


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


def warm_tiny_newton(X: np.ndarray, y: np.ndarray, budget: float = 10.0) -> None:
    """Fit until the compiled tiny Newton loop is in use, as in a process that has done
    many small fits (``oneneuron.engines.tiny_newton_kernel``: loaded once the NumPy
    loop's time would pay for loading it), and say after how many; the timings are then
    of that steady state. The first fits of a process run the NumPy loop."""
    from oneneuron.engines import tiny_newton_kernel

    t0, fits = time.perf_counter(), 0
    while tiny_newton_kernel() is None and time.perf_counter() - t0 < budget:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            NeuronClassifier().fit(X, y)
        fits += 1
    state = "in use" if tiny_newton_kernel() is not None else "not loaded"
    print(
        f"tiny fits: the compiled Newton loop {state} after {fits} warm-up fits "
        f"({time.perf_counter() - t0:.1f} s); the timings below are of that state",
        flush=True,
    )


def bench_size(
    label: str,
    n: int,
    d: int,
    kind: str,
    dist: str,
    repeat: int,
    peers: list[str],
    ways: list[str],
    all_peers: bool = False,
) -> list[dict]:
    X, y = make_data(n, d, kind, dist)
    floor = read_floor(X)
    if n * d <= 20_000:
        warm_tiny_newton(X, y)
    rows = []
    objectives = [("L2 alpha=1/n", 1.0 / n)]
    if kind != "sparse" and "statsmodels" in peers and n * d <= 2e6:
        objectives.append(("unpenalised", 0.0))
    for obj_name, alpha in objectives:
        f = objective(X, y, alpha)
        ref = NeuronClassifier(alpha=alpha, standardize=False, tol=1e-12, inference=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref.fit(X.astype(np.float64) if kind == "dense32" else X, y)
        best = f(ref.coef_, ref.intercept_)
        for way in ways:
            solvers = [("oneneuron", oneneuron_fit(X, y, alpha))]
            if alpha > 0:
                slow = SLOW_PEERS.get(label, ()) if not all_peers else ()
                if "sklearn" in peers:
                    solvers.append(("sklearn lbfgs", sklearn_fit(X, y, alpha, "lbfgs")))
                    nc = "sklearn newton-cholesky"
                    if d <= 2000 and not sp.issparse(X) and nc not in slow:
                        solvers.append((nc, sklearn_fit(X, y, alpha, "newton-cholesky")))
                if "glum" in peers and "glum" not in slow and f"glum {way}" not in slow:
                    solvers.append(("glum", glum_fit(X, y, alpha)))
            elif "statsmodels" in peers:
                if way == "defaults":  # like for like: both compute standard errors
                    solvers = [("oneneuron", oneneuron_default_fit(X, y))]
                solvers.append(("statsmodels", statsmodels_fit(X, y)))
            results = [run_solver(name, fit, f, best, way) for name, fit in solvers]
            time_alternately(results, repeat, collect_each=n * d > 20_000)
            ours = results[0]["seconds"]
            for r in results:
                r.update(
                    size=label,
                    dist=dist if kind != "sparse" else "-",
                    objective=obj_name,
                    passes=r["seconds"] / floor,
                    ratio=r["seconds"] / ours,
                )
            rows += results
    rows[0]["memory"] = peak_extra_memory(X, y, 1.0 / n)
    return rows


def compile_seconds() -> dict[str, float]:
    """Extra seconds of the first fit that takes the fused kernels, in fresh interpreters.

    The first fit minus the second, which includes importing numba. ``no cache``: numba
    compiles (an empty cache folder, as on a first run); ``cached``: a second interpreter
    loads the compiled kernels from that folder. A process pays this once.
    """
    import os
    import subprocess
    import sys
    import tempfile

    code = (
        "import time, numpy as np\n"
        "from oneneuron import NeuronClassifier\n"
        "X = np.random.default_rng(0).standard_normal((5000, 3)); y = X[:, 0] > 0\n"
        "t0 = time.perf_counter(); NeuronClassifier(solver='lbfgs').fit(X, y)\n"
        "t1 = time.perf_counter(); NeuronClassifier(solver='lbfgs').fit(X, y)\n"
        "t2 = time.perf_counter(); print((t1 - t0) - (t2 - t1))\n"
    )
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for name in ("no cache", "cached"):
            run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
            out[name] = float(run.stdout.decode().split()[-1]) if run.returncode == 0 else np.nan
    return out


def print_table(rows: list[dict]) -> None:
    print(
        f"{'size':<16} {'features':<10} {'objective':<13} {'way':<8} {'solver':<24} {'time':>8} "
        f"{'passes':>7} {'gap':>9} {'peer/ours':>9}  notes"
    )
    for r in rows:
        mem = f"; peak extra memory {r['memory']:.1%} of X" if "memory" in r else ""
        tol = "default tol" if r["tol"] is None else f"tol={r['tol']:.0e}"
        print(
            f"{r['size']:<16} {r['dist']:<10} {r['objective']:<13} {r['way']:<8} "
            f"{r['solver']:<24} {r['seconds']:8.4f} {r['passes']:7.1f} {r['gap']:9.1e} "
            f"{r['ratio']:9.1f}  {tol}; {r['info']}{mem}"
        )


def main() -> None:
    from oneneuron.engines import fast_path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--dists", nargs="*", default=list(DISTS), choices=list(DISTS))
    ap.add_argument("--ways", nargs="*", default=["ladder", "defaults"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", nargs="*", default=["sklearn", "glum", "statsmodels"])
    ap.add_argument("--all-peers", action="store_true", help="also the slow peers (SLOW_PEERS)")
    ap.add_argument("--no-compile", action="store_true", help="skip the first-fit measurement")
    args = ap.parse_args()
    print(f"path: {fast_path()}")
    comp = {"no cache": np.nan, "cached": np.nan} if args.no_compile else compile_seconds()
    print(
        f"first fit's extra cost (numba import + compile): {comp['no cache']:.2f} s without "
        f"numba's cache, {comp['cached']:.2f} s with it (once per process; predict never "
        "loads numba)\n",
        flush=True,
    )
    rows = []
    for label in args.sizes:
        n, d, kind = SIZES[label]
        dists = args.dists if kind != "sparse" and n * d > 1000 else args.dists[:1]
        for dist in dists:
            size_rows = bench_size(
                label, n, d, kind, dist, args.repeat, args.peers, args.ways, args.all_peers
            )
            print_table(size_rows)
            print(flush=True)
            rows += size_rows
    print("Summary (median seconds; ratio = peer time / oneneuron time on the same objective):")
    print_table(rows)


if __name__ == "__main__":
    main()
