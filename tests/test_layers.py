"""The package's plan: one folder per layer, imports pointing down only, no circles.

Ranks follow ``DESIGN.md``: faces (cli, playground, demos, plot) -> modelfile -> classifier ->
stats, solvers, engines, tables -> objective, optim, neuron, datasets -> functions -> wording.
A module may import its own folder and any lower rank; sibling folders of one rank
stay independent; private modules (``_name``) are imported only from their own
folder. Every import counts, also the lazy ones inside functions.
"""

from __future__ import annotations

import ast
import importlib
import multiprocessing
import pathlib
import subprocess
import sys

import pytest

import oneneuron

ROOT = pathlib.Path(oneneuron.__file__).parent

#: rank of each top-level module or folder of the package (higher may import lower)
RANKS = {
    "wording": -1,  # counts in messages: every layer words them alike
    "_version": 0,
    "exceptions": 0,
    "functions": 0,
    "lazy": 0,
    "objective": 1,
    "optim": 1,
    "neuron": 1,
    "datasets": 1,
    "engines": 2,
    "solvers": 2,
    "stats": 2,
    "tables": 2,
    "classifier": 3,
    "modelfile": 4,
    "plot": 5,
    "demos": 6,
    "playground": 7,
    "cli": 8,
    # the package itself and the aliases of old import paths sit on top
    "__init__": 9,
    "io": 9,
    "inference": 9,
    "dask_io": 9,
    "__main__": 9,
}

#: the upward imports allowed, each named: (importing module, imported module). None: the
#: estimators' save() reaches the model-file wing through the writer the package registers.
ALLOWED_UPWARD: set[tuple[str, str]] = set()


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for f in sorted(ROOT.rglob("*.py")):
        rel = f.relative_to(ROOT.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = f
    return out


MODULES = _modules()


def _unit(module: str) -> str:
    """The folder or top-level module a module belongs to (``cli``, ``functions``...)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(module: str, path: pathlib.Path) -> list[tuple[int, str]]:
    """``(line, imported oneneuron module)`` for every import in the file, lazy ones too."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names]
            # "from . import x" imports the module x; "from .m import f" imports m
            found += [(node.lineno, n if n in MODULES else target) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, t) for line, t in found if t == "oneneuron" or t.startswith("oneneuron.")]


def test_every_module_has_a_rank():
    """A new top-level module or folder must be placed in the plan before it lands."""
    missing = sorted({_unit(m) for m in MODULES} - set(RANKS))
    assert not missing, f"give these a rank in RANKS (see DESIGN.md): {missing}"


def test_no_private_modules_at_the_top():
    private = [
        p.name
        for p in ROOT.glob("_*.py")
        if p.name not in ("__init__.py", "__main__.py", "_version.py")
    ]
    assert not private, f"private modules belong in the folder of their layer: {private}"


def test_imports_point_down():
    """Fails on an upward import, a sibling-layer import or a private module of another folder."""
    problems = []
    for module, path in MODULES.items():
        src = _unit(module)
        for line, target in _imports(module, path):
            dst = _unit(target)
            where = f"{path.relative_to(ROOT.parent)}:{line} imports {target}"
            if dst == src:
                continue
            if (module, target) in ALLOWED_UPWARD:
                continue
            if RANKS[dst] > RANKS[src]:
                problems.append(f"{where} (upward: {src} is below {dst})")
            elif RANKS[dst] == RANKS[src] and src != "__init__":
                problems.append(f"{where} (sibling layers {src} and {dst} stay independent)")
            private = [p for p in target.split(".")[2:] if p.startswith("_")]
            if private and src not in ("__init__",):
                problems.append(f"{where} (private module of the {dst} folder)")
    assert not problems, "\n".join(problems)


def test_save_reaches_the_model_file_wing_without_an_upward_import(tmp_path):
    """The classifier layer's save() writes through the writer the package registered
    (the model-file wing's), in a fresh interpreter that imports only the classifier layer;
    the file reads back as the model (oracle: its predictions)."""
    code = (
        "import sys, numpy as np\n"
        "from oneneuron.classifier import NeuronClassifier\n"
        "X = np.random.default_rng(0).normal(size=(80, 2)); y = X[:, 0] > 0\n"
        "m = NeuronClassifier().fit(X, y); m.save(sys.argv[1])\n"
        "from oneneuron.modelfile import load\n"
        "assert (load(sys.argv[1]).predict_proba(X) == m.predict_proba(X)).all()\n"
    )
    argv = [sys.executable, "-c", code, str(tmp_path / "m.json")]
    run = subprocess.run(argv, capture_output=True)
    assert run.returncode == 0, run.stderr.decode()


def test_layer_check_catches_an_upward_import(tmp_path, monkeypatch):
    """The checker itself can fail: a function module importing the estimator is caught."""
    fake = tmp_path / "functions.py"
    fake.write_text("def f():\n    from .classifier import NeuronClassifier\n")
    edges = _imports("oneneuron.functions", fake)
    assert edges == [(2, "oneneuron.classifier")]
    assert RANKS[_unit(edges[0][1])] > RANKS["functions"]


def _import_fresh(name: str) -> str:
    """Import ``name`` with no oneneuron module loaded yet (runs in a forked child)."""
    for mod in [m for m in sys.modules if m == "oneneuron" or m.startswith("oneneuron.")]:
        del sys.modules[mod]
    try:
        importlib.import_module(name)
    except Exception as exc:  # reported to the parent, which fails the test
        return f"{name}: {type(exc).__name__}: {exc}"
    return ""


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork")
def test_each_module_imports_on_its_own():
    """Each module imported first, in a fresh child: no circle depends on import order.

    The children are forked from this process after the third-party libraries are
    loaded, but with every oneneuron module removed, so each import starts from
    nothing of the package.
    """
    import matplotlib
    import pandas  # noqa: F401  (loaded once in the parent, shared by the forks)
    import sklearn.base  # noqa: F401

    matplotlib.use("Agg")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        failures = [r for r in pool.map(_import_fresh, sorted(MODULES)) if r]
    assert not failures, "\n".join(failures)


def test_old_import_paths_still_work_and_say_where_names_moved():
    import oneneuron.dask_io
    import oneneuron.inference
    import oneneuron.io
    from oneneuron import modelfile, stats
    from oneneuron.classifier import fit_parquet

    with pytest.warns(DeprecationWarning, match="oneneuron.modelfile.load"):
        assert oneneuron.io.load is modelfile.load
    with pytest.warns(DeprecationWarning, match="oneneuron.stats.InferenceResult"):
        assert oneneuron.inference.InferenceResult is stats.InferenceResult
    assert oneneuron.dask_io.fit_parquet is fit_parquet
    with pytest.raises(AttributeError):
        oneneuron.io.no_such_name  # noqa: B018


def test_help_opens_with_the_map_of_layers():
    doc = oneneuron.__doc__
    folders = ("cli/", "modelfile/", "classifier/", "stats/", "solvers/", "engines/", "tables/")
    for folder in folders:
        assert folder in doc
    assert doc.index("NeuronClassifier") < doc.index("cli/")
    assert all(not name.startswith("_") or name == "__version__" for name in oneneuron.__all__)
