"""The README says what is true: its commands, its example and its results."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_ci_runs_the_readme_test_command():
    test_command = next(b.strip() for b in _blocks("bash") if "pytest" in b)
    assert test_command in (REPO / ".ci" / "run").read_text()


def test_results_block_is_generated_from_the_recorded_runs():
    spec = importlib.util.spec_from_file_location(
        "benchmarks_run", REPO / "benchmarks" / "run.py"
    )
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    block = README.split(run.README_START)[1].split(run.README_END)[0]
    expected = run.readme_results_lines(run.load_records())
    assert block.strip().splitlines() == expected, (
        "README.md's results are stale: run python benchmarks/run.py --table"
    )


def test_readme_example_runs_as_written(tmp_path):
    (example,) = [b for b in _blocks("python") if "fit(images)" in b]
    script = tmp_path / "readme_example.py"
    script.write_text(example + "\nassert aligned.shape == images[:5].shape\n")
    environment = dict(os.environ, OMP_NUM_THREADS="1")
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "'accuracy'" in completed.stdout
