"""Reproducible quality and speed runs of skdeepclust's estimators.

One command runs one estimator on one dataset with one seed on one device,
together with sklearn's ``KMeans`` on raw pixels as the baseline row, and
records for each: ACC / NMI / ARI on the data it was fitted on (the papers'
transductive protocol: train and test splits together), epochs, fit seconds,
training images per second, peak host and device memory, the device name,
library versions and the git commit. Results go to
``benchmarks/results/<dataset>__<estimator>[__<tag>]__seed<seed>__<device>.json``
and every run regenerates the table ``benchmarks/results/README.md``.

Examples
--------
::

    python benchmarks/run.py --estimator KMeans --dataset digits --seed 0
    python benchmarks/run.py --estimator DTIKMeans --dataset mnist --seed 0 \\
        --device cuda --param max_epochs=40
    python benchmarks/run.py --table   # only rebuild the table

``--trace EVERY`` scores the model every EVERY epochs during the one fit
and records the accuracy against the training time so far, i.e. the
time-to-accuracy curve; scoring time is not counted as training time.
"""

import argparse
import ast
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
REPO = HERE.parent
DEFAULT_DATA_HOME = REPO.parent / "shared" / "data"

DATASETS = ("digits", "mnist", "fashion_mnist", "usps")
ESTIMATORS = (
    "KMeans",
    "DTIKMeans",
    "DTIGaussianMixture",
    "STDACClustering",
    "MMDCClustering",
)


def load_dataset(name, data_home, max_samples=None, seed=0):
    """Images (n, H, W[, C]) as float32 in [0, 1] and labels, train+test."""
    from skdeepclust import datasets

    if name == "digits":
        X, y = datasets.load_digits_images(return_X_y=True)
    elif name == "mnist":
        X, y = datasets.load_mnist(data_home=data_home, return_X_y=True, as_float=True)
    elif name == "fashion_mnist":
        X, y = datasets.load_fashion_mnist(
            data_home=data_home, return_X_y=True, as_float=True
        )
    elif name == "usps":
        X, y = datasets.load_usps(data_home=data_home, return_X_y=True, as_float=True)
    else:
        raise ValueError(f"Unknown dataset {name!r}; choose from {DATASETS}.")
    if max_samples is not None and max_samples < len(X):
        keep = np.random.RandomState(seed).choice(len(X), max_samples, replace=False)
        X, y = X[np.sort(keep)], y[np.sort(keep)]
    return X, y


def make_estimator(name, seed, device, params):
    if name == "KMeans":
        from sklearn.cluster import KMeans

        return KMeans(
            **{"n_clusters": 10, "n_init": 10, "random_state": seed, **params}
        )
    import skdeepclust

    if not hasattr(skdeepclust, name):
        raise ValueError(f"skdeepclust has no estimator {name!r} (yet).")
    estimator_class = getattr(skdeepclust, name)
    return estimator_class(**{"random_state": seed, "device": device, **params})


def _parse_params(pairs):
    params = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value  # a plain string such as a device name
    return params


def _device_name(device):
    """The GPU's name for a CUDA device, else the CPU's; ``device`` may be None."""
    if device is not None and str(device).startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(torch.device(device))
    processor = platform.processor() or platform.machine()
    return f"CPU {processor} ({os.cpu_count()} cores)"


def _device_kind(device_name):
    """ "cpu" or "cuda", for file names, from a recorded device name."""
    return "cpu" if device_name.startswith("CPU") else "cuda"


def _versions():
    import sklearn
    import torch

    import skdeepclust

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "skdeepclust": skdeepclust.__version__,
    }


