"""The Gradescope bundle grades a submission in a simulated /autograder layout."""

import json
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from mlgraph.cli import main

HERE = Path(__file__).parent / "grading"


def _autograde(tmp_path, bundle, submission):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    (root / "submission" / submission.name).write_bytes(submission.read_bytes())
    run = root / "source" / "run_autograder"
    os.chmod(run, 0o755)
    out = subprocess.run(["bash", str(run)], capture_output=True, text=True, timeout=300,
                         env={"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root),
                              "MLGRAPH_PYTHON": sys.executable})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text()), root


def test_bundle_contents(tmp_path, capsys):
    bundle = tmp_path / "autograder.zip"
    assert main(["grade-bundle", "iris-backprop", "-o", str(bundle)]) == 0
    assert "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        reqs = z.read("requirements.txt").decode()
        assert {"setup.sh", "run_autograder", "requirements.txt",
                "mlgraph/grading/batch.py", "mlgraph/grading/_worker.py"} <= names
        assert z.getinfo("run_autograder").external_attr >> 16 & 0o111
    for name in ("numpy", "tqdm"):
        assert f"{name}=={metadata.version(name)}" in reqs
    subprocess.run(["bash", "-n", "-c", zipfile.ZipFile(bundle).read("setup.sh").decode()],
                   check=True)


def test_bundle_grades_in_autograder_layout(tmp_path):
    bundle = tmp_path / "autograder.zip"
    assert main(["grade-bundle", "iris-backprop", "-o", str(bundle)]) == 0
    results, root = _autograde(tmp_path, bundle, HERE / "iris" / "mistake_sign_flip.py")
    assert results["score"] == 2.5
    assert {t["name"] for t in results["tests"]} == {"dW: all entries",
                                                       "dV: feature rows", "dV: bias row"}
    for t in results["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
        assert "opposite sign" in t["output"]
    assert (root / "results" / "feedback.html").exists()
    # nobody but root may read the grader's code in the container
    assert os.stat(root / "source" / "mlgraph").st_mode & 0o077 == 0


def test_bundle_for_an_instructor_spec(tmp_path):
    spec = tmp_path / "my_spec.py"
    spec.write_text(
        "import numpy as np\nimport mlgraph.numpy as mnp\n"
        "from mlgraph.grading import Case, GradientAssignment, Group, Output\n"
        "def cost(w, x):\n    return mnp.sum(mnp.tanh(mnp.dot(x, w)))\n"
        "def cases(rng, hidden):\n"
        "    rng = rng if hidden else np.random.default_rng(0)\n"
        "    return [Case('x of 5 rows', (rng.standard_normal(3), rng.standard_normal((5, 3))))]\n"
        "ASSIGNMENT = GradientAssignment(name='tanh-sum', title='tanh of a product',\n"
        "    function='grad_w', signature=('w', 'x'), cost=cost, make_cases=cases,\n"
        "    outputs=(Output('dw', '∂f/∂w', (Group('all', None, 2.0),), wrt='w'),))\n")
    sub = tmp_path / "answer.py"
    sub.write_text("import numpy as np\n"
                   "def grad_w(w, x):\n    return x.T @ (1 - np.tanh(x @ w) ** 2)\n")
    bundle = tmp_path / "autograder.zip"
    assert main(["grade-bundle", str(spec), "-o", str(bundle)]) == 0
    assert "assignment.py" in zipfile.ZipFile(bundle).namelist()
    results, _ = _autograde(tmp_path, bundle, sub)
    assert results["score"] == 2.0 and results["tests"][0]["name"] == "dw: all"
