"""Hostile input, fourth round: combinations of settings, numbers at the edges, and
the command line's corners that the earlier rounds did not try.

Each result is checked against an independent oracle (scikit-learn, statsmodels,
closed forms) or is one clear error naming the cause.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from oneneuron import NeuronClassifier, NeuronClassifierCV


def _data(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X @ [1.0, -0.5] + rng.normal(size=n) > 0).astype(int)
    return X, y


def _ridge_oracle(X: np.ndarray, y: np.ndarray, alpha: float, pf: np.ndarray) -> np.ndarray:
    """scikit-learn's ridge fit on standardised columns, each divided by the square
    root of its penalty factor (so its penalty is ``pf_j W_j**2``): original-scale
    coefficients."""
    sd = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / sd / np.sqrt(pf)
    lr = LogisticRegression(C=1 / (len(y) * alpha), tol=1e-12, max_iter=10_000).fit(Z, y)
    return lr.coef_[0] / sd / np.sqrt(pf)


# ------------------------------------------------------------ parameters
def test_penalty_factors_of_other_libraries_fit_after_one_another():
    """Fits remember parameter values seen valid and compared a new one with them by
    ``==``: after a fit with a polars Series as ``penalty_factor``, a fit with a pyarrow
    array stopped in polars' comparison ("TypeError: cannot convert Python type
    'pyarrow.lib.DoubleArray' to Float64"), though the same fit alone ran. Every kind
    fits, in any order, and gives scikit-learn's coefficients."""
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    X, y = _data()
    pf = [2.0, 0.5]
    expected = _ridge_oracle(X, y, 0.1, np.array(pf))
    for kind in (pl.Series, pa.array, np.array, list, pl.Series):
        model = NeuronClassifier(alpha=0.1, penalty_factor=kind(pf)).fit(X, y)
        np.testing.assert_allclose(model.coef_[0], expected, rtol=1e-6)


def test_a_numpy_scalar_alpha_after_a_huge_one_warns_nothing():
    """``alpha=np.float32(0.1)`` after a fit with ``alpha=1e300`` raised numpy's bare
    "RuntimeWarning: overflow encountered in cast" from that comparison with the
    remembered values. It fits silently, as a float 0.1 does."""
    X, y = _data()
    NeuronClassifier(alpha=1e300).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = NeuronClassifier(alpha=np.float32(0.1)).fit(X, y)
    expected = _ridge_oracle(X, y, float(np.float32(0.1)), np.ones(2))
    np.testing.assert_allclose(model.coef_[0], expected, rtol=1e-6)


def _penalty_kinds() -> list:
    """Array-likes of other libraries a user may hand as ``penalty_factor``."""
    import pandas as pd

    kinds = [list, tuple, np.array, pd.Series]
    for module, name in (("polars", "Series"), ("pyarrow", "array"), ("torch", "tensor")):
        try:
            kinds.append(getattr(__import__(module), name))
        except ImportError:
            pass
    return kinds


@pytest.mark.parametrize("kind", _penalty_kinds(), ids=lambda k: f"{k.__module__}.{k.__name__}")
def test_statistics_after_a_fit_with_a_penalty_factor_of_another_library(kind):
    """The statistics check that no parameter changed since the fit by comparing it
    with a copy kept at fit time: a polars Series ``penalty_factor`` read as changed
    ("penalty_factor was changed after the fit (shape: (2,) ... -> shape: (2,) ...")
    though it was the same, and a torch tensor stopped in torch's "Boolean value of
    Tensor with more than one value is ambiguous". Both give the summary; a changed
    value is still refused."""
    X, y = _data()
    model = NeuronClassifier(alpha=0.1, penalty_factor=kind([2.0, 0.5])).fit(X, y)
    table = model.summary()
    np.testing.assert_allclose(table["coef"].to_numpy()[1:], model.coef_[0])
    model.set_params(penalty_factor=kind([2.0, 1.5]))
    with pytest.raises(ValueError, match="penalty_factor was changed after the fit"):
        model.summary()


# ------------------------------------------------------------------ tables
@pytest.mark.parametrize(
    ("params", "advice"),
    [
        ({"formula": "y ~ x"}, r"compute\(\)"),
        ({"missing": "drop"}, r"dropna\(\)"),
        ({"missing": "mean"}, r"fillna\("),
        ({"reference": {"x": "a"}}, "numeric columns"),
    ],
)
def test_settings_for_tables_on_a_dask_frame_name_dask_and_a_next_step(params, advice):
    """A Dask DataFrame with ``formula=``, ``missing=`` or ``reference=`` was refused as
    "needs a table (a pandas or polars DataFrame ...), not a DataFrame" or "X is a
    DataFrame of numeric columns (x0, x1, ...)": a DataFrame refused for not being a
    DataFrame, and names it does not have. The message names the dask DataFrame and
    what to do instead."""
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    X, y = _data()
    frame = dd.from_pandas(pd.DataFrame({"x": X[:, 0], "z": X[:, 1], "y": y}), npartitions=2)
    with pytest.raises(ValueError, match="dask DataFrame") as info:
        NeuronClassifier(**params).fit(frame[["x", "z"]], frame["y"])
    assert "x0, x1" not in str(info.value)
    assert re.search(advice, str(info.value)), str(info.value)


