"""The estimators as a scikit-learn power user drives them, third round.

Oracles: ``LogisticRegression`` (the same model, behind scikit-learn's own coding of a
table where a table has text columns) and scikit-learn's own answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from oneneuron import NeuronClassifier, NeuronClassifierCV


def _table(n=240, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
            "k": rng.normal(size=n),
        }
    )
    y = (df.x + (df.c == "a") - 0.5 * df.k + rng.logistic(size=n) > 0).astype(int).to_numpy()
    return df, y


def _coded_lr():
    """``LogisticRegression`` behind scikit-learn's coding: ``c`` against its first level."""
    coder = make_column_transformer((OneHotEncoder(drop="first"), ["c"]), remainder="passthrough")
    return make_pipeline(coder, LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000))


@pytest.mark.parametrize("kind", ["polars", "pyarrow"])
@pytest.mark.parametrize("cls", [NeuronClassifier, NeuronClassifierCV])
def test_permutation_importance_on_a_polars_or_arrow_table_with_text(kind, cls):
    """``permutation_importance`` turns a table it cannot index (polars, Arrow) into an
    object array of its columns (``check_array(X, dtype=None)``), as scikit-learn's
    other tools read such a table by position. A model fitted on a table with a text
    column refused that array ("this model was fitted on a table: ... not a ndarray
    of 3 columns of dtype object"), so the importances of a polars or Arrow table's
    columns could not be had at all (a pandas frame's could). An object array of the
    table's own columns is now read by position, with scikit-learn's warning that it
    has no names; the importances are those of ``LogisticRegression`` behind
    scikit-learn's one-hot coding of the pandas frame."""
    pytest.importorskip(kind)
    df, y = _table()
    if kind == "polars":
        import polars as pl

        table = pl.from_pandas(df)
    else:
        import pyarrow as pa

        table = pa.Table.from_pandas(df, preserve_index=False)
    params = {"alphas": [1e-9], "l1_ratios": [0.0], "cv": 3} if cls is NeuronClassifierCV else {}
    model = cls(**params, standardize=False, tol=1e-12).fit(table, y)
    oracle = _coded_lr().fit(df, y)
    kw = {"n_repeats": 3, "random_state": 0, "scoring": "neg_log_loss"}
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        got = permutation_importance(model, table, y, **kw)
    want = permutation_importance(oracle, df, y, **kw)
    np.testing.assert_allclose(got.importances, want.importances, atol=1e-6)
    # the array of the table's columns predicts as the table does
    X_obj = df.to_numpy(dtype=object)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        P = model.predict_proba(X_obj)
    np.testing.assert_allclose(P, oracle.predict_proba(df), atol=1e-7)


@pytest.mark.parametrize("scoring", ["roc_auc_ovo", "roc_auc_ovo_weighted"])
def test_one_vs_one_auc_scores_the_folds_as_logistic_regression_cv(scoring):
    """scikit-learn's one-vs-one ROC AUC takes no ``sample_weight`` for K > 2 classes;
    ``NeuronClassifierCV`` handed every fold's scorer the held-out weights, ones when the
    user gave none, so ``scoring="roc_auc_ovo"`` failed on three classes ("sample_weight
    is not supported for multiclass one-vs-one ROC AUC") where ``LogisticRegressionCV``
    fits. Unit weights are now no weights: the fold scores and the chosen alpha equal
    ``LogisticRegressionCV``'s at ``C = 1 / (alpha n_train)``, the score scikit-learn's
    scorer's of ``LogisticRegression`` refitted at that alpha."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    X, y = make_classification(
        300,
        5,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        flip_y=0.2,
        random_state=0,
    )
    y = np.array(["ant", "bee", "cat"])[y]
    cv = StratifiedKFold(3)
    alphas = np.array([0.3, 0.03, 0.003])
    model = NeuronClassifierCV(
        cv=cv, alphas=alphas, l1_ratios=[0.0], standardize=False, scoring=scoring, tol=1e-12
    ).fit(X, y)
    n_train = len(y) * 2 // 3
    lr = LogisticRegressionCV(
        Cs=1 / (alphas * n_train),
        cv=cv,
        l1_ratios=(0.0,),
        scoring=scoring,
        tol=1e-12,
        max_iter=10_000,
        use_legacy_attributes=False,
    ).fit(X, y)
    np.testing.assert_allclose(model.scores_[0], lr.scores_.reshape(3, 3), atol=1e-9)
    assert model.alpha_ == pytest.approx(1 / (lr.C_ * n_train))
    # the score: the refit's (at the chosen alpha on all rows, C = 1 / (alpha n)) AUC
    refit = LogisticRegression(C=1 / (model.alpha_ * len(y)), tol=1e-12, max_iter=10_000)
    want = get_scorer(scoring)(refit.fit(X, y), X, y)
    assert model.score(X, y) == pytest.approx(want, abs=1e-9)


def test_a_decision_function_scorer_ranks_the_folds_by_the_logits():
    """A scorer that reads ``decision_function`` (``"average_precision"``: one class
    against the rest, ranked by its column) was handed log-probabilities on the
    held-out rows, the logits shifted by a different amount in every row, which rank
    otherwise: with three classes the fold scores differed from
    ``LogisticRegressionCV``'s by 0.042 (its ``decision_function`` and the refit's are
    the logits), so alpha was chosen on another number than ``score`` and
    ``cross_val_score`` report. The folds' stand-in now answers with the logits."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    X, y = make_classification(
        150,
        4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        flip_y=0.2,
        random_state=0,
    )
    cv, alphas = StratifiedKFold(3), np.array([0.1, 0.01])
    kw = {"cv": cv, "scoring": "average_precision", "tol": 1e-12}
    model = NeuronClassifierCV(alphas=alphas, l1_ratios=[0.0], standardize=False, **kw)
    model.fit(X, y)
    lr = LogisticRegressionCV(
        Cs=1 / (alphas * 100), l1_ratios=(0.0,), max_iter=10_000, use_legacy_attributes=False, **kw
    ).fit(X, y)
    np.testing.assert_allclose(model.scores_[0], lr.scores_.reshape(3, 2), atol=1e-8)


