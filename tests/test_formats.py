"""Every way of handing data to the estimator gives the float64 NumPy model, or one clear error.

The oracle of each agreement test is the same data as a plain float64 NumPy array, whose
fit is itself checked against scikit-learn's ``LogisticRegression`` (the first test).
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from oneneuron import NeuronClassifier

da = pytest.importorskip("dask.array")
torch = pytest.importorskip("torch")

N = 120


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3)) * [1.0, 3.0, 0.5] + [0.0, 1.0, -2.0]
    y = (X @ [1.0, -0.4, 1.5] + rng.logistic(size=N) > -3.0).astype(int)
    return X, y


def _same(fit, ref, rtol=1e-8):
    scale = max(1.0, float(np.abs(ref.coef_).max()))
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(fit.intercept_, ref.intercept_, rtol=0, atol=rtol * scale)


@pytest.fixture(scope="module")
def reference():
    """The float64 NumPy fit, checked against scikit-learn (alpha=1/n on the raw
    features is ``LogisticRegression(C=1)``)."""
    X, y = _data()
    ref = NeuronClassifier(alpha=1.0 / N, standardize=False).fit(X, y)
    sk = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ref.coef_, sk.coef_, rtol=1e-6)
    return X, y, ref


def _fit(X, y, sample_weight=None, **kw):
    model = NeuronClassifier(alpha=1.0 / N, standardize=False, **kw)
    return model.fit(X, y, sample_weight=sample_weight)


# --- Dask arrays whose chunks are scipy.sparse matrices ------------------------------------
def _sparse_chunks(X, how):
    if how == "from_array":
        return da.from_array(sp.csr_matrix(X), chunks=(50, X.shape[1]), asarray=False)
    return da.from_array(X, chunks=(50, X.shape[1])).map_blocks(sp.csr_matrix)


@pytest.mark.parametrize("how", ["from_array", "map_blocks"])
def test_dask_arrays_of_sparse_chunks_fit_and_predict_as_dense(reference, how):
    """fit crashed ('len() of unsized object'), predict too ('ufunc isfinite not
    supported'); each chunk is read densely, so the model is the dense array's."""
    X, y, ref = reference
    Xd = _sparse_chunks(X, how)
    _same(_fit(Xd, y), ref)
    for method in ("predict", "predict_proba", "decision_function"):
        got = np.asarray(getattr(ref, method)(Xd).compute())
        np.testing.assert_allclose(got, getattr(ref, method)(X), rtol=1e-12, atol=1e-15)
    assert ref.score(Xd, y) == ref.score(X, y)


# --- the dtype checks of every engine ----------------------------------------------------
def _kinds(X):
    """X as each engine's input: NumPy, a CPU tensor, a dask array, a Dask DataFrame."""
    import dask.dataframe as dd
    import pandas as pd

    out = {"numpy": X, "dask array": da.from_array(X, chunks=(50, X.shape[1]))}
    if X.dtype.kind not in "mMO":
        out["torch"] = torch.from_numpy(np.ascontiguousarray(X))
    if X.dtype.kind != "O":
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
        out["Dask DataFrame"] = dd.from_pandas(frame, npartitions=3)
    return out


def _labels_for(kind, Xk, y):
    """``(X, y)`` to fit: a Dask DataFrame's labels as a Series of the same frame."""
    if kind != "Dask DataFrame":
        return Xk, y
    import dask.dataframe as dd
    import pandas as pd

    both = Xk.assign(__y__=dd.from_pandas(pd.Series(y), npartitions=Xk.npartitions))
    return both.drop(columns="__y__"), both["__y__"]


def _computed(out):
    return out.compute() if hasattr(out, "compute") else out


def _refused_everywhere(model, X, y, match):
    for kind, Xk in _kinds(X).items():
        with pytest.raises(ValueError, match=match):
            _fit(*_labels_for(kind, Xk, y))
        for method in ("predict", "predict_proba", "decision_function"):
            with pytest.raises(ValueError, match=match):
                _computed(getattr(model, method)(Xk))


def test_complex_x_is_refused_by_every_engine(reference):
    """torch and Dask dropped the imaginary part (a ComplexWarning at most) and fitted the
    real part; NumPy prediction printed the whole array in its message. Every engine now
    refuses as the NumPy fit does, in one line."""
    X, y, ref = reference
    _refused_everywhere(ref, X + 1j, y, r"^Complex data not supported: X('s column| holds)")


def test_dates_in_a_dask_array_are_refused(reference):
    """A dask array of datetime64 was fitted (and predicted) on the counts of its unit."""
    X, y, ref = reference
    days = (np.round(X * 100) + 18000).astype("datetime64[D]")
    for kind, Xk in _kinds(days).items():
        if kind == "Dask DataFrame":
            continue  # its non-numeric columns are refused by name (another message)
        with pytest.raises(ValueError, match=r"^X holds dates or times \(datetime64\[D\]\)"):
            _fit(Xk, y)
        with pytest.raises(ValueError, match=r"^X holds dates or times"):
            ref.predict(Xk)


def test_text_in_a_dask_object_array_is_named_as_numpy_names_it(reference):
    X, y, ref = reference
    Xo = X.astype(object)
    Xo[100, 1] = "n/a"
    for Xk in _kinds(Xo).values():
        with pytest.raises(ValueError, match=r"^X must be numeric: .*'n/a'"):
            _fit(Xk, y)
        with pytest.raises(ValueError, match=r"^X must be numeric: .*'n/a'"):
            _computed(ref.predict(Xk))


def test_booleans_and_numbers_held_as_objects_fit_as_their_values(reference):
    """The oracle: the same values as a float64 array (booleans are 0/1)."""
    X, y, _ = reference
    B = np.column_stack([X[:, 0] > 0, X[:, 1] > 1]).astype(float)
    ref = _fit(B, y)
    for data in (B.astype(bool), B.astype(object)):
        for kind, Xk in _kinds(data).items():
            _same(_fit(*_labels_for(kind, Xk, y)), ref)


# --- NumPy masked arrays -----------------------------------------------------------------
def _masked(X, cells, junk=1e6):
    """X as a masked array whose ``cells`` are masked and hold ``junk`` underneath."""
    data = X.copy()
    mask = np.zeros(X.shape, dtype=bool)
    for cell in cells:
        data[cell] = junk
        mask[cell] = True
    return np.ma.masked_array(data, mask=mask)


def test_masked_cells_of_x_are_missing_not_their_values(reference):
    """The masked cells' junk (1e6) was fitted and predicted on as if it were data."""
    from oneneuron import NeuronClassifierCV
    from oneneuron.classifier import regularization_path

    X, y, ref = reference
    Xm = _masked(X, [(5, 0), (17, 2)])
    match = r"^X is a masked array with 2 masked cells \(the first in column 0, row 5\)"
    with pytest.raises(ValueError, match=match):
        _fit(Xm, y)
    with pytest.raises(ValueError, match=match):
        NeuronClassifierCV(cv=3).fit(Xm, y)
    with pytest.raises(ValueError, match=match):
        regularization_path(Xm, y, n_alphas=3)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match=r"^X is a masked array with 2 masked cells"):
            getattr(ref, method)(Xm)
    with pytest.raises(ValueError, match=r"^X is a masked array with 2 masked cells"):
        ref.score(Xm, y)
    # the missing-value policy treats them as NaN: the oracle is X with NaN there
    Xnan = X.copy()
    Xnan[5, 0] = Xnan[17, 2] = np.nan
    for missing in ("drop", "mean"):
        got, want = _fit(Xm, y, missing=missing), _fit(Xnan, y, missing=missing)
        _same(got, want)
    np.testing.assert_array_equal(got.predict_proba(Xm), want.predict_proba(Xnan))  # filled
    keep = np.ones(N, dtype=bool)
    keep[[5, 17]] = False
    _same(_fit(Xm, y, missing="drop"), _fit(X[keep], y[keep]))
    # nothing masked: the data themselves
    _same(_fit(np.ma.masked_array(X), y), ref)
    np.testing.assert_array_equal(ref.predict_proba(np.ma.masked_array(X)), ref.predict_proba(X))


