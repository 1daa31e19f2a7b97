"""Defects found by a new user's journey on public data no earlier round used (statsmodels'
``fair``, ``modechoice`` and ``star98``; scikit-learn's diabetes thresholded), each checked
against an independent oracle: the table's own row counts, or statsmodels."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import fail, run  # noqa: E402

sm = pytest.importorskip("statsmodels.api")


@pytest.fixture
def fair(tmp_path):
    """statsmodels' ``fair`` (Fair's 1978 affairs survey; its rows are sorted by the
    outcome), every 16th row from the tenth: had an affair, with ``educ`` missing in 7
    rows, as a user writes it with ``to_csv``."""
    d = sm.datasets.fair.load_pandas().data.iloc[9::16].iloc[:390]
    df = pd.DataFrame(
        {
            "had_affair": d.affairs > 0,
            "rate_marriage": d.rate_marriage.astype(int),
            "age": d.age,
            "educ": d.educ.where(np.arange(390) % 57 != 3),
        }
    )
    path = tmp_path / "fair.csv"
    df.to_csv(path, index=False)
    return path, df


def test_evaluate_says_the_rows_a_fit_dropped_once_and_never_zero(fair, tmp_path, capsys):
    path, df = fair
    n_holes = int(df.educ.isna().sum())  # the oracle: the table's own holes
    assert n_holes == 7
    model, report = tmp_path / "m.json", tmp_path / "r.html"
    train = ["train", path, "--target", "had_affair", "--model", model, "--drop-missing", "-q"]
    assert run(train, capsys)[0] == 0
    code, out, _ = run(["evaluate", model, path, "--drop-missing", "--report", report], capsys)
    assert code == 0
    said = f"{n_holes} rows with missing values were left out of the fit"
    assert out.count(said) == 1, out  # the note and the caption both said it
    assert report.read_text().count(said) == 1
    # the columns the model uses hold no hole: nothing was dropped, and nothing is said
    # ('0 rows with missing values were left out of the fit (--drop-missing)')
    model0 = tmp_path / "m0.json"
    train0 = [*train[:4], "--model", model0, "--features", "rate_marriage", "age", "--drop-missing"]
    assert run(train0, capsys)[0] == 0
    code, out, _ = run(["evaluate", model0, path], capsys)
    assert code == 0 and "coefficients (from the training fit)" in out
    assert "left out of the fit" not in out


OCCUPATIONS = {1: "student", 2: "farming", 3: "white-collar", 4: "teacher", 5: "managerial"}


def test_cli_warnings_name_a_term_with_treatment_reference_as_written(fair, tmp_path, capsys):
    """The separation warning names the separating term; the command line's rewording of
    Python keywords into flags turned ``Treatment(reference='teacher')`` in its name into
    ``Treatment(--reference 'teacher')``, a term no formula has."""
    path, df = fair
    occupation = sm.datasets.fair.load_pandas().data.occupation.iloc[9::16].iloc[:390]
    df = df.assign(occupation=occupation.map(OCCUPATIONS).fillna("professional").values)
    students = df[df.occupation == "student"]
    assert len(students) == 5 and not students.had_affair.any()  # quasi-separated
    df.to_csv(path, index=False)
    formula = "had_affair ~ C(occupation, Treatment(reference='teacher')) + age"
    term = "C(occupation, Treatment(reference='teacher'))[T.student]"
    # the oracle: the term as the design names it, in Python
    with pytest.warns(oneneuron.SeparationWarning, match=re.escape(term)):
        fit = oneneuron.logit(formula, df)
    assert term in fit.feature_names_out_.tolist()
    code, _, err = run(
        ["train", path, "--model", tmp_path / "m.json", "--formula", formula], capsys
    )
    assert code == 0 and "warning: the classes are quasi-completely separated" in err
    assert term in err and "--reference 'teacher'" not in err


def test_cli_contrast_of_a_number_code_column_saves_as_with_categorical(fair, tmp_path, capsys):
    """``C(rate_marriage, Sum)`` of a column of number codes could not be saved and the
    command line advised pandas (``df['rate_marriage'].astype(str)``); it now saves (the
    model file records the codes as levels), as with ``--categorical rate_marriage``: both
    fits match statsmodels' sum-coded logit."""
    path, df = fair
    formula = "had_affair ~ C(rate_marriage, Sum) + age"
    model = tmp_path / "m.json"
    train = ["train", path, "--model", model, "--formula", formula, "--drop-missing", "-q"]
    smf = pytest.importorskip("statsmodels.formula.api")
    ref = smf.logit(formula, df.assign(had_affair=df.had_affair.astype(int))).fit(disp=0, tol=1e-12)
    for extra in ([], ["--categorical", "rate_marriage", "--force"]):
        code, _, err = run([*train, *extra], capsys)
        assert code == 0, err
        ours = oneneuron.load(model).summary()
        np.testing.assert_allclose(ours["coef"], ref.params, rtol=1e-6)
        np.testing.assert_allclose(ours["std_err"], ref.bse, rtol=1e-6)


