"""A hostile user of stop 39's new code: robust/cluster covariances on Dask, split_counts,
warnings' lines, Firth on nearly collinear columns, lr_test, L1 paths."""

from __future__ import annotations

import numpy as np
import pytest

from oneneuron import NeuronClassifier

sm = pytest.importorskip("statsmodels.api")
da = pytest.importorskip("dask.array")
pd = pytest.importorskip("pandas")


def _data(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ [1.0, -1.0])))).astype(np.int64)
    return X, y


def _inputs(X, y, labels, where):
    if where == "memory":
        return X, y, labels
    Xd, yd = da.from_array(X, chunks=(64, X.shape[1])), da.from_array(y, chunks=64)
    if where == "dask labels":
        labels = da.from_array(labels, chunks=50)
    return Xd, yd, labels


@pytest.mark.parametrize("where", ["memory", "dask", "dask labels"])
@pytest.mark.parametrize("missing", [np.nan, pd.NA, pd.NaT, None])
def test_missing_text_cluster_labels_are_named_not_a_comparison_error(where, missing):
    """Text labels with a missing cell (a pandas string or categorical column's NaN or
    pd.NA, as np.asarray gives them) failed inside np.unique with "TypeError: '<' not
    supported between instances of 'float' and 'str'" or 'boolean value of NA is
    ambiguous'; only None was named as missing."""
    X, y = _data()
    labels = np.array([f"school {i % 4}" for i in range(len(y))], dtype=object)
    labels[3] = missing
    Xf, yf, cf = _inputs(X, y, labels, where)
    with pytest.raises(ValueError, match="cluster has missing labels"):
        NeuronClassifier(cov_type="cluster").fit(Xf, yf, cluster=cf)


@pytest.mark.parametrize("where", ["memory", "dask", "dask labels"])
def test_cluster_labels_of_mixed_types_are_one_clear_error(where):
    X, y = _data()
    labels = np.array([i % 3 if i % 2 else f"s{i % 3}" for i in range(len(y))], dtype=object)
    Xf, yf, cf = _inputs(X, y, labels, where)
    with pytest.raises(ValueError, match=r"cluster labels mix types \(int and str"):
        NeuronClassifier(cov_type="cluster").fit(Xf, yf, cluster=cf)


@pytest.mark.parametrize("where", ["memory", "dask", "dask labels"])
def test_missing_labels_on_rows_of_weight_zero_are_absent_rows(where):
    """Rows of weight 0 are absent: their labels (pd.NA too) make no cluster; the
    covariance is statsmodels' on the other rows."""
    X, y = _data()
    labels = np.array([f"school {i % 4}" for i in range(len(y))], dtype=object)
    labels[:5] = pd.NA
    w = np.r_[np.zeros(5), np.ones(len(y) - 5)]
    Xf, yf, cf = _inputs(X, y, labels, where)
    wf = w if where == "memory" else da.from_array(w, chunks=64)
    clf = NeuronClassifier(cov_type="cluster", tol=1e-11).fit(Xf, yf, sample_weight=wf, cluster=cf)
    ref = sm.Logit(y[5:], sm.add_constant(X[5:])).fit(
        disp=0, method="newton", tol=1e-14, cov_type="cluster",
        cov_kwds={"groups": np.unique(labels[5:].astype(str), return_inverse=True)[1]},
    )  # fmt: skip
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=1e-6)


@pytest.mark.parametrize("kind", ["int", "text", "other partitions"])
def test_cluster_as_a_dask_series_matches_statsmodels(kind):
    """cluster=ddf['school'] (a Dask Series, as sample_weight= takes one) failed with
    Dask's "TypeError: Trying to convert <dask_expr.expr.Scalar: expr=df['g'].size() !=
    300 ...> to a boolean value"; a pandas Series of the same labels worked."""
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data(300, seed=4)
    groups = np.arange(len(y)) % 7
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y, "g": groups})
    if kind != "int":
        df["g"] = [f"school {g}" for g in groups]
    ddf = dd.from_pandas(df, npartitions=3)
    labels = dd.from_pandas(df["g"], npartitions=2) if kind == "other partitions" else ddf["g"]
    Xd, yd = ddf[["a", "b"]].to_dask_array(), ddf["y"].to_dask_array()
    clf = NeuronClassifier(cov_type="cluster", tol=1e-11).fit(Xd, yd, cluster=labels)
    ref = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": groups}
    )
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=1e-6)
    assert clf.inference_.extra["n_clusters"] == 7
    with pytest.raises(ValueError, match=r"one label per row \(300 rows\)"):
        NeuronClassifier(cov_type="cluster").fit(
            Xd, yd, cluster=dd.from_pandas(df["g"][:299], npartitions=3)
        )


