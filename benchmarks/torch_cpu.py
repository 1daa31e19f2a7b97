"""CPU torch tensors: the NumPy engine on a view (default) vs the array-API engine vs NumPy input.

A CPU tensor is fitted by the NumPy engine on a zero-copy view of its memory
(:func:`oneneuron.engines.host_view`); the array-API engine (which GPU tensors
get) is forced here by swapping ``host_view`` for one that returns None. The three
routes are alternated in the same run on the same data (uncentred columns, a
well-posed logistic/softmax model), and the script prints the medians, passes,
the time ratios and the largest coefficient difference from NumPy input.

    python benchmarks/torch_cpu.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import torch

import oneneuron.engines as engines
from oneneuron import NeuronClassifier

CASES = [(20_000, 20, 2, "auto"), (20_000, 20, 3, "auto"), (100_000, 50, 2, "newton"),
         (100_000, 50, 2, "auto")]  # fmt: skip


def fit(X, y, route: str, solver: str) -> tuple[float, NeuronClassifier]:
    """Wall time and model of one fit on ``route`` ('numpy', 'array-api' or 'view')."""
    real = engines.host_view
    if route == "array-api":
        engines.host_view = lambda X: None
    try:
        t = time.perf_counter()
        clf = NeuronClassifier(solver=solver).fit(X, y)
        return time.perf_counter() - t, clf
    finally:
        engines.host_view = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"torch threads: {torch.get_num_threads()}")
    for n, d, K, solver in CASES:
        rng = np.random.default_rng(0)
        X = 2.0 + 0.5 * rng.standard_normal((n, d))
        B = rng.standard_normal((d, K)) / np.sqrt(d)
        y = ((X - 2.0) @ B * 2 + rng.gumbel(size=(n, K))).argmax(1)
        for dtype in (np.float32, np.float64):
            Xn = np.ascontiguousarray(X, dtype=dtype)
            inputs = {"numpy": (Xn, y), "array-api": (torch.from_numpy(Xn), torch.from_numpy(y))}
            inputs["view"] = inputs["array-api"]
            times: dict[str, list[float]] = {r: [] for r in inputs}
            models = {}
            for _ in range(args.repeats):
                for route, (Xr, yr) in inputs.items():
                    t, models[route] = fit(Xr, yr, route, solver)
                    times[route].append(t)
            med = {r: statistics.median(v) for r, v in times.items()}
            ref = models["numpy"].coef_.astype(np.float64)
            diff = {r: np.abs(models[r].coef_ - ref).max() for r in ("array-api", "view")}
            print(
                f"{n}x{d} K={K} {solver} {np.dtype(dtype).name}: "
                + " | ".join(f"{r} {med[r]:.3f}s p={models[r].n_passes_:g}" for r in inputs)
                + f" | view/array-api {med['view'] / med['array-api']:.2f}"
                f" view/numpy {med['view'] / med['numpy']:.2f}"
                f" | max|dcoef| array-api {diff['array-api']:.1e} view {diff['view']:.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
