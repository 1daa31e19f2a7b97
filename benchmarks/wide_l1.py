"""Wide L1 benchmark: paths and fits where the working set is large against the rows.

Run with ``python benchmarks/wide_l1.py [--cases path-liblinear path-glum dense-path big]
[--repeat 3]``. Cases (each a ratio peer time / oneneuron time, measured in one run):

- ``path-liblinear``: sparse 20k x 2 000 (30 stored values a row), a ``--n-alphas`` grid
  from ``alpha_max`` down to 1e-4 of it, no intercept, raw features (liblinear penalises
  an intercept, and does not standardise): oneneuron's warm-started path against
  liblinear's fit at every alpha.
- ``path-glum``: the same data and grid with an intercept, against glum's path
  (``alpha_search=True``, ``scale_predictors=False``).
- ``dense-path``: dense 5k x 5 000 (``--dense-n``, ``--dense-d``), 50 alphas down to 1e-2
  of ``alpha_max`` (glmnet's default when p > n), with an intercept, against glum's path.
- ``big``: one L1 fit on sparse 500k rows at an alpha leaving about 100 non-zeros:
  against glum at ``--big-d-glum`` columns (glum's L1 solver forms the p x p Hessian, so
  it cannot take 100k columns), against liblinear (no intercept) at ``--big-d`` columns.

Every solver's tolerance is tightened along a ladder until its objective is within 1e-9
(relative) of a tight reference at every alpha, as ``benchmarks/penalty.py`` does; "passes"
is time over one read of X's stored values in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from penalty import (  # noqa: E402
    ladder,
    make_data,
    objective,
    path_vs_glum,
    print_rows,
    read_floor,
    rel_gap,
    timed,
)

from oneneuron import NeuronClassifier, regularization_path  # noqa: E402

CASES = ("path-liblinear", "path-glum", "dense-path", "big")


def dense_data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit-normal features, 50 of them informative."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    beta = np.zeros(d)
    beta[:50] = rng.standard_normal(50)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta)))).astype(np.int64)
    return X, y


def path_with_nonzeros(X: Any, y: np.ndarray, alphas: np.ndarray, repeat: int) -> tuple[dict, dict]:
    """penalty.py's path ladders against glum, noting the last alpha's non-zeros."""
    o, g, ref = path_vs_glum(X, y, alphas, repeat, repeat, 1e-11)
    nnz = int(np.sum(ref.coef[-1] != 0))
    o["note"] = f"down to {nnz} non-zeros, passes counted {o['out'].n_passes[-1]:.0f}"
    return o, g


def liblinear_l1(alpha: float, n: int, tol: float) -> Any:
    """liblinear's L1 fit of mean log-loss + alpha |w|_1 (C = 1 / (n alpha)), without
    intercept (liblinear would penalise it)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        l1_ratio=1.0,
        C=1 / (n * alpha),
        solver="liblinear",
        fit_intercept=False,
        tol=tol,
        max_iter=10_000,
    )


