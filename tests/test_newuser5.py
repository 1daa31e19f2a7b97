"""Defects found by a new user's journey on R's classic data sets with published glm
outputs (MASS's birthwt, Pima.tr/Pima.te and Cars93; esoph, infert, UCBAdmissions, Titanic
and mtcars from R's datasets), each checked against an independent oracle. The tests use
small synthetic stand-ins of those tables (nothing is read from outside the repository)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from _cli import run


def _birthwt_like(n=120, seed=0):
    """MASS's birthwt in small, as V&R code it: a race factor, booleans, a "Yes"/"No" target."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["white", "black", "other"], n)
    df = pd.DataFrame(
        {
            "age": rng.integers(15, 40, n),
            "lwt": rng.integers(90, 250, n),
            "race": race,
            "smoke": rng.random(n) < 0.4,
        }
    )
    z = 1.0 - 0.012 * df.lwt + 0.8 * (race == "black") + 0.7 * df.smoke
    df["low"] = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "Yes", "No")
    return df


def test_evaluate_names_unseen_categories_once(tmp_path, capsys):
    """``evaluate`` on a new birthwt file with a race never seen in training printed the
    'categories not seen in training' warning twice (the CLI's own line, then the same
    message again from the goodness-of-fit step's transform of the same rows), where the
    README promises one ``warning:`` line per distinct message; ``predict`` printed it once.
    The oracle: the count of the line in predict's standard error on the same file."""
    df = _birthwt_like()
    df.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "train.csv", "--target", "low", "--model", model]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    new = df.head(6).copy()
    new.loc[0, "race"] = "asian"
    new.to_csv(tmp_path / "new.csv", index=False)
    argv = ["predict", model, tmp_path / "new.csv", "--out", tmp_path / "p.csv"]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    once = err.count("categories not seen in training")
    assert once == 1, err
    for extra in ([], ["--json"]):
        code, _, err = run(["evaluate", model, tmp_path / "new.csv", *extra], capsys)
        assert code == 0, err
        assert err.count("categories not seen in training") == once, err
