"""Defects found by a new user's journey on R's classic data sets with published glm
outputs (MASS's birthwt, Pima.tr/Pima.te and Cars93; esoph, infert, UCBAdmissions, Titanic
and mtcars from R's datasets), each checked against an independent oracle. The tests use
small synthetic stand-ins of those tables (nothing is read from outside the repository)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import fail, run


def _birthwt_like(n=120, seed=0):
    """MASS's birthwt in small, as V&R code it: a race factor, booleans, a "Yes"/"No" target."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["white", "black", "other"], n)
    df = pd.DataFrame(
        {
            "age": rng.integers(15, 40, n),
            "lwt": rng.integers(90, 250, n),
            "race": race,
            "smoke": rng.random(n) < 0.4,
        }
    )
    z = 1.0 - 0.012 * df.lwt + 0.8 * (race == "black") + 0.7 * df.smoke
    df["low"] = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "Yes", "No")
    return df


def test_evaluate_names_unseen_categories_once(tmp_path, capsys):
    """``evaluate`` on a new birthwt file with a race never seen in training printed the
    'categories not seen in training' warning twice (the CLI's own line, then the same
    message again from the goodness-of-fit step's transform of the same rows), where the
    README promises one ``warning:`` line per distinct message; ``predict`` printed it once.
    The oracle: the count of the line in predict's standard error on the same file."""
    df = _birthwt_like()
    df.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "train.csv", "--target", "low", "--model", model]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    new = df.head(6).copy()
    new.loc[0, "race"] = "asian"
    new.to_csv(tmp_path / "new.csv", index=False)
    argv = ["predict", model, tmp_path / "new.csv", "--out", tmp_path / "p.csv"]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    once = err.count("categories not seen in training")
    assert once == 1, err
    for extra in ([], ["--json"]):
        code, _, err = run(["evaluate", model, tmp_path / "new.csv", *extra], capsys)
        assert code == 0, err
        assert err.count("categories not seen in training") == once, err


def _warned_here(call):
    """The warnings ``call()`` gave, as (category name, file) pairs."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert caught, "no warning"
    return [(w.category.__name__, w.filename) for w in caught]


def test_warnings_point_at_the_users_line_through_every_entry_point():
    """Cars93 in small (Type ~ Origin, no large car built outside the USA): the separation
    warning of ``oneneuron.logit(...)`` pointed into ``classifier/_logit.py`` (a fixed
    ``stacklevel`` counted fit's frames, not logit's one more), and the unseen-level warning
    of ``predict``, ``predict_proba``, ``predict_log_proba`` and ``score`` into
    ``_estimator.py`` (they call ``decision_function``'s path one frame deeper), so a user
    could not tell which line of theirs warned. The oracle: Python's own rule for
    ``stacklevel``, the file of the caller (this test) as ``fit``'s warning already gave."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"Price": rng.normal(20, 5, 60), "Origin": rng.choice(["USA", "non-USA"], 60)}
    )
    df["Large"] = np.where(
        (df.Origin == "USA") & (rng.random(60) < 0.5), "Yes", "No"
    )  # no large car built outside the USA: quasi-complete separation
    here = __file__
    for category, where in _warned_here(lambda: oneneuron.logit("Large ~ Price + Origin", df)):
        assert (category, where) == ("SeparationWarning", here)
    for category, where in _warned_here(
        lambda: oneneuron.NeuronClassifier(formula="Large ~ Price + Origin").fit(df)
    ):
        assert (category, where) == ("SeparationWarning", here)
    model = oneneuron.logit("Large ~ Price + g", df.assign(g=rng.choice(["a", "b"], 60)))
    new = df.head(3).assign(g="zz")
    for name in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        found = _warned_here(lambda name=name: getattr(model, name)(new))
        assert found == [("UnknownCategoryWarning", here)], (name, found)
    found = _warned_here(lambda: model.score(new, new.Large))
    assert found == [("UnknownCategoryWarning", here)], found