def test_masked_labels_and_weights_are_missing_not_their_values(reference):
    X, y, ref = reference
    ym = np.ma.masked_array(1 - y, mask=np.arange(N) == 7)  # the masked label flipped
    with pytest.raises(ValueError, match=r"^y has 1 missing label .*first in row 7\b"):
        _fit(X, ym)
    with pytest.raises(ValueError, match=r"^y has 1 missing label .*first in row 7\b"):
        ref.score(X, ym)
    keep = np.arange(N) != 7
    _same(_fit(X, np.ma.masked_array(y, mask=~keep), missing="drop"), _fit(X[keep], y[keep]))
    w = np.ma.masked_array(np.ones(N), mask=np.arange(N) == 9)
    with pytest.raises(ValueError, match=r"^sample_weight has 1 masked value \(row 9\)"):
        _fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match=r"^sample_weight has 1 masked value \(row 9\)"):
        ref.score(X, y, sample_weight=w)


def test_masked_dask_chunks_are_missing_not_their_values(reference):
    """``da.ma`` chunks: the masked junk was fitted (and predict crashed on a broadcast)."""
    X, y, ref = reference
    Xm = _masked(X, [(65, 1)])
    Xd = da.ma.masked_array(da.from_array(Xm.data, chunks=50), mask=Xm.mask)
    with pytest.raises(ValueError, match=r"^X has NaN in column 1 \(row 65\)"):
        _fit(Xd, y)
    with pytest.raises(ValueError, match=r"^X has NaN in column 1 \(row 65\)"):
        ref.predict_proba(Xd).compute()
    clean = da.ma.masked_array(da.from_array(X, chunks=50), mask=np.zeros(X.shape, bool))
    _same(_fit(clean, y), ref)
    np.testing.assert_allclose(ref.predict_proba(clean).compute(), ref.predict_proba(X))


