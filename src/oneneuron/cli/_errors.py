"""The command line's errors and warnings: :class:`UserError` and the mapping of file,
data and model problems to it (one ``error:`` line, exit 1); warnings as one
``warning:`` line per distinct message. The bottom of the CLI wing: every command
module imports it, it imports no command."""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..modelfile import ModelFileError
from ..tables import DataError

#: Characters a terminal acts on instead of showing: C0 and C1 controls but newline and
#: tab (escape sequences, carriage return, bell) and the bidirectional overrides.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


#: The longest run of characters without a space that a message shows whole: PATH_MAX
#: on Linux, so that no path is cut; a longer one is a cell of a damaged table.
LONGEST_WORD = 4096


def _shorter(m: re.Match[str]) -> str:
    """The run's ends and its length (quotes and brackets around it kept, not counted)."""
    parts = re.fullmatch(r"([\"'(\[]*)(.*?)([\"')\],;:.]*)", m[0], re.S)
    assert parts is not None  # every text matches
    pre, word, post = parts.groups()
    return f"{pre}{word[:60]}...[{len(word)} characters]...{word[-60:]}{post}"


#: The environment's thread counts that the numerical libraries parse as they load:
#: OpenMP's (a count, or a comma-separated count per nesting level) and numexpr's (which
#: pandas loads; it falls back to OMP_NUM_THREADS and reads it with int()), and numba's,
#: read as the fused kernels load (``abc`` printed its parse failure's traceback as a
#: warning, ``0`` stopped the command with a complaint that named no variable).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS",
    "NUMBA_NUM_THREADS",
)


def check_environment(environ: Any = None) -> None:
    """Raise :class:`UserError` for a thread count in the environment that is no
    positive count (``OMP_NUM_THREADS=abc`` ended in numexpr's traceback at pandas'
    import, ``=0`` in libgomp's complaint). For OpenMP's valid list (``4,2``), which
    numexpr cannot read, numexpr is given the first count as ``NUMEXPR_NUM_THREADS``
    (where that is unset). An empty value is taken as unset, and removed (numba parsed
    a blank ``NUMBA_NUM_THREADS`` and printed its warning)."""
    env = os.environ if environ is None else environ
    for name in THREAD_VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            env.pop(name, None)
            continue
        counts = value.split(",") if name == "OMP_NUM_THREADS" else [value]
        if not all(c.strip().isdigit() and int(c) >= 1 for c in counts):
            raise UserError(
                f"the environment variable {name}={value!r} is not a number of threads: "
                f"set it to a positive integer (e.g. {name}=4) or unset it"
            )
    omp = env.get("OMP_NUM_THREADS", "")
    if "," in omp and not env.get("NUMEXPR_NUM_THREADS", "").strip():
        env["NUMEXPR_NUM_THREADS"] = omp.split(",")[0].strip()


def shown(text: str) -> str:
    r"""``text`` for the terminal: control characters escaped (``\x1b``, ``\u202e``).

    Names and labels come from the user's tables: printed as they are, an escape
    sequence in a class label would clear the screen or retitle the terminal, and a
    carriage return print a made-up line over a metric. Everything the commands print
    for people goes through this; the files they write keep the text as it is.
    Newlines and tabs stay, except in the paths the user gave (:func:`user_paths`).
    A run of more than :data:`LONGEST_WORD` characters without
    a space (a 2 MB cell read as a category) is shown as its ends and its length.

    Examples
    --------
    >>> print(shown("yes\x1b[2J and\rno\u202e"))
    yes\x1b[2J and\x0dno\u202e
    """
    return escaped(re.sub(rf"\S{{{LONGEST_WORD + 1},}}", _shorter, _paths_on_one_line(text)))


def _paths_on_one_line(text: str) -> str:
    r"""``text`` with the paths the user gave (:func:`user_paths`) that hold a line break
    or tab written with ``\n`` and ``\t``, as :func:`one_line` writes names: a model
    named ``"no\nerror: x"`` cannot print a second ``error:`` line."""
    for given in _USER_PATHS.get():
        if "\n" in given or "\t" in given:
            text = text.replace(given, given.replace("\n", "\\n").replace("\t", "\\t"))
    return text


def escaped(text: str) -> str:
    r"""``text`` with the characters a terminal or a page acts on instead of showing
    (C0 and C1 controls but newline and tab, the bidirectional overrides and isolates)
    written as escapes, as :func:`shown` writes them; nothing else changes.

    Examples
    --------
    >>> print(escaped("b\u202elue\x07"))
    b\u202elue\x07
    """
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


