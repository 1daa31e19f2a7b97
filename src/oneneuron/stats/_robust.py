"""Sandwich covariances: heteroskedasticity-consistent (HC0-HC3) and cluster-robust.

For the unpenalised maximum-likelihood fit, with ``A = H^-1`` the classical
covariance (the inverse of the summed Hessian, the "bread") and per-row scores
``g_i = r_i (x) x~_i`` (see :func:`oneneuron.objective.block_meat`)::

    Cov = c * A @ M @ A

==============  =================================================  ==========================
``cov_type``    meat ``M``                                         factor ``c``
==============  =================================================  ==========================
``nonrobust``   (none: ``Cov = A``)
``HC0``         ``sum_i w_i g_i g_i.T``                            1
``HC1``         same                                               ``N / (N - k)``
``HC2``         ``sum_i w_i g_i g_i.T / (1 - h_i)``                1
``HC3``         ``sum_i w_i g_i g_i.T / (1 - h_i)**2``             1
``cluster``     ``sum_g u_g u_g.T``, ``u_g = sum_{i in g} w_i g_i``  ``G/(G-1) (N-1)/(N-k)``
==============  =================================================  ==========================

as R's ``sandwich::vcovHC`` and ``sandwich::vcovCL`` (its default ``type="HC1"``,
``cadjust=TRUE``) for a ``glm``, and statsmodels' ``cov_type="HC0"``/``"cluster"``
(statsmodels' ``Logit``, ``MNLogit`` and ``GLM`` return their HC0 matrix for
``cov_type="HC1"``, without the factor; ours has R's ``N / (N - k)``).
``N`` is the number of observations, ``k`` the number of parameters, ``G`` the
number of clusters, ``h_i = p_i (1 - p_i) x~_i.T A x~_i`` the diagonal of the hat
matrix of the IRLS-weighted design. HC1 and cluster need ``N > k``; otherwise
the fit has no covariance and ``summary()`` says why (weights normalised to sum
to 1 do this; HC0 has no such factor).

**Sample weights are frequency weights** here as everywhere in oneneuron: a row
of weight ``w_i`` stands for ``w_i`` identical rows, so ``N = sum_i w_i`` and
every formula above equals the one on the expanded data. A row of weight 0 is
absent: a cluster whose rows all weigh 0 is not counted in ``G``. In particular
``h_i`` is the leverage of *one copy* of the row (the row's total leverage is
``w_i h_i``); R's ``sandwich``, which treats ``glm`` prior weights as precision
weights, differs from this when weights are not all 1. Class weights multiply
the sample weights and enter the same way.

Nearly collinear columns (the classical covariance from the weighted design's QR
factor, kept as its factor ``L``): the meat is never formed, since the scores'
outer products square the design's condition number. Each score row is mapped
first, ``t_i = g_i' L`` (the leverage ``h_i = p_i (1 - p_i) |x~_i' L|^2``), the
meat's square root ``R_M`` comes from a QR of those rows (of the clusters' sums
for ``cluster``), and ``Cov = c (L R_M') (L R_M')'``, kept as that factor.

HC2 and HC3 need the bread first (the leverages use it), so they cost a second
pass over the data; HC0, HC1 and cluster one pass as well (the meat). K > 2
classes: HC0, HC1 and cluster are defined as above with the multinomial
scores; HC2 and HC3 need a per-row (K-1) x (K-1) leverage block whose
generalisation is not standard, so they are refused for K > 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: The accepted ``cov_type`` values.
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
_POWER = {"HC0": 0.0, "HC1": 0.0, "HC2": 1.0, "HC3": 2.0}


def check_cov_type(
    cov_type: str, *, n_classes: int, alpha: float, cluster: Any, l1: bool = False
) -> None:
    """Raise a ``ValueError`` naming the fix when ``cov_type`` cannot be honoured.

    ``l1``: the penalty has an L1 term (and ``relax=True`` was not set), whose
    unpenalised refit on the kept columns would take the sandwich: the error says so.
    """
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
    if cov_type == "cluster" and cluster is None:
        raise ValueError("cov_type='cluster' needs the cluster labels: fit(X, y, cluster=groups)")
    if cov_type != "cluster" and cluster is not None:
        raise ValueError(f"cluster= was given but cov_type={cov_type!r}; set cov_type='cluster'")
    if cov_type != "nonrobust" and alpha > 0:
        raise ValueError(
            f"cov_type={cov_type!r} is for unpenalised fits (alpha=0); a sandwich around a "
            "penalised fit is not a robust covariance of an estimator of the model"
            + (
                "; with an L1 penalty, relax=True refits unpenalised on the columns it "
                "keeps and gives that refit's"
                if l1
                else ""
            )
        )
    if cov_type in ("HC2", "HC3") and n_classes > 2:
        raise ValueError(
            f"cov_type={cov_type!r} needs per-row leverages, defined here for binary models "
            "only; use 'HC0', 'HC1' or 'cluster' with more than two classes. Only binary "
            "classification is supported."
        )


def _is_dask(a: Any) -> bool:
    return type(a).__module__.startswith("dask.")


def _encode_dask_clusters(cluster: Any, n_samples: int, weights: Any) -> tuple[Any, int]:
    """:func:`encode_clusters` of labels or weights held as dask arrays: the labels of the
    rows of positive weight are gathered unique (one pass over the labels and weights),
    then each chunk's rows are coded by a search among them, lazily (a dask array of
    codes; rows of weight 0 get code 0). The same checks and messages."""
    import dask
    import dask.array as da

    if type(cluster).__name__ == "Series" and hasattr(cluster, "npartitions"):  # Dask's
        cluster = _series_labels(cluster)
    labels = cluster if _is_dask(cluster) else np.asarray(cluster)
    _check_one_per_row(labels, n_samples)
    if weights is None:
        weights = da.ones(n_samples, chunks=labels.chunks if _is_dask(labels) else "auto")
    weights = da.asarray(weights)
    rows = weights.chunks[0]
    known = not np.isnan(sum(rows))  # a DataFrame's partitions have unknown lengths
    if not _is_dask(labels) and known:  # (object labels cannot be chunked by size)
        labels = da.from_array(labels, chunks=(rows,))
    elif not _is_dask(labels):
        raise ValueError(
            "cluster must be cut into the same row chunks as X: with chunks of unknown "
            "length (a DataFrame's partitions), a dask array made from the same partitions"
        )
    elif known and not np.isnan(sum(labels.chunks[0])):
        labels = labels.rechunk((rows,))
    elif labels.numblocks != weights.numblocks:
        raise ValueError(
            f"cluster must be cut into the same row chunks as X; got {labels.numblocks[0]} "
            f"chunks for X's {weights.numblocks[0]}"
        )
    elif known:  # cut from the same partitions as X, whose lengths the fit has learnt
        labels = labels.map_blocks(_same, chunks=(rows,), dtype=labels.dtype)
    present = weights > 0
    lengths = labels.chunks[0]  # (NaN where unknown: no row is named then)
    known = not np.isnan(sum(lengths))
    starts = np.r_[0, np.cumsum(lengths)].astype(int) if known else None
    blocks = zip(labels.to_delayed().ravel(), present.to_delayed().ravel(), strict=True)
    parts = [
        dask.delayed(_block_labels, pure=True)(lb, pb, None if starts is None else int(starts[i]))
        for i, (lb, pb) in enumerate(blocks)
    ]
    (summary, all_present) = dask.compute(_tree(parts), present.all())
    unique = _checked_unique(summary)
    _check_two_clusters(len(unique), bool(all_present))
    return da.map_blocks(_codes, labels, present, unique, dtype=np.intp), len(unique)


def _series_labels(series: Any) -> Any:
    """A Dask Series' labels by position, as a dask array of known chunk lengths (one
    pass counts its partitions' rows); extension dtypes (text, nullable integers) as
    objects, a missing cell as pandas' NA (which the coding names)."""
    import dask
    import dask.array as da

    dtype = series.dtype if isinstance(series.dtype, np.dtype) else np.dtype(object)
    parts = series.to_delayed()
    lengths = dask.compute(*[dask.delayed(len)(p) for p in parts])
    task = dask.delayed(_part_labels, pure=True)
    return da.concatenate(
        [
            da.from_delayed(task(p, dtype), (n,), dtype=dtype)
            for p, n in zip(parts, lengths, strict=True)
        ]
    )


