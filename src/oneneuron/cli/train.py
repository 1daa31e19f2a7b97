"""``oneneuron train``: fit the neuron to the user's own table and write a model file.

Conventions (see the README's "Command line" section):

- DATA is CSV, TSV or Parquet, chosen by the file extension.
- Nothing the user owns is replaced: an existing model, prediction or report
  file is an error unless ``--force``; every output is written to a temporary
  file beside it and renamed at the end, so a failure leaves no partial file.
- Columns of DATA that the model does not use are ignored; ``predict`` names
  them on one ``note:`` line (``--quiet`` hides notes and progress bars).
  Categories not seen in training are coded as the reference level (the
  first level where the coding has none) and reported on a ``warning:`` line
  (always shown), or rejected with ``--on-unknown error``.
- Values are read as written: in a CSV/TSV file a class label ``"01"`` is not ``1``
  (see ``read_labels``), and a feature column of whole numbers with a cell written
  with a leading zero (``"02139"``, ``"007"``: ZIP, FIPS or product codes) is a
  column of codes, read as text (categorical; the identifier and category-count
  rules then apply) and named on one ``note:`` line; the model file records it as
  categorical, so ``predict``/``evaluate`` read it as text too. ``--numeric COL``
  reads such a column as numbers. pandas tables from Python keep their dtypes.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import warnings
from pathlib import Path
from typing import Any

from ..tables import IMPUTE, repeated
from ..wording import counted
from ._common import (
    CHUNK_ROWS,
    add_text_form,
    check_new_file,
    cli_terms,
    fit_status,
    note,
    number,
    offset_values,
    positive_int,
    quiet_parent,
    refuse_ambiguous_labels,
    statistic,
    text_form_of,
    typed,
    weight_values,
)
from ._errors import UserError, show_warnings, shown, user_errors, wrapped


def add_parser(sub: Any) -> None:
    """Register ``train`` on the subcommand parser."""
    quiet = quiet_parent()
    p = sub.add_parser("train", parents=[quiet], help="fit a model to a table and save it")
    p.add_argument("data", metavar="DATA", help="training table (.csv, .tsv or .parquet)")
    p.add_argument(
        "--target", metavar="COL", help="column with the class labels (or the formula's left side)"
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="PATH",
        help="model file to write (JSON: name it .json; a table's, report's or figure's "
        "extension such as .csv or .html is refused)",
    )
    p.add_argument(
        "--features",
        nargs="+",
        metavar="COL",
        help="feature columns (default: all but the target, --offset, --cluster and "
        "--weights columns "
        "and a column without a header name, such as a pandas row index)",
    )
    p.add_argument(
        "--numeric",
        nargs="+",
        metavar="COL",
        default=[],
        help="read these columns of whole numbers as numbers even where a cell has a leading "
        "zero (by default such a column, e.g. ZIP code 02139, is read as codes: categorical)",
    )
    p.add_argument(
        "--categorical",
        nargs="+",
        metavar="COL",
        default=[],
        help="read these columns as categories also where they hold numbers (R's factor(x) "
        "of codes, e.g. race 1, 2, 3): one indicator per level against the first, ordered "
        "as numbers where every level is one",
    )
    p.add_argument(
        "--formula",
        metavar="TEXT",
        help="model formula, e.g. 'default ~ balance + C(student) + balance:student' "
        "(formulaic/statsmodels syntax; it is Python code: only your own formulas)",
    )
    p.add_argument(
        "--reference",
        action="extend",  # --reference a=x b=y and --reference a=x --reference b=y alike
        nargs="+",
        default=[],
        metavar="COL=LEVEL",
        help="reference level of a categorical column (default: first in sorted order); "
        "for more columns, give several (--reference a=x b=y) or repeat the flag",
    )
    p.add_argument(
        "--encoding",
        choices=["reference", "full"],
        default="reference",
        help="how a categorical column becomes model columns: reference (default): a 0/1 "
        "column for every level but the reference (--reference), each coefficient that "
        "level against it; full: a 0/1 column for every level (one-hot). With an intercept "
        "the full columns add up to it, so only --alpha > 0 makes the coefficients unique "
        "(without it, the last level's column is aliased, as R says: coefficient 0, no "
        "standard errors (NA), the others the reference coding's fit)",
    )
    p.add_argument(
        "--drop-missing",
        action="store_true",
        help="drop rows with a missing value in a used column or the target (and say how many)",
    )
    p.add_argument("--alpha", type=number, help="penalty strength (default 0)")
    p.add_argument(
        "--l1-ratio",
        type=number,
        default=None,  # not given: 0 (ridge), and with --cv the lasso path
        metavar="R",
        help="share of L1 in the penalty: 0 ridge (default; with --cv: 1), 1 lasso, between: "
        "elastic net",
    )
    p.add_argument(
        "--relax",
        action="store_true",
        help="with --l1-ratio > 0: refit unpenalised on the columns the L1 fit kept (glmnet's "
        "relax), so that evaluate shows p-values (optimistic: the columns were selected)",
    )
    p.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="choose --alpha by K-fold cross-validation along the path (L1 by default: "
        "--l1-ratio 1)",
    )
    p.add_argument(
        "--cv-seed",
        type=int,
        default=None,
        metavar="N",
        help="with --cv: the seed of the random folds (default 0). Folds are drawn at random, "
        "stratified by class, not taken in file order: a file's rows are often sorted (by "
        "date, group or plan), and folds of consecutive rows test on rows unlike the rest",
    )
    p.add_argument(
        "--cv-rule",
        choices=["min", "1se"],
        default="min",
        help="with --cv: the best alpha, or the largest within one standard error",
    )
    p.add_argument(
        "--solver",
        default="auto",
        choices=["auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd", "cd"],
        help="optimiser (default auto: Newton on small data, a row subsample then full-data "
        "steps on tall data, L-BFGS on wide data, cd with --l1-ratio > 0)",
    )
    p.add_argument(
        "--tol",
        type=number,
        default=1e-8,
        help="stopping tolerance (default 1e-08) in the solver's measure: the relative size "
        "of the last Newton step (newton; lbfgs estimates it), max|grad| (gd, sgd), the KKT "
        "violation (cd); train's solver line names it (see NeuronClassifier's tol)",
    )
    p.add_argument(
        "--max-iter",
        type=positive_int,
        default=1000,
        metavar="N",
        help="most solver iterations (default 1000); a fit that stops there says it did not "
        "converge",
    )
    p.add_argument(
        "--learning-rate",
        type=number,
        help="step size of --solver gd (default 0.1) or sgd (default 0.01)",
    )
    p.add_argument("--no-intercept", action="store_true", help="fit without a bias b")
    p.add_argument(
        "--impute",
        choices=IMPUTE,
        help="fill missing cells of the features with this training statistic (categorical "
        "columns: most frequent); rows with a missing target are dropped (a label cannot be "
        "filled) and counted; default: missing cells are an error",
    )
    p.add_argument(
        "--cov-type",
        choices=["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"],
        default="nonrobust",
        help="covariance of the coefficients: inverse Hessian (default), robust "
        "sandwich HC0-HC3, or cluster-robust (with --cluster)",
    )
    p.add_argument("--cluster", metavar="COL", help="cluster labels, for --cov-type cluster")
    p.add_argument(
        "--inference",
        choices=["auto", "always", "never"],
        default="auto",
        help="standard errors: computed unless the Hessian pass would cost more than "
        "n * p^2 = 1e8 and the solver did not form it anyway (auto, the default), always, "
        "or never",
    )
    p.add_argument(
        "--firth",
        action="store_true",
        help="Firth's bias-reduced logistic regression (binary; finite under separation)",
    )
    p.add_argument(
        "--offset",
        metavar="COL",
        help="numeric column added to each logit (binary); predict then needs --offset",
    )
    p.add_argument(
        "--weights",
        metavar="COL",
        help="frequency weights: a row with weight 3 counts as three identical rows (a "
        "table of counts, one row per cell: R's glm weights, statsmodels' freq_weights); "
        "not a feature",
    )
    p.add_argument("--force", action="store_true", help="replace an existing model file")
    add_text_form(p)
    p.add_argument(
        "--engine",
        choices=["memory", "dask"],
        default="memory",
        help="dask: fit a Parquet file or folder partition by partition (larger than memory)",
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (with --engine dask)")
    p.set_defaults(func=run_train)


@user_errors
def run_train(args: argparse.Namespace) -> int:
    """Fit a NeuronClassifier to DATA and write the model file."""
    import numpy as np

    from ..classifier import NeuronClassifier
    from ..modelfile import write_model
    from ..tables import (
        DataError,
        blank_columns,
        check_stray_text,
        data_format,
        find_codes,
        formula_columns,
        formula_has_intercept,
        iter_table,
        need_columns,
        read_columns,
        read_labels,
        refuse_label_values,
        stored_types,
        unnamed_columns,
        unnamed_note,
        whole_number_columns,
    )
    from ._progress import Activity

    check_new_file(args.model, args.force, flag="--model", inputs={"data table": args.data})
    _check_model_name(args.model)
    check_penalty_flags(args)
    form = text_form_of(args)  # --sep/--decimal with Parquet are refused here, dask or not
    if (args.cov_type == "cluster") != (args.cluster is not None):
        raise UserError("--cov-type cluster and --cluster COL go together")
    if args.engine == "dask":
        memory_only = _memory_only_flags(args)
        if memory_only:
            raise UserError(
                f"{' and '.join(memory_only)} need{'s' if len(memory_only) == 1 else ''} "
                "--engine memory (--engine dask fits plain numeric columns: a ridge, lasso "
                "or elastic-net fit with --alpha, --l1-ratio, --solver, --tol, --max-iter, "
                "--no-intercept, --weights, --cov-type, --cluster)"
            )
        from .dask import train_dask

        return train_dask(args, write_model)
    if args.scheduler is not None:  # an empty one too: never taken and ignored
        raise UserError("--scheduler needs --engine dask")
    if args.drop_missing and args.impute:
        raise UserError("--drop-missing and --impute exclude each other; choose one")
    reference = {}
    for item in args.reference:
        col, sep, level = item.partition("=")
        if not sep or not col:
            raise UserError(f"--reference takes COL=LEVEL (e.g. student=No), not {item!r}")
        if reference.get(col, level) != level:  # never keep one and ignore the other
            raise UserError(
                f"--reference gives column {col!r} two levels ({reference[col]!r}, {level!r}); "
                "give one"
            )
        reference[col] = level
    for flag, names in (
        ("--features", args.features or []),
        ("--numeric", args.numeric),
        ("--categorical", args.categorical),
    ):
        twice = sorted(repeated(names))
        if twice:
            raise UserError(f"{flag} names {', '.join(map(repr, twice))} more than once")
    present = read_columns(args.data, form=form)
    if args.formula is not None:
        if args.features:
            raise UserError("--formula names the features itself; leave out --features")
        try:
            lhs, features = formula_columns(
                args.formula,
                present,
                source=str(args.data),
                not_dot=[c for c in (args.cluster, args.offset, args.weights) if c is not None],
            )
        except ValueError as exc:
            raise UserError(f"--formula: {exc}") from None
        if lhs is not None and args.target is not None and lhs != args.target:
            raise UserError(f"--formula's target {lhs!r} differs from --target {args.target!r}")
        args.target = args.target or lhs
        if not formula_has_intercept(args.formula):  # '- 1' or '0 +': as R, no intercept
            args.no_intercept = True
    if args.target is None:
        raise UserError("name the target column with --target COL (or 'COL ~ ...' in --formula)")
    need_columns(args.data, present, [args.target], "target")
    if args.offset is not None and args.offset == args.target:
        raise UserError(
            f"--offset {args.offset} is the target column: the labels would enter the fit as "
            "its own input (and predict would need them); name another column"
        )
    if args.weights is not None and args.weights == args.target:
        raise UserError(
            f"--weights {args.weights} is the target column: the labels would count their "
            "own rows; name the column of counts"
        )
    special = [c for c in (args.cluster, args.offset, args.weights) if c is not None]
    for flag, column in (
        ("--cluster", args.cluster),
        ("--offset", args.offset),
        ("--weights", args.weights),
    ):
        if column is not None:  # each named by its own flag
            need_columns(args.data, present, [column], flag)
    if args.formula is None:
        if args.target in (args.features or []):
            raise UserError(
                f"--features lists the target column {args.target!r}; a column cannot be "
                "both the target and a feature"
            )
        features = args.features or [c for c in present if c not in {args.target, *special}]
        if not args.features:  # row labels (a pandas index written with the table) are no data
            unnamed = [(i, c) for i, c in unnamed_columns(args.data, form) if c in features]
            blank = blank_columns(args.data, [i for i, _ in unnamed], form)
            for i, c in unnamed:
                note(args, unnamed_note(i, c, i in blank, i == len(present), form.sep))
            features = [c for c in features if c not in {c for _, c in unnamed}]
    need_columns(args.data, present, features, "feature")
    if args.weights is not None and args.weights in features:  # as evaluate refuses it
        given = "--formula" if args.formula is not None else "--features"
        raise UserError(
            f"--weights {args.weights} is a feature of the model (in {given}); a column of "
            "counts is not a feature: name the column of counts, or leave it out of "
            f"{given}"
        )
    for flag, names in (("--numeric", args.numeric), ("--categorical", args.categorical)):
        not_features = [c for c in names if c not in features]
        if not_features:
            what = _not_features(len(not_features))
            raise UserError(f"{flag} names {what}: {', '.join(map(repr, not_features))}")
    both = [c for c in args.categorical if c in args.numeric]
    if both:
        raise UserError(f"both --categorical and --numeric name {', '.join(map(repr, both))}")
    unknown = sorted(set(reference) - set(features))
    if args.target is not None and args.target in unknown:
        raise UserError(
            f"--reference names the target {args.target!r}: it sets a feature's reference "
            "level; the class the coefficient table compares the others with is chosen when "
            "it is shown: evaluate --reference-class LABEL (default: the first class in "
            "sorted order)"
        )
    if unknown:
        what = _not_features(len(unknown))
        raise UserError(f"--reference names {what}: {', '.join(map(repr, unknown))}")
    if not features:
        raise UserError(f"{args.data} has no feature columns besides the target {args.target!r}")
    import pandas as pd

    cols = list(dict.fromkeys([*features, args.target, *special]))
    with Activity(f"reading {Path(args.data).name}", enabled=not args.quiet) as act:
        parts = []
        # cluster labels are read as written, unless the column is a feature too: then it
        # is read as a feature is (a number stays one; the groups are its distinct values)
        text = [args.cluster] if args.cluster and args.cluster not in features else []
        text += args.categorical  # read as written: "3" is a level, not the number 3
        # a text table's labels are read as written ("01" is not 1: see read_labels)
        text_labels = data_format(args.data) != "parquet"
        if text_labels:
            text.append(args.target)
        for chunk, frac in iter_table(args.data, cols, text, CHUNK_ROWS, form=form):
            parts.append(chunk)
            act.update(frac)
        # pandas types each block on its own: a column of numbers in one block and of text
        # in another ("01" read as 1, then "01" kept) is read again, as text throughout
        mixed = _typed_both_ways(parts, [c for c in cols if c not in text])
        if mixed:
            text += mixed
        # whole numbers written with a leading zero ("02139", "007") are codes: read as text
        codes = {}
        if text_labels and parts:
            wanted = [c for c in features if c not in {*text, *args.numeric}]
            codes = find_codes(args.data, whole_number_columns(parts, wanted), form)
            text += list(codes)
        if mixed or codes:
            chunks = iter_table(args.data, cols, text, CHUNK_ROWS, form=form)
            parts = [chunk for chunk, _ in chunks]
    for name, (cell, row) in codes.items():
        note(
            args,
            f"column {name!r} is read as codes (written with leading zeros, e.g. {cell!r} in "
            f"data row {row}): one indicator per code; --numeric {name} reads it as numbers",
        )
    if not parts:
        raise UserError(f"{args.data} has a header but no data rows")
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(df) == 0:
        raise UserError(f"{args.data} has a header but no data rows")
    df = _as_levels(df, args.categorical)
    if text_labels:
        df[args.target] = read_labels(df[args.target])
    elif pd.api.types.is_float_dtype(df[args.target]):
        # an integer Parquet column with a missing cell comes back as floats (NumPy has no
        # missing integer): its labels are the integers the file stores, as in read_labels
        stored = stored_types(args.data, [args.target]).get(args.target)
        if stored is not None and str(stored).startswith(("int", "uint")):
            df[args.target] = df[args.target].astype("Int64")
    try:
        refuse_label_values(df[args.target], f"target column {args.target!r} of {args.data}")
        # cluster labels read as written are labels: 1.01, 1.02 are ids, not numbers
        # stored as text
        labels = {args.cluster} if args.cluster and args.cluster not in features else set()
        for c in (c for c in cols if c not in labels):  # a feature may hold categories
            # the name as one shell word ('Num Cyl' is two words bare), braces kept
            word = shlex.quote(str(c)).replace("{", "{{").replace("}", "}}")
            hint = None if c == args.target else f"--categorical {word}"
            check_stray_text(df, [c], args.data, categories=hint)
    except DataError as exc:  # its advice in the command line's terms
        raise DataError(cli_terms(str(exc))) from None
    for name in args.numeric:  # never ignored: it keeps numbers, it cannot make text numeric
        if not pd.api.types.is_numeric_dtype(df[name]):
            cell = df[name].dropna().iloc[0] if df[name].notna().any() else None
            raise UserError(
                f"--numeric {name}: column {name!r} holds text (e.g. {cell!r}), not numbers "
                "written with leading zeros; leave it out of --numeric"
            )
    y_all = df[args.target]
    if pd.api.types.is_float_dtype(y_all):
        values = y_all.to_numpy(dtype=float, na_value=np.nan)
        fraction = np.flatnonzero(np.isfinite(values) & (values != np.trunc(values)))
        if fraction.size and np.nanmin(values) >= 0.0 and np.nanmax(values) <= 1.0:
            raise UserError(  # the Python API's advice (sample_weight) in this command's terms
                f"target column {args.target!r} holds fractions in [0, 1] (e.g. "
                f"{values[fraction[0]].item()!r} in data row {fraction[0] + 1}), not class "
                "labels: for proportions of successes out of n trials (R's glm(p ~ x, "
                "weights = n)), give two rows per group, label 1 with the count n*p and "
                "label 0 with n*(1-p) in a column that --weights COL reads: the same likelihood"
            )
        if fraction.size:
            raise UserError(
                f"target column {args.target!r} holds numbers with a fractional part (e.g. "
                f"{values[fraction[0]].item()!r} in data row {fraction[0] + 1}), not class "
                "labels: a classifier predicts classes; make it a label column (e.g. 0/1, "
                "yes/no)"
            )
    labels = [v.item() if isinstance(v, np.generic) else v for v in y_all[y_all.notna()].unique()]
    refuse_ambiguous_labels(args.target, labels)
    if not labels:
        raise UserError(
            f"target column {args.target!r} has no labels: every one of its "
            f"{counted(len(y_all), 'row')} is missing; name the column of class labels with "
            "--target"
        )
    if len(labels) < 2:
        found = (
            f"{labels[0]!r} in all {counted(int(y_all.notna().sum()), 'row')}"
            if len(labels)
            else "none"
        )
        raise UserError(
            f"target column {args.target!r} has only one class ({found}); "
            "a classifier needs at least two"
        )
    args.no_label = 0  # rows without a label that --impute leaves out (said in the summary)
    # rows without a weight, offset or cluster that --drop-missing leaves out (R's na.omit),
    # and what they lacked (said in the summary)
    args.no_weight, args.no_weight_what = 0, ""
    args.data_rows = np.arange(1, len(df) + 1)  # each row's data row in the file (messages)
    row_flags = {"weight": args.weights, "offset": args.offset, "cluster": args.cluster}
    row_columns = {what: c for what, c in row_flags.items() if c is not None}
    if args.drop_missing and row_columns:
        lacking = df[list(row_columns.values())].isna()
        if lacking.to_numpy().any():
            args.no_weight = int(lacking.any(axis=1).sum())
            args.no_weight_what = " or ".join(
                what for what, c in row_columns.items() if lacking[c].to_numpy().any()
            )
            keep = ~lacking.any(axis=1).to_numpy()
            df, args.data_rows = df[keep].reset_index(drop=True), args.data_rows[keep]
    if args.impute and y_all.isna().any():  # a label cannot be filled: those rows go
        args.no_label = int(y_all.isna().sum())
        keep = y_all.notna().to_numpy()
        df, args.data_rows = df[keep].reset_index(drop=True), args.data_rows[keep]
    missing = "drop" if args.drop_missing else (args.impute or "error")
    # a row without its weight, offset or cluster: --drop-missing leaves it out
    hint = "train with --drop-missing to leave such rows out" + (
        " (--impute fills feature cells only)" if args.impute else ""
    )
    if args.formula is not None:
        refuse_unsaveable(args.formula, df, args.target, reference or None, args.encoding)
    if args.cv is not None:
        table = df[list(dict.fromkeys([*features, args.target]))]
        weights = None
        if args.weights is not None:
            weights = weight_values(df, args.weights, args.data, args.data_rows, hint)
        cv = train_cv(args, table, reference or None, missing, weights)
        write_model(cv, args.model, overwrite=args.force)
        if not args.quiet:
            print(f"wrote {args.model}")
        return 0
    est = NeuronClassifier(
        formula=args.formula,
        reference=reference or None,
        encoding=args.encoding,
        missing=missing,
        alpha=0.0 if args.alpha is None else args.alpha,
        l1_ratio=args.l1_ratio,
        solver=args.solver,
        tol=args.tol,
        max_iter=args.max_iter,
        learning_rate=args.learning_rate,
        fit_intercept=not args.no_intercept,
        cov_type=args.cov_type,
        inference={"auto": "auto", "always": True, "never": False}[args.inference],
        firth=args.firth,
        relax=args.relax,
    )
    fit_kw: dict[str, Any] = {}
    if args.cluster is not None:
        groups = df[args.cluster]
        if groups.isna().any():
            first = args.data_rows[int(np.argmax(groups.isna().to_numpy()))]
            raise UserError(
                f"cluster column {args.cluster!r} has "
                f"{counted(int(groups.isna().sum()), 'missing value')} (first at data row "
                f"{first}); {hint}"
            )
        fit_kw["cluster"] = groups.astype(str).to_numpy()
    if args.offset is not None:
        fit_kw["offset"] = offset_values(df, args.offset, args.data, args.data_rows, hint)
    if args.weights is not None:
        fit_kw["sample_weight"] = weight_values(df, args.weights, args.data, args.data_rows, hint)
    table = df[list(dict.fromkeys([*features, args.target]))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Activity(
            f"fitting {counted(len(df), 'row')}", enabled=not args.quiet, determinate=False
        ):
            try:  # the table and the target's name: the design layer codes the columns
                est.fit(table, args.target, **fit_kw)
            except DataError as exc:
                text = cli_terms(_file_rows(str(exc), args.data_rows))
                text = text.replace("' of the table ", f"' of {args.data} ")  # the file's name
                raise DataError(text + _written_as_missing(args, exc)) from None
            except ValueError as exc:
                raise UserError(cli_terms(str(exc))) from None
    show_warnings(caught)
    lines = [] if args.quiet else _fit_summary(est, args, table, len(features), fit_kw)
    terms = None if args.quiet else _term_tests(est)
    write_model(est, args.model, overwrite=args.force)  # last: a failure above leaves no file
    for line in lines:
        print(wrapped(shown(line)))
    if terms is not None:
        caption, body = terms
        print(wrapped(shown(caption)))
        if body:
            print(shown(body))
    if not args.quiet:
        print(shown(f"wrote {args.model}"))
    return 0


def _as_levels(chunk: Any, columns: list[str]) -> Any:
    """``--categorical`` columns (read as text) as pandas Categoricals whose categories
    are ordered as numbers where every cell is one (1, 3, 12, as R's factor() of
    numbers; as text 12 sorts before 3), else as text; the reference is the first."""
    import pandas as pd

    if not columns:
        return chunk
    chunk = chunk.copy()
    for name in columns:
        values = chunk[name]
        cells = sorted({str(v) for v in values.dropna()})
        numbers = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce")
        if cells and numbers.notna().all():
            cells = [c for _, c in sorted(zip(numbers.tolist(), cells, strict=True))]
        chunk[name] = pd.Categorical(values.where(values.isna(), values.astype(str)), cells)
    return chunk


def _file_rows(text: str, rows: Any) -> str:
    """The fit's row positions (0-based: "first at row 8") as the file's data rows,
    which differ from position + 1 where rows were left out before the fit (a missing
    label with --impute, a missing weight with --drop-missing)."""
    import re

    def row(m: re.Match[str]) -> str:
        i = int(m[2])
        return f"{m[1]} at data row {rows[i]}" if i < len(rows) else m[0]

    return re.sub(r"\b(first|finite) at row (\d+)", row, text)


def _written_as_missing(args: argparse.Namespace, exc: Exception) -> str:
    """For an error on missing values in a column of a text table: which words in it were
    read as missing (``NA``, ``None``, ...: pandas' convention; R's ``read.csv`` takes
    ``NA`` only), or ``""``."""
    import re

    from ..tables import missing_words

    m = re.match(r"missing values in (?:target )?column '([^']+)'", str(exc))
    form = getattr(args, "form", None)
    words = missing_words(args.data, m.group(1), form=form) if m else []
    if not words:
        return ""
    listed = ", ".join(repr(w) for w in words)
    # R's read.csv takes only 'NA' (na.strings = "NA"): a level 'None' (MASS's Cars93
    # AirBags) is a level there
    how = (
        "as in pandas and R"
        if words == ["NA"]
        else "as pandas reads them (R's read.csv: 'NA' only)"
    )
    return (
        f" (cells written {listed} count as missing, {how}; if they are levels, "
        "rename them in the file)"
    )


def _typed_both_ways(parts: list[Any], columns: list[str]) -> list[str]:
    """The ``columns`` that came out numeric in some blocks and text in others (each
    block's types read once: a lookup per column and block took 6 of the 20 s of a
    3 000-column train)."""
    if len(parts) < 2:
        return []
    import pandas as pd

    numeric: dict[Any, set[bool]] = {}
    for part in parts:
        present = part.notna().any()
        for name, dtype in part.dtypes.items():
            if present[name]:
                numeric.setdefault(name, set()).add(pd.api.types.is_numeric_dtype(dtype))
    return [c for c in columns if len(numeric.get(c, ())) > 1]


def filled_cells(report: dict[str, Any], value: str) -> str:
    """The summary's line on ``--impute``: how many cells it filled with ``value`` (the
    design's count of missing feature cells in the rows kept), or that none was missing."""
    n = report.get("filled")
    if n == 0:
        return "no missing feature cell to fill (--impute): the fit's rows are complete"
    count = "missing cells" if n is None else counted(n, "missing cell")
    return f"{count} filled with {value} (--impute)"


