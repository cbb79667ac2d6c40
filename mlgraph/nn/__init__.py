"""Neural networks on the mlgraph kernel: layers, losses, MLPs, optimizers.

Activations, losses, initializations, the MLP, optimizers, batch normalization,
residual blocks, recurrent networks and word2vec's skip-gram model.

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
from .rnn import *  # noqa: F403
from .rnn import __all__ as _rnn
from .word2vec import *  # noqa: F403
from .word2vec import __all__ as _word2vec

__all__ = [*_core, *_optim, *_blocks, *_rnn, *_word2vec]