def _part_labels(part: Any, dtype: np.dtype) -> NDArray[Any]:
    return part.to_numpy(dtype=dtype)


def _same(block: NDArray[Any]) -> NDArray[Any]:
    return block


def _missing_label(labels: NDArray[Any]) -> tuple[str, int] | None:
    """How the first missing label reads (NaN, None, <NA>, NaT) and its position, or
    None when none is."""
    if labels.dtype.kind in "fcmM":
        bad = np.isnat(labels) if labels.dtype.kind in "mM" else np.isnan(labels)
        if not bad.any():
            return None
        return ("NaT" if labels.dtype.kind in "mM" else "NaN"), int(np.argmax(bad))
    if labels.dtype != object:
        return None
    for i, v in enumerate(labels):
        if v is None:
            return "None", i
        try:
            if not bool(v != v):  # NaN and NaT differ from themselves; pd.NA has no truth
                continue
        except (TypeError, ValueError):
            pass
        return ("NaN" if isinstance(v, float) else str(v)), i
    return None


#: A summary of some rows' labels: the first missing one's reading and row, their
#: sorted distinct labels, and their types' names where the labels do not compare.
_Summary = tuple[tuple[str, int | None] | None, NDArray[Any] | None, tuple[str, ...]]


def _summarise(
    labels: NDArray[Any], present: NDArray[np.bool_] | None = None, start: int | None = 0
) -> _Summary:
    """The summary of ``labels[present]``; rows counted from ``start`` (None: unknown)."""
    rows = None if present is None or present.all() else np.flatnonzero(present)
    if rows is not None:
        labels = labels[rows]
    missing = _missing_label(labels)
    if missing is not None:
        i = missing[1] if rows is None else int(rows[missing[1]])
        return (missing[0], None if start is None else start + i), None, ()
    try:
        return None, np.unique(labels), ()
    except TypeError:  # labels of types that do not compare (1 and 'a')
        return None, None, tuple(sorted({type(v).__name__ for v in labels}))


