"""Hostile input, sixth round: thread settings, penalties at the edge of float64,
parameter values of odd numeric types, and other corners earlier rounds did not try.

Each result is checked against an independent oracle (scikit-learn, statsmodels,
closed forms) or is one clear error naming the cause.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from _cli import fail, run
from oneneuron import NeuronClassifier, NeuronClassifierCV
from oneneuron.cli._errors import UserError, check_environment


@pytest.mark.parametrize("value", ["abc", "0", "-1", "2,1"])
def test_numbas_thread_count_in_the_environment_is_checked(value):
    """NUMBA_NUM_THREADS=abc printed numba's parse failure as a warning line holding a
    whole traceback ('Traceback (most recent call last): File ...'), and =0 ended
    train in numba's 'Number of threads specified must be > 0', which names no
    variable. Numba reads it when the fused kernels load; the command line checks it
    first, as it checks OMP_NUM_THREADS, and names the variable."""
    with pytest.raises(UserError, match=f"NUMBA_NUM_THREADS='{value}'"):
        check_environment({"NUMBA_NUM_THREADS": value})
    check_environment({"NUMBA_NUM_THREADS": "2"})  # a count passes


def test_a_warning_that_carries_a_traceback_is_one_line_without_it(capsys):
    """Numba warns of any NUMBA_* variable it cannot parse (NUMBA_DISABLE_JIT=abc) with
    the parse's whole traceback in the message; the command line printed it on its
    warning line ('... Traceback (most recent call last): File "/.../config.py", line
    185 ...'). The line keeps the message and the exception, not the traceback."""
    import traceback

    from oneneuron.cli._errors import user_warnings

    try:
        int("abc")
    except ValueError:
        text = traceback.format_exc()
    with user_warnings():  # numba's own words (numba/core/config.py, _readenv)
        warnings.warn(
            "Environment variable 'NUMBA_DISABLE_JIT' is defined but its associated value "
            f"'abc' could not be parsed.\nThe parse failed with exception:\n{text}",
            RuntimeWarning,
            stacklevel=1,
        )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: "), err
    assert "Traceback" not in err and "File " not in err, err
    assert "'NUMBA_DISABLE_JIT'" in err and "invalid literal for int()" in err, err


def _exam(classes: int = 2):
    from oneneuron.datasets import load_exam_scores

    X, y, _ = load_exam_scores()
    y = np.asarray(y).astype(int)
    if classes == 3:
        y = y.copy()
        y[:20] = 2
    return X, y


def _intercept_only(y):
    """The intercept-only fit in closed form: log-likelihood, the contrasts' intercepts
    against class 0 and their standard errors (the inverse of the multinomial Fisher
    information ``n (diag(p) - p p')`` over the other classes)."""
    c = np.bincount(y).astype(float)
    n, p = c.sum(), c / c.sum()
    llf = float(np.sum(c * np.log(p)))
    info = n * (np.diag(p[1:]) - np.outer(p[1:], p[1:]))
    return llf, np.log(p[1:] / p[0]), np.sqrt(np.diag(np.linalg.inv(info)))


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_a_penalty_too_strong_for_float64_says_so_without_numpys_warnings(classes, solver):
    """alpha=1e308 (or --alpha 1e308) printed NumPy's 'overflow encountered in multiply'
    and '... in reduce' and refused standard errors with 'the Hessian is not finite;
    set alpha > 0' for a fit whose alpha was 1e308; a softmax fit by Newton also
    counted 6 degrees of freedom, not 2 (AIC 219.76 for the intercept-only fit's
    211.76). The fit is the intercept-only one (closed form); the reason names alpha
    as too large, and nothing else is printed."""
    X, y = _exam(classes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = NeuronClassifier(alpha=1e308, solver=solver).fit(X, y)
    llf, b, _ = _intercept_only(y)
    assert np.abs(model.coef_).max() < 1e-300
    got = model.intercept_ if classes == 2 else model.intercept_[1:] - model.intercept_[0]
    np.testing.assert_allclose(got, b, rtol=1e-9)
    np.testing.assert_allclose(model.log_likelihood_, llf, rtol=1e-12)
    np.testing.assert_allclose(model.aic_, -2 * llf + 2 * (classes - 1), rtol=1e-12)
    reason = model.inference_.reason
    assert "choose a smaller alpha" in reason and "(1e+308)" in reason, reason
    assert "set alpha > 0" not in reason


@pytest.mark.parametrize("alpha", [1e14, 1e200])
def test_softmax_standard_errors_under_a_strong_penalty_are_the_intercept_only_fits(alpha):
    """The softmax layer's penalised covariance added one multiple of the mean of the
    Hessian's whole diagonal along the flat directions; at alpha=1e14 that mean, the
    penalty's, swamped the intercepts' curvature: their standard errors were 0.22885
    and 0.28497 for the intercept-only fit's 0.22822 and 0.28504 (0.3% off), and at
    1e200 'the Hessian is not positive definite'. The multiple is each term's own."""
    X, y = _exam(3)
    llf, _, se = _intercept_only(y)
    for solver in ("newton", "lbfgs"):
        model = NeuronClassifier(alpha=alpha, solver=solver).fit(X, y)
        cov = model.inference_.cov
        assert cov is not None, model.inference_.reason
        got = np.sqrt(np.diag(cov))[[0, 3]]  # each contrast block: intercept first
        np.testing.assert_allclose(got, se, rtol=1e-7)
        np.testing.assert_allclose(model.df_resid_, len(y) - 2, rtol=1e-9)


def test_cli_alpha_too_strong_for_float64_prints_no_numpy_warning(tmp_path, capsys):
    X, y = _exam()
    frame = pd.DataFrame(X, columns=["x1", "x2"]).assign(y=y)
    frame.to_csv(tmp_path / "d.csv", index=False)
    argv = ["train", tmp_path / "d.csv", "--target", "y", "--model", tmp_path / "m.json"]
    code, out, err = run([*argv, "--alpha", "1e308"], capsys)
    assert code == 0 and "warning" not in err and "overflow" not in err, err
    assert "choose a smaller --alpha" in out and "set --alpha > 0" not in out, out


def _nested_cells(kind: str, n: int):
    import pyarrow as pa

    return {
        "records": pa.array([{"v": 1.0}] * n),
        "lists": pa.array([[1.0]] * n),
        "maps": pa.array([[("k", 1)]] * n, pa.map_(pa.string(), pa.int64())),
    }[kind]


@pytest.mark.parametrize("column", ["x", "g"])
@pytest.mark.parametrize("kind", ["records", "lists", "maps"])
def test_nested_cells_at_predict_are_one_error_naming_the_column(tmp_path, capsys, column, kind):
    """A Parquet file whose numeric column holds records, lists or maps ended predict
    and evaluate in pandas' traceback ('TypeError: unhashable type: dict'); in a
    categorical column each record was taken for an unseen level, written as its text
    ("{'v': 1.0}"), coded as the reference level with a warning, and predicted. Training
    refuses such a column; predict and evaluate refuse it too, naming the column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    n = 120
    x = rng.normal(size=n)
    g = np.array(["a", "b", "c"])[rng.integers(0, 3, n)]
    y = (x + rng.logistic(size=n) > 0).astype(int)
    pq.write_table(pa.table({"x": x, "g": g, "y": y}), tmp_path / "train.parquet")
    cells = {"x": x, "g": g, "y": y, column: _nested_cells(kind, n)}
    pq.write_table(pa.table(cells), tmp_path / "new.parquet")
    model = tmp_path / "m.json"
    assert (
        run(["train", tmp_path / "train.parquet", "--target", "y", "--model", model, "-q"], capsys)[
            0
        ]
        == 0
    )
    shown = "records" if kind == "records" else "lists"
    for argv in (
        ["predict", model, tmp_path / "new.parquet", "--out", tmp_path / "p.csv"],
        ["evaluate", model, tmp_path / "new.parquet"],
    ):
        err = fail(argv, capsys, f"column {column!r} of ")
        assert f"holds {shown}" in err and "warning" not in err, err
    assert not (tmp_path / "p.csv").exists()
    frame = pq.read_table(tmp_path / "new.parquet").to_pandas()
    fitted = NeuronClassifier().fit(pq.read_table(tmp_path / "train.parquet").to_pandas(), "y")
    with pytest.raises(ValueError, match=f"column {column!r}.*holds {shown}"):
        fitted.predict(frame.drop(columns="y"))


def test_complex_numbers_at_predict_are_refused_not_cut_to_their_real_part():
    """A complex column where the model was fitted on numbers was cut to its real part
    at predict with NumPy's ComplexWarning (fit refuses it); now one error naming it."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "g": rng.choice(["a", "b"], 60)})
    model = NeuronClassifier(alpha=1.0).fit(frame, (frame["x"] > 0).astype(int))
    for column in ("x", "g"):
        bad = frame.assign(**{column: frame["x"].astype(complex)})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=f"column {column!r}.*holds complex numbers"):
                model.predict(bad)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda v: NeuronClassifier(alpha=v), "alpha"),
        (lambda v: NeuronClassifier(tol=v), "tol"),
        (lambda v: NeuronClassifier(threshold=v), "threshold"),
        (lambda v: NeuronClassifier(l1_ratio=v, alpha=1.0), "l1_ratio"),
        (lambda v: NeuronClassifierCV(tol=v), "tol"),
    ],
)
def test_a_fraction_as_a_parameter_names_the_parameter(make, name):
    """alpha=Fraction(1, 2) passed scikit-learn's type check (a Fraction is a Real)
    and then failed inside it with NumPy's "TypeError: ufunc 'isnan' not supported for
    the input types", naming no parameter (scikit-learn's own LogisticRegression(C=
    Fraction(1, 2)) fails alike). One InvalidParameterError naming it and the float."""
    from fractions import Fraction

    from sklearn.utils._param_validation import InvalidParameterError

    X, y = _exam()
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter.*Fraction"):
        make(Fraction(1, 3)).fit(X, y)
    assert make(np.float64(1 / 3)).fit(X, y).coef_.shape == (1, 2)  # NumPy's numbers pass


