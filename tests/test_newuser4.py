"""Defects found by a new user's journey on the ISLR/ISLP book's data sets (Default, Smarket,
Caravan, Carseats, Auto, Wage) and palmerpenguins, each checked against an independent oracle:
scikit-learn's own feature-name check, numpy's standard deviation, statsmodels. The tests use
small synthetic stand-ins of those tables (nothing is read from outside the repository)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import fail, run


def _caravan_like(n=300, seed=0):
    """Caravan's shape in small: integer survey columns, a rare "Yes"/"No" target."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        rng.integers(0, 5, (n, 4)), columns=["MOSTYPE", "MAANTHUI", "PPERSAUT", "APERSAUT"]
    )
    z = -2.5 + 0.5 * X.PPERSAUT - 0.2 * X.MOSTYPE
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "Yes", "No")
    return X, pd.Series(y, name="Purchase")


def test_evaluate_a_python_model_of_numeric_table_columns_warns_nothing(tmp_path, capsys):
    """A model fitted in Python on a DataFrame of numeric columns (ISLR's Caravan), saved and
    evaluated by the command line, printed scikit-learn's 'warning: X does not have valid
    feature names, but NeuronClassifier was fitted with feature names': evaluate handed its
    goodness-of-fit step the table as a bare array. The oracle: scikit-learn's own feature
    name check, which stays silent when the table's columns are passed by name."""
    X, y = _caravan_like()
    model = tmp_path / "m.json"
    est = oneneuron.NeuronClassifier(threshold=0.25).fit(X, y)
    est.save(model)
    for rows, name in ((slice(None), "train.csv"), (slice(0, 100), "test.csv")):
        X.iloc[rows].assign(Purchase=y.iloc[rows]).to_csv(tmp_path / name, index=False)
        code, out, err = run(["evaluate", model, tmp_path / name, "--target", "Purchase"], capsys)
        assert code == 0, err
        assert "feature names" not in err, err
        assert "goodness of fit" in out or "Hosmer-Lemeshow" in out
    # the training rows' goodness of fit is that of the Python fit's rows
    table = oneneuron.goodness_of_fit(est, X, y)
    argv = ["evaluate", model, tmp_path / "train.csv", "--target", "Purchase", "--json", "-q"]
    code, out, err = run(argv, capsys)
    assert code == 0 and "feature names" not in err, err
    import json

    found = json.loads(out)["goodness_of_fit"]
    assert found["rows"] == "training"
    deviance = found["tests"]["deviance"]["statistic"]
    assert deviance == pytest.approx(float(table.loc["deviance", "statistic"]), rel=1e-9)


def _oj_like(n=300, seed=2):
    """ISLR's OJ in small: prices, their difference (a linear combination, aliased as R
    says), a store code of three levels, and the purchase CH/MM."""
    rng = np.random.default_rng(seed)
    ch, mm = rng.uniform(1.7, 2.1, n), rng.uniform(1.7, 2.3, n)
    store = rng.choice(["s1", "s2", "s3"], n)
    z = 1.0 - 4.0 * (mm - ch) + 0.6 * (store == "s2") + rng.normal(0, 0.5, n)
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "MM", "CH")
    return pd.DataFrame(
        {"PriceCH": ch, "PriceMM": mm, "PriceDiff": mm - ch, "Store": store, "Purchase": y}
    )