def _admissions_like():
    """UCBAdmissions in small: one row per (Gender, Dept, Admit) cell and its count."""
    rows = []
    rates = {"A": 0.65, "B": 0.6, "C": 0.35, "D": 0.33, "E": 0.25, "F": 0.07}
    sizes = {"A": 90, "B": 60, "C": 70, "D": 60, "E": 40, "F": 60}
    for g, shift in (("Female", 0.03), ("Male", -0.02)):
        for d, rate in rates.items():
            admitted = int(round(sizes[d] * (rate + shift)))
            rows.append((g, d, "Admitted", admitted))
            rows.append((g, d, "Rejected", sizes[d] - admitted))
    return pd.DataFrame(rows, columns=["Gender", "Dept", "Admit", "Freq"])


def test_cv_on_a_table_of_counts_chooses_as_the_rows_written_out():
    """``NeuronClassifierCV`` on UCBAdmissions' 24 cells with ``sample_weight=Freq`` drew its
    folds over the 24 table rows: a fold held out a whole cell (all its admitted, say),
    which then left the training rows at once, and the CV chose the intercept-only model
    (held-out log-loss 0.724) where the 4526 rows written out chose five non-zero
    coefficients (0.574). With ``split_counts=True`` the folds are drawn over the counted
    rows. The oracle: the same splitter on the table written out row by row (the same
    folds of the same rows): the same scores and the same choice."""
    from sklearn.model_selection import StratifiedKFold

    t = _admissions_like()
    rows = t.loc[t.index.repeat(t.Freq)].reset_index(drop=True)
    splitter = StratifiedKFold(5, shuffle=True, random_state=0)
    kw = {"cv": splitter, "n_alphas": 20}
    out = oneneuron.NeuronClassifierCV(**kw).fit(rows[["Gender", "Dept"]], rows.Admit)
    cells = oneneuron.NeuronClassifierCV(**kw).fit(
        t[["Gender", "Dept"]], t.Admit, sample_weight=t.Freq, split_counts=True
    )
    np.testing.assert_allclose(
        cells.cv_results_["mean_test_score"], out.cv_results_["mean_test_score"], rtol=1e-9
    )
    assert cells.alpha_ == pytest.approx(out.alpha_, rel=1e-12)
    np.testing.assert_allclose(cells.coef_, out.coef_, atol=1e-8)
    # counts that are not whole numbers, and folds given as index pairs, are refused
    with pytest.raises(ValueError, match="whole-number counts"):
        oneneuron.NeuronClassifierCV(**kw).fit(
            t[["Gender", "Dept"]], t.Admit, sample_weight=t.Freq + 0.5, split_counts=True
        )
    pairs = [(np.arange(12, 24), np.arange(12)), (np.arange(12), np.arange(12, 24))]
    with pytest.raises(ValueError, match="not \\(train, test\\) pairs"):
        oneneuron.NeuronClassifierCV(cv=pairs).fit(
            t[["Gender", "Dept"]], t.Admit, sample_weight=t.Freq, split_counts=True
        )


def test_train_cv_with_count_weights_is_the_cv_of_the_rows_written_out(tmp_path, capsys):
    """``train --cv 5 --weights Freq`` on a table of counts chose the intercept-only model
    (folds of table rows, above) and printed a 'training accuracy' that ignored the
    weights (0.5000 on UCBAdmissions: half the cells, where the counted rows give 0.6123),
    while a plain ``train --weights`` counts them. The oracle: ``train --cv 5`` on the
    table written out row by row: the same alpha, the same coefficients, the same
    accuracy."""
    import json

    t = _admissions_like()
    t.to_csv(tmp_path / "cells.csv", index=False)
    rows = t.loc[t.index.repeat(t.Freq)].drop(columns="Freq")
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = {}
    for name, extra in (("cells", ["--weights", "Freq"]), ("rows", [])):
        model = tmp_path / f"{name}.json"
        argv = ["train", tmp_path / f"{name}.csv", "--target", "Admit", "--model", model]
        code, text, err = run([*argv, "--cv", "5", *extra], capsys)
        assert code == 0, err
        acc = [line for line in text.splitlines() if "training accuracy" in line]
        out[name] = (json.loads(model.read_text()), acc)
    cells, rows_fit = out["cells"][0], out["rows"][0]
    assert out["cells"][1] == out["rows"][1]
    assert cells["objective"]["alpha"] == pytest.approx(rows_fit["objective"]["alpha"], rel=1e-12)
    np.testing.assert_allclose(cells["coef"], rows_fit["coef"], atol=1e-7)
    assert np.count_nonzero(cells["coef"]) > 0  # not the intercept-only model