@pytest.mark.parametrize(
    "cells", [[0.5, -1.0, 3 + 5j], [1 + 0j, 2, 3], [np.complex128(2j), 0.5, 1.0]]
)
def test_predict_refuses_complex_numbers_among_real_ones_in_an_object_column(cells):
    """An object column of numbers with a complex one (pandas infers 'mixed') passed
    predict's check, which looked for lists and records only there: NumPy's ComplexWarning
    'Casting complex values to real discards the imaginary part' and the probability of
    x = 3 for x = 3 + 5i. A complex128 column, or an object column of complex numbers only,
    was refused; now this one is too."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(["a", "b"], size=60)})
    y = (df["x"] + rng.normal(size=60) > 0).astype(int)
    clf = NeuronClassifier().fit(df, y)
    new = pd.DataFrame({"x": pd.Series(cells, dtype=object), "c": ["a", "b", "a"]})
    with pytest.raises(ValueError, match=r"column 'x' of the table holds complex numbers \(e\.g\."):
        clf.predict_proba(new)
    with pytest.raises(ValueError, match=r"column 'c' of the table holds complex numbers"):
        clf.predict_proba(new.assign(x=0.0, c=pd.Series(["a", 1j, "b"], dtype=object)))
    with pytest.raises(
        ValueError, match=r"column 'x' of the table holds lists \(e\.g\. \[1\.0\]\)"
    ):
        clf.predict_proba(new.assign(x=pd.Series([[1.0], 2, 3], dtype=object)))  # mixed-integer
    ok = new.assign(x=pd.Series([np.real(v) for v in cells], dtype=object))
    np.testing.assert_allclose(  # real numbers as objects: the float column's probabilities
        clf.predict_proba(ok), clf.predict_proba(ok.astype({"x": float})), rtol=1e-12
    )


def test_cli_dask_missing_cluster_label_or_weight_names_column_and_data_row(tmp_path, capsys):
    """train --engine dask --cluster g with a missing label in g said only 'cluster has
    missing labels (None); every row needs a cluster' (no column, no row, no way out),
    and a missing --weights cell 'sample_weight must be finite and non-negative: row 9
    holds NaN' (a Python keyword and a row counted from 0), where the in-memory engine
    names the column and its data row. Python's message names the row (from 0) too."""
    pytest.importorskip("dask.dataframe")
    from _cli import fail

    X, y = _data(240, seed=5)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y, "w": 1.0})
    df["g"] = pd.array([f"s{i % 6}" for i in range(240)], dtype="string")
    df.loc[130, "g"] = pd.NA
    path = tmp_path / "d"
    path.mkdir()
    for i in range(3):  # the missing label in the second file's rows
        df.iloc[80 * i : 80 * (i + 1)].to_parquet(path / f"part{i}.parquet")
    base = ["train", path, "--target", "y", "--features", "a", "b", "--engine", "dask", "-q"]
    model = ["--model", tmp_path / "m.json"]
    line = fail([*base, "--cov-type", "cluster", "--cluster", "g", *model], capsys, "'g'")
    assert "cluster column 'g' has a missing label in data row 131" in line
    assert "--engine memory --drop-missing" in line
    for i in range(3):
        df.iloc[80 * i : 80 * (i + 1)].assign(
            g="s1", w=[np.nan if j == 9 else 1.0 for j in range(80)] if i == 0 else 1.0
        ).to_parquet(path / f"part{i}.parquet")
    line = fail([*base, "--weights", "w", *model], capsys, "'w'")
    assert "weights column 'w' has a missing value (NaN) in data row 10" in line
    with pytest.raises(ValueError, match=r"missing labels \(<NA>\), the first in row 130;"):
        NeuronClassifier(cov_type="cluster").fit(
            da.from_array(X, chunks=(64, 2)), da.from_array(y, chunks=64), cluster=df["g"]
        )


def test_split_counts_names_a_fractional_count_as_the_number_it_is():
    """The refusal printed NumPy's repr: 'row 5 has np.float64(2.5)'."""
    from oneneuron import NeuronClassifierCV

    X, y = _data(30, seed=1)
    counts = np.arange(30) % 4 + 1.0
    counts[5] = 2.5
    with pytest.raises(ValueError, match=r"whole-number counts; row 5 has 2\.5$"):
        NeuronClassifierCV(cv=3).fit(X, y, sample_weight=counts, split_counts=True)


def test_class_weight_refusal_names_the_weight_as_a_number():
    """A sibling of the split_counts message: 'class 1 has weight np.float64(-1.0)'."""
    X, y = _data(40, seed=2)
    with pytest.raises(ValueError, match=r"class 1 has weight -1\.0$"):
        NeuronClassifier(class_weight={0: 1.0, 1: -1.0}).fit(X, y)


def test_cli_categorical_advice_quotes_a_column_name_for_the_shell(tmp_path, capsys):
    """The advice for a column of numbers with a text level said '--categorical Num Cyl',
    which the shell passes as two columns ('Num', 'Cyl'); the name is now quoted as a
    shell word, and the advice, followed, trains (statsmodels' fit of the same coding)."""
    import shlex

    from _cli import fail, run

    rng = np.random.default_rng(0)
    cyl = rng.choice(["4", "6", "8"], 80).astype(object)
    cyl[5:11] = "rotary"
    x = rng.normal(size=80)
    y = (rng.random(80) < 1 / (1 + np.exp(-x))).astype(int)
    y[5:8], y[8:11] = 0, 1  # (no separation of the rare level)
    path = tmp_path / "cyl.csv"
    pd.DataFrame({"Num Cyl": cyl, "x": x, "y": y}).to_csv(path, index=False)
    base = ["train", path, "--target", "y", "-q", "--model", tmp_path / "m.json"]
    line = fail(base, capsys, "rotary")
    assert "say so: --categorical 'Num Cyl')" in line
    advice = line.rsplit("say so: ", 1)[1].rstrip(")\n")
    code, _, err = run([*base, *shlex.split(advice), "--tol", "1e-10"], capsys)
    assert code == 0, err
    import oneneuron

    dummies = pd.get_dummies(pd.Series(cyl), drop_first=True, dtype=float)
    ref = sm.Logit(y, sm.add_constant(np.c_[dummies.to_numpy(), x])).fit(disp=0, tol=1e-12)
    got = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(
        np.r_[got.intercept_, got.coef_.ravel()], ref.params, rtol=1e-5, atol=1e-6
    )
