"""Plain data for JSON: numpy values as Python numbers and lists, and no NaN.

`jsonable` is the one conversion every JSON writer uses (graph JSON, gradient-check
reports, training checkpoints, the command line, the training widget's traits). Strict
JSON has no NaN or ±∞, so a non-finite number becomes ``None``. Imports numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["jsonable"]


def _refuse(v: Any) -> Any:
    raise TypeError(f"can't write a {type(v).__name__} as JSON")


def jsonable(v: Any, other: Callable[[Any], Any] = _refuse) -> Any:
    """``v`` as JSON-ready data.

    Numbers, strings, booleans and ``None`` stay; numpy scalars and arrays become Python
    numbers and nested lists; tuples become lists; mappings keep their keys; a NaN or ±∞
    becomes ``None``. Any other object goes through ``other`` (default: ``TypeError``).

    Example:
        >>> jsonable({"w": np.array([1.0, np.nan]), "axis": (0, 1), "n": np.int64(3)})
        {'w': [1.0, None], 'axis': [0, 1], 'n': 3}
    """
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, (np.ndarray, np.generic)):
        return jsonable(v.tolist(), other)
    if isinstance(v, (list, tuple)):
        return [jsonable(x, other) for x in v]
    if isinstance(v, Mapping):
        return {k: jsonable(x, other) for k, x in v.items()}
    return other(v)
