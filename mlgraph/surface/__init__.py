"""Loss surfaces and optimizer paths, computed by the kernel (headless).

The loss of any model built on mlgraph, ``f(*params, *data)``, on a plane through its
parameters: filter-normalized random directions (`random_plane`), two chosen entries
(`params_plane`) or a trajectory's principal directions (`pca_plane`); along a line
(`interpolate`); and the classic test functions (`function`). `curvature` finds the
Hessian's top eigenvalues from Hessian-vector products; `descend` runs an optimizer
and keeps its path. Drawing lives in `mlgraph.plots`. Imports numpy and the kernel.
"""

from __future__ import annotations

from .classics import CLASSICS, Classic
from .curvature import Curvature, curvature, hvp, sharpness
from .demos import (
    Comparison,
    Landscape,
    architectures,
    landscape_table,
    minibatch_vs_full_batch,
    optimizer_race,
    saddle_escape,
    spread,
)
from .paths import Path, descend
from .planes import (
    Interpolation,
    Projection,
    Surface,
    clear_cache,
    function,
    interpolate,
    params_plane,
    pca_plane,
    random_directions,
    random_plane,
)

__all__ = [
    "CLASSICS", "Classic", "Comparison", "Curvature", "Interpolation", "Landscape",
    "Path", "Projection", "Surface", "architectures", "clear_cache",
    "curvature", "descend", "function", "hvp", "interpolate", "landscape_table",
    "minibatch_vs_full_batch", "optimizer_race", "params_plane", "pca_plane",
    "random_directions", "random_plane", "saddle_escape", "sharpness", "spread",
]
