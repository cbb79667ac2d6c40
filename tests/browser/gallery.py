"""The lecture gallery (/work/shared/reference/lecture-gallery.md) as traced graphs: the
graphs every view of the graph widget is tested on, with the numbers the class must see.

`GALLERY[key]` is `(title, build)`: `build()` traces the graph. `SOURCE[key]` is the same
code as notebook text, so a JupyterLab test builds the graph in the kernel exactly as here.
"""

from __future__ import annotations

import textwrap

import numpy as np

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import Tensor

SOURCE = {
    "g1": """
def f(x1, x2):
    return mg.log(x1) + x1 * x2 - mg.sin(x2)
g = mg.trace(f, x1=2.0, x2=5.0)
""",
    "g2": """
def f(x):
    z = mg.name(x ** 2, "z")
    return 1 / z
g = mg.trace(f, x=2.0)
""",
    "g3": """
def f(x):
    return x / x ** 2
g = mg.trace(f, x=2.0)
""",
    "g4": """
def f(x, y):
    s = x + y
    return x * s + mg.log(s) + y ** 2
g = mg.trace(f, x=2.0, y=3.0)
""",
    "g5": """
def f(x, w, b):
    z = mg.name(x @ w + b, "z")
    return mg.name(mg.sigmoid(z), "ŷ")
g = mg.trace(f, x=np.array([2.0, 3.0, -1.0, 5.0]), w=np.array([0.1, 0.5, 2.5, 0.2]), b=3.0)
""",
    "g6": """
def f(x, w0, w1):
    a = mg.name(w1 * x + w0, "a")
    return mg.name(mg.sin(a), "y1"), mg.name(mg.cos(a), "y2")
g = mg.trace(f, x=2.0, w0=0.5, w1=1.5)
""",
    "g7": """
def J(x, alpha, beta):
    h = mg.name(mg.sigmoid(alpha @ x), "h")
    y_hat = mg.name(mg.sigmoid(beta @ h), "ŷ")
    y = 1.0
    return mg.name(-(y * mg.log(y_hat) + (1 - y) * mg.log(1 - y_hat)), "L")
g = mg.trace(J, x=np.array([1.0, 0.5, -1.0]),
             alpha=np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.5]]),
             beta=np.array([0.7, -0.3]))
""",
    "g8": """
from mlgraph import datasets, nn
d = datasets.iris(features=(2, 3))
X = np.c_[d.X_train, np.ones(len(d.X_train))]
Y = nn.one_hot(d.y_train, 3)
rng = np.random.default_rng(2)
def cost(X, Y, W, V):
    Q = mnp.dot(X, V)
    Z = mnp.sigmoid(Q)
    U = mnp.dot(Z, W)
    return -mnp.mean(mnp.sum(U * Y, axis=1) - mnp.logsumexp(U, axis=1))
g = mg.trace(cost, X=X, Y=Y, W=0.5 * rng.standard_normal((16, 3)),
             V=0.5 * rng.standard_normal((3, 16)))
""",
    "g9": """
def f(x1, x2):
    return x1 * x2 + mg.sin(x1)
g = mg.trace(f, x1=2.0, x2=5.0)
""",
    "g10": """
def J(w, x, y):
    a = w * x
    r = y - a
    s = r ** 2
    return 0.5 * s
g = mg.trace(J, w=0.5, x=2.0, y=3.0)
""",
    "g11": """
from mlgraph import nn
m = nn.MLP([2, 4, 4, 1], seed=0)
X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.5, 0.3]])
y = np.array([[1.0], [0.0], [0.5]])
def loss(W1, b1, W2, b2, W3, b3):
    return nn.mse(m.apply(X, W1, b1, W2, b2, W3, b3), y)
g = mg.trace(loss, *m.params)
""",
    "g12": """
def rnn(W, U):
    h = np.zeros(2)
    for t, x in enumerate((0.5, -0.2, 0.8), start=1):
        with mg.scope(f"t{t}"):
            h = mg.tanh(W @ h + U * x)
    return mnp.sum(h)
g = mg.trace(rnn, W=np.array([[0.5, -0.3], [0.2, 0.4]]), U=np.array([1.0, -1.0]))
""",
}

