"""Gradient checking by central differences, with reports that teach.

`gradcheck(f, *inputs)` compares the kernel's reverse-mode gradient (or a student's
hand-written one, ``grads=``) with central differences, entry by entry, and says which
parameter and which entry disagree, with both numbers. `driver` runs the check,
`replay` re-runs the traced graph per difference, `local` checks each node's own rules,
`report` and `html` present the outcome; `numeric` computes numerical gradients by
forward or central differences (`numerical_grad`, their error over the step,
`step_size_errors`, scipy-style `check_grad`). Layer 3:
imports numpy, the standard library and the kernel only (no matplotlib, anywidget,
ipywidgets, graphviz).
"""

from __future__ import annotations

from .driver import check_grads, gradcheck
from .numeric import StepErrors, check_grad, numerical_grad, step_size_errors
from .report import (
    PASS,
    SUSPECT,
    WARN,
    GradcheckError,
    GradcheckReport,
    LocalCheck,
    ParamCheck,
    relative_error,
)

__all__ = [
    "gradcheck", "check_grads", "numerical_grad", "check_grad", "step_size_errors",
    "StepErrors", "GradcheckReport",
    "ParamCheck", "LocalCheck",
    "GradcheckError", "relative_error", "PASS", "WARN", "SUSPECT",
]
