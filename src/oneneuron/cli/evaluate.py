"""``oneneuron evaluate``: score a model on a labelled table (text, JSON, HTML report)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..tables import DataError
from ..wording import counted
from ._common import (
    check_new_file,
    cli_terms,
    fit_status,
    input_spec,
    missing_note,
    note,
    offset_values,
    predict_chunks,
    quiet_parent,
    reading_parent,
    text_form_of,
    unknown_warning,
    weight_values,
)
from ._errors import UserError, cli_caption, one_line, shown, user_errors, wrapped

if TYPE_CHECKING:
    import numpy as np


def add_parser(sub: Any) -> None:
    """Register ``evaluate`` on the subcommand parser."""
    quiet, reading = quiet_parent(), reading_parent()
    p = sub.add_parser(
        "evaluate", parents=[quiet, reading], help="score a model on a labelled table"
    )
    p.add_argument("model", metavar="MODEL", help="model file from 'oneneuron train'")
    p.add_argument(
        "data",
        metavar="DATA",
        help="labelled table (.csv, .tsv, .parquet, or a folder of Parquet files)",
    )
    p.add_argument("--target", metavar="COL", help="label column (default: the training target)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument(
        "--report",
        metavar="PATH",
        help="write an HTML report with plots (the name ends .html or .htm)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing report file")
    p.add_argument(
        "--drop-missing",
        action="store_true",
        help="leave out rows with a missing target or a missing value in a column the "
        "model does not fill (and say how many)",
    )
    p.add_argument(
        "--weights",
        metavar="COL",
        help="frequency weights: every metric counts a row as often as its weight (a "
        "table of counts, one row per cell)",
    )
    p.add_argument(
        "--odds-ratios",
        action="store_true",
        help="show the coefficient table as odds ratios exp(coef) with their intervals "
        "(relative-risk ratios, column relative_risk_ratio, for K > 2 classes)",
    )
    p.add_argument(
        "--reference-class",
        metavar="LABEL",
        help="coefficient table: compare every class with this one (default: the first "
        "class in sorted order; statsmodels and R take a factor's first level)",
    )
    p.set_defaults(func=run_evaluate)


#: The extensions a ``--report`` name may have: the report is an HTML page.
REPORT_SUFFIXES = (".html", ".htm")


def check_report_name(path: str) -> None:
    """Refuse a ``--report`` name that does not end ``.html`` or ``.htm`` (any case).

    Decision: the report is one HTML page, never PDF or an image; written under
    another name (``r.pdf``) a viewer chosen by the extension fails on it, so the
    name is refused before any work rather than silently kept or renamed.
    """
    suffix = Path(path).suffix
    if suffix.lower() not in REPORT_SUFFIXES:
        said = f"ends {suffix!r}" if suffix else "has no extension"
        raise UserError(
            f"--report {path} {said}, but the report is an HTML page: name it .html "
            "(e.g. report.html; open it in a browser, which can print it to PDF)"
        )


@user_errors
def run_evaluate(args: argparse.Namespace) -> int:
    """Score the model on a labelled table: text, JSON and an HTML report."""
    import json

    import numpy as np

    from ..modelfile import read_model
    from ..tables import EncodeReport, need_columns, read_columns
    from ._progress import Activity
    from .metrics import evaluate, format_text, json_ready

    saved = read_model(args.model)
    design = getattr(saved.estimator, "design_", None)
    target = (
        args.target  # an empty --target is a column name too, refused as missing
        if args.target is not None
        else (saved.input or {}).get("target") or (design.target if design is not None else None)
    )
    if target is None:
        raise UserError("this model file does not name its target column; pass --target COL")
    if args.report is not None:
        inputs = {"model": args.model, "data table": args.data}
        check_new_file(args.report, args.force, flag="--report", inputs=inputs)
        check_report_name(args.report)  # after: naming an input itself is said first
    spec = input_spec(saved, target)
    feats = [c["name"] for c in spec["columns"]]
    weights = [args.weights] if args.weights is not None else []
    if args.weights is not None and args.weights in (target, *feats):
        what = "the target" if args.weights == target else "a feature of the model"
        raise UserError(f"--weights {args.weights} is {what}; name the column of counts")
    form = text_form_of(args)
    present = read_columns(args.data, only={*feats, target, *weights}, form=form)
    need_columns(args.data, present, [target], "target")
    need_columns(args.data, present, weights, "--weights")
    need_columns(args.data, present, [c["name"] for c in spec["columns"]], "feature")
    est = saved.estimator
    classes = est.classes_
    reference = _reference_class(args.reference_class, classes)
    text_target = classes.dtype.kind in "OU"
    report = EncodeReport()
    parts: dict[str, list[Any]] = {"y": [], "p": [], "lp": [], "pred": [], "w": [], "rows": []}
    # goodness of fit takes a binary model's columns again, on its own training rows
    # only: past their count the rows cannot be those, and the columns kept so far are
    # dropped (Hosmer-Lemeshow on other rows needs only the probabilities), so that the
    # memory stays that of the training table at most, whatever the file's size
    binary = len(classes) == 2
    fitted_rows = getattr(est, "n_samples_fit_", None)
    kept_rows = 0
    dropped = [0] if args.drop_missing else None
    text = (target,) if text_target else ()
    rows_out = "evaluate with --drop-missing to leave such rows out"  # a missing weight, offset
    with Activity(f"evaluating {Path(args.data).name}", enabled=not args.quiet) as act:
        for chunk, proba, log_proba, labels, _ in predict_chunks(
            saved,
            spec,
            args,
            [target, *weights],
            report,
            act,
            text=text,
            dropped=dropped,
            missing_hint="or evaluate with --drop-missing",
            row_hint=rows_out,
        ):
            first = chunk.index  # the file's data rows (--drop-missing leaves some out)
            parts["y"].append(_target_indices(chunk[target], classes, target, text_target, first))
            parts["p"].append(proba)
            parts["lp"].append(log_proba)
            parts["pred"].append(np.searchsorted(classes, labels))
            if args.weights is not None:
                parts["w"].append(
                    weight_values(chunk, args.weights, str(args.data), first, rows_out)
                )
            kept_rows += len(chunk)
            if binary and fitted_rows is not None and kept_rows > fitted_rows:
                binary, parts["rows"] = False, []  # not the training rows: no columns
            if binary:
                offset = [args.offset] if args.offset is not None else []
                parts["rows"].append(chunk[list(dict.fromkeys([*feats, *offset]))])
    if dropped is not None and dropped[0]:
        note(args, f"dropped {counted(dropped[0], 'row')} with missing values (--drop-missing)")
    if not parts["y"]:
        if dropped is not None and dropped[0]:
            raise DataError(f"every row of {args.data} has a missing value (--drop-missing)")
        raise DataError(f"{args.data} has a header but no data rows")
    y_idx, pred_idx = np.concatenate(parts["y"]), np.concatenate(parts["pred"])
    w = np.concatenate(parts["w"]) if args.weights is not None else None
    if w is not None and not np.max(w) > 0:
        raise DataError(f"{args.data}: every row has weight 0 in --weights {args.weights}")
    if w is not None:  # sizes train refuses: sums overflow, or subnormal digits are lost
        from ..engines import check_row_weight_size

        try:
            check_row_weight_size(w)
        except ValueError as exc:  # in train's words for its --weights
            raise UserError(cli_terms(str(exc))) from None
    metrics = evaluate(
        classes,
        y_idx,
        np.concatenate(parts["p"]),
        np.concatenate(parts["lp"]),
        pred_idx,
        sample_weight=w,
    )
    metrics["target"] = target
    threshold = float(getattr(est, "threshold", 0.5))
    if len(classes) == 2 and threshold != 0.5:  # the labels counted above are at it
        metrics["threshold"] = threshold
    if w is not None:
        metrics["weights"] = args.weights
    metrics["unknown_categories"] = {c: n for c, (n, _) in report.unknown.items()}
    if saved.inference is not None:
        metrics["inference"] = dict(saved.inference)
        if isinstance(saved.inference.get("reason"), str):  # a message: in the CLI's words
            metrics["inference"]["reason"] = cli_terms(saved.inference["reason"])
        metrics["cov_type"] = saved.inference.get("cov_type", "nonrobust")
    res = getattr(est, "inference_", None)
    if args.json and res is not None and res.cov is not None:
        metrics["coefficients"] = _coefficients_json(res, reference, args.odds_ratios)
    elif args.json and res is not None and args.odds_ratios:  # exp(coef), no intervals
        metrics["coefficients"] = _ratios_json(res, reference)
    proba = np.concatenate(parts["p"])
    tests = _statistics(saved, args, parts["rows"], classes[y_idx], w, proba, y_idx)
    metrics.update({k: v for k, v in tests.items() if not k.startswith("_")})
    if args.report:
        from .report import write_report

        write_report(
            args.report,
            saved,
            metrics,
            y_idx,
            np.concatenate(parts["p"]),
            source=str(args.data),
            overwrite=args.force,
            weights=w,
            reference_class=reference,
        )
    unknown_warning(report)
    if args.json:
        print(json.dumps(json_ready(metrics), indent=1, allow_nan=False))
    else:
        print(shown(format_text(metrics, str(args.data))))
    if not args.json:
        for line in fit_status(est):
            print(wrapped(f"\nmodel: {shown(line)}"))
        record = getattr(est, "cv_record_", None)
        if record is not None:
            print(wrapped(f"\nmodel: {shown(record.describe())}"))
    if not args.json and res is not None and res.cov is not None:
        from ..stats import format_summary, summary_table

        print("\ncoefficients (from the training fit):")
        coding = design.coding_note() if design is not None else None
        if coding:
            print(wrapped(shown(coding)))
        filled = missing_note(saved, captioned=True)  # the caption below says a drop
        if filled:
            print(wrapped(shown(filled)))
        table, ref = _one_line_names(res, reference)
        text = format_summary(table, exp=args.odds_ratios, reference_class=ref)
        caption = summary_table(table, exp=args.odds_ratios, reference_class=ref).attrs["caption"]
        body = text[len(caption) + 1 :]  # the table's lines: as wide as its columns
        # the caption quotes the labels with repr, which puts them on one line itself:
        # from the one-line names it would escape their escapes again ('ye\\x1bs')
        caption = summary_table(res, exp=args.odds_ratios, reference_class=reference)
        print(wrapped(shown(cli_caption(caption.attrs["caption"]))))
        print(shown(body))
        print(  # McFadden's is in the caption
            f"pseudo-R2 Cox-Snell={res.pseudo_r2_cox_snell:.4g}  "
            f"Nagelkerke={res.pseudo_r2_nagelkerke:.4g}"
        )
    elif not args.json and res is not None and args.odds_ratios:  # exp(coef), no intervals
        from ..stats.inference import ratio_text

        table, caption = _ratios_only(*_one_line_names(res, reference))
        print("\ncoefficients (from the training fit):")
        print(wrapped(shown(_ratios_only(res, reference)[1])))
        body = table.to_string(
            formatters={table.columns[1]: ratio_text},
            float_format=lambda v: f"{v:.4g}",
            na_rep="NA",
        )
        print(shown(body))
    for key in ("wald_terms", "goodness_of_fit"):
        if not args.json and key in tests:
            print(f"\n{wrapped(shown(tests[key]['caption']))}")
            if tests[f"_{key}"] is not None:
                print(shown(tests[f"_{key}"]))
    if args.report:
        note(args, f"wrote {args.report}")
    return 0


def _statistics(
    saved: Any,
    args: argparse.Namespace,
    frames: list[Any],
    labels: np.ndarray,
    w: np.ndarray | None,
    proba: np.ndarray,
    y_idx: np.ndarray,
) -> dict[str, Any]:
    """The per-term Wald tests and the goodness of fit (``_statistics`` decides where),
    as JSON-ready entries ``wald_terms`` and ``goodness_of_fit`` of the metrics, each
    ``{"caption", "tests"}`` (``"rows"``: ``"training"`` or ``"new"``), and their
    terminal tables under ``_wald_terms`` and ``_goodness_of_fit`` (None: no table)."""
    import warnings

    import numpy as np
    import pandas as pd

    from ..exceptions import UnknownCategoryWarning
    from . import _statistics as st

    est = saved.estimator
    out: dict[str, Any] = {}
    if st.wants_term_tests(est):
        table, caption = st.term_tests(est)
        out["wald_terms"] = {"caption": caption, "tests": {}}
        out["_wald_terms"] = None
        if table is not None:
            out["wald_terms"]["tests"] = st.table_json(table)
            out["_wald_terms"] = st.format_table(table)
    X, off = None, None  # None: more rows than the training rows (Hosmer-Lemeshow only)
    if frames:
        X = pd.concat(frames)
        feats = [c["name"] for c in input_spec(saved, None)["columns"]]
        if args.offset is not None:
            off = offset_values(X, args.offset, str(args.data), X.index)
        X = X[feats]
        if getattr(est, "design_", None) is None and not hasattr(est, "feature_names_in_"):
            X = X.to_numpy(dtype=np.float64)  # a model fitted on arrays: its columns
    with warnings.catch_warnings():  # predict_chunks named the rows' unseen levels once
        warnings.simplefilter("ignore", UnknownCategoryWarning)
        found = st.goodness_of_fit_on(est, X, labels, w, off, proba[:, 1], (y_idx == 1) * 1.0)
    if found is not None:
        table, caption, rows = found
        out["goodness_of_fit"] = {"caption": caption, "rows": rows, "tests": {}}
        out["_goodness_of_fit"] = None
        if table is not None:
            out["goodness_of_fit"]["tests"] = st.table_json(table)
            out["_goodness_of_fit"] = st.format_table(table)
    return out


def _coefficients_json(res: Any, reference: Any, odds_ratios: bool) -> dict[str, Any]:
    """The coefficient table the text prints, for ``--json``: ``{"caption",
    "reference_class", "odds_ratios", "rows"}``, one row per term (binary) or per
    ``(class, term)`` (K > 2), each with its columns (the Python ``summary()`` of the same
    ``reference_class`` and ``exp``). ``reference_class`` is the class the rows are
    against: the one given, else the first class (as the caption says)."""
    from ..stats import summary_table

    def plain(v: Any) -> Any:
        return v.item() if hasattr(v, "item") else v

    table = summary_table(res, exp=odds_ratios, reference_class=reference)
    rows = []
    for key, row in table.to_dict("index").items():
        named = {"class": plain(key[0]), "term": key[1]} if isinstance(key, tuple) else {}
        rows.append((named or {"term": key}) | {c: float(v) for c, v in row.items()})
    return {
        "caption": cli_caption(table.attrs["caption"]),
        "reference_class": plain(res.classes[res.reference_index(reference)]),
        "odds_ratios": bool(odds_ratios),
        "rows": rows,
    }


def _ratios_only(res: Any, reference: Any) -> tuple[Any, str]:
    """A fit without standard errors (an L1 fit, ``--inference never``) as ``--odds-ratios``
    shows it: ``coef`` and ``exp(coef)`` per term (binary: ``odds_ratio``; K > 2, against
    the reference class: ``relative_risk_ratio``), an aliased term's NaN; and the caption,
    whose second line says they are penalised and why there are no intervals."""
    import numpy as np
    import pandas as pd

    coef = res.params("reference", reference).ravel().copy()
    coef[res.aliased_positions("reference", reference)] = np.nan  # R's NA
    if res.multinomial:
        labels = res.block_labels("reference", reference)
        index = pd.MultiIndex.from_product([labels, res.terms], names=["class", "term"])
    else:
        index = pd.Index(res.terms, name="term")
    name = "relative_risk_ratio" if res.multinomial else "odds_ratio"
    with np.errstate(over="ignore"):  # exp beyond 709 is inf: the exact limit
        table = pd.DataFrame({"coef": coef, name: np.exp(coef)}, index=index)
    lines = res.caption(reference_class=reference).split("\n")
    fit = (
        f"PENALIZED fit (alpha={res.alpha:g}): exp(coef) of the shrunk coefficients"
        if res.penalized
        else "maximum likelihood: exp(coef)"
    )
    what = "relative-risk ratios" if res.multinomial else "odds ratios"
    lines[1] = f"{what}, {fit}; no std_err or intervals: {cli_terms(res.reason)}"
    return table, cli_caption("\n".join(lines))


def _ratios_json(res: Any, reference: Any) -> dict[str, Any]:
    """:func:`_ratios_only` for ``--json``, in :func:`_coefficients_json`'s shape (rows
    of ``term`` (and ``class``), ``coef`` and the ratio; no interval columns)."""

    def plain(v: Any) -> Any:
        return v.item() if hasattr(v, "item") else v

    table, caption = _ratios_only(res, reference)
    rows = []
    for key, row in table.to_dict("index").items():
        named = {"class": plain(key[0]), "term": key[1]} if isinstance(key, tuple) else {}
        rows.append((named or {"term": key}) | {c: float(v) for c, v in row.items()})
    return {
        "caption": caption,
        "reference_class": plain(res.classes[res.reference_index(reference)]),
        "odds_ratios": True,
        "rows": rows,
    }


def _one_line_names(res: Any, reference: Any) -> tuple[Any, Any]:
    """The fit's statistics with its term and class names on one line each for the
    terminal (:func:`one_line`), and the reference class named so too."""
    import dataclasses

    def name(c: Any) -> Any:
        return one_line(c) if isinstance(c, str) else c

    res = dataclasses.replace(
        res, terms=[name(t) for t in res.terms], classes=[name(c) for c in res.classes]
    )
    return res, name(reference)


def _reference_class(label: str | None, classes: np.ndarray) -> Any:
    """The class ``--reference-class LABEL`` names (matched as written: ``2`` for class 2,
    ``2.0`` for 2.0), or None when not given; an error naming the classes otherwise."""
    if label is None:
        return None
    for c in classes.tolist():
        if str(c) == label:
            return c
    raise UserError(
        f"--reference-class {label!r} is not a class of the model; its classes are "
        f"{classes.tolist()}"
    )


def _target_indices(
    s: Any, classes: np.ndarray, target: str, text: bool, first_row: Any
) -> np.ndarray:
    """Class index of each label; unknown or missing labels are errors naming examples
    and their data rows (``first_row``: see :func:`~oneneuron.tables.row_number`)."""
    import numpy as np

    from ..tables import row_number

    missing = s.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"target column {target!r} has missing values (first at data row "
            f"{row_number(first_row, int(np.argmax(missing)))}); leave those rows out with "
            "--drop-missing"
        )
    values = s.astype(str).to_numpy(dtype=object) if text else s.to_numpy()
    if not text and values.dtype.kind == "O" and classes.dtype.kind in "iuf":
        # numeric classes, but a stray text label made pandas read the column as text:
        # compare the numbers as numbers, so only the stray labels are reported
        import pandas as pd

        num = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
        values = np.where(np.isnan(num), values, num.astype(object))
    lookup = {c: k for k, c in enumerate(classes.tolist())}
    idx = np.array([_find(lookup, v) for v in values.tolist()], dtype=np.intp)
    bad = idx < 0
    if bad.any():
        where = np.flatnonzero(bad)
        seen: dict[Any, int] = {}
        for i in where:
            seen.setdefault(values[i], row_number(first_row, int(i)))
            if len(seen) == 3:
                break
        examples = ", ".join(f"{_plain(v)!r} (data row {r})" for v, r in seen.items())
        raise DataError(
            f"target column {target!r} has {counted(int(bad.sum()), 'label')} the model does not "
            f"know: {examples[:120]}; its classes are {classes.tolist()}"
        )
    return idx


def _plain(v: Any) -> Any:
    """A NumPy scalar as the Python value it holds (``2``, not ``np.int64(2)``)."""
    return v.item() if hasattr(v, "item") else v


def _find(lookup: dict[Any, int], v: Any) -> int:
    try:
        return lookup.get(v, -1)
    except TypeError:  # an unhashable value
        return -1
