"""Solvers: they see only small parameter vectors and a problem's callables, never X.

A problem (see :class:`oneneuron.objective.LinearLoss`) offers ``loss``,
``loss_gradient`` and ``gradient_hessian`` on the flat parameter vector ``theta``
and counts its passes over the data.
"""

from ._base import SolverResult, Trace, floor_scale, grad_norm
from .gd import gradient_descent, minibatch_descent
from .lbfgs import lbfgs
from .newton import newton

__all__ = [
    "SolverResult",
    "Trace",
    "floor_scale",
    "grad_norm",
    "gradient_descent",
    "minibatch_descent",
    "lbfgs",
    "newton",
]
