"""Formulas with explicit contrasts in model files and ``train --formula``.

``C(g, Treatment('b'))``, ``C(g, Sum)``, ``C(g, Helmert)``, ``C(g, Poly)``,
``C(g, Diff)``, ``C(g, levels=[...])`` and R's ``contr.*`` spellings fitted in memory
and saved must predict the same probabilities after ``load`` and in ``oneneuron
predict``. Oracles: statsmodels' formula API (patsy) with the same formula, for the
coefficients and their order, and the in-memory model's predictions before save.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import run
from oneneuron import UnknownCategoryWarning
from oneneuron.modelfile import ModelFileError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 400
    g = rng.choice(["lo", "mid", "high", "top"], n)
    df = pd.DataFrame({"x": rng.normal(size=n).round(6), "g": g})
    effect = pd.Series(g).map({"lo": -0.6, "mid": 0.0, "high": 0.4, "top": 0.9}).to_numpy()
    z = 0.2 + 0.8 * df.x + effect - 0.3 * df.x * (g == "top")
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return df


# (ours, the same model in patsy's spelling, how patsy names our columns)
FORMULAS = [
    ("C(g, Treatment('mid'))", "C(g, Treatment('mid'))", {}),
    ("C(g, Treatment(reference='mid'))", "C(g, Treatment(reference='mid'))", {}),
    ("C(g, contr.treatment('top'))", "C(g, Treatment('top'))", {}),
    ("C(g, contr.treatment)", "C(g, Treatment)", {}),
    ("C(g, Sum)", "C(g, Sum)", {}),
    ("C(g, contr.sum)", "C(g, Sum)", {}),
    ("C(g, Helmert)", "C(g, Helmert)", {}),
    # patsy names a difference by its lower level, formulaic by its upper one
    ("C(g, Diff)", "C(g, Diff)", {"[D.lo]": "[D.high]", "[D.mid]": "[D.lo]", "[D.top]": "[D.mid]"}),
    ("C(g, Poly)", "C(g, Poly)", {"[.L]": ".Linear", "[.Q]": ".Quadratic", "[.C]": ".Cubic"}),
    ("C(g, levels=['top', 'lo', 'mid', 'high'])", "C(g, levels=['top', 'lo', 'mid', 'high'])", {}),
    (
        "C(g, Sum, levels=['top', 'lo', 'mid', 'high'])",
        "C(g, Sum, levels=['top', 'lo', 'mid', 'high'])",
        {},
    ),
    ("C(g, Sum) * x", "C(g, Sum) * x", {}),
]


def _patsy_name(ours: str, spelled: str, rename: dict[str, str], formula: str) -> str:
    name = ours.replace(formula, spelled)
    for a, b in rename.items():
        if name.endswith(a):
            return name[: -len(a)] + b
    return name


@pytest.mark.parametrize(("formula", "patsy", "rename"), FORMULAS, ids=[f[0] for f in FORMULAS])
def test_a_contrast_formula_saves_and_predicts_as_in_memory(data, tmp_path, formula, patsy, rename):
    """Each formula was refused by ``save`` ('uses a transform a model file cannot
    store'); the same model with ``reference=`` saved. Oracle: statsmodels' formula
    API for the coefficients and names, the in-memory fit for the loaded model."""
    import statsmodels.formula.api as smf

    rhs = formula if formula.endswith("* x") else f"{formula} + x"
    clf = oneneuron.logit(f"y ~ {rhs}", data, tol=1e-12)
    ref = smf.logit(f"y ~ {rhs.replace(formula, patsy)}", data).fit(disp=0, tol=1e-12)
    names = ["Intercept", *clf.feature_names_out_]
    spelled = formula.replace(" ", "")
    theirs = [re.sub(r"\s", "", str(p)) for p in ref.params.index]
    assert [
        _patsy_name(n.replace(" ", ""), patsy.replace(" ", ""), rename, spelled) for n in names
    ] == theirs
    np.testing.assert_allclose(clf.summary()["coef"], ref.params.to_numpy(), rtol=1e-6, atol=1e-8)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    assert back.feature_names_out_.tolist() == clf.feature_names_out_.tolist()
    np.testing.assert_allclose(back.predict_proba(data), clf.predict_proba(data), rtol=1e-12)
    # an unseen level: the one warning naming it, coded as in memory
    new = data.head(5).assign(g=["lo", "nowhere", "top", "mid", "high"])
    with pytest.warns(UnknownCategoryWarning, match="nowhere"):
        before = clf.predict_proba(new)
    with pytest.warns(UnknownCategoryWarning, match="nowhere"):
        after = back.predict_proba(new)
    np.testing.assert_allclose(after, before, rtol=1e-12)
    assert back.design_.reference_code("g") == clf.design_.reference_code("g")


def test_train_formula_with_contrasts_predicts_as_python(data, tmp_path, capsys):
    """``oneneuron train --formula`` with sum coding and a reference level wrote no
    model file (the formula could not be saved). Oracle: the Python fit of the same
    formula on the same CSV, and ``oneneuron predict`` against it."""
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    formula = "y ~ x + C(g, Sum) + x:C(g, Treatment('mid'))"
    model = tmp_path / "m.json"
    code, out, err = run(["train", path, "--formula", formula, "--model", model, "-q"], capsys)
    assert code == 0, err
    raw = pd.read_csv(path)
    py = oneneuron.logit(formula, raw)
    est = oneneuron.load(model)
    assert est.feature_names_out_.tolist() == py.feature_names_out_.tolist()
    np.testing.assert_allclose(est.predict_proba(raw), py.predict_proba(raw), rtol=1e-5)
    code, out, err = run(["predict", model, path, "--out", tmp_path / "p.csv", "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(
        pd.read_csv(tmp_path / "p.csv")["proba_1"], est.predict_proba(raw)[:, 1], rtol=1e-12
    )


def test_a_tampered_contrast_is_refused_on_load(data, tmp_path):
    """A stored contrast is what its term's name computes: a file whose ``C(g, Sum)``
    column holds other numbers (or another level's indicator) is refused by name."""
    import json

    clf = oneneuron.logit("y ~ x + C(g, Helmert)", data)
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    terms = doc["design"]["terms"]
    factor = next(f for t in terms for f in t["factors"] if "contrast" in f)
    factor["contrast"][0] += 0.5
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=r"C\(g, Helmert\)\[H\."):
        oneneuron.load(tmp_path / "bad.json")


def test_contrasts_of_a_saved_model_are_formulaics(data, tmp_path):
    """The stored numbers are the columns formulaic builds (its own oracle) for every
    coding, also with five levels (``Poly``'s ``^4``) and without an intercept."""
    from formulaic import model_matrix

    rng = np.random.default_rng(2)
    df = pd.DataFrame({"g": rng.choice(list("abcde"), 200), "x": rng.normal(size=200)})
    df["y"] = (rng.random(200) < 0.5).astype(int)
    forms = ("C(g, Poly)", "C(g, Helmert)", "C(g, Diff)", "0 + C(g, Sum)", "C(g, Sum):x")
    for i, rhs in enumerate(forms):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = oneneuron.logit(f"y ~ {rhs}", df, max_iter=5)
        clf.save(tmp_path / f"m{i}.json")
        back = oneneuron.load(tmp_path / f"m{i}.json")
        mm = model_matrix(rhs, df)
        mm = mm.drop(columns=[c for c in mm.columns if c == "Intercept"])
        np.testing.assert_allclose(back.design_.transform(df), mm.to_numpy(), atol=1e-12)


NUMERIC_CODINGS = [
    "Treatment(3)",
    "Sum",
    "Treatment(reference=3)",
    "levels=[3, 1, 4, 2]",
    "Sum, levels=[3, 1, 4, 2]",
    "Helmert",
]


@pytest.mark.parametrize("coding", NUMERIC_CODINGS)
def test_a_contrast_of_a_numeric_column_saves(coding, tmp_path):
    """``C(dose, Treatment(3))``, ``C(dose, Sum)``, ``C(dose, levels=[3, 1, 4, 2])`` of a
    numeric column fitted (as statsmodels does) but could not be saved ('codes the
    numeric column with a contrast', said of levels= too); plain ``C(dose)`` could. They
    are refitted as the categorical of the column's numbers, as ``C(dose)`` is, and save:
    the names and coefficients are statsmodels' (patsy, same formula), and the loaded
    model predicts as the in-memory one, on the numbers as on the same numbers written
    as floats, and codes an unseen dose as it does, with the warning."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(4)
    df = pd.DataFrame({"dose": rng.integers(1, 5, 300), "x": rng.normal(size=300)})
    df["y"] = (rng.random(300) < 1 / (1 + np.exp(-0.4 * df.dose + 1 + df.x))).astype(int)
    formula = f"y ~ C(dose, {coding}) + x"
    clf = oneneuron.logit(formula, df, tol=1e-12)
    ref = smf.logit(formula, df).fit(disp=0, tol=1e-12)
    theirs = [re.sub(r"\s", "", str(p)) for p in ref.params.index[1:]]
    assert [n.replace(" ", "") for n in clf.feature_names_out_] == theirs
    np.testing.assert_allclose(clf.summary()["coef"], ref.params.to_numpy(), rtol=1e-6, atol=1e-8)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    assert back.feature_names_out_.tolist() == clf.feature_names_out_.tolist()
    np.testing.assert_allclose(back.predict_proba(df), clf.predict_proba(df), rtol=1e-12)
    np.testing.assert_allclose(
        back.predict_proba(df.astype({"dose": float})), clf.predict_proba(df), rtol=1e-12
    )
    new = df.head(3).assign(dose=[2, 7, 4])
    with pytest.warns(UnknownCategoryWarning, match="7"):
        before = clf.predict_proba(new)
    with pytest.warns(UnknownCategoryWarning, match="7"):
        after = back.predict_proba(new)
    np.testing.assert_allclose(after, before, rtol=1e-12)


def test_train_formula_with_a_contrast_of_a_numeric_column(tmp_path, capsys):
    """``oneneuron train --formula 'y ~ C(dose, levels=[3, 1, 4, 2]) + x'`` on a CSV of
    numbers was refused before the fit (it said to read the column with --categorical);
    it writes the model, whose predictions are the Python fit's on the same CSV."""
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"dose": rng.integers(1, 5, 300), "x": rng.normal(size=300).round(6)})
    df["y"] = (rng.random(300) < 1 / (1 + np.exp(-0.4 * df.dose + 1 + df.x))).astype(int)
    path, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    formula = "y ~ C(dose, levels=[3, 1, 4, 2]) + x"
    code, _, err = run(["train", path, "--formula", formula, "--model", model, "-q"], capsys)
    assert code == 0, err
    py = oneneuron.logit(formula, pd.read_csv(path))
    est = oneneuron.load(model)
    assert est.feature_names_out_.tolist() == py.feature_names_out_.tolist()
    np.testing.assert_allclose(est.predict_proba(df), py.predict_proba(df), rtol=1e-5)


