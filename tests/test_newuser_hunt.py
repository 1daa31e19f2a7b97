"""Defects found by using oneneuron as a new user would, on public data sets nobody here
wrote (scikit-learn's bundled tables, statsmodels.datasets), each checked against an
independent oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _cli import run  # noqa: E402
from oneneuron import NeuronClassifier, load, regularization_path

sm = pytest.importorskip("statsmodels.api")
datasets = pytest.importorskip("sklearn.datasets")


def _wine() -> tuple[np.ndarray, np.ndarray]:
    """UCI wine: 178 rows, 13 features on scales from 0.1 to 1 000, three cultivars."""
    return datasets.load_wine(return_X_y=True)


def _softmax_hessian_rank(clf: NeuronClassifier, X: np.ndarray) -> int:
    """Rank of the log-likelihood's Hessian over a softmax fit's kept parameters (its
    non-zero coefficients and every intercept), written out from ``predict_proba``:
    ``sum_i (diag(p_i) - p_i p_i') kron (x_i x_i')`` restricted to those rows and columns.
    Tibshirani and Taylor's degrees of freedom of the lasso, ``rank(X_A)``, and the most
    ``tr(H_AA (H_AA + P_AA)^-1)`` can be for any L2 part ``P``."""
    n, d = X.shape
    Z = (X - X.mean(0)) / X.std(0)  # the rank is the same on any affine rescaling
    P = clf.predict_proba(X)
    K = P.shape[1]
    Za = np.column_stack([np.ones(n), Z])
    H = np.zeros((K * (d + 1), K * (d + 1)))
    for i in range(n):
        H += np.kron(np.diag(P[i]) - np.outer(P[i], P[i]), np.outer(Za[i], Za[i]))
    kept = np.column_stack([np.ones(K, dtype=bool), clf.coef_ != 0]).ravel()
    H = H[np.ix_(kept, kept)]
    return int(np.linalg.matrix_rank(H, tol=1e-9 * np.abs(H).max()))


def test_multinomial_ridge_without_hessian_counts_every_term_and_saves(tmp_path, capsys):
    """``oneneuron train digits.parquet --target digit --alpha 0.001`` fitted, then
    refused to write the model ('extra.edf must be ... between 0 and the number of
    coefficients, not 619.0'): inference='auto' skipped the Hessian (n p^2 > 1e8), and a
    ridge fit without its Hessian took an elastic net's fallback, the count of its
    softmax's K-block parameters (619 for 10 classes of 61 varying pixels), above the
    model's 585 free ones; AIC and df_resid counted them too. As documented, a ridge fit
    without its Hessian counts every term: MNLogit's ``df_model + K - 1`` (28 on wine;
    41 before)."""
    X, y = _wine()
    clf = NeuronClassifier(alpha=0.01, solver="lbfgs", inference=False).fit(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X))  # its counts need no fit
    k = ref.df_model + ref.J - 1  # 2 * 13 slopes + 2 intercepts
    assert k == 28
    res = clf.inference_
    assert res.model_df == k
    assert clf.df_resid_ == pytest.approx(len(y) - k, rel=1e-12)
    assert clf.aic_ == pytest.approx(-2 * clf.log_likelihood_ + 2 * k, rel=1e-12)
    path = tmp_path / "wine.json"
    clf.save(path)
    back = load(path)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.aic_ == clf.aic_
    # the command line's train (digits' fit skipped the Hessian by itself)
    table = tmp_path / "wine.csv"
    pd.DataFrame(X, columns=[f"x{j}" for j in range(13)]).assign(cultivar=y).to_csv(
        table, index=False
    )
    model = tmp_path / "cli.json"
    code, out, err = run(
        [
            "train", table, "--target", "cultivar", "--model", model, "--alpha", "0.01",
            "--solver", "lbfgs", "--inference", "never", "-q",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert load(model).aic_ == pytest.approx(clf.aic_, rel=1e-6)


def test_multinomial_elastic_net_without_hessian_counts_the_rank_of_its_kept_terms(tmp_path):
    """A softmax elastic net without its Hessian counted its kept coefficients and
    intercepts less one (33 of 31 non-zeros on wine at l1_ratio 0.2), more than the 28
    free parameters of the model, and could not be saved. A feature kept in every class
    moves the K logits together along one direction the likelihood does not see (as the
    intercepts do), so the kept terms span ``rank(H_AA)`` (the lasso's degrees of freedom,
    Tibshirani and Taylor; the bound of the trace the fit reports with its Hessian).
    Oracle: that rank, from the Hessian written out."""
    X, y = _wine()
    for l1_ratio in (0.2,):
        clf = NeuronClassifier(alpha=0.01, l1_ratio=l1_ratio, inference=False).fit(X, y)
        everywhere = int((clf.coef_ != 0).all(axis=0).sum())
        assert everywhere > 0  # the case: features kept in all three classes
        rank = _softmax_hessian_rank(clf, X)
        assert rank <= 28
        assert clf.inference_.model_df == rank
        assert clf.df_resid_ == pytest.approx(len(y) - rank, rel=1e-12)
        with_hessian = NeuronClassifier(alpha=0.01, l1_ratio=l1_ratio).fit(X, y)
        assert with_hessian.inference_.model_df <= rank  # the trace, below its bound
        clf.save(tmp_path / f"enet{l1_ratio}.json")


def _fair(n: int = 400) -> pd.DataFrame:
    """statsmodels' Fair (1978) affairs survey, ``n`` rows spread over its 6 366 (sorted
    by the outcome): occupation is a code 1-6, religiousness 1-4; ``aff`` whether any
    affair was reported."""
    d = sm.datasets.fair.load_pandas().data
    d = d.iloc[np.linspace(0, len(d) - 1, n).astype(int)].reset_index(drop=True)
    return pd.DataFrame(
        {
            "occupation": d["occupation"].astype("Int64"),  # nullable, as a database exports
            "religious": (d["religious"] > 2).astype("boolean"),
            "age": d["age"],
            "aff": np.where(d["affairs"] > 0, "yes", "no"),
        }
    )


def test_cli_reads_nullable_integer_and_boolean_parquet_columns_as_categories(tmp_path, capsys):
    """``train data.parquet --categorical occupation`` (or ``--cluster occupation``), and
    ``predict`` with a model whose column is categorical, stopped with a traceback
    ('TypeError: Invalid value ... for dtype Int64') when the Parquet column was a
    nullable Int64 or boolean, as pandas writes them: the text those columns are read as
    was written into the column's own nullable dtype. Oracle: the Python API on the same
    table with the codes as a pandas Categorical, which R's factor() and statsmodels'
    C() code the same way (checked against statsmodels' Logit)."""
    df = _fair()
    data = tmp_path / "fair.parquet"
    df.to_parquet(data)
    model = tmp_path / "m.json"
    argv = ["train", data, "--target", "aff", "--model", model, "-q"]
    code, _, err = run([*argv, "--categorical", "occupation", "religious"], capsys)
    assert code == 0, err
    coded = df.assign(
        occupation=pd.Categorical(df["occupation"].astype(int)),
        religious=df["religious"].astype(bool),  # one 0/1 column, as factor(religious)'s
    )
    ref = NeuronClassifier().fit(coded[["occupation", "religious", "age"]], df["aff"])
    back = load(model)
    names = [n.replace("[T.True]", "") for n in back.feature_names_out_]
    assert names == ref.feature_names_out_.tolist()
    np.testing.assert_allclose(back.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    smf = pytest.importorskip("statsmodels.formula.api")
    logit = smf.logit(
        "y ~ C(occupation) + C(religious) + age", coded.assign(y=(df["aff"] == "yes") * 1)
    ).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(
        ref.intercept_, logit.params["Intercept"], rtol=1e-6
    )  # the same model as R's and statsmodels'
    # predict on the same Parquet file (nullable columns, a missing cell in one)
    df.loc[3, "occupation"] = pd.NA
    df.to_parquet(data)
    out = tmp_path / "p.csv"
    code, _, err = run(["predict", model, data, "--out", out, "-q"], capsys)
    assert code == 1 and "Traceback" not in err and "'occupation'" in err, err
    df.drop(index=3).to_parquet(data)
    code, _, err = run(["predict", model, data, "--out", out, "-q"], capsys)
    assert code == 0, err
    expect = ref.predict_proba(coded.drop(index=3)[["occupation", "religious", "age"]])
    np.testing.assert_allclose(pd.read_csv(out)["proba_yes"], expect[:, 1], rtol=1e-12)
    # a cluster column read as text
    code, _, err = run(
        [*argv, "--force", "--features", "age", "--cov-type", "cluster", "--cluster", "occupation"],
        capsys,
    )
    assert code == 0, err


@pytest.mark.parametrize("scoring", ["f1", "average_precision"])
def test_cv_scorer_of_a_positive_class_on_text_labels_says_which_class_to_name(scoring):
    """``NeuronClassifierCV(scoring="f1").fit(X, y)`` with labels 'no'/'yes' stopped with
    scikit-learn's 'pos_label=1 is not a valid label', a keyword the user never passed.
    The error now says that the scorer scores one class as positive and shows the
    scorer that names it; that scorer then gives what the named scorer gives on the
    labels coded 0/1 (the same folds: they are drawn from the class order)."""
    from oneneuron import NeuronClassifierCV

    df = _fair(300)
    X, y = df[["age"]].assign(religious=df["religious"].astype(bool)), df["aff"]
    cv = NeuronClassifierCV(cv=3, n_alphas=4, scoring=scoring)
    with pytest.raises(ValueError, match="positive") as info:
        cv.fit(X, y)
    message = str(info.value)
    assert "pos_label='yes'" in message and "\n" not in message
    # the scorer the message shows, built as written there
    import sklearn.metrics

    shown = message.split("scoring=", 1)[1].split(" (", 1)[0].rstrip(",;")
    scorer = eval(shown, {"sklearn": sklearn})  # noqa: S307 - our own message
    named = NeuronClassifierCV(cv=3, n_alphas=4, scoring=scorer).fit(X, y)
    coded = NeuronClassifierCV(cv=3, n_alphas=4, scoring=scoring).fit(X, (y == "yes") * 1)
    np.testing.assert_allclose(named.scores_, coded.scores_, rtol=1e-12)


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_model_given_as_an_option_says_it_goes_by_position(tmp_path, capsys, command):
    """``oneneuron evaluate --model m.json data.csv`` (train takes ``--model``; predict and
    evaluate take the model first, by position) answered 'unrecognized arguments: --model
    (did you mean --decimal?)': an option nobody meant. The usage error now says that
    MODEL is given by position and shows the command's order."""
    argv = [command, "--model", tmp_path / "m.json", tmp_path / "d.csv"]
    if command == "predict":
        argv += ["--out", tmp_path / "p.csv"]
    with pytest.raises(SystemExit) as exit_:
        run(argv, capsys)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("error:") == 1, err
    line = err.splitlines()[-1]
    assert "--decimal" not in line, line
    assert f"MODEL is given by position, not as --model: oneneuron {command} MODEL DATA" in line
    assert not (tmp_path / "p.csv").exists()


def test_margeff_of_a_table_model_checks_the_table_as_predict_does():
    """``margeff(X)`` of a model fitted on a table skipped the checks every prediction
    makes of X: a table with a repeated column name (two 'age' columns after a rename)
    stopped with "AttributeError: 'DataFrame' object has no attribute 'dtype'", a table
    without rows with NumPy's 'cannot reshape array of size 0', and a polars LazyFrame
    was told to be a table (a path's ``predict_proba`` likewise, the LazyFrame 'X must be
    numeric'). Each now gets predict's own one-line error; the table as given still
    gives statsmodels' average marginal effects."""
    smf = pytest.importorskip("statsmodels.formula.api")
    df = _fair(300).astype({"religious": float})
    X = df[["age", "religious"]].assign(job=np.where(df["occupation"] >= 4, "white", "blue"))
    clf = NeuronClassifier().fit(X, df["aff"])  # a table with text: coded by design_
    twice = pd.concat([X, df[["religious"]].rename(columns={"religious": "age"})], axis=1)
    for bad, match in [(twice, "repeated column name"), (X.iloc[:0], "0 sample")]:
        with pytest.raises(ValueError, match=match) as info:
            clf.predict_proba(bad)
        with pytest.raises(ValueError) as got:
            clf.margeff(bad)
        assert str(got.value) == str(info.value)
    pl = pytest.importorskip("polars")
    with pytest.raises(ValueError, match=r"LazyFrame.*collect\(\)"):
        clf.margeff(pl.from_pandas(X).lazy())
    # the same checks in a regularization path's predictions
    path = regularization_path(X, df["aff"], n_alphas=3)
    with pytest.raises(ValueError, match="repeated column name"):
        path.predict_proba(twice, alpha=path.alphas[1])
    with pytest.raises(ValueError, match=r"LazyFrame.*collect\(\)"):
        path.predict_proba(pl.from_pandas(X).lazy(), alpha=path.alphas[1])
    ref = smf.logit("y ~ C(job) + age + religious", X.assign(y=(df["aff"] == "yes") * 1))
    ame = ref.fit(disp=0, tol=1e-12).get_margeff().summary_frame()["dy/dx"]
    ours = clf.margeff(X)["dy_dx"]  # the numeric variables' derivatives, as statsmodels'
    np.testing.assert_allclose(ours[["age", "religious"]], ame[["age", "religious"]], rtol=1e-6)
