"""numerical-gradient: the gradient by central differences, with the step h given.

Students write ``numerical_gradient(f, x, h) -> array like x`` with
∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h. Graded against the central difference with
the same step h, to within that step's rounding error ε·|f|/h; each case's step makes
the truncation error h²·f‴/6 large enough to tell the central quotient from the exact
gradient (mlgraph's reverse mode on the same f), so a step ignored or an exact formula
is recognised, as are forward differences, a missing ½, every entry perturbed at once,
and a perturbation not undone.
"""

from __future__ import annotations

import numpy as np

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph.grading.spec import Assignment, Case, Group, Output, Ref

# Run twice: in the submission's process with numpy as np, here with mlgraph.numpy.
PREAMBLE = '''
def f_quadratic(x):
    """A quadratic form plus a sine, of a vector x (3,)."""
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    return 0.5 * np.dot(x, np.dot(A, x)) + np.sum(np.sin(x))


def f_logistic_loss(W):
    """A logistic regression's loss on 4 fixed examples, of its weights W (2, 3)."""
    X = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1],
                  [1.0, 1.0, -1.0]])
    T = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    S = np.sigmoid(np.dot(X, np.transpose(W))) if hasattr(np, "sigmoid") else \\
        1.0 / (1.0 + np.exp(-np.dot(X, np.transpose(W))))
    return -np.sum(T * np.log(S) + (1.0 - T) * np.log(1.0 - S))


def f_scalar(x):
    """exp(sin(x)) · x of a scalar x (a 0-d array)."""
    return np.exp(np.sin(x)) * x
'''

FUNCTIONS = {"f_quadratic": (3,), "f_logistic_loss": (2, 3), "f_scalar": ()}
_POINTS = {"f_quadratic": 3.0, "f_logistic_loss": 4.0, "f_scalar": 3.0}
_PUBLIC_H = {"f_quadratic": 1e-3, "f_logistic_loss": 2e-3, "f_scalar": 5e-4}


def _namespace(np_module) -> dict:
    ns = {"np": np_module}
    exec(compile(PREAMBLE, "<numerical-gradient functions>", "exec"), ns)  # noqa: S102
    return ns


def _central(f, x: np.ndarray, h: float, *, one_sided: int = 0, restore: bool = True,
             all_at_once: bool = False, half: bool = True) -> np.ndarray:
    """Central (or, for the mistakes, another) difference quotient, entry by entry."""
    x = np.array(x, dtype=np.float64, copy=True)
    g = np.zeros_like(x)
    flat, gf = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        e = np.zeros_like(x)
        if all_at_once:
            e += h
        else:
            e.reshape(-1)[i] = h
        if not restore:                        # x[i] += h; f; x[i] -= 2h; f; no undo
            flat[i] += h
            plus = float(f(x))
            flat[i] -= 2 * h
            minus = float(f(x))
            gf[i] = (plus - minus) / (2 * h)
            continue
        plus = float(f(x + e)) if one_sided >= 0 else float(f(x))
        minus = float(f(x - e)) if one_sided <= 0 else float(f(x))
        gf[i] = (plus - minus) / ((2 * h if half else h) if not one_sided else h)
    return g