def _block_labels(labels: Any, present: Any, start: int | None) -> _Summary:
    return _summarise(np.asarray(labels), np.asarray(present, dtype=bool), start)


def _combine_labels(parts: list[_Summary]) -> _Summary:
    for part in parts:
        if part[0] is not None:
            return part
    types = tuple(sorted({t for part in parts for t in part[2]}))
    if types:
        return None, None, types
    return _summarise(np.concatenate([part[1] for part in parts]))


def _tree(parts: list[Any]) -> Any:
    import dask

    while len(parts) > 1:
        step = dask.delayed(_combine_labels, pure=True)
        parts = [step(parts[i : i + 8]) for i in range(0, len(parts), 8)]
    return parts[0]


def _checked_unique(summary: _Summary) -> NDArray[Any]:
    """The sorted distinct labels, or the error naming missing or mixed labels."""
    missing, unique, types = summary
    if missing is not None:
        where = "" if missing[1] is None else f", the first in row {missing[1]}"
        raise ValueError(
            f"cluster has missing labels ({missing[0]}){where}; every row needs a cluster"
        )
    if unique is None:
        names = " and ".join(types) if len(types) < 3 else ", ".join(types)
        raise ValueError(
            f"cluster labels mix types ({names}), which do not compare; give labels of "
            "one type (e.g. every label as text)"
        )
    return unique


def _codes(labels: NDArray[Any], present: NDArray[np.bool_], unique: NDArray[Any]) -> Any:
    """Each row's position among the sorted ``unique`` labels; 0 for absent rows."""
    out = np.zeros(len(labels), dtype=np.intp)
    out[present] = np.searchsorted(unique, labels[present])
    return out


def encode_clusters(
    cluster: Any, n_samples: int, weights: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.intp], int]:
    """Cluster labels of any type -> codes ``0..G-1`` and ``G``; at least two clusters.

    Weights are frequency weights: a row of weight 0 is an absent row, so only
    rows of positive ``weights`` (all rows without) make clusters and need a
    label; the others get code 0 (they add nothing to any cluster's score sum).

    Examples
    --------
    >>> encode_clusters(["a", "b", "a", "c"], 4, np.array([1.0, 2.0, 1.0, 0.0]))
    (array([0, 1, 0, 0]), 2)
    """
    if _is_dask(cluster) or _is_dask(weights):  # rows out of core: coded chunk by chunk
        return _encode_dask_clusters(cluster, n_samples, weights)
    labels = np.asarray(cluster)
    _check_one_per_row(labels, n_samples)
    present = np.ones(n_samples, dtype=bool)
    if weights is not None:
        present = np.broadcast_to(weights, (n_samples,)) > 0
    unique = _checked_unique(_summarise(labels, present))
    _check_two_clusters(len(unique), bool(present.all()))
    return _codes(labels, present, unique), len(unique)