def test_a_numeric_column_coded_and_also_a_number_names_the_way_to_save_it(tmp_path):
    """``dose + C(dose, Sum):x`` uses the column both ways, which a model file cannot
    store: the refusal names that (it said 'with a contrast', and to make the column
    text, which would break the numeric use). Oracle: the column copied under another
    name saves, and predicts as the in-memory fit."""
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"dose": rng.integers(1, 5, 300), "x": rng.normal(size=300)})
    df["y"] = (rng.random(300) < 1 / (1 + np.exp(-0.4 * df.dose + 1 + df.x))).astype(int)
    clf = oneneuron.logit("y ~ dose + C(dose, Sum):x", df)
    with pytest.raises(ModelFileError, match=r"also uses it in another way.*another name"):
        clf.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
    copied = df.assign(level=df.dose)
    same = oneneuron.logit("y ~ dose + C(level, Sum):x", copied)
    same.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(copied), clf.predict_proba(df), rtol=1e-9)


@pytest.mark.parametrize("degree", [2, 3])
def test_poly_saves_and_predicts_as_in_memory_inside_and_beyond_the_range(data, tmp_path, degree):
    """``poly(x, k)`` (R's orthogonal polynomials) fitted and predicted in memory but
    ``save`` refused it. Its basis is stored as the recurrence's training numbers. Oracles:
    the in-memory model (also beyond the training range, where a polynomial is defined),
    statsmodels' fit of the raw powers ``x + I(x**2) ...`` (the same span: the same
    probabilities), and the marginal effects of that raw-power fit."""
    import statsmodels.formula.api as smf

    rhs = f"poly(x, {degree}) + C(g, Sum)"
    clf = oneneuron.logit(f"y ~ {rhs}", data, tol=1e-12)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    assert back.feature_names_out_.tolist() == clf.feature_names_out_.tolist()
    new = data.head(6).assign(x=[-8.0, -2.5, 0.0, 0.3, 2.5, 9.0])
    np.testing.assert_allclose(back.predict_proba(new), clf.predict_proba(new), rtol=1e-10)
    powers = " + ".join(["x"] + [f"I(x**{k})" for k in range(2, degree + 1)])
    ref = smf.logit(f"y ~ {powers} + C(g, Sum)", data).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(back.predict_proba(data)[:, 1], ref.predict(data), rtol=1e-6)
    same = oneneuron.logit(f"y ~ {powers} + C(g, Sum)", data, tol=1e-12)
    cols = ["dy_dx", "std_err"]
    np.testing.assert_allclose(back.margeff(data)[cols], same.margeff(data)[cols], rtol=1e-5)


