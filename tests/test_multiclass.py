"""K > 2 classes (the softmax layer) through the faces: report, plots, predict's intervals."""

import warnings

import numpy as np
import pandas as pd
import pytest
from tests._cli import run

import oneneuron


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


def test_multinomial_ratios_are_named_relative_risk_ratios_everywhere(iris, capsys):
    """``summary(exp=True)`` of a softmax layer was captioned "relative-risk ratios" but
    its column was still named ``odds_ratio`` (in Python, the terminal and the report
    page). It is ``relative_risk_ratio`` (Stata's ``mlogit, rrr``: RRR), ``exp_coef``
    in the sum-to-zero parameterisation (factors against the geometric mean, neither
    ratio), ``odds_ratio`` for a binary fit. Oracle: exp of statsmodels' MNLogit
    coefficients (class by class against the first)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y3 = np.digitize(X[:, 0] + rng.normal(size=300), [-0.5, 0.5])
    clf = oneneuron.NeuronClassifier(tol=1e-10).fit(X, y3)
    table = clf.summary(exp=True)
    assert "odds_ratio" not in table.columns
    ref = sm.MNLogit(y3, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    expected = np.exp(np.asarray(ref.params).T.ravel())  # class by class, terms within
    np.testing.assert_allclose(table["relative_risk_ratio"], expected, rtol=1e-6)
    assert "relative_risk_ratio" in clf.summary_text(exp=True)
    centred = clf.summary(parameterization="sum-to-zero", exp=True)
    assert "exp_coef" in centred.columns and "relative_risk_ratio" not in centred.columns
    binary = oneneuron.NeuronClassifier().fit(X, (y3 > 0).astype(int)).summary(exp=True)
    assert "odds_ratio" in binary.columns
    folder, _, model = iris
    code, out, err = run(["evaluate", model, folder / "iris.csv", "--odds-ratios"], capsys)
    assert code == 0, err
    assert "relative_risk_ratio" in out and "odds_ratio" not in out
    report = folder / "rrr.html"
    assert run(["evaluate", model, folder / "iris.csv", "--report", report], capsys)[0] == 0
    page = report.read_text()
    assert "relative_risk_ratio" in page and "odds_ratio" not in page


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


def _three_classes(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) * [1.0, 3.0] + [0.0, 10.0]
    y = np.digitize(X[:, 0] + 0.2 * X[:, 1] + rng.normal(size=n), [1.5, 2.5])
    return X, np.array(["ant", "bee", "cat"])[y]


def _vertices(ax):
    lines = [c for c in ax.collections if getattr(c, "filled", None) is False]  # contour()
    return np.vstack([p.vertices for c in lines for p in c.get_paths()])


def test_decision_regions_of_k_classes_lie_on_the_pairwise_lines():
    """plot_decision_boundary refused a K-class model; it now draws where the most probable
    class changes. Oracle: every drawn boundary point lies on one of the lines
    (w_k - w_j) . x + b_k - b_j = 0 where k and j are the two most probable classes."""
    from oneneuron import NeuronClassifier
    from oneneuron.plot import plot_decision_boundary

    X, y = _three_classes()
    clf = NeuronClassifier(alpha=0.01).fit(X, y)
    ax = plot_decision_boundary(clf, X, y, grid=120)
    V = np.vstack([np.c_[line.get_xdata(), line.get_ydata()] for line in ax.lines])
    assert len(V) == 2 * 3  # three segments meeting where all three classes tie
    Z = V @ clf.coef_.T + clf.intercept_
    gap = np.diff(np.sort(Z, axis=1)[:, -2:], axis=1).ravel()  # 0 on a line between the top 2
    assert np.max(gap) < 1e-12 * np.abs(Z).max()
    corner = np.linalg.solve(clf.coef_[1:] - clf.coef_[0], clf.intercept_[0] - clf.intercept_[1:])
    assert sum(np.allclose(v, corner, rtol=1e-12) for v in V) == 3
    assert ax.get_legend_handles_labels()[1][-1] == "most probable class changes"
    # shading: each sample lies in the region of its predicted class
    filled = [c for c in ax.collections if getattr(c, "filled", False)][0]
    for k, region in enumerate(filled.get_paths()):
        inside = region.contains_points(X) if len(region.vertices) else np.zeros(len(X), bool)
        pred = clf.predict(X) == clf.classes_[k]
        margin = np.sort(clf.decision_function(X), axis=1)
        sure = margin[:, -1] - margin[:, -2] > 0.2  # not within a grid cell of an edge
        assert np.all(inside[sure] == pred[sure])
    # a model without coef_ (here a pipeline): the grid's zero level, within a cell of an edge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), NeuronClassifier(alpha=0.01)).fit(X, y)
    ax = plot_decision_boundary(pipe, X, y, grid=200)
    V = _vertices(ax)
    Z = pipe.decision_function(V)
    gap = np.diff(np.sort(Z, axis=1)[:, -2:], axis=1).ravel()
    W = pipe[-1].coef_ / pipe[0].scale_  # d z / d x on the raw scale
    cell = np.hypot(*(np.ptp(np.reshape(ax.get_xlim() + ax.get_ylim(), (2, 2)), 1) / 199))
    assert np.median(gap) < 1e-9 and np.max(gap) < 2 * np.abs(W).max() * cell
    with pytest.raises(ValueError, match="threshold=0.3 applies to binary models only"):
        plot_decision_boundary(clf, X, y, threshold=0.3)


def test_decision_regions_of_a_one_feature_k_class_model():
    """One feature, K classes: a vertical line where each change of the predicted class
    happens; oracle: the two classes on either side have equal logits there."""
    from oneneuron import NeuronClassifier
    from oneneuron.plot import plot_decision_boundary

    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 1)) * 2
    y = np.digitize(x[:, 0] + rng.normal(size=200) * 0.5, [-1.0, 1.0])
    clf = NeuronClassifier().fit(x, y)
    ax = plot_decision_boundary(clf, x, y, grid=500)
    xs = sorted({float(v) for line in ax.lines for v in line.get_xdata()})
    assert len(xs) == 2
    Z = np.c_[xs] @ clf.coef_.T + clf.intercept_
    top2 = np.sort(Z, axis=1)[:, -2:]
    np.testing.assert_allclose(top2[:, 0], top2[:, 1], atol=1e-9)
    # the same crossings for a model without predict_log_proba (a probabilities-only one)

    class ProbaOnly:
        classes_ = clf.classes_
        n_features_in_ = 1

        def predict_proba(self, X):
            return clf.predict_proba(X)

    ax = plot_decision_boundary(ProbaOnly(), x, y, grid=500)
    np.testing.assert_allclose(
        sorted({float(v) for line in ax.lines for v in line.get_xdata()}), xs, atol=1e-9
    )


def test_report_of_many_classes_draws_the_largest_few(tmp_path, capsys):
    """K = 60 classes: the report drew 60 ROC and calibration curves with 60-entry legends,
    60 stacked histograms (a 132-inch figure) and 60 bars per feature; matplotlib's 'Tight
    layout not applied' leaked as a CLI warning. Now the per-class plots show the 10 classes
    with the most rows in the table, and their captions say so (here K = 12, to be quick)."""
    import re

    rng = np.random.default_rng(3)
    K, per = 12, 3
    y = np.repeat(np.arange(K), per)
    y[: 2 * per] = 7  # class 7 has the most rows (9), classes 0 and 1 none...
    y[2 * per : 3 * per] = 11  # ...then class 11 (6), class 2 none
    df = pd.DataFrame(rng.normal(size=(len(y), 2)) + y[:, None] * 0.05, columns=["a", "b"])
    df["cls"] = [f"c{k:02d}" for k in y]
    for k in range(3):  # every class keeps a row to train on
        df.loc[len(df)] = [0.1 * k, 0.0, f"c{k:02d}"]
    df.to_csv(tmp_path / "k.csv", index=False)
    model, report = tmp_path / "k.json", tmp_path / "k.html"
    args = ["train", tmp_path / "k.csv", "--target", "cls", "--alpha", "0.1", "-q"]
    assert run([*args, "--model", model], capsys)[0] == 0
    code, out, err = run(["evaluate", model, tmp_path / "k.csv", "--report", report], capsys)
    assert code == 0, err
    assert "warning:" not in err, err
    text = report.read_text()
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", text)
    per_class = [c for c in captions if "10 of 12 classes" in c]
    assert len(per_class) == 4, captions  # ROC, calibration, probabilities, coefficients
    shown = re.findall(r"shown: (.*?)\)", per_class[0])[0].split(", ")
    assert shown[:2] == ["c07", "c11"] and len(shown) == 10  # the most rows first
    assert "c01" not in shown and "c02" not in shown  # one row each: left out (ties: c00)


def _ordered_response(n=400, seed=2):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"h": rng.normal(size=n), "c": (rng.random(n) < 0.5).astype(float)})
    Z = np.c_[np.zeros(n), 0.8 * X.h - 0.5, -0.6 * X.c + 0.7 * X.h]
    P = np.exp(Z) / np.exp(Z).sum(1, keepdims=True)
    y = np.array(["not.work", "parttime", "fulltime"])[[rng.choice(3, p=p) for p in P]]
    return X, y


def test_summary_against_a_chosen_reference_class_matches_mnlogit():
    """The table compared every class with classes_[0] (sorted: 'fulltime'), with no way to
    choose, while statsmodels and R take the response's first level ('not.work' for a
    pandas Categorical in that order). summary(reference_class=...) now picks the class;
    oracle: MNLogit on the labels coded with that class first."""
    import statsmodels.api as sm

    from oneneuron import NeuronClassifier

    X, y = _ordered_response()
    clf = NeuronClassifier().fit(X, y)
    assert clf.classes_[0] == "fulltime"  # the default stays classes_[0]
    order = ["not.work", "parttime", "fulltime"]
    codes = pd.Series(pd.Categorical(y, categories=order))
    mn = sm.MNLogit(codes, sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=200)
    assert mn.model._ynames_map[0] == "not.work"
    table = clf.summary(reference_class="not.work")
    assert list(table.index.get_level_values("class").unique()) == ["fulltime", "parttime"]
    for cls in ("fulltime", "parttime"):
        j = order.index(cls) - 1  # MNLogit's column of that class
        got = table.loc[cls]
        np.testing.assert_allclose(got["coef"], mn.params.iloc[:, j], rtol=1e-7)
        np.testing.assert_allclose(got["std_err"], mn.bse.iloc[:, j], rtol=1e-6)
        np.testing.assert_allclose(got["p_value"], mn.pvalues.iloc[:, j], rtol=1e-5)
    assert "relative to reference class 'not.work'" in table.attrs["caption"]
    text = clf.summary_text(reference_class="not.work", exp=True)
    assert "reference class 'not.work'" in text and "relative-risk ratios" in text
    V = clf.cov_params(reference_class="not.work")  # blocks fulltime, parttime (classes_)
    p = X.shape[1] + 1
    swap = np.r_[np.arange(p, 2 * p), np.arange(p)]  # MNLogit's: parttime, fulltime
    np.testing.assert_allclose(V, np.asarray(mn.cov_params())[np.ix_(swap, swap)], rtol=1e-5)
    with pytest.raises(ValueError, match="reference_class 'retired' is not a class"):
        clf.summary(reference_class="retired")
    with pytest.raises(ValueError, match="reference_class applies to the reference"):
        clf.summary(parameterization="sum-to-zero", reference_class="not.work")


def test_binary_summary_against_the_other_class_flips_the_signs():
    """Binary: reference_class=classes_[1] reports the log-odds of classes_[0]: the same
    table with coef and interval negated (and swapped), statsmodels' Logit on 1 - y."""
    import statsmodels.api as sm

    from oneneuron import NeuronClassifier

    X, y = _ordered_response()
    yb = np.where(y == "fulltime", "yes", "no")
    clf = NeuronClassifier().fit(X, yb)
    table = clf.summary(reference_class="yes")
    lg = sm.Logit((yb == "no").astype(float), sm.add_constant(X)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(table["coef"], lg.params, rtol=1e-7)
    np.testing.assert_allclose(table["std_err"], lg.bse, rtol=1e-6)
    assert "log-odds of 'no' (reference 'yes')" in table.attrs["caption"]


def test_evaluate_reference_class(tmp_path, capsys):
    """evaluate --reference-class LABEL prints (and reports) the table against that class;
    a label the model does not know is one error line naming its classes."""
    from tests._cli import fail

    X, y = _ordered_response()
    X.assign(partic=y).to_csv(tmp_path / "w.csv", index=False)
    model, report = tmp_path / "w.json", tmp_path / "w.html"
    args = ["train", tmp_path / "w.csv", "--target", "partic", "-q", "--model", model]
    assert run(args, capsys)[0] == 0
    code, out, err = run(
        ["evaluate", model, tmp_path / "w.csv", "--reference-class", "not.work",
         "--report", report],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    want = oneneuron.load(model).summary(reference_class="not.work")
    assert "relative to reference class 'not.work'" in out
    assert f"{want.loc[('parttime', 'h'), 'coef']:.4g}" in out
    assert "reference class &#x27;not.work&#x27;" in report.read_text()
    err = fail(
        ["evaluate", model, tmp_path / "w.csv", "--reference-class", "retired"], capsys,
        "--reference-class 'retired' is not a class of the model",
    )  # fmt: skip
    assert "not.work" in err
    fail(
        [*args[:-2], "--model", tmp_path / "x.json", "--reference", "partic=not.work"], capsys,
        "evaluate --reference-class LABEL",
    )  # fmt: skip


def test_plot_roc_of_k_classes_draws_one_vs_rest_curves():
    """plot_roc(y, predict_proba(X)) with K > 2 classes raised scikit-learn's 'multiclass
    format is not supported'; now one curve per class (its column against the rest), as
    the report draws them; a 1-D score against K labels is a clear error."""
    from sklearn.metrics import roc_auc_score, roc_curve

    from oneneuron import NeuronClassifier
    from oneneuron.plot import plot_roc

    X, y = _three_classes()
    P = NeuronClassifier(alpha=0.1).fit(X, y).predict_proba(X)
    ax = plot_roc(y, P)
    curves = ax.lines[:-1]  # the last is the diagonal
    assert len(curves) == 3
    for k, (line, c) in enumerate(zip(curves, ["ant", "bee", "cat"], strict=True)):
        fpr, tpr, _ = roc_curve(y == c, P[:, k])
        np.testing.assert_array_equal(line.get_xdata(), fpr)
        np.testing.assert_array_equal(line.get_ydata(), tpr)
        assert line.get_label() == f"{c} vs rest (AUC = {roc_auc_score(y == c, P[:, k]):.3f})"
    with pytest.raises(ValueError, match="3 classes: pass the .n, K. probabilities"):
        plot_roc(y, P[:, 1])
    yb = np.where(y == "ant", "ant", "other")  # binary with two columns: the second's curve
    Pb = np.c_[P[:, 0], 1 - P[:, 0]]
    assert plot_roc(yb, Pb).lines[0].get_label() == plot_roc(yb, Pb[:, 1]).lines[0].get_label()


def _laplace_contrast_cov(clf, X, pen):
    """The penalised softmax's Laplace covariance of the contrasts theta_k - theta_0, from
    first principles: the raw-scale Hessian over all K blocks (likelihood plus the penalty
    ``pen`` on each class's terms), its pseudo-inverse (the unpenalised intercepts leave
    one flat direction, which every contrast annihilates), mapped by the contrasts."""
    n, d = X.shape
    K = len(clf.classes_)
    Xt = np.c_[np.ones(n), X]
    P = clf.predict_proba(X)
    pairs = zip(P, Xt, strict=True)
    H = sum(np.kron(np.diag(p) - np.outer(p, p), np.outer(x, x)) for p, x in pairs)
    H = H + np.kron(np.eye(K), np.diag(pen))
    C = np.kron(np.c_[-np.ones(K - 1), np.eye(K - 1)], np.eye(d + 1))
    return C @ np.linalg.pinv(H, hermitian=True) @ C.T


def test_penalised_softmax_covariance_is_the_laplace_one_of_the_contrasts():
    """alpha > 0, K > 2: the covariance was that of classes 1..K-1 with class 0's
    coefficients held at their estimate (a conditional covariance), which understated the
    contrasts' standard errors by 3% to 30% (iris, alpha 0.001 to 0.1) and depended on
    which class was the reference. Now the Laplace covariance over all K blocks, mapped to
    the contrasts: oracle, the raw-scale Hessian built here from predict_proba."""
    from sklearn.datasets import load_iris

    from oneneuron import NeuronClassifier

    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    y = np.where(rng.random(150) < 0.2, rng.integers(0, 3, 150), y)
    n = len(y)
    for alpha, pf in ((0.01, np.ones(4)), (0.1, np.array([1.0, 0.0, 2.0, 1.0]))):
        clf = NeuronClassifier(alpha=alpha, penalty_factor=pf, tol=1e-12).fit(X, y)
        pen = np.r_[0.0, alpha * n * pf * X.std(0) ** 2]  # (alpha/2) sum pf_j (w_j sigma_j)^2
        want = _laplace_contrast_cov(clf, X, pen)
        np.testing.assert_allclose(clf.cov_params(), want, rtol=1e-6, atol=1e-10)
        # the same covariance whichever class is the reference
        V1 = clf.cov_params(reference_class=1)
        C = np.kron(np.array([[-1.0, 0.0], [-1.0, 1.0]]), np.eye(5))  # 0-1, 2-1 from 1-0, 2-0
        np.testing.assert_allclose(V1, C @ want @ C.T, rtol=1e-6, atol=1e-10)


def test_evaluate_text_of_many_classes_stays_terminal_wide(tmp_path, capsys):
    """K = 30: the terminal's confusion matrix was 30 columns of 9 characters (290-character
    lines); now the text names its size, where the full matrix is (--json, --report), and
    lists the most frequent confusions, which the JSON matrix confirms."""
    import json

    rng = np.random.default_rng(4)
    K = 30
    y = np.repeat(np.arange(K), 4)
    df = pd.DataFrame(rng.normal(size=(len(y), 2)) + y[:, None] * 0.1, columns=["a", "b"])
    df["cls"] = [f"class{k:02d}" for k in y]
    df.to_csv(tmp_path / "k.csv", index=False)
    model = tmp_path / "k.json"
    args = ["train", tmp_path / "k.csv", "--target", "cls", "--alpha", "0.1", "-q"]
    assert run([*args, "--model", model], capsys)[0] == 0
    code, out, err = run(["evaluate", model, tmp_path / "k.csv"], capsys)
    assert code == 0, err
    table = out.split("  calibration")[0].splitlines()[1:]  # (line 0 names the file)
    assert max(len(line) for line in table) <= 100, table
    assert "confusion matrix: 30 x 30" in out and "--json" in out
    code, js, err = run(["evaluate", model, tmp_path / "k.csv", "--json"], capsys)
    m = json.loads(js)
    cm = np.array(m["confusion_matrix"])
    off = cm - np.diag(np.diag(cm))
    i, j = np.unravel_index(np.argmax(off), off.shape)
    names = m["classes"]
    assert f"{names[i]!r} predicted as {names[j]!r}: {off[i, j]} rows" in out


def test_evaluate_text_keeps_long_class_names_apart(tmp_path, capsys):
    """Class names were cut to 20 characters in the per-class table: 'government employee,
    federal' and '... state' both read 'government employee,'."""
    rng = np.random.default_rng(5)
    names = np.array(["government employee, federal", "government employee, state", "other"])
    y = np.repeat([0, 1, 2], 30)
    df = pd.DataFrame({"a": rng.normal(size=90) + y}).assign(job=names[y])
    df.to_csv(tmp_path / "j.csv", index=False)
    model = tmp_path / "j.json"
    args = ["train", tmp_path / "j.csv", "--target", "job", "-q", "--model", model]
    assert run(args, capsys)[0] == 0
    code, out, err = run(["evaluate", model, tmp_path / "j.csv"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "precision" in line)
    table = [line.strip() for line in lines[start + 1 : start + 4]]  # the per-class rows
    assert table[0].startswith("government employee, federal ")
    assert table[1].startswith("government employee, state ")


def test_wald_test_of_one_class_coefficients():
    """K > 2: wald_test applied each restriction to every class's block, so no hypothesis
    could name one class's coefficient; 'x1[mid] = 0' (the term[class] names of the
    separation messages) now tests that contrast alone. Oracle: MNLogit's wald_test with
    the same restriction rows."""
    import statsmodels.api as sm

    from oneneuron import NeuronClassifier

    X, y = _ordered_response()
    y = np.where(y == "parttime", "mid", np.where(y == "fulltime", "hi", "lo"))
    clf = NeuronClassifier().fit(X, y)  # classes hi, lo, mid: blocks lo, mid against hi
    mn = sm.MNLogit(pd.Series(y), sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=200)
    # MNLogit's parameter vector: columns lo, mid; rows const, h, c (column-major)
    R = np.zeros((2, 6))
    R[0, 3 + 1] = 1.0  # h[mid]
    R[1, 0 + 2], R[1, 3 + 2] = 1.0, -1.0  # c[lo] - c[mid]
    want = mn.wald_test((R, np.zeros(2)), scalar=True)
    got = clf.wald_test("h[mid] = 0, c[lo] = c[mid]")
    assert got.df == 2
    np.testing.assert_allclose(got.statistic, float(want.statistic), rtol=1e-6)
    plain = clf.wald_test("h = 0")  # unqualified: every block, as before
    assert plain.df == 2
    both = clf.wald_test("h[lo] = 0, h[mid] = 0")
    np.testing.assert_allclose(both.statistic, plain.statistic, rtol=1e-12)
    with pytest.raises(ValueError, match=r"cannot read.*term\[class\].*reference class 'hi'"):
        clf.wald_test("h[hi] = 0")  # the reference class has no block