def test_term_tests_of_a_model_with_an_aliased_column_test_the_other_terms(tmp_path, capsys):
    """ISLR's OJ has PriceDiff = PriceMM - PriceCH. train and evaluate aliased it as R's glm
    does, but then printed 'no term tests: term 'PriceDiff' has only aliased columns ...;
    leave it out of terms=', a Python keyword the command line has no flag for, and no
    test of any term. Now the aliased term has df 0 and no statistic (NA), as
    ``oneneuron.anova`` and R's anova give it, and every other term its test. The oracle:
    statsmodels' ``wald_test_terms`` of the Logit fit without the aliased column."""
    smf = pytest.importorskip("statsmodels.formula.api")
    df = _oj_like()
    with pytest.warns(oneneuron.CollinearityWarning):
        fit = oneneuron.logit("Purchase ~ PriceCH + PriceMM + PriceDiff + Store", df)
    table = oneneuron.wald_terms(fit)
    ref = smf.logit(
        "y ~ PriceCH + PriceMM + Store", df.assign(y=(df.Purchase == "MM").astype(int))
    ).fit(disp=0)
    ours = {"PriceCH": "PriceCH", "PriceMM": "PriceMM", "Store": "Store"}
    theirs = ref.wald_test_terms(skip_single=False, scalar=True).table
    for term, name in ours.items():
        assert table.loc[term, "chi2"] == pytest.approx(theirs.loc[name, "statistic"], rel=1e-6)
        assert table.loc[term, "df"] == theirs.loc[name, "df_constraint"]
    assert table.loc["PriceDiff", "df"] == 0
    assert np.isnan(table.loc["PriceDiff", "chi2"]) and np.isnan(table.loc["PriceDiff", "p_value"])
    data, model = tmp_path / "oj.csv", tmp_path / "m.json"
    df.to_csv(data, index=False)
    code, out, err = run(["train", data, "--target", "Purchase", "--model", model], capsys)
    assert code == 0, err
    assert "terms=" not in out + err and "no term tests" not in out
    row = re.search(r"^Store\s+(\S+)\s+2\s", out, re.M)
    assert row and float(row.group(1)) == pytest.approx(theirs.loc["Store", "statistic"], rel=1e-3)
    assert re.search(r"^PriceDiff\s+NA\s+0\s+NA", out, re.M), out


def test_goodness_of_fit_never_gives_hosmer_lemeshow_negative_degrees_of_freedom(tmp_path, capsys):
    """ISLR's Default as a table of counts, ``glm(default ~ student, weights = n)``: the
    fitted probabilities take two values, 70% of the weight on the lower, so the deciles
    of risk merge into one bin, and evaluate printed 'hosmer-lemeshow 9.7e-30 df -1' under
    '1 bins of fitted probability'. A chi-squared test needs df >= 1 (the oracle: scipy's
    chi2 is undefined below); Hosmer-Lemeshow over fewer than 3 bins is no test: NA, df
    0, and the caption says why."""
    from scipy import stats

    assert np.isnan(stats.chi2.sf(1.0, -1))
    counts = pd.DataFrame(
        {
            "student": ["No", "No", "Yes", "Yes"],
            "default": ["No", "Yes", "No", "Yes"],
            "n": [6850, 206, 2817, 127],
        }
    )
    fit = oneneuron.NeuronClassifier().fit(
        counts[["student"]], counts["default"], sample_weight=counts["n"]
    )
    table = oneneuron.goodness_of_fit(
        fit, counts[["student"]], counts["default"], sample_weight=counts["n"]
    )
    hl = table.loc["hosmer-lemeshow"]
    assert hl["df"] >= 0 and np.isnan(hl["statistic"]) and np.isnan(hl["p_value"])
    assert "bins" not in table.attrs["caption"] or "1 bins" not in table.attrs["caption"]
    path, model = tmp_path / "counts.csv", tmp_path / "m.json"
    counts.to_csv(path, index=False)
    argv = ["train", path, "--target", "default", "--weights", "n", "--model", model, "-q"]
    assert run(argv, capsys)[0] == 0
    code, out, err = run(["evaluate", model, path, "--weights", "n"], capsys)
    assert code == 0, err
    assert not re.search(r"^hosmer-lemeshow.*\s-\d", out, re.M), out
    assert re.search(r"^hosmer-lemeshow\s+NA\s+0\s+NA", out, re.M), out


def test_evaluate_and_predict_say_the_threshold_their_labels_use(tmp_path, capsys):
    """ISLR 4.7.6 (Caravan) predicts 'Yes' where the probability exceeds 0.25. A model
    fitted with ``threshold=0.25`` and evaluated by the command line printed an accuracy,
    per-class recall and a confusion matrix at 0.25, and predict labels at 0.25, with no
    word of it: a reader takes them for the usual 0.5. The oracle: the confusion matrix
    of ``P(Yes) > 0.25`` counted with pandas, and the one at 0.5, which differs."""
    X, y = _caravan_like(n=400, seed=3)
    est = oneneuron.NeuronClassifier(threshold=0.25).fit(X, y)
    model, data, report = tmp_path / "m.json", tmp_path / "d.csv", tmp_path / "r.html"
    est.save(model)
    X.assign(Purchase=y).to_csv(data, index=False)
    p = est.predict_proba(X)[:, 1]
    at_25 = pd.crosstab(y, p > 0.25).to_numpy()
    assert not np.array_equal(at_25, pd.crosstab(y, p > 0.5).to_numpy())
    argv = ["evaluate", model, data, "--target", "Purchase"]
    code, out, err = run([*argv, "--json", "-q"], capsys)
    assert code == 0, err
    import json

    metrics = json.loads(out)
    assert np.array_equal(metrics["confusion_matrix"], at_25)
    assert metrics["threshold"] == 0.25
    code, out, err = run([*argv, "--report", report], capsys)
    assert code == 0, err
    said = "'Yes' where P('Yes') > 0.25"
    assert said in out, out
    import html

    assert said in html.unescape(report.read_text())
    code, out, err = run(["predict", model, data, "--out", tmp_path / "p.csv"], capsys)
    assert code == 0 and said in err, err
    # the default threshold says nothing
    oneneuron.NeuronClassifier().fit(X, y).save(model, overwrite=True)
    code, out, err = run(argv, capsys)
    assert code == 0 and "P('Yes') >" not in out and "threshold" not in out


