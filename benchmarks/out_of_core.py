"""Out-of-core fit: a Parquet dataset several times larger than a Dask worker's memory.

Writes ``--rows`` x ``--features`` float32 features plus a 0/1 label as Parquet,
one file at a time (row groups of ``--row-group`` rows), so the generator never
holds more than one file. Then fits ``oneneuron.dask_io.fit_parquet`` on a
LocalCluster whose single worker has ``--memory-limit`` bytes, sampling the RSS of
the worker and of the client every 0.1 s. Prints data size, peak memories, their
ratio to the data size, passes over the data, and agreement with the true
coefficients. Deletes the files afterwards (unless ``--keep``).

    python benchmarks/out_of_core.py --rows 10_000_000 --features 50 --memory-limit 600MB
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(path: Path, rows: int, d: int, files: int, row_group: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d) / np.sqrt(d)
    b = -0.5
    per = rows // files
    for i in range(files):
        X = rng.standard_normal((per, d), dtype=np.float32)
        z = X @ w.astype(np.float32) + b
        y = (rng.random(per) < 1 / (1 + np.exp(-z))).astype(np.int8)
        cols = {f"x{j}": X[:, j] for j in range(d)} | {"y": y}
        pq.write_table(pa.table(cols), path / f"part-{i:04d}.parquet", row_group_size=row_group)
    return w, b, per * files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--features", type=int, default=50)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--row-group", type=int, default=62_500)
    ap.add_argument("--memory-limit", default="600MB")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    import dask
    import psutil
    from distributed import Client, LocalCluster

    from oneneuron.dask_io import fit_parquet

    root = Path(tempfile.mkdtemp(prefix="oneneuron-ooc-", dir=args.dir))
    try:
        t0 = time.perf_counter()
        w, b, n = write_parquet(root, args.rows, args.features, args.files, args.row_group, 0)
        t_write = time.perf_counter() - t0
        disk = sum(p.stat().st_size for p in root.glob("*.parquet"))
        raw = n * (args.features * 4 + 1)
        # Pause at 90% (the default 80% leaves a worker whose Python heap sits just above
        # it paused for good); the nanny still kills the worker at 98%.
        memory = {
            f"distributed.worker.memory.{k}": v
            for k, v in {"pause": 0.9, "terminate": 0.98}.items()
        }
        with dask.config.set(memory), LocalCluster(
            n_workers=1,
            threads_per_worker=args.threads,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=None,
        ) as cluster, Client(cluster) as client:  # fmt: skip
            me = psutil.Process()
            peaks = {"worker": 0, "client": 0}
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    rss = client.run(lambda: __import__("psutil").Process().memory_info().rss)
                    peaks["worker"] = max(peaks["worker"], *rss.values())
                    peaks["client"] = max(peaks["client"], me.memory_info().rss)
                    time.sleep(0.1)

            th = threading.Thread(target=sample, daemon=True)
            th.start()
            t0 = time.perf_counter()
            clf = fit_parquet(str(root), "y", standardize=False)
            t_fit = time.perf_counter() - t0
            stop.set()
            th.join()
            limit = client.run(lambda dask_worker: dask_worker.memory_manager.memory_limit)
        gib = 2.0**30
        print(
            f"rows {n:,} x {args.features} float32 + int8 label: {raw / gib:.2f} GiB in memory, "
            f"{disk / gib:.2f} GiB Parquet ({args.files} files, row groups of {args.row_group:,})"
        )
        print(
            f"written in {t_write:.1f} s; fitted in {t_fit:.1f} s, {clf.n_passes_:.0f} passes "
            f"(+1 summary pass), solver {clf.solver_}, {clf.n_iter_} iterations, "
            f"converged={clf.converged_}"
        )
        wl = list(limit.values())[0]
        print(f"worker memory_limit {wl / gib:.2f} GiB = {wl / raw:.2f} x data")
        print(
            f"peak RSS worker {peaks['worker'] / gib:.2f} GiB "
            f"= {peaks['worker'] / raw:.2f} x data; "
            f"client {peaks['client'] / gib:.2f} GiB = {peaks['client'] / raw:.2f} x data"
        )
        err = np.abs(clf.coef_[0] - w).max()
        print(f"max |coef - true w| = {err:.4f} (sampling error ~ {3 / np.sqrt(n):.4f})")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
