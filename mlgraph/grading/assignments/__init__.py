"""The shipped assignments, each a module defining ``ASSIGNMENT``; load them by name with
`mlgraph.grading.load` (``"iris-backprop"``, ``"sigmoid-bce-backprop"``,
``"graph-backward"``, ``"numerical-gradient"``). Grader-side only: a submission's process
can neither import nor read these files.
"""