# --- the tutorial's Neuron ---------------------------------------------------------------
def _neuron_step(X, y):
    from oneneuron import Neuron

    neuron = Neuron(n_features=3, w=[0.5, -0.25, 1.0], b=0.1)
    a = neuron.forward(X)
    return a, neuron.cost(a, y), neuron.backward(X, a, y)


def test_the_neuron_takes_what_holds_the_same_numbers(reference):
    """Oracle: the closed forms on the float64 array, a = sigmoid(Xw + b),
    dw = X^T (a - y) / n."""
    from scipy.special import expit

    X, y, _ = reference
    a0 = expit(X @ [0.5, -0.25, 1.0] + 0.1)
    dw0 = X.T @ (a0 - y) / N
    t = torch.tensor(X, requires_grad=True)
    for Xk, yk in (
        (t, torch.tensor(y.astype(float), requires_grad=True)),  # torch's message before
        (t[:, :].T.contiguous().T, y.astype(bool)),  # F-ordered strides
        (np.ma.masked_array(X), np.ma.masked_array(y)),  # nothing masked
    ):
        a, _, (dw, db) = _neuron_step(Xk, yk)
        np.testing.assert_allclose(a, a0, rtol=1e-13)
        np.testing.assert_allclose(dw, dw0, rtol=1e-12)
        np.testing.assert_allclose(db, np.mean(a0 - y), rtol=1e-12)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X: X + 1j, r"^X holds complex numbers"),
        (lambda X: X.astype(str), r"^X holds text \(<U"),
        (lambda X: X.astype(str).astype(object), r"^X holds text \(object"),
        (lambda X: X.astype("datetime64[D]"), r"^X holds dates or times \(datetime64\[D\]\)"),
        (lambda X: _masked(X, [(3, X.shape[1] - 1)]), r"^X is a masked array with 1 masked cell"),
        (lambda X: torch.tensor(X + 1j), r"^X holds complex numbers"),
    ],
    ids=["complex", "text", "object text", "dates", "masked", "complex tensor"],
)
def test_the_neuron_refuses_what_holds_no_numbers(reference, make, match):
    """Complex X lost its imaginary part with a warning, digit strings and dates became
    numbers, masked cells' values were used."""
    X, y, _ = reference
    with pytest.raises(ValueError, match=match):
        _neuron_step(make(X), y)
    # labels as text are named as labels, with their coding (test_learner_hunt)
    text = "holds text" in match
    y_match = r"^y holds text labels \('0.0', '1.0'\)" if text else match.replace("^X", "^y")
    with pytest.raises(ValueError, match=y_match):
        _neuron_step(X, make(y.astype(float)[:, None])[:, 0])


# --- text held by a NumPy array ----------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda X: X.astype(str),
        lambda X: X.astype(str).astype("S"),
        lambda X: X.astype(str).astype(object),
        lambda X: X.astype(str).tolist(),
        lambda X: da.from_array(X.astype(str), chunks=50),
        lambda X: da.from_array(X.astype(str).astype(object), chunks=50),
    ],
    ids=["<U", "bytes", "object", "list", "dask <U", "dask object"],
)
def test_text_arrays_are_refused_not_parsed(reference, make):
    """np.array([['1', '2'], ...]) was parsed as numbers (scikit-learn's dtype='numeric'
    refuses it), while the same text in a DataFrame is a categorical column: the one input
    gave two models by its container. Text in an array is refused at fit and predict."""
    X, y, ref = reference
    Xt = make(np.round(X, 1))
    lazy = hasattr(Xt, "dask")  # a dask array's cells are not read to word the message
    match = r"^X must be numeric: it holds text \(" + ("" if lazy else r".*e\.g\. '-?\d")
    with pytest.raises(ValueError, match=match):
        _fit(Xt, y)
    if not lazy:  # (Dask takes no missing=: another message)
        with pytest.raises(ValueError, match=match):
            _fit(Xt, y, missing="mean")
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match=match):
            _computed(getattr(ref, method)(Xt))