def _fit_summary(
    est: Any, args: argparse.Namespace, table: Any, n_columns: int, fit_kw: dict[str, Any]
) -> list[str]:
    """The lines ``train`` prints about a fit (made before the model file is written);
    ``fit_kw`` are the fit's extra arguments (the offset, which predictions need too)."""
    import numpy as np

    n = est.n_samples_fit_
    classes = ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in est.classes_)
    d = est.coef_.shape[1]  # the model's columns (n_features_in_ counts the table's)
    lines = [
        f"trained on {counted(n, 'row')}, {counted(d, 'model column')} from "
        f"{counted(n_columns, 'table column')}"
    ]
    w = fit_kw.get("sample_weight")
    rows = est.design_report_.get("kept", slice(None))
    if w is not None:
        total = float(np.sum(w[rows]))
        lines.append(
            f"  frequency weights {args.weights}: {counted(total, 'row', spec='.10g')} counted "
            "(each row as often as its weight)"
        )
    dropped = est.design_report_.get("dropped")
    if dropped:
        lines.append(f"  dropped {counted(dropped, 'row')} with missing values (--drop-missing)")
    if args.impute:
        value = "the training rows' " + statistic(args.impute)
        lines.append(f"  {filled_cells(est.design_report_, value)}")
    if args.no_weight:
        lines.append(
            f"  dropped {counted(args.no_weight, 'row')} with a missing {args.no_weight_what} "
            "(--drop-missing)"
        )
    if args.no_label:
        lines.append(f"  dropped {counted(args.no_label, 'row')} with a missing target (--impute)")
    lines.append(f"  classes: {classes}")
    reason = getattr(est, "stop_reason_", None)
    tail = f": {cli_terms(reason)}" if reason else ""  # older versions' files have none
    lines.append(f"  solver {est.solver_}, {counted(est.n_iter_, 'iteration')}{tail}")
    lines.extend(f"  {line}" for line in fit_status(est))
    kept = table.loc[rows]
    off = fit_kw.get("offset")
    predicted = est.predict(kept, offset=None if off is None else np.asarray(off)[rows])
    acc = float(
        np.average(
            predicted == kept[args.target].to_numpy(), weights=None if w is None else w[rows]
        )
    )
    lines.append(f"  training accuracy {acc:.4f}")
    return lines