def test_the_cv_estimators_score_under_array_api_dispatch_with_tensors(monkeypatch):
    """With ``sklearn.set_config(array_api_dispatch=True)`` and torch input,
    ``NeuronClassifierCV.score`` (its default ``scoring="neg_log_loss"``) handed
    scikit-learn's ``log_loss`` the tensor labels with NumPy probabilities and NumPy
    ``labels=classes_``: TypeError "all() received an invalid combination of arguments",
    so ``cross_val_score`` of the CV estimator on tensors failed under dispatch. The
    labels now come to the host with the probabilities; the score is scikit-learn's
    ``log_loss`` of the model's probabilities (and the multiclass ``"roc_auc"`` the
    NumPy input's)."""
    import sklearn
    from sklearn.datasets import make_classification
    from sklearn.metrics import log_loss

    torch = pytest.importorskip("torch")
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # scikit-learn's condition for dispatch
    X, y = make_classification(
        120,
        4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        flip_y=0.1,
        random_state=0,
    )
    Xt, yt = torch.asarray(X), torch.asarray(y)
    for scoring in ("neg_log_loss", "roc_auc"):
        model = NeuronClassifierCV(cv=3, n_alphas=4, scoring=scoring).fit(X, y)
        want = -log_loss(y, model.predict_proba(X)) if scoring == "neg_log_loss" else None
        want = model.score(X, y) if want is None else want
        with sklearn.config_context(array_api_dispatch=True):
            got = model.score(Xt, yt)
        assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("scoring", ["f1", "precision", "recall", "jaccard"])
def test_a_binary_scoring_says_so_in_the_cv_estimators_tags(scoring):
    """``NeuronClassifierCV(scoring="f1")`` (likewise precision, recall, jaccard: their
    ``average="binary"``) cannot score three classes, but its tags claimed multiclass
    support, and the fit failed only inside a fold with the metric's words ("Target is
    multiclass but average='binary'"). As ``NeuronClassifier``'s binary-only settings,
    the tag is now ``multi_class=False`` and the fit refuses K > 2 at once, naming the
    scoring, its multiclass variant and scikit-learn's words; a binary fit still
    chooses alpha as ``LogisticRegressionCV`` does. Oracle: scikit-learn's own checks of
    the tag and of a binary fit."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import (
        check_classifier_not_supporting_multiclass,
        check_classifiers_train,
    )

    est = NeuronClassifierCV(cv=3, n_alphas=4, scoring=scoring)
    assert get_tags(est).classifier_tags.multi_class is False
    assert get_tags(NeuronClassifierCV(scoring=f"{scoring}_macro")).classifier_tags.multi_class
    check_classifier_not_supporting_multiclass(type(est).__name__, est)
    check_classifiers_train(type(est).__name__, est)
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, random_state=0)
    with pytest.raises(ValueError, match=f"{scoring}_macro"):
        est.fit(X, np.arange(len(y)) % 3)
    cv, alphas = StratifiedKFold(3), np.array([0.3, 0.03, 0.003])
    kw = {"cv": cv, "scoring": scoring, "tol": 1e-12}
    model = NeuronClassifierCV(alphas=alphas, l1_ratios=[0.0], standardize=False, **kw)
    lr = LogisticRegressionCV(
        Cs=1 / (alphas * 200), l1_ratios=(0.0,), max_iter=10_000, use_legacy_attributes=False, **kw
    )
    np.testing.assert_allclose(
        model.fit(X, y).scores_[0], lr.fit(X, y).scores_.reshape(3, 3), atol=1e-12
    )
