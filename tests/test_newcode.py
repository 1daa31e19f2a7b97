"""A hostile user of what landed in the stop that built the factored robust covariances,
the wording helper, evaluate --json's coefficients and their neighbours: edge inputs
checked against an independent oracle (statsmodels, scikit-learn, closed forms) or one
clear error."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from _cli import run  # noqa: E402
from _tables import three_classes  # noqa: E402


def test_evaluate_json_names_the_reference_class_its_rows_are_against(tmp_path, capsys):
    """evaluate --json's ``coefficients`` had ``reference_class: null`` without
    --reference-class, though its rows (and its own caption) are against the first class
    in sorted order: a reader of the JSON could not tell which class the rows compare
    with. It names that class; the rows are statsmodels' MNLogit with it first (and the
    binary table's reference is the first class, as the caption says)."""
    import statsmodels.api as sm

    df, k = three_classes(4, 240, "x", "y", ["hi", "lo", "mid"], shifts=(0.4, -0.2))
    path, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    assert run(["train", path, "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    code, out, _ = run(["evaluate", model, path, "--json"], capsys)
    assert code == 0
    got = json.loads(out)["coefficients"]
    assert got["reference_class"] == "hi"
    ref = sm.MNLogit(k, sm.add_constant(df[["x"]].to_numpy())).fit(
        disp=0, method="newton", tol=1e-12
    )
    coef = {(r["class"], r["term"]): r["coef"] for r in got["rows"]}
    np.testing.assert_allclose(
        [[coef[c, "intercept"], coef[c, "x"]] for c in ("lo", "mid")], ref.params.T, atol=1e-5
    )
    df["y"] = np.where(k == 1, "yes", "no")  # binary: the log-odds of 'yes' against 'no'
    df.to_csv(path, index=False)
    assert run(["train", path, "--target", "y", "--model", model, "-q", "--force"], capsys)[0] == 0
    got = json.loads(run(["evaluate", model, path, "--json"], capsys)[1])["coefficients"]
    assert got["reference_class"] == "no"
    b = sm.Logit((k == 1).astype(float), sm.add_constant(df[["x"]].to_numpy())).fit(disp=0)
    np.testing.assert_allclose([r["coef"] for r in got["rows"]], b.params, atol=1e-5)


def test_counts_of_one_in_the_remaining_messages_are_singular(tmp_path, capsys):
    """The wording helper missed three counts: predict and evaluate refused a text cell in
    a numeric column as '1 non-numeric value(s)' (the CLI's reader and the design
    layer), one stray text cell among numbers said 'fix them or leave them blank', and a
    model file with the wrong number of coefficient rows 'coef must have 1 row(s)'. One
    is singular; two are plural."""
    from oneneuron import NeuronClassifier, load

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=40), "g": ["a", "b"] * 20})
    df["y"] = (df.x + rng.normal(size=40) > 0).astype(int)
    path, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    assert run(["train", path, "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    cases = ((["abc"], "1 non-numeric value,"), (["abc", "de"], "2 non-numeric values,"))
    for cells, want in cases:
        bad = tmp_path / "bad.csv"
        pd.DataFrame({"x": cells, "g": "a"}).to_csv(bad, index=False)
        code, out, err = run(["predict", model, bad, "--out", "-"], capsys)
        assert code != 0 and want in err and "(s)" not in err, err
    est = NeuronClassifier().fit(df[["x", "g"]], df.y)
    for cells, want in cases:
        with pytest.raises(Exception, match=want):
            est.predict(pd.DataFrame({"x": cells, "g": "a"}))
    stray = df.astype({"x": object})
    stray.loc[3, "x"] = "oops"
    stray.to_csv(path, index=False)
    code, _, err = run(["predict", model, path, "--out", "-"], capsys)
    assert code != 0 and "1 cell: 'oops' (data row 4); fix it or leave it blank" in err, err
    doc = json.loads(model.read_text())
    doc["coef"] = doc["coef"] * 2
    model.write_text(json.dumps(doc))
    with pytest.raises(Exception, match=r"coef must have 1 row for 2 classes \(got 2\)"):
        load(model)


@pytest.mark.parametrize("term", ["C(k)", "C(k, Sum)", "C(k, levels=[1])"])
def test_a_numeric_column_of_one_level_coded_as_categories_is_said_to_add_nothing(
    term, tmp_path, capsys
):
    """A text column of one level now says that it adds no model column, but the
    formula's ``C(k)`` of a numeric column holding one number in every row (likewise
    with ``Sum`` or ``levels=``) still added none without a word, in Python and in train
    (where ``--categorical k`` says it). The same LevelWarning now; the fit is the fit
    without the column (scikit-learn's unpenalised fit on x alone)."""
    from sklearn.linear_model import LogisticRegression

    from oneneuron import LevelWarning, NeuronClassifier

    rng = np.random.default_rng(4)
    n = 120
    x = rng.standard_normal(n)
    y = (x + rng.logistic(size=n) > 0).astype(int)
    table = pd.DataFrame({"x": x, "k": 1, "y": y})
    with pytest.warns(LevelWarning, match=r"column 'k' holds one level \('1'\) in every row"):
        est = NeuronClassifier(formula=f"y ~ x + {term}").fit(table)
    oracle = LogisticRegression(C=np.inf, tol=1e-10).fit(x[:, None], y)
    np.testing.assert_allclose(est.coef_.ravel(), oracle.coef_.ravel(), rtol=1e-5)
    table.to_csv(tmp_path / "c.csv", index=False)
    argv = ["train", tmp_path / "c.csv", "--formula", f"y ~ x + {term}"]
    code, out, err = run([*argv, "--model", tmp_path / "m.json"], capsys)
    assert code == 0, err
    assert err.count("warning: column 'k' holds one level ('1') in every row") == 1, err


def _weight_cases():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = (X[:, 0] + rng.normal(size=90) > 0).astype(int)
    w = rng.uniform(0.5, 2.0, len(y))
    return X, y, w


@pytest.mark.parametrize("engine", ["numpy", "dask", "torch"])
@pytest.mark.parametrize(
    ("scale", "match"),
    [(-600, "multiply the weights by a constant"), (600, "divide the weights by a constant")],
)
def test_weights_and_class_weights_each_valid_whose_product_leaves_float64(engine, scale, match):
    """Sample weights and class weights each in range, whose products are not: weights
    of ``w * 2**-600`` with class weights ``2**-600`` multiplied to 0 in every row and
    were refused as 'only one class (none) has positive weight' (there are two, each with
    positive weights); ``2**600`` times ``2**600`` overflowed with numpy's bare 'overflow
    encountered in multiply' and 'invalid value encountered in divide' before the
    refusal. Both are refused as the weights whose product they are would be, without a
    warning; ``2**-500`` times ``2**-500`` still fits as scikit-learn does with the
    weights unscaled (the fit does not depend on the weights' scale)."""
    import warnings

    from sklearn.linear_model import LogisticRegression

    from oneneuron import NeuronClassifier

    X, y, w = _weight_cases()

    def fit(weights, factor):
        if engine == "dask":
            da = pytest.importorskip("dask.array")
            parts = [da.from_array(a, chunks=30) for a in (X, y, weights)]
        elif engine == "torch":
            torch = pytest.importorskip("torch")
            parts = [torch.asarray(a) for a in (X, y, weights)]
        else:
            parts = [X, y, weights]
        cw = {0: factor, 1: 2 * factor}
        return NeuronClassifier(class_weight=cw).fit(*parts)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            fit(np.ldexp(w, scale), np.ldexp(1.0, scale))
        small = fit(np.ldexp(w, -500), np.ldexp(1.0, -500))
    cw = np.where(y == 1, 2.0, 1.0)
    lr = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w * cw)
    coef = small.coef_.cpu().numpy() if hasattr(small.coef_, "cpu") else small.coef_
    np.testing.assert_allclose(np.asarray(coef), lr.coef_, rtol=1e-6)


@pytest.mark.parametrize(
    ("scale", "match"),
    [(1e307, "divide the weights by a constant"), (1e-320, "multiply the weights by a constant")],
)
def test_score_refuses_the_weights_too_large_or_small_that_fit_refuses(scale, match):
    """score refuses the weights fit refuses, but not those whose size fit refuses:
    weights of 1e307 gave an accuracy of nan with numpy's 'overflow encountered in
    reduce' and 'invalid value encountered in scalar divide', and weights of 1e-320
    (subnormal, digits lost) 0.6986935 where scikit-learn's accuracy with the same
    weights unscaled is 0.6986967. Both are refused in fit's words; weights of 1e150 and
    1e-300 score as scikit-learn's accuracy (NeuronClassifierCV: its log-loss) with the
    weights unscaled."""
    import warnings

    from sklearn.metrics import accuracy_score, log_loss

    from oneneuron import NeuronClassifier, NeuronClassifierCV

    X, y, w = _weight_cases()
    for est in (NeuronClassifier().fit(X, y), NeuronClassifierCV(cv=3, n_alphas=3).fit(X, y)):
        want = (  # NeuronClassifierCV scores by its scoring, the log-loss
            accuracy_score(y, est.predict(X), sample_weight=w)
            if type(est) is NeuronClassifier
            else -log_loss(y, est.predict_proba(X), sample_weight=w)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=match):
                est.score(X, y, sample_weight=w * scale)
            for ok in (1e150, 1e-300):
                assert est.score(X, y, sample_weight=w * ok) == pytest.approx(want, rel=1e-12)


def test_the_threshold_shown_by_evaluate_and_predict_is_the_models_to_its_last_digit(
    tmp_path, capsys
):
    """evaluate and predict say the threshold a binary model's labels use, but to six
    digits: a model with ``threshold=0.4999999`` printed "labels: '1' where P('1') > 0.5
    (the model's threshold, not 0.5)", and predict '> 0.5'. The oracle: the labels are
    those of ``P(1) > 0.4999999`` (a row with P(1) between the two shows it); the value
    is shown with every digit it has (repr), as the CLI's other messages now show them."""
    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60)})
    df["y"] = (df.x + rng.normal(size=60) > 0).astype(int)
    est = NeuronClassifier(threshold=0.4999999).fit(df[["x"]], df.y)
    model, path = tmp_path / "m.json", tmp_path / "d.csv"
    est.save(model)
    df.to_csv(path, index=False)
    code, out, err = run(["evaluate", model, path, "--target", "y"], capsys)
    assert code == 0, err
    assert "P('1') > 0.4999999 (the model's threshold, not 0.5)" in out, out
    code, out, err = run(["predict", model, path, "--out", "-"], capsys)
    assert code == 0 and "P('1') > 0.4999999 (the model's threshold)" in err, err
    got = pd.read_csv(__import__("io").StringIO(out))
    p = est.predict_proba(df[["x"]])[:, 1]
    np.testing.assert_array_equal(got["prediction"], (p > 0.4999999).astype(int))