def one_fit(X: Any, y: np.ndarray, icpt: bool, repeat: int) -> tuple[dict, dict, str]:
    """One L1 fit at an alpha leaving about 100 non-zeros: against glum with an
    intercept, liblinear without."""
    import glum

    a_max = regularization_path(X, y, n_alphas=1, standardize=False, fit_intercept=icpt).alpha_max
    alpha = a_max / 2.5
    F = objective(X, y, alpha)
    kw = dict(alpha=alpha, l1_ratio=1.0, standardize=False, fit_intercept=icpt)
    refm = NeuronClassifier(**kw, tol=1e-12).fit(X, y)
    best = F(refm.coef_[0], refm.intercept_[0] if icpt else 0.0)

    def ours(tol: float) -> tuple[float, Any]:
        return timed(lambda: NeuronClassifier(**kw, tol=tol).fit(X, y), repeat)

    def peer(tol: float) -> tuple[float, Any]:
        if icpt:
            model: Any = glum.GeneralizedLinearRegressor(
                family="binomial",
                alpha=alpha,
                l1_ratio=1.0,
                scale_predictors=False,
                gradient_tol=tol,
            )
        else:
            model = liblinear_l1(alpha, len(y), tol)
        return timed(lambda: model.fit(X, y), repeat)

    def gap(m: Any) -> float:
        b = float(np.ravel(m.intercept_)[0]) if icpt else 0.0
        return rel_gap(F(np.ravel(m.coef_), b), best)

    o = ladder(ours, gap)
    g = ladder(peer, gap)
    nnz = int(np.sum(o["out"].coef_ != 0))
    return o, g, f"{nnz} non-zeros, passes counted {o['out'].n_passes_:.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n-alphas", type=int, default=50)
    ap.add_argument("--big-n", type=int, default=500_000)
    ap.add_argument("--big-d", type=int, default=100_000)
    ap.add_argument("--big-d-glum", type=int, default=10_000)
    ap.add_argument("--dense-n", type=int, default=5_000)
    ap.add_argument("--dense-d", type=int, default=5_000)
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore")
    threadpool_limits(1, user_api="blas")
    rows = []

    if {"path-liblinear", "path-glum"} & set(args.cases):
        X, y = make_data(20_000, 2_000, sparse=True)
        floor = read_floor(X)
        per_row = X.nnz / X.shape[0]
        print(f"sparse 20k x 2000, {per_row:.1f} stored a row; one read {floor * 1e3:.2f} ms")
        a_max0 = regularization_path(
            X, y, n_alphas=1, standardize=False, fit_intercept=False
        ).alpha_max
        alphas0 = a_max0 * np.logspace(0, -4, args.n_alphas)
        k = len(alphas0)
        if "path-liblinear" in args.cases:
            ref = regularization_path(
                X, y, alphas=alphas0, standardize=False, fit_intercept=False, tol=1e-11
            )
            Fs = [objective(X, y, a) for a in alphas0]
            best = [Fs[i](ref.coef[i, 0], 0.0) for i in range(k)]

            def ours(tol: float) -> tuple[float, Any]:
                return timed(
                    lambda: regularization_path(
                        X, y, alphas=alphas0, standardize=False, fit_intercept=False, tol=tol
                    ),
                    args.repeat,
                )

            def liblinear(tol: float) -> tuple[float, Any]:
                def fits() -> list[np.ndarray]:
                    return [liblinear_l1(a, len(y), tol).fit(X, y).coef_[0] for a in alphas0]

                return timed(fits, args.repeat)

            o = ladder(
                ours, lambda p: max(rel_gap(Fs[i](p.coef[i, 0], 0.0), best[i]) for i in range(k))
            )
            lib = ladder(
                liblinear, lambda ws: max(rel_gap(Fs[i](ws[i], 0.0), best[i]) for i in range(k))
            )
            nnz = int(np.sum(ref.coef[-1] != 0))
            note = f"down to {nnz} non-zeros, passes counted {o['out'].n_passes[-1]:.0f}"
            rows.append(
                (
                    f"sparse 20k x 2000 path, {k} alphas, no intercept (liblinear)",
                    o,
                    lib,
                    note,
                    floor,
                )
            )
        if "path-glum" in args.cases:
            a_max = regularization_path(X, y, n_alphas=1, standardize=False).alpha_max
            o, g = path_with_nonzeros(X, y, a_max * np.logspace(0, -4, args.n_alphas), args.repeat)
            rows.append((f"sparse 20k x 2000 path, {k} alphas (glum)", o, g, o.pop("note"), floor))

    if "dense-path" in args.cases:
        X, y = dense_data(args.dense_n, args.dense_d)
        floor = read_floor(X)
        print(f"dense {args.dense_n} x {args.dense_d}; one read {floor * 1e3:.2f} ms")
        a_max = regularization_path(X, y, n_alphas=1, standardize=False).alpha_max
        o, g = path_with_nonzeros(X, y, a_max * np.logspace(0, -2, 50), args.repeat)
        name = f"dense {args.dense_n} x {args.dense_d} path, 50 alphas (glum)"
        rows.append((name, o, g, o.pop("note"), floor))

    if "big" in args.cases:
        for d, icpt in ((args.big_d_glum, True), (args.big_d, False)):
            X, y = make_data(args.big_n, d, sparse=True)
            floor = read_floor(X)
            print(f"sparse {args.big_n} x {d}; one read {floor * 1e3:.2f} ms")
            o, g, note = one_fit(X, y, icpt, args.repeat)
            peer = "glum" if icpt else "liblinear"
            what = "" if icpt else ", no intercept"
            name = f"sparse {args.big_n // 1000}k x {d // 1000}k one fit{what} ({peer})"
            rows.append((name, o, g, note, floor))

    print_rows(rows)


if __name__ == "__main__":
    main()
