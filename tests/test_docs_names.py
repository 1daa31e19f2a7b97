"""Every name the documentation gives the user exists, with that name.

The README, the site's pages (``docs/``) and the docstrings name command-line flags
(``train --relax``), library names (``oneneuron.stats.wald_test``) and parameters
(``NeuronClassifierCV(rule="1se")``). A renamed flag or function leaves the prose
behind; these tests read the prose and look every name up: flags in the parser of the
command they are written with, dotted names by import, keyword arguments in the
signature.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from oneneuron.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.rst"))]
SOURCES = sorted((ROOT / "src" / "oneneuron").rglob("*.py"))
FLAG = re.compile(r"--[a-z][a-z0-9-]*")


def _commands() -> dict[str, set[str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {n: {o for a in p._actions for o in a.option_strings} for n, p in sub.choices.items()}


def _benchmark_flags() -> set[str]:
    """The benchmarks' own flags (``make bench``'s ``--all-peers``), as their parsers add them."""
    found: set[str] = set()
    for path in (ROOT / "benchmarks").glob("*.py"):
        found |= set(re.findall(r"add_argument\(\s*\"(--[a-z0-9-]+)\"", path.read_text()))
    return found


def _resolve(dotted: str) -> Any:
    """The object a dotted name such as ``oneneuron.stats.wald_test`` denotes."""
    parts = dotted.split(".")
    with warnings.catch_warnings():  # the deprecated aliases (oneneuron.io) still resolve
        warnings.simplefilter("ignore", DeprecationWarning)
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for attr in parts[i:]:
                obj = getattr(obj, attr)
            return obj
    raise ImportError(dotted)


def _spans(text: str) -> list[tuple[int, str]]:
    """Inline code (``x`` or `x`), shell lines (``$ ...``) and indented rst code lines,
    each with its line number."""
    spans = []
    for m in re.finditer(r"``([^`]+)``|`([^`\n]+)`|^\s*\$ (.+)$|^ {3,}(oneneuron .+)$", text, re.M):
        body = next(g for g in m.groups() if g is not None)
        spans.append((text.count("\n", 0, m.start()) + 1, body))
    return spans


def _page_flags() -> list[tuple[str, int, str | None, str]]:
    """``(page, line, command or None, flag)`` for every flag written in code on a page: the
    command is the last subcommand named before it in the same span."""
    commands = _commands()
    found = []
    for page in PAGES:
        for line, span in _spans(page.read_text()):
            command = None
            for token in re.split(r"[\s\[\]()|,]+", span):
                if token in commands:
                    command = token
                flag = FLAG.match(token)
                if flag and flag.group(0) == token.split("=")[0]:
                    found.append((page.name, line, command, flag.group(0)))
    return found


def test_every_flag_the_pages_name_is_an_option_of_its_command():
    commands = _commands()
    every = set().union(*commands.values()) | _benchmark_flags() | {"--help", "--version"}
    wrong = []
    for page, line, command, flag in _page_flags():
        known = commands[command] if command is not None else every
        if flag not in known:
            wrong.append(f"{page}:{line}: {command or 'oneneuron'} {flag}")
    assert not wrong, "\n".join(wrong)


def test_the_flag_check_sees_the_flags_of_the_pages():
    """The extraction finds flags with their commands (so the test above can fail)."""
    found = {(c, f) for _, _, c, f in _page_flags()}
    assert {("train", "--l1-ratio"), ("predict", "--interval"), ("evaluate", "--json")} <= found


def test_every_message_flag_is_an_option():
    """A flag a message of the library names (``--drop-missing``) exists in some command."""
    every = set().union(*_commands().values()) | {"--help", "--version"}
    wrong = []
    for path in SOURCES:
        if "cli" not in path.parts and "tables" not in path.parts:
            continue  # the flags' words live in the command line and the tables it reads
        for m in re.finditer(r"\"[^\"\n]*\"|'[^'\n]*'", path.read_text()):
            for flag in FLAG.findall(m.group(0)):
                if flag not in every and not flag.startswith("--c"):  # CSS variables
                    wrong.append(f"{path.name}: {flag}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def _dotted_names() -> list[tuple[str, str]]:
    """``oneneuron.x.y`` names on the pages and in the docstrings' roles and literals."""
    found = []
    for page in PAGES:
        for m in re.finditer(r"\boneneuron(?:\.[A-Za-z_]\w*)+", page.read_text()):
            found.append((page.name, m.group(0)))
    role = r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj):`~?(oneneuron\.[^`<>]+?)(?:\(\))?`"
    for path in SOURCES:
        text = path.read_text()
        for pattern in (role, r"``(oneneuron(?:\.[A-Za-z_]\w*)+)``"):
            found += [(path.name, m.group(1)) for m in re.finditer(pattern, text)]
    return found


def test_every_dotted_name_the_docs_give_exists():
    names = _dotted_names()
    assert ("README.md", "oneneuron.objective.LinearLoss") in names
    wrong = []
    for where, name in names:
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            wrong.append(f"{where}: {name}")
    assert not wrong, "\n".join(sorted(set(wrong)))


@pytest.mark.parametrize(
    "name", ["NeuronClassifier", "NeuronClassifierCV", "regularization_path", "logit"]
)
def test_every_keyword_the_pages_pass_is_a_parameter(name):
    """``NeuronClassifierCV(cv=5, rule="1se")`` on a page: each keyword is in the signature."""
    import oneneuron

    params = set(inspect.signature(getattr(oneneuron, name)).parameters)
    if name == "logit":  # **params go to NeuronClassifier
        params |= set(oneneuron.NeuronClassifier().get_params())
    call = re.compile(rf"(?:(?<=oneneuron\.)|(?<![\w.])){name}\(((?:[^()]|\([^()]*\))*)\)")
    wrong, seen = [], 0
    for page in PAGES:
        for m in call.finditer(page.read_text()):
            for key in re.findall(r"(?:^|[,(\s])([a-z_]\w*)\s*=(?!=)", m.group(1)):
                seen += 1
                if key not in params:
                    wrong.append(f"{page.name}: {key} in {m.group(0)[:80]}")
    assert seen, name
    assert not wrong, "\n".join(wrong)


def test_every_step_of_the_tutorials_loop_is_a_documented_method():
    """The README and the changelog list the neuron's steps as "initialize → forward →
    cost → backward → update"; ``initialize`` was only the constructor, so a learner's
    ``neuron.initialize()`` (the courses' ``initialize_with_zeros``) was an AttributeError."""
    import numpy as np

    from oneneuron import Neuron

    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if "forward →" in line)
    steps = re.findall(r"\w+", row.split("|")[1])
    assert steps == ["initialize", "forward", "cost", "backward", "update"], row
    for step in steps:
        method = getattr(Neuron, step, None)
        assert callable(method) and method.__doc__, step
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    neuron = Neuron(n_features=2)
    costs = []
    for _ in range(2):  # initialize starts the loop over, from zeros
        neuron.initialize()
        assert neuron.w.tolist() == [0.0, 0.0] and neuron.b == 0.0
        for _ in range(5):
            a = neuron.forward(X)
            cost = neuron.cost(a, y)
            neuron.update(*neuron.backward(X, a, y), learning_rate=1.0)
        costs.append(cost)
    assert costs[0] == costs[1] and costs[0] < np.log(2)
    neuron.initialize(w=[1.0, -1.0], b=0.5)
    assert neuron.w.tolist() == [1.0, -1.0] and neuron.b == 0.5
    with pytest.raises(ValueError, match="shape"):
        neuron.initialize(w=[1.0])


def test_every_extra_the_messages_and_pages_name_exists():
    """``pip install "oneneuron[dask]"``: each extra a message or page names is declared."""
    import tomllib

    extras = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    named = set()
    for path in [*PAGES, *SOURCES]:
        named |= set(re.findall(r"oneneuron\[([a-z0-9_-]+)\]", path.read_text()))
    assert {"dask", "torch"} <= named
    assert named <= extras, named - extras


def test_fit_parquet_without_dask_says_what_to_install(monkeypatch, tmp_path):
    """fit_parquet without Dask raised "No module named 'dask'"; the command line's
    --engine dask said which extra to install. Now fit_parquet says it too."""
    import sys

    from oneneuron.dask_io import fit_parquet

    for name in ("dask", "dask.dataframe", "dask.array"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"oneneuron\[dask\]"):
        fit_parquet(tmp_path / "data.parquet", target="y")


def test_every_default_a_help_states_is_the_default():
    """``--max-iter N  ... (default 1000)``: a default written in a help text is the parser's
    (and --tol, --max-iter and --alpha state theirs)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    stated = {}
    for command, p in sub.choices.items():
        for action in p._actions:
            said = re.findall(r"default:? ([0-9][\w.+-]*|[a-z]+\b)", action.help or "")
            if len(said) != 1 or not action.option_strings:
                continue  # several defaults (gd's and sgd's step): each the estimator's
            number = re.fullmatch(r"[0-9][0-9.e+-]*", said[0]) is not None
            if not number and not isinstance(action.default, str):
                continue  # a description ("default: all but the target ...")
            stated[(command, action.option_strings[-1])] = said[0]
            want = action.default if action.default is not None else 0  # --alpha: None is 0
            if number:
                assert float(said[0]) == float(want), (command, action.help, want)
            else:
                assert said[0] == str(want), (command, action.help, want)
    assert {("train", "--tol"), ("train", "--max-iter"), ("train", "--alpha")} <= set(stated)
