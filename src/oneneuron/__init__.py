"""oneneuron: the single-neuron classifier of the tutorials, built as real software.

``z = X @ w + b``, ``a = sigmoid(z)``, mean cross-entropy, gradient ``(a - y) x``;
with K > 2 classes the neuron becomes a softmax layer.

The public names: :class:`NeuronClassifier` (the scikit-learn estimator),
:class:`Neuron` (the tutorial's step-by-step neuron), :func:`save` and :func:`load`
(JSON model files), the activation and loss functions (``sigmoid``, ``log_loss``,
``softmax``, ``cross_entropy`` and their derivatives) and the warning classes.

The package is one folder per layer; arrows point down only::

    faces       cli/  plot/  demos/          command line, figures, walkthroughs
    modelfile/                               JSON model documents (save, load)
    classifier/                              NeuronClassifier: parameters, fit, predict
    stats/  solvers/  engines/  tables/      inference; optimisers; where the data
                                             lives; the user's tables -> columns
    objective  optim  neuron  datasets       the objective; update rules; the
                                             tutorial neuron; the course's data
    functions  exceptions                    sigmoid, losses, softmax; warnings

``oneneuron.io``, ``oneneuron.inference`` and ``oneneuron.dask_io`` remain as aliases
of ``oneneuron.modelfile``, ``oneneuron.stats`` and ``oneneuron.classifier``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import classifier as _classifier
from ._version import __version__
from .lazy import lazy_attributes


def _write_model(estimator: Any, path: Any, *, overwrite: bool = False) -> None:
    """The model-file writer behind the estimators' ``save()`` (registered below)."""
    from .modelfile import save

    save(estimator, path, overwrite=overwrite)


# The classifier layer never imports the model-file wing above it: the package, above
# both, hands it the writer (the classifier package itself is cheap: its names are lazy).
_classifier.set_model_writer(_write_model)

if TYPE_CHECKING:
    from .classifier import (
        NeuronClassifier,
        NeuronClassifierCV,
        RegularizationPath,
        logit,
        regularization_path,
    )
    from .exceptions import (
        CollinearityWarning,
        ConvergenceWarning,
        EmptyClassWarning,
        GridEdgeWarning,
        ImputationWarning,
        LevelWarning,
        ParameterWarning,
        SeparationWarning,
        UnknownCategoryWarning,
    )
    from .functions import (
        cross_entropy,
        cross_entropy_grad,
        log_loss,
        log_loss_grad,
        log_sigmoid,
        log_softmax,
        sigmoid,
        sigmoid_grad,
        softmax,
    )
    from .modelfile import load, save
    from .neuron import Neuron
    from .stats import (
        ChiSquareTest,
        anova,
        diagnostics,
        goodness_of_fit,
        lr_test,
        wald_terms,
        wald_test,
    )

#: Where each public name lives. They are imported on first use, so that
#: ``import oneneuron`` (and the command line's start-up) costs no NumPy,
#: scikit-learn or pandas import until a name that needs them is touched.
_LAZY = {
    **dict.fromkeys(
        [
            "NeuronClassifier",
            "NeuronClassifierCV",
            "RegularizationPath",
            "logit",
            "regularization_path",
        ],
        ".classifier",
    ),
    "CollinearityWarning": ".exceptions",
    "ConvergenceWarning": ".exceptions",
    "SeparationWarning": ".exceptions",
    "ImputationWarning": ".exceptions",
    "UnknownCategoryWarning": ".exceptions",
    "ParameterWarning": ".exceptions",
    "EmptyClassWarning": ".exceptions",
    "GridEdgeWarning": ".exceptions",
    "LevelWarning": ".exceptions",
    "load": ".modelfile",
    "save": ".modelfile",
    "Neuron": ".neuron",
    **dict.fromkeys(
        [
            "ChiSquareTest",
            "anova",
            "diagnostics",
            "goodness_of_fit",
            "lr_test",
            "wald_terms",
            "wald_test",
        ],
        ".stats",
    ),
    **dict.fromkeys(
        [
            "cross_entropy",
            "cross_entropy_grad",
            "log_loss",
            "log_loss_grad",
            "log_sigmoid",
            "log_softmax",
            "sigmoid",
            "sigmoid_grad",
            "softmax",
        ],
        ".functions",
    ),
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "__version__",
    "Neuron",
    "ChiSquareTest",
    "anova",
    "diagnostics",
    "goodness_of_fit",
    "lr_test",
    "wald_terms",
    "wald_test",
    "NeuronClassifier",
    "NeuronClassifierCV",
    "RegularizationPath",
    "regularization_path",
    "logit",
    "load",
    "save",
    "CollinearityWarning",
    "ConvergenceWarning",
    "SeparationWarning",
    "ImputationWarning",
    "UnknownCategoryWarning",
    "LevelWarning",
    "ParameterWarning",
    "EmptyClassWarning",
    "GridEdgeWarning",
    "sigmoid",
    "sigmoid_grad",
    "log_sigmoid",
    "log_loss",
    "log_loss_grad",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_grad",
]