# ------------------------------------------------------------- command line
def _table(folder, n: int = 80):
    import pandas as pd

    X, y = _data(n)
    path = folder / "d.csv"
    pd.DataFrame({"x": X[:, 0], "z": X[:, 1], "y": y}).to_csv(path, index=False)
    return path


def test_dash_is_standard_output_only_where_a_flag_takes_it(tmp_path, capsys, monkeypatch):
    """``predict --out -`` writes to standard output, but ``train --model -`` wrote a model
    file named '-' in the working folder (and said "wrote -"), and ``evaluate --report -``
    then refused "- already exists" (with --force it would have replaced that model by a
    report); a model read from '-' was "model file - does not exist". Each is one error
    line saying '-' is no file these flags read or write, and nothing is written."""
    from tests._cli import fail, run

    monkeypatch.chdir(tmp_path)
    data = _table(tmp_path)
    err = fail(["train", data, "--target", "y", "--model", "-"], capsys, "--model -")
    assert "standard output" in err and "./-" in err
    assert not (tmp_path / "-").exists()
    model = tmp_path / "m.json"
    assert run(["train", "-q", data, "--target", "y", "--model", model], capsys)[0] == 0
    err = fail(["evaluate", model, data, "--report", "-"], capsys, "--report -")
    assert "standard output" in err
    for argv in (["predict", "-", data, "--out", tmp_path / "p.csv"], ["evaluate", "-", data]):
        assert "standard input" in fail(argv, capsys, "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "m.json"]


def test_empty_option_values_are_not_ignored(tmp_path, capsys):
    """``train --scheduler ''`` (an unset shell variable: ``--scheduler "$ADDR"``) trained
    in memory without a word, where any other address is refused without ``--engine
    dask``; ``evaluate --target ''`` scored the training target's column. Options taken
    and ignored: each is refused as any other value would be, and nothing is written."""
    from tests._cli import fail, run

    data = _table(tmp_path)
    model = tmp_path / "m.json"
    argv = ["train", data, "--target", "y", "--model", model, "--scheduler", ""]
    fail(argv, capsys, "--scheduler needs --engine dask")
    assert not model.exists()
    assert run(["train", "-q", data, "--target", "y", "--model", model], capsys)[0] == 0
    fail(["evaluate", model, data, "--target", ""], capsys, "lacks target column ''")


def test_a_line_break_in_a_path_cannot_forge_lines(tmp_path, capsys):
    r"""Names and labels from tables are shown on one line, but the paths the user gives
    were printed as they are: a model path ``"no\nerror: forged.json"`` printed two
    ``error:`` lines ("error: model file no" and "error: forged.json does not exist"),
    and a data file or model named with a line break split the message or train's
    "wrote" line in two. A line break in a given path is shown as ``\n``."""
    from tests._cli import run

    data = _table(tmp_path)
    odd = tmp_path / "d\nerror: forged.csv"
    odd.write_bytes(data.read_bytes())
    model = tmp_path / "m\nwrote x.json"
    for argv in (
        ["predict", tmp_path / "no\nerror: forged.json", data, "--out", tmp_path / "p.csv"],
        ["train", odd, "--target", "nope", "--model", tmp_path / "n.json"],
    ):
        code, out, err = run(argv, capsys)
        assert code == 1 and len(err.splitlines()) == 1, err
        assert err.startswith("error: ") and err.count("error:") == 2 and "\\nerror: forged" in err
    code, out, err = run(["train", odd, "--target", "y", "--model", model], capsys)
    assert code == 0 and model.exists(), err
    assert out.splitlines()[-1] == f"wrote {str(model)!s}".replace("\n", "\\n"), out
    assert all(line.startswith(("note: ", "warning: ")) for line in err.splitlines()), err


def test_too_many_folds_names_the_rule_scikit_learn_applies(tmp_path, capsys):
    """``--cv`` beyond the rows of every class was refused as "more folds than the rows of
    the smallest class", but more folds than the smallest class has rows train (with
    scikit-learn's warning): the message named a rule that is not the one applied. It
    names the largest class's rows, the most folds the stratified split takes."""
    from tests._cli import fail, run

    data = _table(tmp_path, n=12)
    counts = np.bincount(_data(12)[1])  # 9 and 3
    small, large = counts.min(), counts.max()
    model = tmp_path / "m.json"
    argv = ["train", "-q", data, "--target", "y", "--model", model, "--features", "x"]
    assert run([*argv, "--cv", small + 1], capsys)[0] == 0
    model.unlink()
    err = fail([*argv, "--cv", large + 1], capsys, f"--cv {large + 1} asks for more folds than")
    assert "any class" in err and "smallest" not in err


# ------------------------------------------------------------------ numbers
@pytest.mark.parametrize("params", [{}, {"alpha": 0.1}, {"class_weight": "balanced"}])
def test_weights_too_small_for_float64_are_refused_like_weights_too_large(params):
    """Row weights below float64's smallest normal number (``w * 2**-1070``, about 1e-322)
    gave other coefficients than the same weights at their own scale, though the fit does
    not depend on the weights' scale (4e-4 with ``alpha=0.1``, 1.8e-3 with balanced class
    weights), and numpy's bare "invalid value encountered in matmul". They are refused,
    as weights whose squares overflow are, with the remedy; weights of 2**-1000 still fit
    as scikit-learn does with the weights unscaled."""
    X, y = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    with pytest.raises(ValueError, match="multiply the weights by a constant"):
        NeuronClassifier(**params).fit(X, y, np.ldexp(w, -1070))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = NeuronClassifier(**params).fit(X, y, np.ldexp(w, -1000))
    plain = NeuronClassifier(**params).fit(X, y, w)
    np.testing.assert_allclose(small.coef_, plain.coef_, rtol=1e-9)
    if not params:
        lr = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(small.coef_, lr.coef_, rtol=1e-6)


def test_the_dask_engine_refuses_weights_too_small_for_float64():
    """On the Dask engine, weights of ``w * 2**-1070`` stopped in numpy's "LinAlgError:
    SVD did not converge"; they are refused as in memory, and weights of ``2**-1000``
    fit as the unscaled ones do."""
    da = pytest.importorskip("dask.array")
    X, y = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))

    def fit(weights):
        parts = (da.from_array(a, chunks=40) for a in (X, y, weights))
        return NeuronClassifier().fit(*parts)

    with pytest.raises(ValueError, match="multiply the weights by a constant"):
        fit(np.ldexp(w, -1070))
    lr = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(fit(np.ldexp(w, -1000)).coef_, lr.coef_, rtol=1e-6)


