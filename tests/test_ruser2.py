"""An R user's habits, second round: R's spellings that must mean what R documents.

Oracles: R's documentation (``contr.treatment(n, base)``: ``base`` is "an integer
specifying which group is considered the baseline group"), and statsmodels' formula
API (patsy) fitted with the reference level R's spelling names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oneneuron
from oneneuron import NeuronClassifier


@pytest.fixture(scope="module")
def codes():
    """A numeric code column 0/1/2 (R's factor(g) of codes) and a binary target."""
    rng = np.random.default_rng(5)
    n = 300
    g = rng.choice([0, 1, 2], n)
    x = rng.normal(size=n).round(6)
    z = -0.3 + 0.7 * x + np.array([0.0, 0.8, -0.5])[g]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame({"y": y, "x": x, "g": g})


@pytest.mark.parametrize("spelled", ["contr.treatment(base=2)", "contr.treatment(2)"])
def test_contr_treatment_base_as_r_counts_it_is_not_read_as_a_level(codes, spelled):
    """R's ``contr.treatment(base=2)`` takes the 2nd level (here the code 1) as the
    reference; formulaic read the 2 as the level 2 and fitted against another reference,
    silently. Now that disagreement is one error naming both readings."""
    with pytest.raises(ValueError, match=r"2nd level.*Treatment\(1\).*Treatment\(2\)"):
        NeuronClassifier(formula=f"y ~ x + C(g, {spelled})").fit(codes)
    with pytest.raises(ValueError, match=r"Treatment\(1\)"):
        oneneuron.logit(f"y ~ x + C(g, {spelled})", codes)


def test_contr_treatment_base_where_r_and_the_level_agree_fits(codes):
    """Codes 1, 2, 3: the 2nd level is the level 2 both ways; the fit is patsy's."""
    smf = pytest.importorskip("statsmodels.formula.api")
    df = codes.assign(g=codes.g + 1)
    ours = NeuronClassifier(formula="y ~ x + C(g, contr.treatment(base=2))").fit(df)
    ref = smf.logit("y ~ x + C(g, Treatment(2))", df).fit(disp=0, tol=1e-12)
    coef = np.r_[ours.intercept_, ours.coef_.ravel()]
    np.testing.assert_allclose(sorted(coef), sorted(ref.params), rtol=1e-6, atol=1e-9)


def test_contr_treatment_base_outside_the_levels_names_rs_level(codes):
    """Codes 4, 6, 8 (cyl): base=2 is no level; the message gives R's reading, the 6."""
    df = codes.assign(g=2 * codes.g + 4)
    with pytest.raises(ValueError, match=r"2nd level.*Treatment\(6\)"):
        NeuronClassifier(formula="y ~ x + C(g, contr.treatment(base=2))").fit(df)


def test_treatment_reference_outside_the_levels_lists_them_in_order(codes):
    """The hint lists a numeric column's levels in the coding's order (sorted), as
    R's levels() prints them; it listed them in order of appearance (8, 4, 6)."""
    df = codes.assign(g=(2 * codes.g + 4)[::-1].to_numpy())
    df.loc[0, "g"] = 8
    with pytest.raises(ValueError, match=r"the levels of 'g' are 4, 6, 8"):
        NeuronClassifier(formula="y ~ x + C(g, Treatment(2))").fit(df)
