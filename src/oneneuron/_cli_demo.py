"""``oneneuron demo``: the tutorials' walkthroughs (grown in the walkthroughs issue)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``demo`` on the subcommand parser."""
    p = sub.add_parser("demo", help="run the tutorials' walkthroughs")
    p.add_argument("name", nargs="?", help="walkthrough name, or 'all'")
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fit the exam-scores data and print the coefficients."""
    from .datasets import load_exam_scores
    from .estimator import NeuronClassifier

    X, y, names = load_exam_scores()
    clf = NeuronClassifier().fit(X, y)
    print(f"exam-scores: {len(y)} applicants, features {names}")
    print(f"  coef = {clf.coef_.ravel().round(4).tolist()}, intercept = {clf.intercept_[0]:.4f}")
    print(f"  training accuracy = {clf.score(X, y):.2f}")
    return 0