def test_treatment_reference_unquoted_for_text_levels_says_quote_it(fair, tmp_path, capsys):
    """Number codes read as categories (``--categorical religious``, or a text column of
    digits in Python) have text levels; ``Treatment(4)`` then stopped with formulaic's
    "Value `4` for `TreatmentContrasts.base` is not among the provided levels", though
    the table shows religious 4. The message names the levels and the quoted spelling,
    with which the fit matches statsmodels' logit against level '4'."""
    path, df = fair
    religious = sm.datasets.fair.load_pandas().data.religious.iloc[9::16].iloc[:390]
    df = df.assign(religious=religious.astype(int).values)
    df.to_csv(path, index=False)
    formula = "had_affair ~ C(religious, Treatment(4)) + age"
    model = tmp_path / "m.json"
    train = ["train", path, "--model", model, "--categorical", "religious", "--drop-missing"]
    err = fail([*train, "--formula", formula], capsys, "Treatment('4')")
    assert "'1', '2', '3', '4'" in err
    fail(
        [*train, "--formula", formula.replace("Treatment(4)", "contr.treatment(4)")], capsys, "'4'"
    )
    # levels= written as numbers: every row is outside them; the message says to quote them
    levels = formula.replace("Treatment(4)", "levels=[4, 3, 2, 1]")
    fail([*train, "--formula", levels], capsys, "quote them, levels=['4', '3', '2', '1']")
    with pytest.raises(ValueError, match=re.escape("Treatment('4')")):
        oneneuron.logit(formula, df.assign(religious=df.religious.astype(str)))
    quoted = formula.replace("Treatment(4)", "Treatment('4')")
    assert run([*train, "--formula", quoted, "-q"], capsys)[0] == 0
    smf = pytest.importorskip("statsmodels.formula.api")
    data = df.assign(had_affair=df.had_affair.astype(int))  # educ, with holes, is unused
    ref = smf.logit(formula, data).fit(disp=0, tol=1e-12)  # numbers: patsy takes 4
    np.testing.assert_allclose(oneneuron.load(model).summary()["coef"], ref.params, rtol=1e-6)


def test_impute_notes_name_the_statistic_in_words(fair, tmp_path, capsys):
    """train --impute most_frequent said 'missing cells filled with the training
    most_frequent', the flag's value where the statistic's name belongs; the filled value is
    the training rows' most frequent one (oracle: the model's own fill of educ, pandas' mode)."""
    path, df = fair
    model = tmp_path / "m.json"
    code, out, _ = run(
        ["train", path, "--target", "had_affair", "--model", model, "--impute", "most_frequent"],
        capsys,
    )
    assert code == 0 and "filled with the training rows' most frequent value (--impute)" in out
    assert "most_frequent (" not in out
    fill = {c["name"]: c["fill"] for c in oneneuron.load(model).design_.columns}["educ"]
    assert fill == pytest.approx(df.educ.mode()[0])
    code, out, _ = run(["evaluate", model, path], capsys)
    assert code == 0 and "filled with the training rows' most frequent value (--impute)" in out
    cv = ["train", path, "--target", "had_affair", "--model", tmp_path / "c.json", "--cv", "3"]
    code, out, _ = run([*cv, "--impute", "most_frequent"], capsys)
    assert code == 0 and "filled with the most frequent value of all rows (--impute)" in out