def _term_tests(est: Any) -> tuple[str, str] | None:
    """``(caption, table)`` of the joint Wald test of each term, for a model with a
    categorical term or K > 2 classes (:mod:`oneneuron.cli._statistics`), else None;
    the table is empty where the model has none (said in the caption)."""
    from . import _statistics as st

    if not st.wants_term_tests(est):
        return None
    table, caption = st.term_tests(est)
    return caption, "" if table is None else st.format_table(table)


def _memory_only_flags(args: argparse.Namespace) -> list[str]:
    """The options given that only the in-memory engine honours (the dask engine refuses
    them rather than ignore them)."""
    given = {
        "--offset": args.offset is not None,
        "--firth": args.firth,
        "--relax": args.relax,
        "--formula": args.formula is not None,
        "--reference": bool(args.reference),
        "--encoding": args.encoding != "reference",
        "--drop-missing": args.drop_missing,
        "--numeric": bool(args.numeric),
        "--categorical": bool(args.categorical),
        "--learning-rate": args.learning_rate is not None,
    }
    return [flag for flag, on in given.items() if on]


def check_penalty_flags(args: argparse.Namespace) -> None:
    """``--alpha``, ``--l1-ratio``, ``--cv`` and ``--learning-rate`` in range and not
    contradicting each other; ``--l1-ratio`` not given becomes 0 (ridge), and
    ``args.l1_ratio_given`` says whether it was (``--cv`` then fits the lasso path)."""
    args.l1_ratio_given = args.l1_ratio is not None
    if args.l1_ratio is None:
        args.l1_ratio = 0.0
    rate = args.learning_rate
    if rate is not None:
        if not (math.isfinite(rate) and rate > 0):
            raise UserError(f"--learning-rate must be a finite number > 0, not {typed(rate)}")
        if args.solver not in ("gd", "sgd"):
            raise UserError(
                f"--learning-rate needs --solver gd or sgd (--solver {args.solver} takes no "
                "step size)"
            )
        if args.cv is not None:
            raise UserError(
                "--learning-rate sets the step of one --solver gd or sgd fit; --cv fits its "
                "path with its own solver"
            )
    for flag, value in (("--alpha", args.alpha), ("--tol", args.tol)):
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise UserError(f"{flag} must be a finite number >= 0, not {typed(value)}")
    if not 0.0 <= args.l1_ratio <= 1.0:
        raise UserError(f"--l1-ratio must be in [0, 1], not {typed(args.l1_ratio)}")
    if args.l1_ratio > 0 and args.solver not in ("auto", "cd"):
        raise UserError(
            f"--l1-ratio {args.l1_ratio:g} needs --solver cd or auto (--solver {args.solver} "
            "cannot handle the L1 term)"
        )
    if args.l1_ratio > 0 and args.alpha == 0:  # else an unpenalised fit, silently
        raise UserError(
            f"--l1-ratio {args.l1_ratio:g} with --alpha 0 is an unpenalised fit (no L1 term); "
            "give --alpha > 0, or --cv K to choose it"
        )
    if args.relax and (args.l1_ratio == 0 or args.alpha is None or args.cv is not None):
        raise UserError("--relax refits an L1 fit: it needs --l1-ratio > 0 and --alpha, not --cv")
    if args.cv is None:
        if args.cv_rule != "min":
            raise UserError("--cv-rule needs --cv K")
        if args.cv_seed is not None:
            raise UserError("--cv-seed needs --cv K")
        if args.l1_ratio > 0 and args.alpha is None:  # else an unpenalised fit, silently
            raise UserError("--l1-ratio needs --alpha A (or --cv K to choose alpha)")
        return
    if args.cv < 2:
        raise UserError(f"--cv needs at least 2 folds, not {args.cv}")
    if args.alpha is not None:
        raise UserError("--cv chooses --alpha; give one or the other")
    if args.engine != "memory" or args.cov_type != "nonrobust" or args.cluster or args.offset:
        raise UserError("--cv works with --engine memory, without --cov-type/--cluster/--offset")
    if args.solver not in ("auto", "cd"):
        raise UserError("--cv fits along a path with --solver cd; drop --solver")
    if args.firth:
        raise UserError("--cv chooses an L1 or elastic-net penalty; --firth is one of its own")


