"""Small tables the CLI tests share."""

from __future__ import annotations

import numpy as np
import pandas as pd


def three_classes(seed, n, feature, target, labels, shifts=(0.5, -0.3)):
    """A multinomial table: ``feature`` normal, ``target`` drawn with logits
    ``(0, a + x, b - x)`` for ``(a, b) = shifts`` over ``labels``; also the class codes."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({feature: rng.normal(size=n)})
    x = df[feature].to_numpy()
    z = np.column_stack([np.zeros(n), shifts[0] + x, shifts[1] - x])
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    k = (rng.random(n)[:, None] > np.cumsum(p, 1)).sum(1)
    df[target] = np.asarray(labels)[k]
    return df, k