# --- pandas MultiIndex column names ------------------------------------------------------
def test_multiindex_columns_are_refused_on_every_path(reference):
    """A DataFrame with MultiIndex columns was named x0, x1 on the plain path (scikit-learn
    drops tuple names), "('a', 'x')" through the design layer (missing=, a text column),
    and a formula could not name them: one table, three sets of names. It is refused at
    fit, CV, paths and predict, with the one-line flattening to use."""
    import pandas as pd

    from oneneuron import NeuronClassifierCV
    from oneneuron.classifier import regularization_path

    X, y, ref = reference
    cols = pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "z")])
    df = pd.DataFrame(X, columns=cols)
    text = df.assign(c=np.where(X[:, 0] > 0, "u", "v"))
    match = r"^X has MultiIndex columns \(2 levels, e\.g\. \('a', 'x'\)\); flatten them"
    for kw in ({}, {"missing": "mean"}):
        with pytest.raises(ValueError, match=match):
            _fit(df, y, **kw)
    with pytest.raises(ValueError, match=match):
        _fit(text, y)
    with pytest.raises(ValueError, match=match):
        NeuronClassifierCV(cv=3).fit(df, y)
    with pytest.raises(ValueError, match=match):
        regularization_path(df, y, n_alphas=3)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match=match):
            getattr(ref, method)(df)
    flat = df.copy()
    flat.columns = ["_".join(c) for c in df.columns]  # the advice works: names kept
    fitted = _fit(flat, y)
    _same(fitted, ref)
    assert list(fitted.feature_names_in_) == ["a_x", "a_y", "b_z"]


# --- decimals float64 cannot resolve -----------------------------------------------------
def test_decimals_float64_cannot_resolve_are_refused(tmp_path, capsys):
    """DECIMAL(38, 2) amounts above 2**53 that differ by a few units were cast to float64
    on the way in and became one number: a constant column, coefficient 0, no word (whole
    DECIMAL(20, 0) ids were refused, fractional ones not). Refused from an Arrow table, a
    pandas column of Decimals, polars and a Parquet file on the command line; decimals
    float64 holds well fit as the float64 numbers they are."""
    import decimal

    import pandas as pd
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    from _cli import fail
    from oneneuron.tables import DataError

    X, y = _data()
    big = [decimal.Decimal(2**60 + i) + decimal.Decimal("0.25") for i in range(N)]
    col = pa.array(big, pa.decimal128(38, 2))
    table = pa.table({"x": col, "z": X[:, 1]})
    match = r"column 'x' holds decimals as large as 1152921504606847\d{3}\.25"
    for given in (table, table.to_pandas(), pl.from_arrow(table)):
        with pytest.raises(DataError, match=match):
            NeuronClassifier(alpha=1.0).fit(given, y)
    pq.write_table(table.append_column("y", pa.array(y)), tmp_path / "t.parquet")
    argv = ["train", tmp_path / "t.parquet", "--target", "y", "--model", tmp_path / "m.json"]
    fail(argv, capsys, "column 'x' holds decimals as large as")
    # beyond int64 too: DECIMAL(25, 0) ids were cast to float64 when int64 could not hold them
    ids = pa.array([decimal.Decimal(2**70 + i) for i in range(N)], pa.decimal128(25, 0))
    pq.write_table(pa.table({"x": ids, "z": X[:, 1], "y": y}), tmp_path / "t.parquet")
    fail(argv, capsys, "column 'x' holds integers as large as")
    # amounts float64 holds well: the float64 fit (oracle: the same numbers as floats)
    cents = np.round(X[:, 0] * 1000, 2)
    amounts = pa.array([decimal.Decimal(f"{v:.2f}") for v in cents], pa.decimal128(38, 2))
    ref = NeuronClassifier(alpha=1.0).fit(pd.DataFrame({"x": cents, "z": X[:, 1]}), y)
    small = pa.table({"x": amounts, "z": X[:, 1]})
    for given in (small, small.to_pandas(), pl.from_arrow(small)):
        _same(NeuronClassifier(alpha=1.0).fit(given, y), ref, rtol=1e-10)


