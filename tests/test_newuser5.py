"""Defects found by a new user's journey on R's classic data sets with published glm
outputs (MASS's birthwt, Pima.tr/Pima.te and Cars93; esoph, infert, UCBAdmissions, Titanic
and mtcars from R's datasets), each checked against an independent oracle. The tests use
small synthetic stand-ins of those tables (nothing is read from outside the repository)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import oneneuron
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


def _warned_here(call):
    """The warnings ``call()`` gave, as (category name, file) pairs."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert caught, "no warning"
    return [(w.category.__name__, w.filename) for w in caught]


def test_warnings_point_at_the_users_line_through_every_entry_point():
    """Cars93 in small (Type ~ Origin, no large car built outside the USA): the separation
    warning of ``oneneuron.logit(...)`` pointed into ``classifier/_logit.py`` (a fixed
    ``stacklevel`` counted fit's frames, not logit's one more), and the unseen-level warning
    of ``predict``, ``predict_proba``, ``predict_log_proba`` and ``score`` into
    ``_estimator.py`` (they call ``decision_function``'s path one frame deeper), so a user
    could not tell which line of theirs warned. The oracle: Python's own rule for
    ``stacklevel``, the file of the caller (this test) as ``fit``'s warning already gave."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"Price": rng.normal(20, 5, 60), "Origin": rng.choice(["USA", "non-USA"], 60)}
    )
    df["Large"] = np.where(
        (df.Origin == "USA") & (rng.random(60) < 0.5), "Yes", "No"
    )  # no large car built outside the USA: quasi-complete separation
    here = __file__
    for category, where in _warned_here(lambda: oneneuron.logit("Large ~ Price + Origin", df)):
        assert (category, where) == ("SeparationWarning", here)
    for category, where in _warned_here(
        lambda: oneneuron.NeuronClassifier(formula="Large ~ Price + Origin").fit(df)
    ):
        assert (category, where) == ("SeparationWarning", here)
    model = oneneuron.logit("Large ~ Price + g", df.assign(g=rng.choice(["a", "b"], 60)))
    new = df.head(3).assign(g="zz")
    for name in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        found = _warned_here(lambda name=name: getattr(model, name)(new))
        assert found == [("UnknownCategoryWarning", here)], (name, found)
    found = _warned_here(lambda: model.score(new, new.Large))
    assert found == [("UnknownCategoryWarning", here)], found
