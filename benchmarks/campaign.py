"""Run a plan of benchmark runs, several at a time, on one machine.

A plan is a text file with one ``benchmarks/run.py`` argument line per run
(``#`` starts a comment); runs start in the plan's order, at most
``--jobs`` at a time, each a process of its own with one CPU thread (small
models leave a GPU mostly idle between kernel launches, so several runs
share one well). Every run logs to ``<out>/logs/<n>.log`` and writes its
JSON to ``<out>/results``; ``<out>/status.txt`` says what is queued,
running, done or failed, and is rewritten as runs end::

    python benchmarks/campaign.py benchmarks/plans/gpu_paper.txt \\
        --out /tmp/campaign --jobs 14 --device cuda

Fit times and images/s measured this way are those of a shared machine;
``benchmarks/throughput.py`` measures speed alone.
"""

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_plan(path):
    runs = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            runs.append(shlex.split(line))
    return runs


def _write_status(path, runs, states, started, ended):
    now = time.time()
    lines = []
    for index, (arguments, state) in enumerate(zip(runs, states)):
        if index in started:
            seconds = ended.get(index, now) - started[index]
            timing = f"{seconds:7.0f}s"
        else:
            timing = " " * 8
        lines.append(f"{index:3d} {state:8s} {timing} {shlex.join(arguments)}")
    counts = {s: states.count(s) for s in ("queued", "running", "done", "failed")}
    lines.append(" ".join(f"{k} {v}" for k, v in counts.items()))
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)

    runs = read_plan(args.plan)
    (args.out / "logs").mkdir(parents=True, exist_ok=True)
    results = args.out / "results"
    environment = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    environment["PYTHONUNBUFFERED"] = "1"
    environment["SKDEEPCLUST_CONCURRENT_RUNS"] = str(args.jobs)
    states = ["queued"] * len(runs)
    started, ended, running = {}, {}, {}
    status = args.out / "status.txt"
    next_run = 0
    while next_run < len(runs) or running:
        while next_run < len(runs) and len(running) < args.jobs:
            command = [
                sys.executable,
                str(HERE / "run.py"),
                *runs[next_run],
                "--device",
                args.device,
                "--results-dir",
                str(results),
            ]
            log = open(args.out / "logs" / f"{next_run:03d}.log", "w")
            log.write(shlex.join(command) + "\n")
            log.flush()
            running[next_run] = (
                subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, env=environment
                ),
                log,
            )
            started[next_run] = time.time()
            states[next_run] = "running"
            next_run += 1
            _write_status(status, runs, states, started, ended)
        time.sleep(2)
        for index, (process, log) in list(running.items()):
            if process.poll() is not None:
                log.close()
                ended[index] = time.time()
                states[index] = "done" if process.returncode == 0 else "failed"
                del running[index]
                _write_status(status, runs, states, started, ended)


if __name__ == "__main__":
    main()
