"""Stop 38's loose ends, each checked against an independent oracle (scikit-learn,
statsmodels, closed forms)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import fail, run


def _folds():
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(5, shuffle=True, random_state=0)


def _grid_edge(caught):
    return [w for w in caught if issubclass(w.category, oneneuron.GridEdgeWarning)]


def test_cv_warns_when_the_best_alpha_is_the_smallest_of_the_grid_and_still_improving():
    """NeuronClassifierCV chose the grid's smallest alpha (1e-4 of the largest) on data that
    need no penalty and said nothing (only ``train --cv`` did). The oracle: scikit-learn's
    unpenalised LogisticRegression on the same folds scores better than every alpha of the
    grid, so the optimum lies below it, as the warning says."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(6)
    X = rng.normal(size=(2000, 2))
    y = (rng.random(2000) < 1 / (1 + np.exp(1.0 - 3.0 * X[:, 0]))).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv = oneneuron.NeuronClassifierCV(cv=_folds(), l1_ratios=(0.0,), n_alphas=20).fit(X, y)
    plain = cross_val_score(LogisticRegression(C=np.inf), X, y, cv=_folds(), scoring="neg_log_loss")
    assert plain.mean() > cv.cv_results_["mean_test_score"].max()  # better beyond the grid
    assert cv.alpha_ == cv.alphas_.min()
    (w,) = _grid_edge(caught)
    assert "smallest alpha" in str(w.message) and f"{cv.alpha_:.4g}" in str(w.message)
    assert w.filename == __file__  # the user's line


def test_cv_warns_when_the_best_alpha_is_the_largest_of_a_given_grid():
    """A given grid whose largest alpha still leaves coefficients non-zero, on noise
    features: the best score is at that end. The oracle: scikit-learn's DummyClassifier
    (the class prior, the model every alpha above alpha_max fits) on the same folds scores
    better than the whole grid."""
    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 10))
    y = (rng.random(400) < 0.3).astype(int)
    prior = cross_val_score(DummyClassifier(), X, y, cv=_folds(), scoring="neg_log_loss")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv = oneneuron.NeuronClassifierCV(cv=_folds(), alphas=[1e-4, 1e-3, 3e-3]).fit(X, y)
    assert prior.mean() > cv.cv_results_["mean_test_score"].max()
    assert cv.alpha_ == 3e-3 and cv.cv_results_["n_nonzero"][0] > 0
    (w,) = _grid_edge(caught)
    assert "largest alpha" in str(w.message), w.message


def test_cv_is_silent_when_the_grid_holds_its_best_or_cannot_go_further():
    """No GridEdgeWarning where the best is inside the grid, at the default grid's
    alpha_max (every coefficient already zero: a larger alpha fits the same model), or at
    alpha 0 (nothing below it)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 10))
    noise = (rng.random(400) < 0.3).astype(int)
    signal = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    cases = [
        dict(X=X, y=noise, params=dict(n_alphas=10)),  # best at alpha_max, all zero
        dict(X=X, y=signal, params=dict(n_alphas=30)),  # an interior best
        dict(X=X[:, :1], y=signal, params=dict(alphas=[0.0, 0.01, 0.1])),  # alpha 0
    ]
    for case in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cv = oneneuron.NeuronClassifierCV(cv=_folds(), **case["params"]).fit(
                case["X"], case["y"]
            )
        assert not _grid_edge(caught), (case["params"], cv.alpha_, cv.alphas_)


def test_cv_convergence_warnings_point_at_the_callers_line():
    """The CV's ConvergenceWarnings (the full path's and the folds') named a line of
    oneneuron's own wrapper (stacklevel 2 counted neither scikit-learn's fit wrapper nor
    the restore-on-failure one), where Python's warnings point at the caller's line."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        oneneuron.NeuronClassifierCV(cv=3, n_alphas=5, max_iter=1, tol=1e-14).fit(X, y)
    conv = [w for w in caught if issubclass(w.category, oneneuron.ConvergenceWarning)]
    assert conv and all(w.filename == __file__ for w in conv), [w.filename for w in conv]