@pytest.mark.parametrize(
    "term", ["C(b)", "C(b, Sum)", "C(b, Treatment(True))", "C(b, Helmert)", "C(b):x"]
)
def test_a_boolean_column_coded_as_a_factor_saves(term, tmp_path):
    """``y ~ x + C(b)`` of a boolean column (R's ``factor(b)`` of a logical) could not be
    saved, with a message that it 'also uses it as a number' (it did not). Each coding of
    a boolean is a line in its 0/1 value. Oracles: statsmodels' formula API (names and
    coefficients) and the in-memory predictions before save."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(9)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n), "b": rng.random(n) < 0.4})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df.x - 0.8 * df.b))).astype(int)
    formula = f"y ~ {term} + x"
    clf = oneneuron.logit(formula, df, tol=1e-12)
    ref = smf.logit(formula, df).fit(disp=0, tol=1e-12)
    assert ["Intercept", *clf.feature_names_out_] == list(ref.params.index)
    np.testing.assert_allclose(np.r_[clf.intercept_, clf.coef_[0]], ref.params, rtol=1e-6)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(df), clf.predict_proba(df), rtol=1e-12)


@pytest.mark.parametrize("coding", ["levels=[3, 1, 4, 2]", "Sum, levels=[3, 1, 4, 2]"])
def test_levels_of_a_numeric_column_with_missing_mean(coding):
    """``missing='mean'`` fills ``C(dose)`` of a numeric column by its most frequent level
    (a mean is no level), but with ``levels=[...]`` the first pass's mean (2.57) was
    refused as a value outside the levels before that refill ran, and formulaic's
    warning of it leaked. It fits, silently, as the table with the missing doses set to
    the most frequent one. Oracle: statsmodels (patsy) on that table."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(4)
    df = pd.DataFrame({"dose": rng.integers(1, 5, 300).astype(float), "x": rng.normal(size=300)})
    df["y"] = (rng.random(300) < 1 / (1 + np.exp(-0.4 * df.dose + 1 + df.x))).astype(int)
    df.loc[[3, 10, 40], "dose"] = np.nan
    formula = f"y ~ C(dose, {coding}) + x"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = oneneuron.logit(formula, df, missing="mean", tol=1e-12)
    mode = df.dose.mode()[0]
    ref = smf.logit(formula, df.fillna({"dose": mode})).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params.to_numpy(), rtol=1e-6, atol=1e-8)
    both = "y ~ C(dose, levels=[3, 1, 4, 2]) + dose:x"  # a number too: no refill
    with pytest.raises(oneneuron.tables.DataError, match="outside the levels="):
        oneneuron.logit(both, df, missing="mean")