def test_dask_train_names_a_missing_feature_cell_by_its_data_row_and_flags(tmp_path, capsys):
    """palmerpenguins' ``bill_length_mm`` is missing in its 4th data row (pandas row 3).
    ``train --engine dask`` said 'error: X has NaN in column 'bill_length_mm' (row 3); drop
    or fill it': Python's name X, a 0-based row the user reads as another row of the file
    (the same command counts a missing label's row from 1: 'first in data row 4'), and no
    flag that drops or fills. The oracle: the file's own rows, read back with pandas."""
    pytest.importorskip("dask")
    rng = np.random.default_rng(4)
    df = pd.DataFrame(
        {
            "bill_length_mm": rng.normal(44, 5, 60),
            "body_mass_g": rng.normal(4200, 800, 60),
            "sex": rng.choice(["female", "male"], 60),
        }
    )
    df.loc[3, "bill_length_mm"] = np.nan
    path = tmp_path / "penguins.parquet"
    df.to_parquet(path)
    back = pd.read_parquet(path)
    data_row = int(np.flatnonzero(back.bill_length_mm.isna())[0]) + 1  # counted from 1
    assert data_row == 4
    argv = ["train", path, "--target", "sex", "--model", tmp_path / "m.json", "--engine", "dask"]
    err = fail(argv, capsys, "'bill_length_mm'")
    line = err.splitlines()[-1]
    assert f"data row {data_row}" in line and "X has" not in line, line
    assert "--engine memory" in line and "--drop-missing" in line and "--impute" in line, line


def test_train_cv_with_l1_ratio_0_cross_validates_the_ridge_path(tmp_path, capsys):
    """``train --cv 5 --l1-ratio 0`` on palmerpenguins printed 'note: --cv fits the lasso
    path (--l1-ratio 1); pass --l1-ratio R for another' and fitted the lasso: 0, the
    flag's default, could not be told from no flag, so the ridge the user asked for was
    ignored. The oracle: the model file's own l1_ratio and its non-zero coefficients
    (a ridge fit zeroes none), and without the flag the lasso, as documented."""
    X, y = _caravan_like(n=300, seed=5)
    data = tmp_path / "d.csv"
    X.assign(Purchase=y).to_csv(data, index=False)
    base = ["train", data, "--target", "Purchase", "--cv", "3"]
    code, out, err = run([*base, "--l1-ratio", "0", "--model", tmp_path / "ridge.json"], capsys)
    assert code == 0, err
    assert "lasso" not in err and "l1_ratio 0," in out, (out, err)
    ridge = oneneuron.load(tmp_path / "ridge.json")
    assert ridge.l1_ratio == 0 and ridge.cv_record_.l1_ratio == 0
    assert np.all(ridge.coef_ != 0)
    code, out, err = run([*base, "--model", tmp_path / "lasso.json"], capsys)
    assert code == 0 and "--cv fits the lasso path" in err, err
    assert oneneuron.load(tmp_path / "lasso.json").cv_record_.l1_ratio == 1


