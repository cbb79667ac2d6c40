"""The shipped homework assignments, each a module defining ``ASSIGNMENT``.

Load them by name with `mlgraph.grading.load` (``"iris-backprop"``,
``"sigmoid-bce-backprop"``, ``"graph-backward"``, ``"numerical-gradient"``). They are
written as an instructor writes one, on mlgraph's public API (``import mlgraph as mg``,
`mlgraph.numpy`, `mlgraph.grading`), so they sit a layer above the grader, which loads
them by name. Grader-side only: a submission's process can neither import nor read
these files.
"""
