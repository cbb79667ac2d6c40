"""A correct reverse sweep: full marks."""
import math

LOCAL = {
    "add": lambda a, b: (1.0, 1.0),
    "sub": lambda a, b: (1.0, -1.0),
    "mul": lambda a, b: (b, a),
    "div": lambda a, b: (1.0 / b, -a / b**2),
    "neg": lambda a: (-1.0,),
    "exp": lambda a: (math.exp(a),),
    "log": lambda a: (1.0 / a,),
    "sin": lambda a: (math.cos(a),),
    "cos": lambda a: (-math.sin(a),),
}


def backward(nodes, values):
    adjoint = {n["name"]: 0.0 for n in nodes}
    adjoint[nodes[-1]["name"]] = 1.0
    for node in reversed(nodes):
        if node["op"] in ("input", "const"):
            continue
        partials = LOCAL[node["op"]](*(values[i] for i in node["inputs"]))
        for parent, d in zip(node["inputs"], partials):
            adjoint[parent] += adjoint[node["name"]] * d
    return adjoint
