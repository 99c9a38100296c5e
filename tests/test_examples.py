"""The example gallery: every script runs, and is laid out as sphinx-gallery needs.

Running the scripts takes minutes, so those tests are marked slow
(``python -m pytest -m slow tests/test_examples.py``); the documentation
build (``python -m sphinx -W -b html docs docs/_build/html``), which CI
runs, executes them all as well.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.rglob("plot_*.py"))


def test_gallery_is_found():
    assert len(SCRIPTS) >= 9, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_layout(script):
    # sphinx-gallery needs a README.txt in every section folder and a
    # docstring starting with an underlined title in every script.
    assert (script.parent / "README.txt").is_file()
    docstring = ast.get_docstring(ast.parse(script.read_text()))
    assert docstring, f"{script.name} has no docstring"
    title, underline = docstring.splitlines()[:2]
    assert title.strip() and set(underline.strip()) == {"="}
    assert len(underline.strip()) >= len(title.strip())


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_runs(script, tmp_path):
    # One thread: two-thread OpenMP runs slow down many times over on a
    # 2-core machine that is busy with anything else.
    environment = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