def test_train_cv_says_when_the_best_alpha_is_the_smallest_tried(tmp_path, capsys):
    """ISLR's Default (10 000 rows, 3 columns) needs no penalty: ``train --cv 5 --l1-ratio
    0`` chose alpha 0.006282, the smallest of its grid (1e-4 of the largest), whose
    held-out log-loss 0.0836 is worse than the unpenalised fit's on the same folds (0.079;
    balance's coefficient shrunk from 0.0057 to 0.0038), and said nothing: the score was
    still falling at the grid's end. The oracle: scikit-learn's unpenalised
    LogisticRegression scored on the same folds beats the chosen alpha."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    rng = np.random.default_rng(6)
    n = 2000
    X = pd.DataFrame({"balance": rng.normal(0, 1, n), "income": rng.normal(0, 1, n)})
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 3.0 * X.balance))), "Yes", "No")
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    X.assign(default=y).to_csv(data, index=False)
    argv = ["train", data, "--target", "default", "--cv", "5", "--l1-ratio", "0"]
    code, out, err = run([*argv, "--model", model], capsys)
    assert code == 0, err
    record = oneneuron.load(model).cv_record_
    assert record.alpha == record.alphas.min()  # the grid's end
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    plain = cross_val_score(LogisticRegression(C=np.inf), X, y, cv=folds, scoring="neg_log_loss")
    assert plain.mean() > record.mean_score.max()  # an unpenalised fit does better
    assert "smallest alpha tried" in out and "--alpha 0" in out, out


def test_odds_ratios_near_one_keep_the_digits_that_differ_from_one(tmp_path, capsys):
    """ISLR's Default: income in dollars has coefficient 3.033e-06, odds ratio 1.000003
    per dollar. ``evaluate --odds-ratios`` (and ``summary_text(exp=True)``) printed it to
    4 significant digits: 'income 1 ... 1 1', an odds ratio and interval that read as
    exactly 1, where R and statsmodels show 1.000003. The oracle: statsmodels'
    ``exp(params)`` and ``exp(conf_int())``, which the printed numbers must match to
    within a tenth of their distance from 1."""
    smf = pytest.importorskip("statsmodels.formula.api")
    rng = np.random.default_rng(7)
    n = 3000
    df = pd.DataFrame({"balance": rng.normal(800, 400, n), "income": rng.normal(33000, 13000, n)})
    z = -9 + 0.006 * df.balance + 1e-5 * df.income
    df["default"] = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "Yes", "No")
    fit = oneneuron.logit("default ~ balance + income", df)
    ref = smf.logit("y ~ balance + income", df.assign(y=(df.default == "Yes") * 1)).fit(disp=0)
    odds, ci = np.exp(ref.params["income"]), np.exp(ref.conf_int().loc["income"]).to_numpy()
    assert 0 < abs(odds - 1) < 1e-4  # 4 significant digits say 1
    for text in (
        fit.summary_text(exp=True),
        run_evaluate_odds(fit, df, tmp_path, capsys),
    ):
        row = re.search(r"^income\s+(\S+)\s+\S+\s+\S+\s+\S+\s+(\S+)\s+(\S+)\s*$", text, re.M)
        assert row, text
        shown = np.array([float(row.group(k)) for k in (1, 2, 3)])
        truth = np.array([odds, *ci])
        assert np.all(np.abs(shown - truth) < 0.1 * np.abs(truth - 1)), (row.group(0), truth)


def run_evaluate_odds(fit, df, tmp_path, capsys):
    """``evaluate --odds-ratios`` of ``fit`` saved, on ``df``: its standard output."""
    model, data = tmp_path / "m.json", tmp_path / "d.csv"
    fit.save(model, overwrite=True)
    df.to_csv(data, index=False)
    code, out, err = run(["evaluate", model, data, "--odds-ratios", "-q"], capsys)
    assert code == 0, err
    return out


def test_the_reports_odds_ratios_near_one_keep_their_digits(tmp_path, capsys):
    """The HTML report's odds-ratio table, the sibling of the terminal's: 'income 1 ... 1
    1' for ISLR's Default. The oracle: the fit's own ``exp(coef)``."""
    rng = np.random.default_rng(8)
    n = 2000
    df = pd.DataFrame({"balance": rng.normal(800, 400, n), "income": rng.normal(33000, 13000, n)})
    z = -9 + 0.006 * df.balance + 1e-5 * df.income
    df["default"] = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "Yes", "No")
    fit = oneneuron.logit("default ~ balance + income", df)
    odds = float(fit.summary(exp=True).loc["income", "odds_ratio"])
    assert 0 < abs(odds - 1) < 1e-4
    model, data, report = tmp_path / "m.json", tmp_path / "d.csv", tmp_path / "r.html"
    fit.save(model)
    df.to_csv(data, index=False)
    assert run(["evaluate", model, data, "--report", report, "-q"], capsys)[0] == 0
    page = report.read_text()
    cells = re.findall(r"<th>income</th>\s*<td>([^<]+)</td>", page)
    assert len(cells) == 2, cells  # the coefficient table's, then the odds ratios'
    assert abs(float(cells[1]) - odds) < 0.1 * abs(odds - 1), cells