def _git_commit():
    # A copy of the tree without .git (a remote GPU machine, say) gets
    # the commit from whoever copied it.
    if os.environ.get("SKDEEPCLUST_GIT_COMMIT"):
        return os.environ["SKDEEPCLUST_GIT_COMMIT"]
    try:
        commit = subprocess.check_output(
            ["git", "rev-parse", "HEAD"], cwd=REPO, text=True, stderr=subprocess.DEVNULL
        ).strip()
        dirty = subprocess.check_output(
            ["git", "status", "--porcelain", "--", "skdeepclust", "benchmarks/run.py"],
            cwd=REPO,
            text=True,
        ).strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def _peak_host_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scores(y, labels):
    from skdeepclust.cluster_metrics import (
        adjusted_rand_score,
        clustering_accuracy_score,
        normalized_mutual_info_score,
    )

    return {
        "acc": float(clustering_accuracy_score(y, labels)),
        "nmi": float(normalized_mutual_info_score(y, labels)),
        "ari": float(adjusted_rand_score(y, labels)),
    }


def _traced(estimator, y, every, curve, label, clock):
    """``estimator`` with a callback that scores it every ``every`` epochs.

    The scores go to ``curve`` (and to stdout, so that a run stopped early
    still leaves its curve in the log) with the training seconds since
    ``clock["start"]``; the time spent scoring is added to
    ``clock["scoring"]`` and left out of them.
    """
    import torch

    def score_epoch(fitting, info):
        n_done = info["epoch"]
        if n_done % every and n_done != fitting.max_epochs:
            return False
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        scoring_start = time.perf_counter()
        point = {
            "epoch": n_done,
            "fit_seconds": round(scoring_start - clock["start"] - clock["scoring"], 3),
        } | _scores(y, info["training_labels"]())
        curve.append(point)
        print(f"[trace {label}] {json.dumps(point)}", flush=True)
        clock["scoring"] += time.perf_counter() - scoring_start
        return False

    return estimator.set_params(callback=score_epoch)


def fit_and_measure(estimator, X, y, *, trace_every=0, label=""):
    """Fit, time and score one estimator; returns the measured fields."""
    import torch

    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    curve = []
    clock = {"start": None, "scoring": 0.0}
    if trace_every:
        estimator = _traced(estimator, y, trace_every, curve, label, clock)
    clock["start"] = time.perf_counter()
    estimator.fit(X)
    if cuda:
        torch.cuda.synchronize()
    fit_seconds = time.perf_counter() - clock["start"] - clock["scoring"]
    n_epochs = int(getattr(estimator, "n_iter_", 0))
    deep = hasattr(estimator, "loss_curve_")
    return {
        **_scores(y, estimator.labels_),
        "epochs": n_epochs,
        "fit_seconds": round(fit_seconds, 3),
        # Images of the training set passed through training per second; not
        # defined for Lloyd's algorithm, whose "iterations" are not epochs.
        "train_images_per_second": (
            round(len(X) * n_epochs / fit_seconds, 1) if deep else None
        ),
        "peak_host_mb": round(_peak_host_mb(), 1),
        "peak_device_mb": (
            round(torch.cuda.max_memory_allocated() / 2**20, 1) if cuda else None
        ),
        # KMeans has no device_: it ran on the CPU.
        "device": _device_name(getattr(estimator, "device_", None)),
        "loss_curve": [float(v) for v in getattr(estimator, "loss_curve_", [])],
        "trace": curve or None,
    }