def _not_features(n: int) -> str:
    """The words before ``n`` named columns that are not features of the model."""
    return "a column that is not a feature" if n == 1 else "columns that are not features"


def refuse_unsaveable(
    formula: str, table: Any, target: str | None, reference: Any, encoding: str
) -> None:
    """A formula the model file cannot store is refused before the fit or CV, which may be long.

    Whether a formula can be saved depends on its terms, not on the data, so the
    spec is learnt on the first 200 rows; where even that fails, the fit reports
    the table's problem in full.
    """
    from ..tables import DesignSpec

    try:
        with warnings.catch_warnings():  # a pre-check: the fit reports (and warns) in full
            warnings.simplefilter("ignore")
            spec = DesignSpec.fit(
                table.head(200),
                formula=formula,
                target=target,
                reference=reference,
                encoding=encoding,
                missing="drop",
            )
    except Exception:  # noqa: BLE001 - a pre-check only: the fit gives the real error
        return
    if spec.unsaved is not None:
        raise UserError(f"--formula cannot be saved to a model file: {spec.unsaved}")


def _check_model_name(path: str) -> None:
    """Refuse a ``--model`` name of a table's, report's or figure's format (``m.csv``,
    ``m.csv.gz``, ``m.html``): the model file is JSON, and a name that says otherwise is
    read as what it names by the next tool (the sibling of ``--report``'s check;
    :func:`~oneneuron.save` refuses them too). Any other name, ``.json`` or none, is
    taken. Checked before the fit."""
    from ..modelfile import other_format

    suffix = other_format(path)
    if suffix is not None:
        raise UserError(
            f"--model {path} names a {suffix[1:]} file, but a model file is JSON: name it "
            ".json (e.g. model.json)"
        )