def test_train_cv_says_the_grid_end_once(tmp_path, capsys):
    """``train --cv`` notes the grid's end in its summary (and not again as a warning);
    with ``--quiet``, which prints no summary, as one ``warning:`` line in its flags. The
    oracle: scikit-learn's unpenalised fit on the same folds beats the grid's best."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(6)
    X = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    y = (rng.random(2000) < 1 / (1 + np.exp(1.0 - 3.0 * X.a))).astype(int)
    plain = cross_val_score(LogisticRegression(C=np.inf), X, y, cv=_folds(), scoring="neg_log_loss")
    data = tmp_path / "d.csv"
    X.assign(y=y).to_csv(data, index=False)
    argv = ["train", data, "--target", "y", "--cv", "5", "--l1-ratio", "0"]
    code, out, err = run([*argv, "--model", tmp_path / "m.json"], capsys)
    assert code == 0 and "smallest alpha tried" in out and "smallest" not in err, (out, err)
    assert plain.mean() > oneneuron.load(tmp_path / "m.json").cv_record_.mean_score.max()
    code, out, err = run([*argv, "--model", tmp_path / "q.json", "--quiet"], capsys)
    assert code == 0 and err.count("warning: the best is the smallest alpha tried") == 1, err
    assert "--alpha 0" in err and "alphas=" not in err


def _aliased_csv(tmp_path, n=300):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["c"] = df.a + df.b
    df["y"] = (df.a + rng.normal(size=n) > 0).astype(int)
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    return df, data


def test_evaluate_json_notes_an_aliased_term_once_by_name(tmp_path, capsys):
    """``evaluate --json`` of a model with an aliased column wrote one note per number of
    its row (coef, std_err, z, p_value, ci_low, ci_high: six notes for one term), none
    naming the term. The oracle: numpy's rank of [1, a, b, c] is 3, so one term is
    aliased (R's NA), and the notes name it once."""
    import json

    df, data = _aliased_csv(tmp_path)
    design = np.column_stack([np.ones(len(df)), df[["a", "b", "c"]].to_numpy()])
    assert np.linalg.matrix_rank(design) == 3
    model = tmp_path / "m.json"
    assert run(["train", data, "--target", "y", "--model", model], capsys)[0] == 0
    for extra in ([], ["--odds-ratios"]):
        code, out, err = run(["evaluate", model, data, "--json", *extra], capsys)
        assert code == 0, err
        m = json.loads(out)
        (row,) = [r for r in m["coefficients"]["rows"] if r["term"] == "c"]
        assert all(v is None for k, v in row.items() if k != "term"), row
        notes = [n for n in m["notes"] if "coefficients" in n]
        assert len(notes) == 1 and "'c'" in notes[0], notes


def test_evaluate_odds_ratios_of_an_l1_model(tmp_path, capsys):
    """``evaluate --odds-ratios`` of an L1 model printed no ratios, and its ``--json`` had
    no ``coefficients``: the fit has no standard errors, but exp(coef) of the penalised
    coefficients is well defined. The oracle: scikit-learn's L1 LogisticRegression (saga,
    C = 1 / (n alpha)) on columns standardised beforehand (so the penalty on the
    standardised weights is the same), whose exp(coef_) the table must show."""
    import json

    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    n, alpha = 400, 0.02
    X = rng.normal(size=(n, 3))
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # standardize=True changes nothing
    y = (X[:, 0] - 0.5 * X[:, 1] + rng.normal(size=n) > 0).astype(int)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y)
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(data, index=False)
    argv = ["train", data, "--target", "y", "--alpha", alpha, "--l1-ratio", "1", "--model", model]
    assert run(argv, capsys)[0] == 0
    sk = LogisticRegression(
        l1_ratio=1.0, C=1 / (n * alpha), solver="saga", tol=1e-10, max_iter=100_000
    ).fit(df[["a", "b", "c"]].to_numpy(float), y)
    expected = np.exp(np.r_[sk.intercept_, sk.coef_.ravel()])
    code, out, err = run(["evaluate", model, data, "--odds-ratios"], capsys)
    assert code == 0, err
    assert "PENALIZED" in out and "no std_err" in out, out
    for term, odds in zip(["intercept", "a", "b", "c"], expected, strict=True):
        shown = re.search(rf"^{term}\s+\S+\s+(\S+)\s*$", out, re.M)
        assert shown and float(shown.group(1)) == pytest.approx(odds, rel=2e-3), (term, out)
    code, out, err = run(["evaluate", model, data, "--odds-ratios", "--json"], capsys)
    assert code == 0, err
    coefs = json.loads(out)["coefficients"]
    assert coefs["odds_ratios"] and "PENALIZED" in coefs["caption"]
    got = [r["odds_ratio"] for r in coefs["rows"]]
    np.testing.assert_allclose(got, expected, rtol=2e-3)
    assert all(set(r) == {"term", "coef", "odds_ratio"} for r in coefs["rows"])


