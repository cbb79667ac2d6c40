"""Neural networks on the mlgraph kernel: layers, losses, MLPs, optimizers.

Activations, losses, initializations, the MLP, optimizers, batch normalization and
residual blocks.

Everything differentiable is written with `mlgraph.numpy`, so a training step is one
`mlgraph.value_and_grad` call over a loss taking the parameters ``W1, b1, W2, b2, …`` as
positional arguments (the data are extra, non-differentiated arguments).
Layer 4: imports numpy, the standard library and the kernel; no plotting, no widgets.
"""

from __future__ import annotations

from .blocks import *  # noqa: F403
from .blocks import __all__ as _blocks
from .core import *  # noqa: F403
from .core import __all__ as _core
from .optim import *  # noqa: F403
from .optim import __all__ as _optim

__all__ = [*_core, *_optim, *_blocks]