def train_cv(
    args: argparse.Namespace,
    table: Any,
    reference: Any,
    missing: str,
    weights: Any = None,
) -> Any:
    """``--cv K``: cross-validate the path on the table, print the choice and the curve.

    The table goes through the design layer as in a plain fit (``--formula``,
    ``--reference``, ``--encoding``, ``--drop-missing``/``--impute``); ``weights``
    (``--weights``) are frequency weights of the rows: the fits on the folds, the
    held-out scores and the refit use them, as ``NeuronClassifierCV.fit``'s
    ``sample_weight``; whole-number weights are counts, so the folds are drawn over
    the rows they count (``split_counts=True``: a table of counts chooses as the table
    written out would). Returns the fitted ``NeuronClassifierCV``.
    """
    import numpy as np

    from ..classifier import NeuronClassifierCV
    from ..tables import DataError
    from ._progress import Activity

    given = getattr(args, "l1_ratio_given", True)
    l1 = args.l1_ratio if given else 1.0
    if not given:  # a note: on stderr, apart from the results
        note(args, "--cv fits the lasso path (--l1-ratio 1); pass --l1-ratio R for another")
    from sklearn.model_selection import StratifiedKFold

    # folds at random (cv.glmnet's foldid), stratified: a file in sorted order would give
    # folds of consecutive rows, each tested on rows unlike the training ones
    seed = 0 if args.cv_seed is None else args.cv_seed
    if not 0 <= seed < 2**32:
        raise UserError(f"--cv-seed must be in [0, 2**32), not {seed}")
    cv = NeuronClassifierCV(
        cv=StratifiedKFold(args.cv, shuffle=True, random_state=seed),
        l1_ratios=(l1,),
        rule=args.cv_rule,
        fit_intercept=not args.no_intercept,
        tol=args.tol,
        max_iter=args.max_iter,
        formula=args.formula,
        reference=reference,
        encoding=args.encoding,
        missing=missing,
    )
    from ..classifier import MAX_COUNTED_ROWS

    whole = weights is not None and bool(np.all(weights == np.round(weights)))
    counts = whole and float(np.sum(weights)) <= MAX_COUNTED_ROWS
    if weights is not None and not counts:
        why = "holds fractions" if not whole else f"counts more than {MAX_COUNTED_ROWS} rows"
        note(
            args,
            f"--weights {args.weights} {why}: the folds hold out table rows, each with its "
            f"whole weight (whole-number weights up to {MAX_COUNTED_ROWS} rows in all are "
            "split among the folds as counts)",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Activity(
            f"cross-validating {counted(len(table), 'row')}, {args.cv} folds",
            enabled=not args.quiet,
            determinate=False,
        ):
            try:
                cv.fit(table, args.target, sample_weight=weights, split_counts=counts)
            except DataError as exc:
                text = cli_terms(_file_rows(str(exc), getattr(args, "data_rows", ())))
                raise DataError(text.replace("' of the table ", f"' of {args.data} ")) from None
            except ValueError as exc:
                raise UserError(cli_terms(str(exc))) from None
    from ..exceptions import GridEdgeWarning

    # the grid's end is the summary's note (below), or with --quiet a warning, in the
    # command line's words (it has no flag for the grid: a plain fit's --alpha instead)
    edges = [str(w.message) for w in caught if issubclass(w.category, GridEdgeWarning)]
    show_warnings(w for w in caught if not issubclass(w.category, GridEdgeWarning))
    edge = None
    if edges:
        small = "smallest alpha" in edges[0]
        at = cv.alphas_.min() if small else cv.alphas_.max()
        edge = (
            f"the best is the {'smallest' if small else 'largest'} alpha tried ({at:.4g}, the "
            f"grid's end): the held-out log-loss may still fall {'below' if small else 'above'} "
            "it; compare a fit with "
            + ("--alpha 0 (no penalty) or a smaller --alpha" if small else "a larger --alpha")
        )
        if args.quiet:
            print(wrapped(f"warning: {edge}"), file=sys.stderr)
    if not args.quiet:
        res = cv.cv_results_
        alphas, mean = res["param_alpha"], res["mean_test_score"]
        best = int(np.argmax(mean))
        se = cv.cv_record_.std_error.ravel()  # the 1se rule's, in cv_results_'s order
        chosen = int(np.flatnonzero(alphas == cv.alpha_)[0])
        est = cv.best_estimator_
        print(
            wrapped(
                f"cross-validated {len(alphas)} alphas from {alphas[0]:.4g} to "
                f"{alphas[-1]:.4g} (l1_ratio {l1:g}, {args.cv} random folds, seed {seed}, "
                f"log-loss) on {counted(est.n_samples_fit_, 'row')}, "
                f"{counted(est.coef_.shape[1], 'model column')}"
            )
        )
        dropped = cv.design_report_.get("dropped")
        if dropped:
            print(f"  dropped {counted(dropped, 'row')} with missing values (--drop-missing)")
        if args.impute:
            how = statistic(args.impute)
            print(f"  {filled_cells(cv.design_report_, f'the {how} of all rows')}")
        if args.no_label:
            print(f"  dropped {counted(args.no_label, 'row')} with a missing target (--impute)")
        print(
            f"  best:   alpha {alphas[best]:.4g}  log-loss {-mean[best]:.4f} +/- "
            f"{se[best]:.4f} (std error)  "
            f"{counted(res['n_nonzero'][best], 'non-zero feature')}"
        )
        if edge:  # the score may still improve beyond the grid (GridEdgeWarning)
            print(wrapped(f"  {edge}"))
        print(
            f"  chosen ({args.cv_rule}): alpha {cv.alpha_:.4g}  log-loss {-mean[chosen]:.4f}  "
            f"{counted(res['n_nonzero'][chosen], 'non-zero feature')}"
        )
        rows = cv.design_report_.get("kept", slice(None))
        kept = table.loc[rows]
        acc = float(  # frequency weights count, as in a plain train's accuracy
            np.average(
                est.predict(kept) == kept[args.target].to_numpy(),
                weights=None if weights is None else weights[rows],
            )
        )
        print(f"  training accuracy {acc:.4f}")
    return cv
