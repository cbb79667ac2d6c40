"""The self-check in real notebook cells (nbclient, a real kernel): the HTML table, and the
nbgrader-style and otter-style assertion cells raising AssertionError with the report's
text. Also: the shipped templates run with their function unimplemented."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from mlgraph.grading import check

ROOT = Path(__file__).parent.parent
HERE = Path(__file__).parent / "grading"

OTTER_TEST = '''
import doctest
# an otter-grader test in its OK format: doctest cases run in the notebook's globals
test = {"name": "q1", "points": 10, "suites": [{"type": "doctest", "scored": True,
    "setup": "", "teardown": "", "cases": [{"hidden": False, "locked": False, "code":
    ">>> import mlgraph.grading\\n"
    ">>> _ = mlgraph.grading.check(gradients, assignment='iris-backprop', strict=True)\\n"}]}]}
case = test["suites"][0]["cases"][0]["code"]
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
lines = []
runner.run(doctest.DocTestParser().get_doctest(case, dict(globals()), "q1", "q1", 0),
           out=lines.append)
otter_result = (runner.failures, "".join(lines))
print("q1 passed" if runner.failures == 0 else "q1 failed")
'''


def _nbgrader_cell():
    cell = new_code_cell("import mlgraph.grading\n"
                         "mlgraph.grading.check(gradients, assignment='iris-backprop', "
                         "strict=True)")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "check_gradients",
                                 "locked": True, "points": 10, "schema_version": 3,
                                 "solution": False, "task": False}
    return cell


def test_self_check_in_notebook_cells():
    template = nbformat.read(ROOT / "notebooks/homework/iris_backprop.ipynb", as_version=4)
    wrong = (HERE / "iris" / "mistake_sign_flip.py").read_text()
    right = (HERE / "iris" / "correct.py").read_text()
    nb = nbformat.v4.new_notebook(cells=[
        *template.cells[:3],
        new_code_cell(template.cells[4].source),   # the self-check, not implemented yet
        new_code_cell(wrong),
        new_code_cell(template.cells[4].source),   # the self-check on the wrong one
        _nbgrader_cell(),
        new_code_cell(OTTER_TEST),
        new_code_cell(right),
        _nbgrader_cell(),
        new_code_cell(OTTER_TEST),
    ], metadata=template.metadata)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    c = nb.cells
    not_yet = c[3].outputs[0]["data"]
    assert "not implemented yet" in not_yet["text/html"] and c[3].outputs[0][
        "output_type"] == "execute_result"
    table = c[5].outputs[0]["data"]
    assert "<table>" in table["text/html"] and "2.5 / 10 points" in table["text/html"]
    assert "opposite sign" in table["text/plain"]
    err = c[6].outputs[0]
    assert err["output_type"] == "error" and err["ename"] == "AssertionError"
    import importlib.util

    spec = importlib.util.spec_from_file_location("wrong", HERE / "iris" / "mistake_sign_flip.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    expected = str(check(mod.gradients, assignment="iris-backprop"))
    assert err["evalue"] == expected                 # the same message as the table
    assert c[7].outputs[0]["text"].strip() == "q1 failed"
    assert not any(o["output_type"] == "error" for o in c[9].outputs)
    assert "10 / 10 points" in c[9].outputs[0]["data"]["text/plain"]
    assert c[10].outputs[0]["text"].strip() == "q1 passed"


def test_the_graph_backward_template_names_the_operations_its_graphs_use():
    from mlgraph.assignments.graph_backward import OPERATIONS

    nb = nbformat.read(ROOT / "notebooks/homework/graph_backward.ipynb", as_version=4)
    assert {"mul", "div", "exp"} <= set(OPERATIONS)
    assert f"The operations are {', '.join(OPERATIONS)}." in nb.cells[0].source