def _rows_with_holes(tmp_path):
    rng = np.random.default_rng(5)
    n = 200
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "w": rng.integers(1, 4, n).astype(float),
            "g": rng.integers(0, 8, n).astype(float),
            "o": rng.normal(0, 0.3, n),
        }
    )
    df["y"] = (df.a + rng.logistic(size=n) > 0).astype(int)
    df.loc[3, "w"], df.loc[4, "g"], df.loc[5, "o"], df.loc[7, "a"] = np.nan, np.nan, np.nan, np.nan
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    return df, data


@pytest.mark.parametrize(
    "flags, what",
    [
        (["--weights", "w"], "weights column 'w'"),
        (["--offset", "o"], "offset column 'o'"),
        (["--cluster", "g", "--cov-type", "cluster"], "cluster column 'g'"),
    ],
)
def test_train_names_drop_missing_for_a_row_column_with_missing_cells(
    tmp_path, capsys, flags, what
):
    """``train --impute mean`` with a missing weight, offset or cluster cell failed with
    the message predict shares ('has 1 cell that is missing ...'), naming no way out:
    --impute fills features only, and --drop-missing, which leaves such rows out, was not
    named. The oracle for the way out: statsmodels' GLM on the complete rows."""
    sm = pytest.importorskip("statsmodels.api")
    df, data = _rows_with_holes(tmp_path)
    model = tmp_path / "m.json"
    base = ["train", data, "--target", "y", "--features", "a", "--model", model, *flags]
    err = fail([*base, "--impute", "mean"], capsys, what)
    assert "train with --drop-missing" in err and "--impute fills" in err, err
    code, out, err = run([*base, "--drop-missing"], capsys)
    assert code == 0, err
    keep = df[["a", "y", flags[1]]].notna().all(axis=1)
    rows = df[keep]
    glm = sm.GLM(
        rows.y,
        sm.add_constant(rows[["a"]]),
        family=sm.families.Binomial(),
        freq_weights=rows.w if flags[0] == "--weights" else None,
        offset=rows.o if flags[0] == "--offset" else None,
    ).fit()
    np.testing.assert_allclose(oneneuron.load(model).coef_.ravel(), glm.params["a"], rtol=1e-6)


def test_evaluate_names_drop_missing_and_predict_does_not(tmp_path, capsys):
    """The shared message of a missing weight or offset cell: evaluate, which has
    --drop-missing, names it; predict, which has no such flag, does not."""
    df, data = _rows_with_holes(tmp_path)
    plain, offset = tmp_path / "p.json", tmp_path / "o.json"
    complete = tmp_path / "c.csv"
    df.dropna(subset=["a"]).to_csv(complete, index=False)
    df.dropna().to_csv(tmp_path / "cc.csv", index=False)
    argv = ["train", tmp_path / "cc.csv", "--target", "y", "--features", "a", "-q"]
    assert run([*argv, "--model", plain], capsys)[0] == 0
    assert run([*argv, "--offset", "o", "--model", offset], capsys)[0] == 0
    err = fail(["evaluate", plain, complete, "--weights", "w"], capsys, "weights column 'w'")
    assert "evaluate with --drop-missing" in err, err
    err = fail(["evaluate", offset, complete, "--offset", "o"], capsys, "offset column 'o'")
    assert "evaluate with --drop-missing" in err, err
    err = fail(
        ["predict", offset, complete, "--offset", "o", "--out", tmp_path / "x.csv"],
        capsys,
        "offset column 'o'",
    )
    assert "--drop-missing" not in err, err