def test_plot_sigmoid_at_the_edge_of_float64_draws_its_limits_quietly():
    """plot_sigmoid(w=1e308, b=1e308) warned NumPy's 'overflow encountered in multiply'
    and '... in add' (z = w x + b beyond float64); the drawn values were the limits
    already. Now no warning, and the curve is the step at x = -b / w = -1 (closed
    form), its derivative 0 off the step."""
    from oneneuron.plot import plot_sigmoid

    x = np.array([-3.0, -1.5, -0.5, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = plot_sigmoid(w=1e308, b=1e308, x=x).lines[0].get_ydata()
        da = plot_sigmoid(w=1e308, b=1e308, x=x, derivative=True).lines[0].get_ydata()
    np.testing.assert_array_equal(a, [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(da, [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("term", ["I(x1 > 1e400)", "I(1e400 < x1)", "I(x1 - 1e400)"])
def test_a_formula_number_beyond_float64_is_named_before_training(tmp_path, capsys, term):
    """--formula 'y ~ I(x1 > 1e400)' trained (Python reads 1e400 as inf), then refused
    to save with 'term I(x1 > 1e309) has a transform outside the allow-list ... Its
    parameters were changed after the fit (set_params) ... refit before saving': no
    set_params was called and refitting cannot help. The number is named before
    training, in the command line and in Python's save."""
    from oneneuron.modelfile import ModelFileError

    X, y = _exam()
    frame = pd.DataFrame(X, columns=["x1", "x2"]).assign(y=y)
    frame.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "d.csv", "--formula", f"y ~ {term}", "--model", model]
    err = fail(argv, capsys, "beyond float64's range")
    assert "set_params" not in err and "trained on" not in err
    assert not model.exists()
    if "-" in term:  # a column of -inf: fit refuses it
        with pytest.raises(ValueError, match="infinity"):
            NeuronClassifier(formula=f"y ~ {term}").fit(frame)
        return
    fitted = NeuronClassifier(formula=f"y ~ {term}").fit(frame)  # a constant column
    with pytest.raises(ModelFileError, match="beyond float64's range"):
        fitted.save(model)
    assert not model.exists()


@pytest.mark.parametrize("cell", ["61.5\u00a0", "\u200361.5", "61.5\u3000"])
def test_one_number_with_a_unicode_space_is_named_as_the_cell(tmp_path, capsys, cell):
    """One cell '61.5' followed by a no-break space (a spreadsheet's paste) in a column
    of numbers: pandas reads the column as text; the check stripped Unicode spaces too,
    found every cell a number and said the column 'holds numbers stored as text (e.g.
    '34.62...'; 100 distinct in 100 cells) ... store them as numbers (pandas:
    pd.to_numeric)', pointing at no cell and at a fix the command line cannot make.
    The cell is named, as for any stray text (pandas' reader takes ASCII spaces only)."""
    X, y = _exam()
    frame = pd.DataFrame(X, columns=["x1", "x2"]).assign(y=y).astype(object)
    frame.loc[3, "x1"] = cell
    frame.to_csv(tmp_path / "d.csv", index=False)
    argv = ["train", tmp_path / "d.csv", "--target", "y", "--model", tmp_path / "m.json"]
    err = fail(argv, capsys, "holds numbers except 1 cell")
    assert "data row 4" in err and "pd.to_numeric" not in err, err


def test_a_penalty_factor_too_strong_for_float64_is_named_not_alpha():
    """penalty_factor=[1e308, 1e308] with alpha=1 overflows the Hessian as alpha=1e308
    does; the reason said 'the penalty (1) ... choose a smaller alpha', blaming an alpha
    of 1. It names the penalty factor. The fit is the intercept-only one (closed form)."""
    X, y = _exam()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = NeuronClassifier(alpha=1.0, penalty_factor=[1e308, 1e308]).fit(X, y)
    llf, b, _ = _intercept_only(y)
    np.testing.assert_allclose(model.intercept_, b, rtol=1e-9)
    np.testing.assert_allclose(model.log_likelihood_, llf, rtol=1e-12)
    reason = model.inference_.reason
    assert "penalty_factor of 1e+308" in reason and "smaller penalty_factor" in reason, reason
