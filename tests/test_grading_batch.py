"""Batch grading of real submission files (tests/grading/), each in the real sandbox.

One batch per assignment, graded once with ``--jobs 2`` and short limits: correct files get
full marks, every planted mistake loses the right points with the right diagnosis, every
hostile file gets a clear verdict while the rest of the batch is still graded, and no
reference value appears in anything a student sees.
"""

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

from mlgraph.cli import main
from mlgraph.grading import check, load, sandbox
from mlgraph.grading.batch import grade_batch, hidden_cases

HERE = Path(__file__).parent / "grading"
SEED = 12345
LIMITS = sandbox.Limits(wall_seconds=3.0, cpu_seconds=2, memory_mb=512)


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    out = tmp_path_factory.mktemp("iris-out")
    paths = sorted(str(p) for p in (HERE / "iris").iterdir())
    pairs = grade_batch("iris-backprop", paths, str(out), jobs=2, seed=SEED,
                        limits=LIMITS, progress=False)
    return out, {Path(p).stem: r for p, r in pairs}


# stem -> (status, score, diagnosis expected among the report's, text in the verdict)
IRIS = {
    "correct": ("graded", 10, None, None),
    "correct_notebook": ("graded", 10, None, None),
    "mistake_transposed": ("graded", 8, "transposed", None),
    "mistake_missing_1_over_n": ("graded", 5, "missing_1_over_n", None),
    "mistake_sign_flip": ("graded", 2.5, "sign_flip", None),
    "mistake_sigma_for_sigma_prime": ("graded", 4, "sigma_for_sigma_prime", None),
    "mistake_off_by_one": ("graded", 4, "off_by_one", None),
    "mistake_wrong_argument": ("graded", 0, "wrong_argument", None),
    "mistake_bias_row": ("graded", 8, None, None),
    "hostile_sleep_forever": ("timeout", 0, None, "still running after 3 s"),
    "hostile_memory_bomb": ("graded", 0, None, None),
    "hostile_fork_bomb": ("violation", 0, None, "start child processes"),
    "hostile_sys_exit": ("import_error", 0, None, "called sys.exit()"),
    "hostile_os_exit": ("exited", 0, None, "os._exit()"),
    "hostile_raise_at_import": ("import_error", 0, None, "FileNotFoundError"),
    "hostile_raise_at_call": ("graded", 0, None, None),
    "hostile_syntax_error": ("import_error", 0, None, "SyntaxError"),
    "hostile_wrong_types": ("graded", 0, None, None),
    "hostile_wrong_count": ("graded", 0, None, None),
    "hostile_nan_inf": ("graded", 0, "not_finite", None),
    "hostile_output_flood": ("graded", 10, None, None),
    "hostile_read_assignment": ("violation", 0, None, "read files outside"),
    "hostile_patch_numpy": ("violation", 0, None, "numpy.allclose"),
    "hostile_import_mlgraph": ("violation", 0, None, "import mlgraph"),
    "hostile_import_torch": ("violation", 0, None, "import torch"),
    "hostile_stack_walk": ("graded", 0, None, None),
    "hostile_heap_walk": ("violation", 0, None, "search the interpreter's objects"),
    "hostile_kill_grader": ("violation", 0, None, "send a signal"),
    "hostile_html_in_message": ("graded", 0, None, None),
    "hostile_hook_busy_flag": ("violation", 0, None, "read files outside"),
    "hostile_hook_frames": ("violation", 0, None, "read files outside"),
    "hostile_hook_closures": ("violation", 0, None, "replace a function's code"),
    "hostile_hook_gc": ("violation", 0, None, "search the interpreter's objects"),
    "hostile_hook_modules": ("violation", 0, None, "read files outside"),
    "hostile_hook_paths": ("violation", 0, None, "read files outside"),
    "hostile_hook_tracing": ("violation", 0, None, "trace or monitor running code"),
    # rewrites the hook's strings in memory: the hook lets the read through, the kernel
    # (Landlock) refuses it; graded, and zeros score 0
    "hostile_hook_memory": ("graded", 0, None, None),
}


def test_every_file_has_an_expectation():
    stems = {p.stem for p in (HERE / "iris").iterdir()}
    assert stems == set(IRIS) | {"hostile_infinite_loop"}


@pytest.mark.parametrize("stem", sorted(IRIS))
def test_iris_submission(iris, stem):
    out, reports = iris
    status, score, diagnosis, verdict = IRIS[stem]
    r = reports[stem]
    assert (r.status, r.score) == (status, score), (r.status, r.score, r.verdict)
    if diagnosis:
        assert diagnosis in r.diagnoses, r.diagnoses
    if verdict:
        assert verdict in r.verdict
    results = json.loads((out / stem / "results.json").read_text())
    assert results["score"] == score
    assert (out / stem / "feedback.html").read_text().startswith("<!doctype html>")