def one_line(name: Any) -> str:
    r"""A name or label from the user's table for the terminal, on one line: as
    :func:`shown`, and its line breaks and tabs escaped too (``\n``), so that a label
    such as ``"no\naccuracy 0.99"`` cannot print a made-up line among the metrics.

    Examples
    --------
    >>> print(one_line("no\naccuracy 0.99"))
    no\naccuracy 0.99
    """
    return shown(str(name).replace("\n", "\\n").replace("\t", "\\t"))


#: The widest line the commands print about a fit (captions, notes on the model).
WIDTH = 100


def wrapped(text: str, width: int = WIDTH) -> str:
    """``text`` with each line longer than ``width`` folded, no word lost or split.

    A line of statistics (``nobs=60  log-likelihood=-27.6  ...``, fields apart by two
    spaces) breaks between fields; prose breaks between words, its further lines
    indented by two spaces. A single word longer than ``width`` (a path) stays whole.

    Examples
    --------
    >>> print(wrapped("a=1  b=2  c=3", width=9))
    a=1  b=2
    c=3
    >>> print(wrapped("one two three four", width=9))
    one two
      three
      four
    >>> print(wrapped("a=1  LR=2 on one df", width=9))  # a field wider than a line
    a=1
    LR=2 on
      one df
    """
    out: list[str] = []
    for line in text.split("\n"):
        lead = line[: len(line) - len(line.lstrip())]
        fields = line.strip().split("  ")
        if len(line) <= width:
            out.append(line)
        elif len(fields) > 1 and all("=" in f for f in fields):  # name=value  name=value
            row = ""
            for field in fields:
                if len(lead) + len(field) > width:  # a field wider than a line: its words
                    out.extend([row] if row else [])
                    out.extend(_words(lead + field, width, lead + "  "))
                    row = ""
                elif row and len(row) + 2 + len(field) > width:
                    out.append(row)
                    row = lead + field
                else:
                    row = f"{row}  {field}" if row else lead + field
            out.extend([row] if row else [])
        else:
            out.extend(_words(line, width, lead + "  "))
    return "\n".join(out)


def _words(line: str, width: int, indent: str) -> list[str]:
    """``line`` folded between words (none split), further lines indented by ``indent``."""
    import textwrap

    return textwrap.wrap(
        line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )


class UserError(Exception):
    """A problem with the user's data, model or files: printed as one line, exit 1."""


def user_errors(fn: Any) -> Any:
    """Turn file, data and model problems into :class:`UserError` (one line, exit 1)."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (ModelFileError, DataError) as exc:  # the layers' words, in the flags'
            raise UserError(cli_terms(str(exc))) from None
        except BrokenPipeError:  # piped into `head`: main() stops quietly (exit 141)
            raise
        except FileExistsError as exc:
            raise UserError(f"{exc}; pass --force to replace it") from None
        except PermissionError as exc:
            raise UserError(f"permission denied: {exc.filename}") from None
        except OSError as exc:
            named = isinstance(exc.filename, str | bytes | os.PathLike)  # not a descriptor
            where = f" {exc.filename}" if named and exc.filename else ""
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                # the files the commands write are named (tables._write); a nameless
                # write is the command's standard output (predict --out -, the results)
                where = where or " standard output"
                raise UserError(f"cannot write{where}: no space left on the device") from None
            raise UserError(f"cannot access{where}: {exc.strerror or exc}") from None

    wrapped.__doc__ = fn.__doc__
    return wrapped


_DEVELOPER_NOTICES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _for_user(w: warnings.WarningMessage) -> bool:
    """Deprecation notices are for developers of the code that triggers them (here:
    oneneuron calling pandas, dask calling pandas ...), not for the command's user."""
    own = w.category.__module__.startswith("oneneuron")
    return own or not issubclass(w.category, _DEVELOPER_NOTICES)


def show_warnings(caught: Iterable[warnings.WarningMessage], seen: set[str] | None = None) -> None:
    """Print recorded warnings as ``warning: message`` lines, each distinct message once."""
    seen = set() if seen is None else seen
    for w in caught:
        text = cli_terms(" ".join(_without_traceback(str(w.message)).split()))  # flags
        if _for_user(w) and text not in seen:
            seen.add(text)
            print(f"warning: {shown(text)}", file=sys.stderr)


def _without_traceback(message: str) -> str:
    """``message`` with a traceback it carries (numba's warning of a NUMBA_* variable it
    cannot parse holds the parse's) replaced by the traceback's last line, the exception."""
    head, mark, tail = message.partition("Traceback (most recent call last):")
    if not mark:
        return message
    lines = [line for line in tail.splitlines() if line.strip()]
    return f"{head.rstrip()} {lines[-1].strip() if lines else ''}".rstrip()


