"""``oneneuron train --l1-ratio R --alpha A`` and ``train --cv K``: the command line face of L1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oneneuron
from oneneuron import NeuronClassifier, NeuronClassifierCV
from oneneuron.cli import main


@pytest.fixture()
def table(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)) * [1.0, 2.0, 0.5, 1.0, 3.0]
    y = np.where(X[:, 0] - 0.5 * X[:, 1] + rng.normal(size=300) > 0, "yes", "no")
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(5)])
    df["label"] = y
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    return path, df


def test_train_l1_writes_the_sparse_model(table, tmp_path, capsys):
    path, df = table
    model = tmp_path / "m.json"
    assert (
        main(
            [
                "train",
                str(path),
                "--target",
                "label",
                "--model",
                str(model),
                "--l1-ratio",
                "1",
                "--alpha",
                "0.05",
                "--quiet",
            ]
        )
        == 0
    )
    clf = oneneuron.load(model)
    ref = NeuronClassifier(alpha=0.05, l1_ratio=1.0).fit(df.drop(columns="label"), df["label"])
    assert clf.l1_ratio == 1.0
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-10)
    assert np.sum(clf.coef_ == 0) >= 2


def test_train_cv_prints_the_choice_and_saves_the_refit(table, tmp_path, capsys):
    path, df = table
    model = tmp_path / "m.json"
    assert main(["train", str(path), "--target", "label", "--model", str(model), "--cv", "4"]) == 0
    out = capsys.readouterr().out
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(4, shuffle=True, random_state=0)  # --cv's folds: see below
    cv = NeuronClassifierCV(cv=folds).fit(df.drop(columns="label"), df["label"])
    assert f"chosen (min): alpha {cv.alpha_:.4g}" in out
    assert "cross-validated 100 alphas" in out
    np.testing.assert_allclose(oneneuron.load(model).coef_, cv.coef_, atol=1e-10)


def test_train_cv_standard_error_is_the_1se_rules(table, tmp_path, capsys):
    """The "+/-" of ``train --cv`` is the standard error the 1se rule uses (glmnet's cvsd:
    the folds' sample standard deviation over sqrt(K)), the one ``evaluate`` prints; it
    was the population one (sqrt((K - 1) / K) of it: 0.0073 against 0.0082 at K = 5)."""
    import statistics

    path, df = table
    model = tmp_path / "m.json"
    args = ["train", str(path), "--target", "label", "--model", str(model), "--cv", "4"]
    assert main([*args, "--cv-rule", "1se"]) == 0
    out = capsys.readouterr().out
    record = oneneuron.load(model).cv_record_
    mean = record.scores.mean(axis=1)[0]
    best = int(np.argmax(mean))
    se = statistics.stdev(record.scores[0, :, best]) / 4**0.5
    assert f"log-loss {-mean[best]:.4f} +/- {se:.4f} (std error)" in out
    chosen = record.chosen[1]  # evaluate describes the 1se rule's choice
    se = statistics.stdev(record.scores[0, :, chosen]) / 4**0.5
    assert main(["evaluate", str(model), str(path)]) == 0
    out = capsys.readouterr()
    assert f"+/- {se:.2g} (std error)" in out.out + out.err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--l1-ratio", "1.5"], "--l1-ratio must be in [0, 1]"),
        (["--cv", "5", "--alpha", "0.1"], "--cv chooses --alpha"),
        (["--cv", "1"], "--cv needs at least 2 folds"),
        (["--cv-rule", "1se"], "--cv-rule needs --cv K"),
        (["--cv", "3", "--firth"], "--firth"),
        (["--l1-ratio", "1"], "--l1-ratio needs --alpha"),
        (["--l1-ratio", "0.5", "--alpha", "0.1", "--solver", "lbfgs"], "--solver cd or auto"),
    ],
)
def test_bad_penalty_flags_are_one_error_line(table, tmp_path, capsys, flags, message):
    path, _ = table
    rc = main(
        ["train", str(path), "--target", "label", "--model", str(tmp_path / "m.json"), *flags]
    )
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("error:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.json").exists()


def test_report_of_a_cv_model_draws_its_path_and_curve(table, tmp_path, capsys):
    from _browser import PageErrors, chromium

    path, df = table
    model, report = tmp_path / "m.json", tmp_path / "r.html"
    argv = ["train", str(path), "--target", "label", "--model", str(model), "--cv", "3", "-q"]
    assert main(argv) == 0
    saved = oneneuron.load(model)
    assert saved.cv_record_.scores.shape == (1, 3, 100)
    assert main(["evaluate", str(model), str(path), "--report", str(report)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # folded at 100 columns
    assert f"model: {saved.cv_record_.describe()}" in out
    page = report.read_text()
    assert page.count('src="data:image/png;base64,') == 6
    assert saved.cv_record_.describe() in page and "chosen by 3-fold cross-validation" in page
    with chromium() as browser:
        tab = browser.new_page()
        errors = PageErrors(tab)
        tab.goto(report.as_uri())
        shown = tab.eval_on_selector_all(
            "img", "els => els.map(e => [e.alt, e.complete && e.naturalWidth > 0])"
        )
        errors.check()
    assert [alt for alt, ok in shown if ok][-2:] == ["coefficient path", "cross-validation curve"]
    assert all(ok for _, ok in shown)


def test_train_cv_on_text_columns_and_a_formula(tmp_path, capsys):
    rng = np.random.default_rng(5)
    n = 240
    df = pd.DataFrame({"x": rng.normal(size=n), "site": rng.choice(["a", "b", "c"], size=n)})
    df["y"] = np.where(df.x + (df.site == "c") + rng.normal(size=n) > 0.5, "pos", "neg")
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(data, index=False)
    formula = "y ~ x + C(site) + x:site"
    argv = ["train", str(data), "--formula", formula, "--model", str(model), "--cv", "3"]
    assert main([*argv, "--reference", "site=b", "--cv-rule", "1se"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # folded at 100 columns
    assert "on 240 rows, 5 model columns" in out
    table = pd.read_csv(data)
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(3, shuffle=True, random_state=0)  # --cv 3's folds
    cv = NeuronClassifierCV(cv=folds, formula=formula, reference={"site": "b"}, rule="1se")
    cv.fit(table, None)
    saved = oneneuron.load(model)
    assert list(saved.feature_names_out_) == list(cv.feature_names_out_)
    assert "C(site)[T.a]" in saved.feature_names_out_  # b is the reference
    assert saved.cv_record_.alpha == pytest.approx(cv.alpha_, rel=1e-12)
    np.testing.assert_allclose(saved.cv_record_.scores, cv.scores_, rtol=1e-9)
    np.testing.assert_allclose(saved.predict_proba(table), cv.predict_proba(table), rtol=1e-8)


@pytest.mark.parametrize("cv", [True, False])
def test_train_refuses_a_formula_it_cannot_save_before_fitting(
    cv, table, tmp_path, capsys, monkeypatch
):
    """A formula term outside the model file's allow-list (poly) is refused before the fit
    or the cross-validation runs, not after it (the run's time was lost, then an error)."""
    path, _ = table

    def no_fit(*args, **kwargs):
        raise AssertionError("the fit ran before the formula was checked")

    monkeypatch.setattr(NeuronClassifierCV, "fit", no_fit)
    monkeypatch.setattr(NeuronClassifier, "fit", no_fit)
    model = tmp_path / "m.json"
    args = [
        "train",
        str(path),
        "--model",
        str(model),
        "--formula",
        "label ~ poly(f0, 2, raw=True) + f1",
    ]
    args += ["--cv", "3"] if cv else ["--alpha", "0.01"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "poly(f0, 2, raw=True)" in err and "model file" in err
    assert not model.exists()


def test_train_relax_and_the_cli_words_for_the_missing_p_values(table, tmp_path, capsys):
    """An L1 model's evaluate (text and --json) says how to get p-values in the command
    line's words (--relax, not relax=True); train --relax gives the relaxed model, the
    same as the Python API's; --relax without an L1 fit is one clear error."""
    import json

    path, df = table
    base = ["train", str(path), "--target", "label", "--l1-ratio", "1", "--alpha", "0.05"]
    l1, relaxed = tmp_path / "l1.json", tmp_path / "relaxed.json"
    assert main([*base, "--model", str(l1), "--quiet"]) == 0
    assert main(["evaluate", str(l1), str(path)]) == 0
    text = capsys.readouterr().out
    assert main(["evaluate", str(l1), str(path), "--json"]) == 0
    reason = json.loads(capsys.readouterr().out)["inference"]["reason"]
    for said in (text, reason):
        assert "--relax" in said and "relax=True" not in said
    assert main([*base, "--model", str(relaxed), "--relax", "--quiet"]) == 0
    ref = NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(
        df.drop(columns="label"), df["label"]
    )
    got = oneneuron.load(relaxed)
    assert got.relax
    ours, theirs = got.summary(), ref.summary()  # the relaxed tables
    assert list(ours.index) == list(theirs.index) == ["intercept", "f0", "f1"]
    np.testing.assert_allclose(ours["coef"], theirs["coef"], rtol=1e-8)
    np.testing.assert_allclose(ours["p_value"], theirs["p_value"], rtol=1e-6)
    assert main(["evaluate", str(relaxed), str(path)]) == 0
    assert "RELAXED" in capsys.readouterr().out
    ridge = [*base[:4], "--model", str(tmp_path / "x.json")]  # no --l1-ratio: nothing to relax
    assert main([*ridge, "--relax"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --relax") and err.count("\n") == 1


def test_train_cv_keeps_max_iter(table, tmp_path):
    """--max-iter reaches the cross-validated paths and the refit (it was dropped silently)."""
    path, _ = table
    model = tmp_path / "m.json"
    flags = ["--cv", "3", "--max-iter", "7", "--quiet"]
    assert main(["train", str(path), "--target", "label", "--model", str(model), *flags]) == 0
    assert oneneuron.load(model).max_iter == 7


def test_evaluate_of_a_cv_model_advises_a_relax_command_that_runs(table, tmp_path, capsys):
    """'train again with --relax' alone is refused with --cv: the advice names the chosen
    --alpha and --l1-ratio, and that command works."""
    path, _ = table
    model = tmp_path / "m.json"
    argv = ["train", str(path), "--target", "label", "--model", str(model), "--cv", "3", "-q"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["evaluate", str(model), str(path)]) == 0
    out = capsys.readouterr().out
    saved = oneneuron.load(model)
    advice = f"--l1-ratio {saved.l1_ratio:g} --alpha {saved.alpha:.6g} --relax"
    assert advice in out, out
    relaxed = tmp_path / "r.json"
    argv = ["train", str(path), "--target", "label", "--model", str(relaxed), "-q"]
    assert main([*argv, *advice.split()]) == 0


@pytest.mark.parametrize("seed", [None, "7"])
def test_train_cv_draws_its_folds_at_random_not_in_file_order(table, tmp_path, capsys, seed):
    """A file sorted by a column (randhie's rows come in blocks of insurance plan) gave
    folds of consecutive rows: each fold tested on rows unlike the training ones, and
    --cv 5 on randhie chose the intercept-only model (CV log-loss 0.591, worse than the
    null model's 0.573; shuffled folds: 0.492 with all 9 columns). Folds are stratified
    and shuffled with --cv-seed (default 0), as glmnet's cv.glmnet draws foldid at
    random. Oracle: scikit-learn's StratifiedKFold(shuffle=True) with that seed."""
    from sklearn.model_selection import StratifiedKFold

    path, df = table
    df = df.sort_values("f0")
    df.to_csv(path, index=False)
    model = tmp_path / "m.json"
    flags = [] if seed is None else ["--cv-seed", seed]
    args = ["train", str(path), "--target", "label", "--model", str(model), "--cv", "4"]
    assert main([*args, *flags, "--quiet"]) == 0
    X, y = df.drop(columns="label"), df["label"]
    folds = StratifiedKFold(4, shuffle=True, random_state=int(seed or 0))
    ref = NeuronClassifierCV(cv=folds).fit(X, y)
    in_order = NeuronClassifierCV(cv=4).fit(X, y)
    saved = oneneuron.load(model).cv_record_
    np.testing.assert_allclose(saved.scores, ref.scores_, rtol=1e-9)
    assert not np.allclose(saved.scores, in_order.scores_, rtol=1e-3)
