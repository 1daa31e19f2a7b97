"""A hostile user of what landed in the stop that built the factored robust covariances,
the wording helper, evaluate --json's coefficients and their neighbours: edge inputs
checked against an independent oracle (statsmodels, scikit-learn, closed forms) or one
clear error."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from _cli import run  # noqa: E402


def test_evaluate_json_names_the_reference_class_its_rows_are_against(tmp_path, capsys):
    """evaluate --json's ``coefficients`` had ``reference_class: null`` without
    --reference-class, though its rows (and its own caption) are against the first class
    in sorted order: a reader of the JSON could not tell which class the rows compare
    with. It names that class; the rows are statsmodels' MNLogit with it first (and the
    binary table's reference is the first class, as the caption says)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    n = 240
    df = pd.DataFrame({"x": rng.normal(size=n)})
    z = np.column_stack([np.zeros(n), 0.4 + df.x, -0.2 - df.x])
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    k = (rng.random(n)[:, None] > np.cumsum(p, 1)).sum(1)
    df["y"] = np.array(["hi", "lo", "mid"])[k]
    path, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    assert run(["train", path, "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    code, out, _ = run(["evaluate", model, path, "--json"], capsys)
    assert code == 0
    got = json.loads(out)["coefficients"]
    assert got["reference_class"] == "hi"
    ref = sm.MNLogit(k, sm.add_constant(df[["x"]].to_numpy())).fit(
        disp=0, method="newton", tol=1e-12
    )
    coef = {(r["class"], r["term"]): r["coef"] for r in got["rows"]}
    np.testing.assert_allclose(
        [[coef[c, "intercept"], coef[c, "x"]] for c in ("lo", "mid")], ref.params.T, atol=1e-5
    )
    df["y"] = np.where(k == 1, "yes", "no")  # binary: the log-odds of 'yes' against 'no'
    df.to_csv(path, index=False)
    assert run(["train", path, "--target", "y", "--model", model, "-q", "--force"], capsys)[0] == 0
    got = json.loads(run(["evaluate", model, path, "--json"], capsys)[1])["coefficients"]
    assert got["reference_class"] == "no"
    b = sm.Logit((k == 1).astype(float), sm.add_constant(df[["x"]].to_numpy())).fit(disp=0)
    np.testing.assert_allclose([r["coef"] for r in got["rows"]], b.params, atol=1e-5)