@contextmanager
def user_warnings() -> Iterator[None]:
    """Within: a warning is one ``warning:`` line per distinct message (no file, line or
    source code), and other libraries' deprecation notices are dropped. Filters set by
    the caller (e.g. ``-W error``) are kept."""
    seen: set[str] = set()

    def show(message: Any, category: Any, filename: str, lineno: int, *_: Any) -> None:
        w = warnings.WarningMessage(message, category, filename, lineno)
        show_warnings([w], seen)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


#: The file and folder names the command was given (DATA, MODEL, --out, --report):
#: :func:`cli_terms` never rewrites them, nor a path inside such a folder.
_USER_PATHS: ContextVar[tuple[str, ...]] = ContextVar("_USER_PATHS", default=())


@contextmanager
def user_paths(paths: Iterable[Any]) -> Iterator[None]:
    """Within: ``paths`` (and paths inside them) are shown as given by every message that
    :func:`cli_terms` rewrites (a folder ``alpha=3`` is no ``--alpha 3``)."""
    given = tuple(sorted({str(p) for p in paths if p is not None and str(p)}, key=len))
    token = _USER_PATHS.set(given[::-1])  # the longest first: a path inside another
    try:
        yield
    finally:
        _USER_PATHS.reset(token)


def cli_terms(text: str) -> str:
    """The estimator's messages with Python keywords in the command line's flags.

    The paths the user gave (see :func:`user_paths`) are kept as written, whatever
    words they hold.
    """
    paths: list[str] = []

    def keep(m: re.Match[str]) -> str:
        paths.append(m[0])
        return f"\x01{len(paths) - 1}\x01"

    for given in _USER_PATHS.get():  # a whole path, or one inside it (up to a space)
        whole = rf"(?<![\w./\\-]){re.escape(given)}(?:[/\\][^\s'\"]*)?(?=[\s'\":;,)]|$)"
        text = re.sub(whole, keep, text)
    text = _cli_words(text)
    return re.sub(r"\x01(\d+)\x01", lambda m: paths[int(m[1])], text)


def _terms(text: str) -> tuple[str, list[str]]:
    """``text`` with the model's terms set aside (``\x02i\x02``), and the terms.

    A term names the user's columns, whatever they are called: a formula's call with
    what it holds in parentheses (``I(alpha > 3)``, ``np.log(max_iter)``, ``C(g,
    Treatment(reference='b'))``), and a term after a coefficient's ``*`` in a linear
    combination (``+1*max_iter``). Python's keywords in them are no advice to reword
    as flags. ``column(s)`` is a word, not a call.
    """
    terms: list[str] = []
    out, i = [], 0
    for m in re.finditer(r"(?<![\w.])[A-Za-z_][\w.]*\(", text):
        if m.start() < i:
            continue  # inside a call already set aside
        depth, j = 0, m.end() - 1
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        if j == len(text) or text[m.end() : j] == "s":  # unbalanced, or a plural's (s)
            continue
        out.append(text[i : m.start()])
        terms.append(text[m.start() : j + 1])
        out.append(f"\x02{len(terms) - 1}\x02")
        i = j + 1
    out.append(text[i:])
    text = "".join(out)

    def aside(m: re.Match[str]) -> str:
        terms.append(m[0])
        return f"\x02{len(terms) - 1}\x02"

    return re.sub(r"(?<=\d\*)[^\s*\x02]+", aside, text), terms


def _cli_words(text: str) -> str:
    text, terms = _terms(text)
    text = _keywords_as_flags(text)
    return re.sub(r"\x02(\d+)\x02", lambda m: terms[int(m[1])], text)