def test_wald_test_reads_names_written_in_backticks_as_in_the_formula(fair):
    """A column with a space needs backticks in a formula (```rate marriage```); the table
    names its term without them, and wald_test refused the formula's spelling ('cannot
    read hypothesis'). Oracle: a one-coefficient Wald chi-squared is z squared."""
    _, df = fair
    df = df.rename(columns={"rate_marriage": "rate marriage"}).dropna()
    df["older"] = np.where(df.age > 30, "over 30", "30 or less")
    fit = oneneuron.logit("had_affair ~ `rate marriage` * C(older) + age", df)
    table = fit.summary()
    for term, written in [
        ("rate marriage", "`rate marriage`"),
        ("rate marriage:C(older)[T.over 30]", "`rate marriage`:C(older)[T.over 30]"),
    ]:
        z = table.loc[term, "z"]
        assert fit.wald_test(f"{written} = 0").statistic == pytest.approx(z**2, rel=1e-9)
        assert fit.wald_test(f"{term} = 0").statistic == pytest.approx(z**2, rel=1e-9)


def test_regularization_path_takes_the_target_from_the_formula(fair):
    """regularization_path's docstring says y may be None where ``formula`` names the
    target, as ``NeuronClassifier(formula=...).fit(df)``; without y it stopped with
    "missing 1 required positional argument: 'y'". Oracle: each alpha's coefficients are
    the single fit's at that alpha."""
    from oneneuron import NeuronClassifier, regularization_path

    _, df = fair
    formula = "had_affair ~ rate_marriage + age + educ"
    path = regularization_path(df.dropna(), formula=formula, n_alphas=6, tol=1e-10)
    assert path.feature_names == ["rate_marriage", "age", "educ"]
    k = 3
    single = NeuronClassifier(alpha=path.alphas[k], l1_ratio=1.0, formula=formula, tol=1e-10)
    single.fit(df.dropna())
    np.testing.assert_allclose(path.coef[k].ravel(), single.coef_.ravel(), atol=1e-6)


def test_score_takes_the_target_as_fit_does(fair):
    """fit takes a table's target by name (``fit(df, "had_affair")``) or from the formula
    (``fit(df)``); score did neither: scikit-learn's "The 'y_true' parameter of
    accuracy_score must be an array-like ... Got 'had_affair'", and "missing 1 required
    positional argument: 'y'". Oracle: the accuracy of predict against the column."""
    from oneneuron import NeuronClassifier

    _, df = fair
    df = df.dropna()
    accuracy = lambda clf: float(np.mean(clf.predict(df) == df.had_affair))  # noqa: E731
    by_name = NeuronClassifier().fit(df, "had_affair")
    assert by_name.score(df, "had_affair") == pytest.approx(accuracy(by_name), abs=1e-15)
    by_formula = oneneuron.logit("had_affair ~ rate_marriage + age", df)
    assert by_formula.score(df) == pytest.approx(accuracy(by_formula), abs=1e-15)
    assert by_name.score(df) == by_name.score(df, "had_affair")  # the fit's target column
    X = df.drop(columns="had_affair")
    by_labels = NeuronClassifier().fit(X, df.had_affair)
    with pytest.raises(ValueError, match="pass y, the labels to score against"):
        by_labels.score(X)  # no column was named the target


