"""Hostile input, third round: dtypes and file forms the earlier rounds did not try.

Each result is checked against an independent oracle (scikit-learn's
LogisticRegression, pandas) or is one clear error naming the cause.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from oneneuron import NeuronClassifier


def _data(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.normal(size=n) > 0).astype(int)
    return X, y


def _oracle(X: np.ndarray, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)


# ------------------------------------------------------------------ labels
@pytest.mark.parametrize(
    ("dtype", "labels"),
    [(np.int8, (-128, 127)), (np.int8, (-100, 100)), (np.int16, (-32768, 32767))],
)
def test_narrow_integer_labels_spanning_their_range(dtype, labels):
    """int8 labels -128 and 127 were counted as ``y - min(y)`` in int8, which wraps
    (127 - (-128) = 255 reads -1): fit stopped in ``np.bincount`` with "'list' argument
    must have no negative elements". The classes and fit are int64's."""
    X, y = _data()
    yy = np.where(y == 1, labels[1], labels[0]).astype(dtype)
    model = NeuronClassifier().fit(X, yy)
    assert model.classes_.tolist() == list(labels)
    assert model.classes_.dtype == dtype
    np.testing.assert_allclose(model.coef_, _oracle(X, y).coef_, atol=1e-6)
    assert (model.predict(X) == np.where(_oracle(X, y).predict(X) == 1, *labels[::-1])).all()


def test_narrow_integer_labels_on_the_array_api_engine():
    """The torch engine's label lookup subtracts the smallest label too: in int64."""
    torch = pytest.importorskip("torch")
    X, y = _data()
    yy = torch.tensor(np.where(y == 1, 100, -100).astype(np.int8))
    model = NeuronClassifier().fit(torch.tensor(X), yy)
    assert model.classes_.tolist() == [-100, 100]
    np.testing.assert_allclose(model.coef_, _oracle(X, y).coef_, atol=1e-6)


def _torch_y(y):
    torch = pytest.importorskip("torch")
    return torch.tensor(y)


@pytest.mark.parametrize("kind", ["numpy", "pandas", "torch", "score"])
def test_complex_labels_are_named_as_labels(kind):
    """Complex labels were refused as "X holds complex numbers" (NumPy, pandas: X was
    real), or with the whole array of labels printed (torch, ``score``)."""
    import pandas as pd

    X, y = _data()
    yc = y.astype(complex)
    model = NeuronClassifier()
    with pytest.raises(
        ValueError,
        match=r"^Complex data not supported: y holds complex numbers \(e\.g\. 0j\), not class",
    ) as err:
        if kind == "numpy":
            model.fit(X, yc)
        elif kind == "pandas":
            model.fit(pd.DataFrame(X, columns=["a", "b", "c"]), pd.Series(yc))
        elif kind == "torch":
            model.fit(_torch_y(X), _torch_y(yc))
        else:
            model.fit(X, y).score(X, yc)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kind", ["numpy", "pandas"])