def test_a_count_printed_as_one_is_singular():
    """counted() chose the noun by the number, not by what it prints: a weighted count of
    1.0004 printed to 3 digits read '1 rows', and goodness_of_fit's caption said '(1
    trials per pattern on average)' for a table of single trials. The noun follows the
    printed count; the caption counts with counted() (the average, a closed form: the
    weights' sum over the patterns, here n rows over n patterns = 1)."""
    import oneneuron
    from oneneuron.wording import counted

    assert counted(1.0004, "row", spec=".3g") == "1 row"
    assert counted(0.9996, "row", spec=".3g") == "1 row"
    assert counted(1.04, "row", spec=".3g") == "1.04 rows"
    assert counted(2, "row", spec="d") == "2 rows"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] + rng.normal(size=100) > 0).astype(int)
    table = oneneuron.goodness_of_fit(oneneuron.NeuronClassifier().fit(X, y), X, y)
    assert table.attrs["n_patterns"] == 100
    assert "(1 trial per pattern on average)" in table.attrs["caption"], table.attrs["caption"]


def test_the_dask_score_refuses_the_weights_too_large_or_small_that_fit_refuses():
    """On Dask, score summed the weights chunk by chunk: weights of 1e307 gave an
    accuracy of nan (their sum overflows), and weights of 1e-320 were taken. Both are
    refused as fit and the in-memory score refuse them; 1e150 and 1e-300 score as
    scikit-learn's accuracy with the weights unscaled, over chunks of unequal size."""
    import warnings

    da = pytest.importorskip("dask.array")
    from sklearn.metrics import accuracy_score

    from oneneuron import NeuronClassifier

    X, y, w = _weight_cases()
    est = NeuronClassifier().fit(X, y)
    want = accuracy_score(y, est.predict(X), sample_weight=w)

    def score(weights):
        w2 = weights.copy()
        w2[:30] *= 1e-3  # the chunks' largest weights differ
        parts = (da.from_array(a, chunks=30) for a in (X, y, w2))
        return est.score(*parts), accuracy_score(y, est.predict(X), sample_weight=w2 / scale)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scale, match in ((1e307, "divide the weights"), (1e-320, "multiply the weights")):
            with pytest.raises(ValueError, match=match):
                score(w * scale)
        for scale in (1e150, 1e-300, 1.0):
            got, expected = score(w * scale)
            assert got == pytest.approx(expected, rel=1e-12)
    assert est.score(*(da.from_array(a, chunks=30) for a in (X, y, w))) == pytest.approx(want)


