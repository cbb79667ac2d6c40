"""The README's Python examples run as written (in order, in one namespace)."""

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)              # save_html writes page.html here
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    assert round(float(namespace["mg"].grad(namespace["f"])(2.0, 5.0)), 3) == 5.5
    assert (tmp_path / "page.html").exists()
    assert namespace["trainer"].history["train_accuracy"][-1] >= 0.97


def test_readme_cli_example_is_current():
    import subprocess
    import sys
    text = README.read_text()
    block = re.search(r"```text\n\$ (mlgraph trace .*?)\n\.\.\.\n(.*?)```", text, re.S)
    args = block.group(1).split(" ", 1)[1]
    import shlex
    out = subprocess.run([sys.executable, "-m", "mlgraph", *shlex.split(args)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().endswith(block.group(2).rstrip())


def test_readme_counts_the_primitives():
    import mlgraph as mg
    assert f"**{len(mg.PRIMITIVES)} primitives**" in README.read_text()