@pytest.mark.parametrize("stem", sorted(s for s in IRIS if s.startswith("hostile_hook_")))
def test_audit_hook_busy_flag_bypass_reads_nothing(iris, stem):
    """The hook's busy flag set through a refused import's traceback, and every other
    way found to switch the hook off or get round it: each file then tries to read
    /etc/hostname (some also another student's file); every read is refused, by the
    hook (a violation) or, where the hook was fooled, by the kernel."""
    r = iris[1][stem]
    tries = [line for line in r.output.splitlines()
             if line.startswith(("LEAKED", "refused"))]
    assert tries and all(line.startswith("refused") for line in tries), r.output
    assert "/etc/hostname" in r.output or stem == "hostile_hook_paths", r.output
    if stem == "hostile_hook_memory":
        assert "changed 1" in r.output and "Errno 13" in r.output, r.output
    else:
        assert r.status == "violation", (r.status, r.verdict)


def test_endless_loop_is_stopped_by_its_cpu_limit(iris):
    """Not by the wall clock, however loaded the machine (it does not count the time the
    run waited for a CPU)."""
    r = iris[1]["hostile_infinite_loop"]
    assert r.status == "cpu_limit" and r.score == 0, (r.status, r.verdict)
    assert "endless loop" in r.verdict


def test_hostile_details(iris):
    out, reports = iris
    mem = reports["hostile_memory_bomb"]
    assert all("ran out of memory (the limit is 512 MB)" in row.problem
               for o in mem.outputs for row in o.rows)
    flood = reports["hostile_output_flood"]
    assert any("printed" in n for n in flood.notes) and len(flood.output) <= 16_000
    assert flood.output.startswith("debugging line 0")
    nb = reports["correct_notebook"]
    assert any("'%matplotlib inline'" in n for n in nb.notes)
    assert any("'!pip install torch'" in n for n in nb.notes)
    assert any("cell magic '%%bash'" in n for n in nb.notes)
    assert any("NameError" in n for n in nb.notes)
    types = reports["hostile_wrong_types"].outputs
    assert "dV is None" in types[1].groups[0].message
    assert "dW is a str, not an array of numbers" in types[0].groups[0].message
    count = reports["hostile_wrong_count"].outputs[0].groups[0].message
    assert "returned" in count and "it must return" in count
    page = (out / "hostile_html_in_message" / "feedback.html").read_text()
    assert "<script>" not in page and html.escape("<script>alert('owned')</script>") in page
    walk = reports["hostile_stack_walk"]
    assert walk.outputs[0].rows[0].max_rel_error == 1.0       # it found nothing: zeros


def test_batch_outputs(iris):
    out, reports = iris
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert rows[0].startswith("submission,file,score,points,status,diagnoses")
    assert len(rows) == 1 + len(reports)
    summary = (out / "summary.html").read_text()
    assert "<svg" in summary and "missing_1_over_n" in summary
    assert json.loads((out / "grading.json").read_text())["seed"] == SEED


def test_gradescope_results_format(iris):
    out, _ = iris
    for folder in out.iterdir():
        if not folder.is_dir():
            continue
        r = json.loads((folder / "results.json").read_text())
        assert isinstance(r["score"], float | int) and isinstance(r["tests"], list)
        for t in r["tests"]:
            assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
            assert t["visibility"] in ("visible", "hidden", "after_due_date",
                                       "after_published")
            assert 0 <= t["score"] <= t["max_score"] or t["max_score"] == 0


@pytest.fixture(scope="module")
def others(tmp_path_factory):
    done = {}
    for name, folder in (("sigmoid-bce-backprop", "sigmoid_bce"),
                         ("graph-backward", "graph_backward"),
                         ("numerical-gradient", "numerical_gradient")):
        out = tmp_path_factory.mktemp(folder)
        paths = sorted(str(p) for p in (HERE / folder).iterdir())
        pairs = grade_batch(name, paths, str(out), jobs=2, seed=SEED, limits=LIMITS,
                            progress=False)
        done[name] = (out, {Path(p).stem: r for p, r in pairs})
    return done


@pytest.mark.parametrize("assignment,stem,score,diagnosis", [
    ("sigmoid-bce-backprop", "correct", 10, None),
    ("sigmoid-bce-backprop", "mistake_bias_not_summed", 8, "bias_not_summed"),
    ("sigmoid-bce-backprop", "mistake_sigma_for_sigma_prime", 5, "sigma_for_sigma_prime"),
    ("graph-backward", "correct", 12, None),
    ("graph-backward", "mistake_fan_out_not_summed", None, "fan_out_not_summed"),
    ("numerical-gradient", "correct", 10, None),
    ("numerical-gradient", "mistake_forward_difference", 5, "forward_difference"),
])
def test_other_assignments(others, assignment, stem, score, diagnosis):
    r = others[assignment][1][stem]
    assert r.status == "graded"
    if score is not None:
        assert r.score == score
    else:
        assert 0 < r.score < r.points
    if diagnosis:
        assert diagnosis in r.diagnoses