@pytest.mark.parametrize(("scale", "match"), [(1e307, "divide"), (1e-321, "multiply")])
def test_evaluate_weights_too_large_or_small_are_refused_as_train_refuses_them(
    scale, match, tmp_path, capsys
):
    """evaluate --weights took any size: weights of 1e307 printed eight numpy warnings
    ('overflow encountered in reduce', 'One of rtol or atol is not valid', ...) and
    weights of 1e-321 'evaluated on 1.0978e-319 rows' (subnormal: digits lost). Both are
    one error line in train's words for its --weights; 1e150 evaluates as the unscaled
    weights do (scikit-learn's weighted accuracy)."""
    from sklearn.metrics import accuracy_score

    from oneneuron import load

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60), "w": rng.uniform(0.5, 2.0, 60)})
    df["y"] = (df.x + rng.normal(size=60) > 0).astype(int)
    path, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    argv = ["train", path, "--target", "y", "--features", "x", "--model", model]
    assert run(argv, capsys)[0] == 0
    df.assign(w=df.w * scale).to_csv(path, index=False)
    code, out, err = run(["evaluate", model, path, "--weights", "w"], capsys)
    assert code != 0 and err.count("error:") == 1 and "warning" not in err, err
    assert "the --weights column" in err and f"{match} the weights by a constant" in err, err
    df.assign(w=df.w * 1e150).to_csv(path, index=False)
    code, out, err = run(["evaluate", model, path, "--weights", "w", "--json"], capsys)
    assert code == 0 and "warning" not in err, err
    want = accuracy_score(df.y, load(model).predict(df[["x"]]), sample_weight=df.w)
    assert json.loads(out)["accuracy"] == pytest.approx(want, rel=1e-12)