def run(args):
    X, y = load_dataset(args.dataset, args.data_home, args.max_samples, args.seed)
    params = _parse_params(args.param)
    names = [args.estimator]
    if args.estimator != "KMeans" and not args.no_baseline:
        names.append("KMeans")
    common = {
        "dataset": args.dataset,
        "n_samples": int(len(X)),
        "image_shape": list(X.shape[1:]),
        "seed": args.seed,
        "protocol": "fit and evaluate on train+test together"
        + (f", random subset of {args.max_samples}" if args.max_samples else ""),
        "versions": _versions(),
        "git_commit": _git_commit(),
        "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
        # Runs sharing the machine (benchmarks/campaign.py sets it): fit
        # seconds and images/s of a shared machine are not those of one run.
        "concurrent_runs": int(os.environ.get("SKDEEPCLUST_CONCURRENT_RUNS", "1")),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
    }
    written = []
    for name in names:
        estimator = make_estimator(
            name, args.seed, args.device, params if name == args.estimator else {}
        )
        X_fit = X.reshape(len(X), -1) if name == "KMeans" else X
        measured = fit_and_measure(
            estimator,
            X_fit,
            y,
            trace_every=args.trace if name != "KMeans" else 0,
            label=f"{args.dataset} {name} seed {args.seed}",
        )
        record = {
            "estimator": name,
            "tag": args.tag if name == args.estimator else None,
            "params": {k: repr(v) for k, v in estimator.get_params().items()},
            **common,
            **measured,
        }
        stem = "__".join(
            [args.dataset, name]
            + ([record["tag"]] if record["tag"] else [])
            + [f"seed{args.seed}", _device_kind(record["device"])]
        )
        args.results_dir.mkdir(parents=True, exist_ok=True)
        path = args.results_dir / f"{stem}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        written.append(path)
        print(
            f"{name:20s} {args.dataset:14s} seed {args.seed}: ACC {record['acc']:.4f} "
            f"NMI {record['nmi']:.4f} ARI {record['ari']:.4f}  "
            f"{record['fit_seconds']:.1f}s  -> {path}",
            flush=True,
        )
    write_table(args.results_dir)
    return written


def _fmt(value, digits=3):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _sharing(rows):
    # Older records predate the field: how busy their machine was is unknown.
    counts = sorted({r.get("concurrent_runs") for r in rows}, key=str)
    return "/".join("?" if c is None else str(c) for c in counts)


SUMMARY_COLUMNS = (
    "dataset",
    "estimator",
    "tag",
    "device",
    "seeds",
    "ACC",
    "NMI",
    "ARI",
    "epochs",
    "fit s",
    "train img/s",
    "runs at once",
)


def load_records(results_dir=RESULTS):
    return [json.loads(p.read_text()) for p in sorted(results_dir.glob("*.json"))]


def summary_rows(records):
    """One row of strings (``SUMMARY_COLUMNS``) per configuration and device.

    Scores are the mean ± standard deviation over the recorded seeds.
    """
    groups = {}
    for r in records:
        key = (r["dataset"], r["estimator"], r.get("tag") or "", r["device"])
        groups.setdefault(key, []).append(r)
    rows = []
    for (dataset, estimator, tag, device), runs in sorted(groups.items()):

        def stat(field, runs=runs):
            values = np.array([r[field] for r in runs], dtype=float)
            if len(values) == 1:
                return f"{values[0]:.3f}"
            return f"{values.mean():.3f} ± {values.std():.3f}"

        speed = [r["train_images_per_second"] for r in runs]
        rows.append(
            [
                dataset,
                estimator,
                tag,
                device,
                str(len(runs)),
                stat("acc"),
                stat("nmi"),
                stat("ari"),
                str(runs[0]["epochs"]),
                f"{np.mean([r['fit_seconds'] for r in runs]):.1f}",
                _fmt(None if None in speed else float(np.mean(speed)), 0),
                _sharing(runs),
            ]
        )
    return rows


THROUGHPUT_COLUMNS = (
    "estimator",
    "code",
    "device",
    "torch threads",
    "img/s",
    "ours / authors'",
)


def throughput_rows(throughput_dir=RESULTS / "throughput"):
    """One row of strings (``THROUGHPUT_COLUMNS``) per speed measured alone.

    Reads what ``throughput.py`` and ``authors_throughput.py`` wrote; where
    both measured an estimator on the same device, the last column is the
    ratio of our images/s to the authors'.
    """
    records = [
        json.loads(path.read_text()) for path in sorted(throughput_dir.glob("*.json"))
    ]
    authors = {
        (r["estimator"], r["device"]): r["train_images_per_second"]
        for r in records
        if r.get("code", "").endswith("(authors)")
    }
    rows = []
    for r in sorted(records, key=lambda r: (_device_kind(r["device"]), r["estimator"])):
        is_authors = r.get("code", "").endswith("(authors)")
        theirs = authors.get((r["estimator"], r["device"]))
        ratio = (
            f"{r['train_images_per_second'] / theirs:.1f}x"
            if theirs and not is_authors
            else ""
        )
        rows.append(
            (
                r["estimator"],
                "authors'" if is_authors else "skdeepclust",
                r["device"],
                str(r["torch_threads"]),
                f"{r['train_images_per_second']:.0f}",
                ratio,
            )
        )
    return rows