# --- polars types ------------------------------------------------------------------------
def test_a_polars_categorical_is_coded_as_its_text_not_in_order_of_appearance():
    """A polars Categorical declares no order (its categories come in the order the
    strings were met), yet its first category was taken as the reference level: the
    same column as text had reference 'hi', cast to Categorical 'lo' (the first row's).
    Its levels are sorted as a text column's; an Enum keeps its declared order. Oracle:
    statsmodels' treatment coding of the same text column (levels sorted)."""
    import pandas as pd
    import polars as pl
    import statsmodels.formula.api as smf

    X, y = _data()
    g = np.where(X[:, 1] >= X[0, 1], "lo", "hi")  # the first row's level sorts last
    frame = pl.DataFrame({"a": X[:, 0], "g": g})
    sm = smf.logit("y ~ a + g", pd.DataFrame({"a": X[:, 0], "g": g, "y": y})).fit(disp=0)
    for given in (frame, frame.with_columns(pl.col("g").cast(pl.Categorical))):
        fit = NeuronClassifier(alpha=0.0).fit(given, y)
        assert list(fit.feature_names_in_) == ["a", "g"]
        assert list(fit.get_feature_names_out()) == ["a", "g[T.lo]"]
        np.testing.assert_allclose(fit.coef_[0], sm.params[["a", "g[T.lo]"]], rtol=1e-6)
    enum = frame.with_columns(pl.col("g").cast(pl.Enum(["lo", "hi"])))
    assert list(NeuronClassifier().fit(enum, y).get_feature_names_out()) == ["a", "g[T.hi]"]


def test_polars_128_bit_integers_fit_as_their_values_or_are_refused_by_name():
    """An Int128 column crashed in Arrow ('Invalid or unsupported format string:
    _pli128'). Values int64 holds fit as those integers; larger ones are judged by the
    rule for integers float64 cannot resolve."""
    import pandas as pd
    import polars as pl

    from oneneuron.tables import DataError

    if not hasattr(pl, "Int128"):
        pytest.skip("this polars has no Int128")
    X, y = _data()
    ints = np.round(X * 10).astype(np.int64)
    ref = NeuronClassifier().fit(pd.DataFrame(ints, columns=["a", "b", "c"]), y)
    frame = pl.DataFrame(ints, schema=["a", "b", "c"], orient="row")
    wide = frame.with_columns(pl.col("a").cast(pl.Int128))
    fit = NeuronClassifier().fit(wide, y)
    _same(fit, ref)
    np.testing.assert_allclose(fit.predict_proba(wide), ref.predict_proba(ints), rtol=1e-12)
    huge = wide.with_columns(pl.col("a") + pl.lit(2**100, dtype=pl.Int128))
    with pytest.raises(DataError, match=r"column 'a' holds integers as large as 12676506"):
        NeuronClassifier().fit(huge, y)


# --- no columns --------------------------------------------------------------------------
def test_x_without_columns_is_refused_by_every_kind(reference):
    """torch and Dask fitted an intercept-only model on X of shape (n, 0) where NumPy
    refuses; a pandas frame without columns said 'at least one array or dtype is
    required' (NumPy's internals), with missing= and as an Arrow table '0 sample(s)
    (shape=(0, 0))' of a table with 120 rows. Every kind now gets scikit-learn's words
    for NumPy, with its own number of rows."""
    import pandas as pd
    import pyarrow as pa

    from oneneuron import NeuronClassifierCV
    from oneneuron.classifier import regularization_path

    X, y, ref = reference
    empty = {
        "numpy": X[:, :0],
        "csr": sp.csr_matrix(X[:, :0]),
        "pandas": pd.DataFrame(X)[[]],
        "arrow": pa.table({"a": X[:, 0]}).drop(["a"]),
        "torch": torch.zeros((N, 0), dtype=torch.float64),
        "dask": da.zeros((N, 0), chunks=(50, 0)),
    }
    match = rf"^Found array with 0 feature\(s\) \(shape=\({N}, 0\)\) while a minimum of 1"
    for kind, Xk in empty.items():
        for kw in ({}, {"missing": "mean"}) if kind in ("numpy", "pandas", "arrow") else ({},):
            with pytest.raises(ValueError, match=match):
                _fit(Xk, y, **kw)
        if kind in ("numpy", "pandas"):
            with pytest.raises(ValueError, match=match):
                NeuronClassifierCV(cv=3).fit(Xk, y)
            with pytest.raises(ValueError, match=match):
                regularization_path(Xk, y, n_alphas=3)
        with pytest.raises(ValueError, match=r"0 feature"):
            _computed(ref.predict(Xk))


# --- columns picked by name at predict ---------------------------------------------------
def test_a_numeric_frames_model_reads_any_table_by_its_column_names(reference):
    """A model fitted on an all-numeric pandas frame (the plain path) refused the same
    columns in another order or beside an extra one ('feature names should match'), while
    the same model fitted through the design layer (missing='mean', or from polars)
    picked them by name; Dask refused a reordered frame too. Every table is now read by
    name. Oracle: the prediction on the array in the fitted order."""
    import dask.dataframe as dd
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    X, y, _ = reference
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    other = frame.assign(z=np.arange(N, dtype=float))[["z", "c", "a", "b"]]
    for model in (_fit(frame, y), _fit(frame, y, missing="mean"), _fit(pl.from_pandas(frame), y)):
        want = model.predict_proba(X)
        for given in (
            other,
            pl.from_pandas(other),
            pa.Table.from_pandas(other, preserve_index=False),
            dd.from_pandas(other, npartitions=2),
        ):
            np.testing.assert_allclose(_computed(model.predict_proba(given)), want, rtol=1e-13)
        assert model.score(other, y) == model.score(X, y)
        with pytest.raises(ValueError, match=r"the table lacks column 'c'"):
            model.predict(frame[["a", "b"]])