def test_the_dask_engine_refuses_weights_too_large_as_memory_does():
    """Weights of 1e307 reached the Dask engine's column moments, which overflowed: numpy's
    bare "overflow encountered in reduce" and "invalid value encountered in divide", then
    "column 0 holds huge values ... rescale the column", blaming a column for the
    weights; and weights of 1e200, refused in memory, fitted. Both engines refuse both
    alike, naming the weights, without a warning."""
    da = pytest.importorskip("dask.array")
    X, y = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    for scale in (1e200, 1e307):
        parts = [da.from_array(a, chunks=40) for a in (X, y, w * scale)]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match="divide the weights by a constant"):
                NeuronClassifier().fit(*parts)
            with pytest.raises(ValueError, match="divide the weights by a constant"):
                NeuronClassifier().fit(X, y, w * scale)


@pytest.mark.parametrize("kind", ["int", "float"])
def test_a_cluster_column_that_is_also_a_feature_keeps_its_numbers(tmp_path, capsys, kind):
    """``--cluster`` read its column as text (labels as written), and that column as a
    feature too: an integer ``school`` given with ``--features school x`` (or in
    ``--formula``) became 7 indicator columns instead of one number, silently, and a
    column of decimals was refused as "numbers stored as text". The feature is read as
    without ``--cluster``: the coefficients are statsmodels', and so are the cluster-robust
    standard errors."""
    import pandas as pd
    import statsmodels.api as sm
    from tests._cli import run

    from oneneuron import load

    rng = np.random.default_rng(3)
    n = 200
    school = rng.integers(1, 9, n)
    frame = pd.DataFrame({"x": rng.normal(size=n), "school": school})
    if kind == "float":
        frame["school"] = school + 0.5
    frame["y"] = (frame.x + 0.3 * frame.school + rng.normal(size=n) > 1.5).astype(int)
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    for how in (["--features", "school", "x"], ["--formula", "y ~ school + x"]):
        model = tmp_path / f"m{len(how)}.json"
        argv = ["train", "-q", data, "--target", "y", "--model", model, *how]
        code, out, err = run([*argv, "--cluster", "school", "--cov-type", "cluster"], capsys)
        assert code == 0, err
        est = load(model)
        assert list(est.feature_names_out_) == ["school", "x"]
        exog = sm.add_constant(frame[["school", "x"]])
        groups = {"groups": pd.factorize(frame.school)[0]}
        ref = sm.Logit(frame.y, exog).fit(disp=0, cov_type="cluster", cov_kwds=groups)
        np.testing.assert_allclose(est.coef_[0], ref.params.to_numpy()[1:], rtol=1e-6)
        se = est.summary()["std_err"].to_numpy()
        np.testing.assert_allclose(se, ref.bse.to_numpy(), rtol=1e-6)


