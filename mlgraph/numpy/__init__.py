"""numpy, differentiable: ``import mlgraph.numpy as np`` and homework code runs as is.

Every name of numpy works. Given plain arrays a function is numpy itself, called with
the same arguments. Given a traced value (inside ``mg.grad``, ``mg.trace``...):

- the differentiable functions (``COVERAGE`` kind ``"differentiable"``: np.exp, np.std,
  np.linalg.norm, np.einsum, np.hstack...) record primitives, so gradients flow;
- functions whose results are constants by nature (kind ``"values"``: np.argmax,
  np.sign of data, np.isfinite, np.nonzero, np.floor...) run on its numbers;
- a few refuse it, naming what to write instead (kind ``"refused"``: np.cumprod,
  np.linalg.eig, np.put...);
- any other name is numpy's own object (constants, dtypes, np.random, np.newaxis...).

Not in numpy: sigmoid, relu, softplus, softmax, log_softmax, logsumexp and step.
``np.add.at(a, idx, b)`` mutates ``a`` like numpy; with a traced value write
``a = np.add.at(a, idx, b, inplace=False)`` or ``a = a.at[idx].add(b)``. Complex
numbers and np.fft are not differentiated. Layer 2.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _arrays, _math, _products, _reductions, _shapes, _values
from . import linalg as linalg
from ._arrays import *  # noqa: F403
from ._dispatch import COVERAGE
from ._math import *  # noqa: F403
from ._products import *  # noqa: F403
from ._reductions import *  # noqa: F403
from ._shapes import *  # noqa: F403
from ._values import *  # noqa: F403

# numpy's other spellings of the ufuncs offered here (np.abs, np.pow, np.acos...).
_OFFERED = {u.ufunc: u for u in COVERAGE.values() if hasattr(u, "ufunc")}
_ALIASES = {name: _OFFERED[obj] for name, obj in vars(_np).items()
            if isinstance(obj, _np.ufunc) and obj in _OFFERED and name not in globals()}
globals().update(_ALIASES)
COVERAGE.update(_ALIASES)


__all__ = sorted({"linalg", "COVERAGE", *_ALIASES, *_arrays.__all__, *_math.__all__,
                  *_products.__all__, *_reductions.__all__, *_shapes.__all__,
                  *_values.__all__})


def __getattr__(name: str) -> Any:
    """Every other name is numpy's (constants, dtypes, np.random, np.newaxis...)."""
    try:
        return getattr(_np, name)
    except AttributeError:
        raise AttributeError(f"module 'mlgraph.numpy' has no attribute {name!r} (nor "
                             "has numpy)") from None


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(dir(_np)))