TITLES = {
    "g1": "1. ln(x1) + x1·x2 − sin(x2) at (2, 5)",
    "g2": "2. 1/x² through z = x², at x = 2",
    "g3": "3. x/x² with x used twice, at x = 2",
    "g4": "4. x(x+y) + log(x+y) + y² at (2, 3)",
    "g5": "5. perceptron σ(x·w + b)",
    "g6": "6. y1 = sin(w1·x + w0), y2 = cos(w1·x + w0)",
    "g7": "7. sigmoid network + BCE",
    "g8": "8. Iris cost(X, Y, W, V)",
    "g9": "9. x1·x2 + sin(x1) at (2, 5)",
    "g10": "10. ½(y − w·x)² at w = 0.5, x = 2, y = 3",
    "g11": "11. MLP 2-4-4-1 with MSE on 3 examples",
    "g12": "12. RNN unrolled 3 steps",
}

#: What the class must see: (mode, node name or "out", text on the node at the end).
EXPECT = {
    "g1": [
        ("eval", "out", "v6 = 11.652"),
        ("reverse", "v0", "v\u03040 = 5.5"),
        ("reverse", "v1", "v\u03041 = 1.716"),
        ("forward:x1", "out", "v\u03076 = 5.5"),
        ("forward:x1", "v2", "v\u03072 = 0.5"),
    ],
    "g2": [("reverse", "v0", "v\u03040 = \u22120.25")],
    "g3": [("reverse", "v0", "v\u03040 = \u22120.25")],
    "g4": [
        ("eval", "out", "= 20.609"),
        ("reverse", "v0", "v\u03040 = 7.2"),
        ("reverse", "v1", "v\u03041 = 8.2"),
    ],
    "g5": [("eval", "out", "= 0.9608"), ("forward:w[1]", "out", "= 0.1129")],
    "g6": [  # both outputs' tangents in one forward pass; one reverse pass per output
        ("forward:w1", "out", "= \u22121.873"),
        ("forward:w1", "out2", "= 0.7016"),
        ("reverse:y1", "v2", "= \u22121.873"),
        ("reverse:y2", "v2", "= 0.7016"),
    ],
    "g7": [("eval", "out", "= 0.6532")],
    "g9": [
        ("eval", "out", "= 10.909"),
        ("reverse", "v0", "v\u03040 = 4.584"),
        ("reverse", "v1", "v\u03041 = 2"),
    ],
    "g10": [("eval", "out", "= 2"), ("reverse", "v0", "v\u03040 = \u22124")],
    "g12": [("eval", "out", "= 0.07297")],
}


def build(key: str):
    """Trace gallery graph `key` (running its SOURCE)."""
    scope = {"mg": mg, "np": np, "mnp": mnp}
    exec(textwrap.dedent(SOURCE[key]), scope)  # noqa: S102 - our own fixed source
    return scope["g"]


def notebook_source(key: str) -> str:
    """The notebook cell that builds graph `key` as `g`."""
    return (
        "import numpy as np\nimport mlgraph as mg\nimport mlgraph.numpy as mnp\n"
        + textwrap.dedent(SOURCE[key])
    )


KEYS = list(SOURCE)


# -- hostile names ----------------------------------------------------------------------

#: Names a user (or an attacker writing a course page) may give inputs, scopes, constants
#: and titles. Scope names may not contain "/" (`mlgraph.scope` refuses it).
ZOO = [
    'L" URL="javascript:window.__pwned=3" x="',
    '">',
    "<script>window.__pwned=1</script>",
    "javascript:window.__pwned=2",
    "back\\slash\\",
    "\\",
    'quote\\"',
    "new\nline\r",
    "{{x}}",
    "}",
    "{",
    "<b>html</b>",
    "<img src=x onerror=window.__pwned=4>",
    "&amp; &lt;",
    "\\N \\G \\L",
    "∂λ ünïcødé 名前",
    "x" * 300,
    " ",
    "\u200b",
    "",
]
SCOPES = [z for z in ZOO if z and "/" not in z]


def hostile_graph():
    """Every zoo name as a scope, as a named constant inside it and as the name given
    to the layer's result with `mg.name`; unicode and very long input names."""

    def f(x, λ_ünïcode, long_name_of_an_input_that_goes_on_and_on_and_on_and_on):
        y = x + λ_ünïcode + long_name_of_an_input_that_goes_on_and_on_and_on_and_on
        for name in SCOPES:
            with mg.scope(name):
                y = mg.sin(y) * Tensor(1.5, name=name)
                if name.strip():  # mg.name refuses a blank name
                    y = mg.name(y, name)
        return y

    return mg.trace(f, 0.5, 0.25, 0.125)


def mlp_loss_graph():
    """Gallery graph 11."""
    return build("g11")