def test_cv_score_takes_the_target_as_its_fit_does(fair):
    """NeuronClassifierCV(formula='had_affair ~ ...').fit(df) takes the formula's target;
    its score needed y. The score is its scoring's (the default neg_log_loss, as
    LogisticRegressionCV.score uses its scoring). Oracle: scikit-learn's log_loss of
    predict_proba against the column."""
    from sklearn.metrics import log_loss

    from oneneuron import NeuronClassifierCV

    _, df = fair
    df = df.dropna()
    cv = NeuronClassifierCV(formula="had_affair ~ rate_marriage + age", cv=3, n_alphas=5)
    cv.fit(df)
    expected = -log_loss(df.had_affair, cv.predict_proba(df), labels=cv.classes_)
    assert cv.score(df) == pytest.approx(expected, rel=1e-12)
    assert cv.score(df, "had_affair") == pytest.approx(expected, rel=1e-12)


def test_train_names_the_skipped_hessian_pass_by_its_flag(fair, tmp_path, capsys, monkeypatch):
    """statsmodels' randhie with its visit counts as classes (59 of them, n * p^2 = 7e9):
    train said 'no standard errors: inference='auto' skipped the Hessian pass', the Python
    keyword, beside '--inference always'. The limit is lowered here so that the fair
    table is 'large'; the oracle is the flag train takes, --inference auto."""
    import oneneuron.stats._fit as fit_stats

    monkeypatch.setattr(fit_stats, "AUTO_INFERENCE_MAX_COST", 10.0)
    path, _ = fair
    train = ["train", path, "--target", "had_affair", "--model", tmp_path / "m.json"]
    code, out, err = run([*train, "--solver", "lbfgs", "--drop-missing"], capsys)
    assert code == 0, err
    assert "--inference auto (the default) skipped the Hessian pass" in out, out
    assert "inference='auto'" not in out and "--inference always" in out


def test_cluster_caption_reads_as_a_sentence():
    """statsmodels' modechoice (four rows per traveller) clustered by traveller: the caption
    said 'covariance cluster (cluster-robust over 210 clusters sandwich)'. Oracle: the
    number of travellers, and statsmodels' cluster-robust standard errors."""
    smf = pytest.importorskip("statsmodels.formula.api")
    mc = sm.datasets.modechoice.load_pandas().data
    formula = "choice ~ ttme + gc"
    fit = oneneuron.logit(formula, mc, cov_type="cluster", cluster="individual")
    caption = fit.summary().attrs["caption"]
    n = mc.individual.nunique()
    assert n == 210 and f"(cluster-robust sandwich over {n} clusters)" in caption, caption
    groups = {"groups": mc.individual.astype(int)}
    ref = smf.logit(formula, mc).fit(disp=0, cov_type="cluster", cov_kwds=groups, tol=1e-12)
    np.testing.assert_allclose(fit.summary()["std_err"], ref.bse, rtol=1e-6)


def test_dask_train_says_its_weights_and_classes_as_in_memory(tmp_path, capsys):
    """statsmodels' star98 as counts (one row per district and outcome, weighted by its
    pupils): train --engine dask --weights n said only 'trained on 100 rows', nothing of
    the weights (the in-memory engine: 'frequency weights n: ... rows counted') nor of the
    classes. Oracle: the pupils counted in the data, NABOVE + NBELOW."""
    pytest.importorskip("dask.dataframe")
    d = sm.datasets.star98.load_pandas().data.iloc[:50]
    x = d[["LOWINC", "PERASIAN"]]
    df = pd.concat(
        [x.assign(passed=True, n=d.NABOVE.astype(int)), x.assign(passed=False, n=d.NBELOW)]
    )
    path = tmp_path / "star98.parquet"
    df.to_parquet(path, index=False)
    pupils = int(d.NABOVE.sum() + d.NBELOW.sum())
    train = ["train", path, "--target", "passed", "--weights", "n", "--model", tmp_path / "m.json"]
    code, out, err = run([*train, "--engine", "dask"], capsys)
    assert code == 0, err
    assert f"frequency weights n: {pupils} rows counted" in out, out
    assert "classes: False, True" in out