def _check_one_per_row(labels: Any, n_samples: int) -> None:
    """Refuse labels that are not one per row (a length unknown yet, NaN, passes)."""
    n = labels.shape[0] if labels.ndim == 1 else None
    if n is None or (not np.isnan(n) and n != n_samples):
        raise ValueError(
            f"cluster must be one label per row ({n_samples} rows), got shape {labels.shape}"
        )


def _check_two_clusters(n_groups: int, all_present: bool) -> None:
    """Refuse fewer than two clusters (among the rows of positive weight)."""
    if n_groups < 2:
        rows = "" if all_present else " (rows of positive weight)"
        raise ValueError(
            f"cov_type='cluster' needs at least two clusters{rows}; cluster has {n_groups}"
        )


def sandwich(
    engine: Any,
    W: NDArray[np.float64],
    b: NDArray[np.float64],
    bread: NDArray[np.float64],
    *,
    cov_type: str,
    fit_intercept: bool,
    nobs: float,
    groups: NDArray[np.intp] | None = None,
    n_groups: int = 0,
    root: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """The ``cov_type`` covariance from the classical one (``bread``) and one pass over the data.

    Parameters
    ----------
    engine : object
        Has ``meat(W, b, *, fit_intercept, bread, power, groups, n_groups)``
        (:meth:`oneneuron.engines.NumpyEngine.meat`).
    W, b : ndarray
        Raw-scale coefficients of the fit, shapes (m, d) and (m,).
    bread : ndarray, shape (k, k)
        Classical covariance ``A`` in the coefficient table's layout.
    cov_type : str
        One of :data:`COV_TYPES` other than ``"nonrobust"``.
    nobs : float
        ``N = sum_i w_i``.
    groups, n_groups
        Cluster codes per row and their number (``cov_type="cluster"``).
    root : ndarray, shape (k, k), optional
        A factor ``L`` of the bread (``bread = L L'``), where the fit kept one (nearly
        collinear columns: the weighted design's QR factor). The meat is then never
        formed: its square root ``R`` comes from a QR of the score rows mapped by ``L``
        (:func:`oneneuron.objective.block_meat_root`), and the covariance is
        ``c (L R') (L R')'``, so that it keeps the design's condition number where
        ``A M A`` squares it.

    Returns
    -------
    cov : ndarray, shape (k, k)
        Symmetric.
    cov_root : ndarray, shape (k, k) or None
        With ``root``: the covariance's factor ``sqrt(c) L R'`` (``cov = cov_root cov_root'``,
        :attr:`~oneneuron.stats.InferenceResult.cov_root`); None without.
    """
    if not hasattr(engine, "meat"):
        raise ValueError(
            f"cov_type={cov_type!r} is computed on NumPy/SciPy input only; this engine "
            f"({type(engine).__name__}) supports cov_type='nonrobust'"
        )
    k = int(np.count_nonzero(np.diagonal(bread)))  # the rank: aliased terms' rows are 0
    if cov_type == "cluster":
        factor = n_groups / (n_groups - 1.0) * (nobs - 1.0) / (nobs - k)
    else:
        factor = nobs / (nobs - k) if cov_type == "HC1" else 1.0
    power = _POWER.get(cov_type, 0.0)
    if root is not None:  # the meat's square root in the bread factor's coordinates
        F = engine.meat(
            W,
            b,
            fit_intercept=fit_intercept,
            power=power,
            groups=groups,
            n_groups=n_groups,
            root=root,
        )
        if groups is not None:  # the clusters' mapped score sums: their triangular factor
            q = F.shape[1]
            F = np.linalg.qr(np.vstack([F, np.zeros((max(0, q - F.shape[0]), q))]), mode="r")
        L = np.sqrt(factor) * (root @ F.T)
        return L @ L.T, L
    if cov_type == "cluster":
        U = engine.meat(W, b, fit_intercept=fit_intercept, groups=groups, n_groups=n_groups)
        M = U.T @ U
    else:
        M = engine.meat(
            W, b, fit_intercept=fit_intercept, bread=bread if power else None, power=power
        )
    cov = factor * (bread @ M @ bread)
    return 0.5 * (cov + cov.T), None