def _far_column(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    x, z = 1e5 + rng.normal(size=n), rng.normal(size=n)
    y = ((x - 1e5) + z + rng.logistic(size=n) > 0).astype(int)
    return np.column_stack([x, z]), y


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "cd", "auto"])
def test_every_solver_fits_a_column_far_from_zero_without_standardizing(solver):
    """A column of 1e5 + N(0, 1) with standardize=False: Newton resolves it, but
    solver='cd' swept raw coordinates, where that column is nearly a multiple of the
    intercept: it stopped at max_iter (KKT violation 0.17) with coefficient 0.0008 for
    0.91, and the statistics called the column 'nearly constant'. The oracle:
    statsmodels' Logit (coefficients and standard errors)."""
    sm = pytest.importorskip("statsmodels.api")
    X, y = _far_column()
    # on the raw column statsmodels' Newton does not converge either: on x - 1e5 (the same
    # model, the intercept absorbing the shift) its slopes and their errors are the same
    ref = sm.Logit(y, sm.add_constant(X - [1e5, 0.0])).fit(disp=0, tol=1e-12, maxiter=100)
    assert ref.mle_retvals["converged"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no CollinearityWarning
        m = oneneuron.NeuronClassifier(solver=solver, standardize=False).fit(X, y)
    np.testing.assert_allclose(m.coef_.ravel(), ref.params[1:], rtol=1e-6)
    se = np.sqrt(np.diag(m.inference_.covariance()))[1:]
    np.testing.assert_allclose(se, ref.bse[1:], rtol=1e-4)
    b = ref.params[0] - 1e5 * ref.params[1]
    np.testing.assert_allclose(m.intercept_, b, rtol=1e-6)


def test_an_l1_fit_of_a_column_far_from_zero_is_the_centred_columns_fit():
    """The lasso (solver 'cd', standardize=False) on 1e5 + N(0, 1) stalled in raw
    coordinates. Its objective is unchanged by centring a column (the intercept absorbs
    the shift; the penalty is on the same raw coefficient), so the fit must equal the
    one on x - 1e5, which is well conditioned."""
    X, y = _far_column()
    centred = X - [1e5, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        far = oneneuron.NeuronClassifier(alpha=0.01, l1_ratio=1.0, standardize=False).fit(X, y)
    near = oneneuron.NeuronClassifier(alpha=0.01, l1_ratio=1.0, standardize=False).fit(centred, y)
    np.testing.assert_allclose(far.coef_, near.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(far.predict_proba(X), near.predict_proba(centred), atol=1e-8)


def test_a_path_of_a_column_far_from_zero_is_the_centred_columns_path():
    """regularization_path (standardize=False) on 1e5 + N(0, 1) stopped short of tol at
    4 of 5 alphas with the slope at 3e-4 for 0.91 (ConvergenceWarning); centring the
    column changes nothing of the objective, so the path must be the centred column's."""
    X, y = _far_column()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        far = oneneuron.regularization_path(X, y, n_alphas=5, standardize=False)
    near = oneneuron.regularization_path(X - [1e5, 0.0], y, n_alphas=5, standardize=False)
    np.testing.assert_allclose(far.alphas, near.alphas, rtol=1e-9)
    np.testing.assert_allclose(far.coef, near.coef, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(far.mean, 0.0)  # the fit's standardisation: none


def _legend_texts(ax):
    legend = ax.get_legend()
    return None if legend is None else [t.get_text() for t in legend.get_texts()]


def test_boundary_and_contour_plots_carry_their_legend():
    """plot_decision_boundary and plot_probability_contours labelled the classes and the
    boundary (P = 0.5) but drew no legend unless the caller added one. The oracle for the
    entries: the classes the samples hold (numpy's unique) and the threshold asked."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    from oneneuron.plot import plot_decision_boundary, plot_probability_contours

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + X[:, 1] + rng.logistic(size=60) > 0).astype(int)
    lin = oneneuron.NeuronClassifier().fit(X, y)
    poly = make_pipeline(PolynomialFeatures(2), oneneuron.NeuronClassifier(alpha=0.1)).fit(X, y)
    classes = [f"class {c}" for c in np.unique(y)]
    for model in (lin, poly):
        ax = plot_decision_boundary(model, X, y, threshold=0.3)
        assert _legend_texts(ax) == [*classes, "P = 0.3"], _legend_texts(ax)
        assert plot_decision_boundary(model, X, y, legend=False).get_legend() is None
    one = oneneuron.NeuronClassifier().fit(X[:, :1], y)
    ax = plot_decision_boundary(one, X[:, :1], y)  # one feature: a vertical line
    assert _legend_texts(ax) == [*classes, "P = 0.5"], _legend_texts(ax)
    ax = plot_probability_contours(lin, X, y, labels=["no", "yes"])
    assert _legend_texts(ax) == ["no", "yes"]
    assert plot_probability_contours(lin, X).get_legend() is None  # no samples: no entries
    assert plot_probability_contours(lin, X, y, legend=False).get_legend() is None


def test_report_calibration_legend_shows_the_terminals_four_decimals(tmp_path, capsys, monkeypatch):
    """evaluate's terminal shows the expected calibration error to 4 decimals, its HTML
    report's calibration legend to 3 (0.0461 and 0.046): the same number, said twice.
    The oracle: the ECE computed here from the predicted probabilities in 10 bins."""
    import matplotlib.axes

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=400)})
    y = (X.a + rng.logistic(size=400) > 0).astype(int)
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    X.assign(y=y).to_csv(data, index=False)
    assert run(["train", data, "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    p = oneneuron.load(model).predict_proba(X)[:, 1]
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(
        np.sum(bins == b) / len(p) * abs(np.mean(y[bins == b]) - np.mean(p[bins == b]))
        for b in range(10)
        if np.any(bins == b)
    )
    labels, plot = [], matplotlib.axes.Axes.plot

    def spy(self, *args, **kwargs):  # the report's figures are images: read their labels
        labels.append(kwargs.get("label"))
        return plot(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", spy)
    code, out, err = run(["evaluate", model, data, "--report", tmp_path / "r.html"], capsys)
    assert code == 0, err
    assert f"ECE {ece:.4f}" in out, out
    assert any(str(label).endswith(f"ECE {ece:.4f}") for label in labels), labels


def test_a_list_of_names_takes_the_singular_or_the_plural():
    """Messages wrote "column(s) 'x'" before a list of names. The oracle: the number of
    names in the message (one: the singular; two: the plural)."""
    from oneneuron.tables import DataError

    df = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 0.0, 2.0], "y": [0, 1, 0, 1]})
    est = oneneuron.NeuronClassifier().fit(df, "y")
    for drop, word in ((["a"], "column 'a'"), (["a", "b"], "columns 'a', 'b'")):
        with pytest.raises((ValueError, DataError)) as e:
            est.predict(df.drop(columns=drop))
        assert f"lacks {word}" in str(e.value) and "(s)" not in str(e.value), e.value
    two = pd.DataFrame([[0.0, 1.0, 0.0, 1.0]] * 2, columns=["a", "a", "b", "b"])
    with pytest.raises(ValueError, match=r"repeated column names 'a', 'b';"):
        oneneuron.NeuronClassifier().fit(two, [0, 1])


def test_unnamed_columns_are_said_to_be_unnamed():
    """A DataFrame with columns [None, nan] was refused as "repeated column name 'nan'":
    pandas holds both as NaN (the oracle: its own Index), a name the user never wrote."""
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(20, 2)), columns=[None, np.nan])
    assert df.columns.isna().all()
    with pytest.raises(ValueError, match=r"X has 2 columns without a name \(None or NaN"):
        oneneuron.NeuronClassifier().fit(df, np.arange(20) % 2)


def test_train_names_the_one_row_flag_whose_column_is_missing(tmp_path, capsys):
    """``train --weights ''`` said the file 'lacks --cluster/--offset/--weights column'',
    naming three flags for the one given."""
    df, data = _rows_with_holes(tmp_path)
    base = ["train", data, "--target", "y", "--features", "a", "--model", tmp_path / "m.json"]
    for flag in ("--weights", "--offset", "--cluster"):
        more = ["--cov-type", "cluster"] if flag == "--cluster" else []
        err = fail([*base, flag, "nope", *more], capsys, f"lacks {flag} column 'nope'")
        assert "/--" not in err, err


def test_a_polars_date_column_is_named_by_its_own_type():
    """A polars Date column was refused as holding 'dates or times (datetime64[ms])',
    pandas' type after the conversion, not the one the user's table has (the oracle:
    polars' own schema)."""
    import datetime

    pl = pytest.importorskip("polars")
    days = [datetime.date(2020, 1, 1 + i) for i in range(20)]
    table = pl.DataFrame({"x": np.arange(20.0), "d": days, "y": np.arange(20) % 2})
    from oneneuron.tables import DataError

    with pytest.raises(DataError, match=rf"'d' holds dates or times \({table.schema['d']}\)"):
        oneneuron.NeuronClassifier().fit(table, "y")


def test_an_empty_cell_of_an_interaction_is_called_zero_not_constant():
    """``y ~ x + C(g)*C(h)`` where no row has g = 'b' with h = 'v': the interaction's
    column is zero in every row, and the aliasing note called it "constant (a multiple
    of the intercept)". The oracle: the design column itself (all zeros, by numpy), and
    R's NA for it (statsmodels drops it too)."""
    rng = np.random.default_rng(0)
    n = 200
    g = np.where(rng.random(n) < 0.5, "a", "b")
    h = np.where((rng.random(n) < 0.5) & (g == "a"), "v", "u")
    df = pd.DataFrame({"g": g, "h": h, "x": rng.normal(size=n)})
    df["y"] = (df.x + rng.logistic(size=n) > 0).astype(int)
    assert not np.any((g == "b") & (h == "v"))
    for alpha, standardize in ((0.0, True), (0.0, False), (0.1, True)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = oneneuron.NeuronClassifier(
                formula="y ~ x + C(g)*C(h)", alpha=alpha, standardize=standardize
            ).fit(df, None)
        note = m.inference_.extra["aliased_note"]
        assert "'C(g)[T.b]:C(h)[T.v]' is zero in every row" in note, note
        assert "multiple of the intercept" not in note, note
    df["c"] = 3.0  # a constant column is still called constant
    m = oneneuron.NeuronClassifier(formula="y ~ x + c", standardize=False).fit(df, None)
    assert "'c' is constant (a multiple of the intercept)" in m.inference_.extra["aliased_note"]


def test_the_dask_engine_records_a_boolean_parquet_column_as_the_memory_engine(tmp_path, capsys):
    """On a Parquet file with a boolean column, ``train`` (in memory) recorded it as a
    boolean column of the design (true/false, or 0/1, at predict), ``train --engine dask``
    as a numeric one (so 2 passed at predict where the other model refused it). Both now
    write the same design (the oracle: the in-memory engine's file, whose coefficients
    match statsmodels' on the column as 0/1), and both refuse 2 in it."""
    pytest.importorskip("dask.dataframe")
    sm = pytest.importorskip("statsmodels.api")
    import json

    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"a": rng.normal(size=n), "flag": rng.random(n) < 0.5})
    df["y"] = (df.a + df.flag + rng.logistic(size=n) > 0.5).astype(int)
    data = tmp_path / "d.parquet"
    df.to_parquet(data)
    docs = {}
    for engine in ("memory", "dask"):
        model = tmp_path / f"{engine}.json"
        argv = ["train", data, "--target", "y", "--engine", engine, "--model", model, "-q"]
        code, out, err = run(argv, capsys)
        assert code == 0, err
        docs[engine] = json.loads(model.read_text())
    assert docs["dask"]["design"] == docs["memory"]["design"]
    kinds = {c["name"]: c["kind"] for c in docs["dask"]["design"]["columns"]}
    assert kinds == {"a": "numeric", "flag": "boolean"}
    ref = sm.Logit(df.y, sm.add_constant(df[["a", "flag"]].astype(float))).fit(disp=0)
    for engine in ("memory", "dask"):
        coef = oneneuron.load(tmp_path / f"{engine}.json").coef_.ravel()
        np.testing.assert_allclose(coef, ref.params[["a", "flag"]], rtol=1e-5)
    df.assign(flag=df.flag.astype(int) * 2).to_csv(tmp_path / "two.csv", index=False)
    for engine in ("memory", "dask"):
        argv = ["predict", tmp_path / f"{engine}.json", tmp_path / "two.csv"]
        fail([*argv, "--out", tmp_path / "p.csv"], capsys, "is boolean (as in training)")