def _keywords_as_flags(text: str) -> str:
    for py, flag in (
        (  # tables' EMPTY_ADVICE
            "; leave it out of the table (or of the formula)",
            "; leave it out with --features (or --formula)",
        ),
        (  # DesignSpec.fit: the keyword reference=, train's --reference COL=LEVEL
            "reference names column",
            "--reference names column",
        ),
        (
            ", which is numeric, not categorical",
            ", which is numeric, not categorical: --categorical COL reads a column of "
            "numbers as categories",
        ),
        (
            "drop those rows (missing='drop', CLI --drop-missing) or fill them "
            "(missing='mean'|'median'|'most_frequent', CLI --impute)",
            "drop those rows with --drop-missing or fill them with --impute "
            "mean|median|most_frequent",
        ),
        (
            "a class label cannot be filled: drop those rows (missing='drop', or beforehand)",
            "a class label cannot be filled: drop those rows with --drop-missing, or train "
            "with --impute, which fills missing features and drops the rows without a label",
        ),
        (  # check_classes_kept
            "fill the cells (missing='mean'|'median'|'most_frequent', CLI --impute)",
            "fill the cells with --impute mean|median|most_frequent",
        ),
        (
            "leave such a column out (filled, it would only mark the class: see ImputationWarning)",
            "leave such a column out with --features (or --formula): filled with --impute, "
            "it would only mark the class",
        ),
        ("(missing='mean')", "(--impute mean)"),
        ("(missing='median')", "(--impute median)"),
        ("(missing='most_frequent')", "(--impute most_frequent)"),
        ("missing='drop'", "--drop-missing"),
        (  # engines' ZERO_WEIGHTS and the classes left with weight (train --weights)
            "sample_weight must be non-negative with a positive sum; all weights are zero",
            "every row has weight 0 in --weights (a weight counts a row): at least one must be > 0",
        ),
        (
            "has positive weight after sample_weight and class_weight; a classifier needs",
            "has rows with weight > 0 in --weights; a classifier needs",
        ),
        (
            "all its rows have sample_weight 0 (or its class_weight is 0)",
            "all its rows have weight 0 in --weights",
        ),
        (  # fit_parquet's text columns: what --engine dask can do about them
            "; encode them (e.g. one-hot) before fitting",
            "; leave them out with --features, or train without --engine dask (in memory, "
            "text columns are coded against a reference level)",
        ),
        ("scheduler '", "--scheduler '"),  # fit_parquet's refused scheduler
        ("encoding='full'", "--encoding full"),
        ("encoding='reference'", "--encoding reference"),
        # check_no_intercept_column: the table, and train's flag for fit_intercept=False
        ("X has a column named 'intercept'", "the table has a column named 'intercept'"),
        ("(or fit with fit_intercept=False)", "(or train with --no-intercept)"),
        # numbers_as_text: pandas' read_csv options, the command line's --decimal and
        # --thousands (with --sep where the decimal mark is ',')
        (
            "write them with a decimal point, or read the file with decimal=','",
            "read the file with --decimal ',' (and --thousands '.' where they are grouped, "
            "as 1.234,5; a ','-separated file needs --sep too: Excel's export is ';'), or "
            "write them with a decimal point",
        ),
        (
            "write them without, or read the file with thousands=','",
            "write them without, or read the file with --thousands ','",
        ),
        (
            "write them without, or read the file with thousands=' '",
            "write them without, or read the file with --thousands ' '",
        ),
        (
            'write them without, or read the file with thousands="\'"',
            'write them without, or read the file with --thousands "\'"',
        ),
        ("which no thousands= option reads", "which --thousands does not read"),
        (
            "a decimal point, or read the file with thousands=',' or decimal=','",
            "a decimal point, or read the file with --thousands ',' or, where the comma is "
            "a decimal mark, --decimal ','",
        ),
        # check_weight_size: the command line's weights are one column, without class weights
        ("sample_weight (times class_weight) reaches", "the --weights column reaches"),
        ("sample_weight (times class_weight) is at most", "the --weights column is at most"),
        ("(alpha=0)", "(--alpha 0)"),
        # binary-only settings: scikit-learn's estimator checks look for this sentence in
        # the Python message; the command line has said it already, in its own words
        (" Only binary classification is supported.", ""),
        ("use 'HC0', 'HC1' or 'cluster'", "use --cov-type HC0, HC1 or cluster"),
        # (the longer first: "column" begins "columns")
        ("drop the redundant columns", "leave those columns out (--features or --formula)"),
        ("drop the redundant column", "leave a column out (--features or --formula)"),
        (  # check_not_identifier; --numeric is train's way to read codes as numbers
            "leave it out, or convert it to a number",
            "leave it out with --features (or --formula), or, for whole numbers "
            "written with leading zeros, read them as numbers with --numeric COL",
        ),
        # the longer message first: the shorter one is part of it
        ("inference=False was set; refit with inference=True", "--inference never was given"),
        (
            "inference='auto' skipped the Hessian pass",
            "--inference auto (the default) skipped the Hessian pass",
        ),
        ("refit with inference=True", "train again with --inference always"),
        ("refit with inference=False", "train again with --inference never"),
        ("refit with relax=True", "train again with --relax"),
        ("with an L1 penalty, relax=True refits", "with an L1 penalty, --relax refits"),
        (  # a separated relaxed refit (RELAXED_SEPARATED)
            "relax=True: the unpenalised refit on the columns the L1 fit kept:",
            "--relax: the unpenalised refit on the columns the L1 fit kept:",
        ),
        ("drop relax=True: the L1 fit itself", "train without --relax: the L1 fit itself"),
        ("Drop relax=True: the L1 fit itself", "Train without --relax: the L1 fit itself"),
        (
            "so relax=True has nothing to refit; lower alpha",
            "so --relax has nothing to refit; lower --alpha",
        ),
    ):
        text = text.replace(py, flag)
    # the keyword reference= (an array's refusal), but not a contrast's in a term's name,
    # C(g, Treatment(reference='b'))[T.c], which a warning names as the design does
    text = re.sub(r"(?<![\w(])reference=", "--reference ", text)
    # a column to leave out (dates, lists, ids...): how, on the command line
    text = re.sub(r"\bleave it out(?=[,;)]|$)", "leave it out with --features (or --formula)", text)
    for pattern, flag in _CLI_PATTERNS:  # scikit-learn's 'max_iter' before the keyword's turn
        text = re.sub(pattern, flag, text)
    # a name in quotes that is no keyword's value (a column 'max_iter') is the user's: kept
    kept: list[str] = []

    def stash(m: re.Match[str]) -> str:
        kept.append(m[0])
        return f"\x00{len(kept) - 1}\x00"

    text = re.sub(r"(?<![=\w])(?:'[^'\n]*'|\"[^\"\n]*\")", stash, text)
    # an L1 fit's settings, e.g. "(alpha=1000, l1_ratio=1)": both flags, not --alpha=1000
    text = re.sub(r"\(alpha=([^,()]+), l1_ratio=([^,()]+)\)", r"(--alpha \1, --l1-ratio \2)", text)
    # Python's rows are 0-based positions; the command line counts data rows from 1
    text = re.sub(
        r"(first|finite) at row (\d+)", lambda m: f"{m[1]} at data row {int(m[2]) + 1}", text
    )
    text = re.sub(r"cov_type='(\w+)'", r"--cov-type \1", text)  # a Python keyword, spelt out
    text = re.sub(r"(?<![\w'])y has (\d+) classes", r"the target has \1 classes", text)
    text = re.sub(r"\bmax_iter\b", "--max-iter", text)
    text = re.sub(r"\bloosen tol\b", "loosen --tol", text)  # a path's stalled solve
    text = re.sub(r"(?<!-)\b(alpha|firth)\b(?= ?[>=<])", r"--\1", text)  # alpha > 0, firth=True
    text = re.sub(r"\b(a (?:larger|smaller)) alpha\b", r"\1 --alpha", text)
    text = text.replace("--firth=True", "--firth")
    # gradient descent's advice: "lower learning_rate, or use solver='lbfgs'"
    text = re.sub(r"(?<![-'])\blearning_rate\b", "--learning-rate", text)
    text = re.sub(r"\bsolver='([\w-]+)'", r"--solver \1", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m[1])], text)


