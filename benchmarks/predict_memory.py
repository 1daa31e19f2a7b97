"""Peak memory of ``oneneuron predict`` as the input grows: it should stay flat.

Writes synthetic CSVs (numeric features plus one categorical column) of each
size, trains a model on a small sample, then runs ``oneneuron predict`` on each
file in a fresh process and reports that process's peak resident set size
(``getrusage(RUSAGE_CHILDREN).ru_maxrss`` read in a wrapper process, so each
figure covers exactly one predict run). Not part of the test suite.

    python benchmarks/predict_memory.py --rows 500000 5000000 --folder /tmp/pm
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

WRAPPER = (
    "import resource, subprocess, sys;"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
    "sys.stderr.write(r.stderr);"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def write_csv(path: Path, rows: int, features: int, seed: int = 0) -> None:
    """A CSV of ``rows`` rows written in blocks (the generator's memory stays small)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=features)
    block = 250_000
    with open(path, "w") as fh:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            X = rng.normal(size=(n, features)).round(4)
            site = rng.choice(["north", "south", "east", "west"], size=n)
            z = X @ w + (site == "north") - 0.5
            y = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "yes", "no")
            df = pd.DataFrame(X, columns=[f"f{j}" for j in range(features)])
            df["site"], df["y"] = site, y
            df.to_csv(fh, index=False, header=start == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[500_000, 5_000_000])
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--folder", type=Path, default=Path("out/predict_memory"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--parquet", action="store_true", help="convert each CSV to Parquet (100k-row groups)"
    )
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    exe = shutil.which("oneneuron", path=str(Path(sys.executable).parent)) or "oneneuron"

    train = args.folder / "train.csv"
    write_csv(train, 20_000, args.features, seed=1)
    model = args.folder / "model.json"
    subprocess.run(
        [exe, "train", train, "--target", "y", "--model", model, "--force", "-q"], check=True
    )
    print(f"{'rows':>10} {'file MB':>8} {'peak RSS MB':>12} {'seconds':>8} {'rows/s':>10}")
    for rows in args.rows:
        data = args.folder / f"data_{rows}.csv"
        out = args.folder / f"pred_{rows}.csv"
        write_csv(data, rows, args.features)
        if args.parquet:
            import pyarrow.csv as pacsv
            import pyarrow.parquet as pq

            pq.write_table(
                pacsv.read_csv(data), data.with_suffix(".parquet"), row_group_size=100_000
            )
            data.unlink()
            data = data.with_suffix(".parquet")
        t0 = time.perf_counter()
        res = subprocess.run(
            [
                sys.executable,
                "-c",
                WRAPPER,
                exe,
                "predict",
                model,
                data,
                "--out",
                out,
                "--force",
                "-q",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        secs = time.perf_counter() - t0
        code, kb = res.stdout.split()
        if code != "0":
            raise SystemExit(f"predict failed: {res.stderr}")
        n_out = sum(1 for _ in open(out)) - 1
        assert n_out == rows, (n_out, rows)
        mb = data.stat().st_size / 2**20
        print(f"{rows:>10} {mb:>8.0f} {int(kb) / 1024:>12.0f} {secs:>8.1f} {rows / secs:>10.0f}")
        if not args.keep:
            data.unlink()
            out.unlink()


if __name__ == "__main__":
    main()