def test_float16_labels_fit_without_a_cast_warning(kind):
    """float16 labels 0.0/1.0 fitted right but warned "overflow encountered in cast"
    (the labels' range test compared them with 2**53, beyond float16)."""
    import pandas as pd

    X, y = _data()
    y16 = y.astype(np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = NeuronClassifier().fit(X, y16 if kind == "numpy" else pd.Series(y16))
    assert model.classes_.tolist() == [0.0, 1.0]
    np.testing.assert_allclose(model.coef_, _oracle(X, y).coef_, atol=1e-6)


# ------------------------------------------------------------------ text tables
def _grouped_csv(path, mark: str) -> tuple:
    """A table whose column 'big' holds whole numbers grouped in thousands by ``mark``."""
    rng = np.random.default_rng(3)
    n = 60
    x = rng.normal(size=n).round(3)
    big = rng.integers(1_000, 900_000, size=n)
    y = (x + big / 300_000 + rng.normal(size=n) > 1.5).astype(int)
    cells = [f'"{b:,}"'.replace(",", mark) for b in big]
    path.write_text(
        "x,big,y\n" + "".join(f"{a},{c},{t}\n" for a, c, t in zip(x, cells, y, strict=True)),
        encoding="utf-8",
    )
    return x, big, y


@pytest.mark.parametrize("mark", [" ", "'"])
def test_the_thousands_advice_names_the_mark_the_file_uses(tmp_path, capsys, mark):
    """Numbers grouped by spaces or apostrophes ('352 377', "352'377") were refused with
    the advice --thousands ',', which then failed the same way; the advice names the
    file's own mark, and following it fits as pandas' reading with that mark does."""
    import pandas as pd

    from _cli import fail, run
    from oneneuron import load

    data = tmp_path / "d.csv"
    _grouped_csv(data, mark)
    model = tmp_path / "m.json"
    argv = ["train", data, "--target", "y", "--model", model, "-q"]
    fail(argv, capsys, f"--thousands {mark!r}")
    code, _, err = run([*argv, "--thousands", mark], capsys)
    assert code == 0, err
    oracle = pd.read_csv(data, thousands=mark)
    assert oracle["big"].dtype.kind == "i"
    expected = _oracle(oracle[["x", "big"]].to_numpy(float), oracle["y"].to_numpy())
    np.testing.assert_allclose(load(model).coef_, expected.coef_, rtol=1e-6)


@pytest.mark.parametrize("mark", ["\u00a0", "\u202f"])
def test_numbers_grouped_by_non_breaking_spaces_are_not_sent_to_a_comma(tmp_path, capsys, mark):
    """A French export groups thousands with a (narrow) no-break space: the advice was
    --thousands ',' (no option reads that mark); it names the mark and asks to write
    the numbers without it."""
    from _cli import fail

    data = tmp_path / "d.csv"
    _grouped_csv(data, mark)
    argv = ["train", data, "--target", "y", "--model", tmp_path / "m.json", "-q"]
    err = fail(argv, capsys, "no-break space")
    assert "--thousands ','" not in err


# ------------------------------------------------------------------ arrays
@pytest.mark.parametrize("layout", ["dense", "masked", "fortran", "pandas"])
def test_big_endian_float32_stays_float32(layout):
    """float32 stays float32 end to end: a big-endian float32 X ('>f4', as read from a
    FITS or network-order file) was fitted and predicted in float64 (scikit-learn's
    check takes '>f4' for another dtype than float32). The fit is the native float32
    one's, and scikit-learn's."""
    X, y = _data()
    big = X.astype(">f4")
    if layout == "masked":
        big = np.ma.masked_array(big, mask=np.zeros(big.shape, bool))
    elif layout == "fortran":
        big = np.asfortranarray(big)
    elif layout == "pandas":  # (its coefficients were '>f4' themselves)
        import pandas as pd

        big = pd.DataFrame({f"x{j}": big[:, j] for j in range(3)})
    model = NeuronClassifier().fit(big, y)
    native = NeuronClassifier().fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32 and model.coef_.dtype.isnative
    np.testing.assert_array_equal(model.coef_, native.coef_)
    np.testing.assert_allclose(model.coef_, _oracle(X, y).coef_, rtol=1e-4, atol=1e-4)
    proba = model.predict_proba(big)
    assert proba.dtype == np.float32 and proba.dtype.isnative
    np.testing.assert_array_equal(proba, native.predict_proba(X.astype(np.float32)))
    assert model.decision_function(big).dtype == np.float32


# ------------------------------------------------------------------ Parquet folders
def _folder(tmp_path, second: dict) -> tuple:
    """A folder of two Parquet files: a.parquet numeric, b.parquet with ``second``'s
    columns (the same names, some stored as another type)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(5)
    n = 80
    x1, x2 = rng.normal(size=n).round(3), rng.normal(size=n).round(3)
    y = (x1 - x2 + rng.normal(size=n) > 0).astype(int)
    folder = tmp_path / "parts"
    folder.mkdir()
    h = n // 2
    pq.write_table(pa.table({"x1": x1[:h], "x2": x2[:h], "y": y[:h]}), folder / "a.parquet")
    cols = {"x1": x1[h:], "x2": x2[h:], "y": y[h:]}
    cols.update({k: f(cols[k]) for k, f in second.items()})
    pq.write_table(pa.table(cols), folder / "b.parquet")
    return folder, x1, x2, y


@pytest.mark.parametrize("command", ["train", "predict", "evaluate"])
def test_a_folder_whose_files_store_a_column_as_numbers_and_as_text(tmp_path, capsys, command):
    """x2 stored as double in one file and as text in another: the in-memory reader
    stacked them into one text column, and train fitted x2 as 79 categories (a
    separation warning the only sign); --engine dask refuses such a folder. Every
    command names the file and the column."""
    from _cli import fail, run

    folder, *_ = _folder(tmp_path, {"x2": lambda v: v.astype(str)})
    model = tmp_path / "m.json"
    if command == "train":
        argv = ["train", folder, "--target", "y", "--model", model, "-q"]
    else:
        good = tmp_path / "good.csv"
        good.write_text("x1,x2,y\n0.1,0.2,0\n0.3,-0.1,1\n0.5,0.4,0\n-0.2,0.1,1\n")
        code, _, err = run(["train", good, "--target", "y", "--model", model, "-q"], capsys)
        assert code == 0, err
        argv = [command, model, folder, "-q"]
        if command == "predict":
            argv += ["--out", tmp_path / "p.csv"]
    err = fail(argv, capsys, "column 'x2'")
    assert "b.parquet" in err.splitlines()[-1] and "a.parquet" in err.splitlines()[-1]
    assert not (tmp_path / "p.csv").exists()


def test_a_folder_whose_files_store_a_column_as_int_and_float_is_read(tmp_path, capsys):
    """Numbers stored as int64 in one file and double in another are numbers alike:
    the fit equals scikit-learn's on the stacked rows."""
    from _cli import run
    from oneneuron import load

    folder, x1, x2, y = _folder(tmp_path, {"x1": lambda v: (v * 1000).astype(np.int64)})
    model = tmp_path / "m.json"
    code, _, err = run(["train", folder, "--target", "y", "--model", model, "-q"], capsys)
    assert code == 0, err
    h = len(y) // 2
    x1 = np.concatenate([x1[:h], (x1[h:] * 1000).astype(np.int64)])
    ref = _oracle(np.column_stack([x1, x2]), y)
    np.testing.assert_allclose(load(model).coef_, ref.coef_, rtol=1e-5, atol=1e-8)


# ------------------------------------------------------------------ Unicode forms
NFC, NFD = "caf\u00e9", "cafe\u0301"  # 'café' as one character, and e + combining accent


def _levels_frame(n: int = 120, seed: int = 6):
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.choice([NFC, "tea"], n).astype(object)
    y = (x + (g == NFC) + rng.normal(size=n) > 0.5).astype(int)
    return pd.DataFrame({"x": x, "g": g, "y": y})


def test_levels_that_differ_only_in_unicode_form_are_named_at_fit():
    """'café' as NFC in some rows and NFD in others was fitted as two levels printed
    alike (the reference 'café' and the term g[T.café]), without a word: the
    look-alike levels warning (case and spaces) names them too, as ascii() shows them."""
    from oneneuron import LevelWarning

    frame = _levels_frame()
    frame.loc[::3, "g"] = frame.loc[::3, "g"].replace(NFC, NFD)
    with pytest.warns(LevelWarning, match="Unicode form") as record:
        NeuronClassifier().fit(frame[["x", "g"]], frame["y"])
    text = str(record[0].message)
    assert ascii(NFC) in text and ascii(NFD) in text


def test_a_level_in_another_unicode_form_at_predict_is_named(tmp_path, capsys):
    """A model trained on 'café' (NFC) predicting a table that writes it NFD (a macOS
    export) coded those rows as the reference level, with a note 'categories not seen
    in training ... (e.g. 'café')' that named the very level it had seen."""
    from _cli import run

    frame = _levels_frame()
    train, other = tmp_path / "t.csv", tmp_path / "o.csv"
    frame.to_csv(train, index=False)
    frame.assign(g=frame["g"].replace(NFC, NFD)).to_csv(other, index=False)
    model = tmp_path / "m.json"
    code, _, err = run(["train", train, "--target", "y", "--model", model, "-q"], capsys)
    assert code == 0, err
    code, _, err = run(["predict", model, other, "--out", tmp_path / "p.csv"], capsys)
    assert code == 0, err
    assert f"{ascii(NFD)}, which differs from the training level {ascii(NFC)}" in err
    assert "Unicode form" in err


def test_target_labels_that_differ_only_in_unicode_form_are_refused(tmp_path, capsys):
    """Labels 'café' in NFC and in NFD were two classes printed alike (a binary target
    became a three-class model); labels differing in spaces or case are refused."""
    from _cli import fail

    frame = _levels_frame()
    y = np.where(frame["y"] == 1, NFC, "tea").astype(object)
    y[::4] = np.where(y[::4] == NFC, NFD, y[::4])
    path = tmp_path / "t.csv"
    frame.assign(y=y).to_csv(path, index=False)
    err = fail(["train", path, "--target", "y", "--model", tmp_path / "m.json"], capsys, "Unicode")
    assert ascii(NFC) in err and ascii(NFD) in err


# ------------------------------------------------------------------ minus signs
@pytest.mark.parametrize("minus", ["\u2212", "\u2013"])
def test_numbers_with_a_typographic_minus_sign_are_named(tmp_path, capsys, minus):
    """Negative numbers written with the minus sign U+2212 (or an en dash), as word
    processors and typeset reports write them, were refused as 'a different value in
    each of its 200 rows (an identifier ...?)' and the advice to read them with
    --numeric, which fails the same way. The error names the sign."""
    from _cli import fail

    X, y = _data(n=120)
    text = "x1,x2,y\n" + "".join(
        f"{a:.4f},{b:.4f},{t}\n".replace("-", minus) for (a, b, _), t in zip(X, y, strict=True)
    )
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    err = fail(["train", path, "--target", "y", "--model", tmp_path / "m.json"], capsys, "x1")
    line = err.splitlines()[-1]
    assert f"U+{ord(minus):04X}" in line and "'-'" in line
    assert "--numeric" not in line


# ------------------------------------------------------------------ numbers stored as text
def test_a_parquet_column_of_decimal_numbers_stored_as_text_is_named(tmp_path, capsys):
    """A Parquet file whose writer stored every column as text: x2 ('0.503', '-1.2',
    ...) was fitted as one category per distinct number (193 model columns from 200
    rows; a separation warning the only sign), and --numeric x2 refused it as 'text,
    not numbers'. The error names the numbers stored as text and a way out."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from _cli import fail

    X, y = _data(n=150)
    path = tmp_path / "t.parquet"
    x2 = [f"{v:.3f}" for v in X[:, 1]]
    pq.write_table(pa.table({"x1": X[:, 0], "x2": x2, "y": y}), path)
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json"]
    line = fail(argv, capsys, "column 'x2'").splitlines()[-1]
    assert "numbers stored as text" in line and repr(x2[0]) in line


def test_a_frame_column_of_decimal_numbers_stored_as_text_is_named():
    """The Python API: the same refusal; a Categorical column of such numbers is the
    user's choice and is fitted as categories."""
    import pandas as pd

    from oneneuron.tables import DataError

    X, y = _data(n=150)
    frame = pd.DataFrame({"x1": X[:, 0], "x2": [f"{v:.3f}" for v in X[:, 1]]})
    with pytest.raises(DataError, match=r"column 'x2' holds numbers stored as text"):
        NeuronClassifier().fit(frame, y)
    levels = pd.DataFrame({"x1": X[:, 0], "g": np.where(X[:, 1] > 0, "0.5", "1.5")})
    model = NeuronClassifier().fit(levels.astype({"g": "category"}), y)
    dummy = (levels["g"] == "1.5").to_numpy(float)
    ref = _oracle(np.column_stack([X[:, 0], dummy]), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------ saving
@pytest.mark.parametrize("name", ["data.csv", "data.csv.gz", "data.parquet", "report.html"])
def test_python_save_refuses_a_table_or_report_name(tmp_path, name):
    """``model.save('data.csv', overwrite=True)`` (the arguments of a table writer, or a
    slip of the file name) replaced the user's table with JSON, and save('m.parquet')
    wrote JSON that every Parquet reader then refuses; train --model refuses such names.
    The file is left as it was."""
    X, y = _data()
    model = NeuronClassifier().fit(X, y)
    path = tmp_path / name
    path.write_bytes(b"x,y\n1,0\n")
    with pytest.raises(ValueError, match=r"a model file is JSON: name it \.json"):
        model.save(path, overwrite=True)
    assert path.read_bytes() == b"x,y\n1,0\n"
    from oneneuron import load, save

    save(model, tmp_path / "m.json")
    np.testing.assert_array_equal(load(tmp_path / "m.json").coef_, model.coef_)


# ------------------------------------------------------------------ estimator state
@pytest.mark.parametrize("threshold", [1.5, -0.1, 0.0, 1.0, float("nan"), "0.5", None])
def test_a_threshold_set_after_the_fit_is_checked_at_predict(threshold):
    """fit checks threshold in (0, 1), but set_params(threshold=...) after the fit went
    unchecked into predict: 1.5 and NaN labelled every row 0 (with a RuntimeWarning
    from log1p, or none), '0.5' raised NumPy's "ufunc 'log' not supported"."""
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = _data()
    model = NeuronClassifier().fit(X, y)
    model.set_params(threshold=threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidParameterError, match="'threshold' parameter"):
            model.predict(X)


def test_a_threshold_set_after_a_multiclass_fit_is_not_ignored():
    """A threshold other than 0.5 is refused by a multiclass fit; set after it, predict
    ignored it (argmax, silently). It is refused as the fit refuses it; 0.5 is taken."""
    X, y = _data()
    y3 = np.digitize(X[:, 0] + np.random.default_rng(7).normal(size=len(y)), [-0.5, 0.5])
    model = NeuronClassifier().fit(X, y3)
    expected = _oracle(X, y3).predict(X)
    model.set_params(threshold=0.7)
    with pytest.raises(ValueError, match="threshold=0.7 applies to binary problems only"):
        model.predict(X)
    model.set_params(threshold=0.5)
    assert (model.predict(X) == expected).mean() > 0.99


def test_a_threshold_set_after_the_fit_is_used_at_predict():
    """A valid threshold changed after the fit is a prediction setting: it applies."""
    X, y = _data()
    model = NeuronClassifier().fit(X, y)
    p1 = _oracle(X, y).predict_proba(X)[:, 1]
    model.set_params(threshold=0.8)
    np.testing.assert_array_equal(model.predict(X), (p1 > 0.8).astype(int))