def test_a_quoted_treatment_base_of_a_numeric_column_is_told_to_drop_the_quotes():
    """``C(k, Treatment("3"))`` of a numeric column k of 1, 2, 3 was refused as "Value
    '3' ... is not among the provided levels; the levels of 'k' are '1', '2', '3'": the
    levels shown as text, among which '3' is. They are shown as the numbers they are,
    with the way out (Treatment(3)), which fits as statsmodels' glm with that base."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=90), "k": np.tile([1, 2, 3], 30)})
    df["y"] = (df.x + 0.3 * df.k + rng.normal(size=90) > 0.5).astype(int)
    with pytest.raises(ValueError) as info:
        NeuronClassifier(formula='y ~ x + C(k, Treatment("3"))').fit(df)
    msg = str(info.value)
    assert "the levels of 'k' are 1, 2, 3" in msg and "Treatment(3)" in msg, msg
    formula = "y ~ x + C(k, Treatment(3))"
    est = NeuronClassifier(formula=formula).fit(df)
    ref = smf.glm(formula, df, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(est.predict_proba(df)[:, 1], ref.fittedvalues, atol=1e-8)


@pytest.mark.parametrize("K", [2, 3])
def test_an_exact_copy_beside_nearly_collinear_columns_converges(K):
    """x, x + 1e-8 noise, x2 and 2 x2: once the QR factor found the copy aliased, Newton
    kept the ridge's damped steps, which crawl along the nearly collinear pair: 80
    iterations for two classes, and three classes stopped at max_iter (1000) with a
    ConvergenceWarning ('relative Newton step = 8.4e-06 > tol'). After a few such steps
    it takes the QR factor's step on the kept columns: it converges, to statsmodels'
    fitted probabilities on the well-conditioned columns without the copy (1e-8)."""
    import warnings

    import statsmodels.api as sm

    from oneneuron import NeuronClassifier
    from oneneuron.exceptions import ConvergenceWarning

    rng = np.random.default_rng(3)
    n = 500
    a, b = rng.normal(size=n), rng.normal(size=n)
    d = 1e-8 * rng.normal(size=n)
    Z = np.column_stack([np.zeros(n), a - b, 0.5 * a + b])
    P = np.exp(Z) / np.exp(Z).sum(1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(P, 1)).sum(1)
    if K == 2:
        y = (y == 1).astype(int)
    X = np.column_stack([a, a + d, b, 2 * b])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = NeuronClassifier(solver="newton").fit(X, y)
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert est.n_iter_ <= 20
    W = sm.add_constant(np.column_stack([a, d * 1e8, b]))
    ref = (sm.Logit if K == 2 else sm.MNLogit)(y, W).fit(disp=0, method="newton", tol=1e-12)
    want = ref.predict(W)
    got = est.predict_proba(X)
    np.testing.assert_allclose(got[:, 1] if K == 2 else got, want, atol=1e-8)