# --- no reference value in anything a student sees -------------------------------------


def _needles(values: np.ndarray) -> set[str]:
    """A reference array's numbers as they would be printed with ≥ 4 significant
    digits (signs dropped, so a printed −x counts too)."""
    out = set()
    for v in np.abs(values.reshape(-1)):
        if not np.isfinite(v) or v < 1e-12:
            continue
        for text in (f"{v:.4g}", f"{v:.5g}", f"{v:.6g}", f"{v:.8g}", f"{v:.3e}",
                     f"{v:.4e}", f"{v:.4f}", f"{v:.6f}", repr(float(v))):
            if len(re.sub(r"[^0-9]", "", text.split("e")[0]).lstrip("0")) >= 4:
                out.add(text)
    return out


def _found(needles: set[str], text: str) -> list[str]:
    numbers = set(re.findall(r"\d+(?:\.\d+)?(?:e[+-]\d+)?", text))
    return sorted(n for n in needles if n in numbers or f"{n}" in numbers)


def test_the_needle_search_can_fail():
    needles = _needles(np.array([0.012345678, -3.14159265]))
    assert _found(needles, "dW[0] = -3.142 here")
    assert _found(needles, "<td>0.01235</td>")
    assert not _found(needles, "max rel. error 1.2e-02, shape 3 × 16")


def _student_texts(out: Path) -> dict[str, str]:
    texts = {}
    for folder in out.iterdir():
        if not folder.is_dir():
            continue
        r = json.loads((folder / "results.json").read_text())
        visible = [r["output"]] + [t["output"] + t["name"] for t in r["tests"]
                                   if t["visibility"] == "visible"]
        texts[f"{folder.name}/results.json"] = "\n".join(visible)
        texts[f"{folder.name}/feedback.html"] = (folder / "feedback.html").read_text()
    return texts


def test_no_reference_value_in_student_feedback(iris, others):
    for name, out in [("iris-backprop", iris[0])] + [(k, v[0]) for k, v in others.items()]:
        a = load(name)
        needles = set()
        for case in hidden_cases(a, SEED):
            for ref in a.reference(case).values():
                needles |= _needles(ref)
        assert len(needles) > 50
        for where, text in _student_texts(out).items():
            if "hostile_output_flood" in where:
                text = text.replace("debugging line", "")
            assert not _found(needles, text), (name, where, _found(needles, text)[:5])


def test_no_reference_value_in_the_self_check():
    import importlib

    sub = importlib.util.spec_from_file_location("m", HERE / "iris" / "mistake_sign_flip.py")
    mod = importlib.util.module_from_spec(sub)
    sub.loader.exec_module(mod)
    a = load("iris-backprop")
    needles = set()
    for case in a.cases(np.random.default_rng(0), hidden=False):
        for ref in a.reference(case).values():
            needles |= _needles(ref)
    report = check(mod.gradients, assignment="iris-backprop")
    texts = [str(report), report._repr_html_()]
    with pytest.raises(AssertionError) as err:
        check(mod.gradients, assignment="iris-backprop", strict=True)
    texts.append(str(err.value))
    for text in texts:
        assert "sign" in text
        assert not _found(needles, text)


# --- the command line --------------------------------------------------------------------


def test_cli_grade(tmp_path, capsys):
    subs = [str(HERE / "iris" / "correct.py"), str(HERE / "iris" / "mistake_sign_flip.py")]
    code = main(["grade", "iris-backprop", *subs, "--out", str(tmp_path), "--jobs", "2",
                 "--seed", "1", "--no-progress"])
    assert code == 0
    assert "graded 2 submission(s) of iris-backprop: mean 6.25 / 10" in capsys.readouterr().out
    assert (tmp_path / "correct" / "results.json").exists()
    assert (tmp_path / "mistake_sign_flip" / "feedback.html").exists()


def test_cli_grade_bad_input(tmp_path, capsys):
    assert main(["grade", "no-such-assignment", str(HERE / "iris" / "correct.py"),
                 "--out", str(tmp_path)]) == 2
    assert "unknown assignment 'no-such-assignment'" in capsys.readouterr().err
    assert main(["grade", "iris-backprop", "missing.py", "--out", str(tmp_path)]) == 2
    assert "no such file: missing.py" in capsys.readouterr().err
