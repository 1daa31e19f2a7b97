"""NeuronClassifier on a GPU tensor vs torch.optim.LBFGS, in passes over X.

For each n (default 10M and 50M rows x 100 float32 features, generated on the
device) the script measures, in the same run:

* the one-pass floor: a column sum over X (reads X once), timed with device
  synchronisation, and the read bandwidth it implies;
* oneneuron: ``NeuronClassifier(solver="subsampled-newton", standardize=False)``:
  exact Newton on 20,000 random rows (gathered on the device), then full-data
  steps with that Hessian, one fused loss-and-gradient evaluation each; time,
  passes counted by the engine, and time in passes' worth (time / one-pass time);
* torch.optim.LBFGS on the same objective (mean log-loss with an intercept,
  no penalty), same ``max |grad|`` tolerance, strong-Wolfe line search.

Targets on a lent GPU: <= 10 passes' worth per fit and >= 5x faster than
torch.optim.LBFGS. Smoke test on a CPU: ``python benchmarks/gpu.py --n 200000 --device cpu``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from oneneuron import NeuronClassifier


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def timed(fn, dev: torch.device, repeats: int) -> tuple[float, object]:
    """Median wall time of ``fn()`` over ``repeats`` runs after one warm-up."""
    out = fn()
    times = []
    for _ in range(repeats):
        _sync(dev)
        t0 = time.perf_counter()
        out = fn()
        _sync(dev)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def make_data(n: int, d: int, dev: torch.device, seed: int = 0) -> tuple:
    g = torch.Generator(device=dev).manual_seed(seed)
    X = torch.randn(n, d, generator=g, device=dev, dtype=torch.float32)
    w = torch.randn(d, generator=g, device=dev) / d**0.5
    p = torch.sigmoid(X @ w - 0.5)
    y = (torch.rand(n, generator=g, device=dev) < p).to(torch.int64)
    return X, y


def fit_oneneuron(X, y, tol: float):
    """Subsampled Newton: exact Newton on a row subsample, then full passes, its Hessian."""
    clf = NeuronClassifier(
        standardize=False, solver="subsampled-newton", tol=tol, inference=False, random_state=0
    )
    return clf.fit(X, y)


def fit_torch_lbfgs(X, y, tol: float):
    d = X.shape[1]
    w = torch.zeros(d, device=X.device, requires_grad=True)
    b = torch.zeros(1, device=X.device, requires_grad=True)
    yf = y.to(X.dtype)
    opt = torch.optim.LBFGS(
        [w, b], lr=1, max_iter=1000, tolerance_grad=tol, tolerance_change=0.0,
        history_size=10, line_search_fn="strong_wolfe",
    )  # fmt: skip
    evals = [0]

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, yf)
        loss.backward()
        evals[0] += 1
        return loss

    opt.step(closure)
    return torch.cat([w.detach(), b.detach()]), evals[0]


def run_one(n: int, args: argparse.Namespace, dev: torch.device) -> None:
    """Measure the pass floor, oneneuron and torch.optim.LBFGS on one generated dataset."""
    X, y = make_data(n, args.d, dev)
    t_pass, _ = timed(lambda X=X: X.sum(dim=0), dev, max(5, args.repeats))
    gbs = X.numel() * X.element_size() / t_pass / 1e9
    t_one, clf = timed(lambda: fit_oneneuron(X, y, args.tol), dev, args.repeats)
    t_ref, (theta, evals) = timed(lambda: fit_torch_lbfgs(X, y, args.tol), dev, args.repeats)
    ours = np.concatenate([clf.coef_.ravel(), clf.intercept_]).astype(np.float64)
    gap = np.abs(ours - theta.cpu().numpy()).max()
    print(f"n = {n:,} x {args.d} float32 on {dev}: one pass {t_pass * 1e3:.2f} ms ({gbs:.0f} GB/s)")
    print(
        f"  oneneuron   {t_one * 1e3:8.1f} ms = {t_one / t_pass:5.1f} passes' worth; "
        f"engine passes {clf.n_passes_:.2f} (subsample counted fractionally); "
        f"{clf.n_iter_} iterations, max|grad| {clf.grad_norm_:.1e}"
    )
    print(
        f"  torch LBFGS {t_ref * 1e3:8.1f} ms = {t_ref / t_pass:5.1f} passes' worth; "
        f"{evals} loss+grad evaluations"
    )
    print(f"  speed-up vs torch.optim.LBFGS: {t_ref / t_one:.1f}x; max|coef diff| {gap:.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10_000_000, 50_000_000])
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--tol", type=float, default=1e-5, help="max |grad| for both (float32)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    dev = torch.device(args.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device here; run with --device cpu for a smoke test")
    for n in args.n:
        run_one(n, args, dev)


if __name__ == "__main__":
    main()
