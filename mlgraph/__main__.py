"""``python -m mlgraph``: the same as the ``mlgraph`` command."""

import sys

from .cli import main

sys.exit(main())