def test_pandas_na_at_predict_is_named_as_nan_is(reference):
    """A model of a plain float frame given a Float64/Int64 frame holding pd.NA answered
    with scikit-learn's multi-line 'Input X contains NaN ... HistGradientBoosting...'
    where NaN in a float frame names the cell."""
    import pandas as pd

    X, y, _ = reference
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = _fit(frame, y)
    for dtype in ("Float64", "Int64"):
        given = (frame if dtype == "Float64" else frame.round()).astype(dtype)
        given.loc[4, "b"] = pd.NA
        for method in ("predict", "predict_proba", "decision_function"):
            with pytest.raises(ValueError, match=r"^X has NaN in column 'b' \(row 4\); a predic"):
                getattr(model, method)(given)


def test_dask_decimals_float64_cannot_resolve_are_refused(tmp_path, capsys):
    """The Dask engine (train --engine dask, fit on a Dask DataFrame) cast DECIMAL(38, 2)
    amounts above 2**53 a few units apart to float64 per partition: one number, fitted
    without a word; decimals float64 holds fit as the in-memory engine fits them."""
    import decimal

    import dask.dataframe as dd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from _cli import fail

    X, y = _data()
    big = [decimal.Decimal(2**60 + i) + decimal.Decimal("0.25") for i in range(N)]
    table = pa.table({"x": pa.array(big, pa.decimal128(38, 2)), "z": X[:, 1], "y": y})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=50)
    frame = dd.read_parquet(tmp_path / "t.parquet")
    with pytest.raises(ValueError, match=r"column 'x' holds decimals as large as about 1\.15"):
        NeuronClassifier(alpha=1.0).fit(frame[["x", "z"]], frame["y"])
    argv = ["train", tmp_path / "t.parquet", "--target", "y", "--model", tmp_path / "m.json"]
    fail([*argv, "--engine", "dask"], capsys, "column 'x' holds decimals as large as")
    cents = [decimal.Decimal(f"{v:.2f}") for v in X[:, 0] * 1000]
    small = table.set_column(0, "x", pa.array(cents, pa.decimal128(38, 2)))
    pq.write_table(small, tmp_path / "s.parquet", row_group_size=50)
    frame = dd.read_parquet(tmp_path / "s.parquet")
    ref = NeuronClassifier(alpha=1.0).fit(small.drop(["y"]), y)
    got = NeuronClassifier(alpha=1.0).fit(frame[["x", "z"]], frame["y"])
    _same(got, ref, rtol=1e-10)


# --- integers float64 cannot resolve, in every container ----------------------------------
def test_integers_float64_cannot_resolve_are_refused_in_every_container():
    """Ids near 2**60 a few units apart were refused from a NumPy array, a DataFrame and a
    dask array, but fitted as one constant number from a torch tensor, a SciPy sparse
    matrix, a list and an object array of Python ints (coefficient ~0, no word); small
    integers in those containers fit as the float64 array of the same numbers."""
    rng = np.random.default_rng(0)
    ids = 2**60 + rng.integers(0, 100, N)
    small = rng.integers(0, 10, N)
    y = (rng.random(N) < 1 / (1 + np.exp(-(small - 4.5) / 3))).astype(int)
    X = np.column_stack([ids, small]).astype(np.int64)
    bigger = np.empty((N, 2), dtype=object)  # beyond int64: Python ints
    bigger[:, 0] = [2**70 + int(v) for v in ids - 2**60]
    bigger[:, 1] = small.tolist()
    forms = {
        "torch": torch.tensor(X),
        "csr": sp.csr_matrix(X),
        "csc_array": sp.csc_array(X),
        "list": X.tolist(),
        "object": bigger,
        "object list": bigger.tolist(),
    }
    for given in forms.values():
        with pytest.raises(ValueError, match=r"column 'x0' holds integers as large as 1"):
            _fit(given, y)
    ref = _fit(np.column_stack([small, small[::-1]]).astype(float), y)
    plain = np.column_stack([small, small[::-1]])
    for given in (torch.tensor(plain), sp.csr_matrix(plain), plain.tolist(), plain.astype(object)):
        _same(_fit(given, y), ref)


