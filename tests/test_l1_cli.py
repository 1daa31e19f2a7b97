"""``oneneuron train --l1-ratio R --alpha A`` and ``train --cv K``: the command line face of L1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oneneuron
from oneneuron import NeuronClassifier, NeuronClassifierCV
from oneneuron.cli import main


@pytest.fixture()
def table(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)) * [1.0, 2.0, 0.5, 1.0, 3.0]
    y = np.where(X[:, 0] - 0.5 * X[:, 1] + rng.normal(size=300) > 0, "yes", "no")
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(5)])
    df["label"] = y
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    return path, df


def test_train_l1_writes_the_sparse_model(table, tmp_path, capsys):
    path, df = table
    model = tmp_path / "m.json"
    assert (
        main(
            [
                "train",
                str(path),
                "--target",
                "label",
                "--model",
                str(model),
                "--l1-ratio",
                "1",
                "--alpha",
                "0.05",
                "--quiet",
            ]
        )
        == 0
    )
    clf = oneneuron.load(model)
    ref = NeuronClassifier(alpha=0.05, l1_ratio=1.0).fit(df.drop(columns="label"), df["label"])
    assert clf.l1_ratio == 1.0
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-10)
    assert np.sum(clf.coef_ == 0) >= 2


def test_train_cv_prints_the_choice_and_saves_the_refit(table, tmp_path, capsys):
    path, df = table
    model = tmp_path / "m.json"
    assert main(["train", str(path), "--target", "label", "--model", str(model), "--cv", "4"]) == 0
    out = capsys.readouterr().out
    cv = NeuronClassifierCV(cv=4).fit(df.drop(columns="label"), df["label"])
    assert f"chosen (min): alpha {cv.alpha_:.4g}" in out
    assert "cross-validated 100 alphas" in out
    np.testing.assert_allclose(oneneuron.load(model).coef_, cv.coef_, atol=1e-10)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--l1-ratio", "1.5"], "--l1-ratio must be in [0, 1]"),
        (["--cv", "5", "--alpha", "0.1"], "--cv chooses --alpha"),
        (["--cv", "1"], "--cv needs at least 2 folds"),
        (["--cv-rule", "1se"], "--cv-rule needs --cv K"),
        (["--l1-ratio", "0.5", "--alpha", "0.1", "--solver", "lbfgs"], "solver='cd'"),
    ],
)
def test_bad_penalty_flags_are_one_error_line(table, tmp_path, capsys, flags, message):
    path, _ = table
    rc = main(
        ["train", str(path), "--target", "label", "--model", str(tmp_path / "m.json"), *flags]
    )
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("error:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.json").exists()