class NumericalGradient(Assignment):
    """The exact gradient is the reference; each case's tolerance follows its step."""

    def __init__(self) -> None:
        self.name = "numerical-gradient"
        self.title = "The gradient by central differences"
        self.function = "numerical_gradient"
        self.signature = ("f", "x", "h")
        self.preamble = PREAMBLE
        self.hints = {
            "forward_difference": "Evaluate f on both sides, f(x + h·eᵢ) and "
                                  "f(x − h·eᵢ): the error of the central quotient "
                                  "falls like h², a one-sided one only like h.",
        }
        self.credit = {"forward_difference": 0.5, "backward_difference": 0.5,
                       "missing_half": 0.5}
        self._np = _namespace(np)
        self._mnp = _namespace(mnp)
        self.outputs = tuple(
            Output(name, f"{self._np[name].__doc__.rstrip('.')}; x has shape "
                   f"{shape if shape else '()'}", (Group("all entries", None,
                                                         _POINTS[name]),))
            for name, shape in FUNCTIONS.items())

    def cases(self, rng: np.random.Generator, hidden: bool) -> list[Case]:
        """Each function at a fixed x and step, or (hidden) at ones drawn from rng."""
        out = []
        public = np.random.default_rng(7)
        for name, shape in FUNCTIONS.items():
            r = rng if hidden else public
            x = np.asarray(r.uniform(-0.9, 0.9, size=shape))
            if name == "f_logistic_loss":
                x = 0.5 * x
            h = float(10 ** rng.uniform(-3.2, -2.2)) if hidden else _PUBLIC_H[name]
            case = Case(f"{name} at a {'random' if hidden else 'fixed'} x of shape "
                        f"{shape}, h = {h:.1e}", (Ref(name), x, h),
                        {"output": name, "h": h})
            self._tolerance(case)
            out.append(case)
        return out

    def _tolerance(self, case: Case) -> None:
        name, x, h = case.context["output"], case.args[1], case.context["h"]
        fx = abs(float(self._np[name](x)))
        noise = 64 * np.finfo(np.float64).eps * max(1.0, fx) / h
        case.context["atol"], case.context["rtol"] = noise, 1e-9
        truncation = float(np.abs(self.reference(case)[name] - self.exact(case)).max())
        assert truncation > 4 * noise, f"{case.label}: h too small to grade"

    def reference(self, case: Case) -> dict[str, np.ndarray]:
        """The central difference with the case's step h, entry by entry."""
        name, x, h = case.context["output"], case.args[1], case.context["h"]
        key = "_central"
        if key not in case.context:
            case.context[key] = _central(self._np[name], x, h)
        return {name: case.context[key]}

    def exact(self, case: Case) -> np.ndarray:
        """∂f/∂x by mlgraph's reverse mode on the same f."""
        name, x = case.context["output"], case.args[1]
        g = mg.grad(self._mnp[name])(np.asarray(x, dtype=np.float64))
        return np.asarray(g, dtype=np.float64).reshape(np.shape(x))

    def unpack(self, returned, case: Case) -> dict:
        """The returned array, as the one output of the case's function."""
        from mlgraph.grading.spec import as_array

        name = case.context["output"]
        return {name: as_array(returned, "the result")}

    def alternatives(self, case: Case) -> dict[str, dict[str, np.ndarray]]:
        """Other difference quotients, and the exact gradient (h ignored)."""
        if "_alternatives" in case.context:
            return case.context["_alternatives"]
        name, x, h = case.context["output"], case.args[1], case.context["h"]
        f = self._np[name]
        out = {
            "forward_difference": _central(f, x, h, one_sided=1),
            "backward_difference": _central(f, x, h, one_sided=-1),
            "missing_half": _central(f, x, h, half=False),
            "all_at_once": _central(f, x, h, all_at_once=True),
            "not_restored": _central(f, x, h, restore=False),
            "ignored_h": self.exact(case),
        }
        case.context["_alternatives"] = {k: {name: v} for k, v in out.items()}
        return case.context["_alternatives"]

    def messages(self) -> dict[str, str]:
        """What each of those mistakes means."""
        return {
            "forward_difference":
                "{out} is the forward difference (f(x + h·eᵢ) − f(x)) / h; the central "
                "one uses both sides and divides by 2h.",
            "backward_difference":
                "{out} is the backward difference (f(x) − f(x − h·eᵢ)) / h; the "
                "central one uses both sides and divides by 2h.",
            "missing_half":
                "{out} is twice the central difference: divide by 2h, the distance "
                "between the two points.",
            "all_at_once":
                "{out} perturbs every entry at once; perturb one entry eᵢ at a time.",
            "not_restored":
                "{out}: each entry's perturbation is not undone before the next entry "
                "is perturbed; restore x[i] after using it.",
            "ignored_h":
                "{out} is closer to the exact gradient than a central difference with "
                "step h can be: use the h you are given (not a step of your own, nor a "
                "formula for the derivative).",
        }


ASSIGNMENT = NumericalGradient()