# --- row weights and offsets hold numbers ------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda t: __import__("pandas").Series(t, dtype=object),
        lambda t: __import__("pandas").Series(t, dtype="string"),
        lambda t: __import__("pandas").Series(t, dtype="string[pyarrow]"),
        lambda t: __import__("pandas").Series(t),  # pandas' default for text
        lambda t: __import__("polars").Series(t),
    ],
    ids=["pandas object", "pandas string", "pandas string[pyarrow]", "pandas default", "polars"],
)
def test_text_weights_in_a_table_column_are_refused_as_numpys(reference, make):
    """Weights (and offsets) held as text in a pandas object or string column, or a polars
    String column, passed the weight check (pandas' types were left to 'their own
    checks') and were parsed: '2.0' weighed a row twice. Now the NumPy engine's one
    message, on every engine, in score and for a column named by sample_weight='w'.
    Oracle: the message NumPy text weights get."""
    import pandas as pd

    X, y, ref = reference
    w = np.where(np.arange(N) % 3 == 0, 2.0, 1.0)
    text = w.astype(str)
    match = r"^sample_weight must be numbers: it holds text \(.*e\.g\. '2\.0'\); convert"
    with pytest.raises(ValueError, match=match):  # the oracle: NumPy's text
        _fit(X, y, sample_weight=text)
    for Xk in (X, torch.from_numpy(X), da.from_array(X, chunks=50)):
        with pytest.raises(ValueError, match=match):
            _fit(Xk, y, sample_weight=make(text))
    with pytest.raises(ValueError, match=match):
        _fit(X, y, sample_weight=make(text), missing="mean")
    with pytest.raises(ValueError, match=match):
        ref.score(X, y, sample_weight=make(text))
    with pytest.raises(ValueError, match=match.replace("sample_weight", "offset")):
        NeuronClassifier().fit(X, y, offset=make(text))
    table = pd.DataFrame(X, columns=["a", "b", "c"][: X.shape[1]]).assign(w=make(text))
    for kw in ({}, {"missing": "mean"}):
        with pytest.raises(ValueError, match=match):
            _fit(table, y, sample_weight="w", **kw)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda w: w + 1j, "complex numbers"),
        (lambda w: w.astype("datetime64[D]"), "dates or times"),
        (lambda w: w.astype(str), r"text \(<U32; e\.g\. '2\.0'\)"),
        (lambda w: w.astype(str).tolist(), "text"),
        (lambda w: torch.tensor(w + 1j), "complex numbers"),
    ],
    ids=["complex", "dates", "text", "text list", "complex tensor"],
)
def test_weights_that_hold_no_numbers_are_refused_by_every_engine(reference, make, match):
    """Complex weights lost their imaginary part on torch and Dask (NumPy printed the whole
    array), datetime64 weights were counts of days and text weights were parsed, on every
    engine."""
    X, y, ref = reference
    match = "^sample_weight must be numbers: it holds " + match
    w = np.where(np.arange(N) % 3 == 0, 2.0, 1.0)
    for Xk in (X, torch.from_numpy(X), da.from_array(X, chunks=50)):
        with pytest.raises(ValueError, match=match):
            _fit(Xk, y, sample_weight=make(w))
    with pytest.raises(ValueError, match=match):
        ref.score(X, y, sample_weight=make(w))
    with pytest.raises(ValueError, match=match.replace("sample_weight", "offset")):
        NeuronClassifier().fit(X, y, offset=make(w))


# --- a regularization path's predictions -------------------------------------------------
def test_a_paths_predictions_check_their_input_as_the_estimator_does(reference):
    """RegularizationPath.predict_proba read X with np.asarray(X, float): complex X lost
    its imaginary part (a warning), text and dates became numbers, masked cells gave
    their hidden values, and a reordered frame was refused where the estimator reads it
    by name. Oracle: the path's predictions on the plain array."""
    import pandas as pd

    from oneneuron.classifier import regularization_path

    X, y, _ = reference
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    path = regularization_path(frame, y, n_alphas=4)
    want = path.predict_proba(X)
    np.testing.assert_allclose(path.predict_proba(frame[["c", "a", "b"]]), want, rtol=1e-13)
    np.testing.assert_allclose(path.predict_proba(np.ma.masked_array(X)), want, rtol=1e-13)
    for bad, match in (
        (X + 1j, r"^Complex data not supported"),
        (X.astype(str), r"^X must be numeric: it holds text"),
        (X.astype("datetime64[D]"), r"^X holds dates or times"),
        (_masked(X, [(2, 1)]), r"^X is a masked array with 1 masked cell"),
        (frame.set_axis(pd.MultiIndex.from_product([["m"], ["a", "b", "c"]]), axis=1), "Multi"),
    ):
        with pytest.raises(ValueError, match=match):
            path.predict_proba(bad)


