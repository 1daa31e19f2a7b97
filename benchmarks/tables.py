"""Table benchmark: a categorical column of many levels, oneneuron beside scikit-learn.

The table: ``--rows`` rows (default 400k), ``--numeric`` numeric columns and one
categorical column of ``--levels`` levels (default 1000), y from a logistic model.
oneneuron fits the table itself (``NeuronClassifier().fit(df, y)``: its design layer
codes the categorical against a reference level); scikit-learn gets the usual
pipeline, ``OneHotEncoder(drop="first", sparse_output=True)`` on the categorical and
the numeric columns passed through, then ``LogisticRegression()``.

Each of oneneuron's fits runs twice: with the design as the library builds it (CSR
for a large, mostly-zero design: ``sparse``) and with the design forced dense (the
former behaviour: ``dense``). Rows:

- ``default``: ``NeuronClassifier()`` as a user calls it (unpenalised, with its
  standard errors when ``inference="auto"`` finds them cheap);
- ``same objective``: ``NeuronClassifier(alpha=1/n, standardize=False)``, scikit-learn's
  objective at ``C=1`` (mean log-loss + (1/2n)||w||^2 on the raw columns), beside
  ``LogisticRegression()`` at its defaults; the objective each reaches is shown.

Fit and predict (``predict_proba`` on the same table) are timed as medians of
``--repeat`` alternating rounds (every contender once per round, so that the shared
machine's load hits all alike), after one warm-up round (numba's compile and the
imports are not timed). The peak of traced memory (``tracemalloc``: NumPy's and
SciPy's buffers included) of one fit and one predict is measured separately. Ratios
against scikit-learn in the same run are what to quote; absolute times are noisy.

    python benchmarks/tables.py [--rows 400000] [--levels 1000] [--repeat 3]
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
import pandas as pd

from oneneuron import NeuronClassifier
from oneneuron.tables import _design


def make_table(n: int, levels: int, numeric: int, seed: int = 0) -> tuple[pd.DataFrame, Any]:
    """Numeric columns (unit normals) and one categorical of ``levels`` levels."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, levels, n)
    X = rng.standard_normal((n, numeric))
    effect = rng.normal(0.0, 0.5, levels)
    z = X @ np.linspace(0.5, -0.5, numeric) + effect[g]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.int64)
    df = pd.DataFrame({f"x{j}": X[:, j] for j in range(numeric)})
    names = np.array([f"L{k:04d}" for k in range(levels)], dtype=object)
    df["g"] = pd.Categorical(names[g], categories=names)
    return df, y


class Dense:
    """Within the block, tables' designs are dense whatever their size (the former path)."""

    def __enter__(self) -> None:  # (a version without the sparse design has no such rule)
        self.saved = getattr(_design, "SPARSE_MIN_CELLS", None)
        _design.SPARSE_MIN_CELLS = 1 << 62

    def __exit__(self, *exc: object) -> None:
        _design.SPARSE_MIN_CELLS = self.saved


def sklearn_pipeline(numeric: list[str]) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    coder = ColumnTransformer(
        [("g", OneHotEncoder(drop="first", sparse_output=True), ["g"])],
        remainder="passthrough",
        sparse_threshold=1.0,
    )
    return make_pipeline(coder, LogisticRegression())


def objective(model: Any, df: pd.DataFrame, y: Any, alpha: float) -> float:
    """Mean log-loss + (alpha/2)||w||^2 of a fitted model on the table."""
    p = np.clip(model.predict_proba(df)[:, 1], 1e-300, 1 - 1e-16)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
    coef = model[-1].coef_ if hasattr(model, "steps") else model.coef_
    return float(loss + 0.5 * alpha * np.sum(np.asarray(coef) ** 2))


def contenders(df: pd.DataFrame, y: Any) -> dict[str, tuple[Callable[[], Any], bool]]:
    """name -> (a function fitting a new model, whether the design is forced dense)."""
    n = len(df)
    numeric = [c for c in df.columns if c != "g"]
    return {
        "oneneuron default, sparse": (lambda: NeuronClassifier().fit(df, y), False),
        "oneneuron default, dense": (lambda: NeuronClassifier().fit(df, y), True),
        "oneneuron same objective, sparse": (
            lambda: NeuronClassifier(alpha=1.0 / n, standardize=False).fit(df, y),
            False,
        ),
        "oneneuron same objective, dense": (
            lambda: NeuronClassifier(alpha=1.0 / n, standardize=False).fit(df, y),
            True,
        ),
        "scikit-learn OneHotEncoder + LogisticRegression": (
            lambda: sklearn_pipeline(numeric).fit(df, y),
            False,
        ),
    }


def run(fn: Callable[[], Any], dense: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dense:
            with Dense():
                return fn()
        return fn()


def timed(fn: Callable[[], Any], dense: bool) -> tuple[float, Any]:
    gc.collect()
    t = time.perf_counter()
    out = run(fn, dense)
    return time.perf_counter() - t, out


def peak(fn: Callable[[], Any], dense: bool) -> float:
    """Peak traced memory (GiB) of ``fn``, beyond what was held before it."""
    gc.collect()
    tracemalloc.start()
    try:
        run(fn, dense)
        return tracemalloc.get_traced_memory()[1] / 2**30
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--levels", type=int, default=1000)
    ap.add_argument("--numeric", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true", help="skip the traced-memory runs")
    args = ap.parse_args()
    df, y = make_table(args.rows, args.levels, args.numeric)
    alpha = 1.0 / args.rows
    gib = args.rows * (args.numeric + args.levels - 1) * 8 / 2**30
    print(
        f"table: {args.rows} rows, {args.numeric} numeric columns, one categorical of "
        f"{args.levels} levels; dense design {gib:.2f} GiB"
    )
    who = contenders(df, y)
    fits: dict[str, list[float]] = {k: [] for k in who}
    preds: dict[str, list[float]] = {k: [] for k in who}
    models: dict[str, Any] = {}
    for r in range(args.repeat + 1):  # round 0 warms up (numba, imports); not counted
        for name, (fn, dense) in who.items():
            t, model = timed(fn, dense)
            tp, _ = timed(lambda m=model: m.predict_proba(df), dense)
            if r:
                fits[name].append(t)
                preds[name].append(tp)
            models[name] = model
    ref = "scikit-learn OneHotEncoder + LogisticRegression"
    f0, p0 = np.median(fits[ref]), np.median(preds[ref])
    print(f"\n{'':50s} {'fit s':>7s} {'x sklearn':>9s} {'predict s':>9s} {'x sklearn':>9s}")
    for name in who:
        f, p = np.median(fits[name]), np.median(preds[name])
        print(f"{name:50s} {f:7.2f} {f / f0:9.1f} {p:9.2f} {p / p0:9.1f}")
    print("\nobjective (mean log-loss + (1/2n)||w||^2) reached:")
    for name in ("oneneuron same objective, sparse", "oneneuron same objective, dense", ref):
        print(f"  {name:48s} {objective(models[name], df, y, alpha):.10f}")
    if args.no_memory:
        return
    print(f"\n{'peak traced memory, GiB':50s} {'fit':>7s} {'predict':>9s}")
    for name, (fn, dense) in who.items():
        model = models[name]
        m_fit = peak(fn, dense)
        m_pred = peak(lambda m=model: m.predict_proba(df), dense)
        print(f"{name:50s} {m_fit:7.2f} {m_pred:9.2f}")


if __name__ == "__main__":
    main()
