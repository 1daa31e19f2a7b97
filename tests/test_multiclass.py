"""K > 2 classes (the softmax layer) through the faces: report, plots, predict's intervals."""

import warnings

import numpy as np
import pandas as pd
import pytest
from tests._cli import run

import oneneuron


@pytest.fixture
def iris(tmp_path, capsys):
    from sklearn.datasets import load_iris

    d = load_iris(as_frame=True)
    df = d.frame.drop(columns="target").assign(species=np.asarray(d.target_names)[d.target])
    df.to_csv(tmp_path / "iris.csv", index=False)
    model = tmp_path / "iris.json"
    args = ["train", tmp_path / "iris.csv", "--target", "species", "--alpha", "0.1", "-q"]
    assert run([*args, "--model", model], capsys)[0] == 0
    return tmp_path, df, model


def test_report_of_a_table_with_one_class_warns_nothing(iris, capsys):
    """A table of one class has no ROC curve: the empty plot's legend leaked matplotlib's
    'No artists with labels found' as a CLI warning line; the report now says why."""
    folder, df, model = iris
    df[df.species == "setosa"].to_csv(folder / "one.csv", index=False)
    report = folder / "one.html"
    code, out, err = run(["evaluate", model, folder / "one.csv", "--report", report], capsys)
    assert code == 0, err
    assert "warning:" not in err, err
    assert "no ROC curve" in report.read_text()


def test_report_names_a_multinomial_models_ratios(iris, capsys):
    """exp(coef) of a softmax layer against a reference class is a relative-risk ratio,
    as the terminal's caption says; the report's heading said 'Odds ratios'."""
    folder, df, model = iris
    report = folder / "r.html"
    assert run(["evaluate", model, folder / "iris.csv", "--report", report], capsys)[0] == 0
    text = report.read_text()
    assert "Relative-risk ratios" in text and "Odds ratios" not in text


def test_ratio_table_of_a_huge_coefficient_is_inf_without_a_warning():
    """exp of an interval bound beyond 709 is inf, the exact limit: no overflow warning
    (the CLI printed 'warning: overflow encountered in exp' for a report)."""
    from oneneuron.stats import odds_ratio_table

    table = pd.DataFrame(
        {"coef": [138.0, 1.0], "std_err": [694.0, 0.1], "z": [0.2, 10.0],
         "p_value": [0.8, 0.0], "ci_low": [-1222.0, 0.8], "ci_high": [1498.0, 1.2]},
        index=["intercept", "x"],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = odds_ratio_table(table)
    assert out["ci_high"].iloc[0] == np.inf and out["ci_low"].iloc[0] == 0.0
    np.testing.assert_allclose(out["odds_ratio"], np.exp(table["coef"]), rtol=1e-15)


def test_predict_interval_for_k_classes(iris, capsys):
    """predict --interval refused K > 2 though predict_interval gives each class's interval;
    now one se_logit_<class>, ci_low_<class>, ci_high_<class> triple per class."""
    folder, df, model = iris
    out = folder / "p.csv"
    args = ["predict", model, folder / "iris.csv", "--out", out, "--interval", "0.9"]
    code, _, err = run(args, capsys)
    assert code == 0, err
    got = pd.read_csv(out)
    est = oneneuron.load(model)
    X = df.drop(columns="species")
    ci = est.predict_interval(X, 0.9)
    K = len(est.classes_)
    for k, c in enumerate(est.classes_):
        np.testing.assert_allclose(got[f"proba_{c}"], est.predict_proba(X)[:, k], rtol=1e-12)
        for col in ("se_logit", "ci_low", "ci_high"):
            want = ci[col].to_numpy().reshape(len(X), K)[:, k]
            np.testing.assert_allclose(got[f"{col}_{c}"], want, rtol=1e-12)
    p = got[[f"proba_{c}" for c in est.classes_]].to_numpy()
    lo = got[[f"ci_low_{c}" for c in est.classes_]].to_numpy()
    hi = got[[f"ci_high_{c}" for c in est.classes_]].to_numpy()
    assert np.all((lo <= p) & (p <= hi))