def test_a_model_files_predictor_checks_its_input_as_the_estimator_does(reference, tmp_path):
    """The predictor a model file serves (what `oneneuron predict` uses) read X with
    np.asarray(X).astype(float64): complex X lost its imaginary part, text and dates
    became numbers, masked cells gave their hidden values. Oracle: the estimator's
    predictions on the plain array."""
    from oneneuron.modelfile import read_model

    X, y, ref = reference
    ref.save(tmp_path / "m.json")
    predictor = read_model(tmp_path / "m.json").predictor
    np.testing.assert_array_equal(predictor.predict_proba(X), ref.predict_proba(X))
    np.testing.assert_array_equal(
        predictor.predict_proba(np.ma.masked_array(X)), ref.predict_proba(X)
    )
    for bad, match in (
        (X + 1j, r"^Complex data not supported"),
        (X.astype(str), r"^X must be numeric: it holds text"),
        (X.astype("datetime64[D]"), r"^X holds dates or times"),
        (_masked(X, [(2, 1)]), r"^X is a masked array with 1 masked cell"),
    ):
        with pytest.raises(ValueError, match=match):
            predictor.predict_proba(bad)


def test_a_model_files_predictor_names_a_missing_value_as_the_estimator_does(reference, tmp_path):
    """The predictor returned NaN probabilities for a row holding NaN (and inf for an
    infinity) where the estimator refuses, naming the cell."""
    from oneneuron.modelfile import read_model

    X, y, ref = reference
    ref.save(tmp_path / "m.json")
    predictor = read_model(tmp_path / "m.json").predictor
    for bad, word in ((np.nan, "NaN"), (np.inf, "infinity")):
        Xb = X.copy()
        Xb[7, 2] = bad
        for model in (ref, predictor):
            with pytest.raises(ValueError, match=rf"^X has {word} in column 2 \(row 7\)"):
                model.predict_proba(Xb)


def test_tensors_that_require_grad_are_read_as_their_values(reference):
    """X with requires_grad fitted, but labels or weights with it raised torch's
    RuntimeError ('Can't call numpy() on Tensor that requires grad') at fit, in paths and
    at score. Oracle: the same values as NumPy arrays."""
    from oneneuron.classifier import regularization_path

    X, y, _ = reference
    w = np.where(np.arange(N) % 4 == 0, 2.0, 1.0)
    ref = _fit(X, y, sample_weight=w)

    def grad(a):
        return torch.tensor(a, dtype=torch.float64, requires_grad=True)

    for Xk in (X, grad(X)):
        _same(_fit(Xk, grad(y), sample_weight=grad(w)), ref)
    want = regularization_path(X, y, sample_weight=w, n_alphas=3).coef
    got = regularization_path(X, grad(y), sample_weight=grad(w), n_alphas=3).coef
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert ref.score(X, grad(y), sample_weight=grad(w)) == ref.score(X, y, sample_weight=w)


# --- predicting on 0 rows --------------------------------------------------------------
def test_predicting_on_no_rows_is_refused_by_every_engine_in_memory(reference):
    """Predicting on 0 rows: NumPy, sparse and numeric pandas refused (scikit-learn's
    rule), torch, a Dask array of known length 0, a table coded by the design layer
    (pandas, polars) and the regularization path returned empty arrays. Decision:
    scikit-learn's refusal wherever the length is known; a Dask DataFrame, whose
    partitions' lengths are unknown until computed, stays lazy. Oracle: scikit-learn's
    own message for its LogisticRegression."""
    import dask.dataframe as dd
    import pandas as pd
    import polars as pl

    import oneneuron

    X, y, ref = reference
    sk = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError) as oracle:
        sk.predict(X[:0])
    match = re.escape(str(oracle.value).replace("LogisticRegression", "NeuronClassifier"))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    coded = NeuronClassifier().fit(df.assign(g=np.where(X[:, 0] > 0, "p", "q")), y)
    empty_coded = df.assign(g="p")[:0]
    cases = [
        (ref, X[:0]),
        (ref, sp.csr_matrix(X[:0])),
        (ref, df[:0]),
        (ref, torch.from_numpy(X[:0])),
        (ref, da.from_array(X[:0])),
        (NeuronClassifier(missing="mean").fit(df, y), df[:0]),
        (coded, empty_coded),
        (coded, pl.from_pandas(empty_coded)),
    ]
    for model, empty in cases:
        for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
            with pytest.raises(ValueError, match=match.replace(r"\(0,\ 3\)", r"\(0,\ \d\)")):
                getattr(model, method)(empty)
    path = oneneuron.regularization_path(X, y, n_alphas=3)
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        path.predict_proba(X[:0])
    lazy = ref.predict_proba(dd.from_pandas(df[:0], npartitions=1))
    assert hasattr(lazy, "dask") and lazy.compute().shape == (0, 2)