def test_missing_words_message_does_not_claim_r_reads_none_as_missing(tmp_path, capsys):
    """MASS's Cars93 as R writes it: ``AirBags`` has a level ``None``. train read it as
    missing (pandas' convention) and said the cells 'count as missing, as in pandas and
    R', but R's ``read.csv`` (``na.strings = "NA"``) reads ``None`` as a level. The oracle:
    R's documented default, which leaves ``NA`` alone as missing; for ``NA`` the message
    still says R agrees."""
    rng = np.random.default_rng(3)
    bags = rng.choice(["None", "Driver only", "Driver & Passenger"], 40)
    price = rng.normal(20, 5, 40).round(1).astype(object)
    price[5] = "NA"
    t = pd.DataFrame({"AirBags": bags, "Price": price, "USA": rng.choice(["Yes", "No"], 40)})
    t.to_csv(tmp_path / "cars.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "cars.csv", "--target", "USA", "--model", model]
    err = fail([*argv, "--features", "AirBags"], capsys, "'None'")
    assert "as in pandas and R" not in err and "'NA' only" in err, err
    err = fail([*argv, "--features", "Price"], capsys, "'NA'")
    assert "as in pandas and R" in err, err


def test_train_offers_categorical_for_numbers_with_a_text_level(tmp_path, capsys):
    """MASS's Cars93 ``Cylinders`` holds 3, 4, 5, 6, 8 and one ``rotary`` (a factor in R).
    ``train --formula 'Origin ~ Price + C(Cylinders)'`` said only 'fix it or leave it
    blank', where the Python API on the same table offers ``astype('category')`` and
    ``--categorical Cylinders`` fits it. The oracle: the Python error's advice, and the fit
    that the advised flag then gives (the same coefficients as Python on the column as a
    category)."""
    rng = np.random.default_rng(4)
    cyl = rng.choice(["4", "6", "8"], 60).astype(object)
    cyl[[7, 8]] = "rotary"
    price = rng.normal(20, 5, 60).round(1)
    origin = np.where(rng.random(60) < 1 / (1 + np.exp(-(price - 20) / 5)), "USA", "non-USA")
    origin[[7, 8]] = ["USA", "non-USA"]  # no level predicts the class perfectly
    t = pd.DataFrame({"Price": price, "Cylinders": cyl, "Origin": origin})
    t.to_csv(tmp_path / "cars.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "cars.csv", "--target", "Origin", "--model", model]
    formula = ["--formula", "Origin ~ Price + C(Cylinders)"]
    err = fail([*argv, *formula], capsys, "'rotary'")
    assert "--categorical Cylinders" in err, err
    with pytest.raises(oneneuron.tables.DataError, match="astype\\('category'\\)"):
        oneneuron.logit("Origin ~ Price + C(Cylinders)", t)
    code, _, err = run([*argv, *formula, "--categorical", "Cylinders"], capsys)
    assert code == 0, err
    python = oneneuron.logit(
        "Origin ~ Price + C(Cylinders)", t.assign(Cylinders=t.Cylinders.astype("category"))
    )
    np.testing.assert_allclose(oneneuron.load(model).coef_, python.coef_, rtol=1e-8)


def _cars_like(n=80, seed=5):
    """MASS's Cars93 in small, with R's dotted column names."""
    rng = np.random.default_rng(seed)
    t = pd.DataFrame({"Min.Price": rng.uniform(7, 45, n), "MPG.city": rng.integers(15, 46, n)})
    z = 2.0 - 0.8 * np.log(t["Min.Price"]) + 0.9 * (t["MPG.city"] > 22)
    t["usa"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return t


def test_r_dotted_names_in_transforms_fit_save_and_name_the_backticks(tmp_path):
    """Cars93's columns are R names with dots (``Min.Price``, ``MPG.city``). In a call,
    ``log(Min.Price)`` failed with formulaic's 'NameError: name 'Min' is not defined' and
    nothing more (Python reads the dot as an attribute); quoted, ``I(`MPG.city` > 20)``
    and ``I(`Min.Price` / 10)`` fitted but ``save`` refused them as transforms a model
    file cannot store, while ``log(`Min.Price`)`` and ``I(`Min.Price` ** 2)`` saved.
    Now the error names the backticks, and the comparisons and rescalings save and
    predict from the file as in memory. The oracle: statsmodels (patsy's ``Q()``) on the
    same formula."""
    import statsmodels.formula.api as smf

    t = _cars_like()
    with pytest.raises(ValueError, match=r"quote it with backticks, `(Min\.Price|MPG\.city)`"):
        oneneuron.logit("usa ~ np.log(Min.Price) + I(MPG.city > 22)", t)
    with pytest.raises(ValueError, match=r"backticks, `MPG\.city` \(C\(`MPG\.city`\)\)"):
        oneneuron.logit("usa ~ C(MPG.city)", t)  # the term as it would work
    fit = oneneuron.logit("usa ~ np.log(`Min.Price`) + I(`MPG.city` > 22) + I(`Min.Price` / 10)", t)
    ref = smf.logit(
        "usa ~ np.log(Q('Min.Price')) + I(Q('MPG.city') > 22) + I(Q('Min.Price') / 10)", t
    ).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(fit.predict_proba(t)[:, 1], ref.predict(t), rtol=1e-6)
    assert fit.log_likelihood_ == pytest.approx(ref.llf, rel=1e-9)
    fit.save(tmp_path / "m.json")
    loaded = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(loaded.predict_proba(t), fit.predict_proba(t), rtol=1e-12)
    for formula in ("usa ~ I(22 <= `MPG.city`)", "usa ~ np.log(`Min.Price` + 1)"):
        oneneuron.logit(formula, t).save(tmp_path / "more.json", overwrite=True)


def test_r_row_names_column_is_named_as_r_writes_it(tmp_path, capsys):
    """A CSV as R's ``write.csv`` exports MASS's Pima.tr (a first header cell ``""`` over
    quoted row names ``"1"``, ``"2"``, ...): the note guessed only 'the row index pandas
    writes unless index=False?', which a user of R's data cannot act on. It now names
    R's row names (``row.names=FALSE``) too; the column stays out of the features, so the
    model is the one without it (the oracle: the same table written without row names)."""
    rng = np.random.default_rng(6)
    glu = rng.normal(120, 30, 60).round()
    typ = np.where(rng.random(60) < 1 / (1 + np.exp(-(glu - 120) / 30)), "Yes", "No")
    lines = ['"","glu","type"'] + [
        f'"{i + 1}",{g:g},"{t}"' for i, (g, t) in enumerate(zip(glu, typ, strict=True))
    ]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n")
    pd.DataFrame({"glu": glu, "type": typ}).to_csv(tmp_path / "plain.csv", index=False)
    code, _, err = run(
        ["train", tmp_path / "r.csv", "--target", "type", "--model", tmp_path / "r.json"], capsys
    )
    assert code == 0, err
    assert "write.csv" in err and "row.names=FALSE" in err, err
    argv = ["train", tmp_path / "plain.csv", "--target", "type", "--model", tmp_path / "p.json"]
    assert run(argv, capsys)[0] == 0
    got, want = oneneuron.load(tmp_path / "r.json"), oneneuron.load(tmp_path / "p.json")
    np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-10)


def test_train_cv_with_counts_too_many_to_write_out_falls_back_with_a_note(tmp_path, capsys):
    """Counts beyond ``MAX_COUNTED_ROWS`` in all (a census table) are not written out to
    draw the folds: ``train --cv`` says so on a note and holds out table rows, rather than
    failing with the Python keyword ``split_counts=True`` in its error."""
    from oneneuron.classifier import MAX_COUNTED_ROWS

    t = _admissions_like()
    t["Freq"] = t["Freq"] * (MAX_COUNTED_ROWS // int(t["Freq"].sum()) + 1)
    t.to_csv(tmp_path / "cells.csv", index=False)
    argv = ["train", tmp_path / "cells.csv", "--target", "Admit", "--model", tmp_path / "m.json"]
    code, _, err = run([*argv, "--cv", "3", "--weights", "Freq"], capsys)
    assert code == 0, err
    assert "counts more than" in err and "split_counts" not in err, err
