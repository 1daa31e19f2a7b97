"""Fit a ``NeuronClassifier`` on a Parquet dataset through Dask, out of core.

The features are read chunk by chunk on the workers on every pass over the data;
nothing is persisted, so memory is bounded by a few row groups per worker thread,
whatever the size of the dataset.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from .estimator import NeuronClassifier

__all__ = ["fit_parquet"]


def fit_parquet(
    path: str,
    target: str,
    features: list[str] | None = None,
    scheduler: str | None = None,
    **params: Any,
) -> NeuronClassifier:
    """Read a Parquet file or directory with ``dask.dataframe`` and fit on it.

    Parameters
    ----------
    path : str
        A Parquet file, a directory of them, or a glob (anything
        ``dask.dataframe.read_parquet`` reads).
    target : str
        Column holding the class labels.
    features : list of str, optional
        Feature columns (all numeric); by default every column but ``target``.
    scheduler : str, optional
        A ``dask.distributed`` scheduler address (``"tcp://host:8786"``) to
        connect to, or a local scheduler name (``"threads"``, ``"processes"``,
        ``"synchronous"``). By default the current Dask scheduler (an active
        ``distributed.Client`` if there is one).
    **params
        Parameters of :class:`~oneneuron.NeuronClassifier` (``solver="sgd"`` is
        refused on Dask input).

    Returns
    -------
    NeuronClassifier
        Fitted; ``feature_names_in_`` are the feature columns.

    Raises
    ------
    ValueError
        If ``target`` or a feature column is missing, or a feature is not numeric.
    """
    import dask
    import dask.dataframe as dd

    df = dd.read_parquet(path)
    missing = [c for c in [target, *(features or [])] if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} not in {path!r}; it has {list(df.columns)}")
    cols = list(features) if features is not None else [c for c in df.columns if c != target]
    clf = NeuronClassifier(**params)
    with ExitStack() as stack:
        if scheduler is not None and "://" in scheduler:
            from distributed import Client

            stack.enter_context(Client(scheduler, set_as_default=True))
        elif scheduler is not None:
            stack.enter_context(dask.config.set(scheduler=scheduler))
        clf.fit(df[cols], df[target])
    return clf