def cli_caption(text: str) -> str:
    """A summary table's caption as the command line prints it: what only Python offers
    (Firth's profile intervals) is said to be Python's."""
    return text.replace(
        "(summary(ci='profile', X=..., y=...) for profile ones)",
        "(profile ones: summary(ci='profile', X=..., y=...) in Python; the command line has none)",
    )


#: Messages of scikit-learn and of the estimator's parameter checks, in the flags' names.
_CLI_PATTERNS = (
    (
        r"Cannot have number of splits n_splits=(\d+) greater than the number of samples: "
        r"n_samples=(\d+)\.?",
        r"--cv \1 asks for more folds than the \2 rows of the table; choose fewer",
    ),
    (
        r"n_splits=(\d+) cannot be greater than the number of members in each class\.?",
        r"--cv \1 asks for more folds than any class has rows (the folds are stratified: "
        r"the rows of each class are spread over them, and at least one class must reach "
        r"every fold); choose fewer",
    ),
    (
        r"The '(\w+)' parameter of \w+ must be (.*?)\. Got (.*?) instead\.",
        lambda m: f"--{m[1].replace('_', '-')} must be {m[2]}, not {m[3]}",
    ),
    (
        r"l1_ratio=(\S+) needs solver='(\S+)' or '(\S+)' \(solver='(\S+)'",
        r"--l1-ratio \1 needs --solver \2 or \3 (--solver \4",
    ),
)
