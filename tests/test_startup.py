"""Start-up cost: the command line's parser and ``import oneneuron`` load no heavy library.

Checked by the modules loaded in a fresh interpreter, not by timing: scikit-learn,
numba, pandas, SciPy and matplotlib cost 0.2-1 s each to import, and they are
imported only by the code that uses them.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "numba", "matplotlib", "pandas", "scipy", "pyarrow", "dask", "torch")


def _loaded(code: str) -> list[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


@pytest.mark.parametrize(
    "code",
    [
        "import oneneuron",
        "import oneneuron.cli; oneneuron.cli.build_parser()",
        "from oneneuron.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    0",
    ],
)
def test_start_up_imports_no_heavy_library(code):
    assert _loaded(code) == []


def test_predicting_with_a_fitted_model_does_not_load_numba():
    code = (
        "import numpy as np\nfrom oneneuron import NeuronClassifier\n"
        "X = np.arange(20.0).reshape(10, 2); y = np.arange(10) % 2\n"
        "clf = NeuronClassifier.__new__(NeuronClassifier)\n"
        "NeuronClassifier.__init__(clf)\n"
        "clf.classes_ = np.array([0, 1]); clf.coef_ = np.ones((1, 2)); "
        "clf.intercept_ = np.zeros(1); clf.n_features_in_ = 2\n"
        "clf.predict_proba(X); clf.predict(X)"
    )
    assert "numba" not in _loaded(code)


def test_a_hundred_tiny_fits_do_not_load_numba():
    # the compiled tiny Newton loop is loaded only once the NumPy loop's time would pay
    # for numba's import (engines._numpy.tiny_newton_kernel): far beyond a hundred fits
    code = (
        "import numpy as np\nfrom oneneuron import NeuronClassifier\n"
        "X = np.linspace(-2, 2, 200)[:, None]; y = (np.sin(7 * X[:, 0]) > -X[:, 0]).astype(int)\n"
        "for _ in range(100):\n    NeuronClassifier().fit(X, y)"
    )
    assert "numba" not in _loaded(code)


def test_names_resolve_lazily_and_unknown_names_raise():
    import oneneuron

    assert oneneuron.NeuronClassifier.__name__ == "NeuronClassifier"
    assert "NeuronClassifier" in dir(oneneuron)
    with pytest.raises(AttributeError, match="no_such_name"):
        oneneuron.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    ("formula", "interval"), [(None, False), (None, True), ("y ~ a + np.log(b) + C(g)", False)]
)
def test_cli_predict_loads_no_scikit_learn_scipy_or_numba(tmp_path, formula, interval):
    """``oneneuron predict`` reads the model file into a NumPy-only predictor."""
    import numpy as np
    import pandas as pd

    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.standard_normal(60), "b": rng.uniform(1, 2, 60)})
    df["g"] = rng.choice(["u", "v", "w"], 60)
    df["y"] = (df["a"] + rng.standard_normal(60) > 0).astype(int)
    if formula is None:
        clf = NeuronClassifier().fit(df[["a", "b"]], df["y"])
    else:
        clf = NeuronClassifier(formula=formula).fit(df, None)
    clf.save(tmp_path / "m.json")
    df.drop(columns="y").to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "p.csv"
    flags = ", '--interval', '0.95'" if interval else ""
    code = (
        "from oneneuron.cli import main\n"
        f"rc = main(['predict', {str(tmp_path / 'm.json')!r}, {str(tmp_path / 'new.csv')!r}, "
        f"'--out', {str(out)!r}, '-q'{flags}])\n"
        "assert rc == 0, rc"
    )
    assert [m for m in _loaded(code) if m in ("sklearn", "scipy", "numba")] == []
    got = pd.read_csv(out)
    X = df.drop(columns="y") if formula else df[["a", "b"]]
    # the same numbers to the last few bits: the CLI encodes into a C-ordered array, where
    # pandas 3 gives a column selection in F order, and BLAS sums the two in other orders
    same = {"rtol": 1e-14, "atol": 0}
    np.testing.assert_allclose(got[["proba_0", "proba_1"]].to_numpy(), clf.predict_proba(X), **same)
    np.testing.assert_array_equal(got["prediction"].to_numpy(), clf.predict(X))
    if interval:
        ci = clf.predict_interval(X, 0.95)
        np.testing.assert_allclose(got[["ci_low", "ci_high"]], ci[["ci_low", "ci_high"]], **same)