def test_score_refuses_the_weights_fit_refuses():
    """``score`` passed any weights on to scikit-learn's ``accuracy_score``: with weights
    of both signs it returned an accuracy of 5000.0 (a weighted mean over weights that
    nearly cancel), where ``fit`` refuses a negative weight. ``score`` refuses the weights
    ``fit`` refuses, naming the row; valid weights give scikit-learn's accuracy."""
    from sklearn.metrics import accuracy_score

    X, y = _data(60)
    model = NeuronClassifier().fit(X, y)
    w = np.ones(60)
    w[:30] = -1.0
    w[0] = -0.999
    with pytest.raises(ValueError, match="row 0"):
        model.score(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="all weights are zero"):
        model.score(X, y, sample_weight=np.zeros(60))
    good = np.abs(w)
    expected = accuracy_score(y, model.predict(X), sample_weight=good)
    assert model.score(X, y, sample_weight=good) == pytest.approx(expected, rel=1e-12)
    assert model.score(X, y, sample_weight=list(good)) == pytest.approx(expected, rel=1e-12)
    da = pytest.importorskip("dask.array")
    lazy = [da.from_array(a, chunks=20) for a in (X, y, w)]
    with pytest.raises(ValueError, match="30 of its 60 rows"):
        model.score(*lazy)
    lazy[2] = da.from_array(good, chunks=20)
    assert model.score(*lazy) == pytest.approx(expected, rel=1e-12)
    cv = NeuronClassifierCV(cv=3, n_alphas=3).fit(X, y)
    with pytest.raises(ValueError, match="row 0"):
        cv.score(X, y, sample_weight=w)


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--l1-ratio", "1.0000001"), ("--alpha", "-0.0000001234567"), ("--tol", "-1.0000001")],
)
def test_a_value_just_out_of_range_is_shown_as_typed(tmp_path, capsys, flag, value):
    """``--l1-ratio 1.0000001`` was refused as "must be in [0, 1], not 1": the value
    shown to six digits is the bound itself, which is allowed. It is shown as typed."""
    from tests._cli import fail

    data = _table(tmp_path)
    argv = ["train", data, "--target", "y", "--model", tmp_path / "m.json", flag, value]
    err = fail(argv, capsys, flag)
    assert f"not {float(value)!r}" in err or f"not {value}" in err, err


@pytest.mark.parametrize("named", ["offset", "sample_weight"])
def test_one_row_argument_by_name_and_another_as_an_array(named):
    """``fit(df, sample_weight=array, offset="off")`` with a formula stopped in numpy's
    "The truth value of an array with more than one element is ambiguous": the check that
    no argument names the target compared the array with the target's name. A name and
    an array mix; the fit is statsmodels' GLM with that offset and frequency weights."""
    import pandas as pd
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n), "off": rng.normal(size=n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-(df.x + df.off - 1)))).astype(int)
    df["w"] = rng.uniform(0.5, 2, n)
    kw = {"sample_weight": df.w.to_numpy(), "offset": "off"}
    if named == "sample_weight":
        kw = {"sample_weight": "w", "offset": df.off.to_numpy()}
    model = NeuronClassifier(formula="y ~ x").fit(df, **kw)
    ref = sm.GLM(
        df.y,
        sm.add_constant(df[["x"]]),
        family=sm.families.Binomial(),
        offset=df.off,
        freq_weights=df.w,
    ).fit(tol=1e-12)
    np.testing.assert_allclose(
        np.r_[model.intercept_, model.coef_[0]], ref.params.to_numpy(), rtol=1e-7
    )
    np.testing.assert_allclose(model.summary()["std_err"], ref.bse, rtol=1e-6)


@pytest.mark.parametrize("how", [["--features", "w", "x"], ["--formula", "y ~ w + x"]])
def test_train_refuses_weights_that_are_a_feature_as_evaluate_does(tmp_path, capsys, how):
    """``train --weights w --features w x`` trained (the help says the weights column is
    "not a feature"), and ``evaluate --weights w`` then refused that model's own weights:
    "--weights w is a feature of the model". train refuses it first, in those words, and
    writes no model."""
    import pandas as pd
    from tests._cli import fail

    X, y = _data(60)
    w = np.random.default_rng(0).uniform(0.5, 2.0, 60)
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": X[:, 0], "w": w, "y": y}).to_csv(data, index=False)
    model = tmp_path / "m.json"
    argv = ["train", data, "--target", "y", "--model", model, "--weights", "w", *how]
    fail(argv, capsys, "--weights w is a feature of the model")
    assert not model.exists()