def _markdown_table(columns, rows):
    """Lines of a markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def write_table(results_dir=RESULTS):
    """Rebuild ``README.md`` in ``results_dir`` from its JSON files."""
    records = load_records(results_dir)
    lines = [
        "# Recorded benchmark results",
        "",
        "Generated by `python benchmarks/run.py` (do not edit by hand). Every row is",
        "fitted and evaluated on train+test together, as the papers do. ACC is the",
        "Hungarian-matched accuracy. `epochs` counts training epochs (Lloyd",
        "iterations of the best initialisation for KMeans). Re-run a row with the",
        "`command` in its JSON file. `runs at once` > 1 means the run",
        "was one of several at once (`benchmarks/campaign.py`): its fit seconds",
        "and images/s are those of a shared machine, upper bounds on a run alone;",
        "`?`: not recorded (CPU runs of the first session, some on a loaded",
        "machine). `benchmarks/results/throughput/` has speeds measured alone.",
        "",
        "## Summary (mean ± std over seeds)",
        "",
        *_markdown_table(SUMMARY_COLUMNS, summary_rows(records)),
    ]
    lines += [
        "",
        "## All runs",
        "",
        "| dataset | n | estimator | tag | seed | device | ACC | NMI | ARI | epochs "
        "| fit s | train img/s | sharing | peak host MB | peak device MB | torch "
        "| commit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(records, key=lambda r: (r["dataset"], r["estimator"], r["seed"])):
        lines.append(
            f"| {r['dataset']} | {r['n_samples']} | {r['estimator']} | "
            f"{r.get('tag') or ''} | {r['seed']} | {r['device']} | {_fmt(r['acc'])} | "
            f"{_fmt(r['nmi'])} | {_fmt(r['ari'])} | {r['epochs']} | "
            f"{_fmt(r['fit_seconds'], 1)} | {_fmt(r['train_images_per_second'], 0)} | "
            f"{_sharing([r])} | "
            f"{_fmt(r['peak_host_mb'], 0)} | {_fmt(r['peak_device_mb'], 0)} | "
            f"{r['versions']['torch']} | {(r['git_commit'] or '')[:10]} |"
        )
    throughput = throughput_rows(results_dir / "throughput")
    if throughput:
        lines += [
            "",
            "## Training speed alone (`throughput.py`, `authors_throughput.py`)",
            "",
            "MNIST configurations, batch as the papers, nothing else on the machine.",
            "",
            *_markdown_table(THROUGHPUT_COLUMNS, throughput),
        ]
    (results_dir / "README.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--estimator", choices=ESTIMATORS)
    parser.add_argument("--dataset", choices=DATASETS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="estimator parameter (Python literal), repeatable",
    )
    parser.add_argument("--tag", help="label for a non-default configuration")
    parser.add_argument(
        "--data-home",
        default=os.environ.get("SKDEEPCLUST_DATA_HOME", str(DEFAULT_DATA_HOME)),
        help="folder with mnist/, fashion-mnist/, usps/ (default: %(default)s)",
    )
    parser.add_argument("--max-samples", type=int, help="random subset (smoke runs)")
    parser.add_argument("--no-baseline", action="store_true", help="skip KMeans row")
    parser.add_argument(
        "--trace",
        type=int,
        nargs="?",
        const=1,
        default=0,
        metavar="EVERY",
        help="record time-to-accuracy, scoring every EVERY epochs (default 1)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS,
        help="where the JSON files and table go (default: %(default)s)",
    )
    parser.add_argument("--table", action="store_true", help="only rebuild the table")
    args = parser.parse_args(argv)
    if args.table:
        write_table(args.results_dir)
        return
    if not (args.estimator and args.dataset):
        parser.error("--estimator and --dataset are required (or --table)")
    run(args)


if __name__ == "__main__":
    main()
